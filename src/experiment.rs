//! One experiment: train each model type on the normal class, score every test image, and compute
//! normal-vs-class metrics, for one or more seeds; the run record and the claim verdicts.
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use tch::Device;

use crate::claims::{self, ClaimInputs, SeedInputs};
use crate::data::{self, DatasetKind, NormalClassSplit, Provenance};
use crate::lock::DirLock;
use crate::metrics::{self, MetricsSummary, SummaryOptions};
use crate::model::ModelKind;
use crate::record::{
    self, ClassMetrics, Environment, MeanSd, ModelRun, PairedComparison, RunRecord, SummaryRow,
};
use crate::score::evaluate as scoring;
use crate::score::{ScoringConfig, ScoringData, TestScores};
use crate::step_cost::{self, StepCostOptions, StepCosts};
use crate::train::{self, TrainConfig, TrainedModel};
use crate::{checkpoint, run_dir, score};

/// How long to train. The paper gives no epoch count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Budget {
    /// Minutes on 2 CPU cores: enough epochs for the MSE to flatten on MNIST and for the CIFAR-10
    /// colour statistics to be learned (docs/reproduction.md, "Budgets").
    Ci,
    /// Our stand-in for the paper's full training (its times suggest long runs on a GPU).
    Paper,
}

impl Budget {
    pub fn epochs(self, dataset: DatasetKind) -> usize {
        match (self, dataset) {
            (Budget::Ci, DatasetKind::Mnist) => 10,
            (Budget::Ci, DatasetKind::Cifar10) => 10,
            (Budget::Paper, DatasetKind::Mnist) => 50,
            (Budget::Paper, DatasetKind::Cifar10) => 100,
        }
    }
}

/// Upper bounds of the numeric settings: far above any sensible run, low enough that a typo fails at
/// once instead of aborting inside libtorch or allocating without end.
pub const MAX_EPOCHS: usize = 100_000;
pub const MAX_SEEDS: usize = 1_000;
pub const MAX_THREADS: i32 = 1_024;
pub const MAX_STEP_COST_ROUNDS: usize = 10_000;

/// Everything that defines an experiment; recorded verbatim in the run record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentConfig {
    pub dataset: DatasetKind,
    pub normal_class: u8,
    pub models: Vec<ModelKind>,
    pub seeds: Vec<u64>,
    pub budget: Budget,
    /// The training template; `epochs` and `seed` are set per run from this config.
    pub train: TrainConfig,
    pub score_batch_size: i64,
    pub metrics: SummaryOptions,
    /// The interleaved per-step timing after training (claim C6).
    #[serde(default)]
    pub step_cost: StepCostOptions,
    /// The scores computed besides the paper's MSE, and how thresholds are chosen.
    #[serde(default)]
    pub scoring: ScoringConfig,
}

impl ExperimentConfig {
    /// The paper's setup for `dataset` with our defaults.
    pub fn new(dataset: DatasetKind, budget: Budget) -> Self {
        let train = TrainConfig {
            epochs: budget.epochs(dataset),
            ..TrainConfig::default()
        };
        ExperimentConfig {
            dataset,
            normal_class: dataset.paper_normal_class(),
            models: ModelKind::ALL.to_vec(),
            seeds: vec![0],
            budget,
            train,
            score_batch_size: 500,
            metrics: SummaryOptions::default(),
            step_cost: StepCostOptions::default(),
            scoring: ScoringConfig::default(),
        }
    }

    fn train_config(&self, seed: u64) -> TrainConfig {
        TrainConfig {
            seed,
            ..self.train.clone()
        }
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        let classes = self.dataset.class_names().len();
        if self.normal_class as usize >= classes {
            bail!(
                "normal class {} is not a {} class (0..{classes})",
                self.normal_class,
                self.dataset
            );
        }
        if self.models.is_empty() {
            bail!("no models selected");
        }
        if self.seeds.is_empty() {
            bail!("no seeds selected");
        }
        if self.train.epochs == 0 {
            bail!("epochs must be at least 1");
        }
        self.scoring.validate()?;
        if self.train.epochs > MAX_EPOCHS {
            bail!(
                "epochs must be at most {MAX_EPOCHS}, got {}",
                self.train.epochs
            );
        }
        if self.seeds.len() > MAX_SEEDS {
            bail!("at most {MAX_SEEDS} seeds, got {}", self.seeds.len());
        }
        if let Some(threads) = self.train.threads {
            if !(1..=MAX_THREADS).contains(&threads) {
                bail!("threads must be between 1 and {MAX_THREADS}, got {threads}");
            }
        }
        let beta = self.train.vae.beta;
        if !(beta.is_finite() && beta >= 0.0) {
            bail!("beta (the VAE's KL weight) must be a finite number >= 0, got {beta}");
        }
        let lr = self.train.learning_rate;
        if !(lr.is_finite() && lr > 0.0) {
            bail!("learning rate must be a finite number > 0, got {lr}");
        }
        if self.train.batch_size < 1 || self.score_batch_size < 1 {
            bail!(
                "batch sizes must be at least 1, got {} (training) and {} (scoring)",
                self.train.batch_size,
                self.score_batch_size
            );
        }
        if self.step_cost.rounds > MAX_STEP_COST_ROUNDS {
            bail!(
                "step-cost rounds must be at most {MAX_STEP_COST_ROUNDS}, got {}",
                self.step_cost.rounds
            );
        }
        Ok(())
    }
}

