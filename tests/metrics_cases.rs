//! Literal small cases, every error variant, the CSV reader and the summary JSON.

use std::io::Write;

use aerepro::metrics::{
    average_precision, bootstrap_average_precision_ci, delong_paired_test, delong_roc_auc_ci,
    operating_point_at, parse_scores_csv, pr_auc_trapezoid, precision_recall_curve,
    read_scores_csv, roc_auc, roc_curve, summarize, summarize_csv, MetricsError, SummaryOptions,
};

const LABELS: [bool; 4] = [false, false, true, true];
const SCORES: [f64; 4] = [0.1, 0.4, 0.35, 0.8];

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn literal_curves() {
    let roc = roc_curve(&SCORES, &LABELS).unwrap();
    assert_eq!(roc.false_positive_rate, vec![0.0, 0.0, 0.5, 0.5, 1.0]);
    assert_eq!(roc.true_positive_rate, vec![0.0, 0.5, 0.5, 1.0, 1.0]);
    assert_eq!(roc.thresholds, vec![f64::INFINITY, 0.8, 0.4, 0.35, 0.1]);

    let pr = precision_recall_curve(&SCORES, &LABELS).unwrap();
    assert_eq!(pr.thresholds, vec![0.1, 0.35, 0.4, 0.8]);
    assert_eq!(pr.recall, vec![1.0, 1.0, 0.5, 0.5, 0.0]);
    assert_eq!(pr.precision, vec![0.5, 2.0 / 3.0, 0.5, 1.0, 1.0]);

    assert_eq!(roc_auc(&SCORES, &LABELS).unwrap(), 0.75);
    assert!(close(
        average_precision(&SCORES, &LABELS).unwrap(),
        5.0 / 6.0
    ));
    // Trapezoids: (0,1)-(.5,1), (.5,.5)-(1,2/3); the vertical segment at recall .5 adds nothing.
    let expected_trapezoid = 0.5 * 1.0 + 0.5 * (0.5 + 2.0 / 3.0) / 2.0;
    assert!(close(
        pr_auc_trapezoid(&SCORES, &LABELS).unwrap(),
        expected_trapezoid
    ));
}

#[test]
fn literal_delong_interval() {
    // Placements: positives 0.5 and 1, negatives 1 and 0.5; both sample variances are 0.125.
    let ci = delong_roc_auc_ci(&SCORES, &LABELS, 0.95).unwrap();
    assert_eq!(ci.auc, 0.75);
    assert!(close(ci.std_error, 0.125f64.sqrt()));
    assert!(close(ci.lower, 0.75 - 1.959963984540054 * 0.125f64.sqrt()));
    assert_eq!(ci.upper, 1.0);
}

#[test]
fn literal_paired_test() {
    let better = [0.1, 0.2, 0.9, 0.8, 0.3, 0.7];
    let worse = [0.5, 0.2, 0.4, 0.8, 0.3, 0.1];
    let labels = [false, false, true, true, false, true];
    let test = delong_paired_test(&better, &worse, &labels).unwrap();
    assert_eq!(
        (test.auc_a, test.auc_b),
        (1.0, roc_auc(&worse, &labels).unwrap())
    );
    assert!(test.difference > 0.0 && test.z > 0.0 && test.p_value < 0.5);
    assert!(close(test.z, test.difference / test.std_error));
}

#[test]
fn literal_operating_points() {
    let strict = operating_point_at(&SCORES, &LABELS, 0.8).unwrap();
    assert_eq!(
        (
            strict.threshold,
            strict.true_positive_rate,
            strict.precision
        ),
        (0.8, 0.5, Some(1.0))
    );
    let half = operating_point_at(&SCORES, &LABELS, 0.35).unwrap();
    assert_eq!(
        (
            half.threshold,
            half.true_positive_rate,
            half.false_positive_rate
        ),
        (0.35, 1.0, 0.5)
    );
    assert_eq!(half.precision, Some(2.0 / 3.0));

    let nothing = operating_point_at(&SCORES, &LABELS, f64::INFINITY).unwrap();
    assert_eq!(
        (
            nothing.true_positives,
            nothing.false_positives,
            nothing.precision
        ),
        (0, 0, None)
    );
}

#[test]
fn every_input_error_is_reported() {
    assert!(matches!(roc_auc(&[], &[]), Err(MetricsError::Empty)));
    assert!(matches!(
        roc_auc(&[0.1, 0.2], &[true]),
        Err(MetricsError::LengthMismatch {
            scores: 2,
            labels: 1
        })
    ));
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let error = average_precision(&[0.1, 0.2, bad], &[true, false, true]).unwrap_err();
        assert!(
            matches!(error, MetricsError::NonFiniteScore { index: 2, .. }),
            "{error}"
        );
        assert!(error.to_string().contains("index 2"));
    }
    assert!(matches!(
        roc_auc(&[0.1, 0.2], &[false, false]),
        Err(MetricsError::NoPositives { n: 2 })
    ));
    assert!(matches!(
        precision_recall_curve(&[0.1, 0.2], &[true, true]),
        Err(MetricsError::NoNegatives { n: 2 })
    ));
    assert!(matches!(
        delong_roc_auc_ci(&[0.5, 0.5], &[true, false], 0.95),
        Err(MetricsError::TooFewSamples {
            n_pos: 1,
            n_neg: 1,
            ..
        })
    ));
    assert!(matches!(
        delong_paired_test(&SCORES, &SCORES[..3], &LABELS),
        Err(MetricsError::LengthMismatch { .. })
    ));
    for confidence in [0.0, 1.0, f64::NAN, 95.0] {
        assert!(matches!(
            delong_roc_auc_ci(&SCORES, &LABELS, confidence),
            Err(MetricsError::InvalidParameter {
                name: "confidence",
                ..
            })
        ));
    }
    assert!(matches!(
        bootstrap_average_precision_ci(&SCORES, &LABELS, 0.95, 0, 1),
        Err(MetricsError::InvalidParameter { .. })
    ));
    assert!(matches!(
        operating_point_at(&SCORES, &LABELS, f64::NAN),
        Err(MetricsError::InvalidParameter { .. })
    ));
}

