//! Training hyperparameters: the shared [`TrainConfig`] and the per-type [`VaeConfig`],
//! [`AaeConfig`] and [`CollapseConfig`].

use serde::{Deserialize, Serialize};

use crate::data::preprocess::Preprocess;
use crate::model::ModelConfig;

/// How the VAE's reconstruction and KL terms are scaled against each other (D = pixels per image,
/// C·H·W; KLᵢ = −½ Σⱼ (1 + log σⱼ² − μⱼ² − σⱼ²), Eq. 4; w = β × KL warm-up factor; all averaged
/// over the minibatch).
///
/// Measured on MNIST class 1, 5 epochs, seed 0 (`cargo run --release --example train_probe --
/// --model vae --vae-loss <loss>`): `CalibratedGaussian` reaches train MSE 0.0034 (KL 52 nats,
/// ROC-AUC class 1 vs all 0.9993); `SumSquaredError` and `MeanSquaredError` (β = 1) behave alike,
/// as expected under Adam: MSE 0.0115, KL 3.6 nats (under-used latent), AUC 0.998. Without
/// [`TrainConfig::output_bias_from_data`] a `SumSquaredError` VAE can sit at the loss of a black
/// image (784 × 0.0654 = 51.31): that is the output collapse, not a posterior collapse.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum VaeLoss {
    /// Per-image sum of squared errors + w·KL: the negative ELBO of a Gaussian decoder with fixed
    /// variance σ² = ½, far wider than the pixel noise, so the KL term dominates.
    SumSquaredError,
    /// Mean squared error (Eq. 2) + w·KL/D: `SumSquaredError` divided by D (same optimum).
    MeanSquaredError,
    /// Gaussian decoder whose shared variance σ² is set to its maximum-likelihood value, the
    /// minibatch MSE ("calibrated decoder", Rybkin et al. 2021, σ-VAE): ½·ln(MSE) + w·KL/D, i.e.
    /// the negative ELBO per pixel up to a constant. The effective KL weight follows the achieved
    /// reconstruction error instead of an arbitrary fixed σ. Default.
    #[default]
    CalibratedGaussian,
}

/// VAE hyperparameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct VaeConfig {
    /// Scaling of the two terms (default [`VaeLoss::CalibratedGaussian`]).
    pub loss: VaeLoss,
    /// β, the weight of the KL term (default 1: the plain ELBO).
    pub beta: f64,
    /// Linear KL warm-up: the KL weight rises from 0 to β over this many epochs (per step);
    /// 0 = off (default).
    pub kl_warmup_epochs: usize,
}

impl Default for VaeConfig {
    fn default() -> Self {
        VaeConfig {
            loss: VaeLoss::default(),
            beta: 1.0,
            kl_warmup_epochs: 0,
        }
    }
}

/// AAE hyperparameters (regularization phase).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AaeConfig {
    /// Critic RMSprop learning rate (default 5e-5, WGAN's).
    pub critic_lr: f64,
    /// Weight clipping box [−c, c] for every critic parameter (default 0.01, WGAN's).
    pub clip: f64,
    /// Critic steps per minibatch (default 5, WGAN's n_critic: the Wasserstein estimate is only
    /// meaningful for a near-optimal critic; the critic is tiny (20→10→1) and reuses the minibatch's
    /// codes, so the extra steps cost ≈ 2% of a step).
    pub n_critic: usize,
    /// Generator (encoder) step learning rate, RMSprop as WGAN's generator (default 5e-5).
    pub generator_lr: f64,
    /// Weight of the generator loss −E[C(E(x))] (default 1).
    pub generator_weight: f64,
}

impl Default for AaeConfig {
    fn default() -> Self {
        AaeConfig {
            critic_lr: 5e-5,
            clip: 0.01,
            n_critic: 5,
            generator_lr: 5e-5,
            generator_weight: 1.0,
        }
    }
}

/// Collapse detection (see [`Diagnostics`](super::Diagnostics)). A model is judged collapsed at the end of an epoch,
/// once at least `min_steps` optimizer steps were taken, when its probe reconstructions barely
/// depend on the input (`output_spread < min_output_spread`) or its probe MSE is not below that of
/// predicting the mean training image (`mse_ratio > max_mse_ratio`). Both collapses seen here
/// trip both criteria by a wide margin (the black-image collapse: spread ≈ 4e-4, ratio ≈ 2.1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CollapseConfig {
    /// Return [`TrainError::Collapsed`](super::TrainError::Collapsed) at the first collapsed epoch (default false: warn, record,
    /// continue). Tests set it.
    pub fail_on_collapse: bool,
    /// Optimizer steps before the first judgement (default 50 ≈ one epoch of MNIST class 1).
    pub min_steps: usize,
    /// Threshold on [`Diagnostics::output_spread`](super::Diagnostics::output_spread) (default 0.1).
    pub min_output_spread: f64,
    /// Threshold on [`Diagnostics::mse_ratio`](super::Diagnostics::mse_ratio) (default 1.0: not better than the mean image. A
    /// healthy VAE with per-image SSE + KL sat at 0.909 after its first MNIST class-1 epoch and
    /// then trained normally, so a tighter threshold gives false alarms after one epoch).
    pub max_mse_ratio: f64,
    /// Number of training images probed (the first ones, default 256).
    pub probe_size: i64,
}

impl Default for CollapseConfig {
    fn default() -> Self {
        CollapseConfig {
            fail_on_collapse: false,
            min_steps: 50,
            min_output_spread: 0.1,
            max_mse_ratio: 1.0,
            probe_size: 256,
        }
    }
}

/// All training hyperparameters. Defaults: Adam lr 1e-3 (β₁ 0.9, β₂ 0.999, ε 1e-8), batch 128,
/// seed 0, libtorch's thread count; `epochs` is set by the caller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Number of passes over the training images.
    pub epochs: usize,
    /// Minibatch size (last partial batch kept).
    pub batch_size: i64,
    /// Adam learning rate of encoder + decoder.
    pub learning_rate: f64,
    /// The one seed (weights, order, VAE noise, AAE prior samples).
    pub seed: u64,
    /// Intra-op CPU threads (`tch::set_num_threads`); `None` leaves libtorch's setting.
    pub threads: Option<i32>,
    /// Architecture choices (initialization, critic output).
    pub model: ModelConfig,
    /// VAE objective.
    pub vae: VaeConfig,
    /// AAE regularization phase.
    pub aae: AaeConfig,
    /// Before the first step, set the last decoder layer's bias (one per channel) to the logit of
    /// the channel's mean training intensity, so the initial output is the mean intensity instead
    /// of sigmoid(0) = 0.5 (default true; see [`init_output_bias`](super::init_output_bias)).
    pub output_bias_from_data: bool,
    /// Collapse detection.
    pub collapse: CollapseConfig,
    /// The input transform the model is trained on (applied to the data by the experiment, see
    /// [`crate::data::preprocess`]); omitted from the JSON when `raw`, so raw configs, their
    /// checkpoints and sweep cell ids are unchanged.
    #[serde(default, skip_serializing_if = "Preprocess::is_raw")]
    pub preprocess: Preprocess,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: 25,
            batch_size: 128,
            learning_rate: 1e-3,
            seed: 0,
            threads: None,
            model: ModelConfig::default(),
            vae: VaeConfig::default(),
            aae: AaeConfig::default(),
            output_bias_from_data: true,
            collapse: CollapseConfig::default(),
            preprocess: Preprocess::Raw,
        }
    }
}
