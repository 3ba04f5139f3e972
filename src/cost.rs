//! Cost-benefit report (issue 6): for each model, mean ROC-AUC over classes against training
//! seconds, as a text table and a PNG scatter plot, beside the paper's training-time ratios.
//!
//! Pure functions of a run record (`serde_json::Value`). The accessors are tolerant of the record's
//! exact layout: the models are read from `models[]` (or `runs[]` / `results[]`), each with
//! - the type in `kind` (or `model` / `type`),
//! - the training time in `train_seconds` (or `training_seconds` / `timetr` / `seconds`), else
//!   the sum of `classes[].train_seconds`,
//! - the mean ROC-AUC in `mean_roc_auc` (or `roc_auc_mean`, or `roc_auc` when it is a number, or
//!   `roc_auc.mean`), else the mean of `classes[].roc_auc`,
//! - the dataset in `dataset` (the model's own, else the record's top-level `dataset`),
//! - aerepro's interleaved per-step costs in the record's `step_costs`, when present.
//!
//! The plot's text needs a system sans-serif font (found by plotters through fontconfig). Without
//! one, the plot is drawn without text (and [`CostPlot::with_text`] is false).

use std::path::Path;
use std::sync::OnceLock;

use anyhow::{bail, Context, Result};
use serde_json::Value;

use crate::data::DatasetKind;
use crate::paper;
use crate::step_cost::StepCosts;

/// The paper's training-time ratios (VAE/CAE, AAE/CAE) for a dataset name (`mnist`, `cifar10`,
/// `CIFAR-10`, ... case- and punctuation-insensitive); the numbers are `paper::cost_ratios`.
pub fn paper_cost_ratios(dataset: &str) -> Option<(f64, f64)> {
    let kind = match normalize_dataset(dataset).as_str() {
        "mnist" => DatasetKind::Mnist,
        "cifar10" => DatasetKind::Cifar10,
        _ => return None,
    };
    Some(paper::cost_ratios(kind))
}

fn normalize_dataset(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// One model's cost and benefit.
#[derive(Debug, Clone, PartialEq)]
pub struct CostRow {
    /// Dataset name as found in the record (None when the record does not say).
    pub dataset: Option<String>,
    /// Model type, lowercase (`cae`, `vae`, `aae`).
    pub kind: String,
    /// Training seconds (summed over classes when the record lists classes).
    pub train_seconds: f64,
    /// Mean ROC-AUC over classes (None when the record has none).
    pub mean_roc_auc: Option<f64>,
    /// Per-step training cost relative to the CAE's, timed interleaved (aerepro's `step_costs`;
    /// None when the record has none).
    pub step_cost_vs_cae: Option<f64>,
}

fn first<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().find_map(|k| v.get(*k)).filter(|x| !x.is_null())
}

