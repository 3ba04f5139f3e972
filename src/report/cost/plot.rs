//! The cost-benefit scatter plot (PNG).

use std::path::Path;
use std::sync::OnceLock;

use anyhow::{bail, Context, Result};

use super::rows::{grouped, CostRow};
use crate::data::DatasetKind;

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