fn csv_error_line(text: &str, positive_label: &str) -> (u64, String) {
    match parse_scores_csv(text.as_bytes(), positive_label).unwrap_err() {
        MetricsError::Csv { line, message, .. } => (line, message),
        other => panic!("expected a CSV error, got {other:?}"),
    }
}

#[test]
fn csv_reader_accepts_both_label_conventions() {
    let data = parse_scores_csv(
        " score , label \n0.5,1\n 0.25 , 0 \n-3e2,1\n".as_bytes(),
        "1",
    )
    .unwrap();
    assert_eq!(data.scores, vec![0.5, 0.25, -300.0]);
    assert_eq!(data.labels, vec![true, false, true]);

    let data = parse_scores_csv(
        "id,label,score\na,anomaly,0.9\nb,normal,0.1\nc,other,0.2\n".as_bytes(),
        "anomaly",
    )
    .unwrap();
    assert_eq!(data.scores, vec![0.9, 0.1, 0.2]);
    assert_eq!(data.labels, vec![true, false, false]);
}

#[test]
fn csv_errors_name_the_line() {
    assert_eq!(csv_error_line("value,label\n0.5,1\n", "1").0, 1);
    let (line, message) = csv_error_line("score,label\n0.5,1\nabc,0\n", "1");
    assert_eq!(line, 3);
    assert!(message.contains("abc"), "{message}");
    assert_eq!(
        csv_error_line("score,label\n0.5,1\n0.2,0\nNaN,1\n", "1").0,
        4
    );
    assert_eq!(csv_error_line("score,label\n0.5,1\ninf,0\n", "1").0, 3);
    let (line, message) = csv_error_line("score,label\n0.5,1\n0.3,2\n", "1");
    assert_eq!(line, 3);
    assert!(message.contains("neither 0 nor 1"), "{message}");
    assert_eq!(csv_error_line("score,label\n0.5,1\n0.3\n", "1").0, 3);
    let (line, message) = csv_error_line("score,label,score\n0.5,1,0.1\n", "1");
    assert_eq!(line, 1);
    assert!(message.contains("`score` 2 times"), "{message}");
    assert!(matches!(
        parse_scores_csv("score,label\n".as_bytes(), "1"),
        Err(MetricsError::Empty)
    ));

    let error = read_scores_csv(std::path::Path::new("/nonexistent/scores.csv"), "1").unwrap_err();
    assert!(matches!(error, MetricsError::Io { .. }));
    assert!(error.to_string().contains("/nonexistent/scores.csv"));
}

#[test]
fn summary_json_has_the_documented_fields() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "score,label").unwrap();
    for (score, label) in SCORES.iter().zip(LABELS) {
        writeln!(file, "{score},{}", u8::from(label)).unwrap();
    }
    let options = SummaryOptions {
        bootstrap_resamples: 200,
        ..SummaryOptions::default()
    };
    let summary = summarize_csv(file.path(), "1", &options).unwrap();
    assert_eq!(summary, summarize(&SCORES, &LABELS, &options).unwrap());
    assert_eq!(
        (summary.roc_auc, summary.n_pos, summary.n_neg),
        (0.75, 2, 2)
    );

    let json: serde_json::Value = serde_json::to_value(&summary).unwrap();
    for key in [
        "roc_auc",
        "roc_auc_ci",
        "roc_auc_std_error",
        "average_precision",
        "average_precision_ci",
        "pr_auc_trapezoid",
        "n_pos",
        "n_neg",
        "bootstrap_resamples",
        "seed",
    ] {
        assert!(json.get(key).is_some(), "missing {key}");
    }
    for interval in ["roc_auc_ci", "average_precision_ci"] {
        let lower = json[interval]["lower"].as_f64().unwrap();
        let upper = json[interval]["upper"].as_f64().unwrap();
        assert!(lower <= upper);
        assert_eq!(json[interval]["confidence"], 0.95);
    }

    let mut bad = tempfile::NamedTempFile::new().unwrap();
    write!(bad, "score,label\n0.5,1\n0.1,x\n").unwrap();
    let message = summarize_csv(bad.path(), "1", &options)
        .unwrap_err()
        .to_string();
    assert!(message.contains("line 3"), "{message}");
}
