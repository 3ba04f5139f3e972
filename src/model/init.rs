//! Weight initialization: an explicit, recorded choice, because it decides whether this architecture
//! learns at all.
//!
//! The paper does not state its initialization. Measured with an independent PyTorch build of exactly
//! these layers on MNIST class 1: with PyTorch's default (`TorchDefault`, weights and biases uniform in
//! ±1/√fan_in, i.e. Kaiming-uniform with a = √5) the signal shrinks through the seven encoder layers
//! until the latent code barely depends on the input (std across images ≈ 3e-4), and the models
//! collapse. `KaimingUniform` (tch's own default for conv and linear layers, ReLU gain) keeps the
//! signal, but measured here it still collapsed for every seed tried, to a black output (MSE ≈ E[x²]
//! ≈ 0.065), unless the last decoder bias starts at the logit of the data's mean intensity
//! (`TrainConfig::output_bias_from_data`, default on; see `crate::train::init_output_bias`). With
//! that default, it trains.

use serde::{Deserialize, Serialize};
use tch::nn::init::{FanInOut, NonLinearity, NormalOrUniform};
use tch::nn::Init;

/// Weight initialization of every conv, transposed-conv and linear layer (critic included).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum WeightInit {
    /// tch's default (the one that trains, and our default): weights Kaiming-uniform for ReLU,
    /// U(±√(6/fan_in)); conv and transposed-conv biases 0; linear biases U(±1/√fan_in).
    #[default]
    KaimingUniform,
    /// PyTorch's default `reset_parameters`: weights and biases U(±1/√fan_in) (Kaiming-uniform
    /// with a = √5). With this architecture it collapses; kept for comparison and for the collapse
    /// detector's tests.
    TorchDefault,
}

/// Fan-in as PyTorch computes it from the weight's shape: `dims[1] · prod(kernel dims)`. For
/// transposed convs (weight shape `[in, out, k, k]`) this is `out · k · k`, PyTorch's own quirk,
/// which tch and we reproduce.
pub(crate) fn fan_in(weight_dims: &[i64]) -> i64 {
    FanInOut::FanIn.for_weight_dims(weight_dims)
}

impl WeightInit {
    /// Initialization of a weight tensor of the given shape.
    pub(crate) fn weight(self, weight_dims: &[i64]) -> Init {
        match self {
            WeightInit::KaimingUniform => Init::Kaiming {
                dist: NormalOrUniform::Uniform,
                fan: FanInOut::FanIn,
                non_linearity: NonLinearity::ReLU,
            },
            WeightInit::TorchDefault => {
                let bound = 1.0 / (fan_in(weight_dims) as f64).sqrt();
                Init::Uniform {
                    lo: -bound,
                    up: bound,
                }
            }
        }
    }

    /// Initialization of the bias of a conv or transposed conv whose weight has the given shape.
    pub(crate) fn conv_bias(self, weight_dims: &[i64]) -> Init {
        match self {
            WeightInit::KaimingUniform => Init::Const(0.0),
            WeightInit::TorchDefault => {
                let bound = 1.0 / (fan_in(weight_dims) as f64).sqrt();
                Init::Uniform {
                    lo: -bound,
                    up: bound,
                }
            }
        }
    }

    /// Initialization of the bias of a linear layer with `in_dim` inputs (both variants use
    /// U(±1/√in_dim), tch's and PyTorch's default).
    pub(crate) fn linear_bias(self, in_dim: i64) -> Init {
        let bound = 1.0 / (in_dim as f64).sqrt();
        Init::Uniform {
            lo: -bound,
            up: bound,
        }
    }
}
