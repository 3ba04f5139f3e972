//! Reading `score,label` CSV files (the input of `aerepro metrics`).
//!
//! Format: a header row naming the columns `score` and `label` (any order, other columns
//! ignored, surrounding whitespace trimmed), then one sample per row. Labels are compared as
//! strings with the positive (anomaly) label:
//! * positive label `"1"` (the default): every label must be `0` or `1`;
//! * any other positive label (e.g. `anomaly`): that value is positive, every other value is
//!   negative.
//!
//! Every error names the 1-based line of the file (the header is line 1).

use std::io::Read;
use std::path::{Path, PathBuf};

use super::MetricsError;

/// Scores and labels read from a CSV file, in file order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LabelledScores {
    pub scores: Vec<f64>,
    pub labels: Vec<bool>,
}

pub const DEFAULT_POSITIVE_LABEL: &str = "1";

/// Reads a `score,label` CSV file; see the module docs for the format.
pub fn read_scores_csv(path: &Path, positive_label: &str) -> Result<LabelledScores, MetricsError> {
    let file = std::fs::File::open(path).map_err(|error| MetricsError::Io {
        path: path.to_path_buf(),
        error,
    })?;
    parse_scores_csv(std::io::BufReader::new(file), positive_label).map_err(|error| match error {
        MetricsError::Csv {
            path: None,
            line,
            message,
        } => MetricsError::Csv {
            path: Some(path.to_path_buf()),
            line,
            message,
        },
        MetricsError::Io { error, .. } => MetricsError::Io {
            path: path.to_path_buf(),
            error,
        },
        other => other,
    })
}

/// Parses `score,label` CSV text from any reader; see the module docs for the format.
pub fn parse_scores_csv(
    reader: impl Read,
    positive_label: &str,
) -> Result<LabelledScores, MetricsError> {
    let csv_error = |line: u64, message: String| MetricsError::Csv {
        path: None,
        line,
        message,
    };
    let from_csv_crate = |error: csv::Error| {
        let line = error.position().map_or(0, |position| position.line());
        match error.into_kind() {
            csv::ErrorKind::Io(error) => MetricsError::Io {
                path: PathBuf::new(),
                error,
            },
            kind => csv_error(line, describe_csv_error(kind)),
        }
    };

    let mut csv_reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(reader);
    let header = csv_reader.headers().map_err(from_csv_crate)?.clone();
    for name in ["score", "label"] {
        let count = header
            .iter()
            .filter(|field| field.eq_ignore_ascii_case(name))
            .count();
        if count > 1 {
            return Err(csv_error(
                1,
                format!("the header names the column `{name}` {count} times; which one is meant?"),
            ));
        }
    }
    let column = |name: &str| {
        header
            .iter()
            .position(|field| field.eq_ignore_ascii_case(name))
    };
    let (Some(score_column), Some(label_column)) = (column("score"), column("label")) else {
        return Err(csv_error(
            1,
            format!(
                "the header must name the columns `score` and `label`, found `{}`",
                header.iter().collect::<Vec<_>>().join(",")
            ),
        ));
    };

    let strict_binary = positive_label == DEFAULT_POSITIVE_LABEL;
    let mut data = LabelledScores::default();
    for record in csv_reader.records() {
        let record = record.map_err(from_csv_crate)?;
        let line = record.position().map_or(0, |position| position.line());
        let score_text = &record[score_column];
        let score: f64 = score_text
            .parse()
            .map_err(|_| csv_error(line, format!("score `{score_text}` is not a number")))?;
        if !score.is_finite() {
            return Err(csv_error(
                line,
                format!("score `{score_text}` is not finite"),
            ));
        }
        let label = &record[label_column];
        let is_positive = if strict_binary {
            match label {
                "1" => true,
                "0" => false,
                _ => {
                    return Err(csv_error(
                        line,
                        format!(
                            "label `{label}` is neither 0 nor 1 \
                             (pass a positive label to accept other values)"
                        ),
                    ))
                }
            }
        } else {
            label == positive_label
        };
        data.scores.push(score);
        data.labels.push(is_positive);
    }
    if data.scores.is_empty() {
        return Err(MetricsError::Empty);
    }
    Ok(data)
}

fn describe_csv_error(kind: csv::ErrorKind) -> String {
    match kind {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("expected {expected_len} fields like the header, found {len}")
        }
        csv::ErrorKind::Utf8 { .. } => "the line is not valid UTF-8".to_string(),
        other => format!("{other:?}"),
    }
}
