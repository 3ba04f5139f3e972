//! Statistics of one number measured over several seeds: mean, sample sd, a Student-t interval for
//! the mean, and a paired t-test of two models measured on the same seeds.
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

use super::f64_or_nan;

/// The confidence of every interval over seeds (claims, sweeps, audits).
pub const CONFIDENCE: f64 = 0.95;
/// The level below which a (Holm-adjusted) p-value is called significant.
pub const SIGNIFICANCE: f64 = 0.05;

/// Mean and sample standard deviation across seeds (as the run record stores them).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct MeanSd {
    #[serde(deserialize_with = "f64_or_nan")]
    pub mean: f64,
    #[serde(deserialize_with = "f64_or_nan")]
    pub sd: f64,
    pub n: usize,
}

impl MeanSd {
    pub fn of(values: &[f64]) -> MeanSd {
        let SeedSummary { mean, sd, n, .. } = SeedSummary::of(values, CONFIDENCE);
        MeanSd { mean, sd, n }
    }
}

/// Mean ± sd over `n` seeds, with a two-sided Student-t interval for the mean (`None` below two
/// seeds, where the spread is unknown).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SeedSummary {
    pub mean: f64,
    pub sd: f64,
    pub n: usize,
    pub interval: Option<(f64, f64)>,
    pub confidence: f64,
}

/// The two-sided `confidence` quantile of Student's t with `df` degrees of freedom.
pub fn t_quantile(confidence: f64, df: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df)
        .expect("df > 0")
        .inverse_cdf(0.5 + confidence / 2.0)
}

impl SeedSummary {
    /// Panics on an empty slice: a summary of nothing is a caller's bug.
    pub fn of(values: &[f64], confidence: f64) -> SeedSummary {
        let n = values.len();
        assert!(n > 0, "SeedSummary of no values");
        let mean = values.iter().sum::<f64>() / n as f64;
        let sd = if n > 1 {
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
        } else {
            0.0
        };
        let interval = (n > 1).then(|| {
            let half = t_quantile(confidence, (n - 1) as f64) * sd / (n as f64).sqrt();
            (mean - half, mean + half)
        });
        SeedSummary {
            mean,
            sd,
            n,
            interval,
            confidence,
        }
    }
}

/// Paired t-test over seeds of `a − b` (same seed order): the mean difference and its two-sided
/// p-value. `None` below two pairs. Identical differences (sd 0) give p = 0 when the mean
/// difference is non-zero, 1 when it is zero.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PairedSeedTest {
    pub mean_difference: f64,
    pub sd: f64,
    pub n: usize,
    pub t: f64,
    pub p_value: f64,
}

pub fn paired_t_test(a: &[f64], b: &[f64]) -> Option<PairedSeedTest> {
    assert_eq!(a.len(), b.len(), "paired samples of different lengths");
    let n = a.len();
    if n < 2 {
        return None;
    }
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    let s = SeedSummary::of(&d, 0.95);
    let (t, p_value) = if s.sd == 0.0 {
        if s.mean == 0.0 {
            (0.0, 1.0)
        } else {
            (f64::INFINITY.copysign(s.mean), 0.0)
        }
    } else {
        let t = s.mean / (s.sd / (n as f64).sqrt());
        let dist = StudentsT::new(0.0, 1.0, (n - 1) as f64).expect("df > 0");
        (t, 2.0 * (1.0 - dist.cdf(t.abs())))
    };
    Some(PairedSeedTest {
        mean_difference: s.mean,
        sd: s.sd,
        n,
        t,
        p_value,
    })
}

/// The most seeds [`seeds_to_resolve`] looks at.
pub const MAX_SEEDS_TO_RESOLVE: usize = 1000;

