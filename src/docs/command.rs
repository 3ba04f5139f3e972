//! `aerepro docs render|check|extract`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use clap::Subcommand;

use super::paper_table::PaperTableResults;
use crate::record::{self, Completeness};

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
        /// A record.json or a run directory holding one.
        record: PathBuf,
        /// The result file to write (e.g. results/paper/mnist.json).
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn run(command: DocsCommand) -> Result<()> {
    match command {
        DocsCommand::Render { root } => {
            for path in super::render(&root)? {
                writeln!(std::io::stdout().lock(), "rendered {}", path.display())?;
            }
            Ok(())
        }
        DocsCommand::Check { root } => {
            let stale = super::check(&root)?;
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
        DocsCommand::Extract { record, out } => extract(&record, &out),
    }
}

fn extract(record: &Path, out: &Path) -> Result<()> {
    let paths = record::record_paths(record)?;
    let [path] = paths.as_slice() else {
        bail!(
            "{} holds {} run records; extract takes one",
            record.display(),
            paths.len()
        );
    };
    let loaded = record::read_record(path, Completeness::Required)?;
    let results = PaperTableResults::from_record(&loaded)?;
    let mut json = serde_json::to_string_pretty(&results)?;
    json.push('\n');
    record::write_atomic(out, json.as_bytes())?;
    writeln!(
        std::io::stdout().lock(),
        "wrote {} from {}",
        out.display(),
        path.display()
    )?;
    Ok(())
}
