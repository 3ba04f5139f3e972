//! Training and scoring throughput per dataset × model, one JSON object per line with the same
//! fields as `ci/torch_reference.py --throughput`, so that `ci/side_by_side.sh` and
//! `ci/layout_ab.sh` can put the two implementations side by side.
//!
//! `cargo run --release --example throughput -- [--dataset mnist|cifar10]… [--model cae|vae|aae]…
//! [--steps 32] [--warmup 5] [--threads 2] [--device auto|cpu|cuda]
//! [--layout channels-last|contiguous] [--score-images 2048] [--score-batch 512] [--cpu-time]`
//!
//! With all three models it ends with the per-step cost ratios VAE/CAE and AAE/CAE beside the
//! paper's. Needs the data of ci/setup-data.sh (a dataset without data is skipped with a message).
#[path = "../benches/support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::time::Instant;

use aerepro::data::DatasetKind;
use aerepro::device::DeviceChoice;
use aerepro::model::{ActivationLayout, ModelKind};
use aerepro::score::reconstruction_errors;
use aerepro::train::TrainedModel;
use clap::Parser;
use support::{Data, Setup, BATCH, DATASETS};
use tch::Tensor;

#[derive(Debug, Parser)]
#[command(about = "Training and scoring throughput of aerepro, one JSON line per measurement")]
struct Args {
    /// Dataset (repeatable; default both).
    #[arg(long = "dataset", value_enum)]
    datasets: Vec<DatasetKind>,
    /// Model (repeatable; default all three).
    #[arg(long = "model", value_enum)]
    models: Vec<ModelKind>,
    /// Timed training steps per model.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u64).range(1..))]
    steps: u64,
    /// Untimed training steps before the timed ones.
    #[arg(long, default_value_t = 5)]
    warmup: u64,
    /// libtorch intra-op threads.
    #[arg(long, default_value_t = 2)]
    threads: i32,
    /// Where the models run.
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    device: DeviceChoice,
    /// Memory layout of the convolution activations.
    #[arg(long, value_enum, default_value_t = ActivationLayout::default())]
    layout: ActivationLayout,
    /// Test images scored per model (0: no scoring measurement).
    #[arg(long, default_value_t = 2048)]
    score_images: i64,
    /// Scoring batch size.
    #[arg(long, default_value_t = 512, value_parser = clap::value_parser!(i64).range(1..))]
    score_batch: i64,
    /// Also report CPU seconds per step (user + system of all threads; robust to other
    /// processes' load at 1 thread).
    #[arg(long)]
    cpu_time: bool,
}

/// Seconds to score `images` with `model` in batches of `batch`.
pub fn score_seconds(model: &TrainedModel, images: &Tensor, batch: i64) -> f64 {
    let start = Instant::now();
    let scores = reconstruction_errors(model, images, batch).expect("scoring");
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(scores.len() as i64, images.size()[0]);
    secs
}

/// CPU seconds (user + system, all threads) of this process so far, from /proc/self/stat (clock
/// ticks, assumed 100 Hz); None where /proc is unavailable.
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // After the comm field: state is field 3, utime 14, stime 15 (1-based in proc(5)).
    let utime: f64 = f.get(11)?.parse().ok()?;
    let stime: f64 = f.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// CPU seconds per training step, as the difference of two fresh runs of `steps` and 1 steps
/// (cancels building the model and the after-epoch probe). With more than one thread it includes
/// OpenMP's spin-waiting.
fn cpu_seconds_per_step(setup: &Setup, data: &Data, kind: ModelKind, steps: i64) -> Option<f64> {
    let steps = steps.min(data.train.size()[0] / BATCH);
    if steps < 2 {
        return None;
    }
    let c0 = process_cpu_seconds()?;
    setup.train_batches(data, kind, 1);
    let c1 = process_cpu_seconds()?;
    setup.train_batches(data, kind, steps);
    let c2 = process_cpu_seconds()?;
    Some(((c2 - c1) - (c1 - c0)) / (steps - 1) as f64)
}

fn main() -> anyhow::Result<()> {
    let mut args = Args::parse();
    if args.datasets.is_empty() {
        args.datasets = DATASETS.to_vec();
    }
    if args.models.is_empty() {
        args.models = ModelKind::ALL.to_vec();
    }
    let setup = Setup::new(args.device.resolve()?, args.threads, args.layout);
    eprintln!("aerepro throughput: {}", setup.device_label());
    let device = format!("{:?}", setup.device);
    let mut per_step = HashMap::new();
    for &dataset in &args.datasets {
        let Some(data) = support::load(dataset) else {
            continue;
        };
        let score_images = data
            .test
            .narrow(0, 0, args.score_images.min(data.test.size()[0]));
        for &kind in &args.models {
            if args.warmup > 0 {
                setup.step_seconds(&data, kind, args.warmup);
            }
            let secs = setup.step_seconds(&data, kind, args.steps);
            per_step.insert((dataset, kind), secs / args.steps as f64);
            let cpu = args
                .cpu_time
                .then(|| cpu_seconds_per_step(&setup, &data, kind, args.steps as i64))
                .flatten();
            println!(
                "{}",
                serde_json::json!({
                    "impl": "aerepro", "mode": "train", "dataset": dataset.slug(), "model": kind.slug(),
                    "batch": BATCH, "threads": tch::get_num_threads(), "device": device,
                    "layout": args.layout, "steps": args.steps, "seconds": secs,
                    "images_per_s": (args.steps as i64 * BATCH) as f64 / secs,
                    "step_ms": 1e3 * secs / args.steps as f64,
                    "cpu_step_ms": cpu.map(|c| 1e3 * c),
                    "cpu_images_per_s": cpu.map(|c| BATCH as f64 / c),
                })
            );
            if args.score_images > 0 {
                let model = setup.train_batches(&data, kind, 1);
                let warm = (2 * BATCH).min(score_images.size()[0]);
                score_seconds(&model, &score_images.narrow(0, 0, warm), args.score_batch);
                let secs = score_seconds(&model, &score_images, args.score_batch);
                println!(
                    "{}",
                    serde_json::json!({
                        "impl": "aerepro", "mode": "score", "dataset": dataset.slug(),
                        "model": kind.slug(), "batch": args.score_batch,
                        "threads": tch::get_num_threads(), "device": device,
                        "images": score_images.size()[0], "seconds": secs,
                        "images_per_s": score_images.size()[0] as f64 / secs,
                    })
                );
            }
        }
    }
    if args.models.len() == 3 {
        support::print_ratios(&per_step, &setup);
    }
    Ok(())
}
