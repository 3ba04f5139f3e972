//! Golden test: aerepro's metrics equal scikit-learn's on fixtures/sklearn_ranking.json
//! (written by ci/sklearn_golden.py) within 1e-12, curves elementwise.
//!
//! Conventions matched exactly, without transformation:
//! * `roc_curve` = sklearn's `roc_curve(drop_intermediate=False)`: the fixture omits sklearn's
//!   leading `+inf` threshold (JSON has no infinity), so ours is checked to be `+inf` and the rest
//!   compared with the fixture's `roc_thresholds`.
//! * `precision_recall_curve`: thresholds increasing, precision/recall ending at (1, 0).

use aerepro::metrics::{
    average_precision, pr_auc_trapezoid, precision_recall_curve, roc_auc, roc_curve,
};
use serde::Deserialize;

const TOLERANCE: f64 = 1e-12;

#[derive(Deserialize)]
struct Fixture {
    sklearn_version: String,
    numpy_version: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    labels: Vec<u8>,
    scores: Vec<f64>,
    roc_auc: f64,
    average_precision: f64,
    pr_auc_trapezoid: f64,
    roc_fpr: Vec<f64>,
    roc_tpr: Vec<f64>,
    roc_thresholds: Vec<f64>,
    pr_precision: Vec<f64>,
    pr_recall: Vec<f64>,
    pr_thresholds: Vec<f64>,
}

fn load_fixture() -> Fixture {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/sklearn_ranking.json");
    let text = std::fs::read_to_string(path).expect("fixture readable");
    serde_json::from_str(&text).expect("fixture parses")
}

fn check_close(failures: &mut Vec<String>, case: &str, what: &str, ours: f64, sklearn: f64) {
    if (ours - sklearn).abs() > TOLERANCE {
        failures.push(format!("{case}: {what}: ours {ours} vs sklearn {sklearn}"));
    }
}

fn check_curve(failures: &mut Vec<String>, case: &str, what: &str, ours: &[f64], sklearn: &[f64]) {
    if ours.len() != sklearn.len() {
        failures.push(format!(
            "{case}: {what}: length {} vs sklearn {}",
            ours.len(),
            sklearn.len()
        ));
        return;
    }
    for (i, (&a, &b)) in ours.iter().zip(sklearn).enumerate() {
        if (a - b).abs() > TOLERANCE {
            failures.push(format!("{case}: {what}[{i}]: ours {a} vs sklearn {b}"));
            return;
        }
    }
}

/// Thresholds are input scores, parsed from the same JSON text as the scores: they must be equal.
fn check_thresholds(
    failures: &mut Vec<String>,
    case: &str,
    what: &str,
    ours: &[f64],
    sklearn: &[f64],
) {
    if ours != sklearn {
        failures.push(format!(
            "{case}: {what}: ours {ours:?} vs sklearn {sklearn:?}"
        ));
    }
}

#[test]
fn fixture_is_large_enough_and_records_versions() {
    let fixture = load_fixture();
    assert!(
        fixture.cases.len() >= 50,
        "only {} cases",
        fixture.cases.len()
    );
    assert!(!fixture.sklearn_version.is_empty() && !fixture.numpy_version.is_empty());
    assert!(fixture.cases.iter().any(|case| case.scores.len() >= 2000));
}

#[test]
fn every_metric_and_curve_equals_sklearn() {
    let fixture = load_fixture();
    let mut failures = Vec::new();
    for case in &fixture.cases {
        let labels: Vec<bool> = case.labels.iter().map(|&label| label == 1).collect();
        let name = case.name.as_str();
        let scores = &case.scores;
        check_close(
            &mut failures,
            name,
            "roc_auc",
            roc_auc(scores, &labels).unwrap(),
            case.roc_auc,
        );
        check_close(
            &mut failures,
            name,
            "average_precision",
            average_precision(scores, &labels).unwrap(),
            case.average_precision,
        );
        check_close(
            &mut failures,
            name,
            "pr_auc_trapezoid",
            pr_auc_trapezoid(scores, &labels).unwrap(),
            case.pr_auc_trapezoid,
        );

        let roc = roc_curve(scores, &labels).unwrap();
        check_curve(
            &mut failures,
            name,
            "roc fpr",
            &roc.false_positive_rate,
            &case.roc_fpr,
        );
        check_curve(
            &mut failures,
            name,
            "roc tpr",
            &roc.true_positive_rate,
            &case.roc_tpr,
        );
        if roc.thresholds.first() != Some(&f64::INFINITY) {
            failures.push(format!("{name}: first ROC threshold is not +inf"));
        }
        check_thresholds(
            &mut failures,
            name,
            "roc thresholds",
            &roc.thresholds[1..],
            &case.roc_thresholds,
        );

        let pr = precision_recall_curve(scores, &labels).unwrap();
        check_curve(
            &mut failures,
            name,
            "precision",
            &pr.precision,
            &case.pr_precision,
        );
        check_curve(&mut failures, name, "recall", &pr.recall, &case.pr_recall);
        check_thresholds(
            &mut failures,
            name,
            "pr thresholds",
            &pr.thresholds,
            &case.pr_thresholds,
        );
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn sklearn_literal_cases() {
    let labels = [false, false, true, true];
    let scores = [0.1, 0.4, 0.35, 0.8];
    assert_eq!(roc_auc(&scores, &labels).unwrap(), 0.75);
    assert!((average_precision(&scores, &labels).unwrap() - 5.0 / 6.0).abs() < 1e-15);

    let (labels, scores) = ([true, false], [0.5, 0.5]);
    assert_eq!(roc_auc(&scores, &labels).unwrap(), 0.5);
    assert_eq!(average_precision(&scores, &labels).unwrap(), 0.5);
}
