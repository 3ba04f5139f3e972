//! A run's results over models and seeds: the across-seed summary rows, the claims' inputs, and
//! several records of one experiment combined into one.
use anyhow::{bail, Context};

use super::record::{ModelRun, RunRecord};
use super::step_cost::StepCosts;
use crate::claims::ClaimInputs;
use crate::metrics::class_rows::{self, ClassMetrics, PairedComparison, SummaryRow};
use crate::metrics::over_seeds::MeanSd;
use crate::model::ModelKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One record from several of one experiment's runs (e.g. a sweep's cells of one normal class):
/// their model runs together, the models and seeds in first-seen order, the summary over seeds
/// recomputed. Refuses records of different datasets, normal classes or training setups.
pub fn combine_records(records: Vec<RunRecord>) -> anyhow::Result<RunRecord> {
    let mut records = records.into_iter();
    let mut combined = records.next().context("no run records to combine")?;
    for record in records {
        if record.config.setup() != combined.config.setup() {
            bail!("run records of different experiments cannot be combined");
        }
        for kind in &record.config.models {
            if !combined.config.models.contains(kind) {
                combined.config.models.push(*kind);
            }
        }
        for seed in &record.config.seeds {
            if !combined.config.seeds.contains(seed) {
                combined.config.seeds.push(*seed);
            }
        }
        combined.runs.extend(record.runs);
        combined.wall_seconds += record.wall_seconds;
    }
    combined.config.models.sort();
    combined.config.seeds.sort();
    combined.summary = summarize_runs(&combined.runs);
    Ok(combined)
}

/// The across-seed rows of every model of `runs`, models in order.
pub fn summarize_runs(runs: &[ModelRun]) -> Vec<SummaryRow> {
    let mut kinds: Vec<ModelKind> = runs.iter().map(|r| r.kind).collect();
    kinds.sort();
    kinds.dedup();
    kinds
        .into_iter()
        .flat_map(|kind| {
            let seeds: Vec<(&[ClassMetrics], &ClassMetrics)> = runs
                .iter()
                .filter(|r| r.kind == kind)
                .map(|r| (r.per_class.as_slice(), &r.all_others))
                .collect();
            class_rows::seed_summary_rows(kind, &seeds)
        })
        .collect()
}

/// What the claims read from a run: every seed's per-class ROC-AUCs and paired tests (seeds in the
/// order they ran), and the interleaved step costs.
pub fn claim_inputs(
    runs: &[ModelRun],
    paired: &[PairedComparison],
    step_costs: Option<&StepCosts>,
) -> ClaimInputs {
    ClaimInputs::from_rows(
        runs.iter().flat_map(|run| {
            run.per_class
                .iter()
                .filter_map(move |row| Some((run.seed, run.kind, row.class?, row.metrics.roc_auc)))
        }),
        paired,
        step_costs
            .and_then(StepCosts::relative_to_cae)
            .unwrap_or_default(),
    )
    .with_step_cost_rounds(step_costs.map(|c| c.rounds.clone()).unwrap_or_default())
}

/// Whole-epoch and per-step training seconds of one model over the runs (seeds) of a record.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EpochCost {
    pub seconds_per_epoch: MeanSd,
    /// Seconds per epoch / steps per epoch (ceil(n_train / batch size)).
    pub seconds_per_step: MeanSd,
}

/// Mean ± sd over runs of each model's seconds per epoch and per step, from the sequential
/// training runs (not interleaved: on a shared machine the load and warm-up differ between them).
pub fn epoch_costs(runs: &[ModelRun]) -> BTreeMap<ModelKind, EpochCost> {
    let mut per_model: BTreeMap<ModelKind, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    for run in runs {
        let batch = run.train.config.batch_size.max(1);
        let steps = ((run.train.n_train + batch - 1) / batch).max(1);
        let entry = per_model.entry(run.kind).or_default();
        entry.0.push(run.seconds_per_epoch);
        entry.1.push(run.seconds_per_epoch / steps as f64);
    }
    per_model
        .into_iter()
        .map(|(kind, (epoch, step))| {
            (
                kind,
                EpochCost {
                    seconds_per_epoch: MeanSd::of(&epoch),
                    seconds_per_step: MeanSd::of(&step),
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_costs_divide_by_ceil_of_images_per_batch() {
        let record = crate::run::record::parse_record(include_str!(
            "../../fixtures/records/v1-mnist-1epoch.json"
        ))
        .unwrap();
        let mut runs = record.runs;
        let mut second = runs[0].clone();
        second.seconds_per_epoch *= 3.0;
        runs.push(second);
        let costs = epoch_costs(&runs);
        let cae = costs[&ModelKind::Cae];
        let run = &runs[0];
        let steps = (run.train.n_train as f64 / run.train.config.batch_size as f64).ceil();
        assert_eq!(cae.seconds_per_epoch.n, 2);
        assert!((cae.seconds_per_epoch.mean - 2.0 * run.seconds_per_epoch).abs() < 1e-9);
        assert!((cae.seconds_per_step.mean * steps - cae.seconds_per_epoch.mean).abs() < 1e-9);
        assert_eq!(costs.len(), 3);
    }
}
