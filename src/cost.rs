//! Cost-benefit report: for each model, mean ROC-AUC over classes against training seconds, as a
//! text table and a PNG scatter plot, beside the paper's training-time ratios.
//!
//! Pure functions of typed run records ([`crate::record`]). A record read for this report may hold
//! several seeds (one row per model, averaged over them) and may be one of several (a sweep's cells:
//! one model and one seed each). The mean ROC-AUC of a model is over the classes that have one; a
//! class whose ROC-AUC is undefined is counted and shown, not averaged in. A training time or cost
//! ratio that is not a finite positive number is refused with the record and field named.
//!
//! The plot's text needs a system sans-serif font (found by plotters through fontconfig). Without
//! one, the plot is drawn without text (and [`CostPlot::with_text`] is false).

use std::path::Path;
use std::sync::OnceLock;

use anyhow::{bail, ensure, Context, Result};

use crate::data::DatasetKind;
use crate::model::ModelKind;
use crate::paper;
use crate::record::RunRecord;

/// One model's cost and benefit on one dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct CostRow {
    pub dataset: DatasetKind,
    pub kind: ModelKind,
    /// Mean training seconds over the runs (seeds) of this model.
    pub train_seconds: f64,
    /// Mean ROC-AUC over the (run, class) pairs that have one (None when none has).
    pub mean_roc_auc: Option<f64>,
    /// (run, class) pairs whose ROC-AUC is undefined, left out of the mean.
    pub missing_roc_auc: usize,
    /// Runs (seeds) behind the row.
    pub runs: usize,
    /// Per-step training cost relative to the CAE's, timed interleaved (mean over the records that
    /// timed it; None when none did).
    pub step_cost_vs_cae: Option<f64>,
}

fn positive_finite(value: f64, what: impl FnOnce() -> String) -> Result<f64> {
    ensure!(
        value.is_finite() && value > 0.0,
        "{} is {value}, expected a finite positive number",
        what()
    );
    Ok(value)
}

#[derive(Default)]
struct Accumulated {
    seconds: Vec<f64>,
    aucs: Vec<f64>,
    missing: usize,
    step_costs: Vec<f64>,
}

/// One [`CostRow`] per (dataset, model) over `records`, each named by its `label` (the file) in
/// errors.
pub fn cost_rows(records: &[(String, RunRecord)]) -> Result<Vec<CostRow>> {
    let mut rows: Vec<((DatasetKind, ModelKind), Accumulated)> = Vec::new();
    fn entry(
        rows: &mut Vec<((DatasetKind, ModelKind), Accumulated)>,
        key: (DatasetKind, ModelKind),
    ) -> &mut Accumulated {
        let i = match rows.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                rows.push((key, Accumulated::default()));
                rows.len() - 1
            }
        };
        &mut rows[i].1
    }
    for (label, record) in records {
        let dataset = record.config.dataset;
        for (i, run) in record.runs.iter().enumerate() {
            let seconds = positive_finite(run.train.total_seconds, || {
                format!(
                    "{label}: runs[{i}] ({} seed {}) train.total_seconds",
                    run.kind, run.seed
                )
            })?;
            let row = entry(&mut rows, (dataset, run.kind));
            row.seconds.push(seconds);
            for class in &run.per_class {
                let auc = class.metrics.roc_auc;
                if auc.is_finite() {
                    row.aucs.push(auc);
                } else {
                    row.missing += 1;
                }
            }
        }
        if let Some(costs) = &record.step_costs {
            for (kind, ratio) in costs.relative_to_cae().unwrap_or_default() {
                let ratio = positive_finite(ratio, || {
                    format!("{label}: step_costs, the {kind}/CAE per-step cost ratio")
                })?;
                entry(&mut rows, (dataset, kind)).step_costs.push(ratio);
            }
        }
    }
    let mean = |v: &[f64]| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    let rows: Vec<CostRow> = rows
        .into_iter()
        .filter(|(_, acc)| !acc.seconds.is_empty())
        .map(|((dataset, kind), acc)| CostRow {
            dataset,
            kind,
            train_seconds: mean(&acc.seconds).unwrap_or_default(),
            mean_roc_auc: mean(&acc.aucs),
            missing_roc_auc: acc.missing,
            runs: acc.seconds.len(),
            step_cost_vs_cae: mean(&acc.step_costs),
        })
        .collect();
    if rows.is_empty() {
        bail!("no finished model in the run record(s): nothing to report");
    }
    Ok(rows)
}

