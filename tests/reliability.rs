//! The `aerepro` binary never loses, mixes or mislabels a result: an earlier run is refused unless
//! resumed or forced; a locked directory is refused; bad arguments fail before any work; a closed
//! stdout skips no file; outputs honour the umask; a damaged checkpoint is detected on resume.
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

use aerepro::store::lock::DirLock;

mod common;

use common::{aerepro, stderr_of};

/// Like `common::fails_with`, but a panic is told by the exit code (101), and stderr is returned.
fn refused_with(args: &[&str], message: &str) -> String {
    let output = aerepro(args);
    let stderr = stderr_of(&output);
    assert!(!output.status.success(), "{args:?} should fail:\n{stderr}");
    assert_ne!(
        output.status.code(),
        Some(101),
        "{args:?} panicked: {stderr}"
    );
    assert!(
        stderr.contains(message),
        "{args:?}: expected '{message}' in:\n{stderr}"
    );
    stderr
}

const FINISHED_RECORD: &str = r#"{"complete": true, "config": {"dataset": "mnist", "models": ["cae"], "seeds": [0], "train": {"epochs": 7}}, "runs": [{}]}"#;

#[test]
fn an_earlier_run_is_refused_and_named_unless_resumed_or_forced() {
    let out = tempfile::tempdir().unwrap();
    let record = out.path().join("record.json");
    std::fs::write(&record, FINISHED_RECORD).unwrap();
    let dir = out.path().to_str().unwrap();
    let stderr = refused_with(
        &["reproduce", "--dataset", "mnist", "--out", dir],
        "already holds record.json of a finished run (mnist, models cae, seeds [0], 7 epoch(s)",
    );
    assert!(
        stderr.contains("--resume") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&record).unwrap(), FINISHED_RECORD);
    refused_with(
        &[
            "reproduce",
            "--dataset",
            "mnist",
            "--out",
            dir,
            "--resume",
            "--force",
        ],
        "cannot be used with",
    );
}

#[test]
fn a_directory_in_use_is_refused_before_any_work() {
    let out = tempfile::tempdir().unwrap();
    let _held = DirLock::acquire(out.path()).unwrap();
    let empty_data = tempfile::tempdir().unwrap();
    refused_with(
        &[
            "reproduce",
            "--dataset",
            "mnist",
            "--out",
            out.path().to_str().unwrap(),
            "--data-dir",
            empty_data.path().to_str().unwrap(),
        ],
        &format!(
            "is in use by another aerepro process (pid {})",
            std::process::id()
        ),
    );
}

