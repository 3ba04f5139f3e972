//! Checkpoints: the VarStore as safetensors plus a JSON sidecar (training report and a fingerprint of
//! the data it was trained on). Both are written atomically (temporary file + rename).
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};
use tch::Device;

use crate::record;
use crate::train::{self, TrainReport, TrainedModel};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sidecar {
    pub report: TrainReport,
    /// Caller-chosen fingerprint of the training data (the experiment uses the files' sha256).
    pub data_hash: String,
}

pub struct Loaded {
    pub model: TrainedModel,
    pub sidecar: Sidecar,
}

pub fn sidecar_path(weights: &Path) -> PathBuf {
    weights.with_extension("json")
}

pub fn save(trained: &TrainedModel, weights: &Path, data_hash: &str) -> anyhow::Result<()> {
    let report = trained
        .report
        .clone()
        .context("cannot checkpoint a model without its training report")?;
    let dir = weights.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    // VarStore::save picks the format from the extension, so the temporary keeps it.
    let tmp = weights.with_extension("tmp.safetensors");
    trained.vs.save(&tmp)?;
    std::fs::rename(&tmp, weights)
        .with_context(|| format!("renaming onto {}", weights.display()))?;
    let sidecar = Sidecar {
        report,
        data_hash: data_hash.to_string(),
    };
    record::write_json_atomic(&sidecar_path(weights), &sidecar)
}

pub fn load(weights: &Path, device: Device) -> anyhow::Result<Loaded> {
    let sidecar_file = sidecar_path(weights);
    let text = std::fs::read_to_string(&sidecar_file)
        .with_context(|| format!("reading {}", sidecar_file.display()))?;
    let sidecar: Sidecar = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a checkpoint sidecar", sidecar_file.display()))?;
    let report = &sidecar.report;
    let (mut vs, model) = train::build_model(
        report.kind,
        report.dataset,
        report.config.model,
        report.config.seed,
        device,
    );
    vs.load(weights)
        .with_context(|| format!("loading weights from {}", weights.display()))?;
    Ok(Loaded {
        model: TrainedModel {
            kind: report.kind,
            dataset: report.dataset,
            vs,
            model,
            report: Some(sidecar.report.clone()),
        },
        sidecar,
    })
}
