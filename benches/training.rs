//! Cost-benefit benchmarks (issue 6): one training step (forward, loss, backward, optimizer; the
//! AAE's step includes its critic and generator steps) per model × dataset at batch 128 on real
//! images, scoring throughput (images/s, no grad), a LeakyReLU micro-benchmark, and the per-step
//! cost ratios VAE/CAE and AAE/CAE beside the paper's.
//!
//! `cargo bench --bench training` runs the criterion benchmarks (a few minutes on 2 CPU cores).
//! `cargo bench --bench training -- --throughput [--dataset mnist|cifar10]… [--model cae|vae|aae]…
//! [--steps 32] [--warmup 5] [--threads 2] [--layout channels-last|contiguous] [--score-images 2048]
//! [--score-batch 512] [--cpu-time]`
//! skips criterion and prints one JSON object per line, the same fields as
//! `ci/torch_reference.py --throughput` (used by `ci/side_by_side.sh`); `--cpu-time` adds CPU
//! seconds per step (robust to other processes' load at 1 thread).
//!
//! Environment: `AEREPRO_BENCH_THREADS` (default 2, `tch::set_num_threads`), `AEREPRO_BENCH_DEVICE`
//! (`auto` default: CUDA when present, else CPU; or `cpu` / `cuda`), `AEREPRO_BENCH_LAYOUT`
//! (`channels-last` default or `contiguous`: the models' activation layout), `AEREPRO_DATA_DIR`
//! (default `data/`). Without the data (ci/setup-data.sh) the benchmarks say so and exit 0.
//!
//! A training step is timed through the public API: `train::train_model` for one epoch over
//! `k·128` images, taking the epoch's optimizer-step seconds from its report (`EpochStats::seconds`
//! excludes building the model and the after-epoch collapse probe). The process is warmed up first,
//! so the oneDNN primitives and the allocator caches are hot.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use aerepro::data::{default_data_dir, load_split, DatasetKind};
use aerepro::model::aten::leaky_relu;
use aerepro::model::{ActivationLayout, ModelKind, LEAKY_RELU_SLOPE};
use aerepro::score::reconstruction_errors;
use aerepro::step_cost::{measure_step_costs, StepCostOptions};
use aerepro::train::{train_model, TrainConfig, TrainedModel};
use clap::ValueEnum;
use criterion::{Criterion, SamplingMode, Throughput};
use tch::{Device, Kind, Tensor};

/// Minibatch size of every training benchmark (the paper's).
const BATCH: i64 = 128;
const DATASETS: [DatasetKind; 2] = [DatasetKind::Mnist, DatasetKind::Cifar10];

fn slug(d: DatasetKind) -> &'static str {
    match d {
        DatasetKind::Mnist => "mnist",
        DatasetKind::Cifar10 => "cifar10",
    }
}

