//! Fault injection on the real binary: seeded trials SIGKILL a tiny `reproduce` (MNIST, CAE + VAE,
//! 1 epoch, 1 seed, 1 thread) at random moments, resume it, and compare the final record with an
//! uninterrupted run's (timings, checkpoint paths and the `resumed` flags aside); two runs started
//! together into one directory (one refuses, nothing is mixed); a damaged checkpoint, sidecar and
//! record, each detected. `AEREPRO_FAULT_TRIALS=N` sets the number of kill trials (default 4).
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

const DEFAULT_TRIALS: usize = 4;

mod common;

use common::{aerepro, read_json, stderr_of};

fn args<'a>(out: &'a str, models: &'a str) -> Vec<&'a str> {
    let mut args = common::tiny_reproduce(models);
    args.extend(["--no-figures", "--out", out]);
    args
}

/// Starts `aerepro ARGS` in `cwd`, stdout discarded.
fn spawn(cwd: &Path, args: &[&str]) -> Child {
    common::aerepro_in(cwd)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The record without what legitimately differs between two runs of one config: timings, where
/// the checkpoints live, and whether a model was reloaded.
fn comparable(mut record: Value) -> Value {
    fn strip(value: &mut Value) {
        match value {
            Value::Object(map) => {
                map.retain(|key, _| {
                    !(key.contains("seconds")
                        || key.contains("per_second")
                        || key == "resumed"
                        || key == "checkpoint")
                });
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut record);
    record
}

struct Baseline {
    dir: tempfile::TempDir,
    record: Value,
    seconds: f64,
}

/// One uninterrupted run, shared by the tests of this binary.
fn baseline() -> &'static Baseline {
    static BASELINE: OnceLock<Baseline> = OnceLock::new();
    BASELINE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let started = Instant::now();
        let output = aerepro(&args(dir.path().to_str().unwrap(), "cae,vae"));
        assert!(output.status.success(), "{}", stderr_of(&output));
        let seconds = started.elapsed().as_secs_f64();
        let record = read_json(&dir.path().join("record.json"));
        assert_eq!(record["complete"], true);
        Baseline {
            dir,
            record,
            seconds,
        }
    })
}

/// What a killed run had left: how far it got.
fn stage(dir: &Path) -> String {
    let checkpoints = std::fs::read_dir(dir.join("checkpoints"))
        .map(|entries| {
            entries
                .filter(|e| {
                    e.as_ref().is_ok_and(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        name.ends_with(".safetensors") && !name.starts_with(".partial-")
                    })
                })
                .count()
        })
        .unwrap_or(0);
    let record = std::fs::read_to_string(dir.join("record.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok());
    match record {
        Some(r) if r["complete"] == true => "after completion".into(),
        Some(r) => format!(
            "{} checkpoint(s), record with {} model run(s)",
            checkpoints,
            r["runs"].as_array().map_or(0, Vec::len)
        ),
        None => format!("{checkpoints} checkpoint(s), no record"),
    }
}

fn kill_after(mut child: Child, delay: Duration) -> bool {
    let deadline = Instant::now() + delay;
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let killed = child.try_wait().unwrap().is_none();
    child.kill().unwrap();
    child.wait().unwrap();
    killed
}

/// One trial: SIGKILL a run `at` seconds after its start, then resume. `Err` says how it was lost.
fn trial(trial: usize, at: f64, expected: &Value) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let child = spawn(cwd.path(), &args(out, "cae,vae"));
    let killed = kill_after(child, Duration::from_secs_f64(at));
    let reached = stage(dir.path());
    let lost = |why: String| format!("trial {trial} (killed at {at:.2} s; {reached}): {why}");
    if dir.path().join("record.json").exists() {
        let rerun = aerepro(&args(out, "cae,vae"));
        if rerun.status.success() || !stderr_of(&rerun).contains("already holds") {
            return Err(lost(
                "a plain rerun did not refuse the killed run's directory".into(),
            ));
        }
    }
    let mut resume = args(out, "cae,vae");
    resume.push("--resume");
    let resumed = aerepro(&resume);
    let outcome = if !resumed.status.success() {
        Err(lost(format!("resume failed: {}", stderr_of(&resumed))))
    } else if comparable(read_json(&dir.path().join("record.json"))) != *expected {
        Err(lost(
            "the resumed record differs from the uninterrupted one".into(),
        ))
    } else {
        Ok(())
    };
    eprintln!(
        "trial {trial}: SIGKILL at {at:.2} s ({}; {reached}) -> {}",
        if killed { "killed" } else { "had finished" },
        if outcome.is_ok() { "survived" } else { "LOST" }
    );
    outcome
}

