//! What scoring is told and what it shares across a run's models: which scores, the threshold
//! choice, the held-out normal images, and the images' complexity.
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::time::Instant;
use tch::{Kind, Tensor};

use super::complexity;
use super::ScoreKind;
use crate::data::{DatasetKind, NormalClassSplit};
use crate::train;

/// Which scores a run computes and how its thresholds are chosen; recorded in the run's config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoringConfig {
    /// Always holds `mse`, the paper's score.
    pub scores: Vec<ScoreKind>,
    /// Share of the normal training images held out of training to choose the thresholds on
    /// (0: the thresholds are chosen on the training images themselves, in-sample).
    pub holdout_fraction: f64,
    /// Seed of the held-out selection (fixed across model seeds, so every model sees the same data).
    pub holdout_seed: u64,
    /// The false-positive rate the deployable thresholds aim at, on normal images.
    pub target_fpr: f64,
}

impl Default for ScoringConfig {
    fn default() -> Self {
        ScoringConfig {
            scores: vec![ScoreKind::Mse],
            holdout_fraction: 0.0,
            holdout_seed: 0,
            target_fpr: 0.05,
        }
    }
}

impl ScoringConfig {
    pub fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            (0.0..0.5).contains(&self.holdout_fraction),
            "--threshold-holdout {} must lie in [0, 0.5)",
            self.holdout_fraction
        );
        anyhow::ensure!(
            self.target_fpr > 0.0 && self.target_fpr < 1.0,
            "--target-fpr {} must lie strictly between 0 and 1",
            self.target_fpr
        );
        anyhow::ensure!(
            self.scores.contains(&ScoreKind::Mse),
            "the scores must include mse"
        );
        Ok(())
    }

    fn needs_complexity(&self) -> bool {
        self.scores.iter().any(|s| s.needs_complexity())
    }

    /// Appended to the data fingerprint of checkpoints: a held-out slice changes the training set.
    pub fn training_data_tag(&self) -> String {
        if self.holdout_fraction > 0.0 {
            format!(
                ";holdout {} seed {}",
                self.holdout_fraction, self.holdout_seed
            )
        } else {
            String::new()
        }
    }
}

/// What every model of a run shares: the held-out normal images and the images' complexity.
pub struct ScoringData {
    pub holdout: Option<Tensor>,
    pub train_complexity: Option<Vec<f64>>,
    pub holdout_complexity: Option<Vec<f64>>,
    pub test_complexity: Option<Vec<f64>>,
    pub complexity_seconds: Option<f64>,
}

/// `[N, C, H, W]` floats in [0, 1] back to their bytes.
pub fn tensor_bytes(images: &Tensor) -> anyhow::Result<Vec<u8>> {
    let bytes = (images.to_kind(Kind::Float) * 255.0)
        .round()
        .clamp(0.0, 255.0)
        .to_kind(Kind::Uint8)
        .contiguous()
        .flatten(0, -1);
    Ok(Vec::<u8>::try_from(bytes)?)
}

fn image_complexity(images: &Tensor, dataset: DatasetKind) -> anyhow::Result<Vec<f64>> {
    let [c, h, w] = dataset.image_shape();
    complexity::bits_per_dimension(&tensor_bytes(images)?, [c as usize, h as usize, w as usize])
}

impl ScoringData {
    /// Takes the held-out slice out of `split.train` (the kept images stay in their order) and
    /// computes the complexity of every image when a chosen score needs it.
    pub fn prepare(split: &mut NormalClassSplit, config: &ScoringConfig) -> anyhow::Result<Self> {
        let holdout = if config.holdout_fraction > 0.0 {
            let n = split.train.size()[0] as usize;
            let k = (n as f64 * config.holdout_fraction).round() as usize;
            anyhow::ensure!(
                k >= 1 && k < n,
                "--threshold-holdout {} of {n} normal training images leaves {k} held out and {} to train on",
                config.holdout_fraction,
                n - k
            );
            let mut rng = ChaCha8Rng::seed_from_u64(config.holdout_seed);
            let order = train::shuffled_indices(n, &mut rng);
            let mut kept = order[k..].to_vec();
            kept.sort_unstable();
            let mut held = order[..k].to_vec();
            held.sort_unstable();
            let held_out = split.train.index_select(0, &Tensor::from_slice(&held));
            split.train = split.train.index_select(0, &Tensor::from_slice(&kept));
            Some(held_out)
        } else {
            None
        };
        let mut data = ScoringData {
            holdout,
            train_complexity: None,
            holdout_complexity: None,
            test_complexity: None,
            complexity_seconds: None,
        };
        if config.needs_complexity() {
            let start = Instant::now();
            data.train_complexity = Some(image_complexity(&split.train, split.dataset)?);
            data.test_complexity = Some(image_complexity(&split.test_images, split.dataset)?);
            if let Some(h) = &data.holdout {
                data.holdout_complexity = Some(image_complexity(h, split.dataset)?);
            }
            data.complexity_seconds = Some(start.elapsed().as_secs_f64());
        }
        Ok(data)
    }

