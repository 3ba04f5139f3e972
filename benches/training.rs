//! Criterion benchmarks of training and scoring: one training step (forward, loss, backward,
//! optimizer; the AAE's step includes its critic and generator steps) per model × dataset at batch
//! 128 on real images, scoring throughput (images/s, no grad), a LeakyReLU micro-benchmark, and
//! the per-step cost ratios VAE/CAE and AAE/CAE beside the paper's.
//!
//! `cargo bench --bench training` (a few minutes on 2 CPU cores). Environment:
//! `AEREPRO_BENCH_THREADS` (default 2), `AEREPRO_BENCH_DEVICE` (`auto` default, `cpu`, `cuda`),
//! `AEREPRO_BENCH_LAYOUT` (`channels-last` default, `contiguous`), `AEREPRO_DATA_DIR` (default
//! `data/`). Without the data (ci/setup-data.sh) the benchmarks say so and exit 0. The
//! one-line-per-measurement JSON tool the comparison scripts use is `examples/throughput.rs`.
mod support;

use std::collections::HashMap;
use std::time::Duration;

use aerepro::device::DeviceChoice;
use aerepro::model::aten::leaky_relu;
use aerepro::model::{ActivationLayout, ModelKind, LEAKY_RELU_SLOPE};
use aerepro::run::step_cost::{measure_step_costs, StepCostOptions};
use aerepro::score::reconstruction_errors;
use clap::ValueEnum;
use criterion::{Criterion, SamplingMode, Throughput};
use support::{Data, Setup, BATCH, DATASETS};
use tch::{Kind, Tensor};

/// `name` parsed as a clap value, `default` when unset; panics naming the variable when invalid.
fn env_value<T: ValueEnum>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(value) => T::from_str(&value, true).unwrap_or_else(|e| panic!("{name}: {e}")),
        Err(_) => default,
    }
}

fn setup_from_env() -> Setup {
    let threads = match std::env::var("AEREPRO_BENCH_THREADS") {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("AEREPRO_BENCH_THREADS: expected a whole number, got {v}")),
        Err(_) => 2,
    };
    let device = env_value("AEREPRO_BENCH_DEVICE", DeviceChoice::Auto)
        .resolve()
        .unwrap_or_else(|e| panic!("AEREPRO_BENCH_DEVICE: {e}"));
    let layout = env_value("AEREPRO_BENCH_LAYOUT", ActivationLayout::default());
    Setup::new(device, threads, layout)
}

fn bench_training(c: &mut Criterion, data: &Data, setup: &Setup) {
    let mut g = c.benchmark_group(format!("train_step_b{BATCH}/{}", data.kind.slug()));
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(BATCH as u64));
    for kind in ModelKind::ALL {
        g.bench_function(kind.slug(), |b| {
            b.iter_custom(|iters| Duration::from_secs_f64(setup.step_seconds(data, kind, iters)))
        });
    }
    g.finish();
}

fn bench_scoring(c: &mut Criterion, data: &Data, setup: &Setup) {
    const SCORE_IMAGES: i64 = 2048;
    const SCORE_BATCH: i64 = 512;
    let images = data
        .test
        .narrow(0, 0, SCORE_IMAGES.min(data.test.size()[0]));
    let mut g = c.benchmark_group(format!("score_b{SCORE_BATCH}/{}", data.kind.slug()));
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Elements(images.size()[0] as u64));
    for kind in ModelKind::ALL {
        let model = setup.train_batches(data, kind, 1);
        g.bench_function(kind.slug(), |b| {
            b.iter(|| reconstruction_errors(&model, &images, SCORE_BATCH).expect("scoring"))
        });
    }
    g.finish();
}

/// LeakyReLU(0.2) forward + backward on MNIST conv1's activation (128×16×28×28): the model's
/// one-kernel call (tch binds `leaky_relu` only with slope 0.01) against the compositions of bound
/// operations that compute the same function, and two references.
fn bench_leaky_relu(c: &mut Criterion, setup: &Setup) {
    let x = Tensor::randn([BATCH, 16, 28, 28], (Kind::Float, setup.device)).set_requires_grad(true);
    let slope = Tensor::from_slice(&[LEAKY_RELU_SLOPE as f32]).to_device(setup.device);
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
    g.bench_function("prelu(x,0.2) [one bound op, slower]", |b| {
        b.iter(|| run(x.prelu(&slope)))
    });
    g.bench_function("maximum(x,0.2x) [two bound ops]", |b| {
        b.iter(|| run(x.maximum(&(&x * LEAKY_RELU_SLOPE))))
    });
    g.bench_function("leaky_relu slope 0.01 [tch's binding, ref]", |b| {
        b.iter(|| run(x.leaky_relu()))
    });
    g.bench_function("relu [ref]", |b| b.iter(|| run(x.relu())));
    g.finish();
}

fn main() {
    let setup = setup_from_env();
    println!(
        "aerepro training benchmarks on {} (set AEREPRO_BENCH_THREADS / AEREPRO_BENCH_DEVICE)",
        setup.device_label()
    );
    let data: Vec<Data> = DATASETS.into_iter().filter_map(support::load).collect();
    let mut c = Criterion::default().configure_from_args();
    // Warm the process up (oneDNN primitive caches, allocator) before the first measurement.
    for d in &data {
        for kind in ModelKind::ALL {
            setup.step_seconds(d, kind, 2);
        }
    }
    for d in &data {
        bench_training(&mut c, d, &setup);
    }
    for d in &data {
        bench_scoring(&mut c, d, &setup);
    }
    bench_leaky_relu(&mut c, &setup);
    c.final_summary();
    // The ratios come from the interleaved measurement claim C6 uses: criterion times the models one
    // after another, and on a shared machine that order biases ratios of a few percent.
    let options = StepCostOptions::default();
    let mut per_step = HashMap::new();
    for d in &data {
        let costs = measure_step_costs(d.kind, &d.train, &setup.config(), setup.device, options)
            .unwrap_or_else(|e| panic!("timing steps on {}: {e:#}", d.kind));
        let cae = costs.median_seconds()[&ModelKind::Cae];
        for (kind, ratio) in costs.relative_to_cae().expect("the CAE was timed") {
            per_step.insert((d.kind, kind), cae * ratio);
        }
    }
    if !per_step.is_empty() {
        support::print_ratios(&per_step, &setup);
        println!(
            "(interleaved: {} rounds × {} steps per model, order rotating; VAE and AAE ms are the CAE's \
             median × their median within-round ratio, as claim C6 reads them)",
            options.rounds, options.steps_per_round
        );
    }
}
