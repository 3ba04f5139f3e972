//! `aerepro score`: a saved model scores a user's images, flags them at the thresholds its run
//! recorded, and writes each image's reconstruction and per-pixel error map as PNGs.
use std::collections::HashMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use tch::{Device, Kind, Tensor};

use super::evaluate::tensor_bytes;
use super::images::{self, UserImage};
use super::{complexity, error_maps, fit, model_outputs, reconstruct, sidecar, ScoreKind};
use crate::data::preprocess::{Preprocess, Preprocessor};
use crate::model::ModelKind;
use crate::store::checkpoint;

pub struct ScoreRequest {
    /// A checkpoint file (`*.safetensors`), or a run directory / its `checkpoints/` directory.
    pub checkpoint: PathBuf,
    pub images: Vec<PathBuf>,
    /// Only these model types (empty: every checkpoint found).
    pub models: Vec<ModelKind>,
    pub scores: Vec<ScoreKind>,
    pub out: PathBuf,
    pub device: Device,
    pub batch: i64,
}

/// One image's value of one score under one model, and its flag at the recorded threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageScore {
    pub image: String,
    pub model: ModelKind,
    pub seed: u64,
    pub checkpoint: PathBuf,
    pub score: ScoreKind,
    pub value: f64,
    pub threshold: Option<f64>,
    /// `None` when the run recorded no threshold for this score.
    pub anomaly: Option<bool>,
}

pub struct ScoreOutput {
    pub rows: Vec<ImageScore>,
    pub notes: Vec<String>,
    pub written: Vec<PathBuf>,
}

/// A committed weights file: not a temporary one of an interrupted save.
fn is_weights(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    name.is_some_and(|n| {
        n.ends_with(".safetensors")
            && !n.ends_with(".tmp.safetensors")
            && !n.starts_with(crate::store::atomic::PARTIAL_PREFIX)
    })
}

/// The checkpoint files `path` names: itself, or those in it or in its `checkpoints/`.
pub fn find_checkpoints(path: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    if !path.is_dir() {
        bail!("--checkpoint {}: no such file or directory", path.display());
    }
    let mut found = Vec::new();
    for dir in [
        path.to_path_buf(),
        path.join(crate::store::layout::CHECKPOINTS),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let p = entry?.path();
            if p.is_file() && is_weights(&p) {
                found.push(p);
            }
        }
    }
    found.sort();
    if found.is_empty() {
        bail!(
            "--checkpoint {}: no *.safetensors checkpoint in it or in its checkpoints/ directory",
            path.display()
        );
    }
    Ok(found)
}

fn unique_names(images: &[UserImage]) -> Vec<String> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    images
        .iter()
        .map(|img| {
            let count = seen.entry(img.name.as_str()).or_insert(0);
            *count += 1;
            if *count == 1 {
                img.name.clone()
            } else {
                format!("{}-{}", img.name, count)
            }
        })
        .collect()
}

/// Scores every image with every selected checkpoint.
pub fn run(request: &ScoreRequest) -> anyhow::Result<ScoreOutput> {
    anyhow::ensure!(!request.images.is_empty(), "no images given");
    let mut output = ScoreOutput {
        rows: Vec::new(),
        notes: Vec::new(),
        written: Vec::new(),
    };
    let mut used = 0;
    for path in find_checkpoints(&request.checkpoint)? {
        let loaded = checkpoint::load(&path, request.device)
            .with_context(|| format!("loading checkpoint {}", path.display()))?;
        let kind = loaded.model.kind;
        if !request.models.is_empty() && !request.models.contains(&kind) {
            continue;
        }
        used += 1;
        let dataset = loaded.model.dataset;
        let seed = loaded.sidecar.report.config.seed;
        let identity = sidecar::ModelIdentity {
            kind,
            dataset,
            seed,
            weights_sha256: loaded.sidecar.weights_sha256.clone(),
        };
        let side = match sidecar::load(&path, &identity) {
            Ok(side) => Some(side),
            Err(e)
                if !sidecar::path_for(&path).exists()
                    && request.scores.iter().all(|s| *s == ScoreKind::Mse) =>
            {
                output.notes.push(format!("{kind}: no thresholds ({e:#})"));
                None
            }
            Err(e) => return Err(e),
        };
        let images = images::read_images(&request.images, dataset)?;
        anyhow::ensure!(!images.is_empty(), "the image files hold no images");
        let names = unique_names(&images);
        let [c, h, w] = dataset.image_shape();
        let bytes: Vec<u8> = images
            .iter()
            .flat_map(|i| i.pixels.iter().copied())
            .collect();
        let tensor = Tensor::from_slice(&bytes)
            .view([images.len() as i64, c, h, w])
            .to_kind(Kind::Float)
            / 255.0;
        let tensor = user_preprocessor(&loaded.model, side.as_ref())?.apply(&tensor)?;
        let outputs = model_outputs(&loaded.model, &tensor, request.batch)?;
        let image_complexity = if request.scores.iter().any(|s| s.needs_complexity()) {
            Some(complexity::bits_per_dimension(
                &bytes,
                [c as usize, h as usize, w as usize],
            )?)
        } else {
            None
        };
        for &score in &request.scores {
            if let Err(reason) = score.applies_to(kind) {
                output.notes.push(reason);
                continue;
            }
            let values = match (&side, score) {
                (_, ScoreKind::Mse) => outputs.mse.clone(),
                (Some(side), _) => {
                    fit::compute(score, &outputs, &side.fit, image_complexity.as_deref())?
                }
                (None, _) => unreachable!("a missing sidecar returned above unless only mse"),
            };
            let threshold = side
                .as_ref()
                .and_then(|s| s.threshold(score))
                .map(|t| t.threshold);
            if threshold.is_none() {
                output.notes.push(format!(
                    "{kind}: the run recorded no threshold for {score} (rerun reproduce with --score {score})"
                ));
            }
            for (name, value) in names.iter().zip(values) {
                output.rows.push(ImageScore {
                    image: name.clone(),
                    model: kind,
                    seed,
                    checkpoint: path.clone(),
                    score,
                    value,
                    threshold,
                    anomaly: threshold.map(|t| value >= t),
                });
            }
        }
        output.written.extend(write_pictures(
            &request.out,
            &format!("{}-seed{seed}", kind.slug()),
            &names,
            &reconstruct(&loaded.model, &tensor, request.batch)?,
            &error_maps(&loaded.model, &tensor, request.batch)?,
        )?);
    }
    if used == 0 {
        bail!(
            "--checkpoint {}: no checkpoint of the models {:?}",
            request.checkpoint.display(),
            request.models
        );
    }
    Ok(output)
}

