//! `aerepro docs render|check|extract`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use clap::Subcommand;

use crate::data::DatasetKind;
use crate::report::docs;
use crate::report::docs::paper_table::PaperTableResults;
use crate::run::record::Completeness;
use crate::run::summary::combine_records;
use crate::store::atomic::write_atomic;
use crate::sweep::source;

#[derive(Debug, Subcommand)]
pub enum DocsCommand {
    /// Rewrite every rendered results/**/*.md from its JSON and every include block of README.md
    /// and docs/**/*.md from its file.
    Render {
        /// Repository root.
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// Fail, listing them, when a rendered file or include block differs from what `render` writes.
    Check {
        /// Repository root.
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// Write the numbers Tables 5–6 need from a finished run record as a paper-table result JSON.
    Extract {
        /// A record.json, a run directory holding one, or a sweep directory (then its finished cells
        /// of the paper's normal class for --dataset, combined over models and seeds).
        record: PathBuf,
        /// The dataset to take from a sweep directory.
        #[arg(long, value_enum)]
        dataset: Option<DatasetKind>,
        /// The result file to write (e.g. results/paper/mnist.json).
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn run(command: DocsCommand) -> Result<()> {
    match command {
        DocsCommand::Render { root } => {
            for path in docs::render(&root)? {
                writeln!(std::io::stdout().lock(), "rendered {}", path.display())?;
            }
            Ok(())
        }
        DocsCommand::Check { root } => {
            let stale = docs::check(&root)?;
            if stale.is_empty() {
                writeln!(
                    std::io::stdout().lock(),
                    "docs: every rendered table is current"
                )?;
                return Ok(());
            }
            for s in &stale {
                eprintln!("stale: {s}");
            }
            bail!(
                "{} rendered file(s) or include block(s) out of date; run `aerepro docs render`",
                stale.len()
            )
        }
        DocsCommand::Extract {
            record,
            dataset,
            out,
        } => extract(&record, dataset, &out),
    }
}

fn extract(record: &Path, dataset: Option<DatasetKind>, out: &Path) -> Result<()> {
    let found = source::read(record, Completeness::Required)?;
    let (loaded, source) = match (found.len(), dataset) {
        (1, _) => {
            let only = found.into_iter().next().expect("one source");
            (only.record, only.path.display().to_string())
        }
        (n, Some(dataset)) => {
            let records = found
                .into_iter()
                .map(|s| s.record)
                .filter(|r| {
                    r.config.dataset == dataset
                        && r.config.normal_class == dataset.paper_normal_class()
                })
                .collect::<Vec<_>>();
            let used = records.len();
            if used == 0 {
                bail!(
                    "none of the {n} run records under {} is of {dataset} with the paper's normal class",
                    record.display()
                );
            }
            (
                combine_records(records)?,
                format!("{used} records of {}", record.display()),
            )
        }
        (n, None) => bail!(
            "{} holds {n} run records: pass --dataset to combine its paper cells",
            record.display()
        ),
    };
    let results = PaperTableResults::from_record(&loaded)?;
    let mut json = serde_json::to_string_pretty(&results)?;
    json.push('\n');
    write_atomic(out, json.as_bytes())?;
    writeln!(
        std::io::stdout().lock(),
        "wrote {} from {source}",
        out.display()
    )?;
    Ok(())
}
