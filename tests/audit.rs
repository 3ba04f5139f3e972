//! `aerepro golden` and `aerepro audit` end to end on a tiny configuration (real MNIST, normal class
//! 1, the CAE, one epoch, one thread): the audit passes on a rerun, fails on a record with one value
//! moved by 0.01, and fails after a change of initialisation. The same run's per-class ROC-AUCs are
//! the cheap value golden of every CI run (an insta snapshot at 4 decimals).
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

mod common;

use common::{aerepro, succeeds};

fn reproduce_tiny(out: &Path, extra: &[&str]) {
    let out = out.to_str().unwrap();
    let mut args = common::tiny_reproduce("cae");
    args.extend(["--no-figures", "--out", out]);
    args.extend(extra);
    succeeds(&args);
}

struct Golden {
    _dir: tempfile::TempDir,
    run: PathBuf,
    file: PathBuf,
}

/// The tiny run and its golden file, made once per test binary.
fn golden() -> &'static Golden {
    static GOLDEN: OnceLock<Golden> = OnceLock::new();
    GOLDEN.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("golden-run");
        reproduce_tiny(&run, &[]);
        let file = dir.path().join("golden.json");
        succeeds(&[
            "golden",
            run.to_str().unwrap(),
            "--out",
            file.to_str().unwrap(),
        ]);
        Golden {
            _dir: dir,
            run,
            file,
        }
    })
}

fn audit(source: &Path, extra: &[&str]) -> (bool, String) {
    let mut args = vec![
        "audit",
        source.to_str().unwrap(),
        "--golden",
        golden().file.to_str().unwrap(),
    ];
    args.extend(extra);
    let output = aerepro(&args);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    (output.status.success(), format!("{stdout}{stderr}"))
}

fn write_json(path: &Path, value: &Value) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}

#[test]
fn audit_passes_on_a_rerun_of_the_golden_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let rerun = dir.path().join("rerun");
    let (passed, output) = audit(&rerun, &["--rerun"]);
    assert!(passed, "{output}");
    assert!(
        output.contains(
            "18 values compared (1 entries exactly, 0 within the golden's seed spread); 0 differ"
        ),
        "{output}"
    );
}

#[test]
fn audit_fails_on_a_record_with_one_value_moved_by_0_01() {
    let dir = tempfile::tempdir().unwrap();
    let mut record = common::read_json(&golden().run.join("record.json"));
    let auc = &mut record["runs"][0]["per_class"][6]["metrics"]["roc_auc"];
    let moved = auc.as_f64().unwrap() - 0.01;
    *auc = Value::from(moved);
    write_json(&dir.path().join("moved/record.json"), &record);
    let (passed, output) = audit(&dir.path().join("moved"), &[]);
    assert!(!passed, "{output}");
    let drift: Vec<&str> = output.lines().filter(|l| l.contains("DRIFT")).collect();
    assert_eq!(drift.len(), 1, "{output}");
    assert!(
        drift[0].starts_with("MNIST 1 CAE seed 0 / 7 ROC-AUC") && drift[0].contains("-0.010000"),
        "{output}"
    );
    assert!(output.contains("audit FAILED"), "{output}");
}

/// A change of the initialisation code, simulated by training with the other initialisation and
/// recording the golden's configuration: same configuration and environment, other numbers.
#[test]
fn audit_fails_after_a_change_of_init() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("other-init");
    reproduce_tiny(&run, &["--init", "torch-default"]);
    let mut record = common::read_json(&run.join("record.json"));
    assert_eq!(record["config"]["train"]["model"]["init"], "torch-default");
    record["config"]["train"]["model"]["init"] = Value::from("kaiming-uniform");
    write_json(&run.join("record.json"), &record);
    let (passed, output) = audit(&run, &[]);
    assert!(!passed, "{output}");
    assert!(output.contains("(1 entries exactly"), "{output}");
    assert!(
        output.lines().filter(|l| l.contains("DRIFT")).count() > 1,
        "{output}"
    );
}

#[test]
fn a_different_configuration_is_named_and_without_seed_spread_must_match_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let mut record = common::read_json(&golden().run.join("record.json"));
    record["config"]["score_batch_size"] = Value::from(250);
    write_json(&dir.path().join("other/record.json"), &record);
    let (passed, output) = audit(&dir.path().join("other"), &[]);
    assert!(passed, "{output}");
    assert!(
        output.contains("configuration differs: config.score_batch_size 500 -> 250"),
        "{output}"
    );
}

#[test]
fn audit_fails_when_an_entry_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let mut record = common::read_json(&golden().run.join("record.json"));
    record["runs"][0]["seed"] = Value::from(7);
    write_json(&dir.path().join("seed7/record.json"), &record);
    let (passed, output) = audit(&dir.path().join("seed7"), &[]);
    assert!(!passed, "{output}");
    assert!(
        output.contains("MNIST 1 CAE seed 0: missing now"),
        "{output}"
    );
    // A spot check that shares no cell with the golden compares nothing: that fails too, unless
    // the user says it may (and is warned).
    let (passed, output) = audit(&dir.path().join("seed7"), &["--partial"]);
    assert!(!passed, "{output}");
    assert!(output.contains("no value was compared"), "{output}");
    assert!(output.contains("MNIST 1 CAE seed 7"), "{output}");
    let (passed, output) = audit(
        &dir.path().join("seed7"),
        &["--partial", "--allow-incomplete"],
    );
    assert!(passed, "{output}");
    assert!(output.contains("WARNING (--allow-incomplete)"), "{output}");
}

/// The cheap value golden: per-class ROC-AUCs of the tiny run at 4 decimals. Any change to loading,
/// initialisation, training or scoring shows as a diff here (`cargo insta review`); the numbers are
/// this machine's (1 thread, CPU features in the record).
#[test]
fn value_golden_mnist_cae_one_epoch() {
    let record = common::read_json(&golden().run.join("record.json"));
    let aucs: Vec<String> = record["runs"][0]["per_class"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {:.4}",
                c["name"].as_str().unwrap(),
                c["metrics"]["roc_auc"].as_f64().unwrap()
            )
        })
        .collect();
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_json_snapshot!("value_golden_mnist_cae_1epoch", aucs);
    });
}
