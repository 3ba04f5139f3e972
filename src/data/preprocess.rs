//! Input preprocessing as a recorded choice (`--preprocess`): how the pixels in [0, 1] that the
//! loader gives are transformed before training, scoring and `aerepro score`.
//!
//! - `raw` (default): pixels / 255, the paper's input; [`Preprocessor::apply`] returns its input
//!   unchanged, so every number of a raw run is bit-identical to one made before this choice existed.
//! - `image-minmax`: each image stretched to [0, 1] by its own min and max. Nothing is fitted.
//! - `gcn-l1-minmax`: global contrast normalisation as in Deep SVDD's
//!   `global_contrast_normalization(x, scale='l1')`, per image: `x - mean(x)`, divided by
//!   `mean(|x - mean(x)|)`; then min-max scaling with the min and max of the GCN values over the
//!   normal class's training images (Deep SVDD stores them per class; we fit them).
//! - `gcn-l2-minmax`: the same with Deep SVDD's L2 scale, `sqrt(sum((x - mean)²)) / n_features`
//!   (their code divides the root of the sum by n, not the root of the mean; the two differ by the
//!   constant factor sqrt(n_features), which the min-max step cancels up to rounding).
//! - `channel-minmax`: per-channel standardisation with the mean and (population) standard
//!   deviation of each channel over the normal training images, then min-max scaling with the
//!   single min and max over all channels of the standardised training images. (With a min and max
//!   per channel, min-max after an affine map per channel would undo the standardisation.)
//!
//! Every statistic is fitted on the images the model trains on (the normal class's training images,
//! after a threshold hold-out is taken out) and only there: [`fit`] takes that tensor alone, and
//! [`preprocess_split`] fits on `split.train` before applying to anything else. The fitted
//! [`Preprocessor`] is plain numbers, stored in the run record and in each checkpoint's scoring
//! sidecar, so `aerepro score` applies the same transform to a user's image.
//!
//! Choices made explicit here:
//! - No clamping (as in Deep SVDD): training images land in [0, 1] by construction, while a test or
//!   user image may fall outside it (below its min or above its max). The decoder's sigmoid cannot
//!   reach such values, so they add to the reconstruction error, which is the anomaly signal.
//! - An image without contrast (every pixel equal: max == min, tested exactly) maps to all zeros in
//!   `image-minmax` and to its centred value 0 in the GCN kinds (divided by 1 instead of by 0).
//!   Detecting it exactly, instead of adding an epsilon to the scale, avoids amplifying the
//!   rounding noise of a constant image's mean into ±1 values.
//! - Degenerate training data (no spread of the fitted min-max, a channel with zero standard
//!   deviation, no training image) is an error at fit time, never a division by zero later.
use std::fmt;

use anyhow::{bail, ensure, Context};
use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use super::NormalClassSplit;

/// How input pixels are transformed (`--preprocess`).
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Preprocess {
    /// Pixels / 255 in [0, 1] (the paper's input; default).
    #[default]
    Raw,
    /// Each image stretched to [0, 1] by its own min and max.
    ImageMinmax,
    /// Deep SVDD's global contrast normalisation (L1 scale), then min-max fitted on the normal
    /// training images.
    GcnL1Minmax,
    /// The same with the L2 scale.
    GcnL2Minmax,
    /// Per-channel standardisation, then min-max, both fitted on the normal training images.
    ChannelMinmax,
}

impl Preprocess {
    pub const ALL: [Preprocess; 5] = [
        Preprocess::Raw,
        Preprocess::ImageMinmax,
        Preprocess::GcnL1Minmax,
        Preprocess::GcnL2Minmax,
        Preprocess::ChannelMinmax,
    ];

    /// The name on the command line and in records (`raw`, `gcn-l1-minmax`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Preprocess::Raw => "raw",
            Preprocess::ImageMinmax => "image-minmax",
            Preprocess::GcnL1Minmax => "gcn-l1-minmax",
            Preprocess::GcnL2Minmax => "gcn-l2-minmax",
            Preprocess::ChannelMinmax => "channel-minmax",
        }
    }

    /// For `skip_serializing_if`: a raw config serialises as it did before this field existed.
    pub fn is_raw(&self) -> bool {
        *self == Preprocess::Raw
    }

    /// Whether [`fit`] reads the training images (the global min-max kinds).
    pub fn is_fitted(self) -> bool {
        matches!(
            self,
            Preprocess::GcnL1Minmax | Preprocess::GcnL2Minmax | Preprocess::ChannelMinmax
        )
    }
}

