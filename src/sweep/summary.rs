//! A merged sweep as `summary.json` holds it: every finished cell's metrics, the entries over seeds
//! per dataset × normal class × model (× varied choices), the best model per normal class, the
//! missing cells, and the claims judged under each combination of varied choices.
use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::claims::ClaimVerdict;
use crate::data::DatasetKind;
use crate::metrics::check_unit_interval;
use crate::metrics::over_seeds::{PairedSeedTest, SeedSummary};
use crate::model::ModelKind;
use crate::run::choice::{ChoiceKey, Choices};

use super::status::CellState;

/// The `"render"` value of a `summary.json` (docs/ tables are rendered from it, see `aerepro docs`).
pub const RENDER_NAME: &str = "sweep-summary";

/// ROC-AUC and AP of one cell: normal vs all others, and normal vs each anomalous class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellMetrics {
    pub index: usize,
    pub id: String,
    pub dataset: DatasetKind,
    pub normal_class: u8,
    pub model: ModelKind,
    pub seed: u64,
    /// The varied choices of the cell's config (none in a sweep that varies nothing).
    #[serde(default, skip_serializing_if = "Choices::is_empty")]
    pub choices: Choices,
    pub all_others_roc_auc: f64,
    pub all_others_average_precision: f64,
    /// (anomalous class, ROC-AUC), ascending class.
    pub per_class_roc_auc: Vec<(u8, f64)>,
}

/// The best model of a normal class (highest mean all-others ROC-AUC) and whether its lead over the
/// runner-up holds across seeds: a paired t-test over the seeds both finished, its p Holm-adjusted
/// over the dataset's normal classes (one test per class, so some p < 0.05 are expected by chance),
/// significant when the adjusted p < 0.05.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BestModel {
    pub dataset: DatasetKind,
    pub normal_class: u8,
    #[serde(default, skip_serializing_if = "Choices::is_empty")]
    pub choices: Choices,
    pub best: ModelKind,
    pub runner_up: Option<ModelKind>,
    pub lead: Option<PairedSeedTest>,
    #[serde(default)]
    pub holm_p_value: Option<f64>,
    pub significant: bool,
}

/// One (dataset, normal class, model, varied choices) entry over its seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub dataset: DatasetKind,
    pub normal_class: u8,
    pub model: ModelKind,
    #[serde(default, skip_serializing_if = "Choices::is_empty")]
    pub choices: Choices,
    pub seeds: Vec<u64>,
    /// Fewer finished seeds than planned.
    pub partial: bool,
    pub roc_auc: SeedSummary,
    pub average_precision: SeedSummary,
    /// Mean ROC-AUC over seeds against each anomalous class.
    pub per_class_roc_auc: BTreeMap<u8, SeedSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MissingCell {
    pub index: usize,
    pub label: String,
    #[serde(default, skip_serializing_if = "Choices::is_empty")]
    pub choices: Choices,
    pub state: CellState,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Always [`RENDER_NAME`].
    pub render: String,
    pub planned_cells: usize,
    pub finished_cells: usize,
    pub confidence: f64,
    pub significance: f64,
    /// Thread counts the finished cells ran with (they change results in the last bits).
    pub threads: Vec<i32>,
    pub entries: Vec<Entry>,
    pub best: Vec<BestModel>,
    pub missing: Vec<MissingCell>,
    pub cells: Vec<CellMetrics>,
    /// The choices the sweep varies (`sweep plan --vary`); entries are per combination of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub varied: Vec<ChoiceKey>,
    /// The claim verdicts over seeds of each combination that has the paper's setup (its normal
    /// class, all three models for every seed): the sensitivity table.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verdicts: Vec<VariantVerdicts>,
}

/// The entries of one dataset of a summary, with its models and normal classes in order.
pub struct DatasetEntries<'a> {
    pub entries: Vec<&'a Entry>,
    pub models: Vec<ModelKind>,
    pub normal_classes: Vec<u8>,
}

impl<'a> DatasetEntries<'a> {
    pub fn find(&self, normal_class: u8, model: ModelKind) -> Option<&'a Entry> {
        self.entries
            .iter()
            .find(|e| e.normal_class == normal_class && e.model == model)
            .copied()
    }
}

impl Summary {
    /// A `summary.json` read from `path`, its ranges checked.
    pub fn read(path: &Path) -> anyhow::Result<Summary> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let summary: Summary = serde_json::from_str(&text)
            .with_context(|| format!("{}: not a sweep summary.json", path.display()))?;
        summary
            .check_ranges()
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        Ok(summary)
    }

    /// The entries of `dataset`.
    pub fn of_dataset(&self, dataset: DatasetKind) -> DatasetEntries<'_> {
        let entries: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| e.dataset == dataset)
            .collect();
        let mut models: Vec<ModelKind> = entries.iter().map(|e| e.model).collect();
        models.sort();
        models.dedup();
        let mut normal_classes: Vec<u8> = entries.iter().map(|e| e.normal_class).collect();
        normal_classes.sort();
        normal_classes.dedup();
        DatasetEntries {
            entries,
            models,
            normal_classes,
        }
    }

    /// Counts that can be true (finished ≤ planned), class indices in range and metrics in
    /// [0, 1]: what a renderer of a `summary.json` read from disk relies on.
    pub fn check_ranges(&self) -> Result<(), String> {
        if self.finished_cells > self.planned_cells {
            return Err(format!(
                "finished_cells is {}, more than planned_cells {}",
                self.finished_cells, self.planned_cells
            ));
        }
        for (i, e) in self.entries.iter().enumerate() {
            let at = format!("entries[{i}]");
            e.dataset
                .check_class(e.normal_class, &format!("{at}.normal_class"))?;
            check_unit_interval(e.roc_auc.mean, &format!("{at}.roc_auc.mean"))?;
            check_unit_interval(
                e.average_precision.mean,
                &format!("{at}.average_precision.mean"),
            )?;
            for (class, auc) in &e.per_class_roc_auc {
                e.dataset
                    .check_class(*class, &format!("{at}.per_class_roc_auc key"))?;
                check_unit_interval(auc.mean, &format!("{at}.per_class_roc_auc[{class}].mean"))?;
            }
        }
        for (i, b) in self.best.iter().enumerate() {
            b.dataset
                .check_class(b.normal_class, &format!("best[{i}].normal_class"))?;
        }
        Ok(())
    }
}

/// The claims about one dataset judged under one combination of the varied choices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantVerdicts {
    pub dataset: DatasetKind,
    pub choices: Choices,
    pub seeds: Vec<u64>,
    pub claims: Vec<ClaimVerdict>,
}
