//! Golden records: the per-seed, per-class ROC-AUC and AP of a set of runs, with the configuration and
//! the environment that determines their bits, and the claim verdicts over their seeds
//! (`golden/*.json`, written by `aerepro golden`, read by `aerepro audit`).
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};

use crate::claims::{self, ClaimVerdict};
use crate::data::DatasetKind;
use crate::metrics::class_rows::PairedComparison;
use crate::model::{ActivationLayout, ModelKind};
use crate::run::choice::{self, Choices};
use crate::run::config::ExperimentConfig;
use crate::run::record::{Completeness, RunRecord};
use crate::sweep::cell::{self, CellScores};
use crate::sweep::source;

/// The golden-file format version this build writes and reads.
pub const GOLDEN_VERSION: u32 = 1;

/// A golden file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Golden {
    pub golden_version: u32,
    /// What it was generated from (for the reader; not compared).
    pub source: String,
    /// Assumptions made when it was written (for the reader; not compared).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    pub entries: Vec<Entry>,
    /// Claim verdicts over the seeds of each (dataset, normal class) group that has the paper's
    /// setup (all three models for every seed); the timing claim C6 is left out.
    pub verdicts: Vec<GroupVerdicts>,
}

/// One trained model of one seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub dataset: DatasetKind,
    pub normal_class: u8,
    pub model: ModelKind,
    pub seed: u64,
    /// The varied choices of a sweep cell (`sweep plan --vary`); none for a record or a plain sweep.
    #[serde(default, skip_serializing_if = "Choices::is_empty")]
    pub choices: Choices,
    /// The run's configuration, reduced to this model and seed (see [`normalized_config`]).
    pub config: ExperimentConfig,
    pub environment: BitEnvironment,
    pub per_class: Vec<ClassValues>,
}

impl Entry {
    pub fn key(&self) -> EntryKey {
        (
            self.dataset,
            self.normal_class,
            self.model,
            self.seed,
            self.choices.clone(),
        )
    }

    /// The group its verdicts are judged in: dataset, normal class, varied choices.
    pub fn group(&self) -> GroupKey {
        (self.dataset, self.normal_class, self.choices.clone())
    }

    pub fn label(&self) -> String {
        let label = format!(
            "{} {} {} seed {}",
            self.dataset,
            self.dataset.class_label(self.normal_class),
            self.model,
            self.seed
        );
        label + &choice::suffix(&self.choices)
    }
}

pub type EntryKey = (DatasetKind, u8, ModelKind, u64, Choices);
pub type GroupKey = (DatasetKind, u8, Choices);

/// What decides the bits of a result besides the code and the configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BitEnvironment {
    /// The aerepro commit that produced the values (recorded, not matched: a change of code is
    /// what the audit is there to catch).
    pub git_commit: Option<String>,
    pub libtorch_version: String,
    pub libtorch_variant: String,
    pub device: String,
    pub threads: i32,
    pub layout: ActivationLayout,
    /// The CPU flags oneDNN dispatches on (empty: not recorded, a version-1 record).
    pub cpu_features: Vec<String>,
}

impl BitEnvironment {
    fn of(record: &RunRecord) -> BitEnvironment {
        BitEnvironment {
            git_commit: record.environment.git_commit.clone(),
            libtorch_version: record.environment.libtorch_version.clone(),
            libtorch_variant: record.environment.libtorch_variant.clone(),
            device: record.device.clone(),
            threads: record.environment.threads,
            layout: record.config.train.model.layout,
            cpu_features: record.environment.cpu_features.clone(),
        }
    }

    /// Whether two runs in these environments compute the same bits from the same code and
    /// configuration: the same libtorch build, device, thread count, activation layout and CPU
    /// features (both recorded).
    pub fn same_bits(&self, other: &BitEnvironment) -> bool {
        !self.cpu_features.is_empty()
            && self.libtorch_version == other.libtorch_version
            && self.libtorch_variant == other.libtorch_variant
            && self.device == other.device
            && self.threads == other.threads
            && self.layout == other.layout
            && self.cpu_features == other.cpu_features
    }
}

/// ROC-AUC and average precision of normal vs one class (NaN, written `null`, when undefined).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassValues {
    pub class: u8,
    pub name: String,
    #[serde(deserialize_with = "crate::metrics::f64_or_nan")]
    pub roc_auc: f64,
    #[serde(deserialize_with = "crate::metrics::f64_or_nan")]
    pub average_precision: f64,
}

/// The claim verdicts of one (dataset, normal class) over its seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupVerdicts {
    pub dataset: DatasetKind,
    pub normal_class: u8,
    #[serde(default, skip_serializing_if = "Choices::is_empty")]
    pub choices: Choices,
    pub seeds: Vec<u64>,
    pub claims: Vec<ClaimVerdict>,
}

/// Everything read from a run or sweep directory: the entries and the paired tests per group.
#[derive(Debug, Default)]
pub struct Collected {
    pub entries: Vec<Entry>,
    paired: BTreeMap<GroupKey, Vec<PairedComparison>>,
}

