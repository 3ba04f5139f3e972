//! A merged sweep as people read it: the Markdown tables and CSV per dataset, the README headline,
//! and the files `sweep merge` writes (`summary.json`, `tables/`, `figures/`).
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::data::DatasetKind;
use crate::metrics::over_seeds::SeedSummary;
use crate::model::ModelKind;
use crate::run::choice;
use crate::store::atomic::{write_atomic, write_json_atomic};
use crate::store::layout;
use crate::sweep::below_chance;
use crate::sweep::summary::{BestModel, Entry, MissingCell, Summary};

/// What `sweep merge` wrote, and the tables it prints.
pub struct Written {
    pub terminal: String,
    pub files: Vec<PathBuf>,
}

/// Writes `DIR/summary.json`, `DIR/tables/<dataset>.md` and `.csv`, and `DIR/figures/`; for a sweep
/// that varies choices, `DIR/tables/sensitivity.md` and those tables and figures per combination
/// under `DIR/variants/<combination>/`.
pub fn write(dir: &Path, summary: &Summary) -> anyhow::Result<Written> {
    let summary_path = dir.join(layout::SUMMARY);
    write_json_atomic(&summary_path, &summary)?;
    if summary.varied.is_empty() {
        let mut written = write_tables(dir, summary)?;
        written.files.insert(0, summary_path);
        return Ok(written);
    }
    let mut terminal = super::sensitivity::markdown(summary);
    let sensitivity_path = dir.join(layout::TABLES).join(layout::SENSITIVITY);
    write_atomic(&sensitivity_path, terminal.as_bytes())?;
    let mut files = vec![summary_path, sensitivity_path];
    for choices in summary.variants() {
        let variant_dir = dir.join(layout::VARIANTS).join(choice::slug(&choices));
        let written = write_tables(&variant_dir, &summary.variant(&choices))?;
        terminal.push_str(&format!(
            "{}: tables and figures in {}\n",
            choice::label(&choices),
            variant_dir.display()
        ));
        files.extend(written.files);
    }
    Ok(Written { terminal, files })
}

/// The per-dataset tables and figures of a sweep that varies nothing (or of one combination).
fn write_tables(dir: &Path, summary: &Summary) -> anyhow::Result<Written> {
    let mut written = Vec::new();
    let mut terminal = String::new();
    let mut datasets: Vec<DatasetKind> = summary.entries.iter().map(|e| e.dataset).collect();
    datasets.dedup();
    for dataset in datasets {
        let md = markdown(summary, dataset);
        let md_path = dir
            .join(layout::TABLES)
            .join(format!("{}.md", dataset.slug()));
        write_atomic(&md_path, md.as_bytes())?;
        let csv_path = md_path.with_extension("csv");
        write_atomic(&csv_path, csv(summary, dataset)?.as_bytes())?;
        written.extend([md_path, csv_path]);
        written.extend(super::sweep_figures::write_all(dir, summary, dataset)?);
        terminal.push_str(&md);
    }
    if !summary.missing.is_empty() {
        terminal.push_str(&format!(
            "{} of {} cells missing: the entries above marked * are partial (see `aerepro sweep status {}`)\n",
            summary.missing.len(),
            summary.planned_cells,
            dir.display()
        ));
    }
    Ok(Written {
        terminal,
        files: written,
    })
}

fn mean_sd(s: &SeedSummary) -> String {
    match s.interval {
        Some((lo, hi)) => format!("{:.4} ± {:.4} [{lo:.4}, {hi:.4}]", s.mean, s.sd),
        None => format!("{:.4} (n=1)", s.mean),
    }
}

fn best_model_cell(b: &BestModel) -> String {
    match (&b.lead, b.runner_up) {
        (Some(t), Some(r)) => format!(
            "{} over {r} by {:.4}, p = {:.3}, Holm p = {:.3}{}",
            b.best,
            t.mean_difference,
            t.p_value,
            b.holm_p_value.unwrap_or(t.p_value),
            if b.significant {
                ""
            } else {
                " (not significant)"
            }
        ),
        _ => format!("{} (no paired test: one seed or one model)", b.best),
    }
}

