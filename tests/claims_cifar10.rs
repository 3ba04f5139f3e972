//! The paper's CIFAR-10 claims (Table 6), each its own test, on one seeded `--budget ci` run of the real
//! pipeline (CIFAR-10 JPEG-q75 rebuild unless the official files are present, normal class dog, all
//! three models, 2 threads).
mod claims_common;

use aerepro::claims;
use aerepro::data::DatasetKind;
use claims_common::{assert_claim, ledger, outcome};

fn run() -> &'static claims_common::ClaimRun {
    outcome(DatasetKind::Cifar10)
}

#[test]
fn c3_cifar_car_and_truck_best_separated_for_every_model() {
    assert_claim(&claims::c3_cifar_vehicles_best(&run().inputs));
}

#[test]
fn c4_cifar_bird_cat_deer_among_four_worst_for_every_model() {
    assert_claim(&claims::c4_cifar_animals_worst(&run().inputs));
}

#[test]
fn c5_cifar_aae_never_significantly_best() {
    assert_claim(&claims::c5_cifar_aae_never_significantly_best(
        &run().inputs,
    ));
}

#[test]
fn c6_cifar_training_cost_cae_vae_aae() {
    assert_claim(&claims::c6_training_cost_order(
        &run().step_costs,
        DatasetKind::Cifar10,
    ));
}

#[test]
fn c7_cifar_every_roc_auc_between_0_50_and_0_80() {
    assert_claim(&claims::c7_cifar_moderate(&run().inputs));
}

#[test]
fn cifar10_verdict_ledger() {
    ledger("cifar10", run());
}
