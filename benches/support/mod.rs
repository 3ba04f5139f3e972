//! Timing helpers shared by the criterion benchmarks (`benches/training.rs`) and the throughput
//! tool (`examples/throughput.rs`).
//!
//! A training step is timed through the public API: `train::train_model` for one epoch over
//! `k·128` images, taking the epoch's optimizer-step seconds from its report (`EpochStats::seconds`
//! excludes building the model and the after-epoch collapse probe).

use std::collections::HashMap;

use aerepro::data::{default_data_dir, load_split, DatasetKind};
use aerepro::model::{ActivationLayout, ModelKind};
use aerepro::train::{train_model, TrainConfig, TrainedModel};
use tch::{Device, Tensor};

/// Minibatch size of every training measurement (the paper's).
pub const BATCH: i64 = 128;
pub const DATASETS: [DatasetKind; 2] = [DatasetKind::Mnist, DatasetKind::Cifar10];

/// Where and how the models run.
#[derive(Debug, Clone, Copy)]
pub struct Setup {
    pub device: Device,
    pub threads: i32,
    pub layout: ActivationLayout,
}

impl Setup {
    /// Sets libtorch's thread count and returns the setup.
    pub fn new(device: Device, threads: i32, layout: ActivationLayout) -> Setup {
        tch::set_num_threads(threads);
        Setup {
            device,
            threads,
            layout,
        }
    }

    /// "CPU, 2 intra-op threads" or "CUDA:0".
    pub fn device_label(&self) -> String {
        match self.device {
            Device::Cpu => format!("CPU, {} intra-op threads", tch::get_num_threads()),
            Device::Cuda(i) => format!("CUDA:{i}"),
            other => format!("{other:?}"),
        }
    }

    /// One epoch at batch 128, seed 42, collapse never judged (a few steps from random init).
    pub fn config(&self) -> TrainConfig {
        let mut cfg = TrainConfig {
            epochs: 1,
            batch_size: BATCH,
            threads: Some(self.threads),
            seed: 42,
            ..TrainConfig::default()
        };
        cfg.model.layout = self.layout;
        cfg.collapse.min_steps = usize::MAX;
        cfg
    }

    /// Trains a fresh `kind` model for one epoch over the first `batches` full minibatches.
    pub fn train_batches(&self, data: &Data, kind: ModelKind, batches: i64) -> TrainedModel {
        let images = data.train.narrow(0, 0, batches * BATCH);
        train_model(kind, data.kind, &images, &self.config(), self.device, None)
            .unwrap_or_else(|e| panic!("training {kind} on {}: {e}", data.kind))
    }

    /// Seconds spent in `steps` optimizer steps (fresh models, one epoch per call).
    pub fn step_seconds(&self, data: &Data, kind: ModelKind, steps: u64) -> f64 {
        let full = data.train.size()[0] / BATCH;
        let mut left = steps as i64;
        let mut secs = 0.0;
        while left > 0 {
            let k = left.min(full);
            let trained = self.train_batches(data, kind, k);
            secs += trained
                .report
                .as_ref()
                .and_then(|r| r.epochs.first())
                .map(|e| e.seconds)
                .expect("train_model reports its epoch");
            left -= k;
        }
        secs
    }
}

/// One dataset's images: the normal class's training images and the test images (CPU).
pub struct Data {
    pub kind: DatasetKind,
    pub train: Tensor,
    pub test: Tensor,
}

/// The paper's normal class of `kind` from `default_data_dir()`; None (with a message naming the
/// setup command) when the data is missing.
pub fn load(kind: DatasetKind) -> Option<Data> {
    match load_split(kind, &default_data_dir(), kind.paper_normal_class()) {
        Ok(split) => Some(Data {
            kind,
            train: split.train,
            test: split.test_images,
        }),
        Err(e) => {
            eprintln!("skipping {kind}: {e} (run ci/setup-data.sh)");
            None
        }
    }
}

/// Prints the per-step cost ratios VAE/CAE and AAE/CAE beside the paper's.
pub fn print_ratios(per_step: &HashMap<(DatasetKind, ModelKind), f64>, setup: &Setup) {
    println!();
    println!(
        "per-step training cost ratios, batch {BATCH}, {} (paper: its own GPU run's training seconds)",
        setup.device_label()
    );
    println!(
        "{:<9} {:>9} {:>9} {:>9} {:>9} {:>11} {:>9} {:>11}",
        "dataset", "CAE ms", "VAE ms", "AAE ms", "VAE/CAE", "paper V/C", "AAE/CAE", "paper A/C"
    );
    for ds in DATASETS {
        let (pv, pa) = aerepro::paper::cost_ratios(ds);
        let get = |k| per_step.get(&(ds, k)).copied();
        let (Some(c), Some(v), Some(a)) = (
            get(ModelKind::Cae),
            get(ModelKind::Vae),
            get(ModelKind::Aae),
        ) else {
            continue;
        };
        println!(
            "{:<9} {:>9.2} {:>9.2} {:>9.2} {:>9.3} {:>11.3} {:>9.3} {:>11.3}",
            ds.slug(),
            c * 1e3,
            v * 1e3,
            a * 1e3,
            v / c,
            pv,
            a / c,
            pa
        );
    }
}