impl fmt::Display for Preprocess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The fitted numbers of a [`Preprocessor`]; empty for `raw` and `image-minmax`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PreprocessStats {
    /// How many normal training images the numbers were fitted on (0: nothing fitted).
    #[serde(default)]
    pub fitted_on: usize,
    /// `channel-minmax`: mean of each channel over the training pixels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channel_mean: Vec<f64>,
    /// `channel-minmax`: population standard deviation of each channel over the training pixels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channel_sd: Vec<f64>,
    /// The min and max of the per-image step's output over the training images (an f32 value,
    /// stored exactly), mapped to 0 and 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

impl PreprocessStats {
    fn is_empty(&self) -> bool {
        *self == PreprocessStats::default()
    }
}

/// A fitted transform: the kind and its numbers. `Default` is `raw`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Preprocessor {
    pub kind: Preprocess,
    #[serde(default, skip_serializing_if = "PreprocessStats::is_empty")]
    pub stats: PreprocessStats,
}

/// Fits `kind` on `train_images` — the normal class's training images the model trains on,
/// `[N, C, H, W]` floats in [0, 1] — and on nothing else.
pub fn fit(kind: Preprocess, train_images: &Tensor) -> anyhow::Result<Preprocessor> {
    let raw = Preprocessor {
        kind,
        stats: PreprocessStats::default(),
    };
    if !kind.is_fitted() {
        return Ok(raw);
    }
    let size = check_images(train_images)?;
    let n = size[0] as usize;
    ensure!(
        n > 0,
        "cannot fit {kind} preprocessing on no training images"
    );
    let mut stats = PreprocessStats {
        fitted_on: n,
        ..PreprocessStats::default()
    };
    if kind == Preprocess::ChannelMinmax {
        let x = train_images.to_kind(Kind::Double);
        let dims = [0i64, 2, 3];
        let mean = x.mean_dim(dims.as_slice(), false, Kind::Double);
        let sd = x.std_correction(dims.as_slice(), 0, false);
        stats.channel_mean = Vec::<f64>::try_from(&mean)?;
        stats.channel_sd = Vec::<f64>::try_from(&sd)?;
        for (c, sd) in stats.channel_sd.iter().enumerate() {
            if !(sd.is_finite() && *sd > 0.0) {
                bail!("cannot fit {kind}: channel {c} of the {n} normal training images has standard deviation {sd}");
            }
        }
    }
    let partial = Preprocessor { kind, stats };
    let step = partial.per_image_step(train_images)?;
    let min = f64::from(step.min().to_kind(Kind::Float).double_value(&[]) as f32);
    let max = f64::from(step.max().to_kind(Kind::Float).double_value(&[]) as f32);
    if !(min.is_finite() && max.is_finite() && max > min) {
        bail!("cannot fit {kind}: after its per-image step the {n} normal training images span [{min}, {max}], no range to scale to [0, 1]");
    }
    let mut fitted = partial;
    fitted.stats.min = Some(min);
    fitted.stats.max = Some(max);
    Ok(fitted)
}

/// `[N, C, H, W]` floats, or an error naming what was given.
fn check_images(images: &Tensor) -> anyhow::Result<Vec<i64>> {
    let size = images.size();
    ensure!(
        size.len() == 4,
        "preprocessing expects [N, C, H, W] images, got shape {size:?}"
    );
    ensure!(
        images.kind() == Kind::Float,
        "preprocessing expects float images, got {:?}",
        images.kind()
    );
    Ok(size)
}

impl Preprocessor {
    /// The identity transform.
    pub fn raw() -> Self {
        Preprocessor::default()
    }

    pub fn is_raw(&self) -> bool {
        self.kind.is_raw()
    }

