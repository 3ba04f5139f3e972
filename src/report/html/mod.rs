//! `aerepro report html`: one self-contained HTML file (inline CSS, images as base64 `data:` URIs,
//! no script, nothing fetched from the network) for a run directory, a sweep directory, committed
//! result files, or several of them — with, for two sources, a side-by-side comparison.
//!
//! Sources (see [`Source::load`]): a run directory or its `record.json` (Tables 5/6 beside the
//! paper from [`PaperTableResults::from_record`]'s rows, every claim verdict with its statistic and
//! interval, per-model training, the figures, provenance); a sweep directory or its `summary.json`
//! (tables with 95 % intervals, best model per normal class, normal × anomalous ROC-AUC heatmaps,
//! the merge's figures when present); a `results/paper/<dataset>.json` file (the table beside the
//! paper with its provenance).
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use crate::claims::{ClaimVerdict, Verdict};
use crate::data::DatasetKind;
use crate::model::ModelKind;
use crate::paper;
use crate::report::docs::paper_table::{self, PaperTableResults};
use crate::run::record::{self, Completeness, RunRecord};
use crate::sweep::summary::{self, Summary};

mod run;
mod sweep;
mod text;

use run::{paper_table_html, paper_table_provenance, run_section};
use sweep::{comparison, sweep_section};
use text::*;
pub use text::{base64, esc};

/// One thing the report shows.
#[derive(Debug)]
pub enum Source {
    Run {
        label: String,
        dir: PathBuf,
        record: Box<RunRecord>,
    },
    Sweep {
        label: String,
        dir: PathBuf,
        summary: Box<Summary>,
    },
    PaperTable {
        label: String,
        results: Box<PaperTableResults>,
    },
}

impl Source {
    /// Reads a run directory / `record.json`, a sweep directory / `summary.json`, or a
    /// `paper-table` result file.
    pub fn load(path: &Path) -> anyhow::Result<Source> {
        let label = path.display().to_string();
        let (file, dir) = if path.is_dir() {
            if path.join(crate::store::layout::RECORD).is_file() {
                (path.join(crate::store::layout::RECORD), path.to_path_buf())
            } else if path.join("summary.json").is_file() {
                (path.join("summary.json"), path.to_path_buf())
            } else {
                bail!(
                    "{} holds neither record.json (a run) nor summary.json (a merged sweep: run \
                     `aerepro sweep merge` first)",
                    path.display()
                );
            }
        } else {
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .to_path_buf();
            (path.to_path_buf(), dir)
        };
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not JSON", file.display()))?;
        match value.get("render").and_then(|r| r.as_str()) {
            Some(summary::RENDER_NAME) => Ok(Source::Sweep {
                label,
                dir,
                summary: Box::new(
                    serde_json::from_value(value)
                        .with_context(|| format!("{}: not a sweep summary", file.display()))?,
                ),
            }),
            Some(paper_table::RENDER_NAME) => Ok(Source::PaperTable {
                label,
                results: Box::new(
                    serde_json::from_value(value)
                        .with_context(|| format!("{}: not a paper-table file", file.display()))?,
                ),
            }),
            Some(other) => bail!(
                "{}: a \"{other}\" result file is not one `report html` shows (a run, a sweep, or \
                 a paper-table file)",
                file.display()
            ),
            None => Ok(Source::Run {
                label,
                dir,
                record: Box::new(record::read_record(&file, Completeness::WarnIfIncomplete)?),
            }),
        }
    }

    fn label(&self) -> &str {
        match self {
            Source::Run { label, .. }
            | Source::Sweep { label, .. }
            | Source::PaperTable { label, .. } => label,
        }
    }

    /// The table beside the paper, when the source has one.
    fn paper_table(&self) -> Option<PaperTableResults> {
        match self {
            Source::Run { record, .. } => PaperTableResults::from_record(record).ok(),
            Source::PaperTable { results, .. } => Some((**results).clone()),
            Source::Sweep { .. } => None,
        }
    }

    /// Named values a comparison lines up (key → value).
    pub fn values(&self) -> BTreeMap<String, f64> {
        let mut out = BTreeMap::new();
        if let Some(table) = self.paper_table() {
            let normal = format!("{} normal {}", table.dataset, table.normal_name);
            for row in &table.rows {
                for (i, model) in table.models.iter().enumerate() {
                    out.insert(
                        format!("{normal} · {model} · ROC-AUC vs {}", row.name),
                        row.roc_auc[i],
                    );
                    out.insert(
                        format!("{normal} · {model} · AP vs {}", row.name),
                        row.average_precision[i],
                    );
                }
            }
        }
        if let Source::Sweep { summary, .. } = self {
            for e in &summary.entries {
                let name =
                    class_name(e.dataset, e.normal_class) + &crate::run::choice::suffix(&e.choices);
                out.insert(
                    format!(
                        "{} normal {name} · {} · ROC-AUC vs all others",
                        e.dataset, e.model
                    ),
                    e.roc_auc.mean,
                );
                out.insert(
                    format!(
                        "{} normal {name} · {} · AP vs all others",
                        e.dataset, e.model
                    ),
                    e.average_precision.mean,
                );
            }
        }
        out
    }