/// Scores of the test images by one model, kept in memory for paired tests and figures.
pub struct Scored {
    pub kind: ModelKind,
    pub seed: u64,
    pub scores: Vec<f64>,
    pub model: TrainedModel,
}

/// What a finished experiment hands to the report: the record and the first seed's models/scores.
pub struct Outcome {
    pub record: RunRecord,
    pub split: NormalClassSplit,
    pub first_seed: Vec<Scored>,
    /// Every computed score of the first seed's models, per test image.
    pub first_seed_scores: Vec<TestScores>,
    pub scoring_data: ScoringData,
}

pub struct RunOptions<'a> {
    pub out_dir: &'a Path,
    pub data_dir: &'a Path,
    pub device: Device,
    /// Reuse the verified checkpoints in `out_dir` that match the config and data.
    pub resume: bool,
    /// Replace a previous run in `out_dir` (without `resume` or `force`, a previous run is refused).
    pub force: bool,
    pub show_progress: bool,
}

/// Scores and labels (anomaly = true) of the normal test images and those of `class` (all non-normal
/// classes for `None`).
pub fn normal_vs(
    scores: &[f64],
    test_labels: &[u8],
    normal: u8,
    class: Option<u8>,
) -> (Vec<f64>, Vec<bool>) {
    scores
        .iter()
        .zip(test_labels)
        .filter(|(_, l)| **l == normal || class.is_none_or(|c| **l == c))
        .map(|(s, l)| (*s, *l != normal))
        .unzip()
}

fn class_metrics(
    split: &NormalClassSplit,
    scores: &[f64],
    class: Option<u8>,
    options: &SummaryOptions,
) -> anyhow::Result<ClassMetrics> {
    let (s, y) = normal_vs(scores, &split.test_labels, split.normal_class, class);
    let name = class.map_or("all others".to_string(), |c| {
        split.class_name(c).to_string()
    });
    let metrics = metrics::summarize(&s, &y, options)
        .with_context(|| format!("metrics of normal vs {name}"))?;
    Ok(ClassMetrics {
        class,
        name,
        metrics,
    })
}

fn anomalous_classes(split: &NormalClassSplit) -> Vec<u8> {
    (0..split.dataset.class_names().len() as u8)
        .filter(|c| *c != split.normal_class)
        .collect()
}

fn checkpoint_path(
    out_dir: &Path,
    config: &ExperimentConfig,
    kind: ModelKind,
    seed: u64,
) -> PathBuf {
    out_dir.join(run_dir::CHECKPOINTS).join(format!(
        "{}-normal{}-{}-seed{seed}.safetensors",
        config.dataset.slug(),
        config.normal_class,
        kind.slug()
    ))
}

