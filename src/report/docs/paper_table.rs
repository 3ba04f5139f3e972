//! Tables 5–6 beside the paper: the few numbers of a `reproduce` run record that the tables need
//! ([`PaperTableResults`], committed as `results/paper/<dataset>.json` by `aerepro docs extract`),
//! and their Markdown (ours, the paper's value in parentheses).

use crate::metrics::check_unit_interval;
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::data::DatasetKind;
use crate::model::ModelKind;
use crate::paper;
use crate::run::record::RunRecord;

/// The `"render"` value of a [`PaperTableResults`] file.
pub const RENDER_NAME: &str = "paper-table";

/// One row: the anomalous class (None: every other class) and each model's mean over seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableRow {
    pub class: Option<u8>,
    pub name: String,
    /// ROC-AUC per model, in [`PaperTableResults::models`] order.
    pub roc_auc: Vec<f64>,
    /// Average precision per model, in [`PaperTableResults::models`] order.
    pub average_precision: Vec<f64>,
}

/// What one run contributes to Table 5 or 6.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaperTableResults {
    /// Always [`RENDER_NAME`].
    pub render: String,
    pub dataset: DatasetKind,
    pub normal_class: u8,
    pub normal_name: String,
    /// Data variant read (`official`, `jpeg-q75-rebuild`, ...).
    pub data_variant: String,
    pub budget: String,
    pub epochs: usize,
    pub seeds: Vec<u64>,
    pub threads: i32,
    pub device: String,
    pub aerepro_version: String,
    pub git_commit: Option<String>,
    pub libtorch: String,
    pub models: Vec<ModelKind>,
    pub rows: Vec<TableRow>,
    /// Mean training seconds per model over seeds, in `models` order.
    pub train_seconds: Vec<f64>,
    pub wall_seconds: f64,
}

impl PaperTableResults {
    /// The table's numbers from a finished run record.
    pub fn from_record(record: &RunRecord) -> Result<PaperTableResults> {
        if !record.complete {
            bail!("the run record is incomplete (complete: false); finish the run first");
        }
        let config = &record.config;
        let models = config.models.clone();
        let mut rows: Vec<TableRow> = Vec::new();
        for summary in &record.summary {
            let Some(column) = models.iter().position(|m| *m == summary.kind) else {
                continue;
            };
            let row = match rows.iter_mut().find(|r| r.class == summary.class) {
                Some(row) => row,
                None => {
                    rows.push(TableRow {
                        class: summary.class,
                        name: summary.name.clone(),
                        roc_auc: vec![f64::NAN; models.len()],
                        average_precision: vec![f64::NAN; models.len()],
                    });
                    rows.last_mut().expect("just pushed")
                }
            };
            row.roc_auc[column] = summary.roc_auc.mean;
            row.average_precision[column] = summary.average_precision.mean;
        }
        if rows.is_empty() {
            bail!("the run record has no summary rows");
        }
        rows.sort_by_key(|r| r.class.map_or(u16::MAX, u16::from));
        let train_seconds = models
            .iter()
            .map(|kind| {
                let seconds: Vec<f64> = record
                    .runs
                    .iter()
                    .filter(|r| r.kind == *kind)
                    .map(|r| r.train.total_seconds)
                    .collect();
                seconds.iter().sum::<f64>() / seconds.len().max(1) as f64
            })
            .collect();
        let environment = &record.environment;
        Ok(PaperTableResults {
            render: RENDER_NAME.into(),
            dataset: config.dataset,
            normal_class: config.normal_class,
            normal_name: config
                .dataset
                .class_names()
                .get(usize::from(config.normal_class))
                .map_or_else(|| config.normal_class.to_string(), |n| n.to_string()),
            data_variant: record.data.variant.clone(),
            budget: serde_json::to_value(config.budget)?
                .as_str()
                .unwrap_or_default()
                .to_string(),
            epochs: config.train.epochs,
            seeds: config.seeds.clone(),
            threads: environment.threads,
            device: record.device.clone(),
            aerepro_version: environment.aerepro_version.clone(),
            git_commit: environment.git_commit.clone(),
            libtorch: format!(
                "{} ({})",
                environment.libtorch_version, environment.libtorch_variant
            ),
            models,
            rows,
            train_seconds,
            wall_seconds: record.wall_seconds,
        })
    }
}

/// `0.9994 (0.9933)`: ours, then the paper's when it has the cell.
fn cell(ours: f64, paper: Option<f64>) -> String {
    let ours = if ours.is_finite() {
        format!("{ours:.4}")
    } else {
        "–".to_string()
    };
    match paper {
        Some(p) => format!("{ours} ({p:.4})"),
        None => ours,
    }
}

/// The first 12 hex digits of a commit, keeping a "-dirty" suffix (a run from uncommitted code).
fn short_commit(commit: &str) -> String {
    let (sha, dirty) = match commit.strip_suffix("-dirty") {
        Some(sha) => (sha, "-dirty"),
        None => (commit, ""),
    };
    format!("{}{dirty}", &sha[..sha.len().min(12)])
}

