//! The command line: `info`, `reproduce`, `score`, `metrics`, `report cost`.
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};
use serde::{Deserialize, Serialize};

use crate::data::{self, DatasetKind};
use crate::device::DeviceChoice;
use crate::experiment::{self, Budget, ExperimentConfig, RunOptions};
use crate::metrics::{self, SummaryOptions};
use crate::model::{ActivationLayout, CriticOutput, ModelKind, WeightInit};
use crate::record::{self, Completeness, Environment};
use crate::report;
use crate::run_dir;
use crate::score::{self, command::ScoreRequest};
use crate::train::VaeLoss;

/// `println!` that returns an error instead of panicking when stdout is closed (`aerepro … | head`).
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write;
        writeln!(std::io::stdout().lock(), $($arg)*)?
    }};
}

#[derive(Debug, Parser)]
#[command(
    name = "aerepro",
    version,
    about = "Reproduce and audit CAE/VAE/AAE anomaly detection (Tables 5-6)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Versions, device, threads, and which datasets are present and verified.
    Info(DataDirArg),
    /// Train, score and evaluate on a dataset; print the table beside the paper's; write record + figures.
    Reproduce(ReproduceArgs),
    /// Score your own images with a saved model: per-image scores, anomaly flags at the run's
    /// thresholds, reconstructions and error maps as PNGs.
    Score(ScoreArgs),
    /// ROC-AUC, average precision, PR-AUC and confidence intervals of a `score,label` CSV file.
    Metrics(MetricsArgs),
    /// Reports over a finished run record.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Compare a run or sweep directory with a golden file, value by value; non-zero exit on drift
    /// or on a changed claim verdict (docs/audit.md).
    Audit(AuditArgs),
    /// Write a golden file (per-seed, per-class ROC-AUC and AP, config, environment, verdicts) from
    /// a run or sweep directory.
    Golden(GoldenArgs),
    /// The README's and docs' tables, rendered from committed results.
    #[command(subcommand)]
    Docs(crate::docs::command::DocsCommand),
    /// Sweeps over normal classes × models × seeds: plan, run locally or on Slurm, merge.
    #[command(subcommand)]
    Sweep(crate::sweep::command::SweepCommand),
}

#[derive(Debug, Args)]
pub struct DataDirArg {
    /// Dataset directory (default: $AEREPRO_DATA_DIR, else ./data).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

impl DataDirArg {
    pub fn resolve(&self) -> PathBuf {
        self.data_dir.clone().unwrap_or_else(data::default_data_dir)
    }
}

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
    /// Run seeds 0..K and report mean ± sd across them.
    #[arg(long, conflicts_with = "seed")]
    pub seeds: Option<u64>,
    /// Run this one seed (default 0).
    #[arg(long)]
    pub seed: Option<u64>,
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
    /// libtorch CPU threads (default: libtorch's choice; recorded either way).
    #[arg(long)]
    pub threads: Option<i32>,
    #[command(flatten)]
    pub training: TrainingFlags,
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

/// The training choices shared by `reproduce` and `sweep plan` (also the `[training]` table of a
/// sweep's TOML config). Unset values take the budget's or the library's defaults.
#[derive(Debug, Clone, Default, PartialEq, Args, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingFlags {
    /// ci (default): minutes on 2 CPU cores; paper: the long run.
    #[arg(long, value_enum)]
    pub budget: Option<Budget>,
    /// Epochs per model (default: from --budget).
    #[arg(long)]
    pub epochs: Option<usize>,
    #[arg(long, value_enum)]
    pub init: Option<WeightInit>,
    #[arg(long, value_enum)]
    pub vae_loss: Option<VaeLoss>,
    /// Weight β of the VAE's KL term.
    #[arg(long)]
    pub beta: Option<f64>,
    #[arg(long, value_enum)]
    pub critic_output: Option<CriticOutput>,
    /// Memory order of the conv activations (a speed choice; results agree up to rounding).
    #[arg(long, value_enum)]
    pub layout: Option<ActivationLayout>,
}

impl TrainingFlags {
    /// The paper's setup for `dataset` with these choices applied (and checked).
    pub fn experiment_config(&self, dataset: DatasetKind) -> anyhow::Result<ExperimentConfig> {
        let mut config = ExperimentConfig::new(dataset, self.budget.unwrap_or(Budget::Ci));
        if let Some(epochs) = self.epochs {
            config.train.epochs = epochs;
        }
        if let Some(init) = self.init {
            config.train.model.init = init;
        }
        if let Some(critic) = self.critic_output {
            config.train.model.critic_output = critic;
        }
        if let Some(layout) = self.layout {
            config.train.model.layout = layout;
        }
        if let Some(loss) = self.vae_loss {
            config.train.vae.loss = loss;
        }
        if let Some(beta) = self.beta {
            config.train.vae.beta = beta;
        }
        config.validate()?;
        Ok(config)
    }
}

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// A checkpoint (`*.safetensors`, with its `.json` and `.scoring.json` beside it), or a run
    /// directory whose checkpoints/ holds them (then every model's, see --models).
    #[arg(long)]
    pub checkpoint: PathBuf,
    /// PNG or JPEG files (converted to the model's grey or RGB; the model's size: 28x28 MNIST,
    /// 32x32 CIFAR-10), or an IDX image file or a CIFAR-10 binary batch.
    #[arg(required = true)]
    pub images: Vec<PathBuf>,
    /// Only the checkpoints of these models, comma separated.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub models: Vec<ModelKind>,
    /// Scores to print (as in reproduce; default mse).
    #[arg(long = "score", value_delimiter = ',')]
    pub scores: Vec<String>,
    /// Where the reconstructions and error maps go.
    #[arg(long, default_value = "aerepro-score")]
    pub out: PathBuf,
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
}

