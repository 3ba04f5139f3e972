//! Exact ROC/PR metrics for anomaly scores (no tch dependency).
//!
//! Input convention everywhere: `scores: &[f64]` (higher = more anomalous) and `labels: &[bool]`
//! with `true` = anomaly = positive class. A sample is predicted positive at threshold `t` when
//! `score >= t`. Invalid input (empty, length mismatch, NaN/±inf score, no positives, no
//! negatives) is a [`MetricsError`], never a silent NaN.
//!
//! All metrics share one core ([`sweep`]): the scores are sorted once (O(n log n)) and swept over
//! their distinct values, so tied scores form a single step of the curves (ties count 1/2 in the
//! ROC-AUC). Results follow scikit-learn's definitions and are checked against it in
//! `tests/metrics_sklearn.rs`:
//!
//! * [`roc_curve`] = `sklearn.metrics.roc_curve(..., drop_intermediate=False)`: starts at (0, 0)
//!   with threshold `+inf`.
//! * [`roc_auc`] = `roc_auc_score`: the trapezoid under the ROC curve, which equals the
//!   Mann–Whitney U statistic / (n_pos · n_neg). It is computed in integer arithmetic, so it is exact
//!   up to one rounding.
//! * [`precision_recall_curve`] = `precision_recall_curve`: thresholds increasing, the arrays end
//!   at recall 0 / precision 1.
//! * [`average_precision`] = `average_precision_score`: Σ (R_k − R_{k−1}) · P_k over the distinct
//!   thresholds (step-wise, no interpolation).
//! * [`pr_auc_trapezoid`] = `sklearn.metrics.auc(recall, precision)`: linear interpolation between
//!   the points of the PR curve, including the (recall 0, precision 1) end point.
//!
//! # Which "area under the PR curve"?
//!
//! The paper reports an "AUC of the PR curve" in the sense of Davis & Goadrich (2006) without
//! saying how it was integrated. Its code most likely called a standard library: either
//! `average_precision_score` or `auc(recall, precision)`. Davis & Goadrich show that linear
//! interpolation between PR points is wrong (precision is not linear in recall between two
//! operating points) and overestimates the area, while the step-wise average precision is the
//! standard estimator free of that bias. Reports therefore use **average precision as the
//! default** PR-AUC and give the trapezoidal area as a second, explicitly named variant
//! (`pr_auc_trapezoid`), so a reader can compare with the paper whichever one it used.
//!
//! # Uncertainty
//!
//! * [`delong_roc_auc_ci`]: DeLong et al. (1988) variance of the ROC-AUC, normal interval.
//! * [`delong_paired_test`]: one-sided test of AUC_A > AUC_B on the same samples (DeLong
//!   covariance of the two correlated AUCs).
//! * [`bootstrap_average_precision_ci`]: seeded, stratified percentile bootstrap for the AP.
//!
//! [`summarize`] and [`summarize_csv`] bundle everything into a serializable [`MetricsSummary`].

mod bootstrap;
pub mod class_rows;
mod csv_input;
mod delong;
mod interval;
pub mod over_seeds;
mod pr;
mod roc;
mod summary;
mod sweep;
mod threshold;

use std::path::PathBuf;

pub use bootstrap::bootstrap_average_precision_ci;
pub use csv_input::{parse_scores_csv, read_scores_csv, LabelledScores, DEFAULT_POSITIVE_LABEL};
pub use delong::{delong_paired_test, delong_roc_auc_ci, DelongInterval, PairedDelongTest};
pub use interval::ConfidenceInterval;
pub use pr::{average_precision, pr_auc_trapezoid, precision_recall_curve, PrecisionRecallCurve};
pub use roc::{roc_auc, roc_curve, RocCurve};
pub use summary::{summarize, summarize_csv, MetricsSummary, SummaryOptions};
pub use threshold::{operating_point_at, OperatingPoint};

/// Why a metric could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    #[error("no samples: scores and labels are empty")]
    Empty,
    #[error("length mismatch: {scores} scores but {labels} labels")]
    LengthMismatch { scores: usize, labels: usize },
    #[error("score at index {index} is {value}; scores must be finite")]
    NonFiniteScore { index: usize, value: f64 },
    #[error("no positive (anomaly) samples among {n} samples; the metric is undefined")]
    NoPositives { n: usize },
    #[error("no negative (normal) samples among {n} samples; the metric is undefined")]
    NoNegatives { n: usize },
    #[error(
        "{what} needs at least {needed} positive and {needed} negative samples, \
         got {n_pos} positive and {n_neg} negative"
    )]
    TooFewSamples {
        what: &'static str,
        needed: usize,
        n_pos: usize,
        n_neg: usize,
    },
    #[error("invalid {name} = {value}: {reason}")]
    InvalidParameter {
        name: &'static str,
        value: f64,
        reason: &'static str,
    },
    #[error("{path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{}line {line}: {message}", path.as_ref().map(|p| format!("{}: ", p.display())).unwrap_or_default())]
    Csv {
        path: Option<PathBuf>,
        line: u64,
        message: String,
    },
}

/// Positive and negative counts of a validated input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClassCounts {
    pub n_pos: usize,
    pub n_neg: usize,
}

/// Checks the input convention shared by every metric and counts the classes.
pub(crate) fn validate(scores: &[f64], labels: &[bool]) -> Result<ClassCounts, MetricsError> {
    if scores.len() != labels.len() {
        return Err(MetricsError::LengthMismatch {
            scores: scores.len(),
            labels: labels.len(),
        });
    }
    if scores.is_empty() {
        return Err(MetricsError::Empty);
    }
    if let Some(index) = scores.iter().position(|s| !s.is_finite()) {
        return Err(MetricsError::NonFiniteScore {
            index,
            value: scores[index],
        });
    }
    let n_pos = labels.iter().filter(|&&is_positive| is_positive).count();
    let n_neg = labels.len() - n_pos;
    if n_pos == 0 {
        return Err(MetricsError::NoPositives { n: labels.len() });
    }
    if n_neg == 0 {
        return Err(MetricsError::NoNegatives { n: labels.len() });
    }
    Ok(ClassCounts { n_pos, n_neg })
}

/// Checks that a confidence level lies strictly between 0 and 1.
pub(crate) fn validate_confidence(confidence: f64) -> Result<(), MetricsError> {
    if confidence > 0.0 && confidence < 1.0 {
        Ok(())
    } else {
        Err(MetricsError::InvalidParameter {
            name: "confidence",
            value: confidence,
            reason: "must lie strictly between 0 and 1",
        })
    }
}

/// JSON writes a non-finite float as `null`; read it back as NaN so that a record with an undefined
/// metric still loads and the reader decides what a missing value means.
pub fn f64_or_nan<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    Ok(<Option<f64> as serde::Deserialize>::deserialize(deserializer)?.unwrap_or(f64::NAN))
}

/// `Ok` when `value` is a probability-scale metric (ROC-AUC, AP) in [0, 1], or NaN (undefined); else
/// a message naming `field` (for checking a value read from a file).
pub fn check_unit_interval(value: f64, field: &str) -> Result<(), String> {
    if value.is_nan() || (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(format!("{field} is {value}, outside [0, 1]"))
    }
}