/// Reads every finished result under `source` through [`source::read`] (sweep cells verified);
/// refuses an unfinished record and two records of the same (dataset, normal class, model, seed).
/// Paired tests come from the records, or, for a sweep's one-model cells, from their scores.
pub fn collect(source: &Path) -> anyhow::Result<Collected> {
    let mut collected = Collected::default();
    let mut cell_scores: BTreeMap<(GroupKey, u64), Vec<CellScores>> = BTreeMap::new();
    for found in source::read(source, Completeness::Required)? {
        let record = &found.record;
        let choices = found
            .cell
            .as_ref()
            .map(|(cell, _)| cell.choices.clone())
            .unwrap_or_default();
        for run in &record.runs {
            let entry = Entry {
                dataset: record.config.dataset,
                normal_class: record.config.normal_class,
                model: run.kind,
                seed: run.seed,
                choices: choices.clone(),
                config: record.config.for_result(run.kind, run.seed),
                environment: BitEnvironment::of(record),
                per_class: run
                    .per_class
                    .iter()
                    .filter_map(|c| {
                        Some(ClassValues {
                            class: c.class?,
                            name: c.name.clone(),
                            roc_auc: c.metrics.roc_auc,
                            average_precision: c.metrics.average_precision,
                        })
                    })
                    .collect(),
            };
            if collected.entries.iter().any(|e| e.key() == entry.key()) {
                bail!(
                    "{}: {} appears in two records under {}",
                    found.path.display(),
                    entry.label(),
                    source.display()
                );
            }
            collected.entries.push(entry);
        }
        let group = (record.config.dataset, record.config.normal_class, choices);
        collected
            .paired
            .entry(group.clone())
            .or_default()
            .extend(record.paired_tests.iter().cloned());
        if let Some((_, scores)) = found.cell {
            cell_scores
                .entry((group, scores.seed))
                .or_default()
                .push(scores);
        }
    }
    for ((group, _), cells) in cell_scores {
        let tests = cell::paired_tests(&cells.iter().collect::<Vec<_>>())?;
        collected.paired.entry(group).or_default().extend(tests);
    }
    collected.entries.sort_by_key(Entry::key);
    Ok(collected)
}

impl Collected {
    /// Entries without paired tests (e.g. a golden's).
    pub fn from_entries(entries: Vec<Entry>) -> Collected {
        Collected {
            entries,
            paired: BTreeMap::new(),
        }
    }

    /// The (dataset, normal class, varied choices) groups whose claims can be judged
    /// ([`claims::judgeable`]).
    pub fn judgeable_groups(&self) -> Vec<GroupKey> {
        let mut groups: BTreeMap<GroupKey, Vec<(u64, ModelKind)>> = BTreeMap::new();
        for e in &self.entries {
            groups.entry(e.group()).or_default().push((e.seed, e.model));
        }
        groups
            .into_iter()
            .filter(|((dataset, normal_class, _), results)| {
                claims::judgeable(*dataset, *normal_class, results)
            })
            .map(|(group, _)| group)
            .collect()
    }

    /// Claim verdicts over seeds of every judgeable group, C6 left out (no timing here).
    pub fn verdicts(&self) -> Vec<GroupVerdicts> {
        let mut out = Vec::new();
        for group in self.judgeable_groups() {
            let entries: Vec<&Entry> = self.entries.iter().filter(|e| e.group() == group).collect();
            let mut seeds: Vec<u64> = entries.iter().map(|e| e.seed).collect();
            seeds.sort();
            seeds.dedup();
            let rows = seeds.iter().flat_map(|seed| {
                entries.iter().filter(|e| e.seed == *seed).flat_map(|e| {
                    e.per_class
                        .iter()
                        .map(|c| (e.seed, e.model, c.class, c.roc_auc))
                })
            });
            let paired = self.paired.get(&group);
            let (dataset, normal_class, choices) = group.clone();
            let claims = claims::judge_results(dataset, rows, paired.into_iter().flatten());
            out.push(GroupVerdicts {
                dataset,
                normal_class,
                choices,
                seeds,
                claims,
            });
        }
        out
    }

    pub fn into_golden(self, source: &Path) -> Golden {
        Golden {
            golden_version: GOLDEN_VERSION,
            source: portable_source(source),
            notes: Vec::new(),
            verdicts: self.verdicts(),
            entries: self.entries,
        }
    }
}