/// The Markdown tables of one dataset: all-others ROC-AUC and AP per normal class × model, the best
/// model per normal class, the anomalous classes scored below chance, and the mean normal ×
/// anomalous ROC-AUC matrix per model.
pub fn markdown(summary: &Summary, dataset: DatasetKind) -> String {
    let names = dataset.class_names();
    let view = summary.of_dataset(dataset);
    let (entries, models, classes) = (
        &view.entries,
        view.models.clone(),
        view.normal_classes.clone(),
    );
    let find = |c: u8, m: ModelKind| view.find(c, m);
    let n_seeds = entries.iter().map(|e| e.seeds.len()).max().unwrap_or(0);
    let mut out = String::new();
    let header = models
        .iter()
        .map(|m| m.to_string())
        .collect::<Vec<_>>()
        .join(" | ");
    let rule = "---|".repeat(models.len());
    let row = |c: u8, metric: fn(&Entry) -> SeedSummary| -> String {
        models
            .iter()
            .map(|m| match find(c, *m) {
                Some(e) => format!(
                    "{}{}",
                    mean_sd(&metric(e)),
                    if e.partial { " *" } else { "" }
                ),
                None => "missing".to_string(),
            })
            .collect::<Vec<_>>()
            .join(" | ")
    };
    let caption = |title: &str| {
        format!(
            "**{dataset}: {title}, normal class vs all others** (mean ± sd over {n_seeds} seeds \
             [95 % t-interval]; * = partial)\n\n"
        )
    };
    out.push_str(&caption("ROC-AUC"));
    out.push_str(&format!(
        "| normal class | {header} | best model (paired t-test over seeds vs the runner-up, Holm-adjusted over normal classes) |\n|---|{rule}---|\n"
    ));
    for &c in &classes {
        let best = summary
            .best
            .iter()
            .find(|b| b.dataset == dataset && b.normal_class == c)
            .map_or(String::new(), best_model_cell);
        out.push_str(&format!(
            "| {} | {} | {best} |\n",
            names[c as usize],
            row(c, |e| e.roc_auc)
        ));
    }
    out.push('\n');
    out.push_str(&caption("average precision"));
    out.push_str(&format!("| normal class | {header} |\n|---|{rule}\n"));
    for &c in &classes {
        out.push_str(&format!(
            "| {} | {} |\n",
            names[c as usize],
            row(c, |e| e.average_precision)
        ));
    }
    out.push('\n');
    out.push_str(&below_chance::markdown(summary, dataset));
    out.push('\n');
    for m in &models {
        out.push_str(&format!(
            "**{dataset}, {m}: mean ROC-AUC of normal class (row) vs anomalous class (column)**\n\n| normal \\ anomalous | {} |\n|---|{}\n",
            names.join(" | "),
            "---|".repeat(names.len())
        ));
        for &c in &classes {
            let Some(e) = find(c, *m) else { continue };
            let row: Vec<String> = (0..names.len() as u8)
                .map(|a| {
                    e.per_class_roc_auc
                        .get(&a)
                        .map_or("—".to_string(), |s| format!("{:.3}", s.mean))
                })
                .collect();
            out.push_str(&format!(
                "| {} | {} |\n",
                names[c as usize],
                row.join(" | ")
            ));
        }
        out.push('\n');
    }
    let missing: Vec<&MissingCell> = summary
        .missing
        .iter()
        .filter(|m| m.label.starts_with(dataset.slug()))
        .collect();
    if !missing.is_empty() {
        out.push_str(&format!("Missing cells ({}):\n", missing.len()));
        for m in missing {
            out.push_str(&format!(
                "- cell {} ({}): {:?}\n",
                m.index, m.label, m.state
            ));
        }
        out.push('\n');
    }
    out
}

/// The headline of a summary: per dataset, the normal-vs-all-others ROC-AUC table with the best
/// model per normal class and the anomalous classes scored below chance, and how many cells it
/// rests on.
pub fn headline_markdown(summary: &Summary) -> String {
    let mut datasets: Vec<DatasetKind> = summary.entries.iter().map(|e| e.dataset).collect();
    datasets.dedup();
    let mut out = format!(
        "{} of {} planned cells finished (thread counts: {:?}).\n\n",
        summary.finished_cells, summary.planned_cells, summary.threads
    );
    for dataset in datasets {
        let full = markdown(summary, dataset);
        let headline = full.split("\n\n**").next().unwrap_or(&full);
        out.push_str(headline.trim_end());
        out.push_str("\n\n");
        out.push_str(&below_chance::markdown(summary, dataset));
        out.push('\n');
    }
    if !summary.missing.is_empty() {
        out.push_str(&format!(
            "Entries marked * are partial: {} cells not finished.\n",
            summary.missing.len()
        ));
    }
    out
}

/// [`headline_markdown`] of a `summary.json` value (the `aerepro docs` renderer); for a sweep that
/// varies choices, its sensitivity tables and the paper's normal class against each class under
/// each combination (the full tables per combination are what `sweep merge` writes).
pub fn render_value(value: &serde_json::Value) -> anyhow::Result<String> {
    let summary: Summary =
        serde_json::from_value(value.clone()).context("not a sweep summary.json")?;
    summary.check_ranges().map_err(anyhow::Error::msg)?;
    if summary.varied.is_empty() {
        return Ok(headline_markdown(&summary));
    }
    let mut out = format!(
        "{} of {} planned cells finished (thread counts: {:?}).\n\n",
        summary.finished_cells, summary.planned_cells, summary.threads
    );
    out.push_str(&super::sensitivity::markdown(&summary));
    out.push_str(&super::sensitivity::per_class_markdown(&summary));
    Ok(out.trim_end().to_string() + "\n")
}

/// Long-format CSV: one row per (normal class, model, metric, anomalous class or "all").
pub fn csv(summary: &Summary, dataset: DatasetKind) -> anyhow::Result<String> {
    let names = dataset.class_names();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "dataset",
        "normal_class",
        "model",
        "metric",
        "versus",
        "mean",
        "sd",
        "ci_low",
        "ci_high",
        "n",
        "partial",
    ])?;
    for e in summary.entries.iter().filter(|e| e.dataset == dataset) {
        let mut rows = vec![
            ("roc_auc", "all others".to_string(), e.roc_auc),
            (
                "average_precision",
                "all others".to_string(),
                e.average_precision,
            ),
        ];
        for (a, s) in &e.per_class_roc_auc {
            rows.push(("roc_auc", names[*a as usize].to_string(), *s));
        }
        for (metric, versus, s) in rows {
            let (lo, hi) = s.interval.map_or((String::new(), String::new()), |(l, h)| {
                (l.to_string(), h.to_string())
            });
            w.write_record([
                dataset.slug().to_string(),
                names[e.normal_class as usize].to_string(),
                e.model.slug().to_string(),
                metric.to_string(),
                versus,
                s.mean.to_string(),
                s.sd.to_string(),
                lo,
                hi,
                s.n.to_string(),
                e.partial.to_string(),
            ])?;
        }
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}
