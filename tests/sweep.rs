//! The sweep end to end on real MNIST: a tiny plan run once as a real Slurm job array (a single-node
//! cluster started by ci/slurm-local.sh) and once by the local runner must give identical results,
//! cell by cell; and every bad input the sweep can meet gets a clear error without losing a finished
//! cell.
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

mod common;

use common::{aerepro, data_dir, fails_with, succeeded, succeeds};

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");

fn plan_tiny(dir: &Path) {
    let args = common::tiny_sweep_plan(dir);
    succeeds(&args.iter().map(String::as_str).collect::<Vec<_>>());
}

/// `sweep cell DIR --index 0` at one thread on the real data.
fn cell_zero<'a>(dir: &'a str, data: &'a Path) -> [&'a str; 9] {
    [
        "sweep",
        "cell",
        dir,
        "--index",
        "0",
        "--threads",
        "1",
        "--data-dir",
        data.to_str().unwrap(),
    ]
}

fn slurm_script(command: &str) -> Output {
    Command::new(Path::new(MANIFEST).join("ci/slurm-local.sh"))
        .arg(command)
        .output()
        .expect("running ci/slurm-local.sh")
}

/// Stops the local cluster at the end of the test if the test started it.
struct Cluster {
    started_here: bool,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.started_here {
            slurm_script("stop");
        }
    }
}

#[test]
fn a_slurm_array_and_the_local_runner_give_identical_cells() {
    let was_running = slurm_script("status").status.success();
    let started = slurm_script("start");
    assert!(
        started.status.success(),
        "could not start a local Slurm cluster with ci/slurm-local.sh start:\n{}",
        String::from_utf8_lossy(&started.stderr)
    );
    let _cluster = Cluster {
        started_here: !was_running,
    };
    let export = String::from_utf8_lossy(&started.stdout);
    let slurm_conf = export
        .trim()
        .strip_prefix("export SLURM_CONF=")
        .expect("slurm-local.sh prints the SLURM_CONF export")
        .to_string();
    let env = [("SLURM_CONF", slurm_conf.as_str())];
    let data = data_dir();
    let data = data.to_str().unwrap();

    let root = tempfile::tempdir().unwrap();
    let (on_slurm, local) = (root.path().join("slurm"), root.path().join("local"));
    plan_tiny(&on_slurm);
    plan_tiny(&local);

    let started_at = Instant::now();
    let submit = [
        "sweep",
        "slurm",
        on_slurm.to_str().unwrap(),
        "--submit",
        "--cpus-per-task",
        "1",
        "--data-dir",
        data,
    ];
    // Submitted from `root`, which outlives the jobs (sbatch's default working directory).
    let submitted = succeeded(
        &submit,
        &common::aerepro_in(root.path())
            .args(submit)
            .envs(env)
            .output()
            .expect("running aerepro"),
    );
    let merge_job = submitted
        .split_whitespace()
        .last()
        .expect("job ids printed")
        .to_string();
    while !on_slurm.join("summary.json").exists() {
        let reason = Command::new("squeue")
            .args(["-h", "-j", &merge_job, "-o", "%r"])
            .env("SLURM_CONF", &slurm_conf)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default();
        assert!(
            !reason.contains("DependencyNeverSatisfied"),
            "an array task failed; logs in {}",
            on_slurm.join("slurm/logs").display()
        );
        assert!(
            started_at.elapsed() < Duration::from_secs(900),
            "the Slurm sweep did not finish in 15 minutes (merge job {merge_job}: {reason})"
        );
        std::thread::sleep(Duration::from_secs(2));
    }
    eprintln!(
        "Slurm array + merge: {:.0} s",
        started_at.elapsed().as_secs_f64()
    );

    let started_at = Instant::now();
    succeeds(&[
        "sweep",
        "run",
        local.to_str().unwrap(),
        "--jobs",
        "2",
        "--threads-per-job",
        "1",
        "--data-dir",
        data,
    ]);
    succeeds(&["sweep", "merge", local.to_str().unwrap()]);
    eprintln!(
        "local runner + merge: {:.0} s",
        started_at.elapsed().as_secs_f64()
    );

    common::assert_same_cells(&on_slurm, &local, 4);
    let status = succeeds(&["sweep", "status", on_slurm.to_str().unwrap()]);
    assert!(status.contains("4 done"), "{status}");
}

#[test]
fn bad_sweep_input_gets_clear_errors_and_keeps_finished_cells() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("sweep");
    let d = dir.to_str().unwrap();
    fails_with(
        &[
            "sweep",
            "plan",
            "--out",
            d,
            "--dataset",
            "mnist",
            "--normal-classes",
            "dog",
        ],
        "unknown MNIST class 'dog'",
    );
    fails_with(
        &[
            "sweep",
            "plan",
            "--out",
            d,
            "--dataset",
            "mnist",
            "--models",
            "gan",
        ],
        "invalid value 'gan' for '--models",
    );
    fails_with(&["sweep", "cell", d, "--index", "0"], "a sweep directory?");
    plan_tiny(&dir);
    fails_with(
        &[
            "sweep",
            "plan",
            "--out",
            d,
            "--dataset",
            "mnist",
            "--seeds",
            "5",
        ],
        "holds a different plan",
    );
    fails_with(
        &["sweep", "cell", d, "--index", "4"],
        "cell index 4 is out of range: the plan has 4 cells",
    );
    fails_with(&["sweep", "merge", d], "no finished cells");
    let data = data_dir();
    succeeds(&cell_zero(d, &data));
    let rerun = succeeds(&["sweep", "cell", d, "--index", "0", "--threads", "1"]);
    assert!(
        rerun.contains("AlreadyDone"),
        "a finished cell is skipped: {rerun}"
    );

    // Merge with missing cells names them and marks the entries partial.
    let merged = succeeds(&["sweep", "merge", d]);
    assert!(merged.contains("3 of 4 cells missing"), "{merged}");
    assert!(
        merged.contains(" *"),
        "partial entries are marked: {merged}"
    );

    // A corrupted cell record is detected, and the cell recomputed from its checkpoint.
    let plan = common::read_json(&dir.join("plan.json"));
    let id = plan["cells"][0]["id"].as_str().unwrap().to_string();
    let record = dir.join("cells").join(&id).join("record.json");
    let mut bytes = std::fs::read(&record).unwrap();
    bytes[10] ^= 0x01;
    std::fs::write(&record, &bytes).unwrap();
    let status = succeeds(&["sweep", "status", d]);
    assert!(status.contains("0 done"), "{status}");
    let output = aerepro(&cell_zero(d, &data));
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("does not match the marker"));
    assert!(succeeds(&["sweep", "status", d]).contains("1 done"));

    // plan.json edited after cells ran: refused, naming the cell.
    let text = std::fs::read_to_string(dir.join("plan.json")).unwrap();
    let (spec, cells) = text.split_at(text.find("\"cells\"").unwrap());
    let edited = format!(
        "{spec}{}",
        cells.replacen("\"epochs\": 1", "\"epochs\": 2", 1)
    );
    std::fs::write(dir.join("plan.json"), edited).unwrap();
    fails_with(&["sweep", "run", d], "plan.json was edited after planning");

    // No sbatch on PATH: say so, and that the local runner works without it.
    std::fs::write(
        dir.join("plan.json"),
        serde_json::to_vec_pretty(&plan).unwrap(),
    )
    .unwrap();
    let output = common::aerepro_in(root.path())
        .args(["sweep", "slurm", d, "--submit"])
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("sbatch not found") && stderr.contains("sweep run"),
        "{stderr}"
    );
    assert!(dir.join("slurm/array.sbatch").exists());
}
