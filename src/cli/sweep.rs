//! `aerepro sweep …`: the command line of the sweep.
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};

use super::args::{DataDirArg, TrainingFlags};
use crate::data::DatasetKind;
use crate::device::DeviceChoice;
use crate::model::ModelKind;
use crate::report;
use crate::run::choice::{self, Variations};
use crate::sweep::plan::SweepSpec;
use crate::sweep::selection::{ClassSelection, SeedSelection};
use crate::sweep::{cell, merge, plan, runner, slurm, status};

#[derive(Debug, Subcommand)]
pub enum SweepCommand {
    /// Plan a grid of cells (dataset × normal class × model × seed) into DIR/plan.json.
    Plan(PlanArgs),
    /// Run one cell (a Slurm array task or a Kubernetes Indexed Job pod runs exactly this).
    Cell(CellArgs),
    /// Run every cell not yet done with a local pool of processes.
    Run(RunArgs),
    /// Write (and with --submit, submit) a Slurm job array plus a merge job after it.
    Slurm(SlurmArgs),
    /// Done / running / failed / pending cells, whichever runner ran them.
    Status { dir: PathBuf },
    /// Merge finished cells into DIR/summary.json, tables (Markdown, CSV) and figures.
    Merge { dir: PathBuf },
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The sweep directory to create.
    #[arg(long)]
    pub out: PathBuf,
    /// Read the spec from a TOML file (keys: datasets, normal_classes, models, seeds, [training])
    /// instead of the flags below.
    #[arg(long, conflicts_with_all = ["datasets", "normal_classes", "models", "seeds", "vary"])]
    pub config: Option<PathBuf>,
    /// Dataset (repeatable).
    #[arg(long = "dataset", value_enum)]
    pub datasets: Vec<DatasetKind>,
    /// `all`, `paper` (MNIST 1, CIFAR-10 dog), or a comma-separated list of class indices or names.
    #[arg(long, default_value = "all")]
    pub normal_classes: ClassSelection,
    /// Models, comma separated.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = ModelKind::ALL.to_vec())]
    pub models: Vec<ModelKind>,
    /// N (seeds 0..N) or a comma-separated list.
    #[arg(long, default_value = "3")]
    pub seeds: SeedSelection,
    #[command(flatten)]
    pub training: TrainingFlags,
    /// Plan every value of a choice the paper leaves open (repeatable; the product is planned):
    /// e.g. `--vary preprocess=raw,gcn-l1-minmax --vary budget=ci,paper`. Keys: budget, epochs,
    /// init, vae-loss, beta, critic-output, n-critic, layout, preprocess.
    #[arg(long, value_name = "KEY=V1,V2")]
    pub vary: Vec<String>,
    /// Replace a different plan already in --out.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct CellArgs {
    pub dir: PathBuf,
    /// Cell index (default: $SLURM_ARRAY_TASK_ID, else $JOB_COMPLETION_INDEX).
    #[arg(long)]
    pub index: Option<usize>,
    /// libtorch CPU threads (default: $SLURM_CPUS_PER_TASK, else 1).
    #[arg(long)]
    pub threads: Option<i32>,
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
    #[command(flatten)]
    pub data: DataDirArg,
    #[command(flatten)]
    pub tracking: crate::track::TrackingArgs,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    pub dir: PathBuf,
    /// Cells run at once (processes).
    #[arg(long, default_value_t = DEFAULT_JOBS, value_parser = at_least_one::<usize>)]
    pub jobs: usize,
    /// libtorch CPU threads per process.
    #[arg(long, default_value_t = DEFAULT_THREADS_PER_JOB, value_parser = at_least_one::<i32>)]
    pub threads_per_job: i32,
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
    #[command(flatten)]
    pub data: DataDirArg,
    #[command(flatten)]
    pub tracking: crate::track::TrackingArgs,
}

/// The fastest J × T measured on 2 cores (docs/scale-out.md).
pub const DEFAULT_JOBS: usize = 2;
pub const DEFAULT_THREADS_PER_JOB: i32 = 1;

#[derive(Debug, Args)]
pub struct SlurmArgs {
    pub dir: PathBuf,
    #[arg(long)]
    pub partition: Option<String>,
    /// Time limit per array task (Slurm syntax, e.g. 00:30:00).
    #[arg(long)]
    pub time: Option<String>,
    #[arg(long, default_value_t = 1)]
    pub cpus_per_task: u32,
    /// At most this many array tasks at once (the `%M` of --array).
    #[arg(long)]
    pub max_parallel: Option<usize>,
    /// Let Slurm rerun an array task whose host failed (sbatch --requeue); the rerun resumes the
    /// cell from its finished checkpoint.
    #[arg(long)]
    pub requeue: bool,
    /// Call sbatch and print the job ids.
    #[arg(long)]
    pub submit: bool,
    #[command(flatten)]
    pub data: DataDirArg,
}

/// A count that must be at least 1 (0 jobs or 0 threads would run nothing, or fail every cell).
fn at_least_one<T: std::str::FromStr + PartialOrd + From<u8>>(given: &str) -> Result<T, String> {
    match given.parse::<T>() {
        Ok(n) if n >= T::from(1) => Ok(n),
        _ => Err(format!(
            "expected a whole number of at least 1, got '{given}'"
        )),
    }
}

