//! Merging a sweep: every finished cell's scores become exact normal-vs-class metrics, summarised
//! over seeds (mean ± sd, 95 % t-interval, n) per dataset × normal class × model; the best model per
//! normal class with a paired test over seeds against the runner-up; missing cells named.
//!
//! Compute only: `report::sweep` renders and writes the summary, tables and figures.
use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::data::one_class::{anomalous_classes, normal_vs};
use crate::data::DatasetKind;
use crate::metrics::over_seeds::{
    holm_adjusted, paired_t_test, PairedSeedTest, SeedSummary, CONFIDENCE, SIGNIFICANCE,
};
use crate::metrics::{average_precision, check_unit_interval, roc_auc};
use crate::model::ModelKind;
use crate::run::record::RunRecord;

use super::cell::{self, CellScores};
use super::plan::{self, Cell};
use super::status::{self, CellState};

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
    pub all_others_roc_auc: f64,
    pub all_others_average_precision: f64,
    /// (anomalous class, ROC-AUC), ascending class.
    pub per_class_roc_auc: Vec<(u8, f64)>,
}

pub fn cell_metrics(cell: &Cell, scores: &CellScores) -> anyhow::Result<CellMetrics> {
    let context = || format!("cell {} ({})", cell.index, cell.label());
    let metrics = |class: Option<u8>| -> anyhow::Result<(f64, f64)> {
        let (s, y) = normal_vs(
            &scores.scores,
            &scores.test_labels,
            cell.normal_class,
            class,
        );
        Ok((
            roc_auc(&s, &y).with_context(context)?,
            average_precision(&s, &y).with_context(context)?,
        ))
    };
    let (all_auc, all_ap) = metrics(None)?;
    let per_class_roc_auc = anomalous_classes(cell.dataset, cell.normal_class)
        .into_iter()
        .map(|c| Ok((c, metrics(Some(c))?.0)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(CellMetrics {
        index: cell.index,
        id: cell.id.clone(),
        dataset: cell.dataset,
        normal_class: cell.normal_class,
        model: cell.model,
        seed: cell.seed,
        all_others_roc_auc: all_auc,
        all_others_average_precision: all_ap,
        per_class_roc_auc,
    })
}

/// One (dataset, normal class, model) entry over its seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub dataset: DatasetKind,
    pub normal_class: u8,
    pub model: ModelKind,
    pub seeds: Vec<u64>,
    /// Fewer finished seeds than planned.
    pub partial: bool,
    pub roc_auc: SeedSummary,
    pub average_precision: SeedSummary,
    /// Mean ROC-AUC over seeds against each anomalous class.
    pub per_class_roc_auc: BTreeMap<u8, SeedSummary>,
}

/// The best model of a normal class (highest mean all-others ROC-AUC) and whether its lead over the
/// runner-up holds across seeds: a paired t-test over the seeds both finished, its p Holm-adjusted
/// over the dataset's normal classes (one test per class, so some p < 0.05 are expected by chance),
/// significant when the adjusted p < 0.05.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BestModel {
    pub dataset: DatasetKind,
    pub normal_class: u8,
    pub best: ModelKind,
    pub runner_up: Option<ModelKind>,
    pub lead: Option<PairedSeedTest>,
    #[serde(default)]
    pub holm_p_value: Option<f64>,
    pub significant: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MissingCell {
    pub index: usize,
    pub label: String,
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

/// Summarises finished cells (pure: no files).
pub fn summarize(plan: &plan::Plan, cells: Vec<CellMetrics>, missing: Vec<MissingCell>) -> Summary {
    let mut groups: BTreeMap<(DatasetKind, u8, ModelKind), Vec<&CellMetrics>> = BTreeMap::new();
    let mut planned: BTreeMap<(DatasetKind, u8, ModelKind), usize> = BTreeMap::new();
    for c in &plan.cells {
        *planned
            .entry((c.dataset, c.normal_class, c.model))
            .or_default() += 1;
    }
    for c in &cells {
        groups
            .entry((c.dataset, c.normal_class, c.model))
            .or_default()
            .push(c);
    }
    let mut entries = Vec::new();
    for ((dataset, normal_class, model), mut group) in groups {
        group.sort_by_key(|c| c.seed);
        let values = |f: &dyn Fn(&CellMetrics) -> f64| {
            SeedSummary::of(&group.iter().map(|c| f(c)).collect::<Vec<_>>(), CONFIDENCE)
        };
        let per_class_roc_auc = group[0]
            .per_class_roc_auc
            .iter()
            .enumerate()
            .map(|(i, (class, _))| (*class, values(&|c| c.per_class_roc_auc[i].1)))
            .collect();
        entries.push(Entry {
            dataset,
            normal_class,
            model,
            seeds: group.iter().map(|c| c.seed).collect(),
            partial: group.len() < planned[&(dataset, normal_class, model)],
            roc_auc: values(&|c| c.all_others_roc_auc),
            average_precision: values(&|c| c.all_others_average_precision),
            per_class_roc_auc,
        });
    }
    let best = best_models(&entries, &cells);
    Summary {
        render: RENDER_NAME.to_string(),
        planned_cells: plan.cells.len(),
        finished_cells: cells.len(),
        confidence: CONFIDENCE,
        significance: SIGNIFICANCE,
        threads: Vec::new(),
        entries,
        best,
        missing,
        cells,
    }
}

fn best_models(entries: &[Entry], cells: &[CellMetrics]) -> Vec<BestModel> {
    let mut by_class: BTreeMap<(DatasetKind, u8), Vec<&Entry>> = BTreeMap::new();
    for e in entries {
        by_class
            .entry((e.dataset, e.normal_class))
            .or_default()
            .push(e);
    }
    let auc_by_seed = |dataset, normal, model| -> BTreeMap<u64, f64> {
        cells
            .iter()
            .filter(|c| c.dataset == dataset && c.normal_class == normal && c.model == model)
            .map(|c| (c.seed, c.all_others_roc_auc))
            .collect()
    };
    let mut best = by_class
        .into_iter()
        .map(|((dataset, normal_class), mut models)| {
            models.sort_by(|a, b| b.roc_auc.mean.total_cmp(&a.roc_auc.mean));
            let best = models[0].model;
            let runner_up = models.get(1).map(|e| e.model);
            let lead = runner_up.and_then(|r| {
                let a = auc_by_seed(dataset, normal_class, best);
                let b = auc_by_seed(dataset, normal_class, r);
                let (x, y): (Vec<f64>, Vec<f64>) = a
                    .iter()
                    .filter_map(|(seed, v)| b.get(seed).map(|w| (*v, *w)))
                    .unzip();
                paired_t_test(&x, &y)
            });
            BestModel {
                dataset,
                normal_class,
                best,
                runner_up,
                lead,
                holm_p_value: None,
                significant: false,
            }
        })
        .collect::<Vec<_>>();
    holm_adjust_per_dataset(&mut best);
    best
}

fn holm_adjust_per_dataset(best: &mut [BestModel]) {
    let mut datasets: Vec<DatasetKind> = best.iter().map(|b| b.dataset).collect();
    datasets.dedup();
    for dataset in datasets {
        let tested: Vec<&mut BestModel> = best
            .iter_mut()
            .filter(|b| b.dataset == dataset && b.lead.is_some())
            .collect();
        let p: Vec<f64> = tested
            .iter()
            .filter_map(|b| b.lead)
            .map(|t| t.p_value)
            .collect();
        for (b, adjusted) in tested.into_iter().zip(holm_adjusted(&p)) {
            b.holm_p_value = Some(adjusted);
            b.significant = adjusted < SIGNIFICANCE;
        }
    }
}

/// Every verified cell of the sweep in `dir` summarised; the planned cells that are not finished are
/// named in the summary.
pub fn merge(dir: &Path) -> anyhow::Result<Summary> {
    let plan = plan::read(dir)?;
    let mut cells = Vec::new();
    let mut missing = Vec::new();
    let mut threads = Vec::new();
    let mut records = Vec::new();
    for c in &plan.cells {
        c.experiment_config()?;
        match cell::verify(dir, c) {
            Ok(marker) => {
                let (record, scores) = cell::read_verified(dir, c)?;
                cells.push(cell_metrics(c, &scores)?);
                threads.extend(marker.threads);
                records.push((cell::cell_dir(dir, c), record));
            }
            Err(_) => missing.push(MissingCell {
                index: c.index,
                label: c.label(),
                state: status::state(dir, c),
            }),
        }
    }
    if cells.is_empty() {
        anyhow::bail!(
            "no finished cells in {} ({} planned): run `aerepro sweep run {}` first",
            dir.display(),
            plan.cells.len(),
            dir.display()
        );
    }
    let paths: Vec<(&Path, &RunRecord)> = records.iter().map(|(p, r)| (p.as_path(), r)).collect();
    super::source::check_same_data(&paths)?;
    threads.sort();
    threads.dedup();
    let mut summary = summarize(&plan, cells, missing);
    summary.threads = threads;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn best(dataset: DatasetKind, normal_class: u8, p_value: f64) -> BestModel {
        BestModel {
            dataset,
            normal_class,
            best: ModelKind::Cae,
            runner_up: Some(ModelKind::Vae),
            lead: Some(PairedSeedTest {
                mean_difference: 0.01,
                sd: 0.01,
                n: 3,
                t: 1.0,
                p_value,
            }),
            holm_p_value: None,
            significant: false,
        }
    }

    #[test]
    fn a_lead_is_significant_only_after_holm_over_its_datasets_normal_classes() {
        let mut leads = vec![
            best(DatasetKind::Mnist, 0, 0.01),
            best(DatasetKind::Mnist, 1, 0.03),
            best(DatasetKind::Mnist, 2, 0.5),
            best(DatasetKind::Cifar10, 0, 0.03),
        ];
        holm_adjust_per_dataset(&mut leads);
        let adjusted: Vec<f64> = leads.iter().map(|b| b.holm_p_value.unwrap()).collect();
        for (a, e) in adjusted.iter().zip([0.03, 0.06, 0.5, 0.03]) {
            assert!((a - e).abs() < 1e-12, "{adjusted:?}");
        }
        let significant: Vec<bool> = leads.iter().map(|b| b.significant).collect();
        assert_eq!(significant, [true, false, false, true]);
    }
}
