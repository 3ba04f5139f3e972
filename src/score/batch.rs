//! Batched, gradient-free passes of a model over images: reconstructions, error maps, the
//! reconstruction MSE (Eq. 2, averaged over channels too), and every per-image quantity the other
//! scores are computed from. The VAE is scored deterministically: its decoder gets the posterior
//! mean μ (no sampling), so a score depends only on the image and the weights.

use tch::{Device, Kind, Tensor};

use crate::model::{Autoencoder, ModelKind, LATENT_DIM};
use crate::train::TrainedModel;

impl AsRef<Autoencoder> for TrainedModel {
    fn as_ref(&self) -> &Autoencoder {
        &self.model
    }
}

impl AsRef<Autoencoder> for Autoencoder {
    fn as_ref(&self) -> &Autoencoder {
        self
    }
}

/// Scoring errors.
#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    /// Images of the wrong shape.
    #[error("images must be [N, {0}, {1}, {2}], got {3:?}")]
    Shape(i64, i64, i64, Vec<i64>),
    /// Non-positive batch size.
    #[error("batch size must be positive, got {0}")]
    Batch(i64),
    /// libtorch error.
    #[error(transparent)]
    Torch(#[from] tch::TchError),
}

fn model_device(model: &Autoencoder) -> Device {
    model.encoder.layers[0].parameters()[0].device()
}

/// Runs `f` on each minibatch of `images` (moved to the model's device, no grad) and concatenates
/// the results on the CPU.
fn map_batches<F>(
    model: &Autoencoder,
    images: &Tensor,
    batch: i64,
    f: F,
) -> Result<Tensor, ScoreError>
where
    F: Fn(&Autoencoder, &Tensor) -> Tensor,
{
    let shape = model.dataset.image_shape();
    let size = images.size();
    if size.len() != 4 || size[1..] != shape[..] {
        return Err(ScoreError::Shape(shape[0], shape[1], shape[2], size));
    }
    if batch <= 0 {
        return Err(ScoreError::Batch(batch));
    }
    let device = model_device(model);
    let n = size[0];
    let mut parts = Vec::new();
    tch::no_grad(|| -> Result<(), ScoreError> {
        let mut lo = 0;
        while lo < n {
            let len = batch.min(n - lo);
            let xs = images
                .narrow(0, lo, len)
                .to_device(device)
                .to_kind(Kind::Float);
            parts.push(f(model, &xs).to_device(Device::Cpu));
            lo += len;
        }
        Ok(())
    })?;
    if parts.is_empty() {
        let mut empty_shape = f(
            model,
            &Tensor::zeros([1, shape[0], shape[1], shape[2]], (Kind::Float, device)),
        )
        .size();
        empty_shape[0] = 0;
        return Ok(Tensor::zeros(empty_shape, (Kind::Float, Device::Cpu)));
    }
    Ok(Tensor::f_cat(&parts, 0)?)
}

/// Deterministic reconstructions `[N, C, H, W]` (on the CPU) of `images`.
pub fn reconstruct<M: AsRef<Autoencoder>>(
    model: &M,
    images: &Tensor,
    batch: i64,
) -> Result<Tensor, ScoreError> {
    map_batches(model.as_ref(), images, batch, |m, xs| m.reconstruct(xs))
}

/// Per-pixel squared errors `[N, C, H, W]` (on the CPU): the error maps `aerepro score` writes.
pub fn error_maps<M: AsRef<Autoencoder>>(
    model: &M,
    images: &Tensor,
    batch: i64,
) -> Result<Tensor, ScoreError> {
    map_batches(model.as_ref(), images, batch, |m, xs| {
        (m.reconstruct(xs) - xs).square()
    })
}

