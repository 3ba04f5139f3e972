//! Latent-space score: the Mahalanobis distance of an image's code to the codes of the normal
//! training images. The covariance is the Ledoit–Wolf shrinkage estimate (Ledoit & Wolf 2004,
//! towards a scaled identity, the shrinkage intensity estimated from the data as scikit-learn's
//! `LedoitWolf` does), so it stays invertible when codes are nearly collinear (a collapsed latent
//! dimension) or few.

use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

/// Mean and inverse shrunk covariance of the training codes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MahalanobisFit {
    pub mean: Vec<f64>,
    /// Row-major `[d, d]` inverse of the shrunk covariance.
    pub precision: Vec<f64>,
    /// Ledoit–Wolf shrinkage intensity in [0, 1] (0: the sample covariance).
    pub shrinkage: f64,
    pub n: usize,
}

/// Fits [`MahalanobisFit`] to `n` codes of dimension `dim` (row-major `codes`).
pub fn fit(codes: &[f64], dim: usize) -> anyhow::Result<MahalanobisFit> {
    anyhow::ensure!(
        dim > 0 && codes.len().is_multiple_of(dim),
        "{} code values are not whole codes of dimension {dim}",
        codes.len()
    );
    let n = codes.len() / dim;
    anyhow::ensure!(
        n >= 2,
        "the latent fit needs at least 2 training codes, got {n}"
    );
    anyhow::ensure!(
        codes.iter().all(|v| v.is_finite()),
        "a training code is not finite (diverged training?)"
    );
    let x = DMatrix::from_row_slice(n, dim, codes);
    let mean = x.row_mean();
    let centred = DMatrix::from_fn(n, dim, |i, j| x[(i, j)] - mean[j]);
    let sample = centred.transpose() * &centred / n as f64;
    let target = sample.trace() / dim as f64;
    let identity = DMatrix::<f64>::identity(dim, dim);
    let delta = (&sample - &identity * target).norm_squared();
    // β̄² = 1/n² Σₖ ‖xₖxₖᵀ − S‖²_F = 1/n² Σₖ (‖xₖ‖⁴) − ‖S‖²_F / n.
    let fourth: f64 = centred
        .row_iter()
        .map(|r| r.norm_squared().powi(2))
        .sum::<f64>();
    let beta = (fourth / (n as f64 * n as f64) - sample.norm_squared() / n as f64).max(0.0);
    let shrinkage = if delta > 0.0 {
        (beta.min(delta) / delta).clamp(0.0, 1.0)
    } else {
        1.0
    };
    let shrunk = &sample * (1.0 - shrinkage) + identity * (shrinkage * target);
    let precision = shrunk
        .clone()
        .cholesky()
        .map(|c| c.inverse())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "the training codes' covariance is singular even after shrinkage (all codes equal?)"
            )
        })?;
    Ok(MahalanobisFit {
        mean: mean.iter().copied().collect(),
        precision: precision.transpose().as_slice().to_vec(),
        shrinkage,
        n,
    })
}

impl MahalanobisFit {
    /// √((c − m)ᵀ P (c − m)).
    pub fn distance(&self, code: &[f64]) -> f64 {
        let dim = self.mean.len();
        let diff = DVector::from_iterator(dim, code.iter().zip(&self.mean).map(|(c, m)| c - m));
        let precision = DMatrix::from_row_slice(dim, dim, &self.precision);
        diff.dot(&(precision * &diff)).max(0.0).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_is_euclidean_for_isotropic_codes_scaled_by_their_spread() {
        // Four points at (±2, 0), (0, ±2): mean 0, sample covariance 2·I, no shrinkage needed.
        let codes = [2.0, 0.0, -2.0, 0.0, 0.0, 2.0, 0.0, -2.0];
        let fit = fit(&codes, 2).unwrap();
        assert_eq!(fit.mean, [0.0, 0.0]);
        let d = fit.distance(&[2.0, 0.0]);
        assert!((d - 2.0 / 2f64.sqrt()).abs() < 1e-9, "{d}");
    }

    #[test]
    fn a_collinear_direction_is_penalised_and_stays_invertible() {
        // Codes on the line y = x: the sample covariance is singular; shrinkage keeps it invertible,
        // and a step off the line is further than the same step along it.
        let codes: Vec<f64> = (0..20).flat_map(|i| [i as f64, i as f64]).collect();
        let fit = fit(&codes, 2).unwrap();
        assert!(fit.shrinkage > 0.0 && fit.shrinkage <= 1.0);
        let centre = fit.mean.clone();
        let along = fit.distance(&[centre[0] + 1.0, centre[1] + 1.0]);
        let across = fit.distance(&[centre[0] + 1.0, centre[1] - 1.0]);
        assert!(across > along, "across {across} along {along}");
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(fit(&[1.0, 2.0, 3.0], 2).is_err());
        assert!(fit(&[1.0, 2.0], 2).is_err());
        assert!(fit(&[1.0, f64::NAN, 0.0, 1.0], 2).is_err());
        assert!(fit(&[1.0, 1.0, 1.0, 1.0], 2).is_err());
    }
}
