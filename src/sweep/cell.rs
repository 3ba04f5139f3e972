//! One cell of a sweep: train, score and write `DIR/cells/<id>/` — the run record, the per-test-image
//! scores, and last `cell.json`, the commit marker holding the sha256 of the other two. A cell with a
//! valid marker is done and skipped; anything else is (re)computed, reusing the finished checkpoint
//! of an interrupted attempt. `DIR/locks/<id>/` is held for the whole attempt, so two processes
//! never work on one cell.
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::data::DatasetKind;
use crate::metrics::class_rows::{self, PairedComparison};
use crate::model::ModelKind;
use crate::run::config::ExperimentConfig;
use crate::run::experiment::{self, RunOptions};
use crate::run::record::{self, Completeness, RunRecord};
use crate::store::atomic::{write_atomic, write_json_atomic};
use crate::store::layout;
use crate::store::lock::DirLock;

use super::plan::{self, Cell};

/// Exit status of `sweep cell` when another process holds the cell's lock (EX_TEMPFAIL): the local
/// runner then waits for that process instead of counting a failure.
pub const LOCK_HELD_EXIT: i32 = 75;

/// Per-test-image scores of one cell, so that merge can pair models and seeds without retraining.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellScores {
    pub dataset: DatasetKind,
    pub normal_class: u8,
    pub model: ModelKind,
    pub seed: u64,
    /// Test-set labels, in test-set order.
    pub test_labels: Vec<u8>,
    /// Mean squared reconstruction error of each test image.
    pub scores: Vec<f64>,
}

/// The commit marker of a finished cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellMarker {
    pub index: usize,
    pub id: String,
    pub label: String,
    pub record_sha256: String,
    pub scores_sha256: String,
    pub threads: Option<i32>,
    pub wall_seconds: f64,
}

pub fn cell_dir(sweep_dir: &Path, cell: &Cell) -> PathBuf {
    layout::cell_dir(sweep_dir, &cell.id)
}

pub fn lock_dir(sweep_dir: &Path, cell: &Cell) -> PathBuf {
    sweep_dir.join(layout::LOCKS).join(&cell.id)
}

fn sha256_of(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(hex::encode(Sha256::digest(&bytes)))
}

/// A finished cell's marker, or why the cell is not (validly) finished.
pub fn verify(sweep_dir: &Path, cell: &Cell) -> anyhow::Result<CellMarker> {
    let dir = cell_dir(sweep_dir, cell);
    let marker_path = dir.join(layout::CELL_MARKER);
    let text = std::fs::read_to_string(&marker_path)
        .with_context(|| format!("reading {}", marker_path.display()))?;
    let marker: CellMarker = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a cell marker", marker_path.display()))?;
    if marker.id != cell.id {
        bail!(
            "{}: id {} is not the cell's {}",
            marker_path.display(),
            marker.id,
            cell.id
        );
    }
    for (file, expected) in [
        (layout::RECORD, &marker.record_sha256),
        (layout::CELL_SCORES, &marker.scores_sha256),
    ] {
        let actual = sha256_of(&dir.join(file))?;
        if &actual != expected {
            bail!(
                "{}: sha256 {actual} does not match the marker's {expected} (corrupted or edited)",
                dir.join(file).display()
            );
        }
    }
    Ok(marker)
}

/// A finished cell's record and scores, read only after its marker verifies their hashes, the
/// record's config hashes to the cell's id and equals the plan's (but for the thread count the cell
/// ran with), and the record and scores carry the cell's dataset, normal class, model and seed.
pub fn read_verified(sweep_dir: &Path, cell: &Cell) -> anyhow::Result<(RunRecord, CellScores)> {
    verify(sweep_dir, cell)?;
    let config = cell.experiment_config()?;
    let dir = cell_dir(sweep_dir, cell);
    let path = dir.join(layout::RECORD);
    let record = record::read_record(&path, Completeness::Required)?;
    let mut recorded = record.config.clone();
    recorded.train.threads = config.train.threads;
    if plan::cell_id(&serde_json::to_value(&record.config)?) != cell.id || recorded != config {
        bail!(
            "{}: the record's config is not cell {}'s ({})",
            path.display(),
            cell.index,
            cell.label()
        );
    }
    let scores_path = dir.join(layout::CELL_SCORES);
    let text = std::fs::read_to_string(&scores_path)
        .with_context(|| format!("reading {}", scores_path.display()))?;
    let scores: CellScores = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a cell's scores", scores_path.display()))?;
    let labelled = (
        scores.dataset,
        scores.normal_class,
        scores.model,
        scores.seed,
    );
    if labelled != (cell.dataset, cell.normal_class, cell.model, cell.seed) {
        bail!(
            "{}: scores of {} normal {} {} seed {}, not of cell {} ({})",
            scores_path.display(),
            scores.dataset,
            scores.normal_class,
            scores.model,
            scores.seed,
            cell.index,
            cell.label()
        );
    }
    if scores.scores.len() != scores.test_labels.len() {
        bail!(
            "{}: {} scores for {} test labels",
            scores_path.display(),
            scores.scores.len(),
            scores.test_labels.len()
        );
    }
    Ok((record, scores))
}

