//! ROC curve and ROC-AUC.

use serde::{Deserialize, Serialize};

use super::sweep::{auc_from_doubled_u, doubled_mann_whitney_u, RankedScores};
use super::MetricsError;

/// The full ROC curve, as `sklearn.metrics.roc_curve(..., drop_intermediate=False)` returns it:
/// one point per distinct score (descending thresholds) preceded by (0, 0) at threshold `+inf`.
/// All three vectors have the same length. (`+inf` serializes as `null` in JSON.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RocCurve {
    pub false_positive_rate: Vec<f64>,
    pub true_positive_rate: Vec<f64>,
    pub thresholds: Vec<f64>,
}

/// Area under the ROC curve (trapezoid rule; equals U / (n_pos · n_neg), ties counting 1/2).
pub fn roc_auc(scores: &[f64], labels: &[bool]) -> Result<f64, MetricsError> {
    let ranked = RankedScores::new(scores, labels)?;
    Ok(roc_auc_of_ranked(&ranked))
}

pub(crate) fn roc_auc_of_ranked(ranked: &RankedScores) -> f64 {
    auc_from_doubled_u(
        doubled_mann_whitney_u(ranked.steps()),
        ranked.n_pos(),
        ranked.n_neg(),
    )
}

/// The ROC curve; see [`RocCurve`].
pub fn roc_curve(scores: &[f64], labels: &[bool]) -> Result<RocCurve, MetricsError> {
    let ranked = RankedScores::new(scores, labels)?;
    let capacity = ranked.max_steps() + 1;
    let mut curve = RocCurve {
        false_positive_rate: Vec::with_capacity(capacity),
        true_positive_rate: Vec::with_capacity(capacity),
        thresholds: Vec::with_capacity(capacity),
    };
    curve.false_positive_rate.push(0.0);
    curve.true_positive_rate.push(0.0);
    curve.thresholds.push(f64::INFINITY);
    let (n_pos, n_neg) = (ranked.n_pos() as f64, ranked.n_neg() as f64);
    for step in ranked.steps() {
        curve
            .false_positive_rate
            .push(step.false_positives as f64 / n_neg);
        curve
            .true_positive_rate
            .push(step.true_positives as f64 / n_pos);
        curve.thresholds.push(step.threshold());
    }
    Ok(curve)
}
