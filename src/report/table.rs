//! Tables 5/6 in the paper's layout with our numbers, the paper's, and the difference.
use std::fmt::Write;

use crate::claims::{Evidence, Verdict};
use crate::metrics::class_rows::SummaryRow;
use crate::metrics::over_seeds::MeanSd;
use crate::model::ModelKind;
use crate::paper;
use crate::run::record::RunRecord;

fn cell(value: &MeanSd) -> String {
    if value.n > 1 {
        format!("{:.4}±{:.4}", value.mean, value.sd)
    } else {
        format!("{:.4}", value.mean)
    }
}

fn metric_table(
    record: &RunRecord,
    title: &str,
    ours: fn(&SummaryRow) -> &MeanSd,
    theirs: fn(&paper::PaperCell) -> f64,
) -> String {
    let config = &record.config;
    let kinds = &config.models;
    let mut out = String::new();
    let _ = writeln!(out, "{title}");
    let mut header = format!("{:<12}", "class");
    for kind in kinds {
        let _ = write!(
            header,
            " | {:<15} {:>6} {:>7}",
            format!("{kind} ours"),
            "paper",
            "diff"
        );
    }
    let _ = writeln!(out, "{header}");
    let _ = writeln!(out, "{}", "-".repeat(header.chars().count()));
    let mut classes: Vec<Option<u8>> = record.summary.iter().map(|r| r.class).collect();
    classes.sort_by_key(|c| c.map_or(u8::MAX, |c| c));
    classes.dedup();
    for class in classes {
        let name = class.map_or("all others".to_string(), |c| config.dataset.class_label(c));
        let mut line = format!("{name:<12}");
        for kind in kinds {
            let row = record
                .summary
                .iter()
                .find(|r| r.kind == *kind && r.class == class);
            let paper_value = class
                .and_then(|c| paper::cell(config.dataset, config.normal_class, c, *kind))
                .map(|c| theirs(&c));
            let (ours_text, diff) = match row {
                Some(row) => (
                    cell(ours(row)),
                    paper_value.map(|p| format!("{:+.4}", ours(row).mean - p)),
                ),
                None => ("-".into(), None),
            };
            let paper_text = paper_value.map_or("-".into(), |p| format!("{p:.4}"));
            let _ = write!(
                line,
                " | {ours_text:<15} {paper_text:>6} {:>7}",
                diff.unwrap_or_else(|| "-".into())
            );
        }
        let _ = writeln!(out, "{line}");
    }
    out
}

/// Training time per model, and the interleaved per-step costs beside the paper's ratios.
pub fn cost_line(record: &RunRecord) -> String {
    let mut seconds: Vec<(ModelKind, f64)> = Vec::new();
    for kind in &record.config.models {
        let runs: Vec<f64> = record
            .runs
            .iter()
            .filter(|r| r.kind == *kind)
            .map(|r| r.train.total_seconds)
            .collect();
        if !runs.is_empty() {
            seconds.push((*kind, MeanSd::of(&runs).mean));
        }
    }
    let mut line = String::from("training seconds:");
    for (kind, s) in &seconds {
        let _ = write!(line, " {kind} {s:.1}");
    }
    if let Some(costs) = &record.step_costs {
        let medians = costs.median_seconds();
        let _ = write!(
            line,
            "\ncost per step (interleaved, {} rounds × {} steps):",
            costs.rounds.values().next().map_or(0, Vec::len),
            costs.steps_per_round
        );
        for (kind, s) in &medians {
            let _ = write!(line, " {kind} {:.1} ms", s * 1e3);
        }
        let (paper_vae, paper_aae) = paper::cost_ratios(record.config.dataset);
        if let (Some(vae), Some(aae)) = (
            costs.median_ratio(ModelKind::Vae, ModelKind::Cae),
            costs.median_ratio(ModelKind::Aae, ModelKind::Cae),
        ) {
            let _ = write!(
                line,
                "; VAE/CAE {vae:.3} (paper {paper_vae:.3}), AAE/CAE {aae:.3} (paper {paper_aae:.3})"
            );
        }
    }
    line
}

/// The statistic a verdict rests on, its interval over seeds and the rule, in one line.
pub fn evidence_line(evidence: &Evidence) -> String {
    let value = evidence
        .value
        .map_or("not computed".to_string(), |v| format!("{v:.4}"));
    let interval = match evidence.interval {
        Some([lo, hi]) => format!(", 95 % interval [{lo:.4}, {hi:.4}]"),
        None => String::new(),
    };
    format!(
        "{} = {value}{interval} over {} seed(s); rule: {}",
        evidence.statistic, evidence.n_seeds, evidence.rule
    )
}

/// The full text report printed after `reproduce`.
pub fn render(record: &RunRecord) -> String {
    let config = &record.config;
    let table_name = match config.dataset {
        crate::data::DatasetKind::Mnist => "Table 5",
        crate::data::DatasetKind::Cifar10 => "Table 6",
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} (data variant: {}), normal class {} — {table_name}; {} epochs, seeds {:?}, device {}, {} threads",
        config.dataset,
        record.data.variant,
        config.dataset.class_label(config.normal_class),
        config.train.epochs,
        config.seeds,
        record.device,
        record.environment.threads,
    );
    if !record.data.is_verified() {
        let _ = writeln!(
            out,
            "WARNING: {} data is {}: {}",
            config.dataset, record.data.variant, record.data.checked
        );
    }
    if paper::table(config.dataset, config.normal_class).is_none() {
        let _ = writeln!(
            out,
            "(the paper has no numbers for this normal class; paper columns are empty)"
        );
    }
    out += &metric_table(record, "ROC-AUC", |r| &r.roc_auc, |c| c.roc_auc);
    out += "\n";
    out += &metric_table(
        record,
        "PR-AUC (average precision; the trapezoidal variant is in record.json)",
        |r| &r.average_precision,
        |c| c.pr_auc,
    );
    let _ = writeln!(out, "\n{}", cost_line(record));
    for run in record.runs.iter().filter(|r| r.train.collapse.detected) {
        let _ = writeln!(
            out,
            "WARNING: {} seed {} collapsed: {}",
            run.kind,
            run.seed,
            run.train.collapse.reason.as_deref().unwrap_or("see record")
        );
    }
    if !record.claims.is_empty() {
        let _ = writeln!(out, "\nclaims:");
        for claim in &record.claims {
            let verdict = match claim.verdict {
                Verdict::Refuted => "REFUTED".to_string(),
                other => other.to_string(),
            };
            let _ = writeln!(
                out,
                "  {} {verdict}: {}\n     measured: {}",
                claim.id, claim.claim, claim.measured
            );
            if let Some(evidence) = &claim.evidence {
                let _ = writeln!(out, "     {}", evidence_line(evidence));
            }
            if let Some(line) = claim.seeds_needed_line() {
                let _ = writeln!(out, "     {line}");
            }
        }
    }
    out
}
