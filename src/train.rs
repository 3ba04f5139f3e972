//! Training: one loop for all three autoencoder types, with a per-type step (the "hook").
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
//! Collapse: this architecture can collapse to outputting the mean training image (bad
//! initialization) and the VAE can suffer posterior collapse. After every epoch the model is probed
//! on a fixed batch of training images ([`Diagnostics`]); see [`CollapseConfig`] for the rule. A
//! collapse is printed to stderr, recorded in [`TrainReport::collapse`], and with
//! [`CollapseConfig::fail_on_collapse`] returned as [`TrainError::Collapsed`].

use std::io::IsTerminal;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use tch::{nn, COptimizer, Device, Kind, Tensor};

use crate::data::DatasetKind;
use crate::model::{Autoencoder, ModelConfig, ModelKind, LATENT_DIM};

/// How the VAE's reconstruction and KL terms are scaled against each other (D = pixels per image,
/// C·H·W; KLᵢ = −½ Σⱼ (1 + log σⱼ² − μⱼ² − σⱼ²), Eq. 4; w = β × KL warm-up factor; all averaged
/// over the minibatch).
///
/// Measured on MNIST class 1, 5 epochs, seed 0 (README, "The VAE objective"): `CalibratedGaussian` reaches
/// train MSE 0.0034 (KL 52 nats, ROC-AUC class 1 vs all 0.9993); `SumSquaredError` and
/// `MeanSquaredError` (β = 1) behave alike, as expected under Adam: MSE 0.0115, KL 3.6 nats
/// (under-used latent), AUC 0.998. The "posterior collapse" reported for `SumSquaredError` in
/// issue 4 (loss flat at 51.31 = 784 × 0.0654, the MSE of a black image) was most likely the
/// black-image collapse that [`TrainConfig::output_bias_from_data`] prevents.
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

/// Collapse detection (see [`Diagnostics`]). A model is judged collapsed at the end of an epoch,
/// once at least `min_steps` optimizer steps were taken, when its probe reconstructions barely
/// depend on the input (`output_spread < min_output_spread`) or its probe MSE is not below that of
/// predicting the mean training image (`mse_ratio > max_mse_ratio`). Both collapses seen here
/// trip both criteria by a wide margin (the black-image collapse: spread ≈ 4e-4, ratio ≈ 2.1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CollapseConfig {
    /// Return [`TrainError::Collapsed`] at the first collapsed epoch (default false: warn, record,
    /// continue). Tests set it.
    pub fail_on_collapse: bool,
    /// Optimizer steps before the first judgement (default 50 ≈ one epoch of MNIST class 1).
    pub min_steps: usize,
    /// Threshold on [`Diagnostics::output_spread`] (default 0.1).
    pub min_output_spread: f64,
    /// Threshold on [`Diagnostics::mse_ratio`] (default 1.0: not better than the mean image. A
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
    /// of sigmoid(0) = 0.5 (default true; see [`init_output_bias`]).
    pub output_bias_from_data: bool,
    /// Collapse detection.
    pub collapse: CollapseConfig,
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
        }
    }
}

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
    /// The minimized encoder+decoder objective (CAE/AAE: MSE; VAE: per [`VaeLoss`]).
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

