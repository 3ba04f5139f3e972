//! Measurement harness (ignored by default; run explicitly). Configure with environment variables:
//!
//! `LAB_KIND=cae|vae|aae LAB_DATASET=mnist|cifar10 LAB_CLASS=1 LAB_EPOCHS=5 LAB_N=<limit>
//! LAB_INIT=kaiming-uniform|torch-default LAB_VAE_LOSS=calibrated-gaussian|sum-squared-error|mean-squared-error
//! LAB_BETA=1 LAB_WARMUP=0 LAB_OUTPUT_BIAS=1 LAB_THREADS=2 LAB_SEED=0 LAB_AUC=1
//! cargo test --test train_lab -- --ignored --nocapture lab`
mod common;

use aerepro::data::{default_data_dir, load_split, DatasetKind};
use aerepro::model::{ModelKind, WeightInit};
use aerepro::score::reconstruction_errors;
use aerepro::train::{train_model, TrainConfig, VaeLoss};
use clap::ValueEnum;
use tch::Device;

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

fn parse<T: ValueEnum>(name: &str, default: &str) -> T {
    T::from_str(&env_or(name, default), true).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
#[ignore]
fn lab() {
    let _g = common::seed_lock();
    let kind: ModelKind = parse("LAB_KIND", "cae");
    let dataset: DatasetKind = parse("LAB_DATASET", "mnist");
    let class: u8 = env_or("LAB_CLASS", "1").parse().unwrap();
    let mut cfg = TrainConfig {
        epochs: env_or("LAB_EPOCHS", "5").parse().unwrap(),
        seed: env_or("LAB_SEED", "0").parse().unwrap(),
        threads: Some(env_or("LAB_THREADS", "2").parse().unwrap()),
        ..Default::default()
    };
    cfg.model.init = parse::<WeightInit>("LAB_INIT", "kaiming-uniform");
    cfg.vae.loss = parse::<VaeLoss>("LAB_VAE_LOSS", "calibrated-gaussian");
    cfg.vae.beta = env_or("LAB_BETA", "1").parse().unwrap();
    cfg.vae.kl_warmup_epochs = env_or("LAB_WARMUP", "0").parse().unwrap();
    cfg.output_bias_from_data = env_or("LAB_OUTPUT_BIAS", "1") == "1";
    let split = load_split(dataset, &default_data_dir(), class).expect("data");
    let n: i64 = env_or("LAB_N", "1000000").parse().unwrap();
    let train = split.train.narrow(0, 0, n.min(split.train.size()[0]));
    let trained = train_model(kind, dataset, &train, &cfg, Device::Cpu, None).expect("train");
    let report = trained.report.as_ref().unwrap();
    println!(
        "LAB {kind} {dataset} class {class} n {} init {:?} output-bias-from-data {} vae {:?} beta {} warmup {} threads {}: mean-image MSE {:.5}",
        report.n_train, cfg.model.init, cfg.output_bias_from_data, cfg.vae.loss, cfg.vae.beta, cfg.vae.kl_warmup_epochs, report.threads, report.mean_image_mse
    );
    for e in &report.epochs {
        let d = &e.diagnostics;
        println!(
            "epoch {:3} obj {:.5} mse {:.5} kl {:?} critic {:?} gen {:?} | probe mse {:.5} ratio {:.3} spread {:.3} zstd {:.2e} collapsed {} | {:.1}s {:.0} img/s",
            e.epoch, e.objective, e.recon_mse, e.kl.map(|v| (v * 100.0).round() / 100.0), e.critic_loss, e.generator_loss,
            d.probe_mse, d.mse_ratio, d.output_spread, d.latent_std, d.collapsed, e.seconds, e.images_per_second
        );
    }
    println!(
        "collapse: {:?}; total {:.1}s, {:.0} img/s",
        report.collapse, report.total_seconds, report.images_per_second
    );
    if env_or("LAB_AUC", "1") == "1" {
        let scores = reconstruction_errors(&trained, &split.test_images, 512).unwrap();
        let labels = &split.test_labels;
        let mut line = String::from("AUC vs class:");
        let mut mean_line = String::from("mean-image-distance AUC:");
        let mean = train.mean_dim(0, true, tch::Kind::Float);
        let base: Vec<f64> = Vec::try_from(
            (&split.test_images - &mean)
                .square()
                .flatten(1, -1)
                .mean_dim(1, false, tch::Kind::Double),
        )
        .unwrap();
        for c in 0..10u8 {
            if c == class {
                continue;
            }
            let (mut s, mut p, mut b) = (Vec::new(), Vec::new(), Vec::new());
            for (i, &l) in labels.iter().enumerate() {
                if l == class || l == c {
                    s.push(scores[i]);
                    b.push(base[i]);
                    p.push(l == c);
                }
            }
            line += &format!(" {c}:{:.4}", common::roc_auc(&s, &p));
            mean_line += &format!(" {c}:{:.4}", common::roc_auc(&b, &p));
        }
        let all: Vec<bool> = labels.iter().map(|&l| l != class).collect();
        println!("{line} | all: {:.4}", common::roc_auc(&scores, &all));
        println!("{mean_line} | all: {:.4}", common::roc_auc(&base, &all));
    }
}

/// Dumps an initial MNIST CAE, a batch and its reconstruction to /tmp/aecmp.safetensors for a
/// numerical comparison with an independent PyTorch build.
#[test]
#[ignore]
fn dump_for_comparison() {
    let _g = common::seed_lock();
    tch::set_num_threads(1);
    let (vs, model) = aerepro::train::build_model(
        ModelKind::Cae,
        DatasetKind::Mnist,
        Default::default(),
        0,
        Device::Cpu,
    );
    let split = load_split(DatasetKind::Mnist, &default_data_dir(), 1).unwrap();
    let xs = split.train.narrow(0, 0, 128);
    let recon = tch::no_grad(|| model.reconstruct(&xs));
    let mut named: Vec<(String, tch::Tensor)> = vs.variables().into_iter().collect();
    named.push(("x".into(), xs.shallow_clone()));
    named.push(("recon".into(), recon));
    let refs: Vec<(&str, &tch::Tensor)> = named.iter().map(|(n, t)| (n.as_str(), t)).collect();
    tch::Tensor::write_safetensors(&refs, "/tmp/aecmp.safetensors").unwrap();
    let cfg = TrainConfig {
        epochs: 3,
        threads: Some(1),
        ..Default::default()
    };
    let one = train_model(
        ModelKind::Cae,
        DatasetKind::Mnist,
        &xs,
        &cfg,
        Device::Cpu,
        None,
    )
    .unwrap();
    one.vs.save("/tmp/aecmp_after3.safetensors").unwrap();
    println!(
        "losses 128 imgs: {:?}",
        one.report
            .unwrap()
            .epochs
            .iter()
            .map(|e| e.objective)
            .collect::<Vec<_>>()
    );
    let cfg = TrainConfig {
        epochs: 1,
        threads: Some(1),
        ..Default::default()
    };
    let small = split.train.narrow(0, 0, 1280);
    let t = train_model(
        ModelKind::Cae,
        DatasetKind::Mnist,
        &small,
        &cfg,
        Device::Cpu,
        None,
    )
    .unwrap();
    println!(
        "epoch-1 mean loss on 1280 (10 steps): {}",
        t.report.unwrap().epochs[0].objective
    );
}

/// CPU training throughput per dataset × model (batch 128, `LAB_THREADS` threads, default 2):
/// `LAB_N` images (default 1280 = 10 steps) for 2 epochs, epoch 2 reported.
#[test]
#[ignore]
fn throughput() {
    let _g = common::seed_lock();
    let n: i64 = env_or("LAB_N", "1280").parse().unwrap();
    for dataset in [DatasetKind::Mnist, DatasetKind::Cifar10] {
        let class = dataset.paper_normal_class();
        let images = common::real_train_images(dataset, class, n);
        for kind in ModelKind::ALL {
            let mut cfg = TrainConfig {
                epochs: 2,
                threads: Some(env_or("LAB_THREADS", "2").parse().unwrap()),
                ..Default::default()
            };
            cfg.collapse.min_steps = usize::MAX;
            let t = train_model(kind, dataset, &images, &cfg, Device::Cpu, None).unwrap();
            let r = t.report.unwrap();
            println!(
                "THROUGHPUT {dataset} {kind}: {:.0} img/s (epoch 1 {:.0}), {} threads",
                r.epochs[1].images_per_second, r.epochs[0].images_per_second, r.threads
            );
        }
    }
}
