//! `aerepro reproduce`: train, score and evaluate; the table beside the paper's, the record, figures.
use std::path::{Path, PathBuf};

use clap::Args;

use super::args::{DataDirArg, TrainingFlags};
use crate::data::DatasetKind;
use crate::device::DeviceChoice;
use crate::model::ModelKind;
use crate::report;
use crate::run::choice::{self, ChoiceKey, Variations};
use crate::run::config::{ExperimentConfig, TrainingChoices, MAX_SEEDS};
use crate::run::experiment::{self, RunOptions};
use crate::run::record::RunRecord;
use crate::score;
use crate::store::atomic::write_atomic;
use crate::store::layout;
use crate::sweep::seeds::{self, SeedsOptions};
use crate::sweep::summary::VariantVerdicts;

/// Seeds run by default: the fewest that give the claims an interval over seeds.
pub const DEFAULT_SEEDS: u64 = 3;
/// Cells run at once over several seeds, one libtorch thread each: the fastest on 2 cores
/// (docs/scale-out.md).
pub const DEFAULT_JOBS: usize = super::sweep::DEFAULT_JOBS;

/// Printed after a one-seed run.
pub const ONE_SEED_NOTE: &str = "1 seed: every claim judged over seeds stays unresolved; run \
     --seeds 3 (the default) for verdicts";

#[derive(Debug, Args)]
pub struct ReproduceArgs {
    #[arg(long, value_enum)]
    pub dataset: DatasetKind,
    /// Normal class, by index or name (default: the paper's, 1 for MNIST, dog for CIFAR-10).
    #[arg(long)]
    pub normal_class: Option<String>,
    /// Models to train, comma separated.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = ModelKind::ALL.to_vec())]
    pub models: Vec<ModelKind>,
    /// Run seeds 0..K (default 3) and judge the claims over them; two or more seeds run as cells
    /// in parallel processes (--jobs), one seed in this process.
    #[arg(long, conflicts_with = "seed")]
    pub seeds: Option<u64>,
    /// Run this one seed only (one seed cannot judge a claim over seeds).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Over several seeds: cells (one model of one seed) run at once, each its own process.
    #[arg(long, default_value_t = DEFAULT_JOBS)]
    pub jobs: usize,
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
    /// Output directory for record.json, checkpoints and figures (default runs/<dataset>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Continue an interrupted run: reuse verified checkpoints in --out made with the same config and data.
    #[arg(long)]
    pub resume: bool,
    /// Replace an earlier run in --out (its record, table, checkpoints and figures are removed).
    #[arg(long, conflicts_with = "resume")]
    pub force: bool,
    /// libtorch CPU threads: per process over several seeds (default 1), else for this process
    /// (default: libtorch's choice); recorded either way.
    #[arg(long)]
    pub threads: Option<i32>,
    #[command(flatten)]
    pub training: TrainingFlags,
    /// Run once per value of a choice the paper leaves open (repeatable; the product is run), each
    /// into OUT/<choice>-<value>/, and print the claims' verdicts under each (the sensitivity
    /// table, also in OUT/sensitivity.md). Keys as `sweep plan --vary`.
    #[arg(long, value_name = "KEY=V1,V2")]
    pub vary: Vec<String>,
    /// Rounds of the interleaved per-step timing after training (claim C6); 0 skips it.
    #[arg(long)]
    pub step_cost_rounds: Option<usize>,
    /// Anomaly scores to compute besides the paper's reconstruction MSE (always computed):
    /// mse, neg-elbo, kl (VAE), critic (AAE), latent-mahalanobis, complexity,
    /// complexity-corrected, or all; repeatable or comma separated.
    #[arg(long = "score", value_delimiter = ',')]
    pub scores: Vec<String>,
    /// Hold this share of the normal training images out of training and choose the thresholds
    /// on them (default 0: thresholds on the training images, and the paper's training set).
    #[arg(long)]
    pub threshold_holdout: Option<f64>,
    /// False-positive rate on normal images the recorded thresholds aim at.
    #[arg(long)]
    pub target_fpr: Option<f64>,
    /// Skip the figures.
    #[arg(long)]
    pub no_figures: bool,
    #[command(flatten)]
    pub data: DataDirArg,
    #[command(flatten)]
    pub tracking: crate::track::TrackingArgs,
}

