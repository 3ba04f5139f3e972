//! `aerepro golden`: write a golden file from a run or sweep directory.
use std::path::PathBuf;

use clap::Args;

use crate::report;

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

pub fn run(args: GoldenArgs) -> anyhow::Result<()> {
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
            group.dataset.class_label(group.normal_class),
            group.seeds
        );
        for claim in &group.claims {
            out!("  {} {}: {}", claim.id, claim.verdict, claim.measured);
            if let Some(evidence) = &claim.evidence {
                out!("     {}", report::table::evidence_line(evidence));
            }
            if let Some(line) = claim.seeds_needed_line() {
                out!("     {line}");
            }
        }
    }
    Ok(())
}
