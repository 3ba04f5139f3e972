//! Reading the cost-benefit rows out of typed run records.

use anyhow::{bail, ensure, Result};

use crate::data::DatasetKind;
use crate::model::ModelKind;
use crate::run::record::RunRecord;

/// One model's cost and benefit on one dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct CostRow {
    pub dataset: DatasetKind,
    pub kind: ModelKind,
    /// Mean training seconds over the runs (seeds) of this model.
    pub train_seconds: f64,
    /// Mean ROC-AUC over the (run, class) pairs that have one (None when none has).
    pub mean_roc_auc: Option<f64>,
    /// (run, class) pairs whose ROC-AUC is undefined, left out of the mean.
    pub missing_roc_auc: usize,
    /// Runs (seeds) behind the row.
    pub runs: usize,
    /// Per-step training cost relative to the CAE's, timed interleaved (mean over the records that
    /// timed it; None when none did).
    pub step_cost_vs_cae: Option<f64>,
}

fn positive_finite(value: f64, what: impl FnOnce() -> String) -> Result<f64> {
    ensure!(
        value.is_finite() && value > 0.0,
        "{} is {value}, expected a finite positive number",
        what()
    );
    Ok(value)
}

#[derive(Default)]
struct Accumulated {
    seconds: Vec<f64>,
    aucs: Vec<f64>,
    missing: usize,
    step_costs: Vec<f64>,
}

/// One [`CostRow`] per (dataset, model) over `records`, each named by its `label` (the file) in
/// errors.
pub fn cost_rows(records: &[(String, RunRecord)]) -> Result<Vec<CostRow>> {
    let mut rows: Vec<((DatasetKind, ModelKind), Accumulated)> = Vec::new();
    fn entry(
        rows: &mut Vec<((DatasetKind, ModelKind), Accumulated)>,
        key: (DatasetKind, ModelKind),
    ) -> &mut Accumulated {
        let i = match rows.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                rows.push((key, Accumulated::default()));
                rows.len() - 1
            }
        };
        &mut rows[i].1
    }
    let mut normal_of: Vec<(DatasetKind, u8, &str)> = Vec::new();
    let mut seen: Vec<((DatasetKind, ModelKind, u64), &str)> = Vec::new();
    for (label, record) in records {
        let dataset = record.config.dataset;
        let normal = record.config.normal_class;
        match normal_of.iter().find(|(d, _, _)| *d == dataset) {
            Some((_, other, first)) if *other != normal => bail!(
                "{label} has {dataset} normal class {}, but {first} has {}: a cost row averages \
                 one experiment's seeds; report the normal classes separately",
                dataset.class_label(normal),
                dataset.class_label(*other)
            ),
            Some(_) => {}
            None => normal_of.push((dataset, normal, label)),
        }
        for run in &record.runs {
            let key = (dataset, run.kind, run.seed);
            if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
                bail!(
                    "{dataset} {} seed {} is in both {first} and {label}: it would be counted twice",
                    run.kind,
                    run.seed
                );
            }
            seen.push((key, label));
        }
        for (i, run) in record.runs.iter().enumerate() {
            let seconds = positive_finite(run.train.total_seconds, || {
                format!(
                    "{label}: runs[{i}] ({} seed {}) train.total_seconds",
                    run.kind, run.seed
                )
            })?;
            let row = entry(&mut rows, (dataset, run.kind));
            row.seconds.push(seconds);
            for class in &run.per_class {
                let auc = class.metrics.roc_auc;
                if auc.is_finite() {
                    row.aucs.push(auc);
                } else {
                    row.missing += 1;
                }
            }
        }
        if let Some(costs) = &record.step_costs {
            for (kind, ratio) in costs.relative_to_cae().unwrap_or_default() {
                let ratio = positive_finite(ratio, || {
                    format!("{label}: step_costs, the {kind}/CAE per-step cost ratio")
                })?;
                entry(&mut rows, (dataset, kind)).step_costs.push(ratio);
            }
        }
    }
    let mean = |v: &[f64]| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    let rows: Vec<CostRow> = rows
        .into_iter()
        .filter(|(_, acc)| !acc.seconds.is_empty())
        .map(|((dataset, kind), acc)| CostRow {
            dataset,
            kind,
            train_seconds: mean(&acc.seconds).unwrap_or_default(),
            mean_roc_auc: mean(&acc.aucs),
            missing_roc_auc: acc.missing,
            runs: acc.seconds.len(),
            step_cost_vs_cae: mean(&acc.step_costs),
        })
        .collect();
    if rows.is_empty() {
        bail!("no finished model in the run record(s): nothing to report");
    }
    Ok(rows)
}

/// The rows grouped by dataset, CAE/VAE/AAE order within.
pub(super) fn grouped(rows: &[CostRow]) -> Vec<(DatasetKind, Vec<&CostRow>)> {
    let mut groups: Vec<(DatasetKind, Vec<&CostRow>)> = Vec::new();
    for r in rows {
        match groups.iter_mut().find(|(d, _)| *d == r.dataset) {
            Some((_, v)) => v.push(r),
            None => groups.push((r.dataset, vec![r])),
        }
    }
    for (_, v) in &mut groups {
        v.sort_by_key(|r| r.kind);
    }
    groups
}
