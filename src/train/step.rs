//! One minibatch update per model type, and the [`Trainer`] that owns a model with its optimizers.

use tch::{nn, COptimizer, Device, Kind, Tensor};

use super::loss::kl_divergence;
use super::{build_model, AaeConfig, TrainConfig, TrainError, VaeConfig, VaeLoss};
use crate::data::DatasetKind;
use crate::model::{Autoencoder, ModelKind, LATENT_DIM};

/// The detached statistics of one minibatch update, each a 0-dim float tensor on the model's
/// device, so that taking a step never waits for the device. A statistic the model type does not
/// have is zero (the CAE has no KL, critic or generator loss; the VAE no critic or generator loss).
pub struct StepStats {
    /// The minimized encoder+decoder objective (CAE/AAE: MSE; VAE: per [`VaeLoss`]).
    pub objective: Tensor,
    /// Per-pixel MSE of the reconstructions (VAE: of the sampled-z reconstructions).
    pub recon_mse: Tensor,
    /// VAE: mean KL per image (nats).
    pub kl: Tensor,
    /// AAE: mean critic loss E C(fake) − E C(real) over the critic steps (−Wasserstein estimate).
    pub critic_loss: Tensor,
    /// AAE: generator loss −E C(E(x)) (before weighting).
    pub generator_loss: Tensor,
}

/// Host values of [`StepStats`]: one step's, or a weighted mean over an epoch's steps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepValues {
    /// See [`StepStats::objective`].
    pub objective: f64,
    /// See [`StepStats::recon_mse`].
    pub recon_mse: f64,
    /// See [`StepStats::kl`].
    pub kl: f64,
    /// See [`StepStats::critic_loss`].
    pub critic_loss: f64,
    /// See [`StepStats::generator_loss`].
    pub generator_loss: f64,
}

impl StepStats {
    /// The five statistics as one `[5]` tensor (field order), for accumulating without host syncs.
    pub(super) fn stacked(&self) -> Tensor {
        Tensor::stack(
            &[
                &self.objective,
                &self.recon_mse,
                &self.kl,
                &self.critic_loss,
                &self.generator_loss,
            ],
            0,
        )
    }

    /// Reads the statistics back (waits for the device).
    pub fn values(&self) -> Result<StepValues, tch::TchError> {
        StepValues::from_stacked(&self.stacked())
    }
}

impl StepValues {
    /// Reads a `[5]` tensor laid out as [`StepStats::stacked`].
    pub(super) fn from_stacked(stacked: &Tensor) -> Result<StepValues, tch::TchError> {
        let v: Vec<f64> = Vec::try_from(stacked.to_kind(Kind::Double))?;
        match v[..] {
            [objective, recon_mse, kl, critic_loss, generator_loss] => Ok(StepValues {
                objective,
                recon_mse,
                kl,
                critic_loss,
                generator_loss,
            }),
            _ => Err(tch::TchError::Shape(format!(
                "step statistics: expected 5 values, got {}",
                v.len()
            ))),
        }
    }
}

/// The optimizers of one model type and its minibatch update.
enum Optimizers {
    Cae {
        autoencoder: COptimizer,
    },
    Vae {
        autoencoder: COptimizer,
        cfg: VaeConfig,
    },
    Aae {
        autoencoder: COptimizer,
        critic: COptimizer,
        generator: COptimizer,
        cfg: AaeConfig,
    },
}

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

impl Optimizers {
    fn new(model: &Autoencoder, config: &TrainConfig) -> Result<Optimizers, tch::TchError> {
        let ae = model.autoencoder_parameters();
        Ok(match model.kind {
            ModelKind::Cae => Optimizers::Cae {
                autoencoder: adam(&ae, config.learning_rate)?,
            },
            ModelKind::Vae => Optimizers::Vae {
                autoencoder: adam(&ae, config.learning_rate)?,
                cfg: config.vae,
            },
            ModelKind::Aae => Optimizers::Aae {
                autoencoder: adam(&ae, config.learning_rate)?,
                critic: rms_prop(&model.critic_parameters(), config.aae.critic_lr)?,
                generator: rms_prop(&model.encoder_parameters(), config.aae.generator_lr)?,
                cfg: config.aae,
            },
        })
    }

    fn step(
        &self,
        model: &Autoencoder,
        xs: &Tensor,
        kl_weight: f64,
    ) -> Result<StepStats, tch::TchError> {
        let zero = || Tensor::zeros([], (Kind::Float, xs.device()));
        match self {
            Optimizers::Cae { autoencoder } => {
                let mse = reconstruction_step(autoencoder, model, xs)?;
                Ok(StepStats {
                    objective: mse.shallow_clone(),
                    recon_mse: mse,
                    kl: zero(),
                    critic_loss: zero(),
                    generator_loss: zero(),
                })
            }
            Optimizers::Vae { autoencoder, cfg } => {
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
                backward_step(autoencoder, &objective)?;
                Ok(StepStats {
                    objective: objective.detach(),
                    recon_mse: mse.detach(),
                    kl: kl.detach(),
                    critic_loss: zero(),
                    generator_loss: zero(),
                })
            }
            Optimizers::Aae {
                autoencoder,
                critic: critic_opt,
                generator,
                cfg,
            } => {
                let mse = reconstruction_step(autoencoder, model, xs)?;
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
                let critic_loss = critic_sum / cfg.n_critic.max(1) as f64;
                // Generator step: the encoder side raises the critic's score of its codes.
                let generator_loss = critic.forward(&z).mean(Kind::Float).neg();
                backward_step(generator, &(&generator_loss * cfg.generator_weight))?;
                Ok(StepStats {
                    objective: mse.shallow_clone(),
                    recon_mse: mse,
                    kl: zero(),
                    critic_loss,
                    generator_loss: generator_loss.detach(),
                })
            }
        }
    }
}

/// The CAE's step and the AAE's reconstruction phase: Adam on the MSE of the deterministic
/// reconstruction. Returns the detached MSE.
fn reconstruction_step(
    opt: &COptimizer,
    model: &Autoencoder,
    xs: &Tensor,
) -> Result<Tensor, tch::TchError> {
    let recon = model.forward(xs, false).recon;
    let mse = recon.mse_loss(xs, tch::Reduction::Mean);
    backward_step(opt, &mse)?;
    Ok(mse.detach())
}

/// A freshly initialized model with its optimizers: the unit of one training step. `train_model`
/// drives it over epochs; the benchmarks and the C6 cost measurement drive it step by step.
pub struct Trainer {
    /// Holds every variable of `model`.
    pub vs: nn::VarStore,
    /// The model being trained.
    pub model: Autoencoder,
    optimizers: Optimizers,
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
        let optimizers = Optimizers::new(&model, config)?;
        Ok(Trainer {
            vs,
            model,
            optimizers,
        })
    }

    /// One minibatch update (AAE: reconstruction, critic and generator steps) on `xs`
    /// (`[B, C, H, W]` on the model's device) with KL weight `kl_weight` (VAE only). Returns the
    /// detached statistics without waiting for the device.
    pub fn step(&self, xs: &Tensor, kl_weight: f64) -> Result<StepStats, tch::TchError> {
        self.optimizers.step(&self.model, xs, kl_weight)
    }
}
