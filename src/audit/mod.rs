//! `aerepro audit`: compares the results under a run or sweep directory with a golden file, value by
//! value and verdict by verdict (docs/audit.md).
//!
//! A value must be equal bit for bit when the entry's configuration and bit environment
//! ([`golden::BitEnvironment::same_bits`]) match the golden's; otherwise it may differ by the golden's
//! seed spread ([`allowed_drift`]). A claim verdict must not change.
pub mod golden;
mod golden_ranges;
mod render;
mod rerun;

pub use render::render;
pub use rerun::rerun;

use std::collections::BTreeMap;

use crate::metrics::over_seeds::{t_quantile, SeedSummary};

use crate::claims::Verdict;
use crate::data::DatasetKind;
use crate::model::ModelKind;
use crate::run::choice;
use golden::{Collected, Entry, Golden, GroupKey};

/// The smallest drift allowed outside exact mode: the precision of the printed tables.
pub const MIN_ALLOWED_DRIFT: f64 = 1e-4;

/// Which metric of a class a row compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    RocAuc,
    AveragePrecision,
}

impl Metric {
    fn name(self) -> &'static str {
        match self {
            Metric::RocAuc => "ROC-AUC",
            Metric::AveragePrecision => "AP",
        }
    }

    fn of(self, values: &golden::ClassValues) -> f64 {
        match self {
            Metric::RocAuc => values.roc_auc,
            Metric::AveragePrecision => values.average_precision,
        }
    }
}

/// One compared value that differs from the golden (or is missing).
#[derive(Debug, Clone, PartialEq)]
pub struct DriftRow {
    pub cell: String,
    pub golden: f64,
    /// None: the value is missing now.
    pub now: Option<f64>,
    pub allowed: f64,
    /// Whether the entry was compared exactly (same configuration and bit environment).
    pub exact: bool,
}

impl DriftRow {
    pub fn delta(&self) -> Option<f64> {
        self.now.map(|now| now - self.golden)
    }

    /// Beyond what is allowed (NaN equals NaN: both undefined).
    pub fn drifted(&self) -> bool {
        match self.now {
            None => true,
            Some(now) if now.is_nan() || self.golden.is_nan() => {
                now.is_nan() != self.golden.is_nan()
            }
            Some(now) => (now - self.golden).abs() > self.allowed,
        }
    }
}

/// A claim whose verdict differs from the golden's (or cannot be judged now).
#[derive(Debug, Clone, PartialEq)]
pub struct VerdictChange {
    pub group: String,
    pub id: String,
    pub golden: Verdict,
    pub now: Option<Verdict>,
}

/// What an audit found.
#[derive(Debug, Clone, Default)]
pub struct AuditReport {
    /// Values compared.
    pub compared: usize,
    /// Entries compared exactly, and within the seed spread.
    pub exact_entries: usize,
    pub tolerance_entries: usize,
    /// Every compared value that is not bit-identical to the golden's, and every missing one.
    pub rows: Vec<DriftRow>,
    pub verdict_changes: Vec<VerdictChange>,
    /// Why an entry was not compared exactly, and anything else the reader should know.
    pub notes: Vec<String>,
    /// What the audit could not cover: an empty golden, nothing compared, entries on one side
    /// only, a golden without the verdicts of a group it could judge. Each fails the audit unless
    /// `allow_incomplete`, which turns them into warnings.
    pub coverage: Vec<String>,
    pub allow_incomplete: bool,
    /// Golden entries not compared because `partial` skipped them.
    pub skipped_golden_entries: usize,
}

impl AuditReport {
    pub fn passed(&self) -> bool {
        self.verdict_changes.is_empty()
            && !self.rows.iter().any(DriftRow::drifted)
            && (self.allow_incomplete || self.coverage.is_empty())
    }
}

/// How [`audit`] treats what the source and golden do not share.
#[derive(Debug, Clone, Copy, Default)]
pub struct AuditOptions {
    /// Golden entries absent from the source are skipped (a spot check of some cells).
    pub partial: bool,
    /// Coverage problems are warnings instead of failures.
    pub allow_incomplete: bool,
}

/// Half-width of the 95 % prediction interval of one new seed's value from the golden's seeds of the
/// same (dataset, normal class, model) and class: t(0.975, n−1) · sd · √(1 + 1/n), at least
/// [`MIN_ALLOWED_DRIFT`]. None with fewer than two seeds (no spread to derive it from).
pub fn allowed_drift(seed_values: &[f64]) -> Option<f64> {
    let values: Vec<f64> = seed_values
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    let n = values.len();
    if n < 2 {
        return None;
    }
    let sd = SeedSummary::of(&values, 0.95).sd;
    let t = t_quantile(0.95, (n - 1) as f64);
    Some((t * sd * (1.0 + 1.0 / n as f64).sqrt()).max(MIN_ALLOWED_DRIFT))
}

