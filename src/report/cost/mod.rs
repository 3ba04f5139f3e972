//! Cost-benefit report: for each model, mean ROC-AUC over classes against training seconds, as a
//! text table and a PNG scatter plot, beside the paper's training-time ratios.
//!
//! Pure functions of typed run records ([`crate::run::record`]). A record read for this report may hold
//! several seeds (one row per model, averaged over them) and may be one of several (a sweep's cells:
//! one model and one seed each). The mean ROC-AUC of a model is over the classes that have one; a
//! class whose ROC-AUC is undefined is counted and shown, not averaged in. A training time or cost
//! ratio that is not a finite positive number is refused with the record and field named.
//!
//! The plot's text needs a system sans-serif font (found by plotters through fontconfig). Without
//! one, the plot is drawn without text (and [`CostPlot::with_text`] is false).

mod plot;
mod rows;
mod table;

use std::path::Path;

use anyhow::Result;

pub use plot::{cost_plot_png, text_available, CostPlot};
pub use rows::{cost_rows, CostRow};
pub use table::cost_table;

use crate::run::record::RunRecord;

/// Table string for the records, and the PNG plot written to `png`.
pub fn cost_report(records: &[(String, RunRecord)], png: &Path) -> Result<(String, CostPlot)> {
    let rows = cost_rows(records)?;
    let table = cost_table(&rows);
    let plot = cost_plot_png(&rows, png)?;
    Ok((table, plot))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ModelKind;
    use crate::run::record::parse_record;
    use serde_json::{json, Value};

    /// A real one-epoch MNIST record (all three models, seed 0) written before `schema_version`.
    fn fixture() -> Value {
        serde_json::from_str(include_str!(
            "../../../fixtures/records/v1-mnist-1epoch.json"
        ))
        .unwrap()
    }

    fn rows_of(values: &[Value]) -> Result<Vec<CostRow>> {
        let records: Vec<(String, RunRecord)> = values
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("record{i}"), parse_record(&v.to_string()).unwrap()))
            .collect();
        cost_rows(&records)
    }

    fn row(rows: &[CostRow], kind: ModelKind) -> &CostRow {
        rows.iter().find(|r| r.kind == kind).unwrap()
    }

    #[test]
    fn rows_are_the_runs_training_seconds_and_mean_class_roc_auc() {
        let value = fixture();
        let rows = rows_of(std::slice::from_ref(&value)).unwrap();
        assert_eq!(rows.len(), 3);
        for (i, kind) in ModelKind::ALL.iter().enumerate() {
            let run = &value["runs"][i];
            let r = row(&rows, *kind);
            assert_eq!(
                r.train_seconds,
                run["train"]["total_seconds"].as_f64().unwrap()
            );
            let aucs: Vec<f64> = run["per_class"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["metrics"]["roc_auc"].as_f64().unwrap())
                .collect();
            assert_eq!(aucs.len(), 9);
            let mean = aucs.iter().sum::<f64>() / 9.0;
            assert!((r.mean_roc_auc.unwrap() - mean).abs() < 1e-12);
            assert_eq!(
                (r.missing_roc_auc, r.runs, r.step_cost_vs_cae),
                (0, 1, None)
            );
        }
    }

    #[test]
    fn an_undefined_class_roc_auc_is_left_out_of_the_mean_and_noted() {
        let mut value = fixture();
        let aae = &mut value["runs"][2]["per_class"];
        let kept: Vec<f64> = (1..9)
            .map(|i| aae[i]["metrics"]["roc_auc"].as_f64().unwrap())
            .collect();
        aae[0]["metrics"]["roc_auc"] = Value::Null;
        let rows = rows_of(&[value]).unwrap();
        let r = row(&rows, ModelKind::Aae);
        assert_eq!(r.missing_roc_auc, 1);
        let mean = kept.iter().sum::<f64>() / 8.0;
        assert!((r.mean_roc_auc.unwrap() - mean).abs() < 1e-12);
        let table = cost_table(&rows);
        assert!(
            table.contains("note: AAE has 1 class ROC-AUC(s) undefined"),
            "{table}"
        );
    }

    #[test]
    fn a_training_time_that_is_not_finite_positive_is_refused() {
        for bad in [json!(0.0), json!(-3.0)] {
            let mut value = fixture();
            value["runs"][0]["train"]["total_seconds"] = bad.clone();
            let err = rows_of(&[value]).unwrap_err().to_string();
            assert!(
                err.contains("record0: runs[0] (CAE seed 0) train.total_seconds"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn step_costs_give_the_interleaved_ratio_column_and_bad_ratios_are_refused() {
        let mut value = fixture();
        value["step_costs"] = json!({"threads": 2, "steps_per_round": 4,
            "rounds": {"cae": [1.0, 2.0, 1.0], "vae": [1.1, 2.2, 1.1], "aae": [1.5, 3.0, 1.6]}});
        let rows = rows_of(std::slice::from_ref(&value)).unwrap();
        assert_eq!(row(&rows, ModelKind::Cae).step_cost_vs_cae, Some(1.0));
        assert!((row(&rows, ModelKind::Vae).step_cost_vs_cae.unwrap() - 1.1).abs() < 1e-12);
        assert!((row(&rows, ModelKind::Aae).step_cost_vs_cae.unwrap() - 1.5).abs() < 1e-12);
        for (kind, rounds, says) in [
            (
                "cae",
                json!([0.0, 0.0, 0.0]),
                "CAE/CAE per-step cost ratio is NaN",
            ),
            (
                "vae",
                json!([-1.1, -2.2, -1.1]),
                "VAE/CAE per-step cost ratio is -1.1",
            ),
        ] {
            let mut bad = value.clone();
            bad["step_costs"]["rounds"][kind] = rounds;
            let err = rows_of(&[bad]).unwrap_err().to_string();
            assert!(err.contains(says), "{err}");
        }
    }

    #[test]
    fn several_records_of_one_dataset_average_per_model() {
        let first = fixture();
        let mut second = fixture();
        for i in 0..3 {
            let s = second["runs"][i]["train"]["total_seconds"]
                .as_f64()
                .unwrap();
            second["runs"][i]["train"]["total_seconds"] = json!(s * 3.0);
            second["runs"][i]["seed"] = json!(1);
        }
        let one = rows_of(std::slice::from_ref(&first)).unwrap();
        let two = rows_of(&[first, second]).unwrap();
        for kind in ModelKind::ALL {
            assert_eq!(row(&two, kind).runs, 2);
            assert!(
                (row(&two, kind).train_seconds - 2.0 * row(&one, kind).train_seconds).abs() < 1e-9
            );
        }
    }

    #[test]
    fn one_run_twice_or_two_normal_classes_are_refused() {
        let err = rows_of(&[fixture(), fixture()]).unwrap_err().to_string();
        assert!(err.contains("counted twice"), "{err}");
        let mut other = fixture();
        other["config"]["normal_class"] = json!(7);
        for i in 0..3 {
            other["runs"][i]["seed"] = json!(1);
        }
        let err = rows_of(&[fixture(), other]).unwrap_err().to_string();
        assert!(
            err.contains("normal class 7") && err.contains("normal class"),
            "{err}"
        );
    }

    #[test]
    fn table_has_ratios_and_the_papers() {
        let rows = rows_of(&[fixture()]).unwrap();
        let t = cost_table(&rows);
        let lines: Vec<&str> = t.lines().collect();
        assert!(lines[0].contains("MNIST"), "{t}");
        assert!(
            lines[2].starts_with("CAE") && lines[2].contains("1.000"),
            "{t}"
        );
        assert!(
            lines[3].starts_with("VAE") && lines[3].contains("1.039"),
            "{t}"
        );
        assert!(
            lines[4].starts_with("AAE") && lines[4].contains("1.722"),
            "{t}"
        );
    }

    #[test]
    fn writes_png() {
        let dir = tempfile::tempdir().unwrap();
        let png = dir.path().join("cost.png");
        let record = parse_record(&fixture().to_string()).unwrap();
        let (_, plot) = cost_report(&[("fixture".into(), record)], &png).unwrap();
        assert_eq!(plot.points, 3);
        let bytes = std::fs::read(&png).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(plot.with_text, text_available());
        // To look at it: AEREPRO_COST_PNG=/tmp/cost.png cargo test --lib cost::tests::writes_png
        if let Some(keep) = std::env::var_os("AEREPRO_COST_PNG") {
            std::fs::copy(&png, keep).unwrap();
        }
    }
}
