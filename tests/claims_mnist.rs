//! The paper's MNIST claims (Table 5), each its own test, judged over seeds 0, 1, 2 of the real
//! pipeline at `--budget ci` (real MNIST, normal class 1, all three models, 2 threads; rules in
//! docs/claims.md).
mod claims_common;

use aerepro::claims;
use aerepro::claims::Verdict;
use aerepro::data::DatasetKind;
use claims_common::{assert_claim, assert_verdict, ledger, outcome};

fn run() -> &'static claims_common::ClaimRun {
    outcome(DatasetKind::Mnist)
}

#[test]
fn c1_mnist_every_class_roc_auc_at_least_0_96() {
    assert_claim(&claims::c1_mnist_all_high(&run().inputs));
}

/// The paper's C2, as it states it. Unresolved over seeds (docs/claims.md).
#[test]
#[ignore = "unresolved over seeds 0-2: the gaps between the hardest classes are 4th-decimal ROC-AUC differences that do not hold firmly in every seed"]
fn c2_mnist_class_7_hardest_then_9_for_cae_and_aae() {
    assert_claim(&claims::c2_mnist_hardest_classes(&run().inputs));
}

/// What we measured instead: the ordering is not established either way over the seeds.
#[test]
fn c2_unresolved_hardest_classes_order_within_the_seed_spread() {
    assert_verdict(
        &claims::c2_mnist_hardest_classes(&run().inputs),
        Verdict::Unresolved,
    );
}

/// The paper's C6, as it states it. Unresolved on this machine (docs/performance.md, "Training cost").
#[test]
#[ignore = "unresolved on 2 CPU cores: a VAE step costs as much as a CAE step (VAE/CAE 0.97-1.12 over repeated runs, inside the ±0.15 tie band); only the AAE is clearly dearer (1.4-1.7x)"]
fn c6_mnist_training_cost_cae_vae_aae() {
    assert_claim(&claims::c6_training_cost_order(
        &run().inputs,
        DatasetKind::Mnist,
    ));
}

/// What we measured instead at 2 threads: VAE ≈ CAE per step, the AAE clearly dearer than both.
/// The timing that once put a CAE step at about 2.5× a VAE step at 1 thread (VAE/CAE 0.39–0.41) was
/// the subnormal-float artefact of repeated batches (docs/performance.md); steps are now timed on
/// distinct batches with subnormals flushed. Not yet rerun at the claim runs' 1 thread as a test.
#[test]
#[ignore = "not rerun at 1 thread since the subnormal-float artefact was removed (docs/performance.md); C6 stays unresolved"]
fn c6_unresolved_vae_step_ties_cae_aae_step_costs_most() {
    claims_common::assert_vae_ties_cae_and_aae_costs_most(run());
}

#[test]
fn mnist_verdict_ledger() {
    ledger("mnist", run());
}
