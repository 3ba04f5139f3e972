//! `reproduce` over several seeds: its output directory is also a sweep directory. Each model of each
//! seed is a sweep cell with exactly the config `sweep plan` gives it, run by the local pool of
//! processes ([`super::runner`]: a killed or failed cell is retried from its checkpoint, finished
//! cells are kept). The parent then reads the verified cells back, combines their records, pairs
//! each seed's models (DeLong, from the cells' per-image scores), times the training steps once,
//! judges the claims over the seeds and writes the run's `record.json`.
use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context};

use super::cell::{self, CellScores};
use super::plan::{self, Cell, Plan, SweepSpec};
use super::runner::{self, RunnerOptions};
use super::selection::{ClassName, ClassSelection, SeedSelection};
use crate::data;
use crate::device::DeviceChoice;
use crate::run::config::{ExperimentConfig, TrainingChoices};
use crate::run::experiment::{self, Outcome, Scored};
use crate::run::record::RunRecord;
use crate::run::summary::combine_records;
use crate::score::evaluate as scoring;
use crate::score::ScoringData;
use crate::store::atomic::write_json_atomic;
use crate::store::checkpoint;
use crate::store::layout;
use crate::store::lock::DirLock;
use crate::store::run_dir;

pub struct SeedsOptions<'a> {
    pub out_dir: &'a Path,
    pub data_dir: &'a Path,
    pub device: DeviceChoice,
    /// Cells run at once (processes), and libtorch threads in each.
    pub jobs: usize,
    pub threads_per_job: i32,
    /// Continue an earlier run in `out_dir` (finished cells are kept, unfinished ones resume).
    pub resume: bool,
    /// Replace an earlier run in `out_dir` (its record, cells and checkpoints are removed).
    pub force: bool,
    pub show_progress: bool,
    /// Load the first seed's trained models back (for the figures).
    pub load_first_seed: bool,
}

/// The cells of `config`: each seed (outer) × model, each with the config a sweep cell of the same
/// settings gets (one model and seed, no thread count, no step timing), so its id and numbers are
/// the sweep's. `training` is what the plan's spec records.
pub fn plan(config: &ExperimentConfig, training: &TrainingChoices) -> anyhow::Result<Plan> {
    config.validate()?;
    let mut cells = Vec::new();
    for &seed in &config.seeds {
        for &model in &config.models {
            let mut cell_config = config.for_result(model, seed);
            cell_config.train.threads = None;
            cell_config.step_cost.rounds = 0;
            let value = serde_json::to_value(&cell_config)?;
            cells.push(Cell {
                index: cells.len(),
                id: plan::cell_id(&value),
                dataset: config.dataset,
                normal_class: config.normal_class,
                model,
                seed,
                choices: Default::default(),
                config: value,
            });
        }
    }
    Ok(Plan {
        schema_version: plan::PLAN_SCHEMA_VERSION,
        spec: SweepSpec {
            datasets: vec![config.dataset],
            normal_classes: ClassSelection::List(vec![ClassName::Index(config.normal_class)]),
            models: config.models.clone(),
            seeds: SeedSelection::List(config.seeds.clone()),
            training: training.clone(),
            vary: Default::default(),
        },
        cells,
    })
}

/// Makes `out` ready, or refuses an earlier run there unless resumed or forced (as a one-seed run
/// does). The record and table are rebuilt from the cells at the end, so an earlier one is removed
/// first: until the run finishes, none stands for it. The caller holds the directory's lock.
fn prepare(out: &Path, resume: bool, force: bool) -> anyhow::Result<()> {
    let sweep_parts = [layout::PLAN, layout::CELLS, layout::LOCKS, layout::LOGS];
    let has_cells = out.join(layout::PLAN).exists() || out.join(layout::CELLS).exists();
    if has_cells && !resume && !force {
        bail!(
            "{} already holds the cells of a run over seeds ({}); pass --resume to continue it \
             (finished cells are kept) or --force to replace it",
            out.display(),
            layout::CELLS
        );
    }
    run_dir::prepare(out, resume, force)?;
    if force {
        for part in sweep_parts {
            let path = out.join(part);
            if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else if path.exists() {
                std::fs::remove_file(&path)
            } else {
                Ok(())
            }
            .with_context(|| format!("removing {}", path.display()))?;
        }
    }
    for file in [layout::RECORD, layout::TABLE] {
        let path = out.join(file);
        if path.exists() {
            std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
        }
    }
    Ok(())
}

