//! The paper's three autoencoders (Sec. 2–3, Tables 1–4): a plain convolutional AE (CAE), a
//! variational AE (VAE) and an adversarial AE (AAE, Wasserstein critic on the latent code).
//!
//! One encoder/decoder per dataset ([`conv`]) is shared by all three types; only the
//! [`bottleneck`] (deterministic code vs. μ / log σ² with re-parametrization) and the training
//! objective ([`crate::train`]) differ; the AAE adds a [`critic`]. Every layer is a named
//! [`layer::Layer`] whose VarStore path is its name (`enc.conv1`, `bottleneck.lin1`,
//! `dec.deconv1`, `critic.lind1`), so checkpoints are readable and summaries uniform.
//!
//! Our reading of the garbled tables (docs/reproduction.md): 3×3 kernels with padding 1, LeakyReLU with slope
//! [`LEAKY_RELU_SLOPE`] = 0.2 everywhere except the last decoder layer (Sigmoid), stride-2 convs
//! down and stride-2 transposed convs up (output padding chosen for exact shapes, see [`conv`]),
//! r = [`HIDDEN_DIM`] = 100, nz = [`LATENT_DIM`] = 20. Weight initialization is an explicit choice
//! ([`init::WeightInit`]); the critic's output activation too ([`critic::CriticOutput`]).

pub mod aten;
pub mod bottleneck;
pub mod conv;
pub mod critic;
pub mod init;
pub mod layer;

use serde::{Deserialize, Serialize};
use tch::{nn, Device, Tensor};

pub use bottleneck::{Bottleneck, Latent};
pub use conv::{conv_arch, ActivationLayout, ConvArch, ConvDecoder, ConvEncoder};
pub use critic::{Critic, CriticOutput};
pub use init::WeightInit;
pub use layer::{Activation, Layer};

use crate::data::DatasetKind;

/// Negative slope of every LeakyReLU (the paper does not state it; 0.2 is the common GAN/AE value).
pub const LEAKY_RELU_SLOPE: f64 = 0.2;
/// r: width of the bottleneck's hidden linear layers (Table 3).
pub const HIDDEN_DIM: i64 = 100;
/// nz: latent dimension (Table 3).
pub const LATENT_DIM: i64 = 20;

/// Autoencoder type.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// "Standard" convolutional autoencoder (Sec. 2.1).
    Cae,
    /// Variational autoencoder (Sec. 2.2).
    Vae,
    /// Adversarial autoencoder with a Wasserstein latent critic (Sec. 2.3).
    Aae,
}

impl ModelKind {
    /// All three types, in the paper's order.
    pub const ALL: [ModelKind; 3] = [ModelKind::Cae, ModelKind::Vae, ModelKind::Aae];

    /// Lowercase name used in file names (`cae`, `vae`, `aae`).
    pub fn slug(self) -> &'static str {
        match self {
            ModelKind::Cae => "cae",
            ModelKind::Vae => "vae",
            ModelKind::Aae => "aae",
        }
    }
}

impl std::fmt::Display for ModelKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ModelKind::Cae => "CAE",
            ModelKind::Vae => "VAE",
            ModelKind::Aae => "AAE",
        })
    }
}

/// Architecture choices the paper leaves open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// Weight initialization (default: Kaiming-uniform, the one that trains).
    pub init: WeightInit,
    /// AAE critic output activation (default: linear, as a Wasserstein critic).
    pub critic_output: CriticOutput,
    /// Memory order of the conv activations (default channels-last; a speed choice).
    #[serde(default = "ActivationLayout::unrecorded")]
    pub layout: ActivationLayout,
}

/// One layer's row in an architecture summary. Shapes exclude the batch dimension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerSummary {
    /// Dotted layer name (= VarStore prefix).
    pub name: String,
    /// `conv3x3`, `deconv3x3` or `linear`.
    pub op: String,
    /// Stride of a (transposed) conv, 1 for linear layers.
    pub stride: i64,
    /// Activation after the layer.
    pub activation: Activation,
    /// Input shape without the batch dimension.
    pub input_shape: Vec<i64>,
    /// Output shape without the batch dimension.
    pub output_shape: Vec<i64>,
    /// Number of parameters (weight + bias).
    pub params: i64,
}

impl LayerSummary {
    /// Summary of `layer` which mapped `input` to `output` (both batched).
    pub fn of(layer: &Layer, input: &Tensor, output: &Tensor) -> LayerSummary {
        LayerSummary {
            name: layer.name.clone(),
            op: layer.op_name().to_string(),
            stride: layer.stride,
            activation: layer.activation,
            input_shape: input.size()[1..].to_vec(),
            output_shape: output.size()[1..].to_vec(),
            params: layer.num_params(),
        }
    }
}

/// Every layer of one dataset × model type, with totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchitectureSummary {
    /// Dataset the conv part is built for.
    pub dataset: DatasetKind,
    /// Model type.
    pub kind: ModelKind,
    /// Image shape (C, H, W).
    pub image_shape: Vec<i64>,
    /// Layers in forward order: encoder, bottleneck, decoder, then the critic (AAE).
    pub layers: Vec<LayerSummary>,
    /// Parameters of encoder + bottleneck + decoder.
    pub autoencoder_params: i64,
    /// Parameters of the critic (0 unless AAE).
    pub critic_params: i64,
    /// All parameters.
    pub total_params: i64,
}

/// Output of a forward pass.
#[derive(Debug)]
pub struct ForwardOutput {
    /// Reconstruction `[N, C, H, W]` in [0, 1].
    pub recon: Tensor,
    /// The latent code.
    pub latent: Latent,
}