fn env_index() -> anyhow::Result<usize> {
    for var in ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"] {
        if let Ok(value) = std::env::var(var) {
            return value
                .trim()
                .parse()
                .with_context(|| format!("${var} is '{value}', not a cell index"));
        }
    }
    bail!("no cell index: pass --index I (or run as a Slurm array task / Kubernetes Indexed Job)")
}

fn env_threads() -> anyhow::Result<i32> {
    match std::env::var("SLURM_CPUS_PER_TASK") {
        Ok(value) => value
            .trim()
            .parse()
            .with_context(|| format!("$SLURM_CPUS_PER_TASK is '{value}', not a thread count")),
        Err(_) => Ok(1),
    }
}

pub fn run(command: SweepCommand) -> anyhow::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match command {
        SweepCommand::Plan(args) => {
            let spec = match &args.config {
                Some(file) => SweepSpec::from_toml_file(file)?,
                None => {
                    let mut vary = Variations::new();
                    for text in &args.vary {
                        choice::add_variation(&mut vary, text)?;
                    }
                    SweepSpec {
                        datasets: args.datasets.clone(),
                        normal_classes: args.normal_classes.clone(),
                        models: args.models.clone(),
                        seeds: args.seeds.clone(),
                        training: args.training.clone().into(),
                        vary,
                    }
                }
            };
            let plan = plan::expand(&spec)?;
            plan::write(&args.out, &plan, args.force)?;
            writeln!(
                stdout,
                "planned {} cells in {}",
                plan.cells.len(),
                plan::plan_path(&args.out).display()
            )?;
        }
        SweepCommand::Cell(args) => {
            let index = match args.index {
                Some(i) => i,
                None => env_index()?,
            };
            let threads = match args.threads {
                Some(t) => t,
                None => env_threads()?,
            };
            let outcome = match cell::run(
                &args.dir,
                index,
                &cell::CellOptions {
                    data_dir: &args.data.resolve(),
                    device: args.device.resolve()?,
                    threads: Some(threads),
                },
            ) {
                Ok(outcome) => outcome,
                Err(e) if e.downcast_ref::<crate::store::lock::LockHeld>().is_some() => {
                    eprintln!("error: {e:#}");
                    std::process::exit(cell::LOCK_HELD_EXIT);
                }
                Err(e) => return Err(e),
            };
            if outcome == cell::CellOutcome::Computed && !args.tracking.is_empty() {
                let cell = plan::read(&args.dir)?.cell(index)?.clone();
                let dir = cell::cell_dir(&args.dir, &cell);
                crate::track::publish_dir(&dir, &args.tracking.for_cell(&cell.id));
            }
            writeln!(stdout, "cell {index}: {outcome:?}")?;
        }
        SweepCommand::Run(args) => {
            let tracking = crate::track::start_sweep(&args.dir, &args.tracking);
            let report = runner::run(
                &args.dir,
                &runner::RunnerOptions {
                    jobs: args.jobs,
                    threads_per_job: args.threads_per_job,
                    data_dir: args.data.resolve(),
                    device: args.device,
                    show_progress: true,
                },
            )?;
            crate::track::finish_sweep(tracking, !report.failed.is_empty());
            writeln!(
                stdout,
                "{} cells computed, {} already done, {} failed, in {:.0} s",
                report.computed,
                report.already_done,
                report.failed.len(),
                report.wall_seconds
            )?;
            for (index, label, log) in &report.failed {
                writeln!(
                    stdout,
                    "  failed: cell {index} ({label}), log {}",
                    log.display()
                )?;
            }
            if !report.failed.is_empty() {
                bail!(
                    "{} cell(s) failed twice; the others are done. Fix the cause and rerun \
                     `aerepro sweep run {}` (finished cells are skipped)",
                    report.failed.len(),
                    args.dir.display()
                );
            }
        }
        SweepCommand::Slurm(args) => {
            let options = slurm::SlurmOptions {
                partition: args.partition,
                time: args.time,
                cpus_per_task: args.cpus_per_task,
                max_parallel: args.max_parallel,
                data_dir: args.data.resolve(),
                requeue: args.requeue,
            };
            let scripts = slurm::write_scripts(&args.dir, &options)?;
            writeln!(stdout, "wrote {}", scripts.array.display())?;
            writeln!(stdout, "wrote {}", scripts.merge.display())?;
            if args.submit {
                let ids = slurm::submit(&scripts)?;
                writeln!(
                    stdout,
                    "submitted array job {} and merge job {}",
                    ids.0, ids.1
                )?;
            }
        }
        SweepCommand::Status { dir } => {
            let states = status::states(&dir)?;
            write!(stdout, "{}", status::render(&dir, &states))?;
        }
        SweepCommand::Merge { dir } => {
            let summary = merge::merge(&dir)?;
            let written = report::sweep::write(&dir, &summary)?;
            write!(stdout, "{}", written.terminal)?;
            for path in &written.files {
                writeln!(stdout, "wrote {}", path.display())?;
            }
        }
    }
    Ok(())
}
