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
    #[command(flatten)]
    pub data: DataDirArg,
}

pub fn run(args: &AuditArgs) -> anyhow::Result<()> {
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
