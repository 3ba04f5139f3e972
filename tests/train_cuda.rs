//! The CUDA path: compiled always, ignored by default because it needs a GPU. On a GPU machine
//! with the CUDA libtorch: `cargo test --test train_cuda -- --ignored`.
mod common;

use std::time::Instant;

use aerepro::data::DatasetKind;
use aerepro::model::ModelKind;
use aerepro::score::reconstruction_errors;
use aerepro::train::{train_model, TrainConfig};
use tch::{nn, Device};

#[test]
#[ignore = "needs CUDA: run with --ignored on a GPU machine"]
fn trains_and_scores_on_cuda_like_on_cpu() {
    assert!(
        tch::Cuda::is_available(),
        "libtorch sees no CUDA device (on a GPU machine: AEREPRO_LIBTORCH=cuda ci/setup-libtorch.sh)"
    );
    let _g = common::seed_lock();
    for dataset in [DatasetKind::Mnist, DatasetKind::Cifar10] {
        let images = common::synthetic_images(dataset, 1024);
        for kind in ModelKind::ALL {
            let mut cfg = TrainConfig {
                epochs: 2,
                seed: 7,
                ..Default::default()
            };
            cfg.collapse.min_steps = usize::MAX;
            let start = Instant::now();
            let t = train_model(kind, dataset, &images, &cfg, Device::Cuda(0), None).unwrap();
            let report = t.report.as_ref().unwrap();
            assert_eq!(report.device, "Cuda(0)");
            eprintln!(
                "CUDA {kind} {dataset}: epoch 2 {:.0} img/s, objective {:.5} ({:.1}s)",
                report.epochs[1].images_per_second,
                report.epochs[1].objective,
                start.elapsed().as_secs_f64()
            );
            let gpu = reconstruction_errors(&t, &images, 256).unwrap();
            // The same weights on the CPU score the same up to float differences.
            let mut cpu_vs = nn::VarStore::new(Device::Cpu);
            let cpu_model =
                aerepro::model::Autoencoder::new(&cpu_vs.root(), kind, dataset, cfg.model);
            cpu_vs.copy(&t.vs).unwrap();
            let cpu = reconstruction_errors(&cpu_model, &images, 256).unwrap();
            for (g, c) in gpu.iter().zip(&cpu) {
                assert!(
                    (g - c).abs() <= 1e-4 * c.abs().max(1e-3),
                    "{kind} {dataset}: {g} vs {c}"
                );
            }
        }
    }
}