/// The paired DeLong tests between the models of one seed, from their cells' per-image scores
/// (models in order; none with fewer than two). Refuses cells of different datasets, normal classes
/// or seeds, or scored on different test sets.
pub fn paired_tests(cells: &[&CellScores]) -> anyhow::Result<Vec<PairedComparison>> {
    let Some(first) = cells.first() else {
        return Ok(Vec::new());
    };
    if cells.len() < 2 {
        return Ok(Vec::new());
    }
    let group = |c: &CellScores| (c.dataset, c.normal_class, c.seed);
    if cells.iter().any(|c| group(c) != group(first)) {
        bail!("paired tests need the cells of one dataset, normal class and seed");
    }
    if cells.iter().any(|c| c.test_labels != first.test_labels) {
        bail!(
            "sweep cells of {} seed {} were scored on different test sets",
            first.dataset,
            first.seed
        );
    }
    let mut scores: Vec<(ModelKind, &[f64])> = cells
        .iter()
        .map(|c| (c.model, c.scores.as_slice()))
        .collect();
    scores.sort_by_key(|(m, _)| *m);
    class_rows::paired_tests(
        first.dataset,
        first.normal_class,
        &first.test_labels,
        first.seed,
        &scores,
    )
}

/// What `run` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellOutcome {
    AlreadyDone,
    Computed,
}

pub struct CellOptions<'a> {
    pub data_dir: &'a Path,
    pub device: tch::Device,
    pub threads: Option<i32>,
}

/// Runs cell `index` of the plan in `sweep_dir` unless it is already done.
pub fn run(sweep_dir: &Path, index: usize, options: &CellOptions) -> anyhow::Result<CellOutcome> {
    let plan = plan::read(sweep_dir)?;
    let cell = plan.cell(index)?;
    let mut config = cell.experiment_config()?;
    let _lock = DirLock::acquire(&lock_dir(sweep_dir, cell))
        .with_context(|| format!("cell {index} ({})", cell.label()))?;
    let dir = cell_dir(sweep_dir, cell);
    match verify(sweep_dir, cell) {
        Ok(_) => return Ok(CellOutcome::AlreadyDone),
        Err(e) if dir.join(layout::CELL_MARKER).exists() => {
            eprintln!("cell {index} ({}): {e:#}; recomputing", cell.label());
            std::fs::remove_file(dir.join(layout::CELL_MARKER))?;
        }
        Err(_) => {}
    }
    config.train.threads = options.threads;
    let result = compute(cell, &config, &dir, options);
    let failed = dir.join(layout::CELL_FAILED);
    match &result {
        Ok(_) => {
            if failed.exists() {
                std::fs::remove_file(&failed)?;
            }
        }
        Err(e) => write_atomic(&failed, format!("{e:#}\n").as_bytes())?,
    }
    result.map(|_| CellOutcome::Computed)
}

fn compute(
    cell: &Cell,
    config: &ExperimentConfig,
    dir: &Path,
    options: &CellOptions,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let outcome = experiment::run(
        config,
        &RunOptions {
            out_dir: dir,
            data_dir: options.data_dir,
            device: options.device,
            resume: true,
            force: false,
            show_progress: false,
        },
    )
    .with_context(|| format!("cell {} ({})", cell.index, cell.label()))?;
    let scored = outcome
        .first_seed
        .first()
        .context("the cell's run produced no scores")?;
    let scores = CellScores {
        dataset: cell.dataset,
        normal_class: cell.normal_class,
        model: cell.model,
        seed: cell.seed,
        test_labels: outcome.split.test_labels.clone(),
        scores: scored.scores.clone(),
    };
    write_json_atomic(&dir.join(layout::CELL_SCORES), &scores)?;
    let marker = CellMarker {
        index: cell.index,
        id: cell.id.clone(),
        label: cell.label(),
        record_sha256: sha256_of(&dir.join(layout::RECORD))?,
        scores_sha256: sha256_of(&dir.join(layout::CELL_SCORES))?,
        threads: config.train.threads,
        wall_seconds: started.elapsed().as_secs_f64(),
    };
    write_json_atomic(&dir.join(layout::CELL_MARKER), &marker)
}