/// The Markdown table, its training seconds and where the numbers come from.
pub fn render(results: &PaperTableResults) -> String {
    let kinds: Vec<String> = results
        .models
        .iter()
        .map(|k| k.to_string().to_uppercase())
        .collect();
    let paper_cell = |class: Option<u8>, kind: ModelKind| {
        class.and_then(|c| paper::cell(results.dataset, results.normal_class, c, kind))
    };
    let mut out = String::from("| class |");
    for k in &kinds {
        out.push_str(&format!(" {k} ROC-AUC |"));
    }
    for k in &kinds {
        out.push_str(&format!(" {k} AP |"));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(2 * kinds.len()));
    out.push('\n');
    for row in &results.rows {
        out.push_str(&format!("| {} |", row.name));
        for (i, kind) in results.models.iter().enumerate() {
            let paper = paper_cell(row.class, *kind).map(|c| c.roc_auc);
            out.push_str(&format!(" {} |", cell(row.roc_auc[i], paper)));
        }
        for (i, kind) in results.models.iter().enumerate() {
            let paper = paper_cell(row.class, *kind).map(|c| c.pr_auc);
            out.push_str(&format!(" {} |", cell(row.average_precision[i], paper)));
        }
        out.push('\n');
    }
    let seconds: Vec<String> = kinds
        .iter()
        .zip(&results.train_seconds)
        .map(|(k, s)| format!("{k} {s:.1}"))
        .collect();
    let seeds: Vec<String> = results.seeds.iter().map(u64::to_string).collect();
    let commit = results
        .git_commit
        .as_deref()
        .map(|c| format!(", commit {}", short_commit(c)))
        .unwrap_or_default();
    out.push_str(&format!(
        "\nNormal class {} · epochs per model: {} (`--budget {}`) · seeds: {} · {}, threads: {} · \
         data: {} · training seconds {} (whole run {:.0} s) · aerepro {}{commit}, libtorch {}.\n",
        results.normal_name,
        results.epochs,
        results.budget,
        seeds.join(", "),
        results.device,
        results.threads,
        results.data_variant,
        seconds.join(", "),
        results.wall_seconds,
        results.aerepro_version,
        results.libtorch,
    ));
    out
}

/// [`render`] of a JSON value (the renderer registered in [`super::RENDERERS`]).
pub fn render_value(value: &serde_json::Value) -> Result<String> {
    let results: PaperTableResults = serde_path_to_error::deserialize(value.clone())
        .map_err(|e| anyhow::anyhow!("field `{}`: {}", e.path(), e.inner()))
        .context("not a paper-table result")?;
    for row in &results.rows {
        if row.roc_auc.len() != results.models.len()
            || row.average_precision.len() != results.models.len()
        {
            bail!(
                "row {}: {} models but {} ROC-AUCs and {} APs",
                row.name,
                results.models.len(),
                row.roc_auc.len(),
                row.average_precision.len()
            );
        }
        if let Some(class) = row.class {
            results
                .dataset
                .check_class(class, &format!("row {}: class", row.name))
                .map_err(anyhow::Error::msg)?;
        }
        for (i, v) in row.roc_auc.iter().chain(&row.average_precision).enumerate() {
            check_unit_interval(*v, &format!("row {}: value {i}", row.name))
                .map_err(anyhow::Error::msg)?;
        }
    }
    Ok(render(&results))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::record::parse_record;

    fn fixture() -> RunRecord {
        parse_record(include_str!(
            "../../../fixtures/records/v1-mnist-1epoch.json"
        ))
        .unwrap()
    }

    #[test]
    fn a_short_commit_keeps_its_dirty_mark() {
        let sha = "04e921a57cc1325fff13a9ddbbf3eeea6bbd1435";
        assert_eq!(short_commit(sha), "04e921a57cc1");
        assert_eq!(short_commit(&format!("{sha}-dirty")), "04e921a57cc1-dirty");
    }

    #[test]
    fn extracts_the_summary_means_and_renders_them_beside_the_paper() {
        let record = fixture();
        let results = PaperTableResults::from_record(&record).unwrap();
        assert_eq!(results.rows.len(), 10, "nine classes and all others");
        assert_eq!(results.rows.last().unwrap().class, None);
        let cae_class0 = record
            .summary
            .iter()
            .find(|s| s.kind == ModelKind::Cae && s.class == Some(0))
            .unwrap();
        assert_eq!(results.rows[0].roc_auc[0], cae_class0.roc_auc.mean);
        let markdown = render(&results);
        let class0 = markdown.lines().nth(2).unwrap();
        assert!(
            class0.starts_with(&format!("| 0 | {:.4} (0.9999) |", cae_class0.roc_auc.mean)),
            "{markdown}"
        );
        let json = serde_json::to_value(&results).unwrap();
        assert_eq!(render_value(&json).unwrap(), markdown);
    }

    #[test]
    fn a_row_with_a_missing_model_is_refused() {
        let mut json =
            serde_json::to_value(PaperTableResults::from_record(&fixture()).unwrap()).unwrap();
        json["rows"][3]["roc_auc"] = serde_json::json!([0.5]);
        let err = format!("{:#}", render_value(&json).unwrap_err());
        assert!(err.contains("row 4") || err.contains("row"), "{err}");
        json["rows"] = serde_json::json!("x");
        let err = format!("{:#}", render_value(&json).unwrap_err());
        assert!(err.contains("rows"), "{err}");
    }
}