    /// Transforms `images` (`[N, C, H, W]` floats in [0, 1]). `raw` returns the very same tensor
    /// (a shallow clone, bit-identical). Outputs are checked to be finite. Values of images unlike
    /// the training images may fall outside [0, 1]; they are not clamped (see the module docs).
    pub fn apply(&self, images: &Tensor) -> anyhow::Result<Tensor> {
        if self.is_raw() {
            return Ok(images.shallow_clone());
        }
        let step = self.per_image_step(images)?;
        let out = match self.kind {
            Preprocess::Raw => unreachable!("returned above"),
            Preprocess::ImageMinmax => step,
            Preprocess::GcnL1Minmax | Preprocess::GcnL2Minmax | Preprocess::ChannelMinmax => {
                let (min, max) = match (self.stats.min, self.stats.max) {
                    (Some(min), Some(max)) if min.is_finite() && max.is_finite() && max > min => {
                        (min as f32, max as f32)
                    }
                    (min, max) => bail!(
                        "{} preprocessing without a fitted range (min {min:?}, max {max:?})",
                        self.kind
                    ),
                };
                // Both differences in f32, so that a training image's max maps to exactly 1.
                (step - f64::from(min)) / f64::from(max - min)
            }
        };
        let finite = out.isfinite().all().int64_value(&[]) != 0;
        ensure!(
            finite,
            "{} preprocessing produced a non-finite value (non-finite input pixels?)",
            self.kind
        );
        Ok(out)
    }

    /// The per-image (or per-channel) step before the fitted min-max: the image-minmax stretch,
    /// GCN, or the channel standardisation.
    fn per_image_step(&self, images: &Tensor) -> anyhow::Result<Tensor> {
        let size = check_images(images)?;
        let dims = [1i64, 2, 3];
        Ok(match self.kind {
            Preprocess::Raw => images.shallow_clone(),
            Preprocess::ImageMinmax => {
                let min = images.amin(dims.as_slice(), true);
                let max = images.amax(dims.as_slice(), true);
                let range = &max - &min;
                // A constant image has range 0 and x - min = 0: divide by 1 instead, giving zeros.
                let range = range.where_self(&range.ne(0.0), &range.ones_like());
                (images - &min) / range
            }
            Preprocess::GcnL1Minmax | Preprocess::GcnL2Minmax => {
                let features: i64 = size[1..].iter().product();
                let mean = images.mean_dim(dims.as_slice(), true, Kind::Float);
                let constant = images
                    .amax(dims.as_slice(), true)
                    .eq_tensor(&images.amin(dims.as_slice(), true));
                let centred = images - &mean;
                let centred = centred.where_self(&constant.logical_not(), &centred.zeros_like());
                let scale = if self.kind == Preprocess::GcnL1Minmax {
                    centred.abs().mean_dim(dims.as_slice(), true, Kind::Float)
                } else {
                    centred
                        .square()
                        .sum_dim_intlist(dims.as_slice(), true, Kind::Float)
                        .sqrt()
                        / features as f64
                };
                let scale = scale.where_self(&constant.logical_not(), &scale.ones_like());
                centred / scale
            }
            Preprocess::ChannelMinmax => {
                let c = size[1] as usize;
                let (mean, sd) = (&self.stats.channel_mean, &self.stats.channel_sd);
                ensure!(
                    mean.len() == c && sd.len() == c,
                    "channel-minmax fitted on {} channel(s) cannot apply to images with {c}",
                    mean.len()
                );
                ensure!(
                    sd.iter().all(|s| s.is_finite() && *s > 0.0),
                    "channel-minmax with a non-positive standard deviation {sd:?}"
                );
                let as_tensor = |v: &[f64]| {
                    let v: Vec<f32> = v.iter().map(|x| *x as f32).collect();
                    Tensor::from_slice(&v)
                        .view([1, c as i64, 1, 1])
                        .to_device(images.device())
                };
                (images - as_tensor(mean)) / as_tensor(sd)
            }
        })
    }
}

