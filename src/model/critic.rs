//! The AAE's latent critic C_AAE (paper Table 4): `lind1` nz→10 LeakyReLU, `lind2` 10→1.
//!
//! Table 4 lists LeakyReLU for `lind2` as well. The paper trains the critic with the Wasserstein
//! distance and weight clipping (WGAN, Arjovsky et al. 2017), whose critic estimates
//! sup_{‖f‖_L ≤ K} E_real f − E_fake f over real-valued functions; an output non-linearity bounds
//! f's negative range by 0.2× and makes the estimate asymmetric, and WGAN's own critics end in a
//! linear layer. So the default is [`CriticOutput::Linear`]; the table's literal reading is
//! available as [`CriticOutput::LeakyRelu`] (same parameters, so the architecture snapshot is
//! identical).

use serde::{Deserialize, Serialize};
use tch::{nn, Tensor};

use super::init::WeightInit;
use super::layer::{forward_layers, Activation, Layer};
use super::{LayerSummary, LATENT_DIM};

/// Hidden width of the critic (Table 4).
pub const CRITIC_HIDDEN: i64 = 10;

/// Output activation of the critic's last layer.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum CriticOutput {
    /// Linear output (WGAN critic; default).
    #[default]
    Linear,
    /// LeakyReLU output, Table 4's literal reading.
    LeakyRelu,
}

/// The critic: latent code `[N, nz]` → score `[N, 1]`.
#[derive(Debug)]
pub struct Critic {
    /// lind1, lind2.
    pub layers: Vec<Layer>,
}

impl Critic {
    /// Builds the critic under `vs / "critic"`.
    pub fn new(vs: &nn::Path, output: CriticOutput, init: WeightInit) -> Critic {
        let out_act = match output {
            CriticOutput::Linear => Activation::Identity,
            CriticOutput::LeakyRelu => Activation::LeakyRelu,
        };
        let layers = vec![
            Layer::linear(
                vs,
                "critic",
                "lind1",
                LATENT_DIM,
                CRITIC_HIDDEN,
                Activation::LeakyRelu,
                init,
            ),
            Layer::linear(vs, "critic", "lind2", CRITIC_HIDDEN, 1, out_act, init),
        ];
        Critic { layers }
    }

    /// Score of each code; appends per-layer summaries to `trace` when given.
    pub fn forward_traced(&self, z: &Tensor, trace: Option<&mut Vec<LayerSummary>>) -> Tensor {
        forward_layers(&self.layers, z, trace)
    }

    /// Score of each code.
    pub fn forward(&self, z: &Tensor) -> Tensor {
        self.forward_traced(z, None)
    }

    /// All critic parameters.
    pub fn parameters(&self) -> Vec<Tensor> {
        self.layers.iter().flat_map(|l| l.parameters()).collect()
    }

    /// Clamps every critic parameter into [−c, c] in place (WGAN weight clipping).
    pub fn clip_weights(&self, c: f64) {
        tch::no_grad(|| {
            for mut p in self.parameters() {
                let _ = p.clamp_(-c, c);
            }
        });
    }
}
