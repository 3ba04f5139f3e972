//! One named layer (conv, transposed conv or linear) followed by its activation; the building block
//! of every part of the models, so that shapes and parameter counts can be traced uniformly.

use serde::{Deserialize, Serialize};
use tch::{nn, Tensor};

use super::aten::leaky_relu;
use super::init::WeightInit;
use super::LEAKY_RELU_SLOPE;

/// Activation applied after a layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// LeakyReLU with slope [`LEAKY_RELU_SLOPE`] for negative inputs.
    LeakyRelu,
    /// Logistic sigmoid (last decoder layer: pixel intensities in [0, 1]).
    Sigmoid,
    /// No activation (latent code, VAE mean / log-variance, linear critic output).
    Identity,
}

impl Activation {
    /// Applies the activation.
    pub fn apply(self, xs: &Tensor) -> Tensor {
        match self {
            Activation::LeakyRelu => leaky_relu(xs, LEAKY_RELU_SLOPE),
            Activation::Sigmoid => xs.sigmoid(),
            Activation::Identity => xs.shallow_clone(),
        }
    }
}

/// The operation of a layer.
#[derive(Debug)]
pub enum LayerOp {
    /// 3×3 convolution, padding 1.
    Conv(nn::Conv2D),
    /// 3×3 transposed convolution, padding 1, with its output padding. Its bias is added outside
    /// the convolution: with it inside, libtorch runs oneDNN's reference (unvectorized) bias kernel
    /// of transposed convolutions, 4.5 % of a CIFAR-10 VAE step (docs/performance.md).
    Deconv {
        /// Weight `[in, out, 3, 3]`.
        ws: Tensor,
        /// Bias `[out]`.
        bs: Option<Tensor>,
        /// Extra rows/columns of the output (0 or 1).
        output_padding: i64,
    },
    /// Fully connected layer.
    Linear(nn::Linear),
}

/// A named layer with its activation.
#[derive(Debug)]
pub struct Layer {
    /// Dotted name, e.g. `enc.conv1`; also its VarStore path.
    pub name: String,
    /// The operation.
    pub op: LayerOp,
    /// The activation applied after the operation.
    pub activation: Activation,
    /// Stride of a (transposed) convolution; 1 for linear layers.
    pub stride: i64,
}

/// One (transposed) convolution of a table.
#[derive(Debug, Clone, Copy)]
pub struct ConvSpec {
    /// Layer name within its part (`conv1`, `deconv3`, ...).
    pub name: &'static str,
    /// Input channels.
    pub in_ch: i64,
    /// Output channels.
    pub out_ch: i64,
    /// Stride (1 or 2).
    pub stride: i64,
    /// Output padding (transposed convs only).
    pub output_padding: i64,
}

/// Whether a convolution layer is an ordinary one (encoder) or transposed (decoder).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConvDirection {
    Forward,
    Transposed,
}

/// Kernel size of every conv and transposed conv (paper, Sec. 3).
pub const KERNEL_SIZE: i64 = 3;

/// Padding of every conv and transposed conv.
pub const PADDING: i64 = 1;

impl Layer {
    fn new(prefix: &str, name: &str, op: LayerOp, activation: Activation, stride: i64) -> Layer {
        Layer {
            name: format!("{prefix}.{name}"),
            op,
            activation,
            stride,
        }
    }

