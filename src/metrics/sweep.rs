//! The shared core: scores sorted once, swept over their distinct values (descending).
//!
//! Positive and negative scores are kept in two separately sorted arrays of order-preserving
//! integer keys. Sorting plain `u64`s is several times faster than sorting `(f64, bool)` pairs with
//! a comparison closure, and a merge of the two arrays yields, for every distinct score, the
//! cumulative true- and false-positive counts at that threshold in one O(n) pass.

use super::{validate, ClassCounts, MetricsError};

/// Maps a finite score to a `u64` whose unsigned order is the numeric order of the scores
/// (`-0.0` and `0.0` map to the same key, so they tie as they do in scikit-learn).
pub(crate) fn score_to_key(score: f64) -> u64 {
    const SIGN_BIT: u64 = 1 << 63;
    // Adding +0.0 turns -0.0 into +0.0 and leaves every other value unchanged.
    let bits = (score + 0.0).to_bits();
    if bits & SIGN_BIT != 0 {
        !bits
    } else {
        bits | SIGN_BIT
    }
}

/// Inverse of [`score_to_key`].
pub(crate) fn key_to_score(key: u64) -> f64 {
    const SIGN_BIT: u64 = 1 << 63;
    if key & SIGN_BIT != 0 {
        f64::from_bits(key & !SIGN_BIT)
    } else {
        f64::from_bits(!key)
    }
}

/// Validated scores split by class, each class sorted ascending by key.
#[derive(Debug, Clone)]
pub(crate) struct RankedScores {
    pub positive_keys: Vec<u64>,
    pub negative_keys: Vec<u64>,
}

/// One distinct threshold of the sweep with the cumulative counts of samples scoring `>=` it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ThresholdStep {
    pub key: u64,
    pub true_positives: u64,
    pub false_positives: u64,
}

impl ThresholdStep {
    pub fn threshold(&self) -> f64 {
        key_to_score(self.key)
    }
}

impl RankedScores {
    pub fn new(scores: &[f64], labels: &[bool]) -> Result<Self, MetricsError> {
        let ClassCounts { n_pos, n_neg } = validate(scores, labels)?;
        let mut positive_keys = Vec::with_capacity(n_pos);
        let mut negative_keys = Vec::with_capacity(n_neg);
        for (&score, &is_positive) in scores.iter().zip(labels) {
            if is_positive {
                positive_keys.push(score_to_key(score));
            } else {
                negative_keys.push(score_to_key(score));
            }
        }
        positive_keys.sort_unstable();
        negative_keys.sort_unstable();
        Ok(Self {
            positive_keys,
            negative_keys,
        })
    }

    pub fn n_pos(&self) -> usize {
        self.positive_keys.len()
    }

    pub fn n_neg(&self) -> usize {
        self.negative_keys.len()
    }

    /// Distinct thresholds from the highest score down, with cumulative counts.
    pub fn steps(&self) -> ThresholdSteps<'_> {
        ThresholdSteps {
            positive_keys: &self.positive_keys,
            negative_keys: &self.negative_keys,
            positives_left: self.positive_keys.len(),
            negatives_left: self.negative_keys.len(),
            true_positives: 0,
            false_positives: 0,
        }
    }

    /// Number of distinct thresholds is at most this (used to size curve vectors).
    pub fn max_steps(&self) -> usize {
        self.positive_keys.len() + self.negative_keys.len()
    }

    /// (number of samples of the class with key < `key`, number with key == `key`) for the
    /// ascending key array `sorted_keys`.
    pub fn count_below_and_equal(sorted_keys: &[u64], key: u64) -> (usize, usize) {
        let below = sorted_keys.partition_point(|&k| k < key);
        let below_or_equal = below + sorted_keys[below..].partition_point(|&k| k == key);
        (below, below_or_equal - below)
    }
}

