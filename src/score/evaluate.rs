//! Every chosen score of one trained model: the fits on the normal training images, the test
//! metrics per anomalous class and for all others, and a deployable threshold; then, across models
//! and seeds, the per-score summary and the paper's ranking claims under each score.

use std::time::Instant;

use anyhow::Context;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use super::complexity::{self, ComplexityFit};
use super::fit::{self, ScoreFit};
use super::sidecar::{ScoringSidecar, SidecarThreshold};
use super::threshold::{self, F1Optimal, RatesAtThreshold};
use super::{model_outputs, ScoreKind};
use crate::claims::{self, ClaimInputs, ClaimVerdict, SeedInputs};
use crate::data::{DatasetKind, NormalClassSplit};
use crate::experiment::normal_vs;
use crate::metrics::{self, SummaryOptions};
use crate::model::ModelKind;
use crate::record::{ClassMetrics, ModelRun, SummaryRow};
use crate::train::{self, TrainedModel, VaeLoss};

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

/// Where a threshold was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThresholdSource {
    /// Normal training images held out of training.
    HeldOut,
    /// The normal training images the model was trained on: reconstructed better than unseen normal
    /// images, so the threshold is low and the test false-positive rate above the target.
    TrainingInSample,
}

/// A threshold chosen on normal images at a target false-positive rate, and what it does on test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeployedThreshold {
    pub threshold: f64,
    pub target_fpr: f64,
    pub fitted_on: ThresholdSource,
    /// Normal images it was chosen on, and the share of them it flags.
    pub reference_images: usize,
    pub reference_fpr: f64,
    /// Achieved rates on the test set: one row per anomalous class, then all others.
    pub test: Vec<RatesAtThreshold>,
    /// For reference only: the F1-optimal threshold on the test set (all others), which a
    /// deployment cannot know.
    pub f1_optimal_on_test: F1Optimal,
}

/// One score of one model: the same metrics as the paper's score, and its threshold.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScoreResult {
    pub score: ScoreKind,
    pub per_class: Vec<ClassMetrics>,
    pub all_others: ClassMetrics,
    pub threshold: DeployedThreshold,
}

/// The parts of [`ScoreFit`] worth reading in a record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitSummary {
    pub decoder_variance: Option<f64>,
    pub mahalanobis_shrinkage: Option<f64>,
    pub complexity: Option<ComplexityFit>,
    pub fit_images: usize,
}

/// Every score of one model run (a field of the run record's model entry).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScoringReport {
    pub fit: FitSummary,
    pub results: Vec<ScoreResult>,
    /// Scores that do not apply to this model, with the reason.
    pub skipped: Vec<String>,
    /// Seconds of the scoring beyond the paper's MSE: the passes over the training, held-out and
    /// test images, the fits, the metrics and thresholds (not the run's complexity computation).
    pub seconds: f64,
}

/// Per-image test scores of one model, for figures.
pub struct TestScores {
    pub kind: ModelKind,
    pub seed: u64,
    pub scores: Vec<(ScoreKind, Vec<f64>)>,
}

