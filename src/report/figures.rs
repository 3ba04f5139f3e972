//! Figures of a run (PNG and SVG, via plotters): ROC and PR curves per anomalous class with all models
//! on one plot, score histograms normal vs anomalous per model, and a reconstruction grid like the
//! paper's Fig. 3/4 (rows: a normal and two anomalous test images; columns: input and each model).
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};
use plotters::coord::Shift;
use plotters::prelude::*;
use tch::{Kind, Tensor};

use crate::data::one_class::{anomalous_classes, normal_vs};
use crate::data::NormalClassSplit;
use crate::metrics;
use crate::model::ModelKind;
use crate::run::experiment::Scored;
use crate::score;

use super::plot::{model_color, plot_err, write_figure};

type Curve = (ModelKind, Vec<(f64, f64)>, f64);

fn draw_curves<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    caption: &str,
    x_label: &str,
    y_label: &str,
    curves: &[Curve],
    metric: &str,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(45)
        .build_cartesian_2d(0f64..1f64, 0f64..1.02f64)
        .map_err(plot_err)?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .draw()
        .map_err(plot_err)?;
    for (kind, points, value) in curves {
        let color = model_color(*kind);
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                color.stroke_width(2),
            ))
            .map_err(plot_err)?
            .label(format!("{kind} {metric} {value:.4}"))
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], color.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .position(SeriesLabelPosition::LowerRight)
        .draw()
        .map_err(plot_err)?;
    Ok(())
}

fn draw_roc_pr<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    split: &NormalClassSplit,
    scored: &[Scored],
    class: u8,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(plot_err)?;
    let (left, right) = root.split_horizontally(root.dim_in_pixel().0 / 2);
    let mut roc = Vec::new();
    let mut pr = Vec::new();
    for s in scored {
        let (scores, labels) = normal_vs(
            &s.scores,
            &split.test_labels,
            split.normal_class,
            Some(class),
        );
        let curve = metrics::roc_curve(&scores, &labels)?;
        let points = curve
            .false_positive_rate
            .iter()
            .copied()
            .zip(curve.true_positive_rate.iter().copied())
            .collect();
        roc.push((s.kind, points, metrics::roc_auc(&scores, &labels)?));
        let curve = metrics::precision_recall_curve(&scores, &labels)?;
        let points = curve
            .recall
            .iter()
            .copied()
            .zip(curve.precision.iter().copied())
            .collect();
        pr.push((
            s.kind,
            points,
            metrics::average_precision(&scores, &labels)?,
        ));
    }
    let title = format!(
        "normal {} vs {}",
        split.class_name(split.normal_class),
        split.class_name(class)
    );
    draw_curves(
        &left,
        &format!("ROC: {title}"),
        "false positive rate",
        "true positive rate",
        &roc,
        "AUC",
    )?;
    draw_curves(
        &right,
        &format!("PR: {title}"),
        "recall",
        "precision",
        &pr,
        "AP",
    )?;
    root.present().map_err(plot_err)?;
    Ok(())
}

fn draw_histograms<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    split: &NormalClassSplit,
    scored: &[Scored],
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(plot_err)?;
    let panels = root.split_evenly((1, scored.len().max(1)));
    const BINS: usize = 40;
    for (area, s) in panels.iter().zip(scored) {
        // Clip the range at the 99th percentile so a few extreme anomalies don't flatten the plot.
        let mut sorted = s.scores.clone();
        sorted.sort_by(f64::total_cmp);
        let hi = sorted[(sorted.len() * 99 / 100).min(sorted.len() - 1)].max(1e-12);
        let width = hi / BINS as f64;
        let histogram = |normal: bool| -> Vec<f64> {
            let mut counts = vec![0f64; BINS];
            let mut total = 0.0;
            for (score, label) in s.scores.iter().zip(&split.test_labels) {
                if (*label == split.normal_class) == normal {
                    counts[((score / width) as usize).min(BINS - 1)] += 1.0;
                    total += 1.0;
                }
            }
            counts.iter().map(|c| c / total).collect()
        };
        let (normal, anomalous) = (histogram(true), histogram(false));
        let top = normal.iter().chain(&anomalous).fold(0f64, |a, b| a.max(*b)) * 1.05;
        let mut chart = ChartBuilder::on(area)
            .caption(format!("{} reconstruction MSE", s.kind), ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(45)
            .build_cartesian_2d(0f64..hi, 0f64..top)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc("score")
            .y_desc("fraction of images")
            .x_label_formatter(&|x| format!("{x:.3}"))
            .draw()
            .map_err(plot_err)?;
        for (values, color, label) in [
            (
                &normal,
                BLUE.mix(0.5),
                format!("normal ({})", split.class_name(split.normal_class)),
            ),
            (
                &anomalous,
                RED.mix(0.5),
                "anomalous (all others)".to_string(),
            ),
        ] {
            chart
                .draw_series(values.iter().enumerate().map(|(i, v)| {
                    let x0 = i as f64 * width;
                    Rectangle::new([(x0, 0.0), (x0 + width, *v)], color.filled())
                }))
                .map_err(plot_err)?
                .label(label)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled())
                });
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(plot_err)?;
    }
    root.present().map_err(plot_err)?;
    Ok(())
}

