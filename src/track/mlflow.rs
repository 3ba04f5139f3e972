//! An MLflow tracking client over the REST API 2.0 (blocking `ureq`, plain http, short timeouts).
//!
//! One MLflow run per model × seed of a record: params = the flattened config plus model and seed;
//! tags = commit, versions, CPU features, device, data provenance (variant, what it was checked
//! against, each file's sha256) and every claim verdict; metrics = the per-epoch losses (step =
//! epoch) and the final per-class ROC-AUC and AP (step = last epoch), the same keys as the
//! TensorBoard tags; artifacts = `record.json`, `table.txt` and the PNG figures, uploaded through
//! the server's artifact proxy (`mlflow server` serves `mlflow-artifacts:/` URIs by default). A
//! sweep cell's runs are children (`mlflow.parentRunId`) of the sweep's parent run.
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context};
use serde_json::{json, Value};

use crate::record::RunRecord;

use super::tensorboard::{epoch_scalars, final_scalars};
use super::{flatten_config, hvalue_text};

/// Most metrics, params and tags one `runs/log-batch` call may carry (the server's limits).
pub const MAX_METRICS: usize = 1000;
pub const MAX_PARAMS: usize = 100;
pub const MAX_TAGS: usize = 100;
/// Connecting gives up after this long: an unreachable tracker must not slow a run.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// A whole request gives up after this long.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
const MAX_PARAM_CHARS: usize = 500;
const MAX_TAG_CHARS: usize = 5000;

/// The one warning printed when the tracker fails.
pub fn warning(uri: &str, error: &anyhow::Error) -> String {
    format!(
        "warning: MLflow tracking at {uri} failed, nothing more is sent to it: {error:#} (the run \
         record is unaffected)"
    )
}

pub struct Client {
    base: String,
    agent: ureq::Agent,
}

impl Client {
    pub fn new(uri: &str) -> anyhow::Result<Client> {
        let base = uri.trim_end_matches('/').to_string();
        if !base.starts_with("http://") {
            bail!("only http:// tracking URIs are supported (got {uri})");
        }
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build();
        Ok(Client { base, agent })
    }

    fn url(&self, api: &str) -> String {
        format!("{}/api/2.0/mlflow/{api}", self.base)
    }

    fn read(response: Result<ureq::Response, ureq::Error>, what: &str) -> anyhow::Result<Value> {
        match response {
            Ok(r) => {
                let text = r
                    .into_string()
                    .with_context(|| format!("{what}: reading"))?;
                if text.trim().is_empty() {
                    return Ok(json!({}));
                }
                serde_json::from_str(&text).with_context(|| format!("{what}: not JSON"))
            }
            Err(ureq::Error::Status(code, r)) => {
                let text = r.into_string().unwrap_or_default();
                bail!(
                    "{what}: HTTP {code}: {}",
                    text.chars().take(300).collect::<String>()
                )
            }
            Err(e) => bail!("{what}: {e}"),
        }
    }

    pub fn post(&self, api: &str, body: &Value) -> anyhow::Result<Value> {
        Self::read(
            self.agent
                .post(&self.url(api))
                .set("Content-Type", "application/json")
                .send_string(&body.to_string()),
            api,
        )
    }

    pub fn get(&self, api: &str, query: &[(&str, &str)]) -> anyhow::Result<Value> {
        let mut request = self.agent.get(&self.url(api));
        for (k, v) in query {
            request = request.query(k, v);
        }
        Self::read(request.call(), api)
    }

    /// The id of experiment `name`, created when missing.
    pub fn experiment_id(&self, name: &str) -> anyhow::Result<String> {
        let found = self.get("experiments/get-by-name", &[("experiment_name", name)]);
        if let Ok(v) = &found {
            if let Some(id) = v["experiment"]["experiment_id"].as_str() {
                return Ok(id.to_string());
            }
        }
        match self.post("experiments/create", &json!({ "name": name })) {
            Ok(v) => v["experiment_id"]
                .as_str()
                .map(str::to_string)
                .context("experiments/create: no experiment_id"),
            // Another process (a sweep cell) created it meanwhile.
            Err(e) => match self.get("experiments/get-by-name", &[("experiment_name", name)]) {
                Ok(v) => v["experiment"]["experiment_id"]
                    .as_str()
                    .map(str::to_string)
                    .ok_or(e),
                Err(_) => Err(e),
            },
        }
    }

