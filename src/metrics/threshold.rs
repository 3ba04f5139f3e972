//! Operating points: the threshold meeting a false-positive-rate budget, the threshold at a
//! percentile of the normal-class scores, and the rates at any given threshold.
//! A sample is flagged as an anomaly when `score >= threshold`.

use serde::{Deserialize, Serialize};

use super::bootstrap::linear_quantile;
use super::sweep::{key_to_score, score_to_key, RankedScores};
use super::MetricsError;

/// The confusion counts and rates of the rule `score >= threshold`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OperatingPoint {
    pub threshold: f64,
    pub true_positive_rate: f64,
    pub false_positive_rate: f64,
    /// `None` when nothing is flagged (precision 0/0 is undefined).
    pub precision: Option<f64>,
    pub true_positives: usize,
    pub false_positives: usize,
    pub n_pos: usize,
    pub n_neg: usize,
}

fn operating_point(ranked: &RankedScores, threshold: f64) -> OperatingPoint {
    let count_at_or_above = |sorted_keys: &[u64]| {
        if threshold == f64::INFINITY {
            return 0;
        }
        let key = score_to_key(threshold);
        sorted_keys.len() - sorted_keys.partition_point(|&k| k < key)
    };
    let true_positives = count_at_or_above(&ranked.positive_keys);
    let false_positives = count_at_or_above(&ranked.negative_keys);
    let flagged = true_positives + false_positives;
    OperatingPoint {
        threshold,
        true_positive_rate: true_positives as f64 / ranked.n_pos() as f64,
        false_positive_rate: false_positives as f64 / ranked.n_neg() as f64,
        precision: (flagged > 0).then(|| true_positives as f64 / flagged as f64),
        true_positives,
        false_positives,
        n_pos: ranked.n_pos(),
        n_neg: ranked.n_neg(),
    }
}

fn invalid_threshold(threshold: f64) -> MetricsError {
    MetricsError::InvalidParameter {
        name: "threshold",
        value: threshold,
        reason: "must be finite or +inf",
    }
}

/// Rates of the rule `score >= threshold` (`+inf` flags nothing).
pub fn operating_point_at(
    scores: &[f64],
    labels: &[bool],
    threshold: f64,
) -> Result<OperatingPoint, MetricsError> {
    if threshold.is_nan() || threshold == f64::NEG_INFINITY {
        return Err(invalid_threshold(threshold));
    }
    let ranked = RankedScores::new(scores, labels)?;
    Ok(operating_point(&ranked, threshold))
}

/// The lowest threshold whose false-positive rate is at most `max_false_positive_rate`, i.e. the
/// ROC point with the highest TPR within the budget. Thresholds are observed scores; when even
/// the highest score exceeds the budget the threshold is `+inf` (nothing flagged).
pub fn threshold_at_fpr(
    scores: &[f64],
    labels: &[bool],
    max_false_positive_rate: f64,
) -> Result<OperatingPoint, MetricsError> {
    if !(0.0..=1.0).contains(&max_false_positive_rate) {
        return Err(MetricsError::InvalidParameter {
            name: "target false-positive rate",
            value: max_false_positive_rate,
            reason: "must lie in [0, 1]",
        });
    }
    let ranked = RankedScores::new(scores, labels)?;
    let n_neg = ranked.n_neg() as f64;
    let threshold = ranked
        .steps()
        .take_while(|step| step.false_positives as f64 / n_neg <= max_false_positive_rate)
        .last()
        .map_or(f64::INFINITY, |step| step.threshold());
    Ok(operating_point(&ranked, threshold))
}

/// Threshold at the `percentile` (0–100, linear interpolation as numpy's default) of the
/// normal-class (negative) scores, e.g. 95 flags about 5 % of normal samples. Note that with the
/// `>=` rule, percentile 100 still flags the normal samples tied at the maximum.
pub fn threshold_at_normal_percentile(
    scores: &[f64],
    labels: &[bool],
    percentile: f64,
) -> Result<OperatingPoint, MetricsError> {
    if !(0.0..=100.0).contains(&percentile) {
        return Err(MetricsError::InvalidParameter {
            name: "percentile",
            value: percentile,
            reason: "must lie in [0, 100]",
        });
    }
    let ranked = RankedScores::new(scores, labels)?;
    let sorted_normal_scores: Vec<f64> = ranked
        .negative_keys
        .iter()
        .map(|&key| key_to_score(key))
        .collect();
    let threshold = linear_quantile(&sorted_normal_scores, percentile / 100.0);
    Ok(operating_point(&ranked, threshold))
}
