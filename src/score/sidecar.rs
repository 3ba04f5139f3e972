//! The scoring sidecar beside a checkpoint (`<name>.scoring.json`): the fits and thresholds that
//! `aerepro score` needs to score new images as the run scored its test set.
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::fit::ScoreFit;
use super::threshold::ThresholdSource;
use super::ScoreKind;
use crate::data::preprocess::Preprocessor;
use crate::data::DatasetKind;
use crate::model::ModelKind;
use crate::store::atomic;

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
    /// The model it belongs to: its training seed and the sha256 of its weights file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binding: Option<Binding>,
    /// sha256 of this sidecar's JSON without this field: an edited sidecar no longer matches it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// Which trained model a scoring sidecar belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Binding {
    pub seed: u64,
    pub weights_sha256: String,
}

/// What the checkpoint beside a sidecar is, as its verified weights sidecar says.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelIdentity {
    pub kind: ModelKind,
    pub dataset: DatasetKind,
    pub seed: u64,
    pub weights_sha256: String,
}

impl ScoringSidecar {
    pub fn threshold(&self, score: ScoreKind) -> Option<&SidecarThreshold> {
        self.thresholds.iter().find(|t| t.score == score)
    }

    fn content_digest(&self) -> anyhow::Result<String> {
        let unsigned = ScoringSidecar {
            digest: None,
            ..self.clone()
        };
        Ok(hex::encode(Sha256::digest(serde_json::to_vec(&unsigned)?)))
    }
}

pub fn path_for(weights: &Path) -> PathBuf {
    crate::store::layout::scoring_sidecar(weights)
}

/// Writes the sidecar of the model `binding` names, with its digest.
pub fn save(weights: &Path, sidecar: &ScoringSidecar, binding: Binding) -> anyhow::Result<()> {
    let mut bound = ScoringSidecar {
        binding: Some(binding),
        digest: None,
        ..sidecar.clone()
    };
    bound.digest = Some(bound.content_digest()?);
    atomic::write_json_atomic(&path_for(weights), &bound)
}

/// Reads the sidecar beside `weights` and checks that it is unedited and belongs to `model`.
pub fn load(weights: &Path, model: &ModelIdentity) -> anyhow::Result<ScoringSidecar> {
    let path = path_for(weights);
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "reading {} (written by `aerepro reproduce` beside each checkpoint)",
            path.display()
        )
    })?;
    let sidecar: ScoringSidecar = serde_json::from_str(&text)
        .with_context(|| format!("{} is not an aerepro scoring sidecar", path.display()))?;
    let rerun = "rerun `aerepro reproduce --resume` on its run directory to rewrite it";
    let (Some(digest), Some(binding)) = (&sidecar.digest, &sidecar.binding) else {
        bail!(
            "{} is not bound to its model (no digest or binding: written by an older aerepro); {rerun}",
            path.display()
        );
    };
    if *digest != sidecar.content_digest()? {
        bail!(
            "{} was edited after it was written (its digest does not match its content); {rerun}",
            path.display()
        );
    }
    let mut mismatches = Vec::new();
    if binding.weights_sha256 != model.weights_sha256 {
        mismatches.push(format!(
            "weights sha256 {} (the weights beside it: {})",
            binding.weights_sha256, model.weights_sha256
        ));
    }
    if sidecar.kind != model.kind {
        mismatches.push(format!(
            "model {} (the checkpoint: {})",
            sidecar.kind, model.kind
        ));
    }
    if sidecar.dataset != model.dataset {
        mismatches.push(format!(
            "dataset {} (the checkpoint: {})",
            sidecar.dataset, model.dataset
        ));
    }
    if binding.seed != model.seed {
        mismatches.push(format!(
            "seed {} (the checkpoint: {})",
            binding.seed, model.seed
        ));
    }
    if !mismatches.is_empty() {
        bail!(
            "{} belongs to another model than {}: {}",
            path.display(),
            weights.display(),
            mismatches.join("; ")
        );
    }
    Ok(sidecar)
}
