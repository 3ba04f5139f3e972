//! The run record (`DIR/record.json`): one typed, versioned schema that `reproduce` writes and every
//! reader (`report`, `audit`, the cost report, sweep merge) reads back through [`read_record`]; atomic
//! JSON output; the versions and environment every record carries.
//!
//! Versions: 1 is the layout written before `schema_version` existed (a record without the field);
//! 2 adds `schema_version`, `environment.cpu_features` and `paired_tests[].seed` (every seed's
//! paired tests). Version 1 records are read and upgraded in memory (keeping `schema_version: 1`);
//! a newer version is refused with a message naming the file.
use std::fs::Permissions;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use anyhow::{bail, Context};
use serde::{Deserialize, Deserializer, Serialize};

use crate::claims::ClaimVerdict;
use crate::data::Provenance;
use crate::experiment::ExperimentConfig;
use crate::metrics::MetricsSummary;
use crate::model::aten::FlushDenormals;
use crate::model::ModelKind;
use crate::score::evaluate::{RunScoring, ScoringReport};
use crate::step_cost::StepCosts;
use crate::train::TrainReport;

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = 2;
/// What a record without `schema_version` is.
pub const UNVERSIONED_SCHEMA: u32 = 1;

fn unversioned() -> u32 {
    UNVERSIONED_SCHEMA
}

/// Metrics of normal test images vs the test images of one class (`class: None` = all other classes).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClassMetrics {
    pub class: Option<u8>,
    pub name: String,
    pub metrics: MetricsSummary,
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

/// Mean and sample standard deviation across seeds.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct MeanSd {
    #[serde(deserialize_with = "f64_or_nan")]
    pub mean: f64,
    #[serde(deserialize_with = "f64_or_nan")]
    pub sd: f64,
    pub n: usize,
}

impl MeanSd {
    pub fn of(values: &[f64]) -> MeanSd {
        let n = values.len();
        let mean = values.iter().sum::<f64>() / n as f64;
        let sd = if n > 1 {
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
        } else {
            0.0
        };
        MeanSd { mean, sd, n }
    }
}

/// Across-seed summary of one model on one class row.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SummaryRow {
    pub kind: ModelKind,
    pub class: Option<u8>,
    pub name: String,
    pub roc_auc: MeanSd,
    pub average_precision: MeanSd,
    pub pr_auc_trapezoid: MeanSd,
}

/// One-sided paired DeLong test of one seed: does `better` have a higher ROC-AUC than `worse`?
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PairedComparison {
    /// The seed whose models were compared (version 1 records compared the first seed only, and
    /// are upgraded to say so).
    #[serde(default)]
    pub seed: u64,
    pub class: u8,
    pub better: ModelKind,
    pub worse: ModelKind,
    #[serde(deserialize_with = "f64_or_nan")]
    pub difference: f64,
    #[serde(deserialize_with = "f64_or_nan")]
    pub z: f64,
    #[serde(deserialize_with = "f64_or_nan")]
    pub p_value: f64,
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

/// JSON writes a non-finite float as `null`; read it back as NaN so that a record with an undefined
/// metric still loads and the reader decides what a missing value means.
pub fn f64_or_nan<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(f64::NAN))
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
    Ok(record)
}