/// The source as a reader elsewhere can use it: the path as given when relative, else its last
/// component (an absolute path names only the machine it was made on).
fn portable_source(source: &Path) -> String {
    if source.is_relative() {
        return source.display().to_string();
    }
    source.file_name().map_or_else(
        || source.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// How [`write`] selects and completes entries.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteOptions {
    /// Keep only the paper's cells (MNIST normal 1, CIFAR-10 normal dog).
    pub paper_cells_only: bool,
    /// Entries from records that predate CPU-feature recording get this machine's features (for
    /// records known to have been made here); the golden says so in its notes.
    pub cpu_features_from_this_machine: bool,
}

/// Writes the golden file of the runs under `source` to `out` (atomically).
pub fn write(source: &Path, out: &Path, options: WriteOptions) -> anyhow::Result<Golden> {
    let mut collected = collect(source)?;
    if options.paper_cells_only {
        collected
            .entries
            .retain(|e| e.normal_class == e.dataset.paper_normal_class());
    }
    let assume_this_cpu = options.cpu_features_from_this_machine;
    let mut golden = collected.into_golden(source);
    if golden.entries.is_empty() {
        bail!("no trained model under {}", source.display());
    }
    if assume_this_cpu {
        let here = crate::run::environment::Environment::capture().cpu_features;
        let mut filled = 0;
        for entry in &mut golden.entries {
            if entry.environment.cpu_features.is_empty() {
                entry.environment.cpu_features = here.clone();
                filled += 1;
            }
        }
        if filled > 0 {
            golden.notes.push(format!(
                "cpu_features of {filled} entries were not recorded in their run records and are \
                 those of the machine that wrote this file (--cpu-features-from-this-machine)"
            ));
        }
    }
    crate::store::atomic::write_json_atomic(out, &golden)?;
    Ok(golden)
}

/// Reads a golden file, refusing another format version.
pub fn read(path: &Path) -> anyhow::Result<Golden> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("golden file {} is not JSON", path.display()))?;
    match value
        .get("golden_version")
        .and_then(serde_json::Value::as_u64)
    {
        Some(v) if v == u64::from(GOLDEN_VERSION) => {}
        other => bail!(
            "golden file {}: golden_version is {}, this aerepro reads {GOLDEN_VERSION}",
            path.display(),
            other.map_or("missing".to_string(), |v| v.to_string())
        ),
    }
    let golden: Golden = serde_path_to_error::deserialize(value).map_err(|e| {
        anyhow::anyhow!(
            "golden file {}: field `{}`: {}",
            path.display(),
            e.path(),
            e.inner()
        )
    })?;
    golden
        .check_ranges()
        .map_err(|e| anyhow::anyhow!("golden file {}: {e}", path.display()))?;
    Ok(golden)
}

/// Where `aerepro audit --rerun` puts each rerun group's run directory under `out`.
pub fn rerun_dir(out: &Path, dataset: DatasetKind, normal_class: u8) -> PathBuf {
    out.join(format!(
        "{}-{}",
        dataset.to_string().to_lowercase().replace('-', ""),
        dataset.class_label(normal_class)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture_run_dir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("record.json"),
            include_str!("../../fixtures/records/v1-mnist-1epoch.json"),
        )
        .unwrap();
        dir
    }

    #[test]
    fn a_version_1_run_dir_gives_one_entry_per_model_and_its_verdicts() {
        let dir = fixture_run_dir();
        let golden = collect(dir.path()).unwrap().into_golden(dir.path());
        assert_eq!(golden.entries.len(), 3);
        let cae = &golden.entries[0];
        assert_eq!(
            cae.key(),
            (DatasetKind::Mnist, 1, ModelKind::Cae, 0, Choices::new())
        );
        assert_eq!((cae.config.models.len(), cae.config.seeds.len()), (1, 1));
        assert_eq!(cae.per_class.len(), 9);
        assert!(cae.environment.cpu_features.is_empty());
        assert_eq!(golden.verdicts.len(), 1);
        let ids: Vec<String> = golden.verdicts[0]
            .claims
            .iter()
            .map(|c| c.id.to_string())
            .collect();
        assert_eq!(ids, ["C1", "C2"]);
        assert!(golden.verdicts[0]
            .claims
            .iter()
            .all(|c| c.verdict == crate::claims::Verdict::Unresolved));
    }

    #[test]
    fn cpu_features_are_filled_only_when_asked_and_noted() {
        let dir = fixture_run_dir();
        let out = dir.path().join("golden.json");
        let plain = write(dir.path(), &out, WriteOptions::default()).unwrap();
        assert!(plain.notes.is_empty());
        assert_eq!(read(&out).unwrap(), plain);
        let here = crate::run::environment::Environment::capture().cpu_features;
        let options = WriteOptions {
            cpu_features_from_this_machine: true,
            ..WriteOptions::default()
        };
        let filled = write(dir.path(), &out, options).unwrap();
        assert!(filled
            .entries
            .iter()
            .all(|e| e.environment.cpu_features == here));
        assert_eq!(filled.notes.len(), usize::from(!here.is_empty()));
    }

    #[test]
    fn another_golden_version_is_refused() {
        let dir = fixture_run_dir();
        let out = dir.path().join("golden.json");
        write(dir.path(), &out, WriteOptions::default()).unwrap();
        let text = std::fs::read_to_string(&out).unwrap();
        std::fs::write(
            &out,
            text.replace("\"golden_version\": 1", "\"golden_version\": 2"),
        )
        .unwrap();
        let err = read(&out).unwrap_err().to_string();
        assert!(
            err.contains("golden_version is 2, this aerepro reads 1"),
            "{err}"
        );
    }
}
