//! Checkpoints: the VarStore as safetensors plus a JSON sidecar (training report, a fingerprint of the
//! data it was trained on, and the sha256 of the weights file).
//!
//! The weights go to a uniquely named temporary file in the same directory and are renamed into place;
//! the sidecar is written last (atomically) and is the commit point: a checkpoint is valid only when
//! its sidecar names the exact bytes of the weights beside it. An interrupted save, two writers, or a
//! hand-swapped or damaged weights file therefore all read back as [`CheckpointError`], never as a
//! model.
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tch::Device;

use super::atomic;
use crate::train::{self, TrainReport, TrainedModel};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WeightsSidecar {
    pub report: TrainReport,
    /// Caller-chosen fingerprint of the training data (the experiment uses the files' sha256).
    pub data_hash: String,
    /// sha256 of the weights file this sidecar commits.
    pub weights_sha256: String,
    pub weights_bytes: u64,
}

pub struct Loaded {
    pub model: TrainedModel,
    pub sidecar: WeightsSidecar,
}

/// Why a checkpoint cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("{weights} has no sidecar {sidecar} (an interrupted save?)")]
    NoSidecar { weights: PathBuf, sidecar: PathBuf },
    #[error("{sidecar} has no weights file {weights}")]
    NoWeights { weights: PathBuf, sidecar: PathBuf },
    #[error("cannot read {path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{path} is not a checkpoint sidecar of this aerepro version: {error}")]
    BadSidecar {
        path: PathBuf,
        error: serde_json::Error,
    },
    #[error("{weights} is not the file its sidecar commits ({actual_bytes} bytes, sha256 {actual}; the sidecar expects {expected_bytes} bytes, sha256 {expected})")]
    WeightsMismatch {
        weights: PathBuf,
        expected: String,
        actual: String,
        expected_bytes: u64,
        actual_bytes: u64,
    },
    #[error("loading weights from {path}: {error}")]
    Weights { path: PathBuf, error: tch::TchError },
}

fn file_sha256(path: &Path) -> Result<(String, u64), CheckpointError> {
    let io = |error| CheckpointError::Io {
        path: path.to_path_buf(),
        error,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buffer).map_err(io)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        bytes += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), bytes))
}

pub fn save(trained: &TrainedModel, weights: &Path, data_hash: &str) -> anyhow::Result<()> {
    let report = trained
        .report
        .clone()
        .context("cannot checkpoint a model without its training report")?;
    let dir = weights.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    // VarStore::save picks the format from the extension, so the temporary keeps it.
    let tmp = atomic::partial_file(dir, ".safetensors")
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    trained.vs.save(tmp.path())?;
    tmp.as_file().sync_all()?;
    let (weights_sha256, weights_bytes) = file_sha256(tmp.path())?;
    tmp.persist(weights)
        .with_context(|| format!("renaming onto {}", weights.display()))?;
    let sidecar = WeightsSidecar {
        report,
        data_hash: data_hash.to_string(),
        weights_sha256,
        weights_bytes,
    };
    atomic::write_json_atomic(&super::layout::weights_sidecar(weights), &sidecar)
}

/// Reads the sidecar and checks that the weights file is the one it commits.
pub fn verify(weights: &Path) -> Result<WeightsSidecar, CheckpointError> {
    let sidecar_file = super::layout::weights_sidecar(weights);
    match (weights.exists(), sidecar_file.exists()) {
        (true, false) => {
            return Err(CheckpointError::NoSidecar {
                weights: weights.to_path_buf(),
                sidecar: sidecar_file,
            })
        }
        (false, true) => {
            return Err(CheckpointError::NoWeights {
                weights: weights.to_path_buf(),
                sidecar: sidecar_file,
            })
        }
        _ => {}
    }
    let text = std::fs::read_to_string(&sidecar_file).map_err(|error| CheckpointError::Io {
        path: sidecar_file.clone(),
        error,
    })?;
    let sidecar: WeightsSidecar =
        serde_json::from_str(&text).map_err(|error| CheckpointError::BadSidecar {
            path: sidecar_file.clone(),
            error,
        })?;
    let (actual, actual_bytes) = file_sha256(weights)?;
    if actual != sidecar.weights_sha256 || actual_bytes != sidecar.weights_bytes {
        return Err(CheckpointError::WeightsMismatch {
            weights: weights.to_path_buf(),
            expected: sidecar.weights_sha256,
            actual,
            expected_bytes: sidecar.weights_bytes,
            actual_bytes,
        });
    }
    Ok(sidecar)
}

/// Loads a verified checkpoint.
pub fn load(weights: &Path, device: Device) -> Result<Loaded, CheckpointError> {
    let sidecar = verify(weights)?;
    let report = &sidecar.report;
    let (mut vs, model) = train::build_model(
        report.kind,
        report.dataset,
        report.config.model,
        report.config.seed,
        device,
    );
    vs.load(weights).map_err(|error| CheckpointError::Weights {
        path: weights.to_path_buf(),
        error,
    })?;
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
