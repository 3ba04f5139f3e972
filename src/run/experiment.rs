//! One experiment: train each model type on the normal class, score every test image, and compute
//! normal-vs-class metrics, for one or more seeds; the run record and the claim verdicts.
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use tch::Device;

use super::config::ExperimentConfig;
use super::environment::Environment;
use super::record::{self, ModelRun, RunRecord};
use super::step_cost;
use super::summary::{claim_inputs, summarize_runs};
use crate::claims;
use crate::data::{self, NormalClassSplit, Provenance};
use crate::metrics::class_rows::{self, PairedComparison};
use crate::model::ModelKind;
use crate::score::evaluate::{self as scoring};
use crate::score::sidecar::{self, Binding};
use crate::score::{ScoringData, TestScores};
use crate::store::atomic::write_json_atomic;
use crate::store::checkpoint;
use crate::store::layout;
use crate::store::lock::DirLock;
use crate::store::run_dir;
use crate::train::{self, TrainedModel};

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

fn checkpoint_path(
    out_dir: &Path,
    config: &ExperimentConfig,
    kind: ModelKind,
    seed: u64,
) -> PathBuf {
    out_dir.join(layout::CHECKPOINTS).join(format!(
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
    if options.resume && (path.exists() || crate::store::layout::weights_sidecar(&path).exists()) {
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
    let evaluated = scoring::evaluate(&model, seed, split, scoring_data, config.evaluation())?;
    for note in &evaluated.report.skipped {
        eprintln!("note: {note}");
    }
    let binding = Binding {
        seed,
        weights_sha256: checkpoint::verify(&path)?.weights_sha256,
    };
    sidecar::save(&path, &evaluated.sidecar, binding)
        .with_context(|| format!("saving the scoring sidecar of {}", path.display()))?;
    let mse = evaluated.mse;
    let run = ModelRun {
        kind,
        seed,
        seconds_per_epoch: report.total_seconds / report.epochs.len().max(1) as f64,
        train: report,
        score_seconds: mse.seconds,
        resumed,
        checkpoint: path.display().to_string(),
        per_class: mse.per_class,
        all_others: mse.all_others,
        scoring: Some(evaluated.report),
    };
    Ok((
        run,
        Scored {
            kind,
            seed,
            scores: mse.scores,
            model,
        },
        evaluated.test_scores,
    ))
}

/// Paired DeLong tests between the models of one seed.
pub fn paired_tests(
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
    class_rows::paired_tests(
        split.dataset,
        split.normal_class,
        &split.test_labels,
        first.seed,
        &scores,
    )
}

/// `--resume` continues the run in `out_dir`, never another one: a record there whose experiment
/// (everything but its models, seeds and thread count) differs is refused, naming the difference. A
/// record that cannot be read (damaged by a crash) is left to the resume, which rewrites it.
fn refuse_another_experiment(config: &ExperimentConfig, out_dir: &Path) -> anyhow::Result<()> {
    let path = out_dir.join(layout::RECORD);
    let Some(earlier) = std::fs::read_to_string(&path)
        .ok()
        .and_then(|text| record::parse_record(&text).ok())
    else {
        return Ok(());
    };
    let differences = earlier.config.setup().differences(&config.setup());
    if !differences.is_empty() {
        bail!(
            "--resume: {} holds a run of another experiment ({}); resume it with its own \
             settings, pass --force to replace it, or choose another --out",
            out_dir.display(),
            differences.join(", ")
        );
    }
    Ok(())
}

/// Runs the experiment, writing `record.json` in `out_dir` after every finished model (so an
/// interrupted run keeps what it finished; `complete` is false until the end).
pub fn run(config: &ExperimentConfig, options: &RunOptions) -> anyhow::Result<Outcome> {
    config.validate()?;
    let started = Instant::now();
    let _lock = DirLock::acquire(options.out_dir)?;
    if options.resume {
        refuse_another_experiment(config, options.out_dir)?;
    }
    run_dir::prepare(options.out_dir, options.resume, options.force)?;
    if let Some(threads) = config.train.threads {
        tch::set_num_threads(threads);
    }
    let mut split = data::load_split(config.dataset, options.data_dir, config.normal_class)?;
    let mut scoring_data = ScoringData::prepare(&mut split, &config.scoring)?;
    if split.train.size()[0] == 0 {
        bail!(
            "no training images of class {} in {}",
            config.normal_class,
            config.dataset
        );
    }
    data::preprocess::preprocess_split(
        &mut split,
        config.train.preprocess,
        scoring_data.holdout.as_mut(),
    )?;
    let record_path = options.out_dir.join(layout::RECORD);
    let mut record = RunRecord {
        schema_version: record::SCHEMA_VERSION,
        environment: Environment::capture(),
        device: format!("{:?}", options.device),
        config: config.clone(),
        data: split.provenance.clone(),
        preprocessor: split.preprocessor.clone(),
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
            write_json_atomic(&record_path, &record)?;
            this_seed.push((scored, test_scores));
        }
        let (scored, test_scores): (Vec<Scored>, Vec<_>) = this_seed.into_iter().unzip();
        record.paired_tests.extend(paired_tests(&split, &scored)?);
        if seed_index == 0 {
            first_seed = scored;
            first_seed_scores = test_scores;
        }
    }
    finish_record(&mut record, &split, &scoring_data, options.device)?;
    record.wall_seconds = started.elapsed().as_secs_f64();
    write_json_atomic(&record_path, &record)?;
    Ok(Outcome {
        record,
        split,
        first_seed,
        first_seed_scores,
        scoring_data,
    })
}

/// Completes a record whose model runs, summary and paired tests are in: the interleaved step costs
/// (all three models and `config.step_cost.rounds` > 0), the claims (the paper's normal class and
/// all three models), the per-score summaries; `complete` set. `split` is the training split as
/// scoring prepared it.
pub fn finish_record(
    record: &mut RunRecord,
    split: &NormalClassSplit,
    scoring_data: &ScoringData,
    device: Device,
) -> anyhow::Result<()> {
    let config = &record.config;
    let all_models = ModelKind::ALL.iter().all(|k| config.models.contains(k));
    if all_models && config.step_cost.rounds > 0 {
        record.step_costs = Some(
            step_cost::measure_step_costs(
                config.dataset,
                &split.train,
                &config.train_config(config.seeds[0]),
                device,
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
    let paper_class = config.normal_class == config.dataset.paper_normal_class();
    if paper_class && all_models {
        record.claims = claims::evaluate(config.dataset, &inputs);
    }
    record.scoring = Some(super::score_summary::summarize_run(
        &record.runs,
        config.dataset,
        paper_class,
        scoring_data,
        &config.scoring,
    ));
    record.complete = true;
    Ok(())
}
