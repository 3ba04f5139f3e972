//! Trains one model with chosen training options and prints its per-epoch losses, the collapse
//! probe and, optionally, the test ROC-AUC of the normal class against each other class and
//! against all, beside that of the distance to the mean training image (the floor a model must
//! beat). The tool behind the measurements on the VAE objective, the weight initialization and the
//! output-bias initialization (docs/reproduction.md).
//!
//! `cargo run --release --example train_probe -- --model vae --vae-loss sum-squared-error
//! [--dataset mnist] [--class 1] [--epochs 5] [--limit N] [--init kaiming-uniform|torch-default]
//! [--beta 1] [--kl-warmup-epochs 0] [--no-output-bias-from-data] [--threads 2] [--seed 0]
//! [--no-auc]`
use aerepro::data::{default_data_dir, load_split, DatasetKind};
use aerepro::metrics::roc_auc;
use aerepro::model::{ModelKind, WeightInit};
use aerepro::score::reconstruction_errors;
use aerepro::train::{train_model, TrainConfig, VaeLoss};
use anyhow::Context;
use clap::Parser;
use tch::{Device, Kind};

#[derive(Debug, Parser)]
#[command(about = "Train one model and print its losses, collapse probe and ROC-AUCs")]
struct Args {
    #[arg(long, value_enum, default_value_t = ModelKind::Cae)]
    model: ModelKind,
    #[arg(long, value_enum, default_value_t = DatasetKind::Mnist)]
    dataset: DatasetKind,
    /// Normal class (default: the paper's, 1 for MNIST, 5 = dog for CIFAR-10).
    #[arg(long)]
    class: Option<u8>,
    #[arg(long, default_value_t = 5)]
    epochs: usize,
    /// Train on the first N images of the class only.
    #[arg(long)]
    limit: Option<i64>,
    #[arg(long, value_enum, default_value_t = WeightInit::default())]
    init: WeightInit,
    #[arg(long, value_enum, default_value_t = VaeLoss::default())]
    vae_loss: VaeLoss,
    #[arg(long, default_value_t = 1.0)]
    beta: f64,
    #[arg(long, default_value_t = 0)]
    kl_warmup_epochs: usize,
    /// Leave the output bias at 0 instead of the logit of the mean training intensity.
    #[arg(long)]
    no_output_bias_from_data: bool,
    #[arg(long, default_value_t = 2)]
    threads: i32,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Skip scoring the test set.
    #[arg(long)]
    no_auc: bool,
}

/// ROC-AUC of `scores` for the test images of `normal` and `anomaly` (None: every other class).
fn auc_against(
    scores: &[f64],
    labels: &[u8],
    normal: u8,
    anomaly: Option<u8>,
) -> anyhow::Result<f64> {
    let (mut s, mut positive) = (Vec::new(), Vec::new());
    for (&score, &label) in scores.iter().zip(labels) {
        if label == normal || anomaly.is_none_or(|a| a == label) {
            s.push(score);
            positive.push(label != normal);
        }
    }
    Ok(roc_auc(&s, &positive)?)
}

fn auc_line(name: &str, scores: &[f64], labels: &[u8], normal: u8) -> anyhow::Result<String> {
    let mut line = format!("{name}:");
    for c in (0..10u8).filter(|&c| c != normal) {
        line += &format!(" {c}:{:.4}", auc_against(scores, labels, normal, Some(c))?);
    }
    line += &format!(" | all: {:.4}", auc_against(scores, labels, normal, None)?);
    Ok(line)
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let class = args.class.unwrap_or(args.dataset.paper_normal_class());
    let mut cfg = TrainConfig {
        epochs: args.epochs,
        seed: args.seed,
        threads: Some(args.threads),
        output_bias_from_data: !args.no_output_bias_from_data,
        ..Default::default()
    };
    cfg.model.init = args.init;
    cfg.vae.loss = args.vae_loss;
    cfg.vae.beta = args.beta;
    cfg.vae.kl_warmup_epochs = args.kl_warmup_epochs;
    let split = load_split(args.dataset, &default_data_dir(), class)
        .context("loading the data (run ci/setup-data.sh)")?;
    let n = args.limit.unwrap_or(i64::MAX).min(split.train.size()[0]);
    let train = split.train.narrow(0, 0, n);
    let trained = train_model(args.model, args.dataset, &train, &cfg, Device::Cpu, None)?;
    let report = trained
        .report
        .as_ref()
        .context("a fresh model has a report")?;
    println!(
        "{} {} class {class} n {} init {:?} output-bias-from-data {} vae {:?} beta {} warmup {} threads {}: mean-image MSE {:.5}",
        args.model, args.dataset, report.n_train, cfg.model.init, cfg.output_bias_from_data,
        cfg.vae.loss, cfg.vae.beta, cfg.vae.kl_warmup_epochs, report.threads, report.mean_image_mse
    );
    for e in &report.epochs {
        let d = &e.diagnostics;
        println!(
            "epoch {:3} obj {:.5} mse {:.5} kl {:?} critic {:?} gen {:?} | probe mse {:.5} ratio {:.3} spread {:.3} zstd {:.2e} collapsed {} | {:.1}s {:.0} img/s",
            e.epoch, e.objective, e.recon_mse, e.kl.map(|v| (v * 100.0).round() / 100.0),
            e.critic_loss, e.generator_loss, d.probe_mse, d.mse_ratio, d.output_spread,
            d.latent_std, d.collapsed, e.seconds, e.images_per_second
        );
    }
    println!(
        "collapse: {:?}; total {:.1}s, {:.0} img/s",
        report.collapse, report.total_seconds, report.images_per_second
    );
    if !args.no_auc {
        let scores = reconstruction_errors(&trained, &split.test_images, 512)?;
        let mean = train.mean_dim(0, true, Kind::Float);
        let mean_distance: Vec<f64> = Vec::try_from(
            (&split.test_images - &mean)
                .square()
                .flatten(1, -1)
                .mean_dim(1, false, Kind::Double),
        )?;
        let labels = &split.test_labels;
        println!("{}", auc_line("AUC vs class", &scores, labels, class)?);
        println!(
            "{}",
            auc_line("mean-image-distance AUC", &mean_distance, labels, class)?
        );
    }
    Ok(())
}