fn config_difference(golden: &Entry, now: &Entry) -> Option<String> {
    let differing = golden.config.differences(&now.config);
    (!differing.is_empty()).then(|| differing.join(", "))
}

/// Compares `now` with `golden`. With `partial`, golden entries absent now are skipped (a spot check
/// of some cells) and verdicts are compared only for groups complete now.
pub fn audit(golden: &Golden, now: &Collected, options: AuditOptions) -> AuditReport {
    let partial = options.partial;
    let mut report = AuditReport {
        allow_incomplete: options.allow_incomplete,
        ..AuditReport::default()
    };
    check_coverage(golden, now, &mut report);
    let by_key: BTreeMap<_, &Entry> = now.entries.iter().map(|e| (e.key(), e)).collect();
    for entry in &golden.entries {
        let Some(current) = by_key.get(&entry.key()) else {
            if partial {
                report.skipped_golden_entries += 1;
                continue;
            }
            report.notes.push(format!("{}: missing now", entry.label()));
            for class in &entry.per_class {
                for metric in [Metric::RocAuc, Metric::AveragePrecision] {
                    report.rows.push(DriftRow {
                        cell: format!("{} / {} {}", entry.label(), class.name, metric.name()),
                        golden: metric.of(class),
                        now: None,
                        allowed: 0.0,
                        exact: true,
                    });
                }
            }
            continue;
        };
        let config_difference = config_difference(entry, current);
        let same_bits = entry.environment.same_bits(&current.environment);
        let exact = config_difference.is_none() && same_bits;
        if exact {
            report.exact_entries += 1;
        } else {
            report.tolerance_entries += 1;
            let why = match (&config_difference, same_bits) {
                (Some(d), _) => format!("configuration differs: {d}"),
                (None, _) => "environment differs (libtorch, device, threads, layout or CPU features, or features not recorded)".to_string(),
            };
            report.notes.push(format!(
                "{}: within the seed spread, not exact: {why}",
                entry.label()
            ));
        }
        let seed_values = |class: u8, metric: Metric| -> Vec<f64> {
            golden
                .entries
                .iter()
                .filter(|e| e.group() == entry.group() && e.model == entry.model)
                .flat_map(|e| {
                    e.per_class
                        .iter()
                        .filter(|c| c.class == class)
                        .map(|c| metric.of(c))
                })
                .collect()
        };
        for class in &entry.per_class {
            let now_class = current.per_class.iter().find(|c| c.class == class.class);
            for metric in [Metric::RocAuc, Metric::AveragePrecision] {
                report.compared += 1;
                let golden_value = metric.of(class);
                let now_value = now_class.map(|c| metric.of(c));
                let allowed = if exact {
                    0.0
                } else {
                    allowed_drift(&seed_values(class.class, metric)).unwrap_or(0.0)
                };
                let identical = now_value.is_some_and(|v| {
                    v.to_bits() == golden_value.to_bits() || (v.is_nan() && golden_value.is_nan())
                });
                if !identical {
                    report.rows.push(DriftRow {
                        cell: format!("{} / {} {}", entry.label(), class.name, metric.name()),
                        golden: golden_value,
                        now: now_value,
                        allowed,
                        exact,
                    });
                }
            }
        }
    }
    if report.tolerance_entries > 0 && golden_seed_counts(golden).values().any(|n| *n < 2) {
        report.notes.push(
            "a golden group with one seed has no spread: its values must match exactly".into(),
        );
    }
    if report.compared == 0 && !golden.entries.is_empty() {
        report.coverage.push(format!(
            "no value was compared: the golden's {} entries ({}) and the source's {} ({}) share no \
             dataset, normal class, model and seed",
            golden.entries.len(),
            describe(&golden.entries),
            now.entries.len(),
            describe(&now.entries)
        ));
    }
    compare_verdicts(golden, now, partial, &mut report);
    report
}

