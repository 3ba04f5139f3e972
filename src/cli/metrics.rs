//! `aerepro metrics`: ROC-AUC, AP, PR-AUC and intervals of a `score,label` CSV.
use std::path::PathBuf;

use clap::Args;

use crate::metrics::{self, SummaryOptions};

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

pub fn run(args: MetricsArgs) -> anyhow::Result<()> {
    let options = SummaryOptions {
        bootstrap_resamples: args.bootstrap,
        seed: args.seed,
        ..SummaryOptions::default()
    };
    let summary = metrics::summarize_csv(&args.scores, &args.positive_label, &options)?;
    out!("{}", serde_json::to_string_pretty(&summary)?);
    Ok(())
}
