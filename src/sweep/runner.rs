//! The local runner: a pool of `aerepro sweep cell` processes over the cells not yet done.
//!
//! Each cell runs in its own process (libtorch's thread count and seed are process-wide), with its
//! output in `DIR/logs/cell-<index>-<id>.log`. A failed cell is retried once, then reported while the
//! others go on. Interrupting the runner (Ctrl-C) stops the cells in flight; finished cells are
//! committed atomically and are skipped by the next run.
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::device::DeviceChoice;

use super::cell;
use super::plan::{self, Cell};

pub struct RunnerOptions {
    pub jobs: usize,
    pub threads_per_job: i32,
    pub data_dir: PathBuf,
    pub device: DeviceChoice,
    pub show_progress: bool,
}

/// How the pool ended.
#[derive(Debug, Default)]
pub struct RunnerReport {
    pub already_done: usize,
    pub computed: usize,
    /// (cell index, label, log file) of every cell that failed twice.
    pub failed: Vec<(usize, String, PathBuf)>,
    pub wall_seconds: f64,
}

fn device_name(device: DeviceChoice) -> &'static str {
    match device {
        DeviceChoice::Auto => "auto",
        DeviceChoice::Cpu => "cpu",
        DeviceChoice::Cuda => "cuda",
    }
}

pub fn log_path(sweep_dir: &Path, cell: &Cell) -> PathBuf {
    sweep_dir
        .join(crate::store::layout::LOGS)
        .join(format!("cell-{}-{}.log", cell.index, cell.id))
}

/// One attempt at a cell in a child process; `Ok(false)` when it failed.
fn attempt(
    sweep_dir: &Path,
    cell: &Cell,
    options: &RunnerOptions,
    attempt: usize,
) -> anyhow::Result<bool> {
    use std::io::Write;
    let log = log_path(sweep_dir, cell);
    std::fs::create_dir_all(log.parent().unwrap())?;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .with_context(|| format!("opening {}", log.display()))?;
    writeln!(file, "== attempt {attempt}: {} ==", cell.label())?;
    let exe = std::env::current_exe().context("locating the aerepro executable")?;
    let status = Command::new(exe)
        .arg("sweep")
        .arg("cell")
        .arg(sweep_dir)
        .args(["--index", &cell.index.to_string()])
        .args(["--threads", &options.threads_per_job.to_string()])
        .args(["--device", device_name(options.device)])
        .arg("--data-dir")
        .arg(&options.data_dir)
        .stdin(Stdio::null())
        .stdout(file.try_clone()?)
        .stderr(file)
        .status()
        .context("starting `aerepro sweep cell`")?;
    Ok(status.success())
}

/// Runs every cell of the plan in `sweep_dir` that is not done, `jobs` at a time.
pub fn run(sweep_dir: &Path, options: &RunnerOptions) -> anyhow::Result<RunnerReport> {
    let started = std::time::Instant::now();
    let plan = plan::read(sweep_dir)?;
    let mut report = RunnerReport::default();
    let mut pending = VecDeque::new();
    for cell in &plan.cells {
        cell.experiment_config()?;
        if cell::verify(sweep_dir, cell).is_ok() {
            report.already_done += 1;
        } else {
            pending.push_back(cell.clone());
        }
    }
    let progress = if options.show_progress {
        ProgressBar::new(pending.len() as u64)
    } else {
        ProgressBar::hidden()
    };
    progress.set_style(
        ProgressStyle::with_template(
            "{bar:30} {pos}/{len} cells ({msg}) {elapsed_precise} elapsed, ETA {eta_precise}",
        )
        .expect("valid template"),
    );
    progress.set_message(format!(
        "{} already done, {} jobs × {} threads",
        report.already_done, options.jobs, options.threads_per_job
    ));
    let queue = Arc::new(Mutex::new(pending));
    let outcomes = Arc::new(Mutex::new(Vec::new()));
    std::thread::scope(|scope| {
        for _ in 0..options.jobs.max(1) {
            let queue = Arc::clone(&queue);
            let outcomes = Arc::clone(&outcomes);
            let progress = progress.clone();
            scope.spawn(move || loop {
                let Some(cell) = queue.lock().unwrap().pop_front() else {
                    break;
                };
                let mut ok = false;
                for n in 1..=2 {
                    match attempt(sweep_dir, &cell, options, n) {
                        Ok(true) => {
                            ok = true;
                            break;
                        }
                        Ok(false) => progress.println(format!(
                            "cell {} ({}) failed (attempt {n}/2): see {}",
                            cell.index,
                            cell.label(),
                            log_path(sweep_dir, &cell).display()
                        )),
                        Err(e) => progress.println(format!(
                            "cell {} ({}): {e:#}",
                            cell.index,
                            cell.label()
                        )),
                    }
                }
                progress.inc(1);
                outcomes.lock().unwrap().push((cell, ok));
            });
        }
    });
    progress.finish_and_clear();
    for (cell, ok) in outcomes.lock().unwrap().drain(..) {
        if ok {
            report.computed += 1;
        } else {
            let log = log_path(sweep_dir, &cell);
            report.failed.push((cell.index, cell.label(), log));
        }
    }
    report.failed.sort();
    report.wall_seconds = started.elapsed().as_secs_f64();
    Ok(report)
}
