//! The local runner owns its cells: killing `sweep run` (SIGTERM or SIGKILL) leaves no `sweep cell`
//! behind; two runners on one directory both succeed with every cell computed once; a read-only
//! sweep directory gives a clear error on a stderr that is not a terminal.
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");

fn data_dir() -> PathBuf {
    std::env::var_os("AEREPRO_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(MANIFEST).join("data"))
}

fn aerepro() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_aerepro"));
    command.current_dir(MANIFEST);
    command
}

fn text(output: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// MNIST × CAE × one epoch over `classes` and `seeds`.
fn plan(dir: &Path, classes: &str, seeds: &str) {
    let output = aerepro()
        .args(["sweep", "plan", "--out", dir.to_str().unwrap()])
        .args(["--dataset", "mnist", "--models", "cae", "--epochs", "1"])
        .args(["--normal-classes", classes, "--seeds", seeds])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
}

fn run_command(dir: &Path, jobs: &str) -> Command {
    let mut command = aerepro();
    command
        .args(["sweep", "run", dir.to_str().unwrap(), "--jobs", jobs])
        .args(["--threads-per-job", "1", "--device", "cpu", "--data-dir"])
        .arg(data_dir())
        .stdin(Stdio::null());
    command
}

/// Pids of the live `aerepro sweep cell DIR …` processes (from /proc).
fn cell_processes(dir: &Path) -> Vec<u32> {
    let needle = format!("sweep\0cell\0{}\0", dir.display());
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let state = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        let zombie = state
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z'));
        if !zombie && String::from_utf8_lossy(&cmdline).contains(&needle) {
            pids.push(pid);
        }
    }
    pids
}

fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    done()
}

/// Kills (SIGKILL, by pid) whatever `sweep cell` processes of `dir` are left, so a failing test
/// does not leave them running.
struct Reap(PathBuf);

impl Drop for Reap {
    fn drop(&mut self) {
        for pid in cell_processes(&self.0) {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
    }
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -{name} {}", child.id());
}

#[test]
fn killing_the_runner_ends_its_cells() {
    let started = Instant::now();
    for name in ["KILL", "TERM"] {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("sweep");
        plan(&dir, "1,7", "1");
        let _reap = Reap(dir.clone());
        let mut runner = run_command(&dir, "2")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        assert!(
            wait_until(Duration::from_secs(60), || !cell_processes(&dir).is_empty()),
            "no `sweep cell` process started within 60 s"
        );
        let cells = cell_processes(&dir);
        signal(&runner, name);
        runner.wait().unwrap();
        let gone = wait_until(Duration::from_secs(10), || cell_processes(&dir).is_empty());
        assert!(
            gone,
            "after SIG{name} of `sweep run`, its cells {:?} still run (were {cells:?})",
            cell_processes(&dir)
        );
    }
    eprintln!(
        "killing_the_runner_ends_its_cells: {:.0} s",
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn two_runners_on_one_directory_both_succeed_and_compute_each_cell_once() {
    let started = Instant::now();
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("sweep");
    plan(&dir, "1,7", "1");
    let _reap = Reap(dir.clone());
    let spawn = || {
        run_command(&dir, "2")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(a.status.success(), "first runner:\n{}", text(&a));
    assert!(b.status.success(), "second runner:\n{}", text(&b));
    for output in [&a, &b] {
        assert!(
            !text(output).contains("failed (attempt"),
            "{}",
            text(output)
        );
    }
    let computed = |o: &Output| -> usize {
        let out = String::from_utf8_lossy(&o.stdout);
        out.split(" cells computed")
            .next()
            .and_then(|n| n.trim().rsplit('\n').next()?.trim().parse().ok())
            .unwrap_or_else(|| panic!("no summary line in:\n{out}"))
    };
    assert_eq!(
        computed(&a) + computed(&b),
        2,
        "every cell computed by exactly one runner:\n{}\n{}",
        text(&a),
        text(&b)
    );
    let plan = common::read_json(&dir.join("plan.json"));
    for cell in plan["cells"].as_array().unwrap() {
        let (index, id) = (
            cell["index"].as_u64().unwrap(),
            cell["id"].as_str().unwrap(),
        );
        let log = std::fs::read_to_string(dir.join("logs").join(format!("cell-{index}-{id}.log")))
            .unwrap();
        assert_eq!(
            log.matches(&format!("cell {index}: Computed")).count(),
            1,
            "cell {index} computed once:\n{log}"
        );
        assert!(dir.join("cells").join(id).join("cell.json").exists());
    }
    let status = aerepro()
        .args(["sweep", "status", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(text(&status).contains("2 done"), "{}", text(&status));
    eprintln!(
        "two_runners_on_one_directory: {:.0} s",
        started.elapsed().as_secs_f64()
    );
}

/// Runs `aerepro ARGS` with `dir` bind-mounted read-only over itself, in a private mount namespace
/// (`unshare --mount`, root), with stdout and stderr piped: no terminal.
fn on_read_only(dir: &Path, args: &[&str]) -> Output {
    let script = "mount --bind -o ro \"$1\" \"$1\" && shift && exec \"$@\"";
    let output = Command::new("unshare")
        .args(["--mount", "sh", "-c", script, "sh"])
        .arg(dir)
        .arg(env!("CARGO_BIN_EXE_aerepro"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("running unshare (util-linux)");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("unshare:") && !stderr.contains("mount:"),
        "cannot make a read-only bind mount here (needs root and unshare --mount): {stderr}"
    );
    output
}

#[test]
fn a_read_only_sweep_directory_gives_a_clear_error_without_a_terminal() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("sweep");
    plan(&dir, "1,7", "1");
    // Lock files as a previous run leaves them (no process holds them).
    let plan = common::read_json(&dir.join("plan.json"));
    for cell in plan["cells"].as_array().unwrap() {
        let lock = dir.join("locks").join(cell["id"].as_str().unwrap());
        std::fs::create_dir_all(&lock).unwrap();
        std::fs::write(lock.join(".lock"), "pid 1").unwrap();
    }
    let d = dir.to_str().unwrap();
    let data = data_dir();
    let run = on_read_only(
        &dir,
        &[
            "sweep",
            "run",
            d,
            "--jobs",
            "2",
            "--data-dir",
            data.to_str().unwrap(),
        ],
    );
    let message = text(&run);
    assert!(!run.status.success(), "{message}");
    assert!(
        message.contains("Read-only file system") && message.contains("not writable"),
        "the reason reaches stderr without a terminal:\n{message}"
    );
    assert!(!message.contains("panicked"), "{message}");

    let status = on_read_only(&dir, &["sweep", "status", d]);
    let message = text(&status);
    assert!(status.status.success(), "{message}");
    assert!(
        message.contains("0 running") && message.contains("2 pending"),
        "unheld locks on a read-only directory are not 'running':\n{message}"
    );
}
