//! Writes an initial MNIST CAE (seed 0), a batch of 128 class-1 training images and its
//! reconstruction to `<out>/initial.safetensors`, and the same CAE after three Adam epochs on that
//! batch to `<out>/after3.safetensors`, printing the losses: the inputs of a numerical comparison
//! with an independent PyTorch implementation of the forward pass and the first optimizer steps.
//!
//! `cargo run --release --example dump_initial_cae -- --out /tmp/aecmp`
use std::path::PathBuf;

use aerepro::data::{default_data_dir, load_split, DatasetKind};
use aerepro::model::ModelKind;
use aerepro::train::{build_model, train_model, TrainConfig};
use anyhow::Context;
use clap::Parser;
use tch::{Device, Tensor};

#[derive(Debug, Parser)]
#[command(about = "Dump an initial MNIST CAE, a batch and its reconstruction for comparison")]
struct Args {
    /// Directory to write the two safetensors files to (created if missing).
    #[arg(long)]
    out: PathBuf,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    tch::set_num_threads(1);
    let (vs, model) = build_model(
        ModelKind::Cae,
        DatasetKind::Mnist,
        Default::default(),
        0,
        Device::Cpu,
    );
    let split = load_split(DatasetKind::Mnist, &default_data_dir(), 1)
        .context("loading MNIST (run ci/setup-data.sh)")?;
    let xs = split.train.narrow(0, 0, 128);
    let recon = tch::no_grad(|| model.reconstruct(&xs));
    let mut named: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
    named.push(("x".into(), xs.shallow_clone()));
    named.push(("recon".into(), recon));
    let refs: Vec<(&str, &Tensor)> = named.iter().map(|(n, t)| (n.as_str(), t)).collect();
    Tensor::write_safetensors(&refs, args.out.join("initial.safetensors"))?;
    let cfg = TrainConfig {
        epochs: 3,
        threads: Some(1),
        ..Default::default()
    };
    let trained = train_model(
        ModelKind::Cae,
        DatasetKind::Mnist,
        &xs,
        &cfg,
        Device::Cpu,
        None,
    )?;
    trained.vs.save(args.out.join("after3.safetensors"))?;
    let losses: Vec<f64> = trained
        .report
        .iter()
        .flat_map(|r| r.epochs.iter().map(|e| e.objective))
        .collect();
    println!("losses of the three epochs on 128 images: {losses:?}");
    println!("written to {}", args.out.display());
    Ok(())
}
