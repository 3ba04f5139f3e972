//! Our ROC-AUCs per normal class beside a published reference's (e.g. the DCAE baseline of Ruff et
//! al. 2018): `results/**/*.json` with `"render": "reference-comparison"` names the reference values
//! and the committed sweep summaries they are compared with.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::data::DatasetKind;
use crate::model::ModelKind;
use crate::sweep::summary::Summary;

pub const RENDER_NAME: &str = "reference-comparison";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Comparison {
    #[serde(rename = "render")]
    _render: String,
    dataset: DatasetKind,
    model: ModelKind,
    /// Where the reference values come from (paper, table).
    reference: String,
    /// Whether each reference value was checked against the source (false: quoted, unchecked).
    checked: bool,
    /// Reference ROC-AUC in % per normal class name: [mean, sd].
    values: BTreeMap<String, [f64; 2]>,
    /// The sweeps compared: a column label and a `summary.json` path relative to the repository.
    ours: Vec<Column>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Column {
    label: String,
    summary: PathBuf,
}

/// The Markdown table: per normal class, each of our columns (mean ± sd [95 % interval] over seeds,
/// normal vs all others) and the reference (mean ± sd).
pub fn render_value(root: &Path, value: &serde_json::Value) -> Result<String> {
    let comparison: Comparison = serde_json::from_value(value.clone())
        .context("not a reference comparison (keys: render, dataset, model, reference, checked, values, ours)")?;
    let dataset = comparison.dataset;
    for (name, [mean, sd]) in &comparison.values {
        dataset.parse_class(name)?;
        if !(0.0..=100.0).contains(mean) || !(0.0..=100.0).contains(sd) {
            bail!("values.{name}: expected a ROC-AUC in % and its sd, got [{mean}, {sd}]");
        }
    }
    let mut summaries = Vec::new();
    for column in &comparison.ours {
        let path = root.join(&column.summary);
        let summary = Summary::read(&path)?;
        if !summary.varied.is_empty() {
            bail!(
                "{}: a sweep that varies choices has no single column",
                path.display()
            );
        }
        summaries.push(summary);
    }
    let model = comparison.model;
    let headers: Vec<String> = comparison
        .ours
        .iter()
        .map(|c| format!("{model}, {}", c.label))
        .collect();
    let mut out = format!(
        "| normal class | {} | {}{} |\n|---|{}---|\n",
        headers.join(" | "),
        comparison.reference,
        if comparison.checked {
            ""
        } else {
            " (unchecked)"
        },
        "---|".repeat(headers.len())
    );
    for (class, name) in dataset.class_names().iter().enumerate() {
        let ours: Vec<String> = summaries
            .iter()
            .map(|s| {
                s.of_dataset(dataset)
                    .find(class as u8, model)
                    .map_or("—".to_string(), |e| match e.roc_auc.interval {
                        Some((lo, hi)) => format!(
                            "{:.3} ± {:.3} [{lo:.3}, {hi:.3}]",
                            e.roc_auc.mean, e.roc_auc.sd
                        ),
                        None => format!("{:.3}", e.roc_auc.mean),
                    })
            })
            .collect();
        let reference = comparison
            .values
            .get(*name)
            .map_or("—".to_string(), |[m, sd]| {
                format!("{:.3} ± {:.3}", m / 100.0, sd / 100.0)
            });
        out.push_str(&format!(
            "| {name} | {} | {reference} |\n",
            ours.join(" | ")
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comparison(values: serde_json::Value) -> serde_json::Value {
        serde_json::json!({
            "render": RENDER_NAME,
            "dataset": "cifar10",
            "model": "cae",
            "reference": "a paper",
            "checked": false,
            "values": values,
            "ours": [],
        })
    }

    #[test]
    fn reference_values_are_checked_and_marked_when_unchecked() {
        let root = Path::new(".");
        let err =
            render_value(root, &comparison(serde_json::json!({"wolf": [50.0, 1.0]}))).unwrap_err();
        assert!(
            format!("{err:#}").contains("unknown CIFAR-10 class 'wolf'"),
            "{err:#}"
        );
        let err =
            render_value(root, &comparison(serde_json::json!({"dog": [0.62, 150.0]}))).unwrap_err();
        assert!(
            format!("{err:#}").contains("values.dog: expected a ROC-AUC in %"),
            "{err:#}"
        );
        let table =
            render_value(root, &comparison(serde_json::json!({"dog": [62.2, 1.8]}))).unwrap();
        assert!(table.contains("| a paper (unchecked) |"), "{table}");
        assert!(table.contains("| dog |  | 0.622 ± 0.018 |"), "{table}");
    }
}