    fn verdicts(&self) -> BTreeMap<String, Verdict> {
        match self {
            Source::Run { record, .. } => record
                .claims
                .iter()
                .map(|c| (format!("{} {}", record.config.dataset, c.id), c.verdict))
                .collect(),
            Source::Sweep { summary, .. } => summary
                .verdicts
                .iter()
                .flat_map(|v| {
                    let suffix = crate::run::choice::suffix(&v.choices);
                    v.claims
                        .iter()
                        .map(move |c| (format!("{}{suffix} {}", v.dataset, c.id), c.verdict))
                })
                .collect(),
            _ => BTreeMap::new(),
        }
    }
}

/// The whole report for `sources`.
pub fn render(sources: &[Source]) -> anyhow::Result<String> {
    if sources.is_empty() {
        bail!("no source to report");
    }
    let mut body = String::new();
    let title = if sources.len() == 1 {
        format!("aerepro report: {}", sources[0].label())
    } else {
        format!("aerepro report: {} sources", sources.len())
    };
    let _ = writeln!(body, "<h1>{}</h1>", esc(&title));
    let _ = writeln!(
        body,
        "<p class=\"sub\">Convolutional autoencoders (CAE, VAE, AAE) for image anomaly detection, \
         reproduced. Generated by aerepro {} from {}.</p>",
        env!("CARGO_PKG_VERSION"),
        esc(&sources
            .iter()
            .map(Source::label)
            .collect::<Vec<_>>()
            .join(", "))
    );
    if sources.len() == 2 {
        body += &comparison(&sources[0], &sources[1]);
    }
    for source in sources {
        let _ = writeln!(
            body,
            "<section class=\"source\"><h2>{}</h2>",
            esc(source.label())
        );
        match source {
            Source::Run { dir, record, .. } => body += &run_section(record, dir)?,
            Source::Sweep { dir, summary, .. } => body += &sweep_section(summary, dir)?,
            Source::PaperTable { results, .. } => {
                body += &paper_table_html(results);
                body += &paper_table_provenance(results);
            }
        }
        body += "</section>\n";
    }
    Ok(format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{CSS}</style></head><body><main>\n{body}</main></body></html>\n",
        esc(&title)
    ))
}

/// Reads `paths` and writes the report to `out`; returns its size in bytes.
pub fn write(paths: &[PathBuf], out: &Path) -> anyhow::Result<usize> {
    let sources = paths
        .iter()
        .map(|p| Source::load(p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let html = render(&sources)?;
    crate::store::atomic::write_atomic(out, html.as_bytes())?;
    Ok(html.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = include_str!("../../../fixtures/records/v1-mnist-1epoch.json");

    fn assert_self_contained(html: &str) {
        let lower = html.to_lowercase();
        assert!(!lower.contains("<script"), "a script");
        for bad in ["http://", "https://", "@import", "url(", "<link", "<iframe"] {
            assert!(!lower.contains(bad), "found {bad}");
        }
    }

    #[test]
    fn base64_matches_the_rfc_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn a_run_report_is_self_contained_and_holds_its_numbers_and_verdicts() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("record.json"), V1).unwrap();
        std::fs::create_dir(dir.path().join("figures")).unwrap();
        std::fs::write(dir.path().join("figures/a.png"), b"\x89PNG fake").unwrap();
        let source = Source::load(dir.path()).unwrap();
        let html = render(&[source]).unwrap();
        assert_self_contained(&html);
        let record = record::parse_record(V1).unwrap();
        let all_others = record
            .summary
            .iter()
            .find(|r| r.class.is_none())
            .unwrap()
            .roc_auc
            .mean;
        assert!(html.contains(&format!("{all_others:.4}")));
        assert!(html.contains("data:image/png;base64,"));
        for claim in &record.claims {
            assert!(html.contains(&esc(claim.id.name())), "{}", claim.id);
        }
        assert!(html.contains("@media print"));
    }

    #[test]
    fn the_committed_results_and_sweep_render_and_two_sources_compare() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let sources = [
            Source::load(&root.join("results/paper/mnist.json")).unwrap(),
            Source::load(&root.join("results/paper/cifar10.json")).unwrap(),
            Source::load(&root.join("results/sweep")).unwrap(),
        ];
        let html = render(&sources).unwrap();
        assert_self_contained(&html);
        assert!(html.contains("Table 5") && html.contains("Table 6"));
        let two = render(&sources[..2]).unwrap();
        assert!(two.contains("Comparison") && two.contains("B − A"));
        // mnist vs itself: every difference is zero.
        let same = [
            Source::load(&root.join("results/paper/mnist.json")).unwrap(),
            Source::load(&root.join("results/paper/mnist.json")).unwrap(),
        ];
        let html = render(&same).unwrap();
        assert!(html.contains("+0.0000"));
    }
}
