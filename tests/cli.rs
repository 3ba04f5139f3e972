//! The `aerepro` binary end to end: bad arguments get clear errors; a tiny real `reproduce` writes its
//! record, table and figures, and `--resume` reuses the checkpoint.
mod common;

use common::{aerepro, fails_with, stderr_of};

#[test]
fn bad_arguments_are_named() {
    fails_with(
        &["reproduce", "--dataset", "svhn"],
        "invalid value 'svhn' for '--dataset <DATASET>'",
    );
    fails_with(
        &["reproduce", "--dataset", "mnist", "--normal-class", "12"],
        "unknown MNIST class '12'",
    );
    fails_with(
        &[
            "reproduce",
            "--dataset",
            "cifar10",
            "--normal-class",
            "wolf",
        ],
        "unknown CIFAR-10 class 'wolf'",
    );
    fails_with(
        &["reproduce", "--dataset", "mnist", "--epochs", "0"],
        "epochs must be at least 1",
    );
    fails_with(
        &["reproduce", "--dataset", "mnist", "--models", "gan"],
        "invalid value 'gan'",
    );
    fails_with(
        &[
            "reproduce",
            "--dataset",
            "mnist",
            "--seed",
            "1",
            "--seeds",
            "3",
        ],
        "cannot be used with",
    );
    if !tch::Cuda::is_available() {
        fails_with(
            &["reproduce", "--dataset", "mnist", "--device", "cuda"],
            "libtorch sees no CUDA device",
        );
    }
}

#[test]
fn missing_data_dir_says_how_to_get_the_data() {
    let empty = tempfile::tempdir().unwrap();
    let dir = empty.path().to_str().unwrap();
    fails_with(
        &["reproduce", "--dataset", "mnist", "--data-dir", dir],
        "ci/setup-data.sh",
    );
}

/// `make reproduce` leaves a finished run in the repository's `runs/mnist`, and the test above, whose
/// `reproduce` has the default `--out runs/mnist`, used to meet it there ("already holds record.json
/// of a finished run") because the binary ran in the repository. It now runs in an empty directory of
/// its own: a relative path names nothing of the repository, not even its Cargo.toml.
#[test]
fn the_binary_runs_outside_the_repository() {
    let output = aerepro(&["metrics", "--scores", "Cargo.toml"]);
    assert!(!output.status.success());
    let stderr = stderr_of(&output);
    assert!(
        stderr.contains("Cargo.toml") && stderr.contains("No such file or directory"),
        "{stderr}"
    );
}

#[test]
fn metrics_errors_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("scores.csv");
    std::fs::write(&csv, "score,label\n0.1,0\n0.2,1\nNaN,1\n").unwrap();
    fails_with(&["metrics", "--scores", csv.to_str().unwrap()], "line 4");
    std::fs::write(&csv, "score,label\n0.1,0\n0.2,0\n").unwrap();
    let output = aerepro(&["metrics", "--scores", csv.to_str().unwrap()]);
    assert!(!output.status.success());
}

#[test]
fn tiny_reproduce_writes_record_table_figures_and_resumes() {
    let out = tempfile::tempdir().unwrap();
    let out_dir = out.path().to_str().unwrap();
    let args = [
        "reproduce",
        "--dataset",
        "mnist",
        "--models",
        "cae",
        "--epochs",
        "1",
        "--threads",
        "2",
        "--seeds",
        "1",
        "--out",
        out_dir,
    ];
    let first = aerepro(&args);
    assert!(first.status.success(), "{}", stderr_of(&first));
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        stdout.contains("ROC-AUC") && stdout.contains("all others"),
        "{stdout}"
    );
    assert!(
        stdout.contains("1 seed: every claim judged over seeds stays unresolved"),
        "{stdout}"
    );

    let record = common::read_json(&out.path().join("record.json"));
    assert_eq!(record["complete"], true);
    assert_eq!(record["data"]["variant"], "official");
    assert_eq!(record["data"]["files"].as_array().unwrap().len(), 4);
    let run = &record["runs"][0];
    assert_eq!(run["per_class"].as_array().unwrap().len(), 9);
    assert!(run["train"]["epochs"][0]["recon_mse"].as_f64().unwrap() > 0.0);
    assert!(out.path().join("table.txt").is_file());
    for figure in [
        "roc_pr_7.png",
        "roc_pr_7.svg",
        "score_histograms.png",
        "reconstructions.png",
    ] {
        let path = out.path().join("figures").join(figure);
        assert!(
            std::fs::metadata(&path)
                .map(|m| m.len() > 1000)
                .unwrap_or(false),
            "{}",
            path.display()
        );
    }

    let mut resume_args = args.to_vec();
    resume_args.extend(["--resume", "--no-figures"]);
    let second = aerepro(&resume_args);
    assert!(second.status.success(), "{}", stderr_of(&second));
    assert!(
        stderr_of(&second).contains("resumed CAE seed 0"),
        "{}",
        stderr_of(&second)
    );
    let resumed = common::read_json(&out.path().join("record.json"));
    assert_eq!(resumed["runs"][0]["resumed"], true);
    assert_eq!(
        resumed["runs"][0]["per_class"], run["per_class"],
        "a reloaded model scores identically"
    );
}
