//! Scoring: per-image reconstruction error (Eq. 2, averaged over channels too), batched, without
//! gradients. The VAE is scored deterministically: its decoder gets the posterior mean μ (no
//! sampling), so a score depends only on the image and the weights.

use tch::{Device, Kind, Tensor};

use crate::model::Autoencoder;
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

/// Per-pixel squared errors `[N, C, H, W]` (on the CPU): the error maps for figures.
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
