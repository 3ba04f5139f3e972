//! Bottleneck (paper Table 3), r = [`HIDDEN_DIM`] = 100, nz = [`LATENT_DIM`] = 20.
//!
//! - CAE / AAE: `lin1` flat→r LeakyReLU; `lin2` r→nz (linear: the code z); `lin3` nz→r LeakyReLU;
//!   `lin4` r→flat LeakyReLU (reshaped for the decoder).
//! - VAE: `lin1`; `lin21` r→nz (mean μ) and `lin22` r→nz (log-variance log σ²), both linear;
//!   z = μ + σ ⊙ ε, ε ~ N(0, I) (Eq. 5) in training, z = μ when not sampling (scoring); `lin3`;
//!   `lin4`.
//!
//! lin1/lin2 (or lin21/lin22) belong to the encoder side (the AAE's generator step updates them);
//! lin3/lin4 to the decoder side.

use tch::{nn, Tensor};

use super::init::WeightInit;
use super::layer::{Activation, Layer};
use super::{LayerSummary, ModelKind, HIDDEN_DIM, LATENT_DIM};

/// How the bottleneck produces the latent code.
#[derive(Debug)]
pub enum LatentHead {
    /// CAE and AAE: z = lin2(h).
    Deterministic {
        /// r→nz, linear.
        lin2: Layer,
    },
    /// VAE: μ = lin21(h), log σ² = lin22(h).
    Gaussian {
        /// r→nz mean, linear.
        lin21: Layer,
        /// r→nz log-variance, linear.
        lin22: Layer,
    },
}

/// The latent code of a batch.
#[derive(Debug)]
pub struct Latent {
    /// The code fed to the decoder: `[N, nz]` (sampled for a sampling VAE pass, else μ).
    pub z: Tensor,
    /// Deterministic code: μ for the VAE, z itself for CAE/AAE.
    pub mu: Tensor,
    /// VAE only: log σ², `[N, nz]`.
    pub logvar: Option<Tensor>,
}

/// The bottleneck of one model.
#[derive(Debug)]
pub struct Bottleneck {
    /// flat→r, LeakyReLU.
    pub lin1: Layer,
    /// The code head (type-specific).
    pub head: LatentHead,
    /// nz→r, LeakyReLU.
    pub lin3: Layer,
    /// r→flat, LeakyReLU.
    pub lin4: Layer,
}

impl Bottleneck {
    /// Builds the bottleneck of `kind` under `vs / "bottleneck"` for a flattened code of `flat_dim`.
    pub fn new(vs: &nn::Path, kind: ModelKind, flat_dim: i64, init: WeightInit) -> Bottleneck {
        let p = "bottleneck";
        let lin1 = Layer::linear(
            vs,
            p,
            "lin1",
            flat_dim,
            HIDDEN_DIM,
            Activation::LeakyRelu,
            init,
        );
        let head = match kind {
            ModelKind::Cae | ModelKind::Aae => LatentHead::Deterministic {
                lin2: Layer::linear(
                    vs,
                    p,
                    "lin2",
                    HIDDEN_DIM,
                    LATENT_DIM,
                    Activation::Identity,
                    init,
                ),
            },
            ModelKind::Vae => LatentHead::Gaussian {
                lin21: Layer::linear(
                    vs,
                    p,
                    "lin21",
                    HIDDEN_DIM,
                    LATENT_DIM,
                    Activation::Identity,
                    init,
                ),
                lin22: Layer::linear(
                    vs,
                    p,
                    "lin22",
                    HIDDEN_DIM,
                    LATENT_DIM,
                    Activation::Identity,
                    init,
                ),
            },
        };
        let lin3 = Layer::linear(
            vs,
            p,
            "lin3",
            LATENT_DIM,
            HIDDEN_DIM,
            Activation::LeakyRelu,
            init,
        );
        let lin4 = Layer::linear(
            vs,
            p,
            "lin4",
            HIDDEN_DIM,
            flat_dim,
            Activation::LeakyRelu,
            init,
        );
        Bottleneck {
            lin1,
            head,
            lin3,
            lin4,
        }
    }

    /// Flattened encoder output → latent code. `sample`: draw z = μ + σ ⊙ ε for the VAE (uses
    /// libtorch's global RNG); ignored by CAE/AAE.
    pub fn encode_traced(
        &self,
        flat: &Tensor,
        sample: bool,
        mut trace: Option<&mut Vec<LayerSummary>>,
    ) -> Latent {
        let h = self.lin1.forward(flat);
        if let Some(t) = trace.as_deref_mut() {
            t.push(LayerSummary::of(&self.lin1, flat, &h));
        }
        match &self.head {
            LatentHead::Deterministic { lin2 } => {
                let z = lin2.forward(&h);
                if let Some(t) = trace.as_deref_mut() {
                    t.push(LayerSummary::of(lin2, &h, &z));
                }
                Latent {
                    mu: z.shallow_clone(),
                    z,
                    logvar: None,
                }
            }
            LatentHead::Gaussian { lin21, lin22 } => {
                let mu = lin21.forward(&h);
                let logvar = lin22.forward(&h);
                if let Some(t) = trace {
                    t.push(LayerSummary::of(lin21, &h, &mu));
                    t.push(LayerSummary::of(lin22, &h, &logvar));
                }
                let z = if sample {
                    &mu + (&logvar * 0.5).exp() * mu.randn_like()
                } else {
                    mu.shallow_clone()
                };
                Latent {
                    z,
                    mu,
                    logvar: Some(logvar),
                }
            }
        }
    }

    /// Latent code → flattened decoder input.
    pub fn decode_traced(&self, z: &Tensor, trace: Option<&mut Vec<LayerSummary>>) -> Tensor {
        let h = self.lin3.forward(z);
        let out = self.lin4.forward(&h);
        if let Some(t) = trace {
            t.push(LayerSummary::of(&self.lin3, z, &h));
            t.push(LayerSummary::of(&self.lin4, &h, &out));
        }
        out
    }

    /// Encoder-side layers (lin1 and the head), in order.
    pub fn encoder_layers(&self) -> Vec<&Layer> {
        let mut v = vec![&self.lin1];
        match &self.head {
            LatentHead::Deterministic { lin2 } => v.push(lin2),
            LatentHead::Gaussian { lin21, lin22 } => {
                v.push(lin21);
                v.push(lin22);
            }
        }
        v
    }

    /// Decoder-side layers (lin3, lin4).
    pub fn decoder_layers(&self) -> Vec<&Layer> {
        vec![&self.lin3, &self.lin4]
    }
}
