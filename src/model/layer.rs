//! One named layer (conv, transposed conv or linear) followed by its activation; the building block
//! of every part of the models, so that shapes and parameter counts can be traced uniformly.

use serde::{Deserialize, Serialize};
use tch::{nn, Tensor};

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
            // tch exposes leaky_relu only with PyTorch's default slope 0.01. PReLU with a constant
            // (non-trainable) slope is the same function in one fused kernel each way; the former
            // max(x, a·x) took 5x longer forward + backward and made training 1.3-2x slower.
            Activation::LeakyRelu => xs.prelu(&Tensor::full(
                [1],
                LEAKY_RELU_SLOPE,
                (xs.kind(), xs.device()),
            )),
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
    /// 3×3 transposed convolution, padding 1.
    Deconv(nn::ConvTranspose2D),
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

/// Kernel size of every conv and transposed conv (paper, Sec. 3).
pub const KERNEL_SIZE: i64 = 3;

impl Layer {
    /// A 3×3 convolution with padding 1 and the given stride, at VarStore path `prefix.name`.
    #[allow(clippy::too_many_arguments)]
    pub fn conv(
        vs: &nn::Path,
        prefix: &str,
        name: &str,
        in_ch: i64,
        out_ch: i64,
        stride: i64,
        activation: Activation,
        init: WeightInit,
    ) -> Layer {
        let dims = [out_ch, in_ch, KERNEL_SIZE, KERNEL_SIZE];
        let cfg = nn::ConvConfig {
            stride,
            padding: 1,
            ws_init: init.weight(&dims),
            bs_init: init.conv_bias(&dims),
            ..Default::default()
        };
        let op = LayerOp::Conv(nn::conv2d(
            vs / prefix / name,
            in_ch,
            out_ch,
            KERNEL_SIZE,
            cfg,
        ));
        Layer {
            name: format!("{prefix}.{name}"),
            op,
            activation,
            stride,
        }
    }

    /// A 3×3 transposed convolution with padding 1, the given stride and output padding.
    /// Output size: `(in − 1)·stride − 2 + 3 + output_padding`.
    #[allow(clippy::too_many_arguments)]
    pub fn deconv(
        vs: &nn::Path,
        prefix: &str,
        name: &str,
        in_ch: i64,
        out_ch: i64,
        stride: i64,
        output_padding: i64,
        activation: Activation,
        init: WeightInit,
    ) -> Layer {
        // PyTorch/tch transposed-conv weight shape: [in, out, k, k].
        let dims = [in_ch, out_ch, KERNEL_SIZE, KERNEL_SIZE];
        let cfg = nn::ConvTransposeConfig {
            stride,
            padding: 1,
            output_padding,
            ws_init: init.weight(&dims),
            bs_init: init.conv_bias(&dims),
            ..Default::default()
        };
        let op = LayerOp::Deconv(nn::conv_transpose2d(
            vs / prefix / name,
            in_ch,
            out_ch,
            KERNEL_SIZE,
            cfg,
        ));
        Layer {
            name: format!("{prefix}.{name}"),
            op,
            activation,
            stride,
        }
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
        Layer {
            name: format!("{prefix}.{name}"),
            op,
            activation,
            stride: 1,
        }
    }

    /// Operation followed by activation.
    pub fn forward(&self, xs: &Tensor) -> Tensor {
        let ys = match &self.op {
            LayerOp::Conv(c) => xs.apply(c),
            LayerOp::Deconv(c) => xs.apply(c),
            LayerOp::Linear(l) => xs.apply(l),
        };
        self.activation.apply(&ys)
    }

    /// The layer's parameters (weight, then bias), shallow copies sharing storage.
    pub fn parameters(&self) -> Vec<Tensor> {
        let (ws, bs) = match &self.op {
            LayerOp::Conv(c) => (&c.ws, &c.bs),
            LayerOp::Deconv(c) => (&c.ws, &c.bs),
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
            LayerOp::Deconv(_) => "deconv3x3",
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
