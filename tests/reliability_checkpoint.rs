//! A checkpoint is bound to its weights: the sidecar commits their sha256, so byte-flipped,
//! hand-swapped or half-written weights and a damaged or missing sidecar are all refused.
mod common;

use std::path::{Path, PathBuf};

use aerepro::data::DatasetKind;
use aerepro::model::ModelKind;
use aerepro::store::checkpoint::{self, CheckpointError};
use aerepro::train::{train_model, TrainConfig, TrainedModel};
use tch::Device;

fn tiny_model(epochs: usize) -> TrainedModel {
    let images = common::synthetic_images(DatasetKind::Mnist, 64);
    let mut cfg = TrainConfig {
        epochs,
        batch_size: 32,
        seed: 3,
        threads: Some(1),
        ..Default::default()
    };
    cfg.collapse.min_steps = usize::MAX;
    train_model(
        ModelKind::Cae,
        DatasetKind::Mnist,
        &images,
        &cfg,
        Device::Cpu,
        None,
    )
    .unwrap()
}

fn saved(dir: &Path, name: &str, model: &TrainedModel) -> PathBuf {
    let path = dir.join(format!("{name}.safetensors"));
    checkpoint::save(model, &path, "data").unwrap();
    path
}

#[test]
fn the_sidecar_commits_the_exact_weights() {
    let _g = common::seed_lock();
    let dir = tempfile::tempdir().unwrap();
    let two_epochs = saved(dir.path(), "two", &tiny_model(2));
    let three_epochs = saved(dir.path(), "three", &tiny_model(3));

    let sidecar = checkpoint::verify(&two_epochs).unwrap();
    assert_eq!(sidecar.weights_sha256.len(), 64);
    assert_eq!(
        sidecar.weights_bytes,
        std::fs::metadata(&two_epochs).unwrap().len()
    );
    assert_eq!(
        checkpoint::load(&two_epochs, Device::Cpu)
            .unwrap()
            .sidecar
            .report
            .epochs
            .len(),
        2
    );

    // 3-epoch weights under the 2-epoch sidecar.
    let original = std::fs::read(&two_epochs).unwrap();
    std::fs::copy(&three_epochs, &two_epochs).unwrap();
    assert!(matches!(
        checkpoint::load(&two_epochs, Device::Cpu),
        Err(CheckpointError::WeightsMismatch { .. })
    ));

    // One flipped bit in the tensor data.
    let mut flipped = original.clone();
    let at = flipped.len() - 100;
    flipped[at] ^= 1;
    std::fs::write(&two_epochs, &flipped).unwrap();
    let err = checkpoint::load(&two_epochs, Device::Cpu).err().unwrap();
    assert!(
        matches!(err, CheckpointError::WeightsMismatch { .. }),
        "{err}"
    );
    assert!(err
        .to_string()
        .contains("is not the file its sidecar commits"));

    // A truncated file (an interrupted copy).
    std::fs::write(&two_epochs, &original[..original.len() / 2]).unwrap();
    assert!(matches!(
        checkpoint::verify(&two_epochs),
        Err(CheckpointError::WeightsMismatch { .. })
    ));
    std::fs::write(&two_epochs, &original).unwrap();
    checkpoint::verify(&two_epochs).unwrap();
}

#[test]
fn a_damaged_or_missing_sidecar_is_refused() {
    let _g = common::seed_lock();
    let dir = tempfile::tempdir().unwrap();
    let weights = saved(dir.path(), "cae", &tiny_model(1));
    let sidecar = aerepro::store::layout::weights_sidecar(&weights);
    let text = std::fs::read_to_string(&sidecar).unwrap();

    std::fs::write(&sidecar, &text[..text.len() / 2]).unwrap();
    assert!(matches!(
        checkpoint::verify(&weights),
        Err(CheckpointError::BadSidecar { .. })
    ));

    let without_hash = text.replace("weights_sha256", "weights_sha");
    std::fs::write(&sidecar, without_hash).unwrap();
    assert!(matches!(
        checkpoint::verify(&weights),
        Err(CheckpointError::BadSidecar { .. })
    ));

    std::fs::remove_file(&sidecar).unwrap();
    assert!(matches!(
        checkpoint::verify(&weights),
        Err(CheckpointError::NoSidecar { .. })
    ));

    std::fs::write(&sidecar, &text).unwrap();
    std::fs::remove_file(&weights).unwrap();
    assert!(matches!(
        checkpoint::verify(&weights),
        Err(CheckpointError::NoWeights { .. })
    ));
}

#[test]
fn saving_uses_unique_temporaries_and_leaves_none() {
    let _g = common::seed_lock();
    let dir = tempfile::tempdir().unwrap();
    // A directory squatting on the fixed temporary name an earlier version used.
    std::fs::create_dir(dir.path().join("cae.tmp.safetensors")).unwrap();
    let model = tiny_model(1);
    let weights = saved(dir.path(), "cae", &model);
    saved(dir.path(), "cae", &model);
    checkpoint::verify(&weights).unwrap();
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["cae.json", "cae.safetensors", "cae.tmp.safetensors"],
        "only the checkpoint (and the squatter) remain"
    );
}