#[derive(Debug, Args)]
pub struct MetricsArgs {
    /// CSV file with header `score,label`.
    #[arg(long)]
    pub scores: PathBuf,
    /// Label value of the positive (anomalous) class.
    #[arg(long, default_value = "1")]
    pub positive_label: String,
    /// Bootstrap resamples for the average-precision interval.
    #[arg(long, default_value_t = 1000)]
    pub bootstrap: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// A run directory, a sweep directory, or a directory of those (with --rerun: where to rerun).
    pub source: PathBuf,
    /// The golden file to compare with.
    #[arg(long)]
    pub golden: PathBuf,
    /// First run the golden's configurations (every model and seed) into SOURCE, on the CPU.
    #[arg(long)]
    pub rerun: bool,
    /// Compare only the golden's entries present in SOURCE (a spot check of some cells).
    #[arg(long)]
    pub partial: bool,
    #[command(flatten)]
    pub data: DataDirArg,
}

#[derive(Debug, Args)]
pub struct GoldenArgs {
    /// A run directory, a sweep directory, or a directory of those.
    pub source: PathBuf,
    /// The golden file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// For records made on this machine before CPU features were recorded: take this machine's
    /// (noted in the golden file), so that reruns here are compared exactly.
    #[arg(long)]
    pub cpu_features_from_this_machine: bool,
    /// Keep only the paper's cells (MNIST normal 1, CIFAR-10 normal dog).
    #[arg(long)]
    pub paper_cells: bool,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Mean ROC-AUC against training seconds per model: a table and a PNG plot.
    Cost {
        /// Run records: record.json files, run directories, or sweep directories (every finished
        /// cell), averaged per dataset and model.
        #[arg(required = true)]
        records: Vec<PathBuf>,
        /// Where to write the plot (default: cost.png beside the first record).
        #[arg(long)]
        png: Option<PathBuf>,
    },
    /// ROC-AUC under every score of a run, the claims under each, thresholds and cost, as Markdown.
    Scores {
        /// A record.json written by `reproduce --score ...`, or its run directory.
        record: PathBuf,
        /// Also write these numbers as a score-table result JSON (e.g. results/scores/cifar10.json;
        /// `aerepro docs render` renders it beside itself).
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// One self-contained HTML file (no script, nothing from the network) of run directories,
    /// sweep directories or results/paper files; two sources are also compared side by side.
    Html {
        #[arg(required = true)]
        sources: Vec<PathBuf>,
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Audit(args) => audit(&args),
        Command::Golden(args) => {
            let options = crate::audit::golden::WriteOptions {
                paper_cells_only: args.paper_cells,
                cpu_features_from_this_machine: args.cpu_features_from_this_machine,
            };
            let golden = crate::audit::golden::write(&args.source, &args.out, options)?;
            out!(
                "golden: {} entries, verdicts of {} group(s), written to {}",
                golden.entries.len(),
                golden.verdicts.len(),
                args.out.display()
            );
            for group in &golden.verdicts {
                out!(
                    "\n{} {}, seeds {:?}:",
                    group.dataset,
                    group.dataset.class_names()[group.normal_class as usize],
                    group.seeds
                );
                for claim in &group.claims {
                    out!("  {} {}: {}", claim.id, claim.verdict, claim.measured);
                    if let Some(evidence) = &claim.evidence {
                        out!("     {}", report::table::evidence_line(evidence));
                    }
                }
            }
            Ok(())
        }
        Command::Info(args) => info(&args),
        Command::Docs(command) => crate::docs::command::run(command),
        Command::Reproduce(args) => reproduce(args),
        Command::Score(args) => score_images(args),
        Command::Sweep(command) => crate::sweep::command::run(command),
        Command::Metrics(args) => {
            let options = SummaryOptions {
                bootstrap_resamples: args.bootstrap,
                seed: args.seed,
                ..SummaryOptions::default()
            };
            let summary = metrics::summarize_csv(&args.scores, &args.positive_label, &options)?;
            out!("{}", serde_json::to_string_pretty(&summary)?);
            Ok(())
        }
        Command::Report(ReportCommand::Cost { records, png }) => {
            let mut read = Vec::new();
            for given in &records {
                for path in record::record_paths(given)? {
                    let loaded = record::read_record(&path, Completeness::WarnIfIncomplete)?;
                    read.push((path.display().to_string(), loaded));
                }
            }
            let png = png.unwrap_or_else(|| PathBuf::from(&read[0].0).with_file_name("cost.png"));
            let (table, _) = crate::cost::cost_report(&read, &png)?;
            out!("{table}\nplot: {}", png.display());
            Ok(())
        }
        Command::Report(ReportCommand::Html { sources, out }) => {
            let bytes = crate::html::write(&sources, &out)?;
            out!("wrote {} ({bytes} bytes)", out.display());
            Ok(())
        }
        Command::Report(ReportCommand::Scores { record, json }) => {
            let path = if record.is_dir() {
                record.join(run_dir::RECORD)
            } else {
                record
            };
            let loaded = record::read_record(&path, Completeness::Required)?;
            let results = score::results::ScoreTableResults::from_record(&loaded)?;
            if let Some(json) = json {
                let mut text = serde_json::to_string_pretty(&results)?;
                text.push('\n');
                record::write_atomic(&json, text.as_bytes())?;
            }
            out!("{}", score::results::render(&results));
            Ok(())
        }
    }
}

fn audit(args: &AuditArgs) -> anyhow::Result<()> {
    let golden = crate::audit::golden::read(&args.golden)?;
    if args.rerun {
        crate::audit::rerun(&golden, &args.source, &args.data.resolve())?;
    }
    let now = crate::audit::golden::collect(&args.source)?;
    let report = crate::audit::audit(&golden, &now, args.partial);
    out!("{}", crate::audit::render(&report));
    if !report.passed() {
        anyhow::bail!(
            "{} differs from the golden file {} (table above)",
            args.source.display(),
            args.golden.display()
        );
    }
    Ok(())
}

fn info(args: &DataDirArg) -> anyhow::Result<()> {
    let env = Environment::capture();
    out!(
        "aerepro {} (commit {})",
        env.aerepro_version,
        env.git_commit
            .as_deref()
            .unwrap_or("unknown: not built from a git checkout")
    );
    out!(
        "tch {}, libtorch {} ({} wheel set)",
        env.tch_version,
        env.libtorch_version,
        env.libtorch_variant
    );
    out!(
        "CUDA available: {} ({} device(s)); CPU threads: {}",
        env.cuda_available,
        env.cuda_device_count,
        env.threads
    );
    let dir = args.resolve();
    out!("data dir: {}", dir.display());
    let mut unavailable = Vec::new();
    for kind in [DatasetKind::Mnist, DatasetKind::Cifar10] {
        match data::load(kind, &dir) {
            Ok(loaded) => out!(
                "  {kind}: {} ({} variant; {} train, {} test images; checked: {})",
                if loaded.provenance.is_verified() {
                    "verified"
                } else {
                    "UNVERIFIED"
                },
                loaded.provenance.variant,
                loaded.train.len(),
                loaded.test.len(),
                loaded.provenance.checked
            ),
            Err(e) => {
                out!("  {kind}: NOT AVAILABLE: {e}");
                unavailable.push(kind.to_string());
            }
        }
    }
    if !unavailable.is_empty() {
        anyhow::bail!("not available: {}", unavailable.join(", "));
    }
    Ok(())
}

fn experiment_config(args: &ReproduceArgs) -> anyhow::Result<ExperimentConfig> {
    let mut config = args.training.experiment_config(args.dataset)?;
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
        (Some(k), _) if k > experiment::MAX_SEEDS as u64 => {
            anyhow::bail!("--seeds must be at most {}, got {k}", experiment::MAX_SEEDS)
        }
        (Some(k), _) => (0..k).collect(),
        (None, Some(s)) => vec![s],
        (None, None) => vec![0],
    };
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

fn reproduce(args: ReproduceArgs) -> anyhow::Result<()> {
    let config = experiment_config(&args)?;
    let device = args.device.resolve()?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("runs").join(args.dataset.slug()));
    check_out_dir(&out)?;
    let data_dir = args.data.resolve();
    let options = RunOptions {
        out_dir: &out,
        data_dir: &data_dir,
        device,
        resume: args.resume,
        force: args.force,
        show_progress: true,
    };
    let outcome = experiment::run(&config, &options)?;
    // Every file is written before anything is printed, so a closed stdout cannot skip one.
    let table = report::table::render(&outcome.record) + &report::scores::render(&outcome.record);
    record::write_atomic(&out.join(run_dir::TABLE), table.as_bytes())?;
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
            out.join(run_dir::FIGURES).display()
        );
    }
    out!("record: {}", out.join(run_dir::RECORD).display());
    Ok(())
}

fn score_images(args: ScoreArgs) -> anyhow::Result<()> {
    let request = ScoreRequest {
        checkpoint: args.checkpoint,
        images: args.images,
        models: args.models,
        scores: score::parse_score_list(&args.scores)?,
        out: args.out,
        device: args.device.resolve()?,
        batch: 500,
    };
    let output = score::command::run(&request)?;
    out!("{}", score::command::render(&output));
    out!(
        "reconstructions and error maps: {} files in {}",
        output.written.len(),
        request.out.display()
    );
    Ok(())
}