/// How many seeds a measurement with this `mean` and seed-to-seed `sd` would need for its
/// two-sided `confidence` Student-t interval to clear `edge`: the smallest n ≥ 2 with
/// t(confidence, n − 1) · sd / √n < |mean − edge|, taking the mean and sd as they are. None when
/// the mean is on the edge (or not finite), or more than [`MAX_SEEDS_TO_RESOLVE`] would be needed.
/// An sd of 0 clears at 2.
pub fn seeds_to_resolve(mean: f64, sd: f64, edge: f64, confidence: f64) -> Option<usize> {
    let gap = (mean - edge).abs();
    if !(gap > 0.0 && gap.is_finite() && sd.is_finite() && sd >= 0.0) {
        return None;
    }
    let clears = |n: usize| t_quantile(confidence, (n - 1) as f64) * sd / (n as f64).sqrt() < gap;
    // The half-width falls as n grows: the first n that clears, by bisection.
    let ns: Vec<usize> = (2..=MAX_SEEDS_TO_RESOLVE).collect();
    let first = ns.partition_point(|n| !clears(*n));
    ns.get(first).copied()
}

/// Holm's step-down adjustment of `p` (family-wise error over all of them), in the input order.
pub fn holm_adjusted(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|a, b| p[*a].total_cmp(&p[*b]));
    let mut adjusted = vec![0.0; m];
    let mut running = 0.0f64;
    for (rank, &i) in order.iter().enumerate() {
        running = running.max(((m - rank) as f64 * p[i]).min(1.0));
        adjusted[i] = running;
    }
    adjusted
}

/// A cost ratio over rounds: the geometric mean of the within-round ratios and the
/// [`CONFIDENCE`]-level Student-t interval of that mean (a t-interval of the mean log-ratio,
/// exponentiated). Log-ratios make VAE/CAE and CAE/VAE mirror images.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RatioOverRounds {
    /// Geometric mean of the per-round ratios.
    pub mean: f64,
    /// None with fewer than two rounds.
    pub interval: Option<[f64; 2]>,
    /// Sample sd of the per-round log-ratios.
    pub log_sd: f64,
    pub rounds: usize,
}