/// Iterator over [`ThresholdStep`]s in descending threshold order. It walks both ascending arrays
/// from their ends, like the merge step of merge sort.
pub(crate) struct ThresholdSteps<'a> {
    positive_keys: &'a [u64],
    negative_keys: &'a [u64],
    positives_left: usize,
    negatives_left: usize,
    true_positives: u64,
    false_positives: u64,
}

impl Iterator for ThresholdSteps<'_> {
    type Item = ThresholdStep;

    fn next(&mut self) -> Option<ThresholdStep> {
        let next_positive = self
            .positives_left
            .checked_sub(1)
            .map(|i| self.positive_keys[i]);
        let next_negative = self
            .negatives_left
            .checked_sub(1)
            .map(|i| self.negative_keys[i]);
        let key = match (next_positive, next_negative) {
            (None, None) => return None,
            (Some(p), None) => p,
            (None, Some(n)) => n,
            (Some(p), Some(n)) => p.max(n),
        };
        while self.positives_left > 0 && self.positive_keys[self.positives_left - 1] == key {
            self.positives_left -= 1;
            self.true_positives += 1;
        }
        while self.negatives_left > 0 && self.negative_keys[self.negatives_left - 1] == key {
            self.negatives_left -= 1;
            self.false_positives += 1;
        }
        Some(ThresholdStep {
            key,
            true_positives: self.true_positives,
            false_positives: self.false_positives,
        })
    }
}

/// Twice the ROC-AUC numerator, exactly: Σ over steps of Δfp · (tp_k + tp_{k−1}), i.e.
/// 2 · #(positive ranked above negative) + #(tied positive–negative pairs).
pub(crate) fn doubled_mann_whitney_u(steps: impl Iterator<Item = ThresholdStep>) -> u128 {
    let mut doubled_area: u128 = 0;
    let mut previous = ThresholdStep {
        key: 0,
        true_positives: 0,
        false_positives: 0,
    };
    for step in steps {
        let false_positive_increase = (step.false_positives - previous.false_positives) as u128;
        doubled_area +=
            false_positive_increase * (step.true_positives + previous.true_positives) as u128;
        previous = step;
    }
    doubled_area
}

/// ROC-AUC from the doubled U statistic.
pub(crate) fn auc_from_doubled_u(doubled_u: u128, n_pos: usize, n_neg: usize) -> f64 {
    doubled_u as f64 / (2.0 * n_pos as f64 * n_neg as f64)
}

/// Neumaier-compensated running sum, so that sums over 10^6 terms stay within 1e-15 of exact.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct CompensatedSum {
    sum: f64,
    compensation: f64,
}

impl CompensatedSum {
    pub fn add(&mut self, value: f64) {
        let total = self.sum + value;
        if self.sum.abs() >= value.abs() {
            self.compensation += (self.sum - total) + value;
        } else {
            self.compensation += (value - total) + self.sum;
        }
        self.sum = total;
    }

    pub fn value(&self) -> f64 {
        self.sum + self.compensation
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_preserve_order_and_round_trip() {
        let values = [-1e300, -2.5, -1e-300, -0.0, 0.0, 1e-300, 0.5, 3.0, 1e300];
        for pair in values.windows(2) {
            assert!(score_to_key(pair[0]) <= score_to_key(pair[1]), "{pair:?}");
        }
        assert_eq!(score_to_key(-0.0), score_to_key(0.0));
        for &v in &values {
            assert_eq!(key_to_score(score_to_key(v)), v);
        }
    }

    #[test]
    fn ties_form_one_step() {
        let ranked = RankedScores::new(&[0.5, 0.5, 0.2, 0.9], &[true, false, true, false]).unwrap();
        let steps: Vec<_> = ranked
            .steps()
            .map(|s| (s.threshold(), s.true_positives, s.false_positives))
            .collect();
        assert_eq!(steps, vec![(0.9, 0, 1), (0.5, 1, 2), (0.2, 2, 2)]);
    }
}