/// The input transform the run fitted for this model (its sidecar's), checked against the one its
/// training config names: a preprocessed model without its sidecar cannot score.
fn user_preprocessor(
    model: &crate::train::TrainedModel,
    side: Option<&sidecar::ScoringSidecar>,
) -> anyhow::Result<Preprocessor> {
    let trained_on = model
        .report
        .as_ref()
        .map_or(Preprocess::Raw, |r| r.config.preprocess);
    let fitted = side.map_or_else(Preprocessor::raw, |s| s.preprocessor.clone());
    anyhow::ensure!(
        fitted.kind == trained_on,
        "the {} was trained on {trained_on} input, but its scoring sidecar holds the {} transform{}",
        model.kind,
        fitted.kind,
        if side.is_none() { " (no sidecar: rerun reproduce to write it)" } else { "" }
    );
    Ok(fitted)
}

/// Writes `<name>.<model>-seed<s>.recon.png` and `<name>.<model>-seed<s>.error.png` (the squared
/// error averaged over channels, scaled so that the largest error among these images is white).
fn write_pictures(
    out: &Path,
    model: &str,
    names: &[String],
    recon: &Tensor,
    errors: &Tensor,
) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let size = recon.size();
    let (c, h, w) = (size[1] as usize, size[2] as usize, size[3] as usize);
    let recon_bytes = tensor_bytes(recon)?;
    let per_pixel = errors.mean_dim(1, true, Kind::Float);
    let max = per_pixel.max().double_value(&[]).max(1e-12);
    let error_bytes = tensor_bytes(&(per_pixel / max))?;
    let mut written = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let recon_path = out.join(format!("{name}.{model}.recon.png"));
        let image = &recon_bytes[i * c * h * w..(i + 1) * c * h * w];
        crate::store::atomic::write_atomic(&recon_path, &complexity::png_bytes(image, c, h, w)?)?;
        let error_path = out.join(format!("{name}.{model}.error.png"));
        let map = &error_bytes[i * h * w..(i + 1) * h * w];
        crate::store::atomic::write_atomic(&error_path, &complexity::png_bytes(map, 1, h, w)?)?;
        written.push(recon_path);
        written.push(error_path);
    }
    Ok(written)
}

/// The printed table: one line per image, model and score.
pub fn render(output: &ScoreOutput) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{:<24} {:<8} {:<20} {:>12} {:>12} anomaly",
        "image", "model", "score", "value", "threshold"
    );
    for row in &output.rows {
        let _ = writeln!(
            text,
            "{:<24} {:<8} {:<20} {:>12.6} {:>12} {}",
            row.image,
            format!("{}-s{}", row.model, row.seed),
            row.score.to_string(),
            row.value,
            row.threshold.map_or("-".to_string(), |t| format!("{t:.6}")),
            match row.anomaly {
                Some(true) => "yes",
                Some(false) => "no",
                None => "?",
            }
        );
    }
    for note in &output.notes {
        let _ = writeln!(text, "note: {note}");
    }
    text
}
