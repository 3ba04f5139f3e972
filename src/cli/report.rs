//! `aerepro report cost|scores`: reports over finished run records.
use std::path::PathBuf;

use clap::Subcommand;

use crate::run::record::{self, Completeness};
use crate::store::atomic::write_atomic;
use crate::store::layout;
use crate::sweep::source;

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

pub fn run(command: ReportCommand) -> anyhow::Result<()> {
    match command {
        ReportCommand::Cost { records, png } => {
            let mut read = Vec::new();
            for given in &records {
                for found in source::read(given, Completeness::WarnIfIncomplete)? {
                    read.push((found.path.display().to_string(), found.record));
                }
            }
            let png = png.unwrap_or_else(|| PathBuf::from(&read[0].0).with_file_name("cost.png"));
            let (table, _) = crate::report::cost::cost_report(&read, &png)?;
            out!("{table}\nplot: {}", png.display());
            Ok(())
        }
        ReportCommand::Html { sources, out } => {
            let bytes = crate::report::html::write(&sources, &out)?;
            out!("wrote {} ({bytes} bytes)", out.display());
            Ok(())
        }
        ReportCommand::Scores { record, json } => {
            let path = if record.is_dir() {
                record.join(layout::RECORD)
            } else {
                record
            };
            let loaded = record::read_record(&path, Completeness::Required)?;
            let results = crate::report::score_table::ScoreTableResults::from_record(&loaded)?;
            if let Some(json) = json {
                let mut text = serde_json::to_string_pretty(&results)?;
                text.push('\n');
                write_atomic(&json, text.as_bytes())?;
            }
            out!("{}", crate::report::score_table::render(&results));
            Ok(())
        }
    }
}