/// The integration point of an experiment: fits `kind` on `split.train` alone (the images the
/// model trains on, after any threshold hold-out was taken out of them), then transforms
/// `split.train`, the `holdout` images (normal training images held out to choose thresholds)
/// and `split.test_images`, and records the fitted transform in `split.preprocessor`.
/// Refuses a split that was already preprocessed.
pub fn preprocess_split(
    split: &mut NormalClassSplit,
    kind: Preprocess,
    holdout: Option<&mut Tensor>,
) -> anyhow::Result<()> {
    ensure!(
        split.preprocessor.is_raw(),
        "the split was already preprocessed with {}",
        split.preprocessor.kind
    );
    if kind.is_raw() {
        return Ok(());
    }
    let fitted = fit(kind, &split.train).with_context(|| {
        format!(
            "fitting {kind} on the {} training images of class {}",
            split.dataset,
            split.class_name(split.normal_class)
        )
    })?;
    split.train = fitted.apply(&split.train)?;
    if let Some(holdout) = holdout {
        *holdout = fitted.apply(holdout)?;
    }
    split.test_images = fitted.apply(&split.test_images)?;
    split.preprocessor = fitted;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{self, DatasetKind, LoadedDataset, Provenance, RawImages};

    fn tensor(values: &[f32], shape: [i64; 4]) -> Tensor {
        Tensor::from_slice(values).view(shape)
    }

    fn values(t: &Tensor) -> Vec<f32> {
        Vec::<f32>::try_from(t.contiguous().view(-1)).unwrap()
    }

    fn assert_close(actual: &[f32], expected: &[f64]) {
        assert_eq!(actual.len(), expected.len(), "{actual:?} vs {expected:?}");
        for (a, e) in actual.iter().zip(expected) {
            assert!(
                (f64::from(*a) - e).abs() < 1e-6,
                "{actual:?} vs expected {expected:?}"
            );
        }
    }

    /// The 1×1×2×2 image [[0, 0.5], [0.5, 1]].
    fn square() -> Tensor {
        tensor(&[0.0, 0.5, 0.5, 1.0], [1, 1, 2, 2])
    }

    #[test]
    fn names_parse_and_print_in_kebab_case() {
        for kind in Preprocess::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{kind}\""));
            assert_eq!(serde_json::from_str::<Preprocess>(&json).unwrap(), kind);
            assert_eq!(
                <Preprocess as clap::ValueEnum>::from_str(kind.name(), false).unwrap(),
                kind
            );
        }
        assert_eq!(Preprocess::default(), Preprocess::Raw);
        // A raw preprocessor serialises as its kind alone and reads back from it.
        let raw = serde_json::to_string(&Preprocessor::raw()).unwrap();
        assert_eq!(raw, r#"{"kind":"raw"}"#);
        assert_eq!(
            serde_json::from_str::<Preprocessor>(&raw).unwrap(),
            Preprocessor::raw()
        );
    }

    #[test]
    fn a_raw_training_config_serialises_as_before_so_cell_ids_stay() {
        // Sweep cell ids and golden configs hash the serialised config: a raw config must not
        // gain a `preprocess` key. Round-trip the committed golden's training configs.
        let golden: serde_json::Value =
            serde_json::from_str(include_str!("../../golden/paper-cells-ci.json")).unwrap();
        let entries = golden["entries"].as_array().unwrap();
        assert!(!entries.is_empty());
        for entry in entries {
            let committed = &entry["config"]["train"];
            let parsed: crate::train::TrainConfig =
                serde_json::from_value(committed.clone()).unwrap();
            assert_eq!(parsed.preprocess, Preprocess::Raw);
            assert_eq!(&serde_json::to_value(&parsed).unwrap(), committed);
        }
        let mut config = crate::train::TrainConfig::default();
        assert!(serde_json::to_value(&config)
            .unwrap()
            .get("preprocess")
            .is_none());
        config.preprocess = Preprocess::GcnL1Minmax;
        let json = serde_json::to_value(&config).unwrap();
        assert_eq!(json["preprocess"], "gcn-l1-minmax");
        let back: crate::train::TrainConfig = serde_json::from_value(json).unwrap();
        assert_eq!(back, config);
    }

    #[test]
    fn raw_returns_its_input_bit_for_bit() {
        let images = tensor(&[0.1, 0.2, 0.3, 1.0 / 3.0], [1, 1, 2, 2]);
        let fitted = fit(Preprocess::Raw, &images).unwrap();
        assert_eq!(fitted, Preprocessor::raw());
        let out = fitted.apply(&images).unwrap();
        let (a, b) = (values(&images), values(&out));
        assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()));
        assert_eq!(
            out.data_ptr(),
            images.data_ptr(),
            "the same storage, no copy"
        );
    }

    #[test]
    fn image_minmax_stretches_each_image_by_its_own_range() {
        let images = tensor(&[0.0, 0.5, 0.5, 1.0, 0.2, 0.3, 0.4, 0.6], [2, 1, 2, 2]);
        let fitted = fit(Preprocess::ImageMinmax, &images).unwrap();
        assert_eq!(fitted.stats, PreprocessStats::default(), "nothing fitted");
        let out = fitted.apply(&images).unwrap();
        assert_close(&values(&out), &[0.0, 0.5, 0.5, 1.0, 0.0, 0.25, 0.5, 1.0]);
    }

    #[test]
    fn gcn_l1_minmax_matches_the_hand_computation() {
        // [[0, .5], [.5, 1]]: mean .5, centred [-.5, 0, 0, .5], mean |.| = .25 -> [-2, 0, 0, 2].
        // [[.2, .2], [.2, .6]]: mean .3, centred [-.1, -.1, -.1, .3], mean |.| = .15
        //   -> [-2/3, -2/3, -2/3, 2]. Training min -2, max 2.
        let train = tensor(&[0.0, 0.5, 0.5, 1.0, 0.2, 0.2, 0.2, 0.6], [2, 1, 2, 2]);
        let fitted = fit(Preprocess::GcnL1Minmax, &train).unwrap();
        assert_eq!(fitted.stats.fitted_on, 2);
        assert!((fitted.stats.min.unwrap() + 2.0).abs() < 1e-6);
        assert!((fitted.stats.max.unwrap() - 2.0).abs() < 1e-6);
        let out = fitted.apply(&train).unwrap();
        let third = (2.0 - 2.0 / 3.0) / 4.0; // (-2/3 - min) / (max - min) = 1/3
        assert_close(
            &values(&out),
            &[0.0, 0.5, 0.5, 1.0, third, third, third, 1.0],
        );
        let train_out = values(&out);
        assert!(train_out.iter().all(|v| (0.0..=1.0).contains(v)));
    }

    #[test]
    fn gcn_test_values_beyond_the_training_range_are_not_clamped() {
        // Training: one 1×1×1×8 image [0, 0, 0, 0, 1, 1, 1, 1]: centred ±.5, mean |.| = .5,
        // GCN ±1, so the fitted range is [-1, 1].
        let train = tensor(&[0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0], [1, 1, 1, 8]);
        let fitted = fit(Preprocess::GcnL1Minmax, &train).unwrap();
        assert_eq!(
            (fitted.stats.min, fitted.stats.max),
            (Some(-1.0), Some(1.0))
        );
        // Test [0 ×7, 1]: mean 1/8, centred [-1/8 ×7, 7/8], mean |.| = 14/64 = 7/32, GCN
        // [-4/7 ×7, 4]; min-max (v + 1) / 2: [3/14 ×7, 5/2] — above 1, kept (no clamping).
        let test = tensor(&[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0], [1, 1, 1, 8]);
        let out = values(&fitted.apply(&test).unwrap());
        let low = 3.0 / 14.0;
        assert_close(&out, &[low, low, low, low, low, low, low, 2.5]);
    }

    #[test]
    fn gcn_l2_minmax_matches_the_hand_computation() {
        // [[0, .5], [.5, 1]]: centred [-.5, 0, 0, .5], sqrt(sum sq) / 4 = sqrt(.5)/4, so the
        // values are ±.5·4/sqrt(.5) = ±2·sqrt(2) and 0; min-max maps them to 0, .5, 1.
        let train = square();
        let fitted = fit(Preprocess::GcnL2Minmax, &train).unwrap();
        let r = 2.0 * 2f64.sqrt();
        assert!((fitted.stats.min.unwrap() + r).abs() < 1e-5);
        assert!((fitted.stats.max.unwrap() - r).abs() < 1e-5);
        assert_close(
            &values(&fitted.apply(&train).unwrap()),
            &[0.0, 0.5, 0.5, 1.0],
        );
    }

    #[test]
    fn channel_minmax_matches_the_hand_computation() {
        // Two 1×2×1×2 images. Channel 0 pixels: 0, .5, .5, 1 -> mean .5, population sd
        //   sqrt((.25 + 0 + 0 + .25)/4) = sqrt(.125). Channel 1 pixels: .2, .2, .4, .4 -> mean .3,
        //   sd .1. Standardised: ch0 ±.5/sqrt(.125) = ±sqrt(2), 0; ch1 ±1.
        //   Global min -sqrt(2), max sqrt(2).
        let train = tensor(&[0.0, 0.5, 0.2, 0.2, 0.5, 1.0, 0.4, 0.4], [2, 2, 1, 2]);
        let fitted = fit(Preprocess::ChannelMinmax, &train).unwrap();
        let s = &fitted.stats;
        assert_eq!(s.fitted_on, 2);
        assert!((s.channel_mean[0] - 0.5).abs() < 1e-7 && (s.channel_mean[1] - 0.3).abs() < 1e-7);
        assert!((s.channel_sd[0] - 0.125f64.sqrt()).abs() < 1e-7);
        assert!((s.channel_sd[1] - 0.1).abs() < 1e-7);
        let r = 2f64.sqrt();
        assert!((s.min.unwrap() + r).abs() < 1e-5 && (s.max.unwrap() - r).abs() < 1e-5);
        let one = (1.0 + r) / (2.0 * r);
        let minus_one = (r - 1.0) / (2.0 * r);
        assert_close(
            &values(&fitted.apply(&train).unwrap()),
            &[0.0, 0.5, minus_one, minus_one, 0.5, 1.0, one, one],
        );
        // Applying to images of another channel count is refused.
        let grey = tensor(&[0.0, 1.0], [1, 1, 1, 2]);
        assert!(fitted.apply(&grey).is_err());
    }

    #[test]
    fn fitted_kinds_map_the_training_images_into_the_unit_interval_exactly() {
        let train = Tensor::rand([20, 3, 4, 4], (Kind::Float, tch::Device::Cpu));
        for kind in [
            Preprocess::ImageMinmax,
            Preprocess::GcnL1Minmax,
            Preprocess::GcnL2Minmax,
            Preprocess::ChannelMinmax,
        ] {
            let out = values(&fit(kind, &train).unwrap().apply(&train).unwrap());
            let (lo, hi) = out
                .iter()
                .fold((f32::MAX, f32::MIN), |(l, h), v| (l.min(*v), h.max(*v)));
            assert_eq!((lo, hi), (0.0, 1.0), "{kind}");
        }
    }

    #[test]
    fn constant_images_give_zeros_not_nan() {
        // 0.3 is not a power of two: the mean of a constant 0.3 image need not be exactly 0.3.
        let flat = Tensor::full([2, 3, 8, 8], 0.3, (Kind::Float, tch::Device::Cpu));
        let varied = Tensor::rand([4, 3, 8, 8], (Kind::Float, tch::Device::Cpu));
        let train = Tensor::cat(&[&varied, &flat], 0);
        for kind in Preprocess::ALL {
            let fitted = fit(kind, &train).unwrap();
            let out = fitted.apply(&flat).unwrap();
            let v = values(&out);
            assert!(v.iter().all(|x| x.is_finite()), "{kind}");
            match kind {
                Preprocess::ImageMinmax => assert!(v.iter().all(|x| *x == 0.0), "{kind}"),
                Preprocess::GcnL1Minmax | Preprocess::GcnL2Minmax => {
                    // GCN value 0 everywhere, mapped by the fitted min-max.
                    let (min, max) = (fitted.stats.min.unwrap(), fitted.stats.max.unwrap());
                    let zero = (-min / (max - min)) as f32;
                    assert!(v.iter().all(|x| (x - zero).abs() < 1e-6), "{kind}: {v:?}");
                }
                _ => {}
            }
        }
        // Degenerate training data is an error at fit time, not a division by zero.
        for kind in [
            Preprocess::GcnL1Minmax,
            Preprocess::GcnL2Minmax,
            Preprocess::ChannelMinmax,
        ] {
            let err = fit(kind, &flat).unwrap_err().to_string();
            assert!(err.contains("cannot fit"), "{kind}: {err}");
            let none = Tensor::zeros([0, 3, 8, 8], (Kind::Float, tch::Device::Cpu));
            assert!(fit(kind, &none).is_err(), "{kind}");
        }
    }

    #[test]
    fn a_fitted_preprocessor_round_trips_through_json_and_applies_identically() {
        let train = Tensor::rand([6, 3, 4, 4], (Kind::Float, tch::Device::Cpu));
        let test = Tensor::rand([3, 3, 4, 4], (Kind::Float, tch::Device::Cpu)) * 1.5 - 0.25;
        for kind in Preprocess::ALL {
            let fitted = fit(kind, &train).unwrap();
            let json = serde_json::to_string(&fitted).unwrap();
            let back: Preprocessor = serde_json::from_str(&json).unwrap();
            assert_eq!(back, fitted, "{kind}: {json}");
            let (a, b) = (
                values(&fitted.apply(&test).unwrap()),
                values(&back.apply(&test).unwrap()),
            );
            assert!(
                a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()),
                "{kind}"
            );
            assert!(a.iter().all(|x| x.is_finite()), "{kind}");
        }
        // A fitted kind without its numbers (e.g. a hand-edited sidecar) is refused.
        let bare = Preprocessor {
            kind: Preprocess::GcnL1Minmax,
            stats: PreprocessStats::default(),
        };
        assert!(bare.apply(&train).is_err());
    }

    /// A 1-channel 2×2 "dataset": `per_class` training images of each of classes 0..3, test images
    /// given as bytes.
    fn loaded(train_pixels: Vec<u8>, train_labels: Vec<u8>, test: RawImages) -> LoadedDataset {
        LoadedDataset {
            kind: DatasetKind::Mnist,
            train: RawImages {
                pixels: train_pixels,
                labels: train_labels,
            },
            test,
            provenance: Provenance {
                dataset: DatasetKind::Mnist,
                variant: "test".into(),
                checked: String::new(),
                files: Vec::new(),
            },
        }
    }

    /// MNIST-shaped byte images (28×28), image `i` of `n` a gradient with its own offset.
    fn images(n: usize, labels: &[u8], seed: u8) -> RawImages {
        let mut pixels = Vec::new();
        for i in 0..n {
            for p in 0..784usize {
                pixels.push(((p * 7 + i * 31 + seed as usize * 13) % 200) as u8);
            }
        }
        RawImages {
            pixels,
            labels: labels.iter().cycle().take(n).copied().collect(),
        }
    }

    #[test]
    fn statistics_never_see_test_images_or_other_classes() {
        let train = images(12, &[0, 1, 2], 0);
        let test = images(9, &[0, 1, 2], 1);
        // The same normal-class (1) training images; other classes' training images and every
        // test image replaced by extremes (black, white, a constant grey).
        let mut train_altered = train.clone();
        for (i, label) in train.labels.iter().enumerate() {
            if *label != 1 {
                let value = [0u8, 255, 77][i % 3];
                train_altered.pixels[i * 784..(i + 1) * 784].fill(value);
            }
        }
        let mut test_altered = test.clone();
        for (i, chunk) in test_altered.pixels.chunks_exact_mut(784).enumerate() {
            chunk.fill([0u8, 255, 77][i % 3]);
        }
        for kind in Preprocess::ALL {
            let mut a = data::split(
                loaded(train.pixels.clone(), train.labels.clone(), test.clone()),
                1,
            );
            let mut b = data::split(
                loaded(
                    train_altered.pixels.clone(),
                    train_altered.labels.clone(),
                    test_altered.clone(),
                ),
                1,
            );
            let mut holdout_a = a.train.narrow(0, 0, 1).copy();
            let mut holdout_b = Tensor::ones([1, 1, 28, 28], (Kind::Float, tch::Device::Cpu));
            preprocess_split(&mut a, kind, Some(&mut holdout_a)).unwrap();
            preprocess_split(&mut b, kind, Some(&mut holdout_b)).unwrap();
            assert_eq!(a.preprocessor, b.preprocessor, "{kind}");
            assert_eq!(a.preprocessor.kind, kind);
            if kind.is_fitted() {
                assert_eq!(a.preprocessor.stats.fitted_on, 4, "the 4 images of class 1");
            }
            // The transform was applied to train, test and holdout alike.
            let expected_test = a
                .preprocessor
                .apply(
                    &data::split(
                        loaded(train.pixels.clone(), train.labels.clone(), test.clone()),
                        1,
                    )
                    .test_images,
                )
                .unwrap();
            assert!(a.test_images.equal(&expected_test), "{kind}");
            // Preprocessing twice is refused.
            if !kind.is_raw() {
                assert!(preprocess_split(&mut a, kind, None).is_err());
            }
        }
    }

    #[test]
    fn raw_split_is_left_untouched() {
        let train = images(6, &[0, 1], 0);
        let test = images(4, &[0, 1], 1);
        let mut split = data::split(
            loaded(train.pixels.clone(), train.labels.clone(), test.clone()),
            1,
        );
        let before = (split.train.copy(), split.test_images.copy());
        preprocess_split(&mut split, Preprocess::Raw, None).unwrap();
        assert!(split.train.equal(&before.0) && split.test_images.equal(&before.1));
        assert!(split.preprocessor.is_raw());
    }
}