/// Anomaly score of each image: its reconstruction MSE, the mean over C·H·W of the squared error
/// (accumulated in f64).
pub fn reconstruction_errors<M: AsRef<Autoencoder>>(
    model: &M,
    images: &Tensor,
    batch: i64,
) -> Result<Vec<f64>, ScoreError> {
    let scores = map_batches(model.as_ref(), images, batch, |m, xs| {
        (m.reconstruct(xs) - xs)
            .square()
            .to_kind(Kind::Double)
            .flatten(1, -1)
            .mean_dim(1, false, Kind::Double)
    })?;
    Ok(Vec::<f64>::try_from(scores.to_kind(Kind::Double))?)
}

/// What one deterministic pass of a model yields per image, in f64 on the CPU: the reconstruction
/// MSE (identical to [`reconstruction_errors`]), the code (VAE: μ), the VAE's log σ² and the AAE
/// critic's output on the code.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelOutputs {
    pub mse: Vec<f64>,
    /// Row-major `[N, LATENT_DIM]`.
    pub code: Vec<f64>,
    /// VAE only, row-major `[N, LATENT_DIM]`.
    pub logvar: Option<Vec<f64>>,
    /// AAE only.
    pub critic: Option<Vec<f64>>,
}

impl ModelOutputs {
    pub fn len(&self) -> usize {
        self.mse.len()
    }

    pub fn is_empty(&self) -> bool {
        self.mse.is_empty()
    }

    /// The code of image `i`.
    pub fn code_of(&self, i: usize) -> &[f64] {
        let d = LATENT_DIM as usize;
        &self.code[i * d..(i + 1) * d]
    }
}

/// One pass of `model` over `images` collecting [`ModelOutputs`].
pub fn model_outputs<M: AsRef<Autoencoder>>(
    model: &M,
    images: &Tensor,
    batch: i64,
) -> Result<ModelOutputs, ScoreError> {
    let model = model.as_ref();
    let table = map_batches(model, images, batch, |m, xs| {
        let latent = m.encode(xs, false);
        let recon = m.decode(&latent.z);
        let mse = (recon - xs)
            .square()
            .to_kind(Kind::Double)
            .flatten(1, -1)
            .mean_dim(1, false, Kind::Double)
            .unsqueeze(1);
        let mut columns = vec![mse, latent.mu.to_kind(Kind::Double)];
        if let Some(logvar) = &latent.logvar {
            columns.push(logvar.to_kind(Kind::Double));
        }
        if let Some(critic) = &m.critic {
            columns.push(critic.forward(&latent.mu).to_kind(Kind::Double));
        }
        Tensor::cat(&columns, 1)
    })?;
    let d = LATENT_DIM;
    let column = |lo: i64, len: i64| -> Result<Vec<f64>, ScoreError> {
        Ok(Vec::<f64>::try_from(
            table.narrow(1, lo, len).contiguous().flatten(0, -1),
        )?)
    };
    let mse = column(0, 1)?;
    let code = column(1, d)?;
    let logvar = match model.kind {
        ModelKind::Vae => Some(column(1 + d, d)?),
        _ => None,
    };
    let critic = match model.kind {
        ModelKind::Aae => Some(column(1 + d, 1)?),
        _ => None,
    };
    Ok(ModelOutputs {
        mse,
        code,
        logvar,
        critic,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::DatasetKind;
    use crate::model::ModelConfig;

    #[test]
    fn one_pass_yields_the_reconstruction_mse_bit_for_bit_and_each_models_extras() {
        for kind in ModelKind::ALL {
            let (_vs, model) = crate::train::build_model(
                kind,
                DatasetKind::Mnist,
                ModelConfig::default(),
                3,
                Device::Cpu,
            );
            let images = Tensor::rand([7, 1, 28, 28], (Kind::Float, Device::Cpu));
            let outputs = model_outputs(&model, &images, 3).unwrap();
            assert_eq!(
                outputs.mse,
                reconstruction_errors(&model, &images, 3).unwrap()
            );
            assert_eq!(outputs.code.len(), 7 * LATENT_DIM as usize);
            assert_eq!(outputs.logvar.is_some(), kind == ModelKind::Vae);
            assert_eq!(
                outputs.critic.as_ref().map(Vec::len),
                (kind == ModelKind::Aae).then_some(7)
            );
        }
    }
}
