//! Metrics of one model's scores on the one-class protocol: one row per anomalous class plus "all
//! others" (normal test images vs that class's), their summary over seeds, and paired DeLong tests
//! between models on the same test set.
use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::over_seeds::MeanSd;
use super::{f64_or_nan, MetricsSummary, SummaryOptions};
use crate::data::one_class::{anomalous_classes, normal_vs, row_name};
use crate::data::DatasetKind;
use crate::model::ModelKind;

/// Metrics of normal test images vs the test images of one class (`class: None` = all other classes).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClassMetrics {
    pub class: Option<u8>,
    pub name: String,
    pub metrics: MetricsSummary,
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

/// The per-class rows (anomalous classes in order) and the all-others row of one model's `scores`
/// of the test set labelled `test_labels`.
pub fn class_rows(
    dataset: DatasetKind,
    normal_class: u8,
    test_labels: &[u8],
    scores: &[f64],
    options: &SummaryOptions,
) -> anyhow::Result<(Vec<ClassMetrics>, ClassMetrics)> {
    let row = |class: Option<u8>| -> anyhow::Result<ClassMetrics> {
        let (s, y) = normal_vs(scores, test_labels, normal_class, class);
        let name = row_name(dataset, class);
        let metrics = super::summarize(&s, &y, options)
            .with_context(|| format!("metrics of normal vs {name}"))?;
        Ok(ClassMetrics {
            class,
            name,
            metrics,
        })
    };
    let per_class = anomalous_classes(dataset, normal_class)
        .into_iter()
        .map(|c| row(Some(c)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok((per_class, row(None)?))
}

/// The across-seed rows of one model — its per-class rows, then "all others" — from each seed's
/// (per-class metrics, all-others metrics).
pub fn seed_summary_rows(
    kind: ModelKind,
    seeds: &[(&[ClassMetrics], &ClassMetrics)],
) -> Vec<SummaryRow> {
    let Some((first_per_class, _)) = seeds.first() else {
        return Vec::new();
    };
    fn row_of<'a>(seed: &(&'a [ClassMetrics], &'a ClassMetrics), i: usize) -> &'a ClassMetrics {
        seed.0.get(i).unwrap_or(seed.1)
    }
    (0..first_per_class.len() + 1)
        .map(|i| {
            let row = row_of(&seeds[0], i);
            let values = |f: fn(&MetricsSummary) -> f64| -> MeanSd {
                MeanSd::of(
                    &seeds
                        .iter()
                        .map(|s| f(&row_of(s, i).metrics))
                        .collect::<Vec<_>>(),
                )
            };
            SummaryRow {
                kind,
                class: row.class,
                name: row.name.clone(),
                roc_auc: values(|m| m.roc_auc),
                average_precision: values(|m| m.average_precision),
                pr_auc_trapezoid: values(|m| m.pr_auc_trapezoid),
            }
        })
        .collect()
}

/// One-sided paired DeLong tests of every ordered pair of models on every anomalous class, from
/// one seed's per-test-image `scores` (each in test-set order, labelled by `test_labels`).
pub fn paired_tests(
    dataset: DatasetKind,
    normal_class: u8,
    test_labels: &[u8],
    seed: u64,
    scores: &[(ModelKind, &[f64])],
) -> anyhow::Result<Vec<PairedComparison>> {
    let mut out = Vec::new();
    for class in anomalous_classes(dataset, normal_class) {
        for (a, scores_a) in scores {
            for (b, scores_b) in scores.iter().filter(|(b, _)| b != a) {
                let (sa, labels) = normal_vs(scores_a, test_labels, normal_class, Some(class));
                let (sb, _) = normal_vs(scores_b, test_labels, normal_class, Some(class));
                let test = super::delong_paired_test(&sa, &sb, &labels)
                    .with_context(|| format!("paired DeLong test {a} vs {b}, class {class}"))?;
                out.push(PairedComparison {
                    seed,
                    class,
                    better: *a,
                    worse: *b,
                    difference: test.difference,
                    z: test.z,
                    p_value: test.p_value,
                });
            }
        }
    }
    Ok(out)
}
