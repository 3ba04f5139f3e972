//! Shared by the claim tests: one `--budget ci` run of seeds 0, 1, 2 per test binary (claims are
//! judged over seeds, docs/claims.md), and the verdict ledger.
use std::sync::OnceLock;

use aerepro::claims::{self, ClaimId, ClaimInputs, ClaimVerdict, Verdict};
use aerepro::data::{self, DatasetKind};
use aerepro::model::ModelKind;
use aerepro::run::config::{Budget, ExperimentConfig};
use aerepro::run::experiment::{self, RunOptions};
use aerepro::run::record::RunRecord;
use serde::Serialize;

/// Threads for the claim runs: one, the configuration of `golden/paper-cells-ci.json` (the sweep's
/// paper cells), so that these runs reproduce the golden's numbers and verdicts bit for bit on this
/// machine (a different thread count changes libtorch's reductions, and C2's margin is 0.0002).
pub const THREADS: i32 = 1;

/// The seeds every claim is judged over.
pub const SEEDS: [u64; 3] = [0, 1, 2];

pub struct ClaimRun {
    pub record: RunRecord,
    pub inputs: ClaimInputs,
}

fn run_claims(dataset: DatasetKind) -> ClaimRun {
    let mut config = ExperimentConfig::new(dataset, Budget::Ci);
    config.train.threads = Some(THREADS);
    config.seeds = SEEDS.to_vec();
    let out = tempfile::tempdir().expect("temporary run directory");
    let options = RunOptions {
        out_dir: out.path(),
        data_dir: &data::default_data_dir(),
        device: tch::Device::Cpu,
        resume: false,
        force: false,
        show_progress: false,
    };
    let record = experiment::run(&config, &options)
        .expect("the seeded ci-budget run")
        .record;
    eprintln!("{}", aerepro::report::table::render(&record));
    let inputs = aerepro::run::summary::claim_inputs(
        &record.runs,
        &record.paired_tests,
        record.step_costs.as_ref(),
    );
    ClaimRun { record, inputs }
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

/// The paper's claim, as it states it: reproduced over the seeds.
pub fn assert_claim(verdict: &ClaimVerdict) {
    assert_verdict(verdict, Verdict::Reproduced);
}

pub fn assert_verdict(verdict: &ClaimVerdict, expected: Verdict) {
    assert_eq!(
        verdict.verdict,
        expected,
        "{} is {}, not {expected}: {}\n  measured: {}\n  {}",
        verdict.id,
        verdict.verdict,
        verdict.claim,
        verdict.measured,
        verdict
            .evidence
            .as_ref()
            .map(aerepro::report::table::evidence_line)
            .unwrap_or_default()
    );
}

/// What C6 measures instead of the paper's strict order, on both datasets: no clear order between a
/// VAE and a CAE step (their ratio is a tie give or take timing noise), an AAE step clearly dearer
/// than either. The bounds are wider than the tie band because one measurement of the ratio moves by
/// ±0.08 between runs here; what would fail them is a real change of cost.
pub fn assert_vae_ties_cae_and_aae_costs_most(run: &ClaimRun) {
    const NO_CLEAR_ORDER: std::ops::RangeInclusive<f64> = 0.8..=1.25;
    const CLEARLY_DEARER: f64 = 1.25;
    let verdict = claims::c6_training_cost_order(&run.inputs, run.record.config.dataset);
    let cost = |kind| run.inputs.relative_step_cost[&kind];
    let (vae, aae) = (cost(ModelKind::Vae), cost(ModelKind::Aae));
    assert!(
        NO_CLEAR_ORDER.contains(&vae),
        "a VAE step no longer costs about as much as a CAE step: {}",
        verdict.measured
    );
    assert!(
        aae > CLEARLY_DEARER && aae / vae > CLEARLY_DEARER,
        "an AAE step no longer clearly costs most: {}",
        verdict.measured
    );
}

#[derive(Serialize)]
struct LedgerEntry<'a> {
    id: ClaimId,
    claim: &'a str,
    verdict: Verdict,
}

/// Snapshot of which claims hold, so that any change of verdict shows up in review. C6 is left out:
/// its verdict is a timing on a shared machine and may move across the tie band's edge between runs
/// (its own tests above bound it instead).
pub fn ledger(name: &str, run: &ClaimRun) {
    let entries: Vec<LedgerEntry> = run
        .record
        .claims
        .iter()
        .filter(|v| v.id != ClaimId::C6)
        .map(|v| LedgerEntry {
            id: v.id,
            claim: &v.claim,
            verdict: v.verdict,
        })
        .collect();
    insta::with_settings!({snapshot_path => "../../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_json_snapshot!(format!("claims_ledger_{name}"), entries);
    });
}
