//! The cost-benefit text table.

use super::rows::{grouped, CostRow};
use crate::model::ModelKind;
use crate::paper;

fn fmt_opt(x: Option<f64>, prec: usize, signed: bool) -> String {
    match x {
        Some(v) if signed => format!("{v:+.prec$}"),
        Some(v) => format!("{v:.prec$}"),
        None => "-".to_string(),
    }
}

/// The cost-benefit table: per dataset, each model's training seconds and their ratio to the CAE's,
/// the per-step cost ratio timed interleaved (when recorded; whole-run times favour whichever model
/// ran later), the paper's ratio, the mean ROC-AUC and the AUC gained over the CAE; then a note for
/// every model whose mean leaves out classes without a ROC-AUC.
pub fn cost_table(rows: &[CostRow]) -> String {
    let mut out = String::new();
    for (dataset, group) in grouped(rows) {
        out.push_str(&format!("cost-benefit, {dataset}\n"));
        out.push_str(&format!(
            "{:<6} {:>5} {:>12} {:>9} {:>12} {:>11} {:>13} {:>11}\n",
            "model",
            "runs",
            "train s",
            "x CAE",
            "step x CAE",
            "paper x CAE",
            "mean ROC-AUC",
            "dAUC vs CAE"
        ));
        let cae = group.iter().find(|r| r.kind == ModelKind::Cae);
        let (paper_vae, paper_aae) = paper::cost_ratios(dataset);
        for r in &group {
            let ratio = cae.map(|c| r.train_seconds / c.train_seconds);
            let paper_ratio = match r.kind {
                ModelKind::Cae => 1.0,
                ModelKind::Vae => paper_vae,
                ModelKind::Aae => paper_aae,
            };
            let dauc = match (r.mean_roc_auc, cae.and_then(|c| c.mean_roc_auc)) {
                (Some(a), Some(b)) => Some(a - b),
                _ => None,
            };
            out.push_str(&format!(
                "{:<6} {:>5} {:>12.1} {:>9} {:>12} {:>11.3} {:>13} {:>11}\n",
                r.kind.to_string(),
                r.runs,
                r.train_seconds,
                fmt_opt(ratio, 3, false),
                fmt_opt(r.step_cost_vs_cae, 3, false),
                paper_ratio,
                fmt_opt(r.mean_roc_auc, 4, false),
                fmt_opt(dauc, 4, true),
            ));
        }
        for r in group.iter().filter(|r| r.missing_roc_auc > 0) {
            out.push_str(&format!(
                "note: {} has {} class ROC-AUC(s) undefined; its mean is over the other classes\n",
                r.kind, r.missing_roc_auc
            ));
        }
        out.push('\n');
    }
    out
}
