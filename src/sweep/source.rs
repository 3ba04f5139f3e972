//! The one reader of finished results, for every command that reads them (`golden`, `audit`, `docs
//! extract`, `report`): a run record file, a run directory, a sweep directory, or a directory of
//! those. A sweep directory is read through its plan: only cells of the current plan whose commit
//! marker verifies (record and scores hashes, the config's id, its labels) are read; unfinished,
//! damaged and stale cells (from an earlier plan) are reported on stderr and never read.
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use super::cell::{self, CellScores};
use super::plan::{self, Cell};
use crate::run::record::{self, Completeness, RunRecord};
use crate::store::layout;

/// One finished result: its record, and for a sweep cell, the cell and its per-image scores.
#[derive(Debug)]
pub struct Source {
    pub path: PathBuf,
    pub record: RunRecord,
    pub cell: Option<(Cell, CellScores)>,
}

/// Every finished result under `path`, sorted by path.
pub fn read(path: &Path, completeness: Completeness) -> anyhow::Result<Vec<Source>> {
    let mut found = collect(path, completeness)?;
    if found.is_empty() {
        bail!(
            "{} is neither a run record, a run directory with {}, a sweep directory with {}, \
             nor a directory of those",
            path.display(),
            layout::RECORD,
            layout::PLAN
        );
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(found)
}

fn collect(path: &Path, completeness: Completeness) -> anyhow::Result<Vec<Source>> {
    if path.is_file() {
        return Ok(vec![run_record(path, completeness)?]);
    }
    let in_run_dir = path.join(layout::RECORD);
    if in_run_dir.is_file() {
        return Ok(vec![run_record(&in_run_dir, completeness)?]);
    }
    if path.join(layout::PLAN).is_file() || path.join(layout::CELLS).is_dir() {
        return sweep(path);
    }
    let mut found = Vec::new();
    if path.is_dir() {
        for entry in
            std::fs::read_dir(path).with_context(|| format!("listing {}", path.display()))?
        {
            let sub = entry
                .with_context(|| format!("listing {}", path.display()))?
                .path();
            let is_source = sub.join(layout::RECORD).is_file()
                || sub.join(layout::PLAN).is_file()
                || sub.join(layout::CELLS).is_dir();
            if is_source {
                found.extend(collect(&sub, completeness)?);
            }
        }
    }
    Ok(found)
}

fn run_record(path: &Path, completeness: Completeness) -> anyhow::Result<Source> {
    Ok(Source {
        path: path.to_path_buf(),
        record: record::read_record(path, completeness)?,
        cell: None,
    })
}

/// The verified cells of the sweep directory `dir`'s current plan.
fn sweep(dir: &Path) -> anyhow::Result<Vec<Source>> {
    let plan = plan::read(dir)?;
    let mut found = Vec::new();
    let mut unfinished = 0;
    for planned in &plan.cells {
        match cell::read_verified(dir, planned) {
            Ok((record, scores)) => found.push(Source {
                path: cell::cell_dir(dir, planned).join(layout::RECORD),
                record,
                cell: Some((planned.clone(), scores)),
            }),
            Err(e)
                if cell::cell_dir(dir, planned)
                    .join(layout::CELL_MARKER)
                    .exists() =>
            {
                return Err(e.context(format!("sweep cell {} ({})", planned.id, planned.label())))
            }
            Err(_) => unfinished += 1,
        }
    }
    if unfinished > 0 {
        eprintln!(
            "warning: {unfinished} of {} planned cells in {} are not finished; read the {} finished",
            plan.cells.len(),
            dir.display(),
            found.len()
        );
    }
    let stale = stale_cells(dir, &plan)?;
    if !stale.is_empty() {
        eprintln!(
            "warning: {} holds {} cell director{} not in its plan (left by an earlier plan); not \
             read: {}",
            dir.display(),
            stale.len(),
            if stale.len() == 1 { "y" } else { "ies" },
            stale.join(", ")
        );
    }
    if found.is_empty() {
        bail!("sweep directory {} has no finished cell", dir.display());
    }
    let records: Vec<(&Path, &RunRecord)> = found
        .iter()
        .map(|s| (s.path.as_path(), &s.record))
        .collect();
    check_same_data(&records)?;
    Ok(found)
}

/// Results of one dataset must come from the same data files: cells trained on other bytes (a
/// rebuilt or swapped dataset) are not seeds of one experiment.
pub fn check_same_data(records: &[(&Path, &RunRecord)]) -> anyhow::Result<()> {
    let fingerprint =
        |r: &RunRecord| -> Vec<String> { r.data.files.iter().map(|f| f.sha256.clone()).collect() };
    for (i, (path, record)) in records.iter().enumerate() {
        let earlier = records[..i]
            .iter()
            .find(|(_, r)| r.config.dataset == record.config.dataset);
        if let Some((first, other)) = earlier {
            if fingerprint(other) != fingerprint(record)
                || other.data.variant != record.data.variant
            {
                bail!(
                    "{} and {} were computed from different {} data files ({} vs {}): not one \
                     experiment's results",
                    first.display(),
                    path.display(),
                    record.config.dataset,
                    other.data.variant,
                    record.data.variant
                );
            }
        }
    }
    Ok(())
}

/// Cell directories under `dir/cells/` whose id is not in `plan`.
pub fn stale_cells(dir: &Path, plan: &plan::Plan) -> anyhow::Result<Vec<String>> {
    let cells = dir.join(layout::CELLS);
    if !cells.is_dir() {
        return Ok(Vec::new());
    }
    let mut stale = Vec::new();
    for entry in
        std::fs::read_dir(&cells).with_context(|| format!("listing {}", cells.display()))?
    {
        let name = entry
            .with_context(|| format!("listing {}", cells.display()))?
            .file_name()
            .to_string_lossy()
            .into_owned();
        if !plan.cells.iter().any(|c| c.id == name) {
            stale.push(name);
        }
    }
    stale.sort();
    Ok(stale)
}
