//! Flushing subnormal floats to zero (`model::aten::flush_denormals`). The FTZ/DAZ state of
//! libtorch's thread pool is process-wide, and cargo runs the tests of one binary as threads of one
//! process, so each case runs in a child process: this test binary started again on
//! [`child_probe`] alone, told the case by an environment variable.
mod common;

use std::process::Command;

use aerepro::data::DatasetKind;
use aerepro::model::aten::{flush_denormals, flush_denormals_this_thread_only};
use aerepro::run::step_cost::{measure_step_costs, StepCostOptions};
use aerepro::train::TrainConfig;
use tch::{Device, Kind, Tensor};

const CASE: &str = "AEREPRO_DENORMAL_CASE";
/// Large enough that libtorch splits the multiplication over its two threads.
const ELEMENTS: i64 = 1 << 22;

/// Halves a tensor of the subnormal 1e-39 (itself subnormal, 5e-40, unless flushed) on two
/// threads, and counts the products that are not zero. They are counted by their bits (as
/// integers), which DAZ does not read as zero.
fn nonzero_halves() -> i64 {
    let xs = Tensor::full([ELEMENTS], 1e-39, (Kind::Float, Device::Cpu));
    let halves = &xs * 0.5;
    halves
        .view_dtype(Kind::Int)
        .ne(0)
        .sum(Kind::Int64)
        .int64_value(&[])
}

/// Runs in a child process only (a no-op in the parent's test run).
#[test]
fn child_probe() {
    let Ok(case) = std::env::var(CASE) else {
        return;
    };
    tch::set_num_threads(2);
    match case.as_str() {
        // Set before the pool exists: the pool threads are created later and inherit it.
        "on" => assert!(flush_denormals(true).active),
        "off" => assert!(!flush_denormals(false).active),
        // Set on this thread alone before the pool exists: the pool threads it then creates
        // inherit it.
        "inherit" => assert!(flush_denormals_this_thread_only(true)),
        // The pool exists already (an op ran on two threads first).
        "late" => {
            nonzero_halves();
            assert!(flush_denormals(true).active);
        }
        "late-this-thread-only" => {
            nonzero_halves();
            assert!(flush_denormals_this_thread_only(true));
        }
        other => panic!("unknown case {other}"),
    }
    println!(
        "\nnonzero={} threads={}",
        nonzero_halves(),
        tch::get_num_threads()
    );
}

/// How many of the [`ELEMENTS`] products stayed non-zero in a child process running `case`.
fn nonzero_in_child(case: &str) -> i64 {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["child_probe", "--exact", "--nocapture", "--test-threads=1"])
        .env(CASE, case)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child {case} failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("nonzero=")?.split_whitespace().next())
        .unwrap_or_else(|| panic!("child {case} printed no count: {stdout}"))
        .parse()
        .unwrap()
}

#[test]
fn a_subnormal_product_is_exactly_zero_with_flushing_and_not_without() {
    assert_eq!(nonzero_in_child("off"), ELEMENTS);
    assert_eq!(nonzero_in_child("on"), 0);
    assert_eq!(nonzero_in_child("inherit"), 0);
    // Set after the pool threads exist: flush_denormals reaches them too.
    assert_eq!(nonzero_in_child("late"), 0);
}

/// Why `flush_denormals` visits the pool: set on the calling thread alone, after the pool
/// exists, the pool thread's share of the products should stay subnormal. Ignored: on the 2-core
/// AMD EPYC here every product came out 0 in this case too (nonzero=0 with 2 threads), so either
/// the multiplication did not run on the pool thread or the pool thread had FTZ/DAZ already; not
/// yet explained. `cargo test --test denormals -- --ignored existing_pool`
#[test]
#[ignore = "here every product is flushed even with FTZ set on the calling thread only, so the pool-thread case is not shown on this CPU"]
fn existing_pool_threads_do_not_inherit_a_later_setting() {
    let nonzero = nonzero_in_child("late-this-thread-only");
    assert!(nonzero > 0 && nonzero < ELEMENTS, "{nonzero}");
}

/// Claim C6's timing with fresh models on the same four MNIST batches again and again (the four
/// batches are all the images): the CAE overfits them fastest, and without flushing its backward
/// pass runs on subnormal floats (on an Intel Xeon: CAE 90 ms, VAE 36 ms per step). With flushing
/// the VAE/CAE ratio lies inside C6's tie band. Takes about 30 s on 2 cores.
#[test]
fn repeated_batches_cost_alike_with_flushing() {
    let _lock = common::seed_lock();
    let config = TrainConfig {
        threads: Some(1),
        ..TrainConfig::default()
    };
    let images = common::real_train_images(DatasetKind::Mnist, 1, 4 * config.batch_size);
    let status = flush_denormals(true);
    let options = StepCostOptions {
        rounds: 8,
        steps_per_round: 4,
    };
    let costs =
        measure_step_costs(DatasetKind::Mnist, &images, &config, Device::Cpu, options).unwrap();
    let ratio = costs
        .median_ratio(
            aerepro::model::ModelKind::Vae,
            aerepro::model::ModelKind::Cae,
        )
        .unwrap();
    let band = aerepro::claims::COST_TIE_BAND;
    assert!(
        (1.0 - band..=1.0 + band).contains(&ratio),
        "VAE/CAE {ratio:.3} with flushing {status:?}: {:?}",
        costs.median_seconds()
    );
}
