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
    pub mahalanobis: MahalanobisFit,
    /// Present when the complexity of the training images was computed.
    pub complexity: Option<ComplexityFit>,
}

/// Fits every score of a `kind` model from its pass over the normal training images.
pub fn fit(
    kind: ModelKind,
    vae_loss: VaeLoss,
    pixels: usize,
    train: &ModelOutputs,
    train_complexity: Option<&[f64]>,
) -> anyhow::Result<ScoreFit> {
    Ok(ScoreFit {
        pixels,
        decoder_variance: (kind == ModelKind::Vae)
            .then(|| vae::decoder_variance(vae_loss, &train.mse)),
        mahalanobis: latent::fit(&train.code, LATENT_DIM as usize)?,
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
        ScoreKind::LatentMahalanobis => (0..n)
            .map(|i| fit.mahalanobis.distance(outputs.code_of(i)))
            .collect(),
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