    /// The 3×3 convolution `spec` (padding 1; transposed: with its output padding, output size
    /// `(in − 1)·stride − 2 + 3 + output_padding`), at VarStore path `prefix.name`.
    pub fn conv(
        vs: &nn::Path,
        prefix: &str,
        spec: &ConvSpec,
        direction: ConvDirection,
        activation: Activation,
        init: WeightInit,
    ) -> Layer {
        let path = vs / prefix / spec.name;
        let (stride, padding) = (spec.stride, PADDING);
        let op = match direction {
            ConvDirection::Forward => {
                let dims = [spec.out_ch, spec.in_ch, KERNEL_SIZE, KERNEL_SIZE];
                let (ws_init, bs_init) = (init.weight(&dims), init.conv_bias(&dims));
                let cfg = nn::ConvConfig {
                    stride,
                    padding,
                    ws_init,
                    bs_init,
                    ..Default::default()
                };
                LayerOp::Conv(nn::conv2d(path, spec.in_ch, spec.out_ch, KERNEL_SIZE, cfg))
            }
            ConvDirection::Transposed => {
                // PyTorch/tch transposed-conv weight shape: [in, out, k, k].
                let dims = [spec.in_ch, spec.out_ch, KERNEL_SIZE, KERNEL_SIZE];
                let (ws_init, bs_init) = (init.weight(&dims), init.conv_bias(&dims));
                let output_padding = spec.output_padding;
                let cfg = nn::ConvTransposeConfig {
                    stride,
                    padding,
                    output_padding,
                    ws_init,
                    bs_init,
                    ..Default::default()
                };
                let conv = nn::conv_transpose2d(path, spec.in_ch, spec.out_ch, KERNEL_SIZE, cfg);
                LayerOp::Deconv {
                    ws: conv.ws,
                    bs: conv.bs,
                    output_padding,
                }
            }
        };
        Layer::new(prefix, spec.name, op, activation, spec.stride)
    }

    /// A fully connected layer.
    pub fn linear(
        vs: &nn::Path,
        prefix: &str,
        name: &str,
        in_dim: i64,
        out_dim: i64,
        activation: Activation,
        init: WeightInit,
    ) -> Layer {
        let cfg = nn::LinearConfig {
            ws_init: init.weight(&[out_dim, in_dim]),
            bs_init: Some(init.linear_bias(in_dim)),
            bias: true,
        };
        let op = LayerOp::Linear(nn::linear(vs / prefix / name, in_dim, out_dim, cfg));
        Layer::new(prefix, name, op, activation, 1)
    }

    /// Operation followed by activation.
    pub fn forward(&self, xs: &Tensor) -> Tensor {
        let ys = match &self.op {
            LayerOp::Conv(c) => xs.apply(c),
            LayerOp::Deconv {
                ws,
                bs,
                output_padding,
            } => {
                let (groups, dilation) = (1, [1]);
                let ys = xs.conv_transpose2d(
                    ws,
                    None::<Tensor>,
                    [self.stride],
                    [PADDING],
                    [*output_padding],
                    groups,
                    dilation,
                );
                match bs {
                    Some(bs) => ys + bs.view([1, -1, 1, 1]),
                    None => ys,
                }
            }
            LayerOp::Linear(l) => xs.apply(l),
        };
        self.activation.apply(&ys)
    }

    /// The layer's parameters (weight, then bias), shallow copies sharing storage.
    pub fn parameters(&self) -> Vec<Tensor> {
        let (ws, bs) = match &self.op {
            LayerOp::Conv(c) => (&c.ws, &c.bs),
            LayerOp::Deconv { ws, bs, .. } => (ws, bs),
            LayerOp::Linear(l) => (&l.ws, &l.bs),
        };
        std::iter::once(ws.shallow_clone())
            .chain(bs.iter().map(Tensor::shallow_clone))
            .collect()
    }

    /// Number of scalar parameters.
    pub fn num_params(&self) -> i64 {
        self.parameters().iter().map(|t| t.numel() as i64).sum()
    }

    /// Short operation name for summaries.
    pub fn op_name(&self) -> &'static str {
        match &self.op {
            LayerOp::Conv(_) => "conv3x3",
            LayerOp::Deconv { .. } => "deconv3x3",
            LayerOp::Linear(_) => "linear",
        }
    }
}

/// Runs `xs` through `layers` in order; when `trace` is given, appends one summary per layer.
pub fn forward_layers(
    layers: &[Layer],
    xs: &Tensor,
    mut trace: Option<&mut Vec<super::LayerSummary>>,
) -> Tensor {
    let mut h = xs.shallow_clone();
    for layer in layers {
        let out = layer.forward(&h);
        if let Some(t) = trace.as_deref_mut() {
            t.push(super::LayerSummary::of(layer, &h, &out));
        }
        h = out;
    }
    h
}
