//! One call for everything a report needs, from a slice or from a `score,label` CSV file.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::bootstrap::{bootstrap_average_precision_ci_of_ranked, BOOTSTRAP_METHOD};
use super::delong::delong_roc_auc_ci;
use super::interval::ConfidenceInterval;
use super::pr::{average_precision_of_ranked, pr_auc_trapezoid_of_ranked};
use super::roc::roc_auc_of_ranked;
use super::sweep::RankedScores;
use super::{read_scores_csv, MetricsError};

/// Options of [`summarize`]. `Default`: 95 % intervals, 1000 bootstrap resamples, seed 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SummaryOptions {
    pub confidence: f64,
    pub bootstrap_resamples: usize,
    pub seed: u64,
}

impl Default for SummaryOptions {
    fn default() -> Self {
        Self {
            confidence: 0.95,
            bootstrap_resamples: 1000,
            seed: 0,
        }
    }
}

/// All ranking metrics of one score set. `average_precision` is the default PR-AUC;
/// `pr_auc_trapezoid` is the linearly interpolated variant (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsSummary {
    #[serde(deserialize_with = "crate::metrics::f64_or_nan")]
    pub roc_auc: f64,
    /// DeLong interval.
    pub roc_auc_ci: ConfidenceInterval,
    /// DeLong standard error of `roc_auc`.
    #[serde(deserialize_with = "crate::metrics::f64_or_nan")]
    pub roc_auc_std_error: f64,
    #[serde(deserialize_with = "crate::metrics::f64_or_nan")]
    pub average_precision: f64,
    /// Stratified percentile bootstrap interval (`bootstrap_resamples` resamples, `seed`).
    pub average_precision_ci: ConfidenceInterval,
    #[serde(deserialize_with = "crate::metrics::f64_or_nan")]
    pub pr_auc_trapezoid: f64,
    pub n_pos: usize,
    pub n_neg: usize,
    pub bootstrap_resamples: usize,
    pub seed: u64,
}

/// Computes every metric of [`MetricsSummary`], sorting the scores once for the point estimates.
/// The point estimates need one sample of each class; the intervals need two of each (the DeLong
/// variance, a stratified bootstrap): with fewer they are marked unavailable with the reason.
pub fn summarize(
    scores: &[f64],
    labels: &[bool],
    options: &SummaryOptions,
) -> Result<MetricsSummary, MetricsError> {
    let ranked = RankedScores::new(scores, labels)?;
    let (n_pos, n_neg) = (ranked.n_pos(), ranked.n_neg());
    let (roc_auc, roc_auc_ci, roc_auc_std_error, average_precision_ci) = if n_pos < 2 || n_neg < 2 {
        let reason = |what: &str| {
            format!("{what} needs at least 2 positive and 2 negative samples, got {n_pos} positive and {n_neg} negative")
        };
        (
            roc_auc_of_ranked(&ranked),
            ConfidenceInterval::unavailable(
                options.confidence,
                "DeLong",
                reason("the DeLong variance"),
            ),
            f64::NAN,
            ConfidenceInterval::unavailable(
                options.confidence,
                BOOTSTRAP_METHOD,
                reason("a stratified bootstrap"),
            ),
        )
    } else {
        let delong = delong_roc_auc_ci(scores, labels, options.confidence)?;
        (
            delong.auc,
            ConfidenceInterval {
                lower: delong.lower,
                upper: delong.upper,
                confidence: options.confidence,
                method: "DeLong".to_string(),
                unavailable: None,
            },
            delong.std_error,
            bootstrap_average_precision_ci_of_ranked(
                &ranked,
                options.confidence,
                options.bootstrap_resamples,
                options.seed,
            )?,
        )
    };
    Ok(MetricsSummary {
        roc_auc,
        roc_auc_ci,
        roc_auc_std_error,
        average_precision: average_precision_of_ranked(&ranked),
        average_precision_ci,
        pr_auc_trapezoid: pr_auc_trapezoid_of_ranked(&ranked),
        n_pos,
        n_neg,
        bootstrap_resamples: options.bootstrap_resamples,
        seed: options.seed,
    })
}

/// [`summarize`] on a `score,label` CSV file read by [`read_scores_csv`] (see there for the
/// label rules).
pub fn summarize_csv(
    path: &Path,
    positive_label: &str,
    options: &SummaryOptions,
) -> Result<MetricsSummary, MetricsError> {
    let data = read_scores_csv(path, positive_label)?;
    summarize(&data.scores, &data.labels, options)
}
