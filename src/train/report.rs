//! What a training run records: per-epoch losses and timing, the collapse probe, the run's report.

use serde::{Deserialize, Serialize};

use super::TrainConfig;
use crate::data::DatasetKind;
use crate::model::ModelKind;

/// Probe of the model on a fixed batch of training images after an epoch (no grad, VAE at μ).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagnostics {
    /// Mean over latent dimensions of the std across probe images of the deterministic code
    /// (VAE: μ). ≈ 3e-4 in the collapse caused by PyTorch's default init.
    pub latent_std: f64,
    /// Mean per-pixel std across probe images of the reconstructions divided by that of the
    /// inputs: ≈ 1 for a good AE, ≈ 0 when every input gets the same output.
    pub output_spread: f64,
    /// MSE of the probe reconstructions.
    pub probe_mse: f64,
    /// `probe_mse` / MSE of predicting the mean training image for the probe images.
    pub mse_ratio: f64,
    /// Whether the collapse rule was applied at this epoch (enough steps taken).
    pub judged: bool,
    /// Whether the rule judged the model collapsed.
    pub collapsed: bool,
}

/// Losses and timing of one epoch (means over the epoch's images).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochStats {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Optimizer steps (minibatches) so far.
    pub steps: usize,
    /// The minimized encoder+decoder objective (CAE/AAE: MSE; VAE: per [`VaeLoss`](super::VaeLoss)).
    pub objective: f64,
    /// Per-pixel MSE of the training reconstructions (VAE: of the sampled-z reconstructions).
    pub recon_mse: f64,
    /// VAE: mean KL per image (nats).
    pub kl: Option<f64>,
    /// VAE: KL weight w at the epoch's last step.
    pub kl_weight: Option<f64>,
    /// AAE: mean critic loss E C(fake) − E C(real) over all critic steps (−Wasserstein estimate).
    pub critic_loss: Option<f64>,
    /// AAE: mean generator loss −E C(E(x)) (before weighting).
    pub generator_loss: Option<f64>,
    /// Wall time of the epoch's optimizer steps (excludes the probe).
    pub seconds: f64,
    /// Training images per second in this epoch.
    pub images_per_second: f64,
    /// Collapse probe after the epoch.
    pub diagnostics: Diagnostics,
}

/// Collapse verdict of a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CollapseReport {
    /// Whether any epoch was judged (enough steps).
    pub judged: bool,
    /// Whether any judged epoch was collapsed.
    pub detected: bool,
    /// First collapsed epoch (1-based).
    pub first_epoch: Option<usize>,
    /// Whether the final epoch was judged collapsed.
    pub at_end: bool,
    /// Human-readable reason of the first detection.
    pub reason: Option<String>,
}

/// Record of a training run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainReport {
    /// Model type.
    pub kind: ModelKind,
    /// Dataset.
    pub dataset: DatasetKind,
    /// Number of training images.
    pub n_train: i64,
    /// Configuration used.
    pub config: TrainConfig,
    /// Device, e.g. `Cpu` or `Cuda(0)`.
    pub device: String,
    /// libtorch intra-op threads during training.
    pub threads: i32,
    /// MSE of predicting the mean training image, over the training set (the collapse baseline;
    /// ≈ 0.0654 for MNIST class 1).
    pub mean_image_mse: f64,
    /// Per-epoch statistics.
    pub epochs: Vec<EpochStats>,
    /// Sum of the epochs' training seconds.
    pub total_seconds: f64,
    /// Overall training images per second.
    pub images_per_second: f64,
    /// Collapse verdict.
    pub collapse: CollapseReport,
}
