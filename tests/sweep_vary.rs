//! Choices the paper leaves open as sweep axes: `sweep plan --vary` plans the product, `sweep merge`
//! groups by it and judges the claims under each combination (the sensitivity table), an edited plan
//! that would merge two settings as seeds of one is refused, and `reproduce --vary` runs each
//! combination into its own directory.
mod common;

use common::{fails_with, read_json, succeeds};

/// The `preprocess` choice of each item of a JSON array (plan cells, golden verdict groups).
fn preprocess_of(items: &serde_json::Value) -> Vec<&str> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["choices"]["preprocess"].as_str().unwrap())
        .collect()
}

#[test]
fn a_varied_sweep_merges_into_a_sensitivity_table() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("sweep");
    let d = dir.to_str().unwrap();
    let data = common::data_dir();
    let planned = succeeds(&[
        "sweep",
        "plan",
        "--out",
        d,
        "--dataset",
        "mnist",
        "--normal-classes",
        "paper",
        "--seeds",
        "2",
        "--epochs",
        "1",
        "--vary",
        "preprocess=raw,image-minmax",
    ]);
    assert!(planned.contains("planned 12 cells"), "{planned}");
    let plan = read_json(&dir.join("plan.json"));
    let labels = preprocess_of(&plan["cells"]);
    assert_eq!(labels[..6], ["raw"; 6]);
    assert_eq!(labels[6..], ["image-minmax"; 6]);

    succeeds(&["sweep", "run", d, "--data-dir", data.to_str().unwrap()]);
    let merged = succeeds(&["sweep", "merge", d]);
    assert!(
        merged.contains("claim verdicts under each preprocess")
            && merged.contains("| raw | ")
            && merged.contains("| image-minmax | ")
            && merged.contains("verdict across preprocess"),
        "{merged}"
    );
    let summary = read_json(&dir.join("summary.json"));
    assert_eq!(summary["varied"], serde_json::json!(["preprocess"]));
    let verdicts = summary["verdicts"].as_array().unwrap();
    assert_eq!(verdicts.len(), 2, "one set of verdicts per preprocessing");
    for v in verdicts {
        assert_eq!(v["seeds"], serde_json::json!([0, 1]));
        let ids: Vec<&str> = v["claims"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["C1", "C2"], "MNIST claims but the timing claim");
    }
    let entries = summary["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 6, "3 models × 2 preprocessings");
    assert!(entries
        .iter()
        .all(|e| e["seeds"] == serde_json::json!([0, 1])));
    for variant in ["preprocess-raw", "preprocess-image-minmax"] {
        assert!(dir
            .join("variants")
            .join(variant)
            .join("tables/mnist.md")
            .is_file());
    }
    assert!(dir.join("tables/sensitivity.md").is_file());

    // A golden of a varied sweep keeps each combination apart, and the sweep audits exactly.
    let golden = scratch.path().join("golden.json");
    succeeds(&["golden", d, "--out", golden.to_str().unwrap()]);
    let pinned = read_json(&golden);
    assert_eq!(pinned["entries"].as_array().unwrap().len(), 12);
    let groups = preprocess_of(&pinned["verdicts"]);
    assert_eq!(
        groups,
        ["image-minmax", "raw"],
        "one verdict group per preprocessing"
    );
    let audited = succeeds(&["audit", d, "--golden", golden.to_str().unwrap()]);
    assert!(
        audited.contains("(12 entries exactly") && audited.contains("audit passed"),
        "{audited}"
    );

    // A plan edited so that the two preprocessings look like one setting is refused, naming both.
    let mut edited = plan.clone();
    edited["spec"].as_object_mut().unwrap().remove("vary");
    for cell in edited["cells"].as_array_mut().unwrap() {
        cell.as_object_mut().unwrap().remove("choices");
    }
    std::fs::write(dir.join("plan.json"), edited.to_string()).unwrap();
    fails_with(
        &["sweep", "merge", d],
        "differ in settings the plan does not vary (config.train.preprocess null -> \"image-minmax\")",
    );
}

#[test]
fn bad_variations_get_clear_errors() {
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("sweep");
    let plan = |extra: &[&str]| {
        let mut args = vec![
            "sweep",
            "plan",
            "--out",
            out.to_str().unwrap(),
            "--dataset",
            "mnist",
        ];
        args.extend_from_slice(extra);
        args.iter().map(|a| a.to_string()).collect::<Vec<_>>()
    };
    let fails = |extra: &[&str], message: &str| {
        let args = plan(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        fails_with(&args, message);
    };
    fails(
        &["--vary", "colour=red"],
        "'colour' is not a choice that can be varied",
    );
    fails(&["--vary", "preprocess"], "expected KEY=V1,V2");
    fails(
        &["--vary", "preprocess=raw,sepia"],
        "'sepia' is not one of: raw",
    );
    fails(
        &["--vary", "preprocess=raw", "--preprocess", "raw"],
        "preprocess is both fixed",
    );
    fails(
        &["--vary", "beta=1,1.0"],
        "two values of a --vary give the same experiment",
    );
    fails(
        &["--vary", "n-critic=5", "--vary", "n-critic=1"],
        "--vary n-critic is given twice",
    );
    fails(
        &["--vary", "n-critic=0"],
        "n_critic (critic steps per minibatch) must be between 1",
    );
    assert!(!out.join("plan.json").exists(), "nothing was planned");
}

#[test]
fn reproduce_runs_each_combination_into_its_own_directory() {
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("run");
    let mut args = common::tiny_reproduce("cae,vae,aae");
    args.extend([
        "--no-figures",
        "--vary",
        "preprocess=raw,image-minmax",
        "--out",
        out.to_str().unwrap(),
    ]);
    let printed = succeeds(&args);
    assert!(printed.contains("== preprocess=raw =="), "{printed}");
    for (dir, preprocess) in [
        ("preprocess-raw", "raw"),
        ("preprocess-image-minmax", "image-minmax"),
    ] {
        let record = read_json(&out.join(dir).join("record.json"));
        let recorded = &record["config"]["train"]["preprocess"];
        assert!(
            recorded.is_null() && preprocess == "raw" || recorded == preprocess,
            "{dir}: {recorded}"
        );
    }
    let table = std::fs::read_to_string(out.join("sensitivity.md")).unwrap();
    assert!(
        table.contains("| raw | ") && table.contains("| image-minmax | "),
        "{table}"
    );
}