fn number(v: &Value) -> Option<f64> {
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

fn classes(model: &Value) -> &[Value] {
    first(model, &["classes", "per_class", "runs"])
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn train_seconds(model: &Value) -> Option<f64> {
    if let Some(s) = first(
        model,
        &["train_seconds", "training_seconds", "timetr", "seconds"],
    )
    .and_then(number)
    {
        return Some(s);
    }
    if let Some(s) = model
        .get("train")
        .and_then(|t| first(t, &["total_seconds", "seconds", "train_seconds"]))
        .and_then(number)
    {
        return Some(s);
    }
    let per: Vec<f64> = classes(model)
        .iter()
        .filter_map(|c| first(c, &["train_seconds", "training_seconds"]).and_then(number))
        .collect();
    (!per.is_empty()).then(|| per.iter().sum())
}

fn mean_roc_auc(model: &Value) -> Option<f64> {
    if let Some(a) = first(model, &["mean_roc_auc", "roc_auc_mean"]).and_then(number) {
        return Some(a);
    }
    if let Some(a) = model.get("roc_auc") {
        if let Some(x) = number(a) {
            return Some(x);
        }
        if let Some(x) = a.get("mean").and_then(number) {
            return Some(x);
        }
    }
    let per: Vec<f64> = classes(model)
        .iter()
        .filter_map(|c| {
            let a = c
                .get("roc_auc")
                .or_else(|| c.get("metrics").and_then(|m| m.get("roc_auc")))?;
            number(a).or_else(|| a.get("value").and_then(number))
        })
        .collect();
    (!per.is_empty()).then(|| per.iter().sum::<f64>() / per.len() as f64)
}

/// Extracts one [`CostRow`] per model from a run record.
pub fn cost_rows(record: &Value) -> Result<Vec<CostRow>> {
    let models = first(record, &["models", "runs", "results"])
        .and_then(Value::as_array)
        .context("run record has no models[] (nor runs[] / results[]) array")?;
    let top_dataset = record
        .get("dataset")
        .or_else(|| record.get("config").and_then(|c| c.get("dataset")))
        .and_then(Value::as_str)
        .map(str::to_string);
    let mut rows = Vec::with_capacity(models.len());
    for (i, m) in models.iter().enumerate() {
        let kind = first(m, &["kind", "model", "type"])
            .and_then(Value::as_str)
            .with_context(|| format!("models[{i}] has no kind"))?
            .to_ascii_lowercase();
        let train_seconds = train_seconds(m)
            .with_context(|| format!("models[{i}] ({kind}) has no train_seconds"))?;
        let dataset = m
            .get("dataset")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| top_dataset.clone());
        rows.push(CostRow {
            dataset,
            kind,
            train_seconds,
            mean_roc_auc: mean_roc_auc(m),
            step_cost_vs_cae: None,
        });
    }
    if rows.is_empty() {
        bail!("run record lists no models");
    }
    let mut rows = merge_repeats(rows);
    if let Some(step_costs) = record.get("step_costs").filter(|v| !v.is_null()) {
        let costs: StepCosts = serde_json::from_value(step_costs.clone())
            .context("the record's step_costs is not aerepro's per-step cost layout")?;
        let relative = costs.relative_to_cae().unwrap_or_default();
        for row in &mut rows {
            row.step_cost_vs_cae = relative
                .iter()
                .find(|(kind, _)| kind.slug() == row.kind)
                .map(|(_, r)| *r);
        }
    }
    Ok(rows)
}

/// Several runs of one (dataset, model), e.g. one per seed, become one row: mean training seconds
/// and mean of the available ROC-AUCs.
fn merge_repeats(rows: Vec<CostRow>) -> Vec<CostRow> {
    let mut out: Vec<(CostRow, usize, Vec<f64>)> = Vec::new();
    for r in rows {
        match out
            .iter_mut()
            .find(|(o, _, _)| o.dataset == r.dataset && o.kind == r.kind)
        {
            Some((o, n, aucs)) => {
                o.train_seconds += r.train_seconds;
                *n += 1;
                aucs.extend(r.mean_roc_auc);
            }
            None => {
                let aucs = r.mean_roc_auc.into_iter().collect();
                out.push((r, 1, aucs));
            }
        }
    }
    out.into_iter()
        .map(|(mut r, n, aucs)| {
            r.train_seconds /= n as f64;
            r.mean_roc_auc =
                (!aucs.is_empty()).then(|| aucs.iter().sum::<f64>() / aucs.len() as f64);
            r
        })
        .collect()
}

fn kind_index(kind: &str) -> usize {
    match kind {
        "cae" => 0,
        "vae" => 1,
        "aae" => 2,
        _ => 3,
    }
}

/// The rows grouped by dataset (record order of first appearance), CAE/VAE/AAE order within.
fn grouped(rows: &[CostRow]) -> Vec<(Option<String>, Vec<&CostRow>)> {
    let mut groups: Vec<(Option<String>, Vec<&CostRow>)> = Vec::new();
    for r in rows {
        match groups.iter_mut().find(|(d, _)| *d == r.dataset) {
            Some((_, v)) => v.push(r),
            None => groups.push((r.dataset.clone(), vec![r])),
        }
    }
    for (_, v) in &mut groups {
        v.sort_by_key(|r| kind_index(&r.kind));
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
/// ran later), the paper's ratio, the mean ROC-AUC and the AUC gained over the CAE.
pub fn cost_table(rows: &[CostRow]) -> String {
    let mut out = String::new();
    for (dataset, group) in grouped(rows) {
        let name = dataset
            .clone()
            .unwrap_or_else(|| "(dataset not recorded)".into());
        out.push_str(&format!("cost-benefit, {name}\n"));
        out.push_str(&format!(
            "{:<6} {:>12} {:>9} {:>12} {:>11} {:>13} {:>11}\n",
            "model", "train s", "x CAE", "step x CAE", "paper x CAE", "mean ROC-AUC", "dAUC vs CAE"
        ));
        let cae = group.iter().find(|r| r.kind == "cae");
        let paper = dataset.as_deref().and_then(paper_cost_ratios);
        for r in &group {
            let ratio = cae.map(|c| r.train_seconds / c.train_seconds);
            let paper_ratio = paper.and_then(|(v, a)| match r.kind.as_str() {
                "cae" => Some(1.0),
                "vae" => Some(v),
                "aae" => Some(a),
                _ => None,
            });
            let dauc = match (r.mean_roc_auc, cae.and_then(|c| c.mean_roc_auc)) {
                (Some(a), Some(b)) => Some(a - b),
                _ => None,
            };
            out.push_str(&format!(
                "{:<6} {:>12.1} {:>9} {:>12} {:>11} {:>13} {:>11}\n",
                r.kind.to_ascii_uppercase(),
                r.train_seconds,
                fmt_opt(ratio, 3, false),
                fmt_opt(r.step_cost_vs_cae, 3, false),
                fmt_opt(paper_ratio, 3, false),
                fmt_opt(r.mean_roc_auc, 4, false),
                fmt_opt(dauc, 4, true),
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
    let colour_of = |d: &Option<String>| {
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
                    let label = d.clone().unwrap_or_else(|| "run".into());
                    drawn
                        .label(label)
                        .legend(move |(x, y)| Circle::new((x + 8, y), 5, colour.filled()));
                }
                if with_text {
                    chart.draw_series(pts.iter().filter(|(r, _)| r.dataset == *d).map(
                        |(r, a)| {
                            Text::new(
                                format!(" {}", r.kind.to_ascii_uppercase()),
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

/// Table string for a record, and the PNG plot written to `png`.
pub fn cost_report(record: &Value, png: &Path) -> Result<(String, CostPlot)> {
    let rows = cost_rows(record)?;
    let table = cost_table(&rows);
    let plot = cost_plot_png(&rows, png)?;
    Ok((table, plot))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record() -> Value {
        json!({
            "dataset": "mnist",
            "models": [
                {"kind": "vae", "train_seconds": 110.0, "mean_roc_auc": 0.95},
                {"kind": "cae", "train_seconds": 100.0, "mean_roc_auc": 0.97},
                {"kind": "aae", "classes": [
                    {"class": 0, "train_seconds": 80.0, "roc_auc": 0.96},
                    {"class": 1, "train_seconds": 90.0, "roc_auc": {"value": 0.98}}
                ]}
            ]
        })
    }

    #[test]
    fn rows_tolerate_layouts() {
        let rows = cost_rows(&record()).unwrap();
        assert_eq!(rows.len(), 3);
        let aae = rows.iter().find(|r| r.kind == "aae").unwrap();
        assert_eq!(aae.train_seconds, 170.0);
        assert!((aae.mean_roc_auc.unwrap() - 0.97).abs() < 1e-12);
        assert_eq!(aae.dataset.as_deref(), Some("mnist"));
        assert!(cost_rows(&json!({"models": []})).is_err());
        assert!(cost_rows(&json!({"nothing": 1})).is_err());
        assert!(cost_rows(&json!({"models": [{"kind": "cae"}]})).is_err());
    }

    #[test]
    fn reads_run_record_layout_and_merges_seeds() {
        let run = |seed: u64, secs: f64, a: f64, b: f64| {
            json!({"kind": "cae", "seed": seed, "train": {"total_seconds": secs},
                   "per_class": [{"class": 0, "metrics": {"roc_auc": a}},
                                 {"class": 2, "metrics": {"roc_auc": b}}]})
        };
        let rec = json!({"config": {"dataset": "mnist"},
                         "runs": [run(0, 10.0, 0.9, 1.0), run(1, 20.0, 0.8, 0.9)]});
        let rows = cost_rows(&rec).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].dataset.as_deref(), Some("mnist"));
        assert!((rows[0].train_seconds - 15.0).abs() < 1e-12);
        assert!((rows[0].mean_roc_auc.unwrap() - 0.9).abs() < 1e-12);
    }

    #[test]
    fn table_has_ratios_and_paper() {
        let t = cost_table(&cost_rows(&record()).unwrap());
        let lines: Vec<&str> = t.lines().collect();
        assert!(lines[0].contains("mnist"));
        assert!(lines[2].starts_with("CAE"), "{t}");
        assert!(
            lines[3].starts_with("VAE") && lines[3].contains("1.100") && lines[3].contains("1.039")
        );
        assert!(
            lines[4].starts_with("AAE") && lines[4].contains("1.700") && lines[4].contains("1.722")
        );
        assert!(lines[3].contains("-0.0200"), "{t}");
    }

    #[test]
    fn step_costs_give_the_interleaved_ratio_column() {
        let mut rec = record();
        rec["step_costs"] = json!({"threads": 2, "steps_per_round": 4,
            "rounds": {"cae": [1.0, 2.0, 1.0], "vae": [1.1, 2.2, 1.1], "aae": [1.5, 3.0, 1.6]}});
        let rows = cost_rows(&rec).unwrap();
        let step = |k: &str| rows.iter().find(|r| r.kind == k).unwrap().step_cost_vs_cae;
        assert_eq!(step("cae"), Some(1.0));
        assert!((step("vae").unwrap() - 1.1).abs() < 1e-12);
        assert!((step("aae").unwrap() - 1.5).abs() < 1e-12);
        rec["step_costs"] = json!({"rounds": 3});
        let err = cost_rows(&rec).unwrap_err();
        assert!(err.to_string().contains("step_costs"), "{err}");
    }

    #[test]
    fn paper_ratios() {
        let (v, a) = paper_cost_ratios("CIFAR-10").unwrap();
        assert!((v - 1.113).abs() < 1e-3 && (a - 1.181).abs() < 1e-3);
        assert!(paper_cost_ratios("svhn").is_none());
    }

    #[test]
    fn writes_png() {
        let dir = tempfile::tempdir().unwrap();
        let png = dir.path().join("cost.png");
        let (_, plot) = cost_report(&record(), &png).unwrap();
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
