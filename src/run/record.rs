//! The run record (`DIR/record.json`): one typed, versioned schema that `reproduce` writes and every
//! reader (`report`, `audit`, the cost report, sweep merge) reads back through [`read_record`]; atomic
//! JSON output; the versions and environment every record carries.
//!
//! Versions: 1 is the layout written before `schema_version` existed (a record without the field);
//! 2 adds `schema_version`, `environment.cpu_features` and `paired_tests[].seed` (every seed's
//! paired tests). Version 1 records are read and upgraded in memory (keeping `schema_version: 1`);
//! a newer version is refused with a message naming the file.
use std::path::Path;

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};

use super::config::ExperimentConfig;
use super::environment::Environment;
use super::step_cost::StepCosts;
use crate::claims::ClaimVerdict;
use crate::data::preprocess::Preprocessor;
use crate::data::Provenance;
use crate::metrics::check_unit_interval;
use crate::metrics::class_rows::{ClassMetrics, PairedComparison, SummaryRow};
use crate::model::ModelKind;
use crate::score::evaluate::ScoringReport;
use crate::score::ScoreKind;
use crate::train::TrainReport;

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = 2;
/// What a record without `schema_version` is.
pub const UNVERSIONED_SCHEMA: u32 = 1;

fn unversioned() -> u32 {
    UNVERSIONED_SCHEMA
}

/// One trained model of one seed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelRun {
    pub kind: ModelKind,
    pub seed: u64,
    pub train: TrainReport,
    pub seconds_per_epoch: f64,
    pub score_seconds: f64,
    /// True when the weights came from a checkpoint of an interrupted run (`--resume`).
    pub resumed: bool,
    pub checkpoint: String,
    pub per_class: Vec<ClassMetrics>,
    pub all_others: ClassMetrics,
    /// Every score of `config.scoring` (the MSE again among them), with its threshold; absent in
    /// records written before scores were a choice.
    #[serde(default)]
    pub scoring: Option<ScoringReport>,
}

/// The JSON record of a run (`DIR/record.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRecord {
    #[serde(default = "unversioned")]
    pub schema_version: u32,
    pub environment: Environment,
    pub device: String,
    pub config: ExperimentConfig,
    pub data: Provenance,
    /// The input transform fitted on the normal training images (absent when `raw`).
    #[serde(default, skip_serializing_if = "Preprocessor::is_raw")]
    pub preprocessor: Preprocessor,
    pub runs: Vec<ModelRun>,
    pub summary: Vec<SummaryRow>,
    pub paired_tests: Vec<PairedComparison>,
    /// Per-step training seconds of the three models, timed interleaved after training (None when
    /// fewer than three models ran or `config.step_cost.rounds` is 0).
    #[serde(default)]
    pub step_costs: Option<StepCosts>,
    pub claims: Vec<ClaimVerdict>,
    /// Per-score summaries and claims across the run's models and seeds (absent in older records).
    #[serde(default)]
    pub scoring: Option<RunScoring>,
    pub complete: bool,
    pub wall_seconds: f64,
}

/// One score across a run's models and seeds: summary rows (as the paper's score has) and the
/// ranking claims under it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScoreSummary {
    pub score: ScoreKind,
    /// The models the score applies to.
    pub models: Vec<ModelKind>,
    pub summary: Vec<SummaryRow>,
    /// The paper's ranking claims evaluated under this score (paper's normal class only): MNIST C1
    /// (and C2 when CAE and AAE both have the score), CIFAR-10 C3, C4, C7.
    pub claims: Vec<ClaimVerdict>,
}

/// The run-level part of the scoring (a field of the run record).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunScoring {
    /// Seconds spent on the PNG complexity of all images (once per run), when computed.
    pub complexity_seconds: Option<f64>,
    /// Normal training images held out for the thresholds (0: thresholds in-sample).
    pub holdout_images: usize,
    pub per_score: Vec<ScoreSummary>,
}

/// Whether a reader can live with a record whose run did not finish (`complete: false`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completeness {
    /// Read it, with a warning on stderr naming the file.
    WarnIfIncomplete,
    /// Refuse it.
    Required,
}

/// Reads a run record of any supported schema version, upgraded to the current one in memory.
/// Refuses a newer or unknown version, and (with [`Completeness::Required`]) an unfinished run; an
/// unfinished run read anyway is reported on stderr.
pub fn read_record(path: &Path, completeness: Completeness) -> anyhow::Result<RunRecord> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let record = parse_record(&text).with_context(|| format!("run record {}", path.display()))?;
    if !record.complete {
        match completeness {
            Completeness::Required => bail!(
                "run record {} is incomplete (complete: false): its run was interrupted or is \
                 still going; finish it (reproduce --resume) before using it here",
                path.display()
            ),
            Completeness::WarnIfIncomplete => eprintln!(
                "warning: run record {} is incomplete (complete: false): it holds only the models \
                 finished so far, and no claim verdicts",
                path.display()
            ),
        }
    }
    Ok(record)
}

/// Parses a run record from JSON text (see [`read_record`]).
pub fn parse_record(text: &str) -> anyhow::Result<RunRecord> {
    let value: serde_json::Value = serde_json::from_str(text).context("not JSON")?;
    let version = match value.get("schema_version") {
        None => UNVERSIONED_SCHEMA,
        Some(v) => v
            .as_u64()
            .and_then(|v| u32::try_from(v).ok())
            .with_context(|| format!("schema_version is {v}, expected a whole number"))?,
    };
    if !(UNVERSIONED_SCHEMA..=SCHEMA_VERSION).contains(&version) {
        bail!(
            "schema_version {version} is not one this aerepro reads ({UNVERSIONED_SCHEMA} to \
             {SCHEMA_VERSION}); it was written by a newer aerepro, or is not an aerepro record"
        );
    }
    let mut record: RunRecord = serde_path_to_error::deserialize(value).map_err(|e| {
        anyhow::anyhow!(
            "not a version-{version} aerepro run record: field `{}`: {}",
            e.path(),
            e.inner()
        )
    })?;
    if version == UNVERSIONED_SCHEMA {
        upgrade_from_v1(&mut record);
    }
    record.check_ranges().map_err(anyhow::Error::msg)?;
    Ok(record)
}