fn env_threads() -> i32 {
    std::env::var("AEREPRO_BENCH_THREADS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2)
}

fn env_layout() -> ActivationLayout {
    match std::env::var("AEREPRO_BENCH_LAYOUT") {
        Ok(name) => ActivationLayout::from_str(&name, true)
            .unwrap_or_else(|e| panic!("AEREPRO_BENCH_LAYOUT: {e}")),
        Err(_) => ActivationLayout::default(),
    }
}

fn env_device() -> Device {
    match std::env::var("AEREPRO_BENCH_DEVICE").as_deref() {
        Ok("cpu") => Device::Cpu,
        Ok("cuda") => Device::Cuda(0),
        _ => Device::cuda_if_available(),
    }
}

fn device_label(device: Device) -> String {
    match device {
        Device::Cpu => format!("CPU, {} intra-op threads", tch::get_num_threads()),
        Device::Cuda(i) => format!("CUDA:{i}"),
        other => format!("{other:?}"),
    }
}

/// One dataset's images: the normal class's training images and the test images (CPU).
struct Data {
    kind: DatasetKind,
    train: Tensor,
    test: Tensor,
}

fn load(kind: DatasetKind) -> Option<Data> {
    match load_split(kind, &default_data_dir(), kind.paper_normal_class()) {
        Ok(split) => Some(Data {
            kind,
            train: split.train,
            test: split.test_images,
        }),
        Err(e) => {
            eprintln!("bench: skipping {kind}: {e} (run ci/setup-data.sh)");
            None
        }
    }
}

fn config(threads: i32) -> TrainConfig {
    let mut cfg = TrainConfig {
        epochs: 1,
        batch_size: BATCH,
        threads: Some(threads),
        seed: 42,
        ..TrainConfig::default()
    };
    cfg.model.layout = env_layout();
    // Never judge collapse in a benchmark (a few steps from random init).
    cfg.collapse.min_steps = usize::MAX;
    cfg
}

/// Trains a fresh `kind` model for one epoch over the first `batches` full minibatches.
fn train_batches(data: &Data, kind: ModelKind, batches: i64, device: Device) -> TrainedModel {
    let images = data.train.narrow(0, 0, batches * BATCH);
    train_model(
        kind,
        data.kind,
        &images,
        &config(env_threads()),
        device,
        None,
    )
    .unwrap_or_else(|e| panic!("training {kind} on {}: {e}", data.kind))
}

/// Seconds spent in `steps` optimizer steps (fresh models, one epoch per call).
fn step_seconds(data: &Data, kind: ModelKind, steps: u64, device: Device) -> f64 {
    let full = data.train.size()[0] / BATCH;
    let mut left = steps as i64;
    let mut secs = 0.0;
    while left > 0 {
        let k = left.min(full);
        let trained = train_batches(data, kind, k, device);
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
/// (cancels building the model and the after-epoch probe). Robust to other processes' load when
/// run with 1 thread; with more threads it includes OpenMP's spin-waiting.
fn cpu_seconds_per_step(data: &Data, kind: ModelKind, steps: i64, device: Device) -> Option<f64> {
    let steps = steps.min(data.train.size()[0] / BATCH);
    if steps < 2 {
        return None;
    }
    let c0 = process_cpu_seconds()?;
    train_batches(data, kind, 1, device);
    let c1 = process_cpu_seconds()?;
    train_batches(data, kind, steps, device);
    let c2 = process_cpu_seconds()?;
    Some(((c2 - c1) - (c1 - c0)) / (steps - 1) as f64)
}

fn score_seconds(model: &TrainedModel, images: &Tensor, batch: i64) -> f64 {
    let start = Instant::now();
    let scores = reconstruction_errors(model, images, batch).expect("scoring");
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(scores.len() as i64, images.size()[0]);
    secs
}

/// Prints the per-step cost ratios VAE/CAE and AAE/CAE beside the paper's.
fn print_ratios(per_step: &HashMap<(DatasetKind, ModelKind), f64>, device: Device) {
    println!();
    println!(
        "per-step training cost ratios, batch {BATCH}, {} (paper: its own GPU run's training seconds)",
        device_label(device)
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
            slug(ds),
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

// ------------------------------------------------------------------------------- throughput mode

struct ThroughputArgs {
    datasets: Vec<DatasetKind>,
    models: Vec<ModelKind>,
    steps: u64,
    warmup: i64,
    score_images: i64,
    score_batch: i64,
    cpu_time: bool,
}

fn parse_throughput_args(args: &[String]) -> ThroughputArgs {
    let mut t = ThroughputArgs {
        datasets: Vec::new(),
        models: Vec::new(),
        steps: 32,
        warmup: 5,
        score_images: 2048,
        score_batch: 512,
        cpu_time: false,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = || {
            it.next()
                .unwrap_or_else(|| panic!("{a} needs a value"))
                .clone()
        };
        match a.as_str() {
            "--throughput" | "--bench" => {}
            "--dataset" => t.datasets.push(match val().as_str() {
                "mnist" => DatasetKind::Mnist,
                "cifar10" | "cifar-10" => DatasetKind::Cifar10,
                other => panic!("unknown dataset {other}"),
            }),
            "--model" => t.models.push(match val().as_str() {
                "cae" => ModelKind::Cae,
                "vae" => ModelKind::Vae,
                "aae" => ModelKind::Aae,
                other => panic!("unknown model {other}"),
            }),
            "--steps" => t.steps = val().parse().expect("--steps N"),
            "--warmup" => t.warmup = val().parse().expect("--warmup N"),
            "--threads" => std::env::set_var("AEREPRO_BENCH_THREADS", val()),
            "--layout" => std::env::set_var("AEREPRO_BENCH_LAYOUT", val()),
            "--score-images" => t.score_images = val().parse().expect("--score-images N"),
            "--score-batch" => t.score_batch = val().parse().expect("--score-batch N"),
            "--cpu-time" => t.cpu_time = true,
            other => panic!("unknown argument {other}"),
        }
    }
    if t.datasets.is_empty() {
        t.datasets = DATASETS.to_vec();
    }
    if t.models.is_empty() {
        t.models = ModelKind::ALL.to_vec();
    }
    t
}

fn throughput(args: &[String]) {
    let t = parse_throughput_args(args);
    let threads = env_threads();
    tch::set_num_threads(threads);
    let device = env_device();
    eprintln!("aerepro throughput: {}", device_label(device));
    let mut per_step = HashMap::new();
    for ds in &t.datasets {
        let Some(data) = load(*ds) else { continue };
        let score_imgs = data
            .test
            .narrow(0, 0, t.score_images.min(data.test.size()[0]));
        for &kind in &t.models {
            if t.warmup > 0 {
                step_seconds(&data, kind, t.warmup as u64, device);
            }
            let secs = step_seconds(&data, kind, t.steps, device);
            per_step.insert((*ds, kind), secs / t.steps as f64);
            let cpu = if t.cpu_time {
                cpu_seconds_per_step(&data, kind, t.steps as i64, device)
            } else {
                None
            };
            println!(
                "{}",
                serde_json::json!({
                    "impl": "aerepro", "mode": "train", "dataset": slug(*ds), "model": kind.slug(),
                    "batch": BATCH, "threads": tch::get_num_threads(), "device": format!("{device:?}"),
                    "layout": env_layout(), "steps": t.steps, "seconds": secs,
                    "images_per_s": (t.steps as i64 * BATCH) as f64 / secs,
                    "step_ms": 1e3 * secs / t.steps as f64,
                    "cpu_step_ms": cpu.map(|c| 1e3 * c),
                    "cpu_images_per_s": cpu.map(|c| BATCH as f64 / c),
                })
            );
            if t.score_images > 0 {
                let model = train_batches(&data, kind, 1, device);
                let warm = (2 * BATCH).min(score_imgs.size()[0]);
                score_seconds(&model, &score_imgs.narrow(0, 0, warm), t.score_batch);
                let secs = score_seconds(&model, &score_imgs, t.score_batch);
                println!(
                    "{}",
                    serde_json::json!({
                        "impl": "aerepro", "mode": "score", "dataset": slug(*ds),
                        "model": kind.slug(), "batch": t.score_batch,
                        "threads": tch::get_num_threads(), "device": format!("{device:?}"),
                        "images": score_imgs.size()[0], "seconds": secs,
                        "images_per_s": score_imgs.size()[0] as f64 / secs,
                    })
                );
            }
        }
    }
    if t.models.len() == 3 {
        print_ratios(&per_step, device);
    }
}

// ---------------------------------------------------------------------------- criterion benches

fn bench_training(c: &mut Criterion, data: &Data, device: Device) {
    let mut g = c.benchmark_group(format!("train_step_b{BATCH}/{}", slug(data.kind)));
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(BATCH as u64));
    for kind in ModelKind::ALL {
        g.bench_function(kind.slug(), |b| {
            b.iter_custom(|iters| Duration::from_secs_f64(step_seconds(data, kind, iters, device)))
        });
    }
    g.finish();
}

fn bench_scoring(c: &mut Criterion, data: &Data, device: Device) {
    const SCORE_IMAGES: i64 = 2048;
    const SCORE_BATCH: i64 = 512;
    let images = data
        .test
        .narrow(0, 0, SCORE_IMAGES.min(data.test.size()[0]));
    let mut g = c.benchmark_group(format!("score_b{SCORE_BATCH}/{}", slug(data.kind)));
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Elements(images.size()[0] as u64));
    for kind in ModelKind::ALL {
        let model = train_batches(data, kind, 1, device);
        g.bench_function(kind.slug(), |b| {
            b.iter(|| reconstruction_errors(&model, &images, SCORE_BATCH).expect("scoring"))
        });
    }
    g.finish();
}

/// LeakyReLU(0.2) forward + backward on MNIST conv1's activation (128×16×28×28): the model's
/// one-kernel call (tch binds `leaky_relu` only with slope 0.01) against the compositions of bound
/// operations it replaced (README, "Performance").
fn bench_leaky_relu(c: &mut Criterion, device: Device) {
    let x = Tensor::randn([BATCH, 16, 28, 28], (Kind::Float, device)).set_requires_grad(true);
    let slope = Tensor::from_slice(&[LEAKY_RELU_SLOPE as f32]).to_device(device);
    let mut g = c.benchmark_group("leaky_relu_fwd_bwd/128x16x28x28");
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    let run = |y: Tensor| {
        y.sum(Kind::Float).backward();
    };
    g.bench_function(
        "leaky_relu(x,0.2) [model: 1 kernel via src/model/aten.cpp]",
        |b| b.iter(|| run(leaky_relu(&x, LEAKY_RELU_SLOPE))),
    );
    g.bench_function("prelu(x,0.2) [previous model]", |b| {
        b.iter(|| run(x.prelu(&slope)))
    });
    g.bench_function("maximum(x,0.2x) [first model version]", |b| {
        b.iter(|| run(x.maximum(&(&x * LEAKY_RELU_SLOPE))))
    });
    g.bench_function("leaky_relu slope 0.01 [tch's binding, ref]", |b| {
        b.iter(|| run(x.leaky_relu()))
    });
    g.bench_function("relu [ref]", |b| b.iter(|| run(x.relu())));
    g.finish();
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--throughput") {
        throughput(&args);
        return;
    }
    let threads = env_threads();
    tch::set_num_threads(threads);
    let device = env_device();
    println!(
        "aerepro training benchmarks on {} (set AEREPRO_BENCH_THREADS / AEREPRO_BENCH_DEVICE)",
        device_label(device)
    );
    let data: Vec<Data> = DATASETS.into_iter().filter_map(load).collect();
    let mut c = Criterion::default().configure_from_args();
    // Warm the process up (oneDNN primitive caches, allocator) before the first measurement.
    for d in &data {
        for kind in ModelKind::ALL {
            step_seconds(d, kind, 2, device);
        }
    }
    for d in &data {
        bench_training(&mut c, d, device);
    }
    for d in &data {
        bench_scoring(&mut c, d, device);
    }
    bench_leaky_relu(&mut c, device);
    c.final_summary();
    // The ratios come from the interleaved measurement claim C6 uses: criterion times the models one
    // after another, and on a shared machine that order biases ratios of a few percent.
    let options = StepCostOptions::default();
    let mut per_step = HashMap::new();
    for d in &data {
        let costs = measure_step_costs(d.kind, &d.train, &config(threads), device, options)
            .unwrap_or_else(|e| panic!("timing steps on {}: {e:#}", d.kind));
        let cae = costs.median_seconds()[&ModelKind::Cae];
        for (kind, ratio) in costs.relative_to_cae().expect("the CAE was timed") {
            per_step.insert((d.kind, kind), cae * ratio);
        }
    }
    if !per_step.is_empty() {
        print_ratios(&per_step, device);
        println!(
            "(interleaved: {} rounds × {} steps per model, order rotating; VAE and AAE ms are the CAE's \
             median × their median within-round ratio, as claim C6 reads them)",
            options.rounds, options.steps_per_round
        );
    }
}