/// Datasets, normal classes, models and seeds of `entries`, in a few words.
fn describe(entries: &[Entry]) -> String {
    let mut groups: BTreeMap<(DatasetKind, u8), (Vec<ModelKind>, Vec<u64>)> = BTreeMap::new();
    for e in entries {
        let (models, seeds) = groups.entry((e.dataset, e.normal_class)).or_default();
        if !models.contains(&e.model) {
            models.push(e.model);
        }
        if !seeds.contains(&e.seed) {
            seeds.push(e.seed);
        }
    }
    if groups.is_empty() {
        return "none".into();
    }
    groups
        .into_iter()
        .map(|((dataset, normal), (models, mut seeds))| {
            seeds.sort();
            let models: Vec<String> = models.iter().map(ToString::to_string).collect();
            format!(
                "{dataset} normal {normal}: {} seeds {seeds:?}",
                models.join("/")
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// What the comparison cannot cover, found before it runs.
fn check_coverage(golden: &Golden, now: &Collected, report: &mut AuditReport) {
    if golden.entries.is_empty() {
        report
            .coverage
            .push("the golden has no entries: there is nothing to compare with".into());
    }
    for entry in golden.entries.iter().filter(|e| e.per_class.is_empty()) {
        report.coverage.push(format!(
            "golden entry {} has no per-class values",
            entry.label()
        ));
    }
    let golden_keys: Vec<_> = golden.entries.iter().map(Entry::key).collect();
    let only_now: Vec<String> = now
        .entries
        .iter()
        .filter(|e| !golden_keys.contains(&e.key()))
        .map(Entry::label)
        .collect();
    if !only_now.is_empty() {
        report.coverage.push(format!(
            "{} entr{} of the source {} not in the golden, so not audited: {}",
            only_now.len(),
            if only_now.len() == 1 { "y" } else { "ies" },
            if only_now.len() == 1 { "is" } else { "are" },
            only_now.join(", ")
        ));
    }
    let golden_as_collected = Collected::from_entries(golden.entries.clone());
    for group in golden_as_collected.judgeable_groups() {
        if !golden
            .verdicts
            .iter()
            .any(|v| (v.dataset, v.normal_class, &v.choices) == (group.0, group.1, &group.2))
        {
            report.coverage.push(format!(
                "the golden has entries for every model and seed of {} normal {}{} but no \
                 verdicts for them (removed?): verdicts are not audited",
                group.0,
                group.1,
                choice::suffix(&group.2)
            ));
        }
    }
}

fn golden_seed_counts(golden: &Golden) -> BTreeMap<(GroupKey, ModelKind), usize> {
    let mut counts = BTreeMap::new();
    for e in &golden.entries {
        *counts.entry((e.group(), e.model)).or_default() += 1;
    }
    counts
}

fn compare_verdicts(golden: &Golden, now: &Collected, partial: bool, report: &mut AuditReport) {
    let now_verdicts = now.verdicts();
    for group in &golden.verdicts {
        let name = format!(
            "{} {}{}",
            group.dataset,
            group.dataset.class_label(group.normal_class),
            choice::suffix(&group.choices)
        );
        let current = now_verdicts.iter().find(|g| {
            (g.dataset, g.normal_class, &g.choices, &g.seeds)
                == (
                    group.dataset,
                    group.normal_class,
                    &group.choices,
                    &group.seeds,
                )
        });
        if current.is_none() && partial {
            report.notes.push(format!(
                "{name}: verdicts not compared (not every seed and model present)"
            ));
            continue;
        }
        for claim in &group.claims {
            let now = current.and_then(|g| g.claims.iter().find(|c| c.id == claim.id));
            if now.map(|c| c.verdict) != Some(claim.verdict) {
                report.verdict_changes.push(VerdictChange {
                    group: name.clone(),
                    id: claim.id.to_string(),
                    golden: claim.verdict,
                    now: now.map(|c| c.verdict),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_drift_is_the_prediction_half_width_of_the_seed_spread() {
        // sd 0.001 over 3 seeds: 4.3027 * 0.001 * sqrt(4/3).
        let allowed = allowed_drift(&[0.700, 0.701, 0.702]).unwrap();
        assert!((allowed - 4.302653 * 0.001 * (4.0f64 / 3.0).sqrt()).abs() < 1e-8);
        assert_eq!(allowed_drift(&[0.9, 0.9, 0.9]), Some(MIN_ALLOWED_DRIFT));
        assert_eq!(allowed_drift(&[0.9]), None);
    }

    #[test]
    fn a_row_drifts_beyond_what_is_allowed_and_nan_matches_only_nan() {
        let row = |golden: f64, now: Option<f64>, allowed: f64| DriftRow {
            cell: "c".into(),
            golden,
            now,
            allowed,
            exact: allowed == 0.0,
        };
        assert!(row(0.5, Some(0.5 + 1e-12), 0.0).drifted());
        assert!(!row(0.5, Some(0.503), 0.004).drifted());
        assert!(row(0.5, Some(0.505), 0.004).drifted());
        assert!(row(0.5, None, 1.0).drifted());
        assert!(!row(f64::NAN, Some(f64::NAN), 0.0).drifted());
        assert!(row(f64::NAN, Some(0.5), 1.0).drifted());
    }
}
