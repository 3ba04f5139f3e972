//! A blocking client of MLflow's REST API 2.0 and its artifact proxy, with short timeouts.
use std::time::Duration;

use anyhow::{bail, Context};
use serde_json::{json, Value};

/// Most metrics, params and tags one `runs/log-batch` call may carry (the server's limits).
pub const MAX_METRICS: usize = 1000;
pub const MAX_PARAMS: usize = 100;
pub const MAX_TAGS: usize = 100;
/// Connecting gives up after this long: an unreachable tracker must not slow a run.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// A whole request gives up after this long.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
pub(super) const MAX_PARAM_CHARS: usize = 500;
pub(super) const MAX_TAG_CHARS: usize = 5000;

/// One metric point.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    pub key: String,
    pub value: f64,
    pub step: i64,
    pub timestamp: i64,
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
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
