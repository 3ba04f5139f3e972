//! A sweep that varies choices the paper leaves open (`sweep plan --vary`): its cells grouped by
//! the value of each varied choice, checked to differ in nothing else, and the claims judged under
//! each combination — the sensitivity table.
use std::collections::BTreeMap;

use crate::claims;
use crate::data::DatasetKind;
use crate::model::ModelKind;
use crate::run::choice::Choices;
use crate::run::config::ExperimentConfig;

use super::cell::{self, CellScores};
use super::plan::Cell;
use super::summary::{CellMetrics, MissingCell, Summary, VariantVerdicts};

/// The claims judged under each combination of varied choices that has the paper's setup, from the
/// cells' per-class ROC-AUCs and the paired tests of their scores (`paper_scores`: the position in
/// `cells` of each cell of a paper normal class, with its scores).
pub(super) fn variant_verdicts(
    cells: &[CellMetrics],
    paper_scores: Vec<(usize, CellScores)>,
) -> anyhow::Result<Vec<VariantVerdicts>> {
    let mut groups: BTreeMap<(DatasetKind, Choices), Vec<(usize, CellScores)>> = BTreeMap::new();
    for (at, scores) in paper_scores {
        let c = &cells[at];
        groups
            .entry((c.dataset, c.choices.clone()))
            .or_default()
            .push((at, scores));
    }
    let mut out = Vec::new();
    let mut groups: Vec<_> = groups.into_iter().collect();
    groups.sort_by_key(|(_, group)| group.iter().map(|(at, _)| cells[*at].index).min());
    for ((dataset, choices), group) in groups {
        let of = |at: usize| &cells[at];
        let results: Vec<(u64, ModelKind)> = group
            .iter()
            .map(|(at, _)| (of(*at).seed, of(*at).model))
            .collect();
        if !claims::judgeable(dataset, dataset.paper_normal_class(), &results) {
            continue;
        }
        let mut seeds: Vec<u64> = results.iter().map(|(seed, _)| *seed).collect();
        seeds.sort();
        seeds.dedup();
        let mut paired = Vec::new();
        for seed in &seeds {
            let of_seed: Vec<&CellScores> = group
                .iter()
                .filter(|(at, _)| of(*at).seed == *seed)
                .map(|(_, scores)| scores)
                .collect();
            paired.extend(cell::paired_tests(&of_seed)?);
        }
        let rows = seeds.iter().flat_map(|seed| {
            group
                .iter()
                .map(|(at, _)| of(*at))
                .filter(move |c| c.seed == *seed)
                .flat_map(|c| {
                    c.per_class_roc_auc
                        .iter()
                        .map(move |(class, auc)| (c.seed, c.model, *class, *auc))
                })
        });
        let claims = claims::judge_results(dataset, rows, &paired);
        out.push(VariantVerdicts {
            dataset,
            choices,
            seeds,
            claims,
        });
    }
    Ok(out)
}

/// Refuses two cells of one (dataset, normal class, varied choices) whose settings differ otherwise:
/// merged as one entry, they would count different experiments as seeds of one.
pub(super) fn check_same_setup<'a>(
    setups: &mut BTreeMap<(DatasetKind, u8, Choices), (&'a Cell, ExperimentConfig)>,
    cell: &'a Cell,
    choices: &Choices,
    config: &ExperimentConfig,
) -> anyhow::Result<()> {
    let setup = config.setup();
    let key = (cell.dataset, cell.normal_class, choices.clone());
    match setups.get(&key) {
        Some((first, first_setup)) if *first_setup != setup => anyhow::bail!(
            "cells {} ({}) and {} ({}) differ in settings the plan does not vary ({}): merged, \
             they would count two experiments as seeds of one; plan the choice with --vary",
            first.index,
            first.label(),
            cell.index,
            cell.label(),
            first_setup.differences(&setup).join(", ")
        ),
        Some(_) => Ok(()),
        None => {
            setups.insert(key, (cell, setup));
            Ok(())
        }
    }
}

impl Summary {
    /// The combinations of varied choices in plan order (one empty combination when nothing varies).
    pub fn variants(&self) -> Vec<Choices> {
        let mut variants: Vec<(usize, &Choices)> = Vec::new();
        for c in &self.cells {
            match variants
                .iter_mut()
                .find(|(_, choices)| **choices == c.choices)
            {
                Some((first, _)) => *first = (*first).min(c.index),
                None => variants.push((c.index, &c.choices)),
            }
        }
        variants.sort();
        variants.into_iter().map(|(_, c)| c.clone()).collect()
    }

    /// The part of this summary under one combination of varied choices, as a summary of a sweep
    /// that varies nothing (what the per-dataset tables and figures render).
    pub fn variant(&self, choices: &Choices) -> Summary {
        let cells: Vec<CellMetrics> = self
            .cells
            .iter()
            .filter(|c| c.choices == *choices)
            .cloned()
            .collect();
        let missing: Vec<MissingCell> = self
            .missing
            .iter()
            .filter(|m| m.choices == *choices)
            .cloned()
            .collect();
        Summary {
            planned_cells: cells.len() + missing.len(),
            finished_cells: cells.len(),
            entries: self
                .entries
                .iter()
                .filter(|e| e.choices == *choices)
                .cloned()
                .collect(),
            best: self
                .best
                .iter()
                .filter(|b| b.choices == *choices)
                .cloned()
                .collect(),
            cells,
            missing,
            varied: Vec::new(),
            verdicts: Vec::new(),
            ..self.clone()
        }
    }
}
