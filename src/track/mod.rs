//! Where people look at results: a finished (or partial) run record published to TensorBoard event
//! files ([`tensorboard`]) and to an MLflow tracking server ([`mlflow`]), both read from the record
//! alone, so what they show equals `record.json`. The record stays the source of truth: a tracker
//! that cannot be written prints one warning and never fails or changes the run.
//!
//! Hooks: [`TrackingArgs`] is flattened into the commands that write a record, which then call
//! [`publish`] once after the record (and figures) are written. A sweep cell publishes with
//! [`TrackingArgs::for_cell`]; `sweep run` calls [`start_sweep`] first, which passes the flags (and the
//! MLflow parent run) to its cell processes through the environment, and [`finish_sweep`] after.
pub mod mlflow;
pub mod mlflow_client;
pub mod tensorboard;
pub mod tfevents;

use std::path::{Path, PathBuf};

use clap::Args;

use crate::run::record::RunRecord;
use tfevents::HValue;

/// Environment variable naming the TensorBoard log dir (the default of `--tensorboard`).
pub const TENSORBOARD_ENV: &str = "AEREPRO_TENSORBOARD";
/// Environment variable naming the MLflow tracking URI (the default of `--mlflow`).
pub const MLFLOW_ENV: &str = "MLFLOW_TRACKING_URI";
/// Environment variable naming the MLflow experiment (default [`DEFAULT_EXPERIMENT`]).
pub const MLFLOW_EXPERIMENT_ENV: &str = "MLFLOW_EXPERIMENT_NAME";
/// Environment variable through which `sweep run` gives its cells the MLflow parent run id.
pub const MLFLOW_PARENT_ENV: &str = "AEREPRO_MLFLOW_PARENT_RUN_ID";
pub const DEFAULT_EXPERIMENT: &str = "aerepro";

/// `--tensorboard DIR` and `--mlflow URI`.
#[derive(Debug, Clone, Default, PartialEq, Args)]
pub struct TrackingArgs {
    /// Also write TensorBoard event files (losses per epoch, final metrics, figures, hparams) to
    /// DIR (a sweep cell: DIR/<cell id>/).
    #[arg(long, value_name = "DIR", env = TENSORBOARD_ENV)]
    pub tensorboard: Option<PathBuf>,
    /// Also log one MLflow run per model and seed to this tracking server (http://host:port); a
    /// tracker that cannot be reached prints one warning and changes nothing else.
    #[arg(long, value_name = "URI", env = MLFLOW_ENV)]
    pub mlflow: Option<String>,
    /// MLflow experiment the runs go to (created when missing).
    #[arg(long, value_name = "NAME", env = MLFLOW_EXPERIMENT_ENV, default_value = DEFAULT_EXPERIMENT)]
    pub mlflow_experiment: String,
}