fn data_fingerprint(provenance: &Provenance) -> String {
    provenance
        .files
        .iter()
        .map(|f| f.sha256.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Trains (or, with `resume`, reloads a matching checkpoint of) one model.
fn train_or_resume(
    config: &ExperimentConfig,
    split: &NormalClassSplit,
    kind: ModelKind,
    seed: u64,
    options: &RunOptions,
) -> anyhow::Result<(TrainedModel, bool, PathBuf)> {
    let train_config = config.train_config(seed);
    let path = checkpoint_path(options.out_dir, config, kind, seed);
    let fingerprint = data_fingerprint(&split.provenance) + &config.scoring.training_data_tag();
    if options.resume && (path.exists() || checkpoint::sidecar_path(&path).exists()) {
        match checkpoint::load(&path, options.device) {
            Ok(loaded) => {
                let matches = loaded.sidecar.data_hash == fingerprint
                    && loaded.model.kind == kind
                    && loaded.model.dataset == split.dataset
                    && loaded
                        .model
                        .report
                        .as_ref()
                        .is_some_and(|r| r.config == train_config);
                if matches {
                    eprintln!("resumed {kind} seed {seed} from {}", path.display());
                    return Ok((loaded.model, true, path));
                }
                eprintln!(
                    "checkpoint {} was made with another model, config or data; retraining",
                    path.display()
                );
            }
            Err(e) => eprintln!("WARNING: unusable checkpoint: {e}; retraining {kind} seed {seed}"),
        }
    }
    let progress = options.show_progress.then(|| train::progress_bar(0));
    let trained = train::train_model(
        kind,
        split.dataset,
        &split.train,
        &train_config,
        options.device,
        progress.as_ref(),
    )?;
    if let Some(pb) = progress {
        pb.finish_and_clear();
    }
    checkpoint::save(&trained, &path, &fingerprint)
        .with_context(|| format!("saving checkpoint {}", path.display()))?;
    Ok((trained, false, path))
}

fn run_model(
    config: &ExperimentConfig,
    split: &NormalClassSplit,
    kind: ModelKind,
    seed: u64,
    scoring_data: &ScoringData,
    options: &RunOptions,
) -> anyhow::Result<(ModelRun, Scored, TestScores)> {
    let (model, resumed, path) = train_or_resume(config, split, kind, seed, options)?;
    let report = model
        .report
        .clone()
        .context("trained model without a training report")?;
    let start = Instant::now();
    let scores = score::reconstruction_errors(&model, &split.test_images, config.score_batch_size)?;
    let score_seconds = start.elapsed().as_secs_f64();
    if let Some(i) = scores.iter().position(|s| !s.is_finite()) {
        bail!(
            "{kind} seed {seed}: the score of test image {i} is {} (diverged training?)",
            scores[i]
        );
    }
    let per_class = anomalous_classes(split)
        .into_iter()
        .map(|c| class_metrics(split, &scores, Some(c), &config.metrics))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let all_others = class_metrics(split, &scores, None, &config.metrics)?;
    let evaluated = scoring::evaluate(
        &model,
        seed,
        split,
        scoring_data,
        scoring::MseResult {
            scores: &scores,
            per_class: &per_class,
            all_others: &all_others,
        },
        &config.scoring,
        config.train.vae.loss,
        &config.metrics,
        config.score_batch_size,
    )?;
    for note in &evaluated.report.skipped {
        eprintln!("note: {note}");
    }
    score::sidecar::save(&path, &evaluated.sidecar)
        .with_context(|| format!("saving the scoring sidecar of {}", path.display()))?;
    let run = ModelRun {
        kind,
        seed,
        seconds_per_epoch: report.total_seconds / report.epochs.len().max(1) as f64,
        train: report,
        score_seconds,
        resumed,
        checkpoint: path.display().to_string(),
        per_class,
        all_others,
        scoring: Some(evaluated.report),
    };
    Ok((
        run,
        Scored {
            kind,
            seed,
            scores,
            model,
        },
        evaluated.test_scores,
    ))
}

/// One record from several of one experiment's runs (e.g. a sweep's cells of one normal class):
/// their model runs together, the models and seeds in first-seen order, the summary over seeds
/// recomputed. Refuses records of different datasets, normal classes or training setups.
pub fn combine_records(records: Vec<RunRecord>) -> anyhow::Result<RunRecord> {
    let mut records = records.into_iter();
    let mut combined = records.next().context("no run records to combine")?;
    let setup = |r: &RunRecord| {
        let mut c = r.config.clone();
        c.models.clear();
        c.seeds.clear();
        c.train.threads = None;
        c
    };
    for record in records {
        if setup(&record) != setup(&combined) {
            bail!("run records of different experiments cannot be combined");
        }
        for kind in &record.config.models {
            if !combined.config.models.contains(kind) {
                combined.config.models.push(*kind);
            }
        }
        for seed in &record.config.seeds {
            if !combined.config.seeds.contains(seed) {
                combined.config.seeds.push(*seed);
            }
        }
        combined.runs.extend(record.runs);
        combined.wall_seconds += record.wall_seconds;
    }
    combined.config.models.sort();
    combined.config.seeds.sort();
    combined.summary = summarize_runs(&combined.runs);
    Ok(combined)
}

fn summarize_runs(runs: &[ModelRun]) -> Vec<SummaryRow> {
    let mut kinds: Vec<ModelKind> = runs.iter().map(|r| r.kind).collect();
    kinds.sort();
    kinds.dedup();
    kinds
        .into_iter()
        .flat_map(|kind| {
            let seeds: Vec<(&[ClassMetrics], &ClassMetrics)> = runs
                .iter()
                .filter(|r| r.kind == kind)
                .map(|r| (r.per_class.as_slice(), &r.all_others))
                .collect();
            seed_summary_rows(kind, &seeds)
        })
        .collect()
}

/// The across-seed rows of one model — its per-class rows, then "all others" — from each seed's
/// (per-class metrics, all-others metrics).
pub fn seed_summary_rows(
    kind: ModelKind,
    seeds: &[(&[ClassMetrics], &ClassMetrics)],
) -> Vec<SummaryRow> {
    let Some((first_per_class, _)) = seeds.first() else {
        return Vec::new();
    };
    fn row_of<'a>(seed: &(&'a [ClassMetrics], &'a ClassMetrics), i: usize) -> &'a ClassMetrics {
        seed.0.get(i).unwrap_or(seed.1)
    }
    (0..first_per_class.len() + 1)
        .map(|i| {
            let row = row_of(&seeds[0], i);
            let values = |f: fn(&MetricsSummary) -> f64| -> MeanSd {
                MeanSd::of(
                    &seeds
                        .iter()
                        .map(|s| f(&row_of(s, i).metrics))
                        .collect::<Vec<_>>(),
                )
            };
            SummaryRow {
                kind,
                class: row.class,
                name: row.name.clone(),
                roc_auc: values(|m| m.roc_auc),
                average_precision: values(|m| m.average_precision),
                pr_auc_trapezoid: values(|m| m.pr_auc_trapezoid),
            }
        })
        .collect()
}

fn paired_tests(
    split: &NormalClassSplit,
    scored: &[Scored],
) -> anyhow::Result<Vec<PairedComparison>> {
    let Some(first) = scored.first() else {
        return Ok(Vec::new());
    };
    let scores: Vec<(ModelKind, &[f64])> = scored
        .iter()
        .map(|s| (s.kind, s.scores.as_slice()))
        .collect();
    paired_tests_of(
        &split.test_labels,
        split.normal_class,
        &anomalous_classes(split),
        first.seed,
        &scores,
    )
}

/// One-sided paired DeLong tests of every ordered pair of models on every class in `classes`, from
/// one seed's per-test-image `scores` (each in test-set order, labelled by `test_labels`).
pub fn paired_tests_of(
    test_labels: &[u8],
    normal_class: u8,
    classes: &[u8],
    seed: u64,
    scores: &[(ModelKind, &[f64])],
) -> anyhow::Result<Vec<PairedComparison>> {
    let mut out = Vec::new();
    for &class in classes {
        for (a, scores_a) in scores {
            for (b, scores_b) in scores.iter().filter(|(b, _)| b != a) {
                let (sa, labels) = normal_vs(scores_a, test_labels, normal_class, Some(class));
                let (sb, _) = normal_vs(scores_b, test_labels, normal_class, Some(class));
                let test = metrics::delong_paired_test(&sa, &sb, &labels)
                    .with_context(|| format!("paired DeLong test {a} vs {b}, class {class}"))?;
                out.push(PairedComparison {
                    seed,
                    class,
                    better: *a,
                    worse: *b,
                    difference: test.difference,
                    z: test.z,
                    p_value: test.p_value,
                });
            }
        }
    }
    Ok(out)
}

/// What the claims read from a run: every seed's per-class ROC-AUCs and paired tests (seeds in the
/// order they ran), and the interleaved step costs.
pub fn claim_inputs(
    runs: &[ModelRun],
    paired: &[PairedComparison],
    step_costs: Option<&StepCosts>,
) -> ClaimInputs {
    let mut inputs = ClaimInputs::default();
    let mut seed_inputs = |seed: u64| -> usize {
        match inputs.seeds.iter().position(|s| s.seed == seed) {
            Some(i) => i,
            None => {
                inputs.seeds.push(SeedInputs {
                    seed,
                    ..SeedInputs::default()
                });
                inputs.seeds.len() - 1
            }
        }
    };
    let mut at = Vec::new();
    for run in runs {
        at.push(seed_inputs(run.seed));
    }
    for (run, i) in runs.iter().zip(at) {
        for row in &run.per_class {
            if let Some(class) = row.class {
                inputs.seeds[i]
                    .roc_auc
                    .insert((run.kind, class), row.metrics.roc_auc);
            }
        }
    }
    for p in paired {
        if let Some(seed) = inputs.seeds.iter_mut().find(|s| s.seed == p.seed) {
            seed.paired_p
                .insert((p.class, p.better, p.worse), p.p_value);
        }
    }
    if let Some(relative) = step_costs.and_then(StepCosts::relative_to_cae) {
        inputs.relative_step_cost = relative;
    }
    if let Some(costs) = step_costs {
        inputs.step_cost_rounds = costs.rounds.clone();
    }
    inputs
}

/// Runs the experiment, writing `record.json` in `out_dir` after every finished model (so an
/// interrupted run keeps what it finished; `complete` is false until the end).
pub fn run(config: &ExperimentConfig, options: &RunOptions) -> anyhow::Result<Outcome> {
    config.validate()?;
    let started = Instant::now();
    let _lock = DirLock::acquire(options.out_dir)?;
    run_dir::prepare(options.out_dir, options.resume, options.force)?;
    if let Some(threads) = config.train.threads {
        tch::set_num_threads(threads);
    }
    let mut split = data::load_split(config.dataset, options.data_dir, config.normal_class)?;
    let scoring_data = ScoringData::prepare(&mut split, &config.scoring)?;
    if split.train.size()[0] == 0 {
        bail!(
            "no training images of class {} in {}",
            config.normal_class,
            config.dataset
        );
    }
    let record_path = options.out_dir.join(run_dir::RECORD);
    let mut record = RunRecord {
        schema_version: record::SCHEMA_VERSION,
        environment: Environment::capture(),
        device: format!("{:?}", options.device),
        config: config.clone(),
        data: split.provenance.clone(),
        runs: Vec::new(),
        summary: Vec::new(),
        paired_tests: Vec::new(),
        step_costs: None,
        claims: Vec::new(),
        scoring: None,
        complete: false,
        wall_seconds: 0.0,
    };
    let mut first_seed = Vec::new();
    let mut first_seed_scores = Vec::new();
    for (seed_index, seed) in config.seeds.iter().enumerate() {
        let mut this_seed = Vec::new();
        for kind in &config.models {
            let (run, scored, test_scores) =
                run_model(config, &split, *kind, *seed, &scoring_data, options)?;
            record.runs.push(run);
            record.summary = summarize_runs(&record.runs);
            record.wall_seconds = started.elapsed().as_secs_f64();
            record::write_json_atomic(&record_path, &record)?;
            this_seed.push((scored, test_scores));
        }
        let (scored, test_scores): (Vec<Scored>, Vec<_>) = this_seed.into_iter().unzip();
        record.paired_tests.extend(paired_tests(&split, &scored)?);
        if seed_index == 0 {
            first_seed = scored;
            first_seed_scores = test_scores;
        }
    }
    let all_models = ModelKind::ALL.iter().all(|k| config.models.contains(k));
    if all_models && config.step_cost.rounds > 0 {
        record.step_costs = Some(
            step_cost::measure_step_costs(
                config.dataset,
                &split.train,
                &config.train_config(config.seeds[0]),
                options.device,
                config.step_cost,
            )
            .context("timing training steps")?,
        );
    }
    let inputs = claim_inputs(
        &record.runs,
        &record.paired_tests,
        record.step_costs.as_ref(),
    );
    let paper_setup = config.normal_class == config.dataset.paper_normal_class() && all_models;
    if paper_setup {
        record.claims = claims::evaluate(config.dataset, &inputs);
    }
    record.scoring = Some(scoring::summarize_run(
        &record.runs,
        config.dataset,
        config.normal_class == config.dataset.paper_normal_class(),
        &scoring_data,
        &config.scoring,
    ));
    record.complete = true;
    record.wall_seconds = started.elapsed().as_secs_f64();
    record::write_json_atomic(&record_path, &record)?;
    Ok(Outcome {
        record,
        split,
        first_seed,
        first_seed_scores,
        scoring_data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_vs_selects_normal_and_one_class_with_anomaly_positive() {
        let scores = [0.1, 0.2, 0.3, 0.4, 0.5];
        let labels = [1, 7, 1, 3, 7];
        let (s, y) = normal_vs(&scores, &labels, 1, Some(7));
        assert_eq!(s, [0.1, 0.2, 0.3, 0.5]);
        assert_eq!(y, [false, true, false, true]);
        let (s, y) = normal_vs(&scores, &labels, 1, None);
        assert_eq!(s.len(), 5);
        assert_eq!(y, [false, true, false, true, true]);
    }
}
