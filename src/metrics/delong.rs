//! DeLong, DeLong & Clarke-Pearson (1988): variance of the ROC-AUC from placement values, a
//! normal confidence interval, and the paired test of two AUCs on the same samples.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

use super::sweep::{auc_from_doubled_u, score_to_key, RankedScores};
use super::{validate, validate_confidence, MetricsError};

/// ROC-AUC with its DeLong standard error and a normal interval clipped to [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DelongInterval {
    pub auc: f64,
    pub std_error: f64,
    pub lower: f64,
    pub upper: f64,
    pub confidence: f64,
}

/// Result of the one-sided paired DeLong test of H1: AUC_A > AUC_B (same samples, same labels).
///
/// `z = (auc_a − auc_b) / std_error` and `p_value = 1 − Φ(z)`. When the difference has zero
/// variance (e.g. identical scores), `z` is 0 for a zero difference (p = 0.5) and ±∞ otherwise
/// (p = 0 or 1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PairedDelongTest {
    pub auc_a: f64,
    pub auc_b: f64,
    pub difference: f64,
    pub std_error: f64,
    pub z: f64,
    pub p_value: f64,
}

/// DeLong's placement values (structural components) in sample order: for each positive i,
/// V10_i = (#negatives below s_i + ½ #negatives tied with s_i) / n_neg; for each negative j,
/// V01_j = (#positives above s_j + ½ #positives tied with s_j) / n_pos. The AUC is the mean of
/// either set; it is taken from the exact integer count.
struct Placements {
    positive: Vec<f64>,
    negative: Vec<f64>,
    auc: f64,
}

impl Placements {
    fn new(scores: &[f64], labels: &[bool]) -> Result<Self, MetricsError> {
        let ranked = RankedScores::new(scores, labels)?;
        let (n_pos, n_neg) = (ranked.n_pos(), ranked.n_neg());
        let mut positive = Vec::with_capacity(n_pos);
        let mut negative = Vec::with_capacity(n_neg);
        let mut doubled_u: u128 = 0;
        for (&score, &is_positive) in scores.iter().zip(labels) {
            let key = score_to_key(score);
            if is_positive {
                let (below, tied) = RankedScores::count_below_and_equal(&ranked.negative_keys, key);
                let doubled_placement = 2 * below + tied;
                doubled_u += doubled_placement as u128;
                positive.push(doubled_placement as f64 / (2.0 * n_neg as f64));
            } else {
                let (below, tied) = RankedScores::count_below_and_equal(&ranked.positive_keys, key);
                let above = n_pos - below - tied;
                negative.push((2 * above + tied) as f64 / (2.0 * n_pos as f64));
            }
        }
        Ok(Self {
            positive,
            negative,
            auc: auc_from_doubled_u(doubled_u, n_pos, n_neg),
        })
    }
}

/// Sample covariance (denominator n − 1) of two equally long slices with known means.
fn sample_covariance(a: &[f64], mean_a: f64, b: &[f64], mean_b: f64) -> f64 {
    let sum: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - mean_a) * (y - mean_b))
        .sum();
    sum / (a.len() - 1) as f64
}

fn require_two_per_class(
    what: &'static str,
    n_pos: usize,
    n_neg: usize,
) -> Result<(), MetricsError> {
    if n_pos < 2 || n_neg < 2 {
        return Err(MetricsError::TooFewSamples {
            what,
            needed: 2,
            n_pos,
            n_neg,
        });
    }
    Ok(())
}

/// DeLong confidence interval for the ROC-AUC at level `confidence` (e.g. 0.95).
/// Needs at least two samples of each class (the variance is a sample variance per class).
pub fn delong_roc_auc_ci(
    scores: &[f64],
    labels: &[bool],
    confidence: f64,
) -> Result<DelongInterval, MetricsError> {
    validate_confidence(confidence)?;
    let counts = validate(scores, labels)?;
    require_two_per_class("the DeLong variance", counts.n_pos, counts.n_neg)?;
    let placements = Placements::new(scores, labels)?;
    let auc = placements.auc;
    let positive_variance = sample_covariance(&placements.positive, auc, &placements.positive, auc);
    let negative_variance = sample_covariance(&placements.negative, auc, &placements.negative, auc);
    let std_error =
        (positive_variance / counts.n_pos as f64 + negative_variance / counts.n_neg as f64).sqrt();
    let half_width = standard_normal_quantile(0.5 + confidence / 2.0) * std_error;
    Ok(DelongInterval {
        auc,
        std_error,
        lower: (auc - half_width).max(0.0),
        upper: (auc + half_width).min(1.0),
        confidence,
    })
}

/// Paired DeLong test of "model A has a higher ROC-AUC than model B" on the same samples.
pub fn delong_paired_test(
    scores_a: &[f64],
    scores_b: &[f64],
    labels: &[bool],
) -> Result<PairedDelongTest, MetricsError> {
    if scores_a.len() != scores_b.len() {
        return Err(MetricsError::LengthMismatch {
            scores: scores_b.len(),
            labels: scores_a.len(),
        });
    }
    let counts = validate(scores_a, labels)?;
    require_two_per_class("the paired DeLong test", counts.n_pos, counts.n_neg)?;
    let a = Placements::new(scores_a, labels)?;
    let b = Placements::new(scores_b, labels)?;
    let (auc_a, auc_b) = (a.auc, b.auc);

    // Var(A − B) = Var(A) + Var(B) − 2 Cov(A, B), each from the per-class placement covariances.
    let difference_variance = |a_class: &[f64], b_class: &[f64]| {
        sample_covariance(a_class, auc_a, a_class, auc_a)
            + sample_covariance(b_class, auc_b, b_class, auc_b)
            - 2.0 * sample_covariance(a_class, auc_a, b_class, auc_b)
    };
    let positive_part = difference_variance(&a.positive, &b.positive);
    let negative_part = difference_variance(&a.negative, &b.negative);
    let (n_pos, n_neg) = (counts.n_pos as f64, counts.n_neg as f64);
    // Rounding can make a true zero slightly negative.
    let variance = (positive_part / n_pos + negative_part / n_neg).max(0.0);
    let std_error = variance.sqrt();
    let difference = auc_a - auc_b;
    let z = if std_error > 0.0 {
        difference / std_error
    } else if difference == 0.0 {
        0.0
    } else {
        difference.signum() * f64::INFINITY
    };
    let p_value = standard_normal().cdf(-z);
    Ok(PairedDelongTest {
        auc_a,
        auc_b,
        difference,
        std_error,
        z,
        p_value,
    })
}

fn standard_normal() -> Normal {
    Normal::standard()
}

fn standard_normal_quantile(probability: f64) -> f64 {
    standard_normal().inverse_cdf(probability)
}
