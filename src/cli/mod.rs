//! The command line: the clap types of every command and the dispatch, one file per command.
use clap::{Parser, Subcommand};

/// `println!` that returns an error instead of panicking when stdout is closed (`aerepro … | head`).
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write;
        writeln!(std::io::stdout().lock(), $($arg)*)?
    }};
}

pub mod args;
pub mod audit;
pub mod docs;
pub mod golden;
pub mod info;
pub mod metrics;
pub mod report;
pub mod reproduce;
pub mod score;
pub mod sweep;

#[derive(Debug, Parser)]
#[command(
    name = "aerepro",
    version,
    about = "Reproduce and audit CAE/VAE/AAE anomaly detection (Tables 5-6)"
)]
pub struct Cli {
    /// Leave subnormal floats as they are instead of flushing them to zero (for comparison: on x86
    /// they cost ~2.5x per operation and distort timings; recorded in every run record).
    #[arg(long, global = true)]
    pub no_flush_denormals: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Versions, device, threads, and which datasets are present and verified.
    Info(args::DataDirArg),
    /// Train, score and evaluate on a dataset; print the table beside the paper's; write record + figures.
    Reproduce(reproduce::ReproduceArgs),
    /// Score your own images with a saved model: per-image scores, anomaly flags at the run's
    /// thresholds, reconstructions and error maps as PNGs.
    Score(score::ScoreArgs),
    /// ROC-AUC, average precision, PR-AUC and confidence intervals of a `score,label` CSV file.
    Metrics(metrics::MetricsArgs),
    /// Reports over a finished run record.
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// Compare a run or sweep directory with a golden file, value by value; non-zero exit on drift
    /// or on a changed claim verdict (docs/audit.md).
    Audit(audit::AuditArgs),
    /// Write a golden file (per-seed, per-class ROC-AUC and AP, config, environment, verdicts) from
    /// a run or sweep directory.
    Golden(golden::GoldenArgs),
    /// The README's and docs' tables, rendered from committed results.
    #[command(subcommand)]
    Docs(docs::DocsCommand),
    /// Sweeps over normal classes × models × seeds: plan, run locally or on Slurm, merge.
    #[command(subcommand)]
    Sweep(sweep::SweepCommand),
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Info(args) => info::run(&args),
        Command::Reproduce(args) => reproduce::run(args),
        Command::Score(args) => score::run(args),
        Command::Metrics(args) => metrics::run(args),
        Command::Report(command) => report::run(command),
        Command::Audit(args) => audit::run(&args),
        Command::Golden(args) => golden::run(args),
        Command::Docs(command) => docs::run(command),
        Command::Sweep(command) => sweep::run(command),
    }
}