/// [`RatioOverRounds`] of `numerator[i] / denominator[i]` (paired by round); None without a
/// round, or when a time is not positive and finite.
pub fn ratio_over_rounds(numerator: &[f64], denominator: &[f64]) -> Option<RatioOverRounds> {
    let logs: Vec<f64> = numerator
        .iter()
        .zip(denominator)
        .map(|(a, b)| (a / b).ln())
        .collect();
    if logs.is_empty() || logs.iter().any(|l| !l.is_finite()) {
        return None;
    }
    let s = SeedSummary::of(&logs, CONFIDENCE);
    Some(RatioOverRounds {
        mean: s.mean.exp(),
        interval: s.interval.map(|(lo, hi)| [lo.exp(), hi.exp()]),
        log_sd: s.sd,
        rounds: s.n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_over_rounds_is_a_t_interval_of_the_mean_log_ratio() {
        let r = ratio_over_rounds(&[1.0, 4.0, 8.0], &[1.0, 2.0, 2.0]).unwrap();
        assert!((r.mean - 2.0).abs() < 1e-12, "{r:?}");
        assert!((r.log_sd - std::f64::consts::LN_2).abs() < 1e-12, "{r:?}");
        assert_eq!(r.rounds, 3);
        let [lo, hi] = r.interval.unwrap();
        assert!((lo - 0.3574621235894748).abs() < 1e-9, "{lo}");
        assert!((hi - 11.189996746602937).abs() < 1e-9, "{hi}");
        // The inverse ratio mirrors it.
        let inverse = ratio_over_rounds(&[1.0, 2.0, 2.0], &[1.0, 4.0, 8.0]).unwrap();
        assert!((inverse.mean - 0.5).abs() < 1e-12);
        assert!((inverse.interval.unwrap()[1] - 1.0 / lo).abs() < 1e-9);
        // One round: a mean, no interval; no rounds or a zero time: nothing.
        let one = ratio_over_rounds(&[3.0], &[2.0]).unwrap();
        assert_eq!((one.mean, one.interval), (1.5, None));
        assert_eq!(ratio_over_rounds(&[], &[]), None);
        assert_eq!(ratio_over_rounds(&[1.0], &[0.0]), None);
    }

    #[test]
    fn mean_sd_uses_the_sample_deviation() {
        let m = MeanSd::of(&[1.0, 2.0, 3.0]);
        assert_eq!((m.mean, m.sd, m.n), (2.0, 1.0, 3));
        assert_eq!(MeanSd::of(&[5.0]).sd, 0.0);
    }

    // Reference values from the closed forms of Student's t with 2 degrees of freedom (Python):
    // quantile(0.975) = 4.302652729749461; differences [0.05, 0.02, 0.1] give t = 2.42857142857143
    // and p = 2·(1 − (½ + t / (2·√(2 + t²)))) = 0.1358414347819068.
    #[test]
    fn interval_and_paired_test_match_the_closed_forms() {
        let s = SeedSummary::of(&[1.0, 2.0, 3.0], 0.95);
        assert_eq!((s.mean, s.sd, s.n), (2.0, 1.0, 3));
        let half = 4.302652729749461 / 3f64.sqrt();
        let (lo, hi) = s.interval.unwrap();
        assert!((lo - (2.0 - half)).abs() < 1e-9 && (hi - (2.0 + half)).abs() < 1e-9);
        let t = paired_t_test(&[0.9, 0.8, 0.7], &[0.85, 0.78, 0.6]).unwrap();
        assert!((t.t - 2.42857142857143).abs() < 1e-9, "{t:?}");
        assert!((t.p_value - 0.1358414347819068).abs() < 1e-9, "{t:?}");
    }

    #[test]
    fn one_seed_has_no_interval_and_no_test() {
        assert_eq!(SeedSummary::of(&[0.5], 0.95).interval, None);
        assert_eq!(paired_t_test(&[0.5], &[0.4]), None);
    }

    #[test]
    fn constant_differences_are_certain() {
        let t = paired_t_test(&[1.0, 2.0], &[0.5, 1.5]).unwrap();
        assert_eq!(t.p_value, 0.0);
        assert_eq!(
            paired_t_test(&[0.9, 0.8], &[0.9, 0.8]).unwrap().p_value,
            1.0
        );
    }

    // By hand from a t-table: t(0.975, 3 df) = 3.182, so n = 4 gives 3.182 · 1 / 2 = 1.59 < 2, while
    // n = 3 gives 4.303 / √3 = 2.48. For a gap of 0.5: n = 17 gives t(16) 2.120 / √17 = 0.514,
    // n = 18 gives t(17) 2.110 / √18 = 0.497 < 0.5.
    #[test]
    fn seeds_to_resolve_matches_a_t_table() {
        assert_eq!(seeds_to_resolve(2.0, 1.0, 0.0, 0.95), Some(4));
        assert_eq!(seeds_to_resolve(-2.0, 1.0, 0.0, 0.95), Some(4));
        assert_eq!(seeds_to_resolve(0.5, 1.0, 0.0, 0.95), Some(18));
        assert_eq!(seeds_to_resolve(0.96, 0.02, 0.95, 0.95), Some(18));
        // t(0.975, 1 df) = 12.706: 12.706 · 1 / √2 = 8.98 < 9.
        assert_eq!(seeds_to_resolve(9.0, 1.0, 0.0, 0.95), Some(2));
        assert_eq!(seeds_to_resolve(0.1, 0.0, 0.0, 0.95), Some(2));
        assert_eq!(seeds_to_resolve(0.3, 1.0, 0.3, 0.95), None);
        // About (1.96 / 0.001)² ≈ 3.8 million seeds: past the cap.
        assert_eq!(seeds_to_resolve(0.001, 1.0, 0.0, 0.95), None);
        assert_eq!(seeds_to_resolve(f64::NAN, 1.0, 0.0, 0.95), None);
    }

    #[test]
    fn holm_adjusts_step_down_in_input_order() {
        let adjusted = holm_adjusted(&[0.01, 0.04, 0.03]);
        let expected = [0.03, 0.06, 0.06];
        for (a, e) in adjusted.iter().zip(expected) {
            assert!((a - e).abs() < 1e-12, "{adjusted:?}");
        }
        assert_eq!(holm_adjusted(&[0.6, 0.9]), [1.0, 1.0]);
    }
}