/// The rows grouped by dataset, CAE/VAE/AAE order within.
fn grouped(rows: &[CostRow]) -> Vec<(DatasetKind, Vec<&CostRow>)> {
    let mut groups: Vec<(DatasetKind, Vec<&CostRow>)> = Vec::new();
    for r in rows {
        match groups.iter_mut().find(|(d, _)| *d == r.dataset) {
            Some((_, v)) => v.push(r),
            None => groups.push((r.dataset, vec![r])),
        }
    }
    for (_, v) in &mut groups {
        v.sort_by_key(|r| r.kind);
    }
    groups
}

fn fmt_opt(x: Option<f64>, prec: usize, signed: bool) -> String {
    match x {
        Some(v) if signed => format!("{v:+.prec$}"),
        Some(v) => format!("{v:.prec$}"),
        None => "-".to_string(),
    }
}

/// The cost-benefit table: per dataset, each model's training seconds and their ratio to the CAE's,
/// the per-step cost ratio timed interleaved (when recorded; whole-run times favour whichever model
/// ran later), the paper's ratio, the mean ROC-AUC and the AUC gained over the CAE; then a note for
/// every model whose mean leaves out classes without a ROC-AUC.
pub fn cost_table(rows: &[CostRow]) -> String {
    let mut out = String::new();
    for (dataset, group) in grouped(rows) {
        out.push_str(&format!("cost-benefit, {dataset}\n"));
        out.push_str(&format!(
            "{:<6} {:>5} {:>12} {:>9} {:>12} {:>11} {:>13} {:>11}\n",
            "model",
            "runs",
            "train s",
            "x CAE",
            "step x CAE",
            "paper x CAE",
            "mean ROC-AUC",
            "dAUC vs CAE"
        ));
        let cae = group.iter().find(|r| r.kind == ModelKind::Cae);
        let (paper_vae, paper_aae) = paper::cost_ratios(dataset);
        for r in &group {
            let ratio = cae.map(|c| r.train_seconds / c.train_seconds);
            let paper_ratio = match r.kind {
                ModelKind::Cae => 1.0,
                ModelKind::Vae => paper_vae,
                ModelKind::Aae => paper_aae,
            };
            let dauc = match (r.mean_roc_auc, cae.and_then(|c| c.mean_roc_auc)) {
                (Some(a), Some(b)) => Some(a - b),
                _ => None,
            };
            out.push_str(&format!(
                "{:<6} {:>5} {:>12.1} {:>9} {:>12} {:>11.3} {:>13} {:>11}\n",
                r.kind.to_string(),
                r.runs,
                r.train_seconds,
                fmt_opt(ratio, 3, false),
                fmt_opt(r.step_cost_vs_cae, 3, false),
                paper_ratio,
                fmt_opt(r.mean_roc_auc, 4, false),
                fmt_opt(dauc, 4, true),
            ));
        }
        for r in group.iter().filter(|r| r.missing_roc_auc > 0) {
            out.push_str(&format!(
                "note: {} has {} class ROC-AUC(s) undefined; its mean is over the other classes\n",
                r.kind, r.missing_roc_auc
            ));
        }
        out.push('\n');
    }
    out
}

/// Whether the plot's text can be drawn: plotters (default `ttf` feature) finds a sans-serif font
/// through fontconfig (DejaVu Sans on Debian: `fonts-dejavu-core`).
pub fn text_available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        use plotters::style::IntoFont;
        ("sans-serif", 16.0).into_font().box_size("CAE 0.9").is_ok()
    })
}

/// What [`cost_plot_png`] drew.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CostPlot {
    /// Points drawn (models with a ROC-AUC).
    pub points: usize,
    /// Whether axis labels, caption and point labels were drawn (a font was found).
    pub with_text: bool,
}

