//! A run's results over models and seeds: the across-seed summary rows, the claims' inputs, and
//! several records of one experiment combined into one.
use anyhow::{bail, Context};

use super::record::{ModelRun, RunRecord};
use super::step_cost::StepCosts;
use crate::claims::ClaimInputs;
use crate::metrics::class_rows::{self, ClassMetrics, PairedComparison, SummaryRow};
use crate::model::ModelKind;

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
}
