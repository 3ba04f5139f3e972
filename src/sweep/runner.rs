//! The local runner: a pool of `aerepro sweep cell` processes over the cells not yet done.
//!
//! Each cell runs in its own process (libtorch's thread count and seed are process-wide), with its
//! output in `DIR/logs/cell-<index>-<id>.log`. A failed cell is retried once, then reported while the
//! others go on. Interrupting the runner (Ctrl-C) stops the cells in flight; finished cells are
//! committed atomically and are skipped by the next run.
//!
//! The runner owns its cells: each child asks the kernel for SIGTERM when the runner's thread that
//! started it ends (`PR_SET_PDEATHSIG`), so killing the runner — SIGTERM, SIGINT or SIGKILL — ends
//! its cells too. A cell whose lock another process holds (a second `sweep run` on the same
//! directory) is waited for, not failed: when that process has finished it, it counts as done.
//! Messages go to stderr whether or not a terminal shows the progress bar.
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::device::DeviceChoice;
use crate::store::lock::DirLock;

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
    /// Cells found done, including those another process finished while this one waited.
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

/// How one attempt at a cell ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attempt {
    Succeeded,
    Failed,
    /// Another process holds the cell's lock (exit status [`cell::LOCK_HELD_EXIT`]).
    LockHeld,
}

/// Makes the child get SIGTERM when the thread that spawned it (and so the runner) dies, even by
/// SIGKILL; a child whose parent is already gone terminates at once.
fn die_with_parent(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: prctl, getppid and raise are async-signal-safe; nothing is allocated.
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            if libc::getppid() != parent {
                libc::raise(libc::SIGTERM);
            }
            Ok(())
        });
    }
}

/// One attempt at a cell in a child process.
fn attempt(
    sweep_dir: &Path,
    cell: &Cell,
    options: &RunnerOptions,
    attempt: usize,
) -> anyhow::Result<Attempt> {
    use std::io::Write;
    let log = log_path(sweep_dir, cell);
    std::fs::create_dir_all(log.parent().unwrap())
        .with_context(|| format!("creating {}", log.parent().unwrap().display()))?;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .with_context(|| format!("opening {}", log.display()))?;
    writeln!(file, "== attempt {attempt}: {} ==", cell.label())?;
    let mut command = Command::new(own_executable()?);
    // Named as the user would name it in `ps`, not `/proc/self/exe`.
    std::os::unix::process::CommandExt::arg0(&mut command, "aerepro");
    command
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
        .stderr(file);
    die_with_parent(&mut command);
    let status = command.status().context("starting `aerepro sweep cell`")?;
    Ok(if status.success() {
        Attempt::Succeeded
    } else if status.code() == Some(cell::LOCK_HELD_EXIT) {
        Attempt::LockHeld
    } else {
        Attempt::Failed
    })
}

/// Waits until no process holds the cell's lock.
fn wait_for_lock(sweep_dir: &Path, cell: &Cell) -> anyhow::Result<()> {
    let lock = cell::lock_dir(sweep_dir, cell);
    while DirLock::is_held(&lock).with_context(|| format!("reading the lock {}", lock.display()))? {
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    Ok(())
}

/// How the runner ended with one cell.
enum CellEnd {
    Computed,
    /// Finished by another process (a concurrent runner) while this one waited.
    DoneElsewhere,
    Failed,
}

/// Runs one cell: at most two failed attempts; a cell locked by another process is waited for.
fn run_cell(
    sweep_dir: &Path,
    cell: &Cell,
    options: &RunnerOptions,
    say: &dyn Fn(String),
) -> CellEnd {
    let mut failures = 0;
    loop {
        if cell::verify(sweep_dir, cell).is_ok() {
            return CellEnd::DoneElsewhere;
        }
        match attempt(sweep_dir, cell, options, failures + 1) {
            Ok(Attempt::Succeeded) => return CellEnd::Computed,
            Ok(Attempt::LockHeld) => {
                if let Err(e) = wait_for_lock(sweep_dir, cell) {
                    say(format!("cell {} ({}): {e:#}", cell.index, cell.label()));
                    return CellEnd::Failed;
                }
                continue;
            }
            Ok(Attempt::Failed) => say(format!(
                "cell {} ({}) failed (attempt {}/2): see {}",
                cell.index,
                cell.label(),
                failures + 1,
                log_path(sweep_dir, cell).display()
            )),
            Err(e) => say(format!("cell {} ({}): {e:#}", cell.index, cell.label())),
        }
        failures += 1;
        if failures == 2 {
            return CellEnd::Failed;
        }
    }
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
    if !pending.is_empty() {
        // Fail once, clearly, when the directory cannot be written (e.g. a read-only filesystem),
        // rather than once per cell.
        let logs = sweep_dir.join("logs");
        std::fs::create_dir_all(&logs)
            .with_context(|| format!("creating {}", logs.display()))
            .and_then(|()| {
                tempfile::Builder::new()
                    .prefix(".write-test")
                    .tempfile_in(&logs)
                    .with_context(|| format!("writing in {}", logs.display()))
            })
            .with_context(|| {
                format!(
                    "the sweep directory {} is not writable",
                    sweep_dir.display()
                )
            })?;
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
                let say = |line: String| progress.suspend(|| eprintln!("{line}"));
                let end = run_cell(sweep_dir, &cell, options, &say);
                progress.inc(1);
                outcomes.lock().unwrap().push((cell, end));
            });
        }
    });
    progress.finish_and_clear();
    for (cell, end) in outcomes.lock().unwrap().drain(..) {
        match end {
            CellEnd::Computed => report.computed += 1,
            CellEnd::DoneElsewhere => report.already_done += 1,
            CellEnd::Failed => {
                let log = log_path(sweep_dir, &cell);
                report.failed.push((cell.index, cell.label(), log));
            }
        }
    }
    report.failed.sort();
    report.wall_seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// This very binary: on Linux `/proc/self/exe`, which still runs it after a rebuild replaced or
/// removed its file (so every cell of a run runs the same code, and none fails to start); elsewhere
/// its path.
fn own_executable() -> anyhow::Result<PathBuf> {
    let running = Path::new("/proc/self/exe");
    if running.exists() {
        return Ok(running.to_path_buf());
    }
    std::env::current_exe().context("locating the aerepro executable")
}
