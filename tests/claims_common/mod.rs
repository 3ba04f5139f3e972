//! Shared by the claim tests: one seeded `--budget ci` run per test binary, and the verdict ledger.
use std::sync::OnceLock;

use aerepro::claims::{ClaimInputs, ClaimVerdict};
use aerepro::data::{self, DatasetKind};
use aerepro::experiment::{self, Budget, ExperimentConfig, RunOptions, RunRecord};
use serde::Serialize;

/// Threads for the claim runs: fixed, so that the numbers are reproducible on a given machine.
pub const THREADS: i32 = 2;

pub struct ClaimRun {
    pub record: RunRecord,
    pub inputs: ClaimInputs,
    /// Per-step training cost of each model, measured interleaved in this process (C6).
    pub step_costs: ClaimInputs,
}

fn run_claims(dataset: DatasetKind) -> ClaimRun {
    let mut config = ExperimentConfig::new(dataset, Budget::Ci);
    config.train.threads = Some(THREADS);
    let out = tempfile::tempdir().expect("temporary run directory");
    let options = RunOptions {
        out_dir: out.path(),
        data_dir: &data::default_data_dir(),
        device: tch::Device::Cpu,
        resume: false,
        show_progress: false,
    };
    let outcome = experiment::run(&config, &options).expect("the seeded ci-budget run");
    eprintln!("{}", aerepro::report::table::render(&outcome.record));
    let record = outcome.record;
    let inputs = experiment::claim_inputs(&record.summary, &record.paired_tests, &record.runs);
    let step_costs = ClaimInputs {
        training_cost: experiment::measure_step_costs(
            dataset,
            &outcome.split.train,
            &config.train,
            tch::Device::Cpu,
        )
        .expect("step cost measurement"),
        ..ClaimInputs::default()
    };
    let c6 = aerepro::claims::c6_training_cost_order(&step_costs, dataset);
    eprintln!("interleaved step costs (C6): {}", c6.measured);
    ClaimRun {
        record,
        inputs,
        step_costs,
    }
}

/// The run for this binary's dataset (trained once, shared by its tests).
pub fn outcome(dataset: DatasetKind) -> &'static ClaimRun {
    static RUN: OnceLock<ClaimRun> = OnceLock::new();
    let run = RUN.get_or_init(|| run_claims(dataset));
    assert_eq!(
        run.record.config.dataset, dataset,
        "one dataset per test binary"
    );
    run
}

pub fn assert_claim(verdict: &ClaimVerdict) {
    assert!(
        verdict.holds,
        "{} does not reproduce: {}\n  measured: {}",
        verdict.id, verdict.claim, verdict.measured
    );
}

#[derive(Serialize)]
struct LedgerEntry {
    id: &'static str,
    claim: &'static str,
    verdict: &'static str,
}

/// Snapshot of which claims hold, so that any change of verdict shows up in review.
pub fn ledger(name: &str, run: &ClaimRun) {
    let mut verdicts = run.record.claims.clone();
    // C6 in the record is from whole-epoch times; the ledger uses the interleaved measurement.
    verdicts.retain(|v| v.id != "C6");
    verdicts.push(aerepro::claims::c6_training_cost_order(
        &run.step_costs,
        run.record.config.dataset,
    ));
    let entries: Vec<LedgerEntry> = verdicts
        .iter()
        .map(|v| LedgerEntry {
            id: v.id,
            claim: v.claim,
            verdict: if v.holds { "reproduced" } else { "refuted" },
        })
        .collect();
    insta::with_settings!({snapshot_path => "../../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_json_snapshot!(format!("claims_ledger_{name}"), entries);
    });
}
