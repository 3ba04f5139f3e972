//! `aerepro audit`: compare a run or sweep directory with a golden file.
use std::path::PathBuf;

use clap::Args;

use super::args::DataDirArg;

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
    /// Report what the audit cannot cover (nothing compared, entries on one side only, a golden
    /// without verdicts) as warnings instead of failing.
    #[arg(long)]
    pub allow_incomplete: bool,
    #[command(flatten)]
    pub data: DataDirArg,
}

pub fn run(args: &AuditArgs) -> anyhow::Result<()> {
    let golden = crate::audit::golden::read(&args.golden)?;
    if args.rerun {
        crate::audit::rerun(&golden, &args.source, &args.data.resolve())?;
    }
    let now = crate::audit::golden::collect(&args.source)?;
    let options = crate::audit::AuditOptions {
        partial: args.partial,
        allow_incomplete: args.allow_incomplete,
    };
    let report = crate::audit::audit(&golden, &now, options);
    out!("{}", crate::audit::render(&report));
    if !report.passed() {
        anyhow::bail!(
            "{} differs from the golden file {}, or the audit could not cover it (above)",
            args.source.display(),
            args.golden.display()
        );
    }
    Ok(())
}