    /// Creates a run; returns (run id, artifact URI).
    pub fn create_run(
        &self,
        experiment_id: &str,
        name: &str,
        tags: &[(String, String)],
    ) -> anyhow::Result<(String, String)> {
        let tags: Vec<Value> = tags
            .iter()
            .map(|(k, v)| json!({"key": k, "value": v}))
            .collect();
        let v = self.post(
            "runs/create",
            &json!({
                "experiment_id": experiment_id,
                "run_name": name,
                "start_time": now_ms(),
                "tags": tags,
            }),
        )?;
        let info = &v["run"]["info"];
        let id = info["run_id"]
            .as_str()
            .context("runs/create: no run_id")?
            .to_string();
        let artifact_uri = info["artifact_uri"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        Ok((id, artifact_uri))
    }

    /// Logs params, tags and metrics in calls within the server's batch limits.
    pub fn log_batch(
        &self,
        run_id: &str,
        params: &[(String, String)],
        tags: &[(String, String)],
        metrics: &[Metric],
    ) -> anyhow::Result<()> {
        let kv = |items: &[(String, String)], max: usize| -> Vec<Value> {
            items
                .iter()
                .map(|(k, v)| json!({"key": k, "value": v.chars().take(max).collect::<String>()}))
                .collect()
        };
        for chunk in params.chunks(MAX_PARAMS) {
            self.post(
                "runs/log-batch",
                &json!({"run_id": run_id, "params": kv(chunk, MAX_PARAM_CHARS)}),
            )?;
        }
        for chunk in tags.chunks(MAX_TAGS) {
            self.post(
                "runs/log-batch",
                &json!({"run_id": run_id, "tags": kv(chunk, MAX_TAG_CHARS)}),
            )?;
        }
        let finite: Vec<Value> = metrics
            .iter()
            .filter(|m| m.value.is_finite())
            .map(|m| json!({"key": m.key, "value": m.value, "timestamp": m.timestamp, "step": m.step}))
            .collect();
        for chunk in finite.chunks(MAX_METRICS) {
            self.post(
                "runs/log-batch",
                &json!({"run_id": run_id, "metrics": chunk}),
            )?;
        }
        Ok(())
    }

    /// Uploads `bytes` as artifact `path` of a run whose artifact URI is `mlflow-artifacts:/…`
    /// (the server's artifact proxy).
    pub fn put_artifact(&self, artifact_uri: &str, path: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let Some(rest) = artifact_uri.strip_prefix("mlflow-artifacts:") else {
            bail!(
                "the run's artifact URI {artifact_uri} is not served by the tracking server \
                 (start it with artifact proxying, the default of `mlflow server`)"
            );
        };
        // `mlflow-artifacts:/<exp>/<run>/artifacts` or `mlflow-artifacts://host:port/<exp>/…`.
        let rest = rest.trim_start_matches('/');
        let rest = if artifact_uri.starts_with("mlflow-artifacts://") {
            rest.split_once('/').map_or("", |(_, r)| r)
        } else {
            rest
        };
        let url = format!(
            "{}/api/2.0/mlflow-artifacts/artifacts/{}/{}",
            self.base,
            rest.trim_end_matches('/'),
            path
        );
        Self::read(self.agent.put(&url).send_bytes(bytes), "artifact upload").map(|_| ())
    }

    pub fn end_run(&self, run_id: &str, success: bool) -> anyhow::Result<()> {
        self.post(
            "runs/update",
            &json!({
                "run_id": run_id,
                "status": if success { "FINISHED" } else { "FAILED" },
                "end_time": now_ms(),
            }),
        )
        .map(|_| ())
    }
}

/// One metric point.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    pub key: String,
    pub value: f64,
    pub step: i64,
    pub timestamp: i64,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Tags of every run of `record`: versions, machine, data provenance, claim verdicts.
pub fn record_tags(record: &RunRecord) -> Vec<(String, String)> {
    let env = &record.environment;
    let mut tags = vec![
        ("aerepro.version".to_string(), env.aerepro_version.clone()),
        (
            "aerepro.libtorch".to_string(),
            format!("{} ({})", env.libtorch_version, env.libtorch_variant),
        ),
        ("aerepro.tch".to_string(), env.tch_version.clone()),
        ("aerepro.device".to_string(), record.device.clone()),
        ("aerepro.threads".to_string(), env.threads.to_string()),
        (
            "aerepro.cpu_features".to_string(),
            env.cpu_features.join(" "),
        ),
        ("aerepro.complete".to_string(), record.complete.to_string()),
        ("data.variant".to_string(), record.data.variant.clone()),
        ("data.checked".to_string(), record.data.checked.clone()),
    ];
    if let Some(commit) = &env.git_commit {
        tags.push(("aerepro.commit".into(), commit.clone()));
        tags.push((
            "mlflow.source.git.commit".into(),
            commit.trim_end_matches("-dirty").into(),
        ));
    }
    for file in &record.data.files {
        let name = Path::new(&file.path)
            .file_name()
            .map_or(file.path.clone(), |n| n.to_string_lossy().into_owned());
        tags.push((format!("data.sha256.{name}"), file.sha256.clone()));
    }
    for claim in &record.claims {
        tags.push((format!("claim.{}", claim.id), claim.verdict.to_string()));
        tags.push((
            format!("claim.{}.measured", claim.id),
            claim.measured.clone(),
        ));
    }
    tags
}

/// The params of one model run: the flattened config, model and seed.
pub fn run_params(record: &RunRecord, run: &crate::record::ModelRun) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = flatten_config(record)
        .iter()
        .map(|(k, v)| (k.clone(), hvalue_text(v)))
        .collect();
    params.push(("model".into(), run.kind.to_string()));
    params.push(("seed".into(), run.seed.to_string()));
    params
}

