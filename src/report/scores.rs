//! The text report of the scores beyond the paper's: ROC-AUC per class under each score, the claims
//! under each, and the deployable thresholds with their test rates.
use std::fmt::Write;

use crate::metrics::over_seeds::MeanSd;
use crate::run::record::RunRecord;
use crate::run::record::RunScoring;
use crate::score::evaluate::ThresholdSource;
use crate::score::ScoreKind;

fn cell(value: &MeanSd) -> String {
    if value.n > 1 {
        format!("{:.4}±{:.4}", value.mean, value.sd)
    } else {
        format!("{:.4}", value.mean)
    }
}

fn roc_tables(record: &RunRecord, scoring: &RunScoring) -> String {
    let mut out = String::new();
    for summary in scoring
        .per_score
        .iter()
        .filter(|s| s.score != ScoreKind::Mse)
    {
        let _ = writeln!(out, "\nROC-AUC under score {}", summary.score);
        let mut header = format!("{:<12}", "class");
        for kind in &summary.models {
            let _ = write!(header, " | {:<15}", kind.to_string());
        }
        let _ = writeln!(out, "{header}\n{}", "-".repeat(header.chars().count()));
        let mut classes: Vec<Option<u8>> = summary.summary.iter().map(|r| r.class).collect();
        classes.sort_by_key(|c| c.map_or(u8::MAX, |c| c));
        classes.dedup();
        for class in classes {
            let name = class.map_or("all others".to_string(), |c| {
                record.config.dataset.class_label(c)
            });
            let mut line = format!("{name:<12}");
            for kind in &summary.models {
                let text = summary
                    .summary
                    .iter()
                    .find(|r| r.kind == *kind && r.class == class)
                    .map_or("-".to_string(), |r| cell(&r.roc_auc));
                let _ = write!(line, " | {text:<15}");
            }
            let _ = writeln!(out, "{line}");
        }
        for claim in &summary.claims {
            let _ = writeln!(
                out,
                "  {} under {}: {} ({})",
                claim.id, summary.score, claim.verdict, claim.measured
            );
        }
    }
    out
}

fn threshold_table(record: &RunRecord, scoring: &RunScoring) -> String {
    let mut out = String::new();
    let first_seed = record.config.seeds.first().copied().unwrap_or(0);
    let mut header_done = false;
    for run in record.runs.iter().filter(|r| r.seed == first_seed) {
        let Some(report) = &run.scoring else { continue };
        for result in &report.results {
            let t = &result.threshold;
            if !header_done {
                let source = match t.fitted_on {
                    ThresholdSource::HeldOut => {
                        format!("{} held-out normal training images", scoring.holdout_images)
                    }
                    ThresholdSource::TrainingInSample => {
                        "the normal training images (in-sample; --threshold-holdout holds some out)"
                            .to_string()
                    }
                };
                let _ = writeln!(
                    out,
                    "\nDeployable thresholds (seed {first_seed}), chosen on {source} at a target false-positive rate of {}; achieved on test (TPR per class):",
                    t.target_fpr
                );
                let mut header = format!(
                    "{:<4} {:<20} {:>10} {:>6} {:>6}",
                    "", "score", "threshold", "FPR", "TPR"
                );
                for row in t.test.iter().filter(|r| r.class.is_some()) {
                    let short: String = row.name.chars().take(6).collect();
                    let _ = write!(header, " {short:>6}");
                }
                let _ = write!(
                    header,
                    "  |  F1 (all others) | F1-optimal threshold on test (reference only)"
                );
                let _ = writeln!(out, "{header}");
                header_done = true;
            }
            let all = t.test.iter().find(|r| r.class.is_none());
            let mut line = format!(
                "{:<4} {:<20} {:>10.4e} {:>6.3} {:>6.3}",
                run.kind.to_string(),
                result.score.to_string(),
                t.threshold,
                all.map_or(f64::NAN, |r| r.false_positive_rate),
                all.map_or(f64::NAN, |r| r.true_positive_rate),
            );
            for row in t.test.iter().filter(|r| r.class.is_some()) {
                let _ = write!(line, " {:>6.3}", row.true_positive_rate);
            }
            let f1 = &t.f1_optimal_on_test;
            let _ = write!(
                line,
                "  | {:>6.3}           | {:.4e} F1 {:.3} (P {:.3} R {:.3})",
                all.map_or(f64::NAN, |r| r.f1),
                f1.threshold,
                f1.f1,
                f1.precision,
                f1.recall
            );
            let _ = writeln!(out, "{line}");
        }
        for note in &report.skipped {
            let _ = writeln!(out, "     note: {note}");
        }
    }
    if let Some(m) = record.runs.first().map(|r| &r.all_others.metrics) {
        let share = m.n_pos as f64 / (m.n_pos + m.n_neg) as f64;
        let _ = writeln!(
            out,
            "(anomalies are {:.0} % of the test set: flagging every image already has F1 {:.3})",
            100.0 * share,
            2.0 * share / (1.0 + share)
        );
    }
    out
}

fn cost_line(record: &RunRecord, scoring: &RunScoring) -> String {
    let extra: f64 = record
        .runs
        .iter()
        .filter_map(|r| r.scoring.as_ref())
        .map(|s| s.seconds)
        .sum::<f64>()
        + scoring.complexity_seconds.unwrap_or(0.0);
    let mut line = format!("scoring beyond the MSE: {extra:.1} s in all");
    if let Some(c) = scoring.complexity_seconds {
        let _ = write!(line, " (of which PNG complexity {c:.1} s)");
    }
    line
}

/// The scores section printed after the paper's tables (empty for a record without scoring).
pub fn render(record: &RunRecord) -> String {
    let Some(scoring) = &record.scoring else {
        return String::new();
    };
    let mut out = roc_tables(record, scoring);
    out += &threshold_table(record, scoring);
    let _ = writeln!(out, "{}", cost_line(record, scoring));
    out
}