impl TestScores {
    pub fn get(&self, score: ScoreKind) -> Option<&[f64]> {
        self.scores
            .iter()
            .find(|(s, _)| *s == score)
            .map(|(_, v)| v.as_slice())
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

fn anomalous_classes(split: &NormalClassSplit) -> Vec<u8> {
    (0..split.dataset.class_names().len() as u8)
        .filter(|c| *c != split.normal_class)
        .collect()
}

fn row_name(split: &NormalClassSplit, class: Option<u8>) -> String {
    class.map_or("all others".to_string(), |c| {
        split.class_name(c).to_string()
    })
}

/// Per-class rows, then all others, of one score on the test set.
fn class_rows(
    split: &NormalClassSplit,
    scores: &[f64],
    options: &SummaryOptions,
) -> anyhow::Result<(Vec<ClassMetrics>, ClassMetrics)> {
    let row = |class: Option<u8>| -> anyhow::Result<ClassMetrics> {
        let (s, y) = normal_vs(scores, &split.test_labels, split.normal_class, class);
        let name = row_name(split, class);
        let metrics = metrics::summarize(&s, &y, options)
            .with_context(|| format!("metrics of normal vs {name}"))?;
        Ok(ClassMetrics {
            class,
            name,
            metrics,
        })
    };
    let per_class = anomalous_classes(split)
        .into_iter()
        .map(|c| row(Some(c)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok((per_class, row(None)?))
}

fn deployed_threshold(
    split: &NormalClassSplit,
    test_scores: &[f64],
    reference: &[f64],
    fitted_on: ThresholdSource,
    target_fpr: f64,
) -> anyhow::Result<DeployedThreshold> {
    let value = threshold::threshold_at_normal_fpr(reference, target_fpr)?;
    let mut test = Vec::new();
    for class in anomalous_classes(split).into_iter().map(Some).chain([None]) {
        let (s, y) = normal_vs(test_scores, &split.test_labels, split.normal_class, class);
        test.push(threshold::rates_at(
            class,
            &row_name(split, class),
            &s,
            &y,
            value,
        )?);
    }
    let (s, y) = normal_vs(test_scores, &split.test_labels, split.normal_class, None);
    Ok(DeployedThreshold {
        threshold: value,
        target_fpr,
        fitted_on,
        reference_images: reference.len(),
        reference_fpr: threshold::flagged_fraction(reference, value),
        test,
        f1_optimal_on_test: threshold::f1_optimal(&s, &y)?,
    })
}

/// What [`evaluate`] hands back: the record entry, the per-image test scores and the sidecar.
pub struct Evaluated {
    pub report: ScoringReport,
    pub test_scores: TestScores,
    pub sidecar: ScoringSidecar,
}

/// The paper's score of one model as the experiment already computed it: per-image test MSE and
/// its metric rows.
pub struct MseResult<'a> {
    pub scores: &'a [f64],
    pub per_class: &'a [ClassMetrics],
    pub all_others: &'a ClassMetrics,
}

/// Every score in `config` for one trained model.
#[allow(clippy::too_many_arguments)]
pub fn evaluate(
    model: &TrainedModel,
    seed: u64,
    split: &NormalClassSplit,
    data: &ScoringData,
    mse: MseResult,
    config: &ScoringConfig,
    vae_loss: VaeLoss,
    options: &SummaryOptions,
    batch: i64,
) -> anyhow::Result<Evaluated> {
    let start = Instant::now();
    let kind = model.kind;
    let [c, h, w] = split.dataset.image_shape();
    let pixels = (c * h * w) as usize;
    let train_out = model_outputs(model, &split.train, batch)?;
    let fit: ScoreFit = fit::fit(
        kind,
        vae_loss,
        pixels,
        &train_out,
        data.train_complexity.as_deref(),
        config.scores.contains(&ScoreKind::LatentMahalanobis),
    )
    .with_context(|| format!("{kind}: fitting the scores on the normal training images"))?;
    let only_mse = config.scores.iter().all(|s| *s == ScoreKind::Mse);
    let test_out = if only_mse {
        None
    } else {
        Some(model_outputs(model, &split.test_images, batch)?)
    };
    let (reference_out, reference_complexity, fitted_on) = match &data.holdout {
        Some(images) => (
            model_outputs(model, images, batch)?,
            data.holdout_complexity.as_deref(),
            ThresholdSource::HeldOut,
        ),
        None => (
            train_out.clone(),
            data.train_complexity.as_deref(),
            ThresholdSource::TrainingInSample,
        ),
    };
    let mut results = Vec::new();
    let mut skipped = Vec::new();
    let mut test_scores = Vec::new();
    let mut thresholds = Vec::new();
    for &score in &config.scores {
        if let Err(reason) = score.applies_to(kind) {
            skipped.push(reason);
            continue;
        }
        let scores = match (&test_out, score) {
            (_, ScoreKind::Mse) | (None, _) => mse.scores.to_vec(),
            (Some(out), _) => fit::compute(score, out, &fit, data.test_complexity.as_deref())?,
        };
        if let Some(i) = scores.iter().position(|s| !s.is_finite()) {
            anyhow::bail!(
                "{kind} seed {seed}: {score} of test image {i} is {}",
                scores[i]
            );
        }
        let (per_class, all_others) = if score == ScoreKind::Mse {
            (mse.per_class.to_vec(), mse.all_others.clone())
        } else {
            class_rows(split, &scores, options).with_context(|| format!("{kind} {score}"))?
        };
        let reference = fit::compute(score, &reference_out, &fit, reference_complexity)?;
        let threshold =
            deployed_threshold(split, &scores, &reference, fitted_on, config.target_fpr)
                .with_context(|| format!("{kind} {score}: threshold"))?;
        thresholds.push(SidecarThreshold {
            score,
            threshold: threshold.threshold,
            target_fpr: config.target_fpr,
            fitted_on,
        });
        results.push(ScoreResult {
            score,
            per_class,
            all_others,
            threshold,
        });
        test_scores.push((score, scores));
    }
    let report = ScoringReport {
        fit: FitSummary {
            decoder_variance: fit.decoder_variance,
            mahalanobis_shrinkage: fit.mahalanobis.as_ref().map(|m| m.shrinkage),
            complexity: fit.complexity,
            fit_images: train_out.len(),
        },
        results,
        skipped,
        seconds: start.elapsed().as_secs_f64(),
    };
    Ok(Evaluated {
        report,
        test_scores: TestScores {
            kind,
            seed,
            scores: test_scores,
        },
        sidecar: ScoringSidecar {
            kind,
            dataset: split.dataset,
            normal_class: split.normal_class,
            fit,
            thresholds,
            preprocessor: split.preprocessor.clone(),
        },
    })
}

/// One score across a run's models and seeds: summary rows (as the paper's score has) and the
/// ranking claims under it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScoreSummary {
    pub score: ScoreKind,
    /// The models the score applies to.
    pub models: Vec<ModelKind>,
    pub summary: Vec<SummaryRow>,
    /// The paper's ranking claims evaluated under this score (paper's normal class only): MNIST C1
    /// (and C2 when CAE and AAE both have the score), CIFAR-10 C3, C4, C7.
    pub claims: Vec<ClaimVerdict>,
}

/// The run-level part of the scoring (a field of the run record).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunScoring {
    /// Seconds spent on the PNG complexity of all images (once per run), when computed.
    pub complexity_seconds: Option<f64>,
    /// Normal training images held out for the thresholds (0: thresholds in-sample).
    pub holdout_images: usize,
    pub per_score: Vec<ScoreSummary>,
}

fn score_rows(runs: &[&ModelRun], score: ScoreKind) -> Vec<SummaryRow> {
    let mut rows = Vec::new();
    let mut kinds: Vec<ModelKind> = runs.iter().map(|r| r.kind).collect();
    kinds.sort();
    kinds.dedup();
    for kind in kinds {
        let results: Vec<&ScoreResult> = runs
            .iter()
            .filter(|r| r.kind == kind)
            .filter_map(|r| r.scoring.as_ref())
            .filter_map(|s| s.results.iter().find(|x| x.score == score))
            .collect();
        let seeds: Vec<(&[ClassMetrics], &ClassMetrics)> = results
            .iter()
            .map(|r| (r.per_class.as_slice(), &r.all_others))
            .collect();
        rows.extend(crate::experiment::seed_summary_rows(kind, &seeds));
    }
    rows
}

/// The ROC-AUC claims judged over seeds on `score`'s per-seed, per-class ROC-AUCs.
fn score_claims(
    dataset: DatasetKind,
    models: &[ModelKind],
    runs: &[&ModelRun],
    score: ScoreKind,
) -> Vec<ClaimVerdict> {
    let mut inputs = ClaimInputs::default();
    for run in runs {
        let Some(result) = run
            .scoring
            .as_ref()
            .and_then(|s| s.results.iter().find(|x| x.score == score))
        else {
            continue;
        };
        let at = match inputs.seeds.iter().position(|s| s.seed == run.seed) {
            Some(i) => i,
            None => {
                inputs.seeds.push(SeedInputs {
                    seed: run.seed,
                    ..SeedInputs::default()
                });
                inputs.seeds.len() - 1
            }
        };
        for row in &result.per_class {
            if let Some(class) = row.class {
                inputs.seeds[at]
                    .roc_auc
                    .insert((run.kind, class), row.metrics.roc_auc);
            }
        }
    }
    match dataset {
        DatasetKind::Mnist => {
            let mut verdicts = vec![claims::c1_mnist_all_high(&inputs)];
            if models.contains(&ModelKind::Cae) && models.contains(&ModelKind::Aae) {
                verdicts.push(claims::c2_mnist_hardest_classes(&inputs));
            }
            verdicts
        }
        DatasetKind::Cifar10 => vec![
            claims::c3_cifar_vehicles_best(&inputs),
            claims::c4_cifar_animals_worst(&inputs),
            claims::c7_cifar_moderate(&inputs),
        ],
    }
}

/// Per-score summaries and claims of a finished run.
pub fn summarize_run(
    runs: &[ModelRun],
    dataset: DatasetKind,
    paper_setup: bool,
    data: &ScoringData,
    config: &ScoringConfig,
) -> RunScoring {
    let all: Vec<&ModelRun> = runs.iter().collect();
    let per_score = config
        .scores
        .iter()
        .filter_map(|&score| {
            let summary = score_rows(&all, score);
            let mut models: Vec<ModelKind> = summary.iter().map(|r| r.kind).collect();
            models.dedup();
            (!summary.is_empty()).then(|| ScoreSummary {
                score,
                claims: if paper_setup {
                    score_claims(dataset, &models, &all, score)
                } else {
                    Vec::new()
                },
                models,
                summary,
            })
        })
        .collect();
    RunScoring {
        complexity_seconds: data.complexity_seconds,
        holdout_images: data.holdout_len(),
        per_score,
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