impl RunRecord {
    /// Every class index in range for the record's dataset and every ROC-AUC and AP in [0, 1] (or
    /// undefined): values a reader indexes with or renders.
    fn check_ranges(&self) -> Result<(), String> {
        let dataset = self.config.dataset;
        dataset.check_class(self.config.normal_class, "config.normal_class")?;
        let rows = |at: &str, per_class: &[ClassMetrics]| -> Result<(), String> {
            for (j, row) in per_class.iter().enumerate() {
                if let Some(class) = row.class {
                    dataset.check_class(class, &format!("{at}[{j}].class"))?;
                }
                check_unit_interval(row.metrics.roc_auc, &format!("{at}[{j}].metrics.roc_auc"))?;
                check_unit_interval(
                    row.metrics.average_precision,
                    &format!("{at}[{j}].metrics.average_precision"),
                )?;
            }
            Ok(())
        };
        for (i, run) in self.runs.iter().enumerate() {
            rows(&format!("runs[{i}].per_class"), &run.per_class)?;
            rows(
                &format!("runs[{i}].all_others"),
                std::slice::from_ref(&run.all_others),
            )?;
        }
        for (i, row) in self.summary.iter().enumerate() {
            if let Some(class) = row.class {
                dataset.check_class(class, &format!("summary[{i}].class"))?;
            }
        }
        for (i, test) in self.paired_tests.iter().enumerate() {
            dataset.check_class(test.class, &format!("paired_tests[{i}].class"))?;
        }
        Ok(())
    }
}

/// Version 1 ran its paired tests on the first seed only. The record keeps `schema_version: 1`, so
/// a reader can tell that its CPU features and claim evidence were not recorded.
fn upgrade_from_v1(record: &mut RunRecord) {
    let first_seed = record.config.seeds.first().copied().unwrap_or(0);
    for test in &mut record.paired_tests {
        test.seed = first_seed;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// A real one-epoch MNIST record (all three models, seed 0) written before `schema_version`.
    const V1: &str = include_str!("../../fixtures/records/v1-mnist-1epoch.json");

    fn v1() -> Value {
        serde_json::from_str(V1).unwrap()
    }

    fn parse(value: &Value) -> anyhow::Result<RunRecord> {
        parse_record(&value.to_string())
    }

    #[test]
    fn a_record_without_schema_version_reads_as_version_1_and_is_upgraded() {
        let record = parse_record(V1).unwrap();
        assert_eq!(record.schema_version, UNVERSIONED_SCHEMA);
        assert_eq!(record.runs.len(), 3);
        assert!(record.environment.cpu_features.is_empty());
        assert!(!record.paired_tests.is_empty());
        assert!(record
            .paired_tests
            .iter()
            .all(|t| t.seed == record.config.seeds[0]));
    }

    #[test]
    fn the_current_version_round_trips() {
        let mut record = parse_record(V1).unwrap();
        record.schema_version = SCHEMA_VERSION;
        record.environment.cpu_features = vec!["avx2".into()];
        let text = serde_json::to_string(&record).unwrap();
        let back = parse_record(&text).unwrap();
        assert_eq!(serde_json::to_string(&back).unwrap(), text);
    }

    #[test]
    fn a_newer_or_malformed_schema_version_is_refused_by_name() {
        for (version, says) in [
            (
                json!(3),
                "schema_version 3 is not one this aerepro reads (1 to 2)",
            ),
            (json!(0), "schema_version 0 is not one"),
            (
                json!("2"),
                "schema_version is \"2\", expected a whole number",
            ),
        ] {
            let mut value = v1();
            value["schema_version"] = version;
            let err = format!("{:#}", parse(&value).unwrap_err());
            assert!(err.contains(says), "{err}");
        }
    }

    #[test]
    fn a_wrong_field_is_named_with_its_path() {
        let mut value = v1();
        value["runs"][1]["train"]["total_seconds"] = json!("fast");
        let err = format!("{:#}", parse(&value).unwrap_err());
        assert!(err.contains("runs[1].train.total_seconds"), "{err}");
        let mut value = v1();
        value["config"]["dataset"] = json!("svhn");
        let err = format!("{:#}", parse(&value).unwrap_err());
        assert!(err.contains("config.dataset"), "{err}");
    }

    #[test]
    fn an_undefined_metric_written_as_null_reads_as_nan() {
        let mut value = v1();
        value["summary"][0]["roc_auc"]["mean"] = Value::Null;
        value["paired_tests"][0]["p_value"] = Value::Null;
        let record = parse(&value).unwrap();
        assert!(record.summary[0].roc_auc.mean.is_nan());
        assert!(record.paired_tests[0].p_value.is_nan());
    }

    #[test]
    fn an_incomplete_record_is_refused_where_required_and_read_elsewhere() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("record.json");
        let mut value = v1();
        value["complete"] = json!(false);
        crate::store::atomic::write_json_atomic(&path, &value).unwrap();
        let err = read_record(&path, Completeness::Required)
            .unwrap_err()
            .to_string();
        assert!(err.contains("is incomplete (complete: false)"), "{err}");
        assert!(err.contains(&path.display().to_string()), "{err}");
        assert!(
            !read_record(&path, Completeness::WarnIfIncomplete)
                .unwrap()
                .complete
        );
    }
}