/// The run records under `path`: the file itself, a run directory's `record.json`, every finished
/// cell of a sweep directory (`cells/<id>/record.json` whose `cell.json` commit marker exists; an
/// unfinished cell is reported on stderr and skipped), or those of each run or sweep directory
/// directly inside `path`. Sorted by path.
pub fn record_paths(path: &Path) -> anyhow::Result<Vec<std::path::PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let in_run_dir = path.join("record.json");
    if in_run_dir.is_file() {
        return Ok(vec![in_run_dir]);
    }
    let cells = path.join("cells");
    if cells.is_dir() {
        let mut found = Vec::new();
        for entry in
            std::fs::read_dir(&cells).with_context(|| format!("listing {}", cells.display()))?
        {
            let cell = entry
                .with_context(|| format!("listing {}", cells.display()))?
                .path();
            if !cell.is_dir() {
                continue;
            }
            if cell.join("cell.json").is_file() && cell.join("record.json").is_file() {
                found.push(cell.join("record.json"));
            } else {
                eprintln!(
                    "warning: sweep cell {} is not finished (no cell.json); skipped",
                    cell.display()
                );
            }
        }
        found.sort();
        if found.is_empty() {
            bail!("sweep directory {} has no finished cell", path.display());
        }
        return Ok(found);
    }
    let mut found = Vec::new();
    if path.is_dir() {
        for entry in
            std::fs::read_dir(path).with_context(|| format!("listing {}", path.display()))?
        {
            let sub = entry
                .with_context(|| format!("listing {}", path.display()))?
                .path();
            if sub.join("record.json").is_file() || sub.join("cells").is_dir() {
                found.extend(record_paths(&sub)?);
            }
        }
    }
    if found.is_empty() {
        bail!(
            "{} is neither a run record, a run directory with record.json, a sweep directory \
             with cells/, nor a directory of those",
            path.display()
        );
    }
    found.sort();
    Ok(found)
}

/// Version 1 ran its paired tests on the first seed only. The record keeps `schema_version: 1`, so
/// a reader can tell that its CPU features and claim evidence were not recorded.
fn upgrade_from_v1(record: &mut RunRecord) {
    let first_seed = record.config.seeds.first().copied().unwrap_or(0);
    for test in &mut record.paired_tests {
        test.seed = first_seed;
    }
}

/// Writes `value` as pretty JSON to `path` via a temporary file in the same directory and a rename, so a
/// reader never sees a half-written file and an interrupted run never corrupts an earlier result.
pub fn write_json_atomic<T: Serialize>(path: &Path, value: &T) -> anyhow::Result<()> {
    let bytes = serde_json::to_vec_pretty(value)?;
    write_atomic(path, &bytes)
}

/// Prefix of the temporary files aerepro writes before renaming them into place.
pub const PARTIAL_PREFIX: &str = ".partial-";

/// A new, uniquely named temporary file in `dir`, created like any other output (mode 0666 less the
/// umask; `NamedTempFile`'s own default is 0600).
pub fn partial_file(dir: &Path, suffix: &str) -> std::io::Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(PARTIAL_PREFIX)
        .suffix(suffix)
        .permissions(Permissions::from_mode(0o666))
        .tempfile_in(dir)
}

pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut tmp = partial_file(dir, "")
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path)
        .with_context(|| format!("renaming the temporary file onto {}", path.display()))?;
    Ok(())
}

/// Software and machine facts recorded with every result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    pub aerepro_version: String,
    pub tch_version: String,
    pub libtorch_version: String,
    /// "cpu" (slim wheel set) or "cuda" (full set), as installed by ci/setup-libtorch.sh.
    pub libtorch_variant: String,
    pub cuda_available: bool,
    pub cuda_device_count: i64,
    pub threads: i32,
    pub git_commit: Option<String>,
    /// The CPU's vector-instruction flags that oneDNN picks its kernels by (from /proc/cpuinfo;
    /// empty where unknown, and in version 1 records): two machines that differ here may round
    /// differently.
    #[serde(default)]
    pub cpu_features: Vec<String>,
    /// Whether subnormal floats were flushed to zero (`model::aten::flush_denormals`); None where
    /// the process never set it (libtorch's default, no flushing) and in older records.
    #[serde(default)]
    pub flush_denormals: Option<FlushDenormals>,
}

pub const TCH_VERSION: &str = "0.24.0";