/// One autoencoder: encoder, bottleneck, decoder and (AAE) critic, all in one VarStore.
#[derive(Debug)]
pub struct Autoencoder {
    /// Model type.
    pub kind: ModelKind,
    /// Dataset the architecture is built for.
    pub dataset: DatasetKind,
    /// Architecture choices.
    pub config: ModelConfig,
    /// Conv encoder.
    pub encoder: ConvEncoder,
    /// Bottleneck.
    pub bottleneck: Bottleneck,
    /// Conv decoder.
    pub decoder: ConvDecoder,
    /// Latent critic (AAE only).
    pub critic: Option<Critic>,
}

impl Autoencoder {
    /// Builds the model's variables under `vs` (drawing their initial values from libtorch's global
    /// RNG: seed with `tch::manual_seed` first for reproducible weights).
    pub fn new(vs: &nn::Path, kind: ModelKind, dataset: DatasetKind, config: ModelConfig) -> Self {
        let arch = conv_arch(dataset);
        let encoder = ConvEncoder::new(vs, arch, config.init, config.layout);
        let bottleneck = Bottleneck::new(vs, kind, arch.flat_dim(), config.init);
        let decoder = ConvDecoder::new(vs, arch, config.init, config.layout);
        let critic =
            (kind == ModelKind::Aae).then(|| Critic::new(vs, config.critic_output, config.init));
        Autoencoder {
            kind,
            dataset,
            config,
            encoder,
            bottleneck,
            decoder,
            critic,
        }
    }

    /// Images `[N, C, H, W]` → latent code. `sample`: VAE draws z = μ + σ ⊙ ε (training); with
    /// `false` z = μ (scoring). CAE/AAE ignore it.
    pub fn encode(&self, xs: &Tensor, sample: bool) -> Latent {
        self.bottleneck
            .encode_traced(&self.encoder.forward(xs), sample, None)
    }

    /// Latent code `[N, nz]` → images `[N, C, H, W]`.
    pub fn decode(&self, z: &Tensor) -> Tensor {
        self.decoder
            .forward(&self.bottleneck.decode_traced(z, None))
    }

    /// Encode then decode.
    pub fn forward(&self, xs: &Tensor, sample: bool) -> ForwardOutput {
        let latent = self.encode(xs, sample);
        let recon = self.decode(&latent.z);
        ForwardOutput { recon, latent }
    }

    /// Deterministic reconstruction (VAE: decoder applied to μ).
    pub fn reconstruct(&self, xs: &Tensor) -> Tensor {
        self.forward(xs, false).recon
    }

    /// Parameters of the encoder side (convs, lin1, lin2 / lin21+lin22): what the AAE's generator
    /// step updates.
    pub fn encoder_parameters(&self) -> Vec<Tensor> {
        let enc = self.encoder.layers.iter();
        enc.chain(self.bottleneck.encoder_layers())
            .flat_map(|l| l.parameters())
            .collect()
    }

    /// Parameters of the decoder side (lin3, lin4, deconvs).
    pub fn decoder_parameters(&self) -> Vec<Tensor> {
        let b = self.bottleneck.decoder_layers().into_iter();
        b.chain(self.decoder.layers.iter())
            .flat_map(|l| l.parameters())
            .collect()
    }

    /// Encoder and decoder parameters (everything but the critic), in forward order.
    pub fn autoencoder_parameters(&self) -> Vec<Tensor> {
        let mut v = self.encoder_parameters();
        v.extend(self.decoder_parameters());
        v
    }

    /// Critic parameters (empty unless AAE).
    pub fn critic_parameters(&self) -> Vec<Tensor> {
        self.critic
            .as_ref()
            .map(Critic::parameters)
            .unwrap_or_default()
    }

    /// Per-layer summary from a traced forward pass of one zero image (no grad).
    pub fn summary(&self, device: Device) -> ArchitectureSummary {
        let shape = self.dataset.image_shape();
        let mut layers = Vec::new();
        tch::no_grad(|| {
            let xs = Tensor::zeros(
                [1, shape[0], shape[1], shape[2]],
                (tch::Kind::Float, device),
            );
            let flat = self.encoder.forward_traced(&xs, Some(&mut layers));
            let latent = self
                .bottleneck
                .encode_traced(&flat, false, Some(&mut layers));
            let h = self.bottleneck.decode_traced(&latent.z, Some(&mut layers));
            let _ = self.decoder.forward_traced(&h, Some(&mut layers));
            if let Some(c) = &self.critic {
                let _ = c.forward_traced(&latent.z, Some(&mut layers));
            }
        });
        let count = |ps: Vec<Tensor>| ps.iter().map(|t| t.numel() as i64).sum::<i64>();
        let autoencoder_params = count(self.autoencoder_parameters());
        let critic_params = count(self.critic_parameters());
        ArchitectureSummary {
            dataset: self.dataset,
            kind: self.kind,
            image_shape: shape.to_vec(),
            layers,
            autoencoder_params,
            critic_params,
            total_params: autoencoder_params + critic_params,
        }
    }
}

/// Architecture summary of `kind` on `dataset` with the default [`ModelConfig`], built on a
/// temporary CPU VarStore. Draws initial weights from libtorch's global RNG (callers that seed
/// should hold their seed lock).
pub fn architecture_summary(dataset: DatasetKind, kind: ModelKind) -> ArchitectureSummary {
    let vs = nn::VarStore::new(Device::Cpu);
    Autoencoder::new(&vs.root(), kind, dataset, ModelConfig::default()).summary(Device::Cpu)
}