/// Writes a PNG scatter plot of mean ROC-AUC (y) against training seconds (x, log scale when the
/// times span more than a factor 20), one colour per dataset, each point labelled with its model.
pub fn cost_plot_png(rows: &[CostRow], path: &Path) -> Result<CostPlot> {
    use plotters::prelude::*;

    let pts: Vec<(&CostRow, f64)> = rows
        .iter()
        .filter_map(|r| r.mean_roc_auc.map(|a| (r, a)))
        .filter(|(r, a)| r.train_seconds > 0.0 && a.is_finite() && r.train_seconds.is_finite())
        .collect();
    if pts.is_empty() {
        bail!("no model has both training seconds and a mean ROC-AUC to plot");
    }
    let with_text = text_available();
    let (tmin, tmax) = pts
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(lo, hi), (r, _)| {
            (lo.min(r.train_seconds), hi.max(r.train_seconds))
        });
    let (amin, amax) = pts
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (_, a)| {
            (lo.min(*a), hi.max(*a))
        });
    let apad = ((amax - amin) * 0.15).max(0.005);
    let (ylo, yhi) = ((amin - apad).max(0.0), (amax + apad).min(1.0));
    let log_x = tmax / tmin > 20.0;

    let root = BitMapBackend::new(path, (800, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let groups = grouped(rows);
    let palette = [BLUE, RED, GREEN, MAGENTA, CYAN, BLACK];
    let colour_of = |d: &DatasetKind| {
        let i = groups.iter().position(|(g, _)| g == d).unwrap_or(0);
        palette[i % palette.len()]
    };

    macro_rules! draw {
        ($chart:expr) => {{
            let mut chart = $chart;
            let mut mesh = chart.configure_mesh();
            if with_text {
                mesh.x_desc("training time (s)")
                    .y_desc("mean ROC-AUC over classes");
            } else {
                mesh.x_labels(0).y_labels(0);
            }
            mesh.draw()?;
            for (d, _) in &groups {
                let colour = colour_of(d);
                let series: Vec<(f64, f64)> = pts
                    .iter()
                    .filter(|(r, _)| r.dataset == *d)
                    .map(|(r, a)| (r.train_seconds, *a))
                    .collect();
                let drawn = chart.draw_series(
                    series
                        .iter()
                        .map(|&(x, y)| Circle::new((x, y), 6, colour.filled())),
                )?;
                if with_text {
                    let label = d.to_string();
                    drawn
                        .label(label)
                        .legend(move |(x, y)| Circle::new((x + 8, y), 5, colour.filled()));
                }
                if with_text {
                    chart.draw_series(pts.iter().filter(|(r, _)| r.dataset == *d).map(
                        |(r, a)| {
                            Text::new(
                                format!(" {}", r.kind),
                                (r.train_seconds, *a),
                                ("sans-serif", 16).into_font().color(&colour),
                            )
                        },
                    ))?;
                }
            }
            if with_text {
                chart
                    .configure_series_labels()
                    .border_style(BLACK)
                    .background_style(WHITE.mix(0.8))
                    .position(SeriesLabelPosition::LowerRight)
                    .draw()?;
            }
        }};
    }

    let mut builder = ChartBuilder::on(&root);
    builder.margin(20);
    if with_text {
        builder
            .caption(
                "Cost-benefit: mean ROC-AUC vs training time",
                ("sans-serif", 22),
            )
            .x_label_area_size(45)
            .y_label_area_size(65);
    }
    if log_x {
        draw!(builder.build_cartesian_2d((tmin * 0.7..tmax * 1.5).log_scale(), ylo..yhi)?);
    } else {
        let xpad = ((tmax - tmin) * 0.15).max(tmax * 0.05);
        draw!(builder.build_cartesian_2d((tmin - xpad).max(0.0)..tmax + xpad, ylo..yhi)?);
    }
    root.present()
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(CostPlot {
        points: pts.len(),
        with_text,
    })
}

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
    use crate::record::parse_record;
    use serde_json::{json, Value};

    /// A real one-epoch MNIST record (all three models, seed 0) written before `schema_version`.
    fn fixture() -> Value {
        serde_json::from_str(include_str!("../fixtures/records/v1-mnist-1epoch.json")).unwrap()
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
