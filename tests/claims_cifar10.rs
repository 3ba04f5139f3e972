//! The paper's CIFAR-10 claims (Table 6), each its own test, judged over seeds 0, 1, 2 of the real
//! pipeline at `--budget ci` (CIFAR-10 JPEG-q75 rebuild unless the official files are present, normal
//! class dog, all three models, 2 threads; rules in docs/claims.md).
mod claims_common;

use aerepro::claims;
use aerepro::claims::Verdict;
use aerepro::data::DatasetKind;
use aerepro::model::ModelKind;
use claims_common::{assert_claim, assert_verdict, ledger, outcome};

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

/// The paper's C5, as it states it. Unresolved over seeds (docs/claims.md).
#[test]
#[ignore = "unresolved over seeds 0-2: the AAE beats both other models with paired-DeLong p < 0.05 on some classes in some seeds, by under 0.01 ROC-AUC, but on no class in every seed after Holm correction"]
fn c5_cifar_aae_never_significantly_best() {
    assert_claim(&claims::c5_cifar_aae_never_significantly_best(
        &run().inputs,
    ));
}

/// What we measured instead: where the AAE is significantly best within one seed (paired DeLong
/// p < 0.05 against both other models on one class), its lead is below 0.01 ROC-AUC (the three
/// models' scores are so correlated that tiny gaps are significant), and no such win holds in every
/// seed after correction for the classes tested.
#[test]
fn c5_unresolved_aae_wins_within_a_seed_are_under_0_01_and_do_not_hold_across_seeds() {
    assert_verdict(
        &claims::c5_cifar_aae_never_significantly_best(&run().inputs),
        Verdict::Unresolved,
    );
    let tests = &run().record.paired_tests;
    let significant_win = |seed, class, worse| {
        tests.iter().find(|p| {
            (p.seed, p.class, p.better, p.worse) == (seed, class, ModelKind::Aae, worse)
                && p.p_value < aerepro::metrics::over_seeds::SIGNIFICANCE
        })
    };
    for p in tests.iter().filter(|p| p.better == ModelKind::Aae) {
        let (Some(over_cae), Some(over_vae)) = (
            significant_win(p.seed, p.class, ModelKind::Cae),
            significant_win(p.seed, p.class, ModelKind::Vae),
        ) else {
            continue;
        };
        let lead = over_cae.difference.min(over_vae.difference);
        assert!(
            lead < 0.01,
            "seed {} class {}: AAE best by {lead}",
            p.seed,
            p.class
        );
    }
}

/// The paper's C6, as it states it. Unresolved on this machine (docs/performance.md, "Training cost").
#[test]
#[ignore = "unresolved on 2 CPU cores: a VAE step costs as much as a CAE step (VAE/CAE 0.97-1.12 over repeated runs, inside the ±0.15 tie band); only the AAE is clearly dearer (1.4-1.7x)"]
fn c6_cifar_training_cost_cae_vae_aae() {
    assert_claim(&claims::c6_training_cost_order(
        &run().inputs,
        DatasetKind::Cifar10,
    ));
}

/// What we measured instead: VAE ≈ CAE per step, the AAE clearly dearer than both.
#[test]
fn c6_unresolved_vae_step_ties_cae_aae_step_costs_most() {
    claims_common::assert_vae_ties_cae_and_aae_costs_most(run());
}

/// The paper's C7, as it states it. Refuted at `--budget ci` (docs/claims.md, docs/results.md).
#[test]
#[ignore = "refuted over seeds 0-2 at --budget ci: bird, cat, deer and frog have ROC-AUC below chance for every model"]
fn c7_cifar_every_roc_auc_between_0_50_and_0_80() {
    assert_claim(&claims::c7_cifar_moderate(&run().inputs));
}

/// What we measured instead: bird, cat, deer and frog images are reconstructed *better* than dogs
/// (ROC-AUC < 0.5) by every model in every seed; every other class lies in the paper's band.
#[test]
fn c7_refuted_bird_cat_deer_frog_below_chance_for_every_model() {
    assert_verdict(&claims::c7_cifar_moderate(&run().inputs), Verdict::Refuted);
    const BELOW_CHANCE: [u8; 4] = [2, 3, 4, 6];
    for seed in &run().inputs.seeds {
        for ((model, class), auc) in &seed.roc_auc {
            if BELOW_CHANCE.contains(class) {
                assert!(
                    *auc < 0.5,
                    "seed {} {model} class {class}: {auc}",
                    seed.seed
                );
            } else {
                assert!(
                    (0.5..=0.8).contains(auc),
                    "seed {} {model} class {class}: {auc}",
                    seed.seed
                );
            }
        }
    }
}

#[test]
fn cifar10_verdict_ledger() {
    ledger("cifar10", run());
}