/// A progress bar for `total_steps` minibatches, drawn on stderr only when stderr is a terminal.
pub fn progress_bar(total_steps: u64) -> ProgressBar {
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let pb = ProgressBar::with_draw_target(Some(total_steps), target);
    if let Ok(style) =
        ProgressStyle::with_template("{prefix} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
    {
        pb.set_style(style);
    }
    pb
}

/// Seeded permutation of 0..n (Fisher–Yates with a ChaCha8 stream: identical on every platform).
pub fn shuffled_indices(n: usize, rng: &mut ChaCha8Rng) -> Vec<i64> {
    let mut v: Vec<i64> = (0..n as i64).collect();
    for i in (1..n).rev() {
        let j = rng.gen_range(0..=i as u64) as usize;
        v.swap(i, j);
    }
    v
}

/// KL(q(z|x) ‖ N(0, I)) per image, Eq. 4: −½ Σⱼ (1 + log σⱼ² − μⱼ² − σⱼ²); `[N]`.
pub fn kl_divergence(mu: &Tensor, logvar: &Tensor) -> Tensor {
    let terms = logvar + 1.0 - mu.square() - logvar.exp();
    terms.sum_dim_intlist(1, false, Kind::Float) * -0.5
}

/// Per-image mean squared error `[N]` between two image batches.
pub fn per_image_mse(recon: &Tensor, xs: &Tensor) -> Tensor {
    (recon - xs)
        .square()
        .flatten(1, -1)
        .mean_dim(1, false, Kind::Float)
}

/// The per-type part of the loop: owns the optimizers, performs one minibatch's updates.
enum Stepper {
    Cae {
        opt: COptimizer,
    },
    Vae {
        opt: COptimizer,
        cfg: VaeConfig,
    },
    Aae {
        opt: COptimizer,
        critic_opt: COptimizer,
        gen_opt: COptimizer,
        cfg: AaeConfig,
    },
}

/// Number of per-step statistics: objective, recon MSE, KL, critic loss, generator loss.
const N_STATS: usize = 5;

fn adam(params: &[Tensor], lr: f64) -> Result<COptimizer, tch::TchError> {
    let mut opt = COptimizer::adam(lr, 0.9, 0.999, 0.0, 1e-8, false)?;
    for p in params {
        opt.add_parameters(p, 0)?;
    }
    Ok(opt)
}

fn rms_prop(params: &[Tensor], lr: f64) -> Result<COptimizer, tch::TchError> {
    // PyTorch's RMSprop defaults: alpha 0.99, eps 1e-8, no momentum, not centered.
    let mut opt = COptimizer::rms_prop(lr, 0.99, 1e-8, 0.0, 0.0, false)?;
    for p in params {
        opt.add_parameters(p, 0)?;
    }
    Ok(opt)
}

/// zero_grad (libtorch's `Optimizer::zero_grad` sets gradients to none), backward, step.
fn backward_step(opt: &COptimizer, loss: &Tensor) -> Result<(), tch::TchError> {
    opt.zero_grad()?;
    loss.f_backward()?;
    opt.step()
}

impl Stepper {
    fn new(model: &Autoencoder, config: &TrainConfig) -> Result<Stepper, tch::TchError> {
        let ae = model.autoencoder_parameters();
        Ok(match model.kind {
            ModelKind::Cae => Stepper::Cae {
                opt: adam(&ae, config.learning_rate)?,
            },
            ModelKind::Vae => Stepper::Vae {
                opt: adam(&ae, config.learning_rate)?,
                cfg: config.vae,
            },
            ModelKind::Aae => Stepper::Aae {
                opt: adam(&ae, config.learning_rate)?,
                critic_opt: rms_prop(&model.critic_parameters(), config.aae.critic_lr)?,
                gen_opt: rms_prop(&model.encoder_parameters(), config.aae.generator_lr)?,
                cfg: config.aae,
            },
        })
    }

    /// One minibatch; returns the detached statistics `[N_STATS]` (no host sync).
    fn step(
        &self,
        model: &Autoencoder,
        xs: &Tensor,
        kl_weight: f64,
    ) -> Result<Tensor, tch::TchError> {
        let zero = || Tensor::zeros([], (Kind::Float, xs.device()));
        match self {
            Stepper::Cae { opt } => {
                let recon = model.forward(xs, false).recon;
                let mse = recon.mse_loss(xs, tch::Reduction::Mean);
                backward_step(opt, &mse)?;
                let mse = mse.detach();
                Ok(Tensor::stack(
                    &[mse.shallow_clone(), mse, zero(), zero(), zero()],
                    0,
                ))
            }
            Stepper::Vae { opt, cfg } => {
                let out = model.forward(xs, true);
                let logvar = out
                    .latent
                    .logvar
                    .as_ref()
                    .expect("VAE has a log-variance head");
                let kl = kl_divergence(&out.latent.mu, logvar).mean(Kind::Float);
                let mse = out.recon.mse_loss(xs, tch::Reduction::Mean);
                let pixels = (xs.numel() / xs.size()[0] as usize) as f64;
                let objective = match cfg.loss {
                    VaeLoss::SumSquaredError => &mse * pixels + &kl * kl_weight,
                    VaeLoss::MeanSquaredError => &mse + &kl * (kl_weight / pixels),
                    VaeLoss::CalibratedGaussian => {
                        mse.clamp_min(1e-8).log() * 0.5 + &kl * (kl_weight / pixels)
                    }
                };
                backward_step(opt, &objective)?;
                Ok(Tensor::stack(
                    &[
                        objective.detach(),
                        mse.detach(),
                        kl.detach(),
                        zero(),
                        zero(),
                    ],
                    0,
                ))
            }
            Stepper::Aae {
                opt,
                critic_opt,
                gen_opt,
                cfg,
            } => {
                // Reconstruction phase: exactly the CAE step.
                let recon = model.forward(xs, false).recon;
                let mse = recon.mse_loss(xs, tch::Reduction::Mean);
                backward_step(opt, &mse)?;
                let critic = model.critic.as_ref().expect("AAE has a critic");
                // Regularization phase: critic steps on prior samples ("real") vs codes ("fake"),
                // then the generator step. The critic steps leave the encoder unchanged, so one
                // encoder pass serves both: detached for the critic, with its graph for the
                // generator (the same numbers as two passes, one encoder forward less).
                let z = model.encode(xs, false).z;
                let fake = z.detach();
                let mut critic_sum = zero();
                for _ in 0..cfg.n_critic {
                    let real =
                        Tensor::randn([fake.size()[0], LATENT_DIM], (Kind::Float, xs.device()));
                    let loss = critic.forward(&fake).mean(Kind::Float)
                        - critic.forward(&real).mean(Kind::Float);
                    backward_step(critic_opt, &loss)?;
                    critic.clip_weights(cfg.clip);
                    critic_sum += loss.detach();
                }
                let critic_mean = critic_sum / cfg.n_critic.max(1) as f64;
                // Generator step: the encoder side raises the critic's score of its codes.
                let gen_loss = critic.forward(&z).mean(Kind::Float).neg();
                backward_step(gen_opt, &(&gen_loss * cfg.generator_weight))?;
                let mse = mse.detach();
                Ok(Tensor::stack(
                    &[
                        mse.shallow_clone(),
                        mse,
                        zero(),
                        critic_mean,
                        gen_loss.detach(),
                    ],
                    0,
                ))
            }
        }
    }
}

/// A freshly initialized model with its optimizers: the unit of one training step. `train_model`
/// drives it over epochs; the benchmarks and the C6 cost measurement drive it step by step.
pub struct Trainer {
    /// Holds every variable of `model`.
    pub vs: nn::VarStore,
    /// The model being trained.
    pub model: Autoencoder,
    stepper: Stepper,
}

impl Trainer {
    /// Builds a `kind` model seeded with `config.seed` on `device`, and its optimizers.
    pub fn new(
        kind: ModelKind,
        dataset: DatasetKind,
        config: &TrainConfig,
        device: Device,
    ) -> Result<Trainer, TrainError> {
        let (vs, model) = build_model(kind, dataset, config.model, config.seed, device);
        let stepper = Stepper::new(&model, config)?;
        Ok(Trainer { vs, model, stepper })
    }

    /// One minibatch update (AAE: reconstruction, critic and generator steps) on `xs`
    /// (`[B, C, H, W]` on the model's device). Returns the detached statistics `[objective, recon
    /// MSE, KL, critic loss, generator loss]` without waiting for the device.
    pub fn step(&self, xs: &Tensor, kl_weight: f64) -> Result<Tensor, tch::TchError> {
        self.stepper.step(&self.model, xs, kl_weight)
    }

    fn into_trained(self, report: TrainReport) -> TrainedModel {
        TrainedModel {
            kind: self.model.kind,
            dataset: self.model.dataset,
            vs: self.vs,
            model: self.model,
            report: Some(report),
        }
    }
}

/// Sets the last decoder layer's bias to logit(mean intensity of each channel of `images`).
///
/// With any of the weight inits the initial reconstruction is ≈ sigmoid(0) = 0.5 everywhere, while
/// MNIST class-1 pixels average 0.078: the first Adam steps then push every output down at once,
/// the final sigmoid saturates near 0 and the model is stuck outputting a black image (MSE ≈
/// E[x²] ≈ 0.065; measured for the CAE with every seed tried, 0–3). Starting at the mean intensity removes that
/// push ("init the output bias to the data mean", a standard trick).
pub fn init_output_bias(model: &Autoencoder, images: &Tensor) {
    tch::no_grad(|| {
        let last = model.decoder.layers.last().expect("decoder has layers");
        if let Some(mut bias) = last.parameters().into_iter().nth(1) {
            let mean = images.mean_dim([0i64, 2, 3].as_slice(), false, Kind::Float);
            let p = mean.clamp(1e-3, 1.0 - 1e-3);
            let logit: Tensor = (&p / (p.ones_like() - &p)).log();
            bias.copy_(&logit.to_device(bias.device()));
        }
    });
}

/// Mean image of `images` and the MSE of predicting it for every image.
fn mean_image_and_mse(images: &Tensor) -> (Tensor, f64) {
    tch::no_grad(|| {
        let mean = images.mean_dim(0, true, Kind::Float);
        let mse = (images - &mean)
            .square()
            .mean(Kind::Float)
            .double_value(&[]);
        (mean, mse)
    })
}

fn probe(model: &Autoencoder, probe_images: &Tensor, mean_image: &Tensor) -> Diagnostics {
    tch::no_grad(|| {
        let out = model.forward(probe_images, false);
        let latent_std = out
            .latent
            .mu
            .std_dim(0, true, false)
            .mean(Kind::Float)
            .double_value(&[]);
        let out_std = out
            .recon
            .std_dim(0, true, false)
            .mean(Kind::Float)
            .double_value(&[]);
        let in_std = probe_images
            .std_dim(0, true, false)
            .mean(Kind::Float)
            .double_value(&[]);
        let probe_mse = out
            .recon
            .mse_loss(probe_images, tch::Reduction::Mean)
            .double_value(&[]);
        let base = (probe_images - mean_image)
            .square()
            .mean(Kind::Float)
            .double_value(&[]);
        Diagnostics {
            latent_std,
            output_spread: if in_std > 0.0 {
                out_std / in_std
            } else {
                f64::NAN
            },
            probe_mse,
            mse_ratio: if base > 0.0 {
                probe_mse / base
            } else {
                f64::NAN
            },
            judged: false,
            collapsed: false,
        }
    })
}

fn collapse_reason(d: &Diagnostics, c: &CollapseConfig) -> Option<String> {
    let mut reasons = Vec::new();
    if d.output_spread < c.min_output_spread {
        reasons.push(format!(
            "reconstructions barely depend on the input (output spread {:.3e} < {})",
            d.output_spread, c.min_output_spread
        ));
    }
    if d.mse_ratio > c.max_mse_ratio {
        reasons.push(format!(
            "reconstruction MSE {:.5} is {:.3}× that of predicting the mean training image (> {})",
            d.probe_mse, d.mse_ratio, c.max_mse_ratio
        ));
    }
    (!reasons.is_empty())
        .then(|| format!("{} (latent std {:.3e})", reasons.join("; "), d.latent_std))
}

fn say(progress: Option<&ProgressBar>, msg: &str) {
    match progress {
        Some(pb) if !pb.is_hidden() => pb.suspend(|| eprintln!("{msg}")),
        _ => eprintln!("{msg}"),
    }
}

/// Trains a fresh `kind` model on `train_images` (`[N, C, H, W]` float in [0, 1], any device; it is
/// moved to `device` once and minibatches are gathered there). `progress` advances one tick per
/// minibatch (its length is set here); pass `None` for silence except collapse warnings.
pub fn train_model(
    kind: ModelKind,
    dataset: DatasetKind,
    train_images: &Tensor,
    config: &TrainConfig,
    device: Device,
    progress: Option<&ProgressBar>,
) -> Result<TrainedModel, TrainError> {
    let shape = dataset.image_shape();
    let size = train_images.size();
    if size.len() != 4 || size[1..] != shape[..] {
        return Err(TrainError::Invalid(format!(
            "{dataset} images must be [N, {}, {}, {}], got {size:?}",
            shape[0], shape[1], shape[2]
        )));
    }
    let n = size[0];
    if n == 0 || config.batch_size <= 0 {
        return Err(TrainError::Invalid(format!(
            "{n} images, batch size {}",
            config.batch_size
        )));
    }
    if let Some(t) = config.threads {
        tch::set_num_threads(t);
    }
    let trainer = Trainer::new(kind, dataset, config, device)?;
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);

    let images = train_images.to_device(device).to_kind(Kind::Float);
    let (mean_image, mean_image_mse) = mean_image_and_mse(&images);
    let probe_images = images.narrow(0, 0, config.collapse.probe_size.min(n));
    if config.output_bias_from_data {
        init_output_bias(&trainer.model, &images);
    }

    let steps_per_epoch = ((n + config.batch_size - 1) / config.batch_size) as usize;
    let warmup_steps = config.vae.kl_warmup_epochs * steps_per_epoch;
    if let Some(pb) = progress {
        pb.set_length((steps_per_epoch * config.epochs) as u64);
        pb.set_prefix(format!("{kind} {dataset}"));
    }

    let mut report = TrainReport {
        kind,
        dataset,
        n_train: n,
        config: config.clone(),
        device: format!("{device:?}"),
        threads: tch::get_num_threads(),
        mean_image_mse,
        epochs: Vec::new(),
        total_seconds: 0.0,
        images_per_second: 0.0,
        collapse: CollapseReport::default(),
    };
    let mut step = 0usize;
    for epoch in 1..=config.epochs {
        let start = Instant::now();
        let order = Tensor::from_slice(&shuffled_indices(n as usize, &mut rng)).to_device(device);
        let mut acc = Tensor::zeros([N_STATS as i64], (Kind::Float, device));
        let mut kl_weight = config.vae.beta;
        for b in 0..steps_per_epoch as i64 {
            let lo = b * config.batch_size;
            let len = config.batch_size.min(n - lo);
            let xs = images.index_select(0, &order.narrow(0, lo, len));
            kl_weight = if warmup_steps > 0 {
                config.vae.beta * ((step + 1) as f64 / warmup_steps as f64).min(1.0)
            } else {
                config.vae.beta
            };
            let stats = trainer.step(&xs, kl_weight)?;
            acc += stats * len as f64;
            step += 1;
            if let Some(pb) = progress {
                pb.inc(1);
            }
        }
        let means: Vec<f64> = Vec::<f64>::try_from((acc / n as f64).to_kind(Kind::Double))?;
        let seconds = start.elapsed().as_secs_f64();

        let mut diagnostics = probe(&trainer.model, &probe_images, &mean_image);
        let mut reason = None;
        if step >= config.collapse.min_steps {
            diagnostics.judged = true;
            reason = collapse_reason(&diagnostics, &config.collapse);
            diagnostics.collapsed = reason.is_some();
        }
        let is = |k: ModelKind| kind == k;
        let stats = EpochStats {
            epoch,
            steps: step,
            objective: means[0],
            recon_mse: means[1],
            kl: is(ModelKind::Vae).then_some(means[2]),
            kl_weight: is(ModelKind::Vae).then_some(kl_weight),
            critic_loss: is(ModelKind::Aae).then_some(means[3]),
            generator_loss: is(ModelKind::Aae).then_some(means[4]),
            seconds,
            images_per_second: n as f64 / seconds,
            diagnostics,
        };
        if let Some(pb) = progress {
            pb.set_message(format!("epoch {epoch}: mse {:.5}", stats.recon_mse));
        }
        report.total_seconds += seconds;
        report.collapse.judged |= stats.diagnostics.judged;
        report.collapse.at_end = stats.diagnostics.collapsed;
        report.epochs.push(stats);
        if let Some(reason) = reason {
            say(
                progress,
                &format!("WARNING: {kind} on {dataset} COLLAPSED at epoch {epoch}: {reason}"),
            );
            if !report.collapse.detected {
                report.collapse.detected = true;
                report.collapse.first_epoch = Some(epoch);
                report.collapse.reason = Some(reason.clone());
            }
            if config.collapse.fail_on_collapse {
                report.images_per_second = (n as f64 * epoch as f64) / report.total_seconds;
                return Err(TrainError::Collapsed {
                    kind,
                    dataset,
                    epoch,
                    reason,
                    report: Box::new(report),
                });
            }
        }
    }
    if report.total_seconds > 0.0 {
        report.images_per_second = (n as f64 * config.epochs as f64) / report.total_seconds;
    }
    Ok(trainer.into_trained(report))
}
