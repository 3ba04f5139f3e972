//! Score against input complexity, one figure per model (`figures/complexity_<model>.png`): each
//! test image a dot, normal blue and anomalous red; the left panel the paper's score (as ln MSE),
//! the right the complexity-corrected score when computed. Written when the run computed complexity.
use std::path::{Path, PathBuf};

use anyhow::Context;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::plot::{plot_err, write_figure};
use crate::data::NormalClassSplit;
use crate::score::{ScoreKind, ScoringData, TestScores};

fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let pad = ((hi - lo) * 0.03).max(1e-9);
    (lo - pad, hi + pad)
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    split: &NormalClassSplit,
    complexity: &[f64],
    values: &[f64],
    caption: &str,
    y_label: &str,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let (x_lo, x_hi) = range(complexity.iter().copied());
    let (y_lo, y_hi) = range(values.iter().copied());
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(55)
        .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)
        .map_err(plot_err)?;
    chart
        .configure_mesh()
        .x_desc("complexity (PNG bits per dimension)")
        .y_desc(y_label)
        .draw()
        .map_err(plot_err)?;
    let normal_name = split.class_name(split.normal_class);
    for (is_normal, color, label) in [
        (false, RED.mix(0.25), "anomalous (all others)".to_string()),
        (true, BLUE.mix(0.5), format!("normal ({normal_name})")),
    ] {
        let points = complexity
            .iter()
            .zip(values)
            .zip(&split.test_labels)
            .filter(move |(_, l)| (**l == split.normal_class) == is_normal)
            .map(|((x, y), _)| (*x, *y));
        chart
            .draw_series(points.map(|p| Circle::new(p, 1, color.filled())))
            .map_err(plot_err)?
            .label(label)
            .legend(move |(x, y)| Circle::new((x + 6, y), 4, color.filled()));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
        .map_err(plot_err)?;
    Ok(())
}

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    split: &NormalClassSplit,
    complexity: &[f64],
    panels: &[(String, String, Vec<f64>)],
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(plot_err)?;
    let areas = root.split_evenly((1, panels.len()));
    for (area, (caption, y_label, values)) in areas.iter().zip(panels) {
        draw_panel(area, split, complexity, values, caption, y_label)?;
    }
    root.present().map_err(plot_err)?;
    Ok(())
}

/// Writes one figure per first-seed model; nothing when complexity was not computed.
pub fn write_all(
    dir: &Path,
    split: &NormalClassSplit,
    scores: &[TestScores],
    data: &ScoringData,
) -> anyhow::Result<Vec<PathBuf>> {
    let Some(complexity) = &data.test_complexity else {
        return Ok(Vec::new());
    };
    let figures = dir.join(crate::store::layout::FIGURES);
    std::fs::create_dir_all(&figures).with_context(|| format!("creating {}", figures.display()))?;
    let mut written = Vec::new();
    for model in scores {
        let mut panels = Vec::new();
        if let Some(mse) = model.get(ScoreKind::Mse) {
            panels.push((
                format!("{}: reconstruction error", model.kind),
                "ln MSE".to_string(),
                mse.iter().map(|m| m.max(1e-12).ln()).collect(),
            ));
        }
        if let Some(corrected) = model.get(ScoreKind::ComplexityCorrected) {
            panels.push((
                format!("{}: complexity-corrected", model.kind),
                "ln MSE − fit(complexity)".to_string(),
                corrected.to_vec(),
            ));
        }
        if panels.is_empty() {
            continue;
        }
        let path = figures.join(format!("complexity_{}.png", model.kind.slug()));
        let width = 560 * panels.len() as u32;
        written.push(write_figure(path, |p| {
            draw(
                BitMapBackend::new(p, (width, 460)).into_drawing_area(),
                split,
                complexity,
                &panels,
            )
        })?);
    }
    Ok(written)
}
