//! The paper's claims side by side under each combination of a varied sweep's choices (e.g. both
//! budgets): `results/**/*.json` with `"render": "claims-by-choice"` names the `summary.json`.
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::sweep::summary::Summary;

pub const RENDER_NAME: &str = "claims-by-choice";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimsTable {
    #[serde(rename = "render")]
    _render: String,
    /// A merged varied sweep's `summary.json`, relative to the repository root.
    summary: PathBuf,
}

pub fn render_value(root: &Path, value: &serde_json::Value) -> Result<String> {
    let table: ClaimsTable = serde_json::from_value(value.clone())
        .context("not a claims table (keys: render, summary)")?;
    let path = root.join(&table.summary);
    let summary = Summary::read(&path)?;
    if summary.verdicts.is_empty() {
        bail!(
            "{}: no claim verdicts (a sweep that varies choices over the paper's cells, merged)",
            path.display()
        );
    }
    Ok(crate::report::sensitivity::claims_markdown(&summary))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(summary: &str) -> Result<String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        render_value(
            root,
            &serde_json::json!({ "render": RENDER_NAME, "summary": summary }),
        )
    }

    #[test]
    fn each_claim_is_one_row_with_a_verdict_under_each_budget() {
        let table = render("results/budget/summary.json").unwrap();
        assert!(
            table.starts_with("| claim | `budget=ci` | `budget=paper` |\n"),
            "{table}"
        );
        let c7 = table
            .lines()
            .find(|l| l.starts_with("| C7 "))
            .expect("a C7 row");
        let verdicts: Vec<&str> = c7
            .trim_end_matches(" |")
            .split(" | ")
            .skip(1)
            .map(|cell| cell.split(':').next().unwrap())
            .collect();
        assert_eq!(verdicts.len(), 2, "{c7}");
        assert!(
            verdicts
                .iter()
                .all(|v| ["reproduced", "refuted", "unresolved"].contains(v)),
            "{c7}"
        );
        assert!(
            table.contains("Verdicts that change with budget:"),
            "{table}"
        );
    }

    #[test]
    fn a_summary_without_verdicts_is_refused_by_name() {
        let err = render("results/sweep/summary.json").unwrap_err();
        assert!(
            format!("{err:#}").contains("results/sweep/summary.json: no claim verdicts"),
            "{err:#}"
        );
    }
}
