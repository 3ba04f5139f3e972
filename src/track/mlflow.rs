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

use anyhow::Context;

use crate::run::record::RunRecord;

pub use super::mlflow_client::{
    now_ms, Client, Metric, CONNECT_TIMEOUT, MAX_METRICS, MAX_PARAMS, MAX_TAGS,
};
use super::tensorboard::{epoch_scalars, final_scalars};
use super::{flatten_config, hvalue_text};

/// The one warning printed when the tracker fails.
pub fn warning(uri: &str, error: &anyhow::Error) -> String {
    format!(
        "warning: MLflow tracking at {uri} failed, nothing more is sent to it: {error:#} (the run \
         record is unaffected)"
    )
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
pub fn run_params(record: &RunRecord, run: &crate::run::record::ModelRun) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = flatten_config(record)
        .iter()
        .map(|(k, v)| (k.clone(), hvalue_text(v)))
        .collect();
    params.push(("model".into(), run.kind.to_string()));
    params.push(("seed".into(), run.seed.to_string()));
    params
}

/// The metric points of one model run (the TensorBoard scalars, same keys and steps).
pub fn run_metrics(run: &crate::run::record::ModelRun, timestamp: i64) -> Vec<Metric> {
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
    for name in [crate::store::layout::RECORD, crate::store::layout::TABLE] {
        let path = run_dir.join(name);
        if path.is_file() {
            out.push((name.to_string(), path));
        }
    }
    let figures = run_dir.join(crate::store::layout::FIGURES);
    if let Ok(entries) = std::fs::read_dir(&figures) {
        let mut pngs: Vec<_> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "png"))
            .collect();
        pngs.sort();
        for path in pngs {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            out.push((
                format!("{}/{name}", crate::store::layout::FIGURES),
                path.clone(),
            ));
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
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
        assert!(Client::new("https://example.org").is_err());
    }
}