#[test]
fn killed_runs_resume_to_the_uninterrupted_record() {
    let baseline = baseline();
    let expected = comparable(baseline.record.clone());
    let trials: usize = std::env::var("AEREPRO_FAULT_TRIALS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_TRIALS);
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let moments: Vec<f64> = (0..trials)
        .map(|_| rng.gen_range(0.0..1.0) * baseline.seconds)
        .collect();
    let started = Instant::now();
    // Two trials at a time: each run uses one thread.
    let lost: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2)
            .map(|worker| {
                let (moments, expected) = (&moments, &expected);
                scope.spawn(move || {
                    (worker..moments.len())
                        .step_by(2)
                        .filter_map(|i| trial(i, moments[i], expected).err())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    eprintln!(
        "fault injection: {trials} trials, {} survived, {} lost; uninterrupted run {:.1} s, trials {:.1} s",
        trials - lost.len(),
        lost.len(),
        baseline.seconds,
        started.elapsed().as_secs_f64()
    );
    assert!(lost.is_empty(), "{lost:#?}");
}

#[test]
fn two_runs_into_one_directory_one_refuses_and_nothing_is_mixed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let start = |init: &str| {
        let mut a = args(out, "cae");
        a.extend(["--init", init]);
        spawn(cwd.path(), &a)
    };
    let (first, second) = (start("kaiming-uniform"), start("torch-default"));
    let outputs = [
        ("kaiming-uniform", first.wait_with_output().unwrap()),
        ("torch-default", second.wait_with_output().unwrap()),
    ];
    let winners: Vec<&str> = outputs
        .iter()
        .filter(|(_, o)| o.status.success())
        .map(|(init, _)| *init)
        .collect();
    assert_eq!(winners.len(), 1, "exactly one run may write the directory");
    let refusal = outputs
        .iter()
        .find(|(_, o)| !o.status.success())
        .map(|(_, o)| stderr_of(o))
        .unwrap();
    assert!(
        refusal.contains("in use by another aerepro process") || refusal.contains("already holds"),
        "{refusal}"
    );
    let winner = winners[0];
    let record = read_json(&dir.path().join("record.json"));
    assert_eq!(record["config"]["train"]["model"]["init"], winner);
    let weights = dir
        .path()
        .join("checkpoints/mnist-normal1-cae-seed0.safetensors");
    let sidecar =
        aerepro::store::checkpoint::verify(&weights).expect("the weights its sidecar commits");
    assert_eq!(
        serde_json::to_value(sidecar.report.config.model.init).unwrap(),
        winner
    );
    let mut resume = args(out, "cae");
    resume.extend(["--init", winner, "--resume"]);
    let resumed = aerepro(&resume);
    assert!(
        stderr_of(&resumed).contains("resumed CAE seed 0"),
        "{}",
        stderr_of(&resumed)
    );
    assert_eq!(
        comparable(read_json(&dir.path().join("record.json"))),
        comparable(record)
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target: PathBuf = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn a_damaged_checkpoint_sidecar_and_record_are_each_detected() {
    let baseline = baseline();
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("run");
    copy_dir(baseline.dir.path(), &dir);
    let out = dir.to_str().unwrap();
    let weights = dir.join("checkpoints/mnist-normal1-cae-seed0.safetensors");
    let mut bytes = std::fs::read(&weights).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x01;
    std::fs::write(&weights, bytes).unwrap();
    let vae_sidecar = dir.join("checkpoints/mnist-normal1-vae-seed0.json");
    let text = std::fs::read_to_string(&vae_sidecar).unwrap();
    std::fs::write(&vae_sidecar, &text[..text.len() / 3]).unwrap();
    let record = dir.join("record.json");
    let text = std::fs::read_to_string(&record).unwrap();
    std::fs::write(&record, &text[..text.len() / 2]).unwrap();

    let refused = aerepro(&args(out, "cae,vae"));
    assert!(
        stderr_of(&refused).contains("record.json (corrupt: not JSON)"),
        "{}",
        stderr_of(&refused)
    );
    let mut resume = args(out, "cae,vae");
    resume.push("--resume");
    let resumed = aerepro(&resume);
    let stderr = stderr_of(&resumed);
    assert!(resumed.status.success(), "{stderr}");
    for detected in [
        "holds record.json (corrupt: not JSON); it is rebuilt",
        "mnist-normal1-cae-seed0.safetensors is not the file its sidecar commits",
        "mnist-normal1-vae-seed0.json is not a checkpoint sidecar",
    ] {
        assert!(stderr.contains(detected), "'{detected}' in:\n{stderr}");
    }
    assert_eq!(
        comparable(read_json(&record)),
        comparable(baseline.record.clone()),
        "retrained from the same seed: the uninterrupted run's numbers"
    );
}
