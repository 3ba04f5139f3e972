//! Seeded, stratified percentile bootstrap confidence interval for the average precision.
//!
//! Stratified: each resample draws n_pos positives and n_neg negatives with replacement from
//! their own class, so every resample has both classes (an unstratified resample can lack
//! positives, where AP is undefined) and the class balance of the evaluation set is kept.
//!
//! The scores are sorted once; a resample is only a multiplicity per sorted sample, and its AP is
//! one weighted O(n) sweep over the fixed order, so B resamples cost O(B·n), not O(B·n log n).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::interval::ConfidenceInterval;
use super::sweep::{CompensatedSum, RankedScores};
use super::{validate_confidence, MetricsError};

pub(crate) const BOOTSTRAP_METHOD: &str = "stratified percentile bootstrap";

/// Percentile bootstrap interval for [`super::average_precision`] at level `confidence`, from
/// `resamples` stratified resamples drawn with ChaCha8 seeded by `seed` (same seed, same interval).
pub fn bootstrap_average_precision_ci(
    scores: &[f64],
    labels: &[bool],
    confidence: f64,
    resamples: usize,
    seed: u64,
) -> Result<ConfidenceInterval, MetricsError> {
    let ranked = RankedScores::new(scores, labels)?;
    bootstrap_average_precision_ci_of_ranked(&ranked, confidence, resamples, seed)
}

pub(crate) fn bootstrap_average_precision_ci_of_ranked(
    ranked: &RankedScores,
    confidence: f64,
    resamples: usize,
    seed: u64,
) -> Result<ConfidenceInterval, MetricsError> {
    validate_confidence(confidence)?;
    if resamples == 0 {
        return Err(MetricsError::InvalidParameter {
            name: "bootstrap resamples",
            value: 0.0,
            reason: "must be at least 1",
        });
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut positive_multiplicity = vec![0u32; ranked.n_pos()];
    let mut negative_multiplicity = vec![0u32; ranked.n_neg()];
    let mut estimates = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        draw_multiplicities(&mut rng, &mut positive_multiplicity);
        draw_multiplicities(&mut rng, &mut negative_multiplicity);
        estimates.push(weighted_average_precision(
            ranked,
            &positive_multiplicity,
            &negative_multiplicity,
        ));
    }
    estimates.sort_unstable_by(f64::total_cmp);
    let tail = (1.0 - confidence) / 2.0;
    Ok(ConfidenceInterval {
        lower: linear_quantile(&estimates, tail),
        upper: linear_quantile(&estimates, 1.0 - tail),
        confidence,
        method: BOOTSTRAP_METHOD.to_string(),
        unavailable: None,
    })
}

/// Draws `multiplicity.len()` samples with replacement and records how often each was drawn.
fn draw_multiplicities(rng: &mut ChaCha8Rng, multiplicity: &mut [u32]) {
    multiplicity.fill(0);
    let n = multiplicity.len();
    for _ in 0..n {
        multiplicity[rng.gen_range(0..n)] += 1;
    }
}

/// AP of the resample given by the multiplicities (aligned with the sorted key arrays).
fn weighted_average_precision(
    ranked: &RankedScores,
    positive_multiplicity: &[u32],
    negative_multiplicity: &[u32],
) -> f64 {
    let (positive_keys, negative_keys) = (&ranked.positive_keys, &ranked.negative_keys);
    let (mut positives_left, mut negatives_left) = (positive_keys.len(), negative_keys.len());
    let (mut true_positives, mut false_positives) = (0u64, 0u64);
    let mut sum = CompensatedSum::default();
    while positives_left > 0 {
        let next_negative = negatives_left.checked_sub(1).map(|i| negative_keys[i]);
        let key = match next_negative {
            Some(n) => positive_keys[positives_left - 1].max(n),
            None => positive_keys[positives_left - 1],
        };
        let previous_true_positives = true_positives;
        while positives_left > 0 && positive_keys[positives_left - 1] == key {
            positives_left -= 1;
            true_positives += positive_multiplicity[positives_left] as u64;
        }
        while negatives_left > 0 && negative_keys[negatives_left - 1] == key {
            negatives_left -= 1;
            false_positives += negative_multiplicity[negatives_left] as u64;
        }
        // Steps without new positives add nothing (and may have no predicted positives at all).
        if true_positives != previous_true_positives {
            let precision = true_positives as f64 / (true_positives + false_positives) as f64;
            sum.add((true_positives - previous_true_positives) as f64 * precision);
        }
    }
    sum.value() / positive_keys.len() as f64
}

/// Quantile of sorted values with linear interpolation (numpy's default "linear" method).
pub(crate) fn linear_quantile(sorted: &[f64], probability: f64) -> f64 {
    let position = probability * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = (below + 1).min(sorted.len() - 1);
    let fraction = position - below as f64;
    if fraction == 0.0 {
        return sorted[below];
    }
    let interpolated = sorted[below] + fraction * (sorted[above] - sorted[below]);
    if interpolated.is_finite() {
        interpolated
    } else {
        // The difference overflowed (scores near ±f64::MAX); this form cannot.
        sorted[below] * (1.0 - fraction) + sorted[above] * fraction
    }
}
