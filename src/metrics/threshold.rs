//! Operating points: the rates at a given threshold.
//! A sample is flagged as an anomaly when `score >= threshold`.

use serde::{Deserialize, Serialize};

use super::sweep::{score_to_key, RankedScores};
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
