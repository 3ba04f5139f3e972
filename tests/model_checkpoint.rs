//! A checkpoint (safetensors + JSON sidecar) reloads to a model that scores identically.
mod common;

use aerepro::data::DatasetKind;
use aerepro::model::ModelKind;
use aerepro::score::reconstruction_errors;
use aerepro::store::checkpoint;
use aerepro::train::TrainConfig;
use tch::Device;

#[test]
fn loaded_checkpoint_scores_identically() {
    let _g = common::seed_lock();
    let dir = tempfile::tempdir().unwrap();
    for (dataset, kind) in [
        (DatasetKind::Mnist, ModelKind::Cae),
        (DatasetKind::Mnist, ModelKind::Vae),
        (DatasetKind::Cifar10, ModelKind::Aae),
    ] {
        let images = common::synthetic_images(dataset, 96);
        let mut cfg = TrainConfig {
            epochs: 1,
            batch_size: 32,
            seed: 5,
            threads: Some(1),
            ..Default::default()
        };
        cfg.collapse.min_steps = usize::MAX;
        let trained = common::train_on_cpu(kind, dataset, &images, &cfg).unwrap();
        let path = dir.path().join(format!("{}.safetensors", kind.slug()));
        checkpoint::save(&trained, &path, "sha256:test").unwrap();
        let loaded = checkpoint::load(&path, Device::Cpu).unwrap();
        assert_eq!(loaded.sidecar.data_hash, "sha256:test");
        let (saved, orig) = (
            loaded.model.report.as_ref().unwrap(),
            trained.report.as_ref().unwrap(),
        );
        assert_eq!(saved.config, orig.config);
        assert_eq!(saved.epochs.len(), orig.epochs.len());
        assert_eq!(loaded.model.kind, kind);
        let a = reconstruction_errors(&trained, &images, 40).unwrap();
        let b = reconstruction_errors(&loaded.model, &images, 40).unwrap();
        assert_eq!(a, b, "{kind} on {dataset}");
        // Only the two final files remain (atomic writes leave no temporaries).
        assert!(path.exists() && aerepro::store::layout::weights_sidecar(&path).exists());
    }
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 6, "{names:?}");
}

#[test]
fn scores_are_batch_size_independent_and_match_error_maps() {
    let _g = common::seed_lock();
    let images = common::synthetic_images(DatasetKind::Mnist, 50);
    let mut cfg = TrainConfig {
        epochs: 1,
        batch_size: 25,
        seed: 1,
        threads: Some(1),
        ..Default::default()
    };
    cfg.collapse.min_steps = usize::MAX;
    let t = common::train_on_cpu(ModelKind::Vae, DatasetKind::Mnist, &images, &cfg).unwrap();
    let a = reconstruction_errors(&t, &images, 7).unwrap();
    let b = reconstruction_errors(&t, &images, 50).unwrap();
    assert_eq!(a.len(), 50);
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() < 1e-6);
    }
    let maps = aerepro::score::error_maps(&t, &images, 16).unwrap();
    assert_eq!(maps.size(), vec![50, 1, 28, 28]);
    let from_maps =
        Vec::<f64>::try_from(maps.flatten(1, -1).mean_dim(1, false, tch::Kind::Double)).unwrap();
    for (x, y) in a.iter().zip(&from_maps) {
        assert!((x - y).abs() < 1e-6);
    }
    let recon = aerepro::score::reconstruct(&t, &images, 16).unwrap();
    assert_eq!(recon.size(), images.size());
}
