//! Thresholds a user can deploy: chosen from normal images only, at a target false-positive rate,
//! then checked on the test set; and, for reference only, the F1-optimal threshold found on the
//! test set itself (which a deployment cannot know). An image is flagged when `score >= threshold`.

use serde::{Deserialize, Serialize};

use crate::metrics::{self, MetricsError};

/// Where a threshold was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThresholdSource {
    /// Normal training images held out of training.
    HeldOut,
    /// The normal training images the model was trained on: reconstructed better than unseen normal
    /// images, so the threshold is low and the test false-positive rate above the target.
    TrainingInSample,
}

/// The lowest observed normal score `t` with at most `target_fpr` of `normal` at or above it; when
/// even the highest score flags too many (a small reference set), the next float above it, which
/// flags none of them.
pub fn threshold_at_normal_fpr(normal: &[f64], target_fpr: f64) -> anyhow::Result<f64> {
    anyhow::ensure!(
        (0.0..=1.0).contains(&target_fpr),
        "target false-positive rate {target_fpr} is not in [0, 1]"
    );
    anyhow::ensure!(
        !normal.is_empty(),
        "no normal scores to choose a threshold from"
    );
    if let Some(i) = normal.iter().position(|s| !s.is_finite()) {
        anyhow::bail!("normal score {i} is {} (not finite)", normal[i]);
    }
    let mut sorted = normal.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let n = sorted.len() as f64;
    let mut best = sorted[0].next_up();
    let mut i = 0;
    while i < sorted.len() {
        let value = sorted[i];
        let mut j = i;
        while j < sorted.len() && sorted[j] == value {
            j += 1;
        }
        if j as f64 / n > target_fpr {
            break;
        }
        best = value;
        i = j;
    }
    Ok(best)
}

/// Share of `scores` flagged by `threshold`.
pub fn flagged_fraction(scores: &[f64], threshold: f64) -> f64 {
    scores.iter().filter(|s| **s >= threshold).count() as f64 / scores.len().max(1) as f64
}

/// Rates of one test comparison (normal vs one class, or vs all others) at a threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatesAtThreshold {
    pub class: Option<u8>,
    pub name: String,
    pub true_positive_rate: f64,
    pub false_positive_rate: f64,
    /// `None` when nothing is flagged.
    pub precision: Option<f64>,
    /// F1 of the flags (anomaly positive); 0 when nothing is flagged.
    pub f1: f64,
}

/// Rates of `threshold` on `scores` / `labels` (anomaly = true).
pub fn rates_at(
    class: Option<u8>,
    name: &str,
    scores: &[f64],
    labels: &[bool],
    threshold: f64,
) -> Result<RatesAtThreshold, MetricsError> {
    let point = metrics::operating_point_at(scores, labels, threshold)?;
    let f1 = point
        .precision
        .map_or(0.0, |p| f1(p, point.true_positive_rate));
    Ok(RatesAtThreshold {
        f1,
        class,
        name: name.to_string(),
        true_positive_rate: point.true_positive_rate,
        false_positive_rate: point.false_positive_rate,
        precision: point.precision,
    })
}

fn f1(precision: f64, recall: f64) -> f64 {
    if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    }
}

/// The threshold that maximises F1 on a labelled set, with its rates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct F1Optimal {
    pub threshold: f64,
    pub f1: f64,
    pub precision: f64,
    pub recall: f64,
}

/// The F1-maximising threshold among the observed scores (ties: the highest threshold).
pub fn f1_optimal(scores: &[f64], labels: &[bool]) -> Result<F1Optimal, MetricsError> {
    let curve = metrics::precision_recall_curve(scores, labels)?;
    let mut best: Option<F1Optimal> = None;
    for ((threshold, precision), recall) in curve
        .thresholds
        .iter()
        .zip(&curve.precision)
        .zip(&curve.recall)
    {
        let f1 = f1(*precision, *recall);
        if best.as_ref().is_none_or(|b| f1 >= b.f1) {
            best = Some(F1Optimal {
                threshold: *threshold,
                f1,
                precision: *precision,
                recall: *recall,
            });
        }
    }
    best.ok_or(MetricsError::Empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_threshold_flags_at_most_the_target_share_of_normal_scores() {
        let normal: Vec<f64> = (1..=100).map(f64::from).collect();
        let t = threshold_at_normal_fpr(&normal, 0.05).unwrap();
        assert_eq!(t, 96.0);
        assert_eq!(flagged_fraction(&normal, t), 0.05);
        // Ties are never split: 3 of 4 tied at the top cannot be 50 %.
        let tied = [1.0, 5.0, 5.0, 5.0];
        let t = threshold_at_normal_fpr(&tied, 0.5).unwrap();
        assert!(t > 5.0 && flagged_fraction(&tied, t) == 0.0);
        assert_eq!(threshold_at_normal_fpr(&tied, 1.0).unwrap(), 1.0);
    }

    #[test]
    fn bad_threshold_inputs_are_errors() {
        assert!(threshold_at_normal_fpr(&[], 0.05).is_err());
        assert!(threshold_at_normal_fpr(&[1.0], 1.5).is_err());
        assert!(threshold_at_normal_fpr(&[1.0, f64::NAN], 0.05).is_err());
    }

    #[test]
    fn rates_and_f1_on_a_small_case() {
        let scores = [0.1, 0.2, 0.3, 0.8, 0.9];
        let labels = [false, false, true, true, true];
        let r = rates_at(None, "all others", &scores, &labels, 0.25).unwrap();
        assert_eq!((r.true_positive_rate, r.false_positive_rate), (1.0, 0.0));
        assert_eq!(r.f1, 1.0);
        let r = rates_at(None, "all others", &scores, &labels, 0.85).unwrap();
        assert!((r.f1 - 0.5).abs() < 1e-12, "P 1, R 1/3: {}", r.f1);
        let best = f1_optimal(&scores, &labels).unwrap();
        assert_eq!((best.threshold, best.f1), (0.3, 1.0));
    }
}
