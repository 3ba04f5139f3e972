//! Per-dataset convolutional encoder and decoder (paper Tables 1 and 2), shared by all three
//! autoencoder types.
//!
//! The tables are garbled in the PDF extraction; this is our reading (docs/reproduction.md). All kernels 3×3 with
//! padding 1, LeakyReLU(0.2) after every layer except the last decoder layer (Sigmoid). Downsampling
//! by stride-2 convolutions, upsampling by stride-2 transposed convolutions; the output padding is
//! chosen to give the exact table resolutions, since a k3/s2/p1 transposed conv maps n to
//! `2n − 1 + output_padding`:
//!
//! | MNIST (1×28×28) | op | resolution | channels |
//! |---|---|---|---|
//! | enc.conv1 | conv s1 | 28→28 | 1→16 |
//! | enc.conv2 | conv s2 | 28→14 | 16→32 |
//! | enc.conv3 | conv s2 | 14→7 | 32→64 |
//! | enc.conv4 | conv s2 | 7→4 | 64→64 |
//! | enc.conv5 | conv s1 | 4→4 | 64→16 (flatten 16·4·4 = 256) |
//! | dec.deconv1 | deconv s1 | 4→4 | 16→64 (input: lin4 reshaped to 16×4×4) |
//! | dec.deconv2 | deconv s2, output_padding 0 | 4→7 | 64→64 |
//! | dec.deconv3 | deconv s2, output_padding 1 | 7→14 | 64→32 |
//! | dec.deconv4 | deconv s2, output_padding 1 | 14→28 | 32→16 |
//! | dec.deconv5 | deconv s1 + Sigmoid | 28→28 | 16→1 |
//!
//! | CIFAR-10 (3×32×32) | op | resolution | channels |
//! |---|---|---|---|
//! | enc.conv1 | conv s1 | 32→32 | 3→8 |
//! | enc.conv2 | conv s2 | 32→16 | 8→16 |
//! | enc.conv3 | conv s2 | 16→8 | 16→32 |
//! | enc.conv4 | conv s1 | 8→8 | 32→16 (flatten 16·8·8 = 1024) |
//! | dec.deconv1 | deconv s1 | 8→8 | 16→32 (input: lin4 reshaped to 16×8×8) |
//! | dec.deconv2 | deconv s2, output_padding 1 | 8→16 | 32→16 |
//! | dec.deconv3 | deconv s2, output_padding 1 | 16→32 | 16→8 |
//! | dec.deconv4 | deconv s1 + Sigmoid | 32→32 | 8→3 |
//!
//! Stride-1 layers of the decoder are transposed convs too (a k3/s1/p1 transposed conv is a
//! convolution with a flipped kernel, same shapes and parameter count), following the tables'
//! "deconv" naming.

use serde::{Deserialize, Serialize};
use tch::{nn, Tensor};

use super::aten::to_channels_last;
use super::init::WeightInit;
pub use super::layer::ConvSpec;
use super::layer::{forward_layers, Activation, ConvDirection, Layer};
use super::LayerSummary;
use crate::data::DatasetKind;

const fn spec(
    name: &'static str,
    in_ch: i64,
    out_ch: i64,
    stride: i64,
    output_padding: i64,
) -> ConvSpec {
    ConvSpec {
        name,
        in_ch,
        out_ch,
        stride,
        output_padding,
    }
}

/// The conv part of one dataset's architecture.
#[derive(Debug, Clone, Copy)]
pub struct ConvArch {
    /// Encoder convolutions, in order.
    pub encoder: &'static [ConvSpec],
    /// Decoder transposed convolutions, in order (the last one gets the Sigmoid).
    pub decoder: &'static [ConvSpec],
    /// Shape (C, H, W) of the encoder output, which the bottleneck flattens and lin4 restores.
    pub code_shape: [i64; 3],
}

impl ConvArch {
    /// Length of the flattened encoder output (input of lin1, output of lin4).
    pub fn flat_dim(&self) -> i64 {
        self.code_shape.iter().product()
    }
}

/// Table 1 (MNIST).
pub const MNIST_ARCH: ConvArch = ConvArch {
    encoder: &[
        spec("conv1", 1, 16, 1, 0),
        spec("conv2", 16, 32, 2, 0),
        spec("conv3", 32, 64, 2, 0),
        spec("conv4", 64, 64, 2, 0),
        spec("conv5", 64, 16, 1, 0),
    ],
    decoder: &[
        spec("deconv1", 16, 64, 1, 0),
        spec("deconv2", 64, 64, 2, 0),
        spec("deconv3", 64, 32, 2, 1),
        spec("deconv4", 32, 16, 2, 1),
        spec("deconv5", 16, 1, 1, 0),
    ],
    code_shape: [16, 4, 4],
};

