//! The audit's report as `aerepro audit` prints it: the summary line, what was not covered, the
//! drift table and the verdict changes.
use std::fmt::Write;

use super::AuditReport;

fn fmt_value(v: Option<f64>) -> String {
    match v {
        None => "missing".into(),
        Some(v) if v.is_nan() => "undefined".into(),
        Some(v) => format!("{v:.6}"),
    }
}

/// The drift table and verdict changes, as printed by `aerepro audit`.
pub fn render(report: &AuditReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} values compared ({} entries exactly, {} within the golden's seed spread); {} differ, {} beyond what is allowed",
        report.compared,
        report.exact_entries,
        report.tolerance_entries,
        report.rows.len(),
        report.rows.iter().filter(|r| r.drifted()).count()
    );
    if report.skipped_golden_entries > 0 {
        let _ = writeln!(
            out,
            "not compared: {} golden entries absent from the source (--partial)",
            report.skipped_golden_entries
        );
    }
    for problem in &report.coverage {
        let _ = writeln!(
            out,
            "{}: {problem}",
            if report.allow_incomplete {
                "WARNING (--allow-incomplete)"
            } else {
                "NOT COVERED"
            }
        );
    }
    if !report.rows.is_empty() {
        let _ = writeln!(
            out,
            "\n{:<48} {:>10} {:>10} {:>10} {:>9}  ",
            "cell", "golden", "now", "delta", "allowed"
        );
        for row in &report.rows {
            let _ = writeln!(
                out,
                "{:<48} {:>10} {:>10} {:>10} {:>9}  {}",
                row.cell,
                fmt_value(Some(row.golden)),
                fmt_value(row.now),
                row.delta().map_or("-".into(), |d| format!("{d:+.6}")),
                if row.exact {
                    "exact".to_string()
                } else {
                    format!("{:.6}", row.allowed)
                },
                if row.drifted() { "DRIFT" } else { "ok" }
            );
        }
    }
    for change in &report.verdict_changes {
        let _ = writeln!(
            out,
            "VERDICT CHANGED: {} {}: golden {}, now {}",
            change.group,
            change.id,
            change.golden,
            change
                .now
                .map_or("not judged (missing models or seeds)".to_string(), |v| v
                    .to_string())
        );
    }
    for note in &report.notes {
        let _ = writeln!(out, "note: {note}");
    }
    let _ = writeln!(
        out,
        "audit {}",
        if report.passed() { "passed" } else { "FAILED" }
    );
    out
}