impl TrackingArgs {
    /// The flags of one sweep cell: TensorBoard under DIR/<cell id>/.
    pub fn for_cell(&self, cell_id: &str) -> TrackingArgs {
        TrackingArgs {
            tensorboard: self.tensorboard.as_ref().map(|dir| dir.join(cell_id)),
            ..self.clone()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.tensorboard.is_none() && self.mlflow.is_none()
    }
}

/// What [`publish`] did: the event files written, the MLflow run ids created, and the warnings it
/// printed (at most one per tracker).
#[derive(Debug, Default)]
pub struct Published {
    pub event_files: Vec<PathBuf>,
    pub mlflow_runs: Vec<String>,
    pub warnings: Vec<String>,
}

/// Publishes `record` (with the figures of `run_dir`) to the trackers `args` names. Never fails:
/// a tracker that cannot be written gets one warning on stderr.
pub fn publish(record: &RunRecord, run_dir: &Path, args: &TrackingArgs) -> Published {
    let mut published = Published::default();
    if let Some(dir) = &args.tensorboard {
        match tensorboard::write(record, run_dir, dir) {
            Ok(files) => published.event_files = files,
            Err(e) => published.warnings.push(format!(
                "warning: TensorBoard event files not written to {}: {e:#} (the run record is \
                 unaffected)",
                dir.display()
            )),
        }
    }
    if let Some(uri) = &args.mlflow {
        let parent = std::env::var(MLFLOW_PARENT_ENV)
            .ok()
            .filter(|s| !s.is_empty());
        match mlflow::log_record(
            uri,
            &args.mlflow_experiment,
            record,
            run_dir,
            parent.as_deref(),
        ) {
            Ok(ids) => published.mlflow_runs = ids,
            Err(e) => published.warnings.push(mlflow::warning(uri, &e)),
        }
    }
    for warning in &published.warnings {
        eprintln!("{warning}");
    }
    published
}

/// [`publish`] of the record in `run_dir` (a sweep cell's directory); an unreadable record is one
/// warning.
pub fn publish_dir(run_dir: &Path, args: &TrackingArgs) -> Published {
    let path = run_dir.join(crate::store::layout::RECORD);
    match crate::run::record::read_record(&path, crate::run::record::Completeness::WarnIfIncomplete)
    {
        Ok(record) => publish(&record, run_dir, args),
        Err(e) => {
            let warning = format!("warning: nothing published to the trackers: {e:#}");
            eprintln!("{warning}");
            Published {
                warnings: vec![warning],
                ..Published::default()
            }
        }
    }
}

/// A sweep's MLflow parent run, finished by [`finish_sweep`].
#[derive(Debug)]
pub struct SweepTracking {
    uri: Option<String>,
    parent: Option<String>,
}

/// Before `sweep run` starts its cells: creates the MLflow parent run of the sweep (one warning if
/// the server cannot be reached) and exports the flags to the cell processes' environment.
pub fn start_sweep(sweep_dir: &Path, args: &TrackingArgs) -> SweepTracking {
    if let Some(dir) = &args.tensorboard {
        std::env::set_var(TENSORBOARD_ENV, dir);
    }
    std::env::set_var(MLFLOW_EXPERIMENT_ENV, &args.mlflow_experiment);
    let Some(uri) = &args.mlflow else {
        return SweepTracking {
            uri: None,
            parent: None,
        };
    };
    std::env::set_var(MLFLOW_ENV, uri);
    let name = sweep_dir
        .canonicalize()
        .unwrap_or_else(|_| sweep_dir.to_path_buf())
        .file_name()
        .map_or_else(|| "sweep".into(), |n| n.to_string_lossy().into_owned());
    match mlflow::start_parent(uri, &args.mlflow_experiment, &name, sweep_dir) {
        Ok(id) => {
            std::env::set_var(MLFLOW_PARENT_ENV, &id);
            SweepTracking {
                uri: Some(uri.clone()),
                parent: Some(id),
            }
        }
        Err(e) => {
            eprintln!("{}", mlflow::warning(uri, &e));
            SweepTracking {
                uri: None,
                parent: None,
            }
        }
    }
}

/// After `sweep run`: ends the parent run (FINISHED, or FAILED when cells failed).
pub fn finish_sweep(tracking: SweepTracking, failed: bool) {
    if let (Some(uri), Some(parent)) = (&tracking.uri, &tracking.parent) {
        if let Err(e) = mlflow::end_run(uri, parent, !failed) {
            eprintln!("{}", mlflow::warning(uri, &e));
        }
    }
}

/// The run's config flattened to `a.b.c` keys (arrays as JSON text), with the data variant.
pub fn flatten_config(record: &RunRecord) -> Vec<(String, HValue)> {
    let mut out = Vec::new();
    let value = serde_json::to_value(&record.config).unwrap_or_default();
    flatten_into(&mut out, "", &value);
    out.push((
        "data.variant".into(),
        HValue::Str(record.data.variant.clone()),
    ));
    out
}

fn flatten_into(out: &mut Vec<(String, HValue)>, prefix: &str, value: &serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                let name = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten_into(out, &name, v);
            }
        }
        Value::Number(n) => out.push((prefix.into(), HValue::Num(n.as_f64().unwrap_or(f64::NAN)))),
        Value::Bool(b) => out.push((prefix.into(), HValue::Bool(*b))),
        Value::String(s) => out.push((prefix.into(), HValue::Str(s.clone()))),
        Value::Null => out.push((prefix.into(), HValue::Str("null".into()))),
        Value::Array(_) => out.push((prefix.into(), HValue::Str(value.to_string()))),
    }
}

/// A hyperparameter as the text MLflow params hold.
pub fn hvalue_text(value: &HValue) -> String {
    match value {
        HValue::Num(v) => {
            if v.fract() == 0.0 && v.abs() < 1e15 {
                format!("{}", *v as i64)
            } else {
                format!("{v}")
            }
        }
        HValue::Str(s) => s.clone(),
        HValue::Bool(b) => b.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_writes_under_its_id_and_keeps_the_server() {
        let args = TrackingArgs {
            tensorboard: Some("tb".into()),
            mlflow: Some("http://x".into()),
            mlflow_experiment: "e".into(),
        };
        let cell = args.for_cell("abc");
        assert_eq!(cell.tensorboard, Some(PathBuf::from("tb/abc")));
        assert_eq!(cell.mlflow, args.mlflow);
        assert!(TrackingArgs::default().is_empty());
    }

    #[test]
    fn nested_config_flattens_to_dotted_keys() {
        let mut out = Vec::new();
        flatten_into(
            &mut out,
            "",
            &serde_json::json!({"a": {"b": 1, "c": [1, 2]}, "d": "x", "e": true}),
        );
        assert_eq!(
            out,
            [
                ("a.b".to_string(), HValue::Num(1.0)),
                ("a.c".to_string(), HValue::Str("[1,2]".into())),
                ("d".to_string(), HValue::Str("x".into())),
                ("e".to_string(), HValue::Bool(true)),
            ]
        );
        assert_eq!(hvalue_text(&HValue::Num(3.0)), "3");
        assert_eq!(hvalue_text(&HValue::Num(0.5)), "0.5");
    }
}
