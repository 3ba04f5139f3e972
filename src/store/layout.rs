//! Every file name of a run directory and of a sweep directory, in one place.
//!
//! A run directory (`reproduce --out DIR`):
//!   record.json, table.txt, figures/, checkpoints/<dataset>-normal<c>-<model>-seed<s>.safetensors
//!   with its weights sidecar (`.json`) and scoring sidecar (`.scoring.json`).
//! A sweep directory (`sweep plan --out DIR`):
//!   plan.json, summary.json and the merged tables, cells/<id>/ (a run directory of one model and
//!   seed, plus scores.json, the commit marker cell.json, and failed.txt after a failure),
//!   locks/<id>/, logs/ (the local runner's); a sweep that varies choices also tables/sensitivity.md
//!   and variants/<key>-<value>/ with the tables and figures of each combination.
//! A `reproduce` over several seeds writes both: its run files, and its cells as a sweep's.
//! A `reproduce --vary` writes one run directory per combination, <key>-<value>/, and sensitivity.md.
use std::path::{Path, PathBuf};

pub const RECORD: &str = "record.json";
pub const TABLE: &str = "table.txt";
pub const CHECKPOINTS: &str = "checkpoints";
pub const FIGURES: &str = "figures";

pub const PLAN: &str = "plan.json";
pub const SUMMARY: &str = "summary.json";
pub const CELLS: &str = "cells";
pub const LOCKS: &str = "locks";
/// The local runner's per-cell logs.
pub const LOGS: &str = "logs";
/// A cell's commit marker: written last, it holds the sha256 of the cell's record and scores.
pub const CELL_MARKER: &str = "cell.json";
pub const CELL_SCORES: &str = "scores.json";
pub const CELL_FAILED: &str = "failed.txt";
pub const TABLES: &str = "tables";
/// The sensitivity table: each claim's verdict under each combination of varied choices.
pub const SENSITIVITY: &str = "sensitivity.md";
/// A varied sweep's per-combination tables and figures, under `variants/<combination>/`.
pub const VARIANTS: &str = "variants";

/// The weights sidecar of `weights` (`x.safetensors` → `x.json`): training report, data
/// fingerprint and the weights' sha256.
pub fn weights_sidecar(weights: &Path) -> PathBuf {
    weights.with_extension("json")
}

/// The scoring sidecar of `weights` (`x.safetensors` → `x.scoring.json`): score fits and
/// thresholds.
pub fn scoring_sidecar(weights: &Path) -> PathBuf {
    weights.with_extension("scoring.json")
}

pub fn cell_dir(sweep_dir: &Path, cell_id: &str) -> PathBuf {
    sweep_dir.join(CELLS).join(cell_id)
}
