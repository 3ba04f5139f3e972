//! The paper's MNIST claims (Table 5), each its own test, on one seeded `--budget ci` run of the real
//! pipeline (real MNIST, normal class 1, all three models, 2 threads).
mod claims_common;

use aerepro::claims;
use aerepro::data::DatasetKind;
use claims_common::{assert_claim, ledger, outcome};

fn run() -> &'static claims_common::ClaimRun {
    outcome(DatasetKind::Mnist)
}

#[test]
fn c1_mnist_every_class_roc_auc_at_least_0_96() {
    assert_claim(&claims::c1_mnist_all_high(&run().inputs));
}

#[test]
fn c2_mnist_class_7_hardest_then_9_for_cae_and_aae() {
    assert_claim(&claims::c2_mnist_hardest_classes(&run().inputs));
}

/// The paper's C6, as it states it. Unresolved on this machine (README, "Training cost").
#[test]
#[ignore = "unresolved on 2 CPU cores: a VAE step costs as much as a CAE step (VAE/CAE 0.97-1.12 over repeated runs, inside the ±0.15 tie band); only the AAE is clearly dearer (1.4-1.7x)"]
fn c6_mnist_training_cost_cae_vae_aae() {
    assert_claim(&claims::c6_training_cost_order(
        &run().inputs,
        DatasetKind::Mnist,
    ));
}

/// What we measured instead: VAE ≈ CAE per step, the AAE clearly dearer than both.
#[test]
fn c6_unresolved_vae_step_ties_cae_aae_step_costs_most() {
    claims_common::assert_vae_ties_cae_and_aae_costs_most(run());
}

#[test]
fn mnist_verdict_ledger() {
    ledger("mnist", run());
}