fn experiment_config(
    args: &ReproduceArgs,
    training: &TrainingChoices,
) -> anyhow::Result<ExperimentConfig> {
    let mut config = training.experiment_config(args.dataset)?;
    if let Some(class) = &args.normal_class {
        config.normal_class = args.dataset.parse_class(class)?;
    }
    config.models = Vec::new();
    for kind in &args.models {
        if !config.models.contains(kind) {
            config.models.push(*kind);
        }
    }
    config.seeds = match (args.seeds, args.seed) {
        (Some(0), _) => anyhow::bail!(
            "--seeds must be at least 1, got 0 (the claims are judged over {DEFAULT_SEEDS} seeds by default)"
        ),
        (Some(k), _) if k > MAX_SEEDS as u64 => {
            anyhow::bail!("--seeds must be at most {}, got {k}", MAX_SEEDS)
        }
        (Some(k), _) => (0..k).collect(),
        (None, Some(s)) => vec![s],
        (None, None) => (0..DEFAULT_SEEDS).collect(),
    };
    if args.jobs == 0 {
        anyhow::bail!("--jobs must be at least 1, got 0");
    }
    config.train.threads = args.threads;
    if let Some(rounds) = args.step_cost_rounds {
        config.step_cost.rounds = rounds;
    }
    config.scoring.scores = score::parse_score_list(&args.scores)?;
    if let Some(fraction) = args.threshold_holdout {
        config.scoring.holdout_fraction = fraction;
    }
    if let Some(fpr) = args.target_fpr {
        config.scoring.target_fpr = fpr;
    }
    config.validate()?;
    Ok(config)
}

/// `--out` must be a directory or not exist yet (it is created).
fn check_out_dir(out: &Path) -> anyhow::Result<()> {
    match std::fs::metadata(out) {
        Ok(meta) if !meta.is_dir() => {
            anyhow::bail!("--out {} is a file, not a directory", out.display())
        }
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(anyhow::Error::new(e).context(format!("--out {}", out.display()))),
    }
}

pub fn run(args: ReproduceArgs) -> anyhow::Result<()> {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("runs").join(args.dataset.slug()));
    check_out_dir(&out)?;
    let training = TrainingChoices::from(args.training.clone());
    if args.vary.is_empty() {
        return run_one(&args, &training, &out).map(|_| ());
    }
    let mut variations = Variations::new();
    for text in &args.vary {
        choice::add_variation(&mut variations, text)?;
    }
    let combinations = choice::combinations(&training, &variations)?;
    let configs = combinations
        .iter()
        .map(|c| experiment_config(&args, c))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let keys: Vec<ChoiceKey> = variations.keys().copied().collect();
    let mut verdicts = Vec::new();
    for (training, config) in combinations.iter().zip(&configs) {
        let choices = choice::choices_of(keys.iter().copied(), config);
        out!("== {} ==", choice::label(&choices));
        let record = run_one(&args, training, &out.join(choice::slug(&choices)))?;
        verdicts.push(VariantVerdicts {
            dataset: record.config.dataset,
            choices,
            seeds: record.config.seeds.clone(),
            claims: record.claims,
        });
    }
    let table = report::sensitivity::render(&keys, &verdicts);
    write_atomic(&out.join(layout::SENSITIVITY), table.as_bytes())?;
    out!("{table}");
    out!(
        "sensitivity table: {}",
        out.join(layout::SENSITIVITY).display()
    );
    Ok(())
}

/// One experiment with `training` into `out`: trained, tabled, drawn, published, printed.
fn run_one(
    args: &ReproduceArgs,
    training: &TrainingChoices,
    out: &Path,
) -> anyhow::Result<RunRecord> {
    let config = experiment_config(args, training)?;
    let device = args.device.resolve()?;
    let out = out.to_path_buf();
    let data_dir = args.data.resolve();
    let outcome = if config.seeds.len() == 1 {
        experiment::run(
            &config,
            &RunOptions {
                out_dir: &out,
                data_dir: &data_dir,
                device,
                resume: args.resume,
                force: args.force,
                show_progress: true,
            },
        )?
    } else {
        seeds::run(
            &config,
            training,
            &SeedsOptions {
                out_dir: &out,
                data_dir: &data_dir,
                device: args.device,
                jobs: args.jobs,
                threads_per_job: args
                    .threads
                    .unwrap_or(super::sweep::DEFAULT_THREADS_PER_JOB),
                resume: args.resume,
                force: args.force,
                show_progress: true,
                load_first_seed: !args.no_figures,
            },
        )?
    };
    // Every file is written before anything is printed, so a closed stdout cannot skip one.
    let table = report::table::render(&outcome.record) + &report::scores::render(&outcome.record);
    write_atomic(&out.join(layout::TABLE), table.as_bytes())?;
    let figures = if args.no_figures {
        None
    } else {
        let mut written = report::figures::write_all(&out, &outcome.split, &outcome.first_seed)?;
        written.extend(report::complexity_figure::write_all(
            &out,
            &outcome.split,
            &outcome.first_seed_scores,
            &outcome.scoring_data,
        )?);
        Some(written)
    };
    crate::track::publish(&outcome.record, &out, &args.tracking);
    out!("{table}");
    if let Some(written) = figures {
        out!(
            "figures: {} files in {}",
            written.len(),
            out.join(layout::FIGURES).display()
        );
    }
    out!("record: {}", out.join(layout::RECORD).display());
    if config.seeds.len() == 1 {
        out!("{ONE_SEED_NOTE}");
    }
    Ok(outcome.record)
}