#[test]
fn bad_numbers_and_outputs_fail_before_any_work() {
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("out");
    let a_file = scratch.path().join("a-file");
    std::fs::write(&a_file, "not a directory").unwrap();
    // The data directory is empty: an argument checked late would fail on the data instead.
    let data = scratch.path().join("no-data");
    let (out, a_file, data) = (
        out.to_str().unwrap(),
        a_file.to_str().unwrap(),
        data.to_str().unwrap(),
    );
    let cases: [(&[&str], &str); 13] = [
        (
            &["--threads", "0"],
            "threads must be between 1 and 1024, got 0",
        ),
        (
            &["--threads=-2"],
            "threads must be between 1 and 1024, got -2",
        ),
        (&["--threads", "2147483647"], "got 2147483647"),
        (&["--beta", "NaN"], "must be a finite number >= 0, got NaN"),
        (&["--beta=-0.5"], "must be a finite number >= 0, got -0.5"),
        (&["--beta", "inf"], "got inf"),
        (&["--epochs", "0"], "epochs must be at least 1"),
        (&["--epochs", "1000000000"], "epochs must be at most 100000"),
        (&["--seeds", "0"], "--seeds must be at least 1, got 0"),
        (&["--jobs", "0"], "--jobs must be at least 1, got 0"),
        (&["--seeds", "99999999999"], "--seeds must be at most 1000"),
        (&["--step-cost-rounds", "1000000000"], "at most 10000"),
        (&["--out", a_file], "is a file, not a directory"),
    ];
    for (extra, message) in cases {
        let mut args = vec!["reproduce", "--dataset", "mnist", "--data-dir", data];
        if !extra.contains(&"--out") {
            args.extend(["--out", out]);
        }
        args.extend(extra);
        let stderr = refused_with(&args, message);
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(
            !Path::new(out).exists(),
            "{extra:?}: the output directory was created before the check"
        );
    }
    refused_with(
        &[
            "reproduce",
            "--dataset",
            "mnist",
            "--data-dir",
            data,
            "--out",
            &format!("{a_file}/sub"),
        ],
        "Not a directory",
    );
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_tiny_run_survives_a_closed_stdout_and_detects_a_damaged_checkpoint() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().to_str().unwrap();
    let mut args = common::tiny_reproduce("cae");
    args.extend(["--out", dir]);
    // stdout is a pipe whose reading end is closed before aerepro writes (`… | head -0`), under
    // umask 022.
    let cwd = tempfile::tempdir().unwrap();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("umask 022; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_aerepro"))
        .args(&args)
        .current_dir(cwd.path())
        .env("AEREPRO_DATA_DIR", common::data_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let first = child.wait_with_output().unwrap();
    assert!(first.status.success(), "{}", stderr_of(&first));

    let checkpoint = out
        .path()
        .join("checkpoints/mnist-normal1-cae-seed0.safetensors");
    let sidecar = checkpoint.with_extension("json");
    for file in [
        out.path().join("record.json"),
        out.path().join("table.txt"),
        out.path().join("figures/score_histograms.png"),
        checkpoint.clone(),
        sidecar.clone(),
    ] {
        assert!(file.is_file(), "{} was not written", file.display());
        assert_eq!(mode(&file), 0o644, "{} under umask 022", file.display());
    }
    let record = common::read_json(&out.path().join("record.json"));
    assert_eq!(record["complete"], true);
    let table = std::fs::read_to_string(out.path().join("table.txt")).unwrap();
    assert!(!table.contains("WARNING: MNIST data"), "{table}");
    let mut typed = aerepro::run::record::parse_record(
        &std::fs::read_to_string(out.path().join("record.json")).unwrap(),
    )
    .unwrap();
    typed.data.variant = aerepro::data::UNVERIFIED.into();
    typed.data.checked = "structure only".into();
    let table = aerepro::report::table::render(&typed);
    assert!(
        table.contains("WARNING: MNIST data is unverified: structure only"),
        "an unverified copy is named in the table:\n{table}"
    );

    let mut weights = std::fs::read(&checkpoint).unwrap();
    let at = weights.len() - 64;
    weights[at] ^= 0x10;
    std::fs::write(&checkpoint, weights).unwrap();
    let mut resume = args.to_vec();
    resume.extend(["--resume", "--no-figures"]);
    let second = aerepro(&resume);
    let stderr = stderr_of(&second);
    assert!(second.status.success(), "{stderr}");
    assert!(
        stderr.contains("WARNING: unusable checkpoint")
            && stderr.contains("is not the file its sidecar commits")
            && stderr.contains("retraining CAE seed 0"),
        "{stderr}"
    );
    let retrained = common::read_json(&out.path().join("record.json"));
    assert_eq!(retrained["runs"][0]["resumed"], false);
    assert_eq!(
        retrained["runs"][0]["per_class"], record["runs"][0]["per_class"],
        "retrained with the same seed and threads: the same numbers"
    );
    aerepro::store::checkpoint::verify(&checkpoint).unwrap();
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.org"])
        .args(args)
        .output()
        .expect("git");
    assert!(out.status.success(), "git {args:?}");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn the_recorded_commit_is_the_builds_not_the_working_directorys() {
    let crate_head = git(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["rev-parse", "HEAD"],
    );
    let other = tempfile::tempdir().unwrap();
    git(other.path(), &["init", "-q"]);
    git(
        other.path(),
        &["commit", "-q", "--allow-empty", "-m", "other"],
    );
    let other_head = git(other.path(), &["rev-parse", "HEAD"]);

    let embedded = aerepro::run::environment::git_commit().expect("built from a git checkout");
    assert_eq!(embedded.trim_end_matches("-dirty"), crate_head);
    let info = common::aerepro_in(other.path())
        .arg("info")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&info.stdout);
    assert!(stdout.contains(&format!("(commit {embedded})")), "{stdout}");
    assert!(!stdout.contains(&other_head), "{stdout}");
}

#[test]
fn an_os_error_is_printed_once_and_info_fails_without_data() {
    let stderr = refused_with(
        &["metrics", "--scores", "/nonexistent/scores.csv"],
        "No such file or directory",
    );
    assert_eq!(
        stderr.matches("No such file or directory").count(),
        1,
        "{stderr}"
    );

    let empty = tempfile::tempdir().unwrap();
    let info = aerepro(&["info", "--data-dir", empty.path().to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&info.stdout);
    assert!(!info.status.success(), "info with no data should fail");
    assert!(
        stdout.contains("MNIST: NOT AVAILABLE") && stdout.contains("CIFAR-10: NOT AVAILABLE"),
        "{stdout}"
    );
    assert!(
        stderr_of(&info).contains("not available: MNIST, CIFAR-10"),
        "{}",
        stderr_of(&info)
    );
}

/// scikit-learn's roc_auc_score / average_precision_score of these cases: single positive 0.25 /
/// 0.25; single negative 0.75 / 0.95.
#[test]
fn metrics_with_a_single_positive_or_negative_report_auc_and_ap_without_an_interval() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("scores.csv");
    let scores = [0.1, 0.4, 0.35, 0.8, 0.5];
    for (positive_at, roc_auc, ap, n_pos) in
        [(vec![2], 0.25, 0.25, 1), (vec![0, 1, 3, 4], 0.75, 0.95, 4)]
    {
        let mut text = String::from("score,label\n");
        for (i, s) in scores.iter().enumerate() {
            text += &format!("{s},{}\n", u8::from(positive_at.contains(&i)));
        }
        std::fs::write(&csv, text).unwrap();
        let output = aerepro(&["metrics", "--scores", csv.to_str().unwrap()]);
        assert!(output.status.success(), "{}", stderr_of(&output));
        let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert!((summary["roc_auc"].as_f64().unwrap() - roc_auc).abs() < 1e-12);
        assert!((summary["average_precision"].as_f64().unwrap() - ap).abs() < 1e-12);
        assert_eq!(summary["n_pos"], n_pos);
        for interval in ["roc_auc_ci", "average_precision_ci"] {
            let ci = &summary[interval];
            assert!(ci["lower"].is_null() && ci["upper"].is_null(), "{ci}");
            let reason = ci["unavailable"].as_str().unwrap();
            assert!(
                reason.contains("needs at least 2 positive and 2 negative samples"),
                "{reason}"
            );
        }
    }
}
