//! Training: one loop for all three autoencoder types, with a per-type minibatch update.
//!
//! - CAE (Sec. 2.1): Adam on the mean squared error (Eq. 2).
//! - VAE (Sec. 2.2): Adam on reconstruction + β·KL (Eq. 3–4); how the two terms are scaled is
//!   [`VaeLoss`] (default [`VaeLoss::CalibratedGaussian`], see there for the measurements).
//! - AAE (Sec. 2.3): per minibatch a reconstruction phase (encoder + decoder, MSE, Adam), then a
//!   regularization phase: `n_critic` critic steps (RMSprop, Wasserstein loss, prior samples
//!   z ~ N(0, I) "real" vs. encoder codes "fake", weights clipped to [−c, c] after each step), then
//!   one generator step that updates the encoder side to raise the critic's score of its codes.
//!
//! Seeding: [`TrainConfig::seed`] fixes the initial weights (`tch::manual_seed`), the minibatch
//! order (a ChaCha8 RNG in Rust, so the order is identical on every platform), the VAE's ε and the
//! AAE's prior samples (both from libtorch's global RNG, seeded by the same call). On CPU with a
//! fixed thread count two runs give bit-identical losses; different thread counts change the
//! reduction order (results differ in the last bits and then drift), and on CUDA some kernels
//! (cuDNN convolution backward) are not deterministic at all.
//!
//! Collapse: after every epoch the model is probed on a fixed batch of training images
//! ([`Diagnostics`], rule in [`CollapseConfig`]). A collapse is printed to stderr, recorded in
//! [`TrainReport::collapse`], and with [`CollapseConfig::fail_on_collapse`] returned as
//! [`TrainError::Collapsed`].
//!
//! Modules: [`config`] (hyperparameters), [`step`] (one minibatch update, [`Trainer`]), [`run`]
//! (the epoch loop, [`train_model`]), [`collapse`] (output-bias init and the probe), [`loss`],
//! [`report`] (what a run records).

pub mod collapse;
pub mod config;
pub mod loss;
pub mod report;
pub mod run;
pub mod step;

use tch::{nn, Device};

pub use collapse::init_output_bias;
pub use config::{AaeConfig, CollapseConfig, TrainConfig, VaeConfig, VaeLoss};
pub use loss::{kl_divergence, per_image_mse};
pub use report::{CollapseReport, Diagnostics, EpochStats, TrainReport};
pub use run::{progress_bar, shuffled_indices, train_model};
pub use step::{StepStats, StepValues, Trainer};

use crate::data::DatasetKind;
use crate::model::{Autoencoder, ModelConfig, ModelKind};

/// Training errors.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// The collapse detector fired and the config asked to fail.
    #[error("{kind} on {dataset} collapsed at epoch {epoch}: {reason}")]
    Collapsed {
        /// Model type.
        kind: ModelKind,
        /// Dataset.
        dataset: DatasetKind,
        /// 1-based epoch.
        epoch: usize,
        /// Why.
        reason: String,
        /// The report up to that epoch.
        report: Box<TrainReport>,
    },
    /// Bad input or configuration.
    #[error("invalid training input: {0}")]
    Invalid(String),
    /// libtorch error.
    #[error(transparent)]
    Torch(#[from] tch::TchError),
}

/// A trained model: its variables, the model reading them, and the run record.
#[derive(Debug)]
pub struct TrainedModel {
    /// Model type.
    pub kind: ModelKind,
    /// Dataset.
    pub dataset: DatasetKind,
    /// Holds every variable of `model` (checkpoints save this).
    pub vs: nn::VarStore,
    /// The model.
    pub model: Autoencoder,
    /// The run record (for a loaded checkpoint: the saved one, if any).
    pub report: Option<TrainReport>,
}

/// Builds a freshly initialized model on `device` after seeding libtorch with `seed`.
pub fn build_model(
    kind: ModelKind,
    dataset: DatasetKind,
    config: ModelConfig,
    seed: u64,
    device: Device,
) -> (nn::VarStore, Autoencoder) {
    tch::manual_seed(seed as i64);
    let vs = nn::VarStore::new(device);
    let model = Autoencoder::new(&vs.root(), kind, dataset, config);
    (vs, model)
}
