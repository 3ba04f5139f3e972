//! Precision–recall curve, average precision and the trapezoidal PR-AUC.

use serde::{Deserialize, Serialize};

use super::sweep::{CompensatedSum, RankedScores};
use super::MetricsError;

/// The precision–recall curve in scikit-learn's layout (`precision_recall_curve`):
/// `thresholds` are the distinct scores in increasing order, and `precision[i]`, `recall[i]`
/// belong to `thresholds[i]`; the two rate vectors carry one extra final point
/// (recall 0, precision 1), so recall is non-increasing along the vectors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrecisionRecallCurve {
    pub precision: Vec<f64>,
    pub recall: Vec<f64>,
    pub thresholds: Vec<f64>,
}

/// Average precision, Σ_k (R_k − R_{k−1}) · P_k over distinct thresholds (scikit-learn's
/// `average_precision_score`).
pub fn average_precision(scores: &[f64], labels: &[bool]) -> Result<f64, MetricsError> {
    let ranked = RankedScores::new(scores, labels)?;
    Ok(average_precision_of_ranked(&ranked))
}

pub(crate) fn average_precision_of_ranked(ranked: &RankedScores) -> f64 {
    // Σ Δtp · P_k, divided by n_pos once at the end (fewer roundings than summing ΔR · P).
    let mut sum = CompensatedSum::default();
    let mut previous_true_positives = 0;
    for step in ranked.steps() {
        if step.true_positives != previous_true_positives {
            let precision =
                step.true_positives as f64 / (step.true_positives + step.false_positives) as f64;
            sum.add((step.true_positives - previous_true_positives) as f64 * precision);
            previous_true_positives = step.true_positives;
        }
    }
    sum.value() / ranked.n_pos() as f64
}

/// Trapezoidal area under the PR curve including its (recall 0, precision 1) end point, i.e.
/// `sklearn.metrics.auc(recall, precision)` on [`precision_recall_curve`]'s output. A named
/// variant for comparison; [`average_precision`] is the default PR-AUC (see the module docs).
pub fn pr_auc_trapezoid(scores: &[f64], labels: &[bool]) -> Result<f64, MetricsError> {
    let ranked = RankedScores::new(scores, labels)?;
    Ok(pr_auc_trapezoid_of_ranked(&ranked))
}

pub(crate) fn pr_auc_trapezoid_of_ranked(ranked: &RankedScores) -> f64 {
    let n_pos = ranked.n_pos() as f64;
    let mut sum = CompensatedSum::default();
    let (mut previous_recall, mut previous_precision) = (0.0, 1.0);
    for step in ranked.steps() {
        let recall = step.true_positives as f64 / n_pos;
        let precision =
            step.true_positives as f64 / (step.true_positives + step.false_positives) as f64;
        sum.add((recall - previous_recall) * (precision + previous_precision) / 2.0);
        (previous_recall, previous_precision) = (recall, precision);
    }
    sum.value()
}

/// The precision–recall curve; see [`PrecisionRecallCurve`].
pub fn precision_recall_curve(
    scores: &[f64],
    labels: &[bool],
) -> Result<PrecisionRecallCurve, MetricsError> {
    let ranked = RankedScores::new(scores, labels)?;
    let capacity = ranked.max_steps() + 1;
    let mut curve = PrecisionRecallCurve {
        precision: Vec::with_capacity(capacity),
        recall: Vec::with_capacity(capacity),
        thresholds: Vec::with_capacity(capacity),
    };
    let n_pos = ranked.n_pos() as f64;
    for step in ranked.steps() {
        let predicted_positive = (step.true_positives + step.false_positives) as f64;
        curve
            .precision
            .push(step.true_positives as f64 / predicted_positive);
        curve.recall.push(step.true_positives as f64 / n_pos);
        curve.thresholds.push(step.threshold());
    }
    curve.precision.reverse();
    curve.recall.reverse();
    curve.thresholds.reverse();
    curve.precision.push(1.0);
    curve.recall.push(0.0);
    Ok(curve)
}
