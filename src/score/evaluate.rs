//! Every chosen score of one trained model: the fits on the normal training images, the test
//! metrics per anomalous class and for all others, and a deployable threshold; then, across models
//! and seeds, the per-score summary and the paper's ranking claims under each score.

use std::time::Instant;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::complexity::ComplexityFit;
use super::fit::{self, ScoreFit};
pub use super::setup::{tensor_bytes, ScoringConfig, ScoringData};
use super::sidecar::{ScoringSidecar, SidecarThreshold};
pub use super::threshold::ThresholdSource;
use super::threshold::{self, F1Optimal, RatesAtThreshold};
use super::{model_outputs, ScoreKind};
use crate::data::one_class::{anomalous_classes, normal_vs, row_name};
use crate::data::NormalClassSplit;
use crate::metrics::class_rows::{self, ClassMetrics};
use crate::metrics::SummaryOptions;
use crate::model::ModelKind;
use crate::train::{TrainedModel, VaeLoss};

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

/// Per-class rows, then all others, of one score on the test set.
fn class_rows(
    split: &NormalClassSplit,
    scores: &[f64],
    options: &SummaryOptions,
) -> anyhow::Result<(Vec<ClassMetrics>, ClassMetrics)> {
    class_rows::class_rows(
        split.dataset,
        split.normal_class,
        &split.test_labels,
        scores,
        options,
    )
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
    for class in anomalous_classes(split.dataset, split.normal_class)
        .into_iter()
        .map(Some)
        .chain([None])
    {
        let (s, y) = normal_vs(test_scores, &split.test_labels, split.normal_class, class);
        test.push(threshold::rates_at(
            class,
            &row_name(split.dataset, class),
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
    pub mse: MseResult,
    pub report: ScoringReport,
    pub test_scores: TestScores,
    pub sidecar: ScoringSidecar,
}

/// The paper's score of one model: per-image test MSE, its metric rows, and the seconds it took.
pub struct MseResult {
    pub scores: Vec<f64>,
    pub per_class: Vec<ClassMetrics>,
    pub all_others: ClassMetrics,
    pub seconds: f64,
}

/// The run's choices that scoring reads.
#[derive(Debug, Clone, Copy)]
pub struct EvaluationSettings<'a> {
    pub scoring: &'a ScoringConfig,
    pub vae_loss: VaeLoss,
    pub metrics: &'a SummaryOptions,
    pub batch_size: i64,
}

/// The paper's MSE of every test image, checked finite, and its metric rows.
fn score_mse(
    model: &TrainedModel,
    seed: u64,
    split: &NormalClassSplit,
    settings: EvaluationSettings,
) -> anyhow::Result<MseResult> {
    let kind = model.kind;
    let start = Instant::now();
    let scores = super::reconstruction_errors(model, &split.test_images, settings.batch_size)?;
    let seconds = start.elapsed().as_secs_f64();
    if let Some(i) = scores.iter().position(|s| !s.is_finite()) {
        anyhow::bail!(
            "{kind} seed {seed}: the score of test image {i} is {} (diverged training?)",
            scores[i]
        );
    }
    let (per_class, all_others) = class_rows(split, &scores, settings.metrics)?;
    Ok(MseResult {
        scores,
        per_class,
        all_others,
        seconds,
    })
}

/// Every score in `settings.scoring` for one trained model, the paper's MSE first.
pub fn evaluate(
    model: &TrainedModel,
    seed: u64,
    split: &NormalClassSplit,
    data: &ScoringData,
    settings: EvaluationSettings,
) -> anyhow::Result<Evaluated> {
    let mse = score_mse(model, seed, split, settings)?;
    let EvaluationSettings {
        scoring: config,
        vae_loss,
        metrics: options,
        batch_size: batch,
    } = settings;
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
            (_, ScoreKind::Mse) | (None, _) => mse.scores.clone(),
            (Some(out), _) => fit::compute(score, out, &fit, data.test_complexity.as_deref())?,
        };
        if let Some(i) = scores.iter().position(|s| !s.is_finite()) {
            anyhow::bail!(
                "{kind} seed {seed}: {score} of test image {i} is {}",
                scores[i]
            );
        }
        let (per_class, all_others) = if score == ScoreKind::Mse {
            (mse.per_class.clone(), mse.all_others.clone())
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
        mse,
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
            binding: None,
            digest: None,
            preprocessor: split.preprocessor.clone(),
        },
    })
}