impl Environment {
    pub fn capture() -> Self {
        Environment {
            aerepro_version: env!("CARGO_PKG_VERSION").into(),
            tch_version: TCH_VERSION.into(),
            libtorch_version: option_env!("AEREPRO_LIBTORCH_VERSION")
                .unwrap_or("unknown")
                .into(),
            libtorch_variant: option_env!("AEREPRO_LIBTORCH_VARIANT")
                .unwrap_or("unknown")
                .into(),
            cuda_available: tch::Cuda::is_available(),
            cuda_device_count: tch::Cuda::device_count(),
            threads: tch::get_num_threads(),
            git_commit: git_commit(),
            cpu_features: std::fs::read_to_string("/proc/cpuinfo")
                .map(|text| dispatch_features(&text))
                .unwrap_or_default(),
            flush_denormals: crate::model::aten::flush_denormals_status(),
        }
    }
}

/// The instruction-set flags oneDNN's CPU dispatch distinguishes (SSE4.1, AVX, AVX2, AVX-512
/// variants, AMX, VNNI, FMA, F16C), from the first `flags` line of /proc/cpuinfo, sorted.
pub fn dispatch_features(cpuinfo: &str) -> Vec<String> {
    let Some(flags) = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("flags").and_then(|l| l.split_once(':')))
        .map(|(_, flags)| flags)
    else {
        return Vec::new();
    };
    let mut features: Vec<String> = flags
        .split_whitespace()
        .filter(|flag| {
            ["avx", "amx", "sse4", "fma", "f16c"]
                .iter()
                .any(|prefix| flag.starts_with(prefix))
        })
        .map(str::to_string)
        .collect();
    features.sort();
    features.dedup();
    features
}

/// The commit this binary was built from (`<sha>` or `<sha>-dirty`, embedded by build.rs); `None`
/// when it was not built from a git checkout of aerepro.
pub fn git_commit() -> Option<String> {
    option_env!("AEREPRO_GIT_COMMIT").map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// A real one-epoch MNIST record (all three models, seed 0) written before `schema_version`.
    const V1: &str = include_str!("../fixtures/records/v1-mnist-1epoch.json");

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
        write_json_atomic(&path, &value).unwrap();
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

    #[test]
    fn record_paths_finds_a_file_a_run_dir_and_the_finished_cells_of_a_sweep() {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("run");
        write_atomic(&run.join("record.json"), b"{}").unwrap();
        assert_eq!(record_paths(&run).unwrap(), [run.join("record.json")]);
        assert_eq!(
            record_paths(&run.join("record.json")).unwrap(),
            [run.join("record.json")]
        );
        let sweep = dir.path().join("sweep");
        for (cell, finished) in [("b", true), ("a", true), ("c", false)] {
            let cell = sweep.join("cells").join(cell);
            write_atomic(&cell.join("record.json"), b"{}").unwrap();
            if finished {
                write_atomic(&cell.join("cell.json"), b"{}").unwrap();
            }
        }
        let cells = sweep.join("cells");
        assert_eq!(
            record_paths(&sweep).unwrap(),
            [cells.join("a/record.json"), cells.join("b/record.json")]
        );
        let err = record_paths(&dir.path().join("nothing"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("is neither a run record"), "{err}");
    }

    #[test]
    fn dispatch_features_keep_the_vector_flags_sorted() {
        let cpuinfo =
            "processor\t: 0\nflags\t\t: fpu sse4_2 avx2 avx512f amx_tile fma pni avx\nflags : x";
        assert_eq!(
            dispatch_features(cpuinfo),
            ["amx_tile", "avx", "avx2", "avx512f", "fma", "sse4_2"]
        );
        assert!(dispatch_features("no flags here").is_empty());
    }

    #[test]
    fn mean_sd_uses_the_sample_deviation() {
        let m = MeanSd::of(&[1.0, 2.0, 3.0]);
        assert_eq!((m.mean, m.sd, m.n), (2.0, 1.0, 3));
        assert_eq!(MeanSd::of(&[5.0]).sd, 0.0);
    }

    #[test]
    fn atomic_write_replaces_whole_file_and_leaves_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("record.json");
        write_json_atomic(&path, &vec![1, 2, 3]).unwrap();
        write_json_atomic(&path, &vec![4]).unwrap();
        let back: Vec<i32> = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(back, [4]);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
