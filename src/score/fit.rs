//! What the scores learn from the normal training images, and the computation of every score from a
//! model pass ([`ModelOutputs`]), that fit and (for the complexity scores) the images' complexity.

use serde::{Deserialize, Serialize};

use super::complexity::{self, ComplexityFit};
use super::latent::{self, MahalanobisFit};
use super::{critic, vae, ModelOutputs, ScoreKind};
use crate::model::{ModelKind, LATENT_DIM};
use crate::train::VaeLoss;

/// The per-model fits, each made on normal training images only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreFit {
    /// Pixels per image (C·H·W), the ELBO's D.
    pub pixels: usize,
    /// VAE: σ² of the Gaussian decoder in the negative ELBO.
    pub decoder_variance: Option<f64>,
    /// Absent when the codes admit no fit (a collapsed model's identical codes) and the run did
    /// not ask for the latent score.
    pub mahalanobis: Option<MahalanobisFit>,
    /// Present when the complexity of the training images was computed.
    pub complexity: Option<ComplexityFit>,
}

/// Fits every score of a `kind` model from its pass over the normal training images. The latent fit
/// is made whenever it can be (so `aerepro score` can use it later) and is an error only when
/// `latent_required`.
pub fn fit(
    kind: ModelKind,
    vae_loss: VaeLoss,
    pixels: usize,
    train: &ModelOutputs,
    train_complexity: Option<&[f64]>,
    latent_required: bool,
) -> anyhow::Result<ScoreFit> {
    let mahalanobis = match latent::fit(&train.code, LATENT_DIM as usize) {
        Ok(fit) => Some(fit),
        Err(e) if latent_required => return Err(e),
        Err(_) => None,
    };
    Ok(ScoreFit {
        pixels,
        decoder_variance: (kind == ModelKind::Vae)
            .then(|| vae::decoder_variance(vae_loss, &train.mse)),
        mahalanobis,
        complexity: train_complexity
            .map(|c| complexity::fit(&train.mse, c))
            .transpose()?,
    })
}

/// Per-image values of `score`. Errors when the score does not apply to the model or needs a fit
/// or the complexity that is missing.
pub fn compute(
    score: ScoreKind,
    outputs: &ModelOutputs,
    fit: &ScoreFit,
    image_complexity: Option<&[f64]>,
) -> anyhow::Result<Vec<f64>> {
    let n = outputs.len();
    let d = LATENT_DIM as usize;
    let kl = || -> anyhow::Result<Vec<f64>> {
        let logvar = outputs
            .logvar
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("{score} needs a VAE (no log-variance)"))?;
        Ok((0..n)
            .map(|i| vae::kl_divergence(outputs.code_of(i), &logvar[i * d..(i + 1) * d]))
            .collect())
    };
    let complexity = || {
        image_complexity
            .filter(|c| c.len() == n)
            .ok_or_else(|| anyhow::anyhow!("{score} needs the complexity of every image"))
    };
    Ok(match score {
        ScoreKind::Mse => outputs.mse.clone(),
        ScoreKind::Kl => kl()?,
        ScoreKind::NegElbo => {
            let sigma2 = fit
                .decoder_variance
                .ok_or_else(|| anyhow::anyhow!("neg-elbo needs the VAE's decoder variance"))?;
            kl()?
                .iter()
                .zip(&outputs.mse)
                .map(|(kl, mse)| vae::negative_elbo(*mse, fit.pixels, sigma2, *kl))
                .collect()
        }
        ScoreKind::Critic => outputs
            .critic
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("critic needs an AAE"))?
            .iter()
            .map(|c| critic::critic_score(*c))
            .collect(),
        ScoreKind::LatentMahalanobis => {
            let latent = fit.mahalanobis.as_ref().ok_or_else(|| {
                anyhow::anyhow!("latent-mahalanobis has no fit: the training codes admitted none")
            })?;
            (0..n)
                .map(|i| latent.distance(outputs.code_of(i)))
                .collect()
        }
        ScoreKind::Complexity => complexity()?.to_vec(),
        ScoreKind::ComplexityCorrected => {
            let regression = fit.complexity.ok_or_else(|| {
                anyhow::anyhow!(
                    "complexity-corrected needs a complexity fit on the training images \
                     (made when the run computes complexity-corrected)"
                )
            })?;
            outputs
                .mse
                .iter()
                .zip(complexity()?)
                .map(|(mse, c)| regression.corrected(*mse, *c))
                .collect()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outputs(codes: Vec<f64>, mse: Vec<f64>) -> ModelOutputs {
        ModelOutputs {
            mse,
            code: codes,
            logvar: None,
            critic: None,
        }
    }

    #[test]
    fn identical_codes_fail_the_latent_fit_only_when_it_is_asked_for() {
        let collapsed = outputs(vec![0.5; 3 * LATENT_DIM as usize], vec![0.1, 0.2, 0.3]);
        let fit = fit(
            ModelKind::Cae,
            VaeLoss::default(),
            784,
            &collapsed,
            None,
            false,
        )
        .unwrap();
        assert!(fit.mahalanobis.is_none());
        let err = compute(ScoreKind::LatentMahalanobis, &collapsed, &fit, None).unwrap_err();
        assert!(err.to_string().contains("no fit"), "{err}");
        assert_eq!(
            compute(ScoreKind::Mse, &collapsed, &fit, None).unwrap(),
            [0.1, 0.2, 0.3]
        );
        assert!(super::fit(
            ModelKind::Cae,
            VaeLoss::default(),
            784,
            &collapsed,
            None,
            true
        )
        .is_err());
    }

    #[test]
    fn model_specific_scores_need_their_outputs() {
        let d = LATENT_DIM as usize;
        let codes: Vec<f64> = (0..3 * d).map(|i| (i * 7 % 11) as f64).collect();
        let plain = outputs(codes, vec![0.1, 0.2, 0.3]);
        let fit = fit(ModelKind::Cae, VaeLoss::default(), 784, &plain, None, true).unwrap();
        for score in [
            ScoreKind::Kl,
            ScoreKind::Critic,
            ScoreKind::ComplexityCorrected,
        ] {
            assert!(compute(score, &plain, &fit, None).is_err(), "{score}");
        }
        let mut vae = plain.clone();
        vae.logvar = Some(vec![0.0; 3 * d]);
        let fit = super::fit(
            ModelKind::Vae,
            VaeLoss::SumSquaredError,
            784,
            &vae,
            None,
            true,
        )
        .unwrap();
        let elbo = compute(ScoreKind::NegElbo, &vae, &fit, None).unwrap();
        let kl = compute(ScoreKind::Kl, &vae, &fit, None).unwrap();
        let expected = vae::negative_elbo(0.2, 784, 0.5, kl[1]);
        assert!((elbo[1] - expected).abs() < 1e-9);
    }
}