/// The metric points of one model run (the TensorBoard scalars, same keys and steps).
pub fn run_metrics(run: &crate::record::ModelRun, timestamp: i64) -> Vec<Metric> {
    let mut metrics = Vec::new();
    for epoch in &run.train.epochs {
        for (key, value) in epoch_scalars(epoch) {
            metrics.push(Metric {
                key,
                value,
                step: epoch.epoch as i64,
                timestamp,
            });
        }
    }
    let last = run.train.epochs.last().map_or(0, |e| e.epoch as i64);
    for (key, value) in final_scalars(run) {
        metrics.push(Metric {
            key,
            value,
            step: last,
            timestamp,
        });
    }
    metrics
}

/// The artifacts of a run directory: (artifact path, file).
fn artifacts(run_dir: &Path) -> Vec<(String, std::path::PathBuf)> {
    let mut out = Vec::new();
    for name in [crate::run_dir::RECORD, crate::run_dir::TABLE] {
        let path = run_dir.join(name);
        if path.is_file() {
            out.push((name.to_string(), path));
        }
    }
    let figures = run_dir.join(crate::run_dir::FIGURES);
    if let Ok(entries) = std::fs::read_dir(&figures) {
        let mut pngs: Vec<_> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "png"))
            .collect();
        pngs.sort();
        for path in pngs {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            out.push((format!("{}/{name}", crate::run_dir::FIGURES), path.clone()));
        }
    }
    out
}

/// Logs every model × seed of `record` as an MLflow run (children of `parent` when given); returns
/// the run ids. Stops at the first failure.
pub fn log_record(
    uri: &str,
    experiment: &str,
    record: &RunRecord,
    run_dir: &Path,
    parent: Option<&str>,
) -> anyhow::Result<Vec<String>> {
    let client = Client::new(uri)?;
    let experiment_id = client.experiment_id(experiment)?;
    let config = &record.config;
    let class_name = config
        .dataset
        .class_names()
        .get(config.normal_class as usize)
        .map_or(config.normal_class.to_string(), |n| n.to_string());
    let common_tags = record_tags(record);
    let files = artifacts(run_dir);
    let mut ids = Vec::new();
    for run in &record.runs {
        let name = format!(
            "{}-normal-{class_name}-{}-seed{}",
            config.dataset.slug(),
            run.kind,
            run.seed
        )
        .to_lowercase();
        let mut create_tags = vec![("aerepro.run_dir".to_string(), run_dir.display().to_string())];
        if let Some(parent) = parent {
            create_tags.push(("mlflow.parentRunId".into(), parent.into()));
        }
        let (id, artifact_uri) = client.create_run(&experiment_id, &name, &create_tags)?;
        let mut tags = common_tags.clone();
        tags.push((
            "aerepro.collapse_detected".into(),
            run.train.collapse.detected.to_string(),
        ));
        tags.push(("aerepro.resumed".into(), run.resumed.to_string()));
        client.log_batch(
            &id,
            &run_params(record, run),
            &tags,
            &run_metrics(run, now_ms()),
        )?;
        for (path, file) in &files {
            let bytes =
                std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
            client.put_artifact(&artifact_uri, path, &bytes)?;
        }
        client.end_run(&id, record.complete)?;
        ids.push(id);
    }
    Ok(ids)
}

/// Creates the parent run of a sweep; returns its id.
pub fn start_parent(
    uri: &str,
    experiment: &str,
    name: &str,
    sweep_dir: &Path,
) -> anyhow::Result<String> {
    let client = Client::new(uri)?;
    let experiment_id = client.experiment_id(experiment)?;
    let tags = vec![
        (
            "aerepro.sweep_dir".to_string(),
            sweep_dir.display().to_string(),
        ),
        ("aerepro.kind".to_string(), "sweep".to_string()),
    ];
    let (id, artifact_uri) = client.create_run(&experiment_id, name, &tags)?;
    let plan = sweep_dir.join("plan.json");
    if let Ok(bytes) = std::fs::read(&plan) {
        client.put_artifact(&artifact_uri, "plan.json", &bytes)?;
    }
    Ok(id)
}

pub fn end_run(uri: &str, run_id: &str, success: bool) -> anyhow::Result<()> {
    Client::new(uri)?.end_run(run_id, success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_port_fails_fast_with_one_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let started = std::time::Instant::now();
        let client = Client::new(&format!("http://127.0.0.1:{port}")).unwrap();
        assert!(client.experiment_id("x").is_err());
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(Client::new("https://example.org").is_err());
    }
}
