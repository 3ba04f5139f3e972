//! VAE scores: the negative ELBO and its KL term.
//!
//! −ELBO(x) = E_q[−ln p(x|z)] + KL(q(z|x) ‖ N(0, I)). With the Gaussian decoder p(x|z) = N(x̂(z), σ²I)
//! over D = C·H·W pixels, −ln p(x|z) = D/2 · ln(2πσ²) + ‖x − x̂‖² / (2σ²). The expectation over q is
//! taken at its mean (z = μ, one deterministic pass) so the score depends only on the image and the
//! weights; the KL is exact. β is 1 here whatever β the model was trained with: the score is the
//! ELBO, not the training objective. σ² is what the training objective implies ([`decoder_variance`]).

use crate::train::VaeLoss;

/// KL(N(μ, diag σ²) ‖ N(0, I)) in nats: −½ Σⱼ (1 + ln σⱼ² − μⱼ² − σⱼ²) (Eq. 4).
pub fn kl_divergence(mu: &[f64], logvar: &[f64]) -> f64 {
    -0.5 * mu
        .iter()
        .zip(logvar)
        .map(|(m, lv)| 1.0 + lv - m * m - lv.exp())
        .sum::<f64>()
}

/// Negative ELBO in nats of an image with reconstruction MSE `mse` over `pixels` values, decoder
/// variance `sigma2` and KL term `kl`.
pub fn negative_elbo(mse: f64, pixels: usize, sigma2: f64, kl: f64) -> f64 {
    let d = pixels as f64;
    0.5 * d * (2.0 * std::f64::consts::PI * sigma2).ln() + d * mse / (2.0 * sigma2) + kl
}

/// The decoder variance σ² the training objective implies: ½ for the sum (or mean) of squared
/// errors, whose minimiser is the ELBO's with σ² = ½; for the calibrated decoder, its
/// maximum-likelihood value, the mean reconstruction MSE of the normal training images.
pub fn decoder_variance(loss: VaeLoss, training_mse: &[f64]) -> f64 {
    match loss {
        VaeLoss::SumSquaredError | VaeLoss::MeanSquaredError => 0.5,
        VaeLoss::CalibratedGaussian => {
            let mean = training_mse.iter().sum::<f64>() / training_mse.len().max(1) as f64;
            mean.max(1e-12)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kl_is_zero_at_the_prior_and_matches_a_hand_computed_value() {
        assert_eq!(kl_divergence(&[0.0, 0.0], &[0.0, 0.0]), 0.0);
        // μ = 1, σ² = e: −½ (1 + 1 − 1 − e) = (e − 1) / 2.
        let kl = kl_divergence(&[1.0], &[1.0]);
        assert!(
            (kl - (std::f64::consts::E - 1.0) / 2.0).abs() < 1e-12,
            "{kl}"
        );
    }

    #[test]
    fn negative_elbo_is_the_gaussian_negative_log_likelihood_plus_kl() {
        // One pixel, σ² = 1/(2π): the log-normaliser vanishes, leaving mse·π + kl.
        let sigma2 = 1.0 / (2.0 * std::f64::consts::PI);
        let value = negative_elbo(0.25, 1, sigma2, 2.0);
        assert!((value - (0.25 * std::f64::consts::PI + 2.0)).abs() < 1e-12);
        // More reconstruction error or more KL is more anomalous.
        assert!(negative_elbo(0.2, 784, 0.01, 3.0) > negative_elbo(0.1, 784, 0.01, 3.0));
        assert!(negative_elbo(0.1, 784, 0.01, 4.0) > negative_elbo(0.1, 784, 0.01, 3.0));
    }

    #[test]
    fn calibrated_decoder_variance_is_the_mean_training_mse() {
        assert_eq!(decoder_variance(VaeLoss::SumSquaredError, &[0.1]), 0.5);
        let s = decoder_variance(VaeLoss::CalibratedGaussian, &[0.01, 0.03]);
        assert!((s - 0.02).abs() < 1e-15);
    }
}
