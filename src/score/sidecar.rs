//! The scoring sidecar beside a checkpoint (`<name>.scoring.json`): the fits and thresholds that
//! `aerepro score` needs to score new images as the run scored its test set.
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::evaluate::ThresholdSource;
use super::fit::ScoreFit;
use super::ScoreKind;
use crate::data::preprocess::Preprocessor;
use crate::data::DatasetKind;
use crate::model::ModelKind;
use crate::record;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SidecarThreshold {
    pub score: ScoreKind,
    pub threshold: f64,
    pub target_fpr: f64,
    pub fitted_on: ThresholdSource,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoringSidecar {
    pub kind: ModelKind,
    pub dataset: DatasetKind,
    pub normal_class: u8,
    pub fit: ScoreFit,
    pub thresholds: Vec<SidecarThreshold>,
    /// The input transform fitted on the run's normal training images, applied to a user's images
    /// before scoring (absent, and `raw`, in sidecars of raw runs and older ones).
    #[serde(default, skip_serializing_if = "Preprocessor::is_raw")]
    pub preprocessor: Preprocessor,
}

impl ScoringSidecar {
    pub fn threshold(&self, score: ScoreKind) -> Option<&SidecarThreshold> {
        self.thresholds.iter().find(|t| t.score == score)
    }
}

/// `x.safetensors` → `x.scoring.json`.
pub fn path_for(weights: &Path) -> PathBuf {
    weights.with_extension("scoring.json")
}

pub fn save(weights: &Path, sidecar: &ScoringSidecar) -> anyhow::Result<()> {
    record::write_json_atomic(&path_for(weights), sidecar)
}

pub fn load(weights: &Path) -> anyhow::Result<ScoringSidecar> {
    let path = path_for(weights);
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "reading {} (written by `aerepro reproduce` beside each checkpoint)",
            path.display()
        )
    })?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not an aerepro scoring sidecar", path.display()))
}
