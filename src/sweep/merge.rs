//! Merging a sweep: every finished cell's scores become exact normal-vs-class metrics, summarised
//! over seeds (mean ± sd, 95 % t-interval, n) per dataset × normal class × model; the best model per
//! normal class with a paired test over seeds against the runner-up; missing cells named.
//!
//! Compute only: `report::sweep` renders and writes the summary, tables and figures.
use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;

use crate::data::one_class::{anomalous_classes, normal_vs};
use crate::data::DatasetKind;
use crate::metrics::over_seeds::{SeedSummary, CONFIDENCE, SIGNIFICANCE};
use crate::metrics::{average_precision, roc_auc};
use crate::model::ModelKind;
use crate::run::choice::{self, ChoiceKey, Choices};
use crate::run::record::RunRecord;

use super::best::best_models;
use super::cell::{self, CellScores};
use super::plan::{self, Cell};
use super::status;
use super::summary::{CellMetrics, Entry, MissingCell, Summary, RENDER_NAME};
use super::variants::{check_same_setup, variant_verdicts};

pub fn cell_metrics(
    cell: &Cell,
    choices: &Choices,
    scores: &CellScores,
) -> anyhow::Result<CellMetrics> {
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
        choices: choices.clone(),
        all_others_roc_auc: all_auc,
        all_others_average_precision: all_ap,
        per_class_roc_auc,
    })
}

/// The key of an entry: dataset, normal class, model and the varied choices.
type EntryKey = (DatasetKind, u8, ModelKind, Choices);

fn entry_key(
    dataset: DatasetKind,
    normal_class: u8,
    model: ModelKind,
    choices: &Choices,
) -> EntryKey {
    (dataset, normal_class, model, choices.clone())
}

/// Summarises finished cells (pure: no files); `planned` holds every planned cell with its varied
/// choices.
pub fn summarize(
    planned: &[(&Cell, Choices)],
    cells: Vec<CellMetrics>,
    missing: Vec<MissingCell>,
) -> Summary {
    let mut groups: BTreeMap<EntryKey, Vec<&CellMetrics>> = BTreeMap::new();
    let mut planned_seeds: BTreeMap<EntryKey, usize> = BTreeMap::new();
    for (c, choices) in planned {
        *planned_seeds
            .entry(entry_key(c.dataset, c.normal_class, c.model, choices))
            .or_default() += 1;
    }
    for c in &cells {
        groups
            .entry(entry_key(c.dataset, c.normal_class, c.model, &c.choices))
            .or_default()
            .push(c);
    }
    let mut entries = Vec::new();
    for (key, mut group) in groups {
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
        let partial = group.len() < planned_seeds.get(&key).copied().unwrap_or(0);
        let (dataset, normal_class, model, choices) = key;
        entries.push(Entry {
            dataset,
            normal_class,
            model,
            choices,
            seeds: group.iter().map(|c| c.seed).collect(),
            partial,
            roc_auc: values(&|c| c.all_others_roc_auc),
            average_precision: values(&|c| c.all_others_average_precision),
            per_class_roc_auc,
        });
    }
    let best = best_models(&entries, &cells);
    Summary {
        render: RENDER_NAME.to_string(),
        planned_cells: planned.len(),
        finished_cells: cells.len(),
        confidence: CONFIDENCE,
        significance: SIGNIFICANCE,
        threads: Vec::new(),
        entries,
        best,
        missing,
        cells,
        varied: Vec::new(),
        verdicts: Vec::new(),
    }
}

/// Every verified cell of the sweep in `dir` summarised; the planned cells that are not finished are
/// named in the summary.
pub fn merge(dir: &Path) -> anyhow::Result<Summary> {
    let plan = plan::read(dir)?;
    let varied: Vec<ChoiceKey> = plan.spec.vary.keys().copied().collect();
    let mut planned = Vec::new();
    let mut setups = BTreeMap::new();
    for c in &plan.cells {
        let config = c.experiment_config()?;
        let choices = choice::choices_of(varied.iter().copied(), &config);
        check_same_setup(&mut setups, c, &choices, &config)?;
        planned.push((c, choices));
    }
    let mut cells = Vec::new();
    let mut paper_scores = Vec::new();
    let mut missing = Vec::new();
    let mut threads = Vec::new();
    let mut records = Vec::new();
    for (c, choices) in &planned {
        match cell::verify(dir, c) {
            Ok(marker) => {
                let (record, scores) = cell::read_verified(dir, c)?;
                cells.push(cell_metrics(c, choices, &scores)?);
                if c.normal_class == c.dataset.paper_normal_class() {
                    paper_scores.push((cells.len() - 1, scores));
                }
                threads.extend(marker.threads);
                records.push((cell::cell_dir(dir, c), record));
            }
            Err(_) => missing.push(MissingCell {
                index: c.index,
                label: c.label(),
                choices: choices.clone(),
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
    let mut summary = summarize(&planned, cells, missing);
    summary.threads = threads;
    summary.varied = varied;
    summary.verdicts = variant_verdicts(&summary.cells, paper_scores)?;
    Ok(summary)
}