/// Test images for the reconstruction grid: the first normal test image and the first two of the
/// anomalous class with the best-separated mean score (as the paper shows a clear case).
pub fn grid_rows(split: &NormalClassSplit, scored: &[Scored]) -> Vec<usize> {
    let normal = split
        .test_labels
        .iter()
        .position(|l| *l == split.normal_class);
    let reference = &scored[0].scores;
    let mean_score = |class: u8| {
        let v: Vec<f64> = reference
            .iter()
            .zip(&split.test_labels)
            .filter(|(_, l)| **l == class)
            .map(|(s, _)| *s)
            .collect();
        v.iter().sum::<f64>() / v.len().max(1) as f64
    };
    let anomalous_class = anomalous_classes(split.dataset, split.normal_class)
        .into_iter()
        .max_by(|a, b| mean_score(*a).total_cmp(&mean_score(*b)));
    let anomalous = anomalous_class.into_iter().flat_map(|c| {
        split
            .test_labels
            .iter()
            .enumerate()
            .filter(move |(_, l)| **l == c)
            .map(|(i, _)| i)
            .take(2)
    });
    normal.into_iter().chain(anomalous).collect()
}

fn draw_image<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    image: &Tensor,
    pixel: i32,
    origin: (i32, i32),
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let [c, h, w]: [i64; 3] = image
        .size()
        .try_into()
        .map_err(|_| anyhow!("expected a CHW image"))?;
    let values: Vec<f32> =
        Vec::<f32>::try_from(image.to_kind(Kind::Float).clamp(0.0, 1.0).flatten(0, -1))?;
    let at =
        |ch: i64, y: i64, x: i64| (values[(ch * h * w + y * w + x) as usize] * 255.0).round() as u8;
    for y in 0..h {
        for x in 0..w {
            let color = if c == 1 {
                let v = at(0, y, x);
                RGBColor(v, v, v)
            } else {
                RGBColor(at(0, y, x), at(1, y, x), at(2, y, x))
            };
            let (x0, y0) = (origin.0 + x as i32 * pixel, origin.1 + y as i32 * pixel);
            area.draw(&Rectangle::new(
                [(x0, y0), (x0 + pixel, y0 + pixel)],
                color.filled(),
            ))
            .map_err(plot_err)?;
        }
    }
    Ok(())
}

fn draw_grid<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    split: &NormalClassSplit,
    scored: &[Scored],
    rows: &[usize],
    pixel: i32,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(plot_err)?;
    let side = split.dataset.image_shape()[1] as i32 * pixel;
    let (cell_w, cell_h, top) = (side + 20, side + 36, 30);
    let index = Tensor::from_slice(&rows.iter().map(|i| *i as i64).collect::<Vec<_>>());
    let inputs = split.test_images.index_select(0, &index);
    let mut columns = vec![("input".to_string(), inputs.shallow_clone(), None)];
    for s in scored {
        let recon = score::reconstruct(&s.model, &inputs, rows.len() as i64)?;
        columns.push((s.kind.to_string(), recon, Some(s)));
    }
    let font = ("sans-serif", 15).into_font();
    for (col, (title, images, model)) in columns.iter().enumerate() {
        let x = 10 + col as i32 * cell_w;
        root.draw(&Text::new(title.clone(), (x, 8), font.clone()))
            .map_err(plot_err)?;
        for (row, test_index) in rows.iter().enumerate() {
            let y = top + row as i32 * cell_h;
            draw_image(&root, &images.get(row as i64), pixel, (x, y))?;
            let caption = match model {
                Some(s) => format!("score {:.4}", s.scores[*test_index]),
                None => split.class_name(split.test_labels[*test_index]).to_string(),
            };
            root.draw(&Text::new(caption, (x, y + side + 4), font.clone()))
                .map_err(plot_err)?;
        }
    }
    root.present().map_err(plot_err)?;
    Ok(())
}

/// Draws into a temporary file beside `path` (same extension, so plotters picks the same format) and
/// renames it onto `path`: a reader never sees a half-drawn figure.
/// Writes every figure of a run into `dir/figures` and returns the paths written.
pub fn write_all(
    dir: &Path,
    split: &NormalClassSplit,
    scored: &[Scored],
) -> anyhow::Result<Vec<PathBuf>> {
    let figures = dir.join(crate::store::layout::FIGURES);
    std::fs::create_dir_all(&figures).with_context(|| format!("creating {}", figures.display()))?;
    let mut written = Vec::new();
    for class in anomalous_classes(split.dataset, split.normal_class) {
        let stem = format!("roc_pr_{}", split.class_name(class));
        written.push(write_figure(figures.join(format!("{stem}.png")), |p| {
            draw_roc_pr(
                BitMapBackend::new(p, (1100, 500)).into_drawing_area(),
                split,
                scored,
                class,
            )
        })?);
        written.push(write_figure(figures.join(format!("{stem}.svg")), |p| {
            draw_roc_pr(
                SVGBackend::new(p, (1100, 500)).into_drawing_area(),
                split,
                scored,
                class,
            )
        })?);
    }
    let width = 500 * scored.len() as u32;
    written.push(write_figure(figures.join("score_histograms.png"), |p| {
        draw_histograms(
            BitMapBackend::new(p, (width, 420)).into_drawing_area(),
            split,
            scored,
        )
    })?);

    let rows = grid_rows(split, scored);
    let pixel = if split.dataset.image_shape()[1] <= 28 {
        4
    } else {
        3
    };
    let side = split.dataset.image_shape()[1] as u32 * pixel as u32;
    let size = (
        20 + (scored.len() as u32 + 1) * (side + 20),
        40 + rows.len() as u32 * (side + 36),
    );
    written.push(write_figure(figures.join("reconstructions.png"), |p| {
        draw_grid(
            BitMapBackend::new(p, size).into_drawing_area(),
            split,
            scored,
            &rows,
            pixel,
        )
    })?);
    Ok(written)
}