/// Table 2 (CIFAR-10).
pub const CIFAR10_ARCH: ConvArch = ConvArch {
    encoder: &[
        spec("conv1", 3, 8, 1, 0),
        spec("conv2", 8, 16, 2, 0),
        spec("conv3", 16, 32, 2, 0),
        spec("conv4", 32, 16, 1, 0),
    ],
    decoder: &[
        spec("deconv1", 16, 32, 1, 0),
        spec("deconv2", 32, 16, 2, 1),
        spec("deconv3", 16, 8, 2, 1),
        spec("deconv4", 8, 3, 1, 0),
    ],
    code_shape: [16, 8, 8],
};

/// The conv architecture of a dataset.
pub fn conv_arch(dataset: DatasetKind) -> &'static ConvArch {
    match dataset {
        DatasetKind::Mnist => &MNIST_ARCH,
        DatasetKind::Cifar10 => &CIFAR10_ARCH,
    }
}

/// Memory order of the convolution activations. Not a modelling choice: the same function on
/// different oneDNN kernels, so results agree up to float rounding (not bit for bit).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum ActivationLayout {
    /// NHWC (default): oneDNN convolves without reordering every activation to and from its
    /// blocked format; training steps run 1.09–1.19× faster on 2 CPU cores (`ci/layout_ab.sh`,
    /// docs/performance.md; not measured on CUDA).
    #[default]
    ChannelsLast,
    /// NCHW, libtorch's (and PyTorch's) default. A record or checkpoint that names no layout was
    /// written with this one, so it reads as this.
    Contiguous,
}

impl ActivationLayout {
    /// The layout of a record or checkpoint that names none.
    pub fn unrecorded() -> ActivationLayout {
        ActivationLayout::Contiguous
    }

    /// `xs` (`[N, C, H, W]`) in this layout; a no-op when it already is.
    pub fn apply(self, xs: &Tensor) -> Tensor {
        match self {
            ActivationLayout::ChannelsLast => to_channels_last(xs),
            ActivationLayout::Contiguous => xs.contiguous(),
        }
    }
}

/// Convolutional encoder: image `[N, C, H, W]` → flattened code `[N, flat_dim]`.
#[derive(Debug)]
pub struct ConvEncoder {
    /// The convolutions, each followed by LeakyReLU.
    pub layers: Vec<Layer>,
    /// Memory order of the activations.
    pub layout: ActivationLayout,
}

impl ConvEncoder {
    /// Builds the encoder of `arch` under `vs / "enc"`.
    pub fn new(
        vs: &nn::Path,
        arch: &ConvArch,
        init: WeightInit,
        layout: ActivationLayout,
    ) -> ConvEncoder {
        let layers = arch
            .encoder
            .iter()
            .map(|s| {
                Layer::conv(
                    vs,
                    "enc",
                    s,
                    ConvDirection::Forward,
                    Activation::LeakyRelu,
                    init,
                )
            })
            .collect();
        ConvEncoder { layers, layout }
    }

    /// Image → flattened code; appends per-layer summaries to `trace` when given.
    pub fn forward_traced(&self, xs: &Tensor, trace: Option<&mut Vec<LayerSummary>>) -> Tensor {
        forward_layers(&self.layers, &self.layout.apply(xs), trace).flatten(1, -1)
    }

    /// Image → flattened code.
    pub fn forward(&self, xs: &Tensor) -> Tensor {
        self.forward_traced(xs, None)
    }
}

/// Convolutional decoder: flattened code `[N, flat_dim]` → image `[N, C, H, W]` in [0, 1].
#[derive(Debug)]
pub struct ConvDecoder {
    /// The transposed convolutions; LeakyReLU after all but the last, Sigmoid after the last.
    pub layers: Vec<Layer>,
    /// Shape (C, H, W) the flat input is reshaped to.
    pub code_shape: [i64; 3],
    /// Memory order of the activations.
    pub layout: ActivationLayout,
}

impl ConvDecoder {
    /// Builds the decoder of `arch` under `vs / "dec"`.
    pub fn new(
        vs: &nn::Path,
        arch: &ConvArch,
        init: WeightInit,
        layout: ActivationLayout,
    ) -> ConvDecoder {
        let n = arch.decoder.len();
        let layers = arch
            .decoder
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let act = if i + 1 == n {
                    Activation::Sigmoid
                } else {
                    Activation::LeakyRelu
                };
                Layer::conv(vs, "dec", s, ConvDirection::Transposed, act, init)
            })
            .collect();
        ConvDecoder {
            layers,
            code_shape: arch.code_shape,
            layout,
        }
    }

    /// Flattened code → image; appends per-layer summaries to `trace` when given.
    pub fn forward_traced(&self, flat: &Tensor, trace: Option<&mut Vec<LayerSummary>>) -> Tensor {
        let [c, h, w] = self.code_shape;
        let xs = self.layout.apply(&flat.view([-1, c, h, w]));
        forward_layers(&self.layers, &xs, trace)
    }

    /// Flattened code → image.
    pub fn forward(&self, flat: &Tensor) -> Tensor {
        self.forward_traced(flat, None)
    }
}
