//! Figures of a merged sweep: per model a heatmap of mean ROC-AUC (normal class × anomalous class),
//! and per dataset the all-others ROC-AUC of every normal class with its interval over seeds, the
//! three models side by side.
use std::path::{Path, PathBuf};

use anyhow::Context;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::plot::{model_color, plot_err, write_figure};
use crate::data::DatasetKind;
use crate::model::ModelKind;

use crate::sweep::summary::{Entry, Summary};

/// Blue (0) → white (0.5, chance) → red (1).
fn auc_color(auc: f64) -> RGBColor {
    let t = auc.clamp(0.0, 1.0);
    let mix = |a: f64, b: f64, w: f64| (a + (b - a) * w).round() as u8;
    if t < 0.5 {
        let w = t / 0.5;
        RGBColor(mix(40.0, 255.0, w), mix(90.0, 255.0, w), 255)
    } else {
        let w = (t - 0.5) / 0.5;
        RGBColor(255, mix(255.0, 60.0, w), mix(255.0, 40.0, w))
    }
}

fn entries(summary: &Summary, dataset: DatasetKind) -> Vec<&Entry> {
    summary
        .entries
        .iter()
        .filter(|e| e.dataset == dataset)
        .collect()
}

fn draw_heatmap(
    path: &Path,
    dataset: DatasetKind,
    model: ModelKind,
    rows: &[&Entry],
) -> anyhow::Result<()> {
    let names = dataset.class_names();
    let n = names.len() as i32;
    let root = BitMapBackend::new(path, (760, 700)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_err)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("{dataset}, {model}: mean ROC-AUC, normal (row) vs anomalous (column); blue < 0.5 < red"),
            ("sans-serif", 18),
        )
        .margin(10)
        .x_label_area_size(70)
        .y_label_area_size(80)
        // A segmented range a..b has a segment for b too: 0..n-1 gives the n classes.
        .build_cartesian_2d((0..n - 1).into_segmented(), (0..n - 1).into_segmented())
        .map_err(plot_err)?;
    // Normal classes run top to bottom, as in the Markdown matrices.
    let y_of = |class: i32| n - 1 - class;
    let label = |v: &SegmentValue<i32>, to_class: &dyn Fn(i32) -> i32| match v {
        SegmentValue::CenterOf(i) => names
            .get(to_class(*i) as usize)
            .map_or(String::new(), |s| s.to_string()),
        _ => String::new(),
    };
    let x_label = |v: &SegmentValue<i32>| label(v, &|i| i);
    let y_label = |v: &SegmentValue<i32>| label(v, &y_of);
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(names.len())
        .y_labels(names.len())
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .x_desc("anomalous class")
        .y_desc("normal class")
        .draw()
        .map_err(plot_err)?;
    for e in rows {
        let row = y_of(e.normal_class as i32);
        for (a, s) in &e.per_class_roc_auc {
            let col = *a as i32;
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [
                        (SegmentValue::Exact(col), SegmentValue::Exact(row)),
                        (SegmentValue::Exact(col + 1), SegmentValue::Exact(row + 1)),
                    ],
                    auc_color(s.mean).filled(),
                )))
                .map_err(plot_err)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("{:.2}", s.mean),
                    (SegmentValue::CenterOf(col), SegmentValue::CenterOf(row)),
                    TextStyle::from(("sans-serif", 13).into_font())
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                )))
                .map_err(plot_err)?;
        }
    }
    root.present().map_err(plot_err)?;
    Ok(())
}

fn draw_by_class(path: &Path, dataset: DatasetKind, rows: &[&Entry]) -> anyhow::Result<()> {
    let names = dataset.class_names();
    let low = rows
        .iter()
        .map(|e| e.roc_auc.interval.map_or(e.roc_auc.mean, |(l, _)| l))
        .fold(1.0f64, f64::min);
    let root = BitMapBackend::new(path, (900, 450)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_err)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("{dataset}: ROC-AUC of each normal class vs all others (mean, 95 % interval over seeds)"),
            ("sans-serif", 17),
        )
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(55)
        .build_cartesian_2d(-0.5f64..(names.len() as f64 - 0.5), (low - 0.02).max(0.0)..1.0f64)
        .map_err(plot_err)?;
    chart
        .configure_mesh()
        .x_labels(names.len())
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                names
                    .get(i as usize)
                    .map_or(String::new(), |s| s.to_string())
            } else {
                String::new()
            }
        })
        .x_desc("normal class")
        .y_desc("ROC-AUC")
        .draw()
        .map_err(plot_err)?;
    for (k, model) in ModelKind::ALL.iter().enumerate() {
        let color = model_color(*model);
        let offset = (k as f64 - 1.0) * 0.2;
        let points: Vec<&&Entry> = rows.iter().filter(|e| e.model == *model).collect();
        if points.is_empty() {
            continue;
        }
        chart
            .draw_series(points.iter().map(|e| {
                let x = e.normal_class as f64 + offset;
                let (lo, hi) = e
                    .roc_auc
                    .interval
                    .unwrap_or((e.roc_auc.mean, e.roc_auc.mean));
                ErrorBar::new_vertical(x, lo, e.roc_auc.mean, hi, color.filled(), 6)
            }))
            .map_err(plot_err)?
            .label(model.to_string())
            .legend(move |(x, y)| Circle::new((x, y), 4, color.filled()));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .position(SeriesLabelPosition::LowerRight)
        .draw()
        .map_err(plot_err)?;
    root.present().map_err(plot_err)?;
    Ok(())
}

pub fn write_all(
    dir: &Path,
    summary: &Summary,
    dataset: DatasetKind,
) -> anyhow::Result<Vec<PathBuf>> {
    let figures = dir.join(crate::store::layout::FIGURES);
    std::fs::create_dir_all(&figures).with_context(|| format!("creating {}", figures.display()))?;
    let rows = entries(summary, dataset);
    let mut written = Vec::new();
    for model in ModelKind::ALL {
        let of_model: Vec<&Entry> = rows.iter().copied().filter(|e| e.model == model).collect();
        if of_model.is_empty() {
            continue;
        }
        let path = figures.join(format!("{}-heatmap-{}.png", dataset.slug(), model.slug()));
        written.push(write_figure(path, |p| {
            draw_heatmap(p, dataset, model, &of_model)
        })?);
    }
    let path = figures.join(format!("{}-by-normal-class.png", dataset.slug()));
    written.push(write_figure(path, |p| draw_by_class(p, dataset, &rows))?);
    Ok(written)
}
