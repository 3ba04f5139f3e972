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

#[test]
fn c6_mnist_training_cost_cae_vae_aae() {
    assert_claim(&claims::c6_training_cost_order(
        &run().step_costs,
        DatasetKind::Mnist,
    ));
}

#[test]
fn mnist_verdict_ledger() {
    ledger("mnist", run());
}