    pub fn holdout_len(&self) -> usize {
        self.holdout.as_ref().map_or(0, |h| h.size()[0] as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Provenance;

    fn split_of(n: i64) -> NormalClassSplit {
        NormalClassSplit {
            dataset: DatasetKind::Mnist,
            normal_class: 1,
            train: Tensor::arange(n, (Kind::Float, tch::Device::Cpu))
                .view([n, 1, 1, 1])
                .expand([n, 1, 28, 28], false)
                / 255.0,
            test_images: Tensor::zeros([0, 1, 28, 28], (Kind::Float, tch::Device::Cpu)),
            test_labels: Vec::new(),
            provenance: Provenance {
                dataset: DatasetKind::Mnist,
                variant: "test".into(),
                checked: String::new(),
                files: Vec::new(),
            },
            preprocessor: Default::default(),
        }
    }

    fn first_pixels(images: &Tensor) -> Vec<i64> {
        let v: Vec<f32> =
            Vec::try_from(images.select(1, 0).select(1, 0).select(1, 0) * 255.0).unwrap();
        v.iter().map(|x| x.round() as i64).collect()
    }

    #[test]
    fn no_holdout_leaves_the_training_set_alone() {
        let mut split = split_of(20);
        let data = ScoringData::prepare(&mut split, &ScoringConfig::default()).unwrap();
        assert!(data.holdout.is_none() && data.train_complexity.is_none());
        assert_eq!(first_pixels(&split.train), (0..20).collect::<Vec<_>>());
    }

    #[test]
    fn a_holdout_takes_a_disjoint_slice_and_keeps_the_order_of_the_rest() {
        let mut split = split_of(20);
        let config = ScoringConfig {
            holdout_fraction: 0.1,
            ..ScoringConfig::default()
        };
        let data = ScoringData::prepare(&mut split, &config).unwrap();
        let kept = first_pixels(&split.train);
        let held = first_pixels(data.holdout.as_ref().unwrap());
        assert_eq!((kept.len(), held.len()), (18, 2));
        assert!(kept.windows(2).all(|w| w[0] < w[1]));
        let mut all: Vec<i64> = kept.iter().chain(&held).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..20).collect::<Vec<_>>());
        let mut tiny = split_of(3);
        let err = ScoringData::prepare(&mut tiny, &config).err().unwrap();
        assert!(err.to_string().contains("leaves 0 held out"), "{err}");
    }

    #[test]
    fn only_a_holdout_changes_the_checkpoints_data_tag() {
        assert_eq!(ScoringConfig::default().training_data_tag(), "");
        let held = ScoringConfig {
            holdout_fraction: 0.1,
            ..ScoringConfig::default()
        };
        assert_eq!(held.training_data_tag(), ";holdout 0.1 seed 0");
    }

    #[test]
    fn scoring_config_names_bad_values() {
        let bad = ScoringConfig {
            target_fpr: 0.0,
            ..ScoringConfig::default()
        };
        assert!(bad
            .validate()
            .unwrap_err()
            .to_string()
            .contains("--target-fpr"));
        let bad = ScoringConfig {
            holdout_fraction: 0.7,
            ..ScoringConfig::default()
        };
        assert!(bad
            .validate()
            .unwrap_err()
            .to_string()
            .contains("--threshold-holdout"));
    }
}
