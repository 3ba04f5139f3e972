//! Where each cell of a sweep stands, whichever runner ran it: done (valid commit marker), running
//! (its lock is held), failed (its last attempt left `failed.txt`), pending (not started, or
//! interrupted: it resumes from its finished checkpoints).
use std::path::Path;

use super::cell;
use super::plan::{self, Cell};
use crate::store::lock::DirLock;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum CellState {
    Done,
    Running,
    Failed,
    Pending,
}

pub fn state(sweep_dir: &Path, cell: &Cell) -> CellState {
    if cell::verify(sweep_dir, cell).is_ok() {
        return CellState::Done;
    }
    let lock = cell::lock_dir(sweep_dir, cell);
    match DirLock::is_held(&lock) {
        Ok(true) => return CellState::Running,
        Ok(false) => {}
        // Not "running": say why the lock could not be read (e.g. permissions).
        Err(e) => eprintln!(
            "cell {} ({}): cannot read the lock {}: {e}",
            cell.index,
            cell.label(),
            lock.display()
        ),
    }
    if cell::cell_dir(sweep_dir, cell)
        .join(crate::store::layout::CELL_FAILED)
        .exists()
    {
        return CellState::Failed;
    }
    CellState::Pending
}

/// Every cell with its state, in plan order.
pub fn states(sweep_dir: &Path) -> anyhow::Result<Vec<(Cell, CellState)>> {
    let plan = plan::read(sweep_dir)?;
    Ok(plan
        .cells
        .into_iter()
        .map(|c| {
            let s = state(sweep_dir, &c);
            (c, s)
        })
        .collect())
}

/// A few lines for the terminal: counts, then the failed and running cells by name.
pub fn render(sweep_dir: &Path, states: &[(Cell, CellState)]) -> String {
    let count = |s: CellState| states.iter().filter(|(_, x)| *x == s).count();
    let mut out = format!(
        "{}: {} cells — {} done, {} running, {} failed, {} pending\n",
        sweep_dir.display(),
        states.len(),
        count(CellState::Done),
        count(CellState::Running),
        count(CellState::Failed),
        count(CellState::Pending)
    );
    for (cell, s) in states {
        match s {
            CellState::Failed => {
                let reason = std::fs::read_to_string(
                    cell::cell_dir(sweep_dir, cell).join(crate::store::layout::CELL_FAILED),
                )
                .unwrap_or_default();
                out.push_str(&format!(
                    "  failed  {:>3} {}: {}\n",
                    cell.index,
                    cell.label(),
                    reason.lines().next().unwrap_or("")
                ));
            }
            CellState::Running => {
                out.push_str(&format!("  running {:>3} {}\n", cell.index, cell.label()))
            }
            _ => {}
        }
    }
    out
}