/// Runs `config` (two or more seeds) as cells in `options.out_dir` and writes its record.
pub fn run(
    config: &ExperimentConfig,
    training: &TrainingChoices,
    options: &SeedsOptions,
) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let plan = plan(config, training)?;
    let device = options.device.resolve()?;
    let out = options.out_dir;
    let _lock = DirLock::acquire(out)?;
    // Loaded before the pool starts: missing or damaged data is one clear error here, not a
    // failure of every cell; the split then serves the timing, claims and figures.
    let mut split = data::load_split(config.dataset, options.data_dir, config.normal_class)?;
    prepare(out, options.resume, options.force)?;
    plan::write(out, &plan, true)?;
    let report = runner::run(
        out,
        &RunnerOptions {
            jobs: options.jobs,
            threads_per_job: options.threads_per_job,
            data_dir: options.data_dir.to_path_buf(),
            device: options.device,
            show_progress: options.show_progress,
        },
    )?;
    if !report.failed.is_empty() {
        let failed: Vec<String> = report
            .failed
            .iter()
            .map(|(index, label, log)| format!("cell {index} ({label}), log {}", log.display()))
            .collect();
        bail!(
            "{} of {} cells failed twice: {}; rerun with --resume to retry them (finished cells are kept)",
            failed.len(),
            plan.cells.len(),
            failed.join("; ")
        );
    }
    let mut records = Vec::new();
    let mut scores = Vec::new();
    for planned in &plan.cells {
        let (record, cell_scores) = cell::read_verified(out, planned)
            .with_context(|| format!("cell {} ({})", planned.index, planned.label()))?;
        records.push(record);
        scores.push(cell_scores);
    }
    let mut record = combine_records(records)?;
    record.config.models = config.models.clone();
    record.config.seeds = config.seeds.clone();
    record.config.step_cost = config.step_cost;
    record.paired_tests = Vec::new();
    for seed in &config.seeds {
        let of_seed: Vec<&CellScores> = scores.iter().filter(|s| s.seed == *seed).collect();
        record.paired_tests.extend(cell::paired_tests(&of_seed)?);
    }
    tch::set_num_threads(options.threads_per_job);
    let scoring_data = ScoringData::prepare(&mut split, &config.scoring)?;
    experiment::finish_record(&mut record, &split, &scoring_data, device)?;
    record.wall_seconds = started.elapsed().as_secs_f64();
    write_json_atomic(&out.join(layout::RECORD), &record)?;
    let (first_seed, first_seed_scores) = if options.load_first_seed {
        first_seed(&record, &scores, &split, &scoring_data, device)?
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(Outcome {
        record,
        split,
        first_seed,
        first_seed_scores,
        scoring_data,
    })
}

/// The first seed's models, loaded from their cells' checkpoints with their cells' MSE scores; and,
/// when the complexity is computed (for its figure), every score of theirs, recomputed.
fn first_seed(
    record: &RunRecord,
    scores: &[CellScores],
    split: &data::NormalClassSplit,
    scoring_data: &ScoringData,
    device: tch::Device,
) -> anyhow::Result<(Vec<Scored>, Vec<scoring::TestScores>)> {
    let seed = record.config.seeds[0];
    let mut scored = Vec::new();
    let mut test_scores = Vec::new();
    for run in record.runs.iter().filter(|r| r.seed == seed) {
        let path = Path::new(&run.checkpoint);
        let loaded = checkpoint::load(path, device)
            .with_context(|| format!("loading {} for the figures", path.display()))?;
        let of_cell = scores
            .iter()
            .find(|s| (s.model, s.seed) == (run.kind, seed))
            .context("a cell without its scores")?;
        if scoring_data.test_complexity.is_some() {
            let evaluated = scoring::evaluate(
                &loaded.model,
                seed,
                split,
                scoring_data,
                record.config.evaluation(),
            )?;
            test_scores.push(evaluated.test_scores);
        }
        scored.push(Scored {
            kind: run.kind,
            seed,
            scores: of_cell.scores.clone(),
            model: loaded.model,
        });
    }
    Ok((scored, test_scores))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::DatasetKind;

    #[test]
    fn the_cells_of_a_run_over_seeds_are_the_sweeps() {
        let training = TrainingChoices::default();
        let mut config = training.experiment_config(DatasetKind::Mnist).unwrap();
        config.seeds = vec![0, 1, 2];
        config.train.threads = Some(1);
        let ours = plan(&config, &training).unwrap();
        let spec = SweepSpec {
            datasets: vec![DatasetKind::Mnist],
            normal_classes: "1".parse().unwrap(),
            models: crate::model::ModelKind::ALL.to_vec(),
            seeds: "3".parse().unwrap(),
            training,
            vary: Default::default(),
        };
        let sweep = plan::expand(&spec).unwrap();
        assert_eq!(ours.cells, sweep.cells);
        assert_eq!(ours.cells.len(), 9);
    }
}
