//! The paper's claims about Tables 5–6, as verdicts computed from measured results.
//!
//! Every band and ordering here is the paper's (or the reading of it); none is derived from our
//! own output. A claim that does not reproduce is reported as such with the measured numbers.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::data::DatasetKind;
use crate::model::ModelKind;

/// What the claims need from a run: mean ROC-AUC per (model, anomalous class), paired comparisons,
/// and the training cost of each model relative to the CAE's (CAE = 1).
#[derive(Debug, Clone, Default)]
pub struct ClaimInputs {
    pub roc_auc: BTreeMap<(ModelKind, u8), f64>,
    /// One-sided paired DeLong p-values that `better` has a higher ROC-AUC than `worse` on `class`.
    pub paired_p: BTreeMap<(u8, ModelKind, ModelKind), f64>,
    pub relative_step_cost: BTreeMap<ModelKind, f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ClaimVerdict {
    pub id: String,
    pub claim: String,
    pub verdict: Verdict,
    /// The measured numbers behind the verdict.
    pub measured: String,
}

/// Whether a claim holds in a run.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Reproduced,
    Refuted,
    /// The measurement cannot tell (a timing difference inside [`COST_TIE_BAND`]).
    Unresolved,
}

impl Verdict {
    fn from_holds(holds: bool) -> Verdict {
        if holds {
            Verdict::Reproduced
        } else {
            Verdict::Refuted
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Verdict::Reproduced => "reproduced",
            Verdict::Refuted => "refuted",
            Verdict::Unresolved => "unresolved",
        })
    }
}

impl ClaimVerdict {
    pub fn holds(&self) -> bool {
        self.verdict == Verdict::Reproduced
    }
}

/// Significance level of the paired DeLong tests in C5.
pub const SIGNIFICANCE: f64 = 0.05;

const MNIST_HARDEST: u8 = 7;
const MNIST_SECOND_HARDEST: u8 = 9;
const CIFAR_CAR: u8 = 1;
const CIFAR_TRUCK: u8 = 9;
const CIFAR_BIRD_CAT_DEER: [u8; 3] = [2, 3, 4];

impl ClaimInputs {
    fn models(&self) -> Vec<ModelKind> {
        let mut models: Vec<ModelKind> = self.roc_auc.keys().map(|(m, _)| *m).collect();
        models.dedup();
        models
    }

    /// Classes of one model sorted by ascending ROC-AUC (hardest first).
    fn classes_by_auc(&self, model: ModelKind) -> Vec<(u8, f64)> {
        let mut classes: Vec<(u8, f64)> = self
            .roc_auc
            .iter()
            .filter(|((m, _), _)| *m == model)
            .map(|((_, c), auc)| (*c, *auc))
            .collect();
        classes.sort_by(|a, b| a.1.total_cmp(&b.1));
        classes
    }
}

fn names(dataset: DatasetKind, classes: &[(u8, f64)]) -> String {
    classes
        .iter()
        .map(|(c, auc)| format!("{} {auc:.4}", dataset.class_names()[*c as usize]))
        .collect::<Vec<_>>()
        .join(", ")
}

/// C1 (MNIST): every model, every anomalous class has ROC-AUC ≥ 0.96.
pub fn c1_mnist_all_high(inputs: &ClaimInputs) -> ClaimVerdict {
    let worst = inputs
        .roc_auc
        .iter()
        .min_by(|a, b| a.1.total_cmp(b.1))
        .map(|((m, c), auc)| (*m, *c, *auc));
    let (holds, measured) = match worst {
        Some((m, c, auc)) => (
            auc >= 0.96,
            format!("lowest ROC-AUC {auc:.4} ({m}, class {c})"),
        ),
        None => (false, "no results".into()),
    };
    ClaimVerdict {
        id: "C1".into(),
        claim: "MNIST: every model, every anomalous class ROC-AUC >= 0.96 (paper: all >= 0.966)"
            .into(),
        verdict: Verdict::from_holds(holds),
        measured,
    }
}

/// C2 (MNIST): class 7 is the hardest class for the CAE and the AAE, class 9 next.
pub fn c2_mnist_hardest_classes(inputs: &ClaimInputs) -> ClaimVerdict {
    let mut holds = true;
    let mut measured = Vec::new();
    for model in [ModelKind::Cae, ModelKind::Aae] {
        let hardest: Vec<(u8, f64)> = inputs.classes_by_auc(model).into_iter().take(2).collect();
        let order: Vec<u8> = hardest.iter().map(|(c, _)| *c).collect();
        holds &= order == [MNIST_HARDEST, MNIST_SECOND_HARDEST];
        measured.push(format!(
            "{model} hardest: {}",
            names(DatasetKind::Mnist, &hardest)
        ));
    }
    ClaimVerdict {
        id: "C2".into(),
        claim: "MNIST: class 7 is the hardest class for CAE and AAE (paper 0.966 / 0.971), class 9 next".into(),
        verdict: Verdict::from_holds(holds),
        measured: measured.join("; "),
    }
}

/// C3 (CIFAR-10): car and truck are the two best-separated classes for every model.
pub fn c3_cifar_vehicles_best(inputs: &ClaimInputs) -> ClaimVerdict {
    let mut holds = true;
    let mut measured = Vec::new();
    for model in inputs.models() {
        let mut best: Vec<(u8, f64)> = inputs
            .classes_by_auc(model)
            .into_iter()
            .rev()
            .take(2)
            .collect();
        best.sort_by_key(|(c, _)| *c);
        holds &= best.iter().map(|(c, _)| *c).collect::<Vec<_>>() == [CIFAR_CAR, CIFAR_TRUCK];
        measured.push(format!(
            "{model} best two: {}",
            names(DatasetKind::Cifar10, &best)
        ));
    }
    ClaimVerdict {
        id: "C3".into(),
        claim: "CIFAR-10: car and truck are the two best-separated classes for every model (paper ~0.74-0.77)".into(),
        verdict: Verdict::from_holds(holds),
        measured: measured.join("; "),
    }
}

/// C4 (CIFAR-10): bird, cat and deer are among the four worst classes for every model.
pub fn c4_cifar_animals_worst(inputs: &ClaimInputs) -> ClaimVerdict {
    let mut holds = true;
    let mut measured = Vec::new();
    for model in inputs.models() {
        let worst: Vec<(u8, f64)> = inputs.classes_by_auc(model).into_iter().take(4).collect();
        holds &= CIFAR_BIRD_CAT_DEER
            .iter()
            .all(|c| worst.iter().any(|(w, _)| w == c));
        measured.push(format!(
            "{model} worst four: {}",
            names(DatasetKind::Cifar10, &worst)
        ));
    }
    ClaimVerdict {
        id: "C4".into(),
        claim: "CIFAR-10: bird, cat, deer are among the four worst classes for every model (paper ~0.53-0.55)".into(),
        verdict: Verdict::from_holds(holds),
        measured: measured.join("; "),
    }
}

/// C5 (CIFAR-10): on no class is the AAE the best model by a significant margin (one-sided paired DeLong
/// test against each other model, p < [`SIGNIFICANCE`]).
pub fn c5_cifar_aae_never_significantly_best(inputs: &ClaimInputs) -> ClaimVerdict {
    let classes: Vec<u8> = inputs
        .roc_auc
        .keys()
        .filter(|(m, _)| *m == ModelKind::Aae)
        .map(|(_, c)| *c)
        .collect();
    let significant: Vec<u8> = classes
        .into_iter()
        .filter(|class| {
            [ModelKind::Cae, ModelKind::Vae].iter().all(|other| {
                inputs
                    .paired_p
                    .get(&(*class, ModelKind::Aae, *other))
                    .is_some_and(|p| *p < SIGNIFICANCE)
            })
        })
        .collect();
    let measured = if significant.is_empty() {
        "no class where the AAE beats both CAE and VAE with p < 0.05".to_string()
    } else {
        let listed: Vec<&str> = significant
            .iter()
            .map(|c| DatasetKind::Cifar10.class_names()[*c as usize])
            .collect();
        format!("AAE significantly best on: {}", listed.join(", "))
    };
    ClaimVerdict {
        id: "C5".into(),
        claim: "CIFAR-10: the AAE is never the single best model on a class by a significant margin (paired DeLong, p < 0.05)".into(),
        verdict: Verdict::from_holds(significant.is_empty()),
        measured,
    }
}

/// Cost ratios within this band of 1 are ties: repeated interleaved measurements of the VAE/CAE
/// ratio on one 2-core machine ranged 0.97–1.12 (README, "Training cost"), so a smaller difference
/// is not resolved. The paper's own VAE/CAE ratios (1.039, 1.113) lie inside it.
pub const COST_TIE_BAND: f64 = 0.15;

/// C6: training cost per step is ordered CAE < VAE < AAE. Refuted when a step of the order is
/// reversed beyond the tie band, reproduced when both steps exceed it, unresolved otherwise.
pub fn c6_training_cost_order(inputs: &ClaimInputs, dataset: DatasetKind) -> ClaimVerdict {
    let cost = |m| inputs.relative_step_cost.get(&m).copied();
    let (verdict, measured) = match (
        cost(ModelKind::Cae),
        cost(ModelKind::Vae),
        cost(ModelKind::Aae),
    ) {
        (Some(cae), Some(vae), Some(aae)) => {
            let steps = [vae / cae, aae / vae];
            let verdict = if steps.iter().any(|r| *r < 1.0 - COST_TIE_BAND) {
                Verdict::Refuted
            } else if steps.iter().all(|r| *r > 1.0 + COST_TIE_BAND) {
                Verdict::Reproduced
            } else {
                Verdict::Unresolved
            };
            (
                verdict,
                format!(
                    "cost per step VAE/CAE {:.3}, AAE/VAE {:.3}, AAE/CAE {:.3} (ratios within {:.2} of 1 are ties, timed interleaved)",
                    steps[0],
                    steps[1],
                    aae / cae,
                    COST_TIE_BAND
                ),
            )
        }
        _ => (
            Verdict::Unresolved,
            "no per-step costs of all three models (step-cost timing skipped)".into(),
        ),
    };
    ClaimVerdict {
        id: "C6".into(),
        claim: match dataset {
            DatasetKind::Mnist => {
                "MNIST: training cost per step CAE < VAE < AAE (paper ratios VAE/CAE 1.039, AAE/CAE 1.722)"
            }
            DatasetKind::Cifar10 => {
                "CIFAR-10: training cost per step CAE < VAE < AAE (paper ratios VAE/CAE 1.113, AAE/CAE 1.181)"
            }
        }
        .into(),
        verdict,
        measured,
    }
}

/// C7 (CIFAR-10): every ROC-AUC lies between 0.50 and 0.80.
pub fn c7_cifar_moderate(inputs: &ClaimInputs) -> ClaimVerdict {
    let outside: Vec<String> = inputs
        .roc_auc
        .iter()
        .filter(|(_, auc)| !(0.50..=0.80).contains(*auc))
        .map(|((m, c), auc)| {
            format!(
                "{m} {} {auc:.4}",
                DatasetKind::Cifar10.class_names()[*c as usize]
            )
        })
        .collect();
    let range = inputs
        .roc_auc
        .values()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), a| {
            (lo.min(*a), hi.max(*a))
        });
    ClaimVerdict {
        id: "C7".into(),
        claim: "CIFAR-10: every ROC-AUC between 0.50 and 0.80".into(),
        verdict: Verdict::from_holds(outside.is_empty() && !inputs.roc_auc.is_empty()),
        measured: if outside.is_empty() {
            format!("range {:.4}..{:.4}", range.0, range.1)
        } else {
            format!("outside: {}", outside.join(", "))
        },
    }
}

/// Every claim that applies to `dataset` (the paper's claims are about its own normal classes).
pub fn evaluate(dataset: DatasetKind, inputs: &ClaimInputs) -> Vec<ClaimVerdict> {
    match dataset {
        DatasetKind::Mnist => vec![
            c1_mnist_all_high(inputs),
            c2_mnist_hardest_classes(inputs),
            c6_training_cost_order(inputs, dataset),
        ],
        DatasetKind::Cifar10 => vec![
            c3_cifar_vehicles_best(inputs),
            c4_cifar_animals_worst(inputs),
            c5_cifar_aae_never_significantly_best(inputs),
            c6_training_cost_order(inputs, dataset),
            c7_cifar_moderate(inputs),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paper;

    /// The paper's own tables must satisfy the claims drawn from them.
    fn paper_inputs(dataset: DatasetKind) -> ClaimInputs {
        let mut inputs = ClaimInputs::default();
        let table = paper::table(dataset, dataset.paper_normal_class()).unwrap();
        for row in table {
            for (model, cell) in paper::MODEL_ORDER.iter().zip(row.cells) {
                inputs.roc_auc.insert((*model, row.class), cell.roc_auc);
            }
        }
        let seconds = paper::train_seconds(dataset);
        for (model, s) in paper::MODEL_ORDER.iter().zip(seconds) {
            inputs.relative_step_cost.insert(*model, s / seconds[0]);
        }
        inputs
    }

    #[test]
    fn the_paper_satisfies_its_own_claims_except_the_cost_ties() {
        for dataset in [DatasetKind::Mnist, DatasetKind::Cifar10] {
            for verdict in evaluate(dataset, &paper_inputs(dataset)) {
                if verdict.id == "C6" {
                    // VAE/CAE 1.039 (MNIST) and 1.113 (CIFAR-10) are inside the tie band.
                    assert_eq!(verdict.verdict, Verdict::Unresolved, "{verdict:?}");
                } else {
                    assert!(verdict.holds(), "{verdict:?}");
                }
            }
        }
    }

    #[test]
    fn c6_needs_both_steps_of_the_order_beyond_the_tie_band() {
        let verdict_for = |vae: f64, aae: f64| {
            let mut inputs = ClaimInputs::default();
            for (kind, cost) in [
                (ModelKind::Cae, 1.0),
                (ModelKind::Vae, vae),
                (ModelKind::Aae, aae),
            ] {
                inputs.relative_step_cost.insert(kind, cost);
            }
            c6_training_cost_order(&inputs, DatasetKind::Mnist).verdict
        };
        assert_eq!(verdict_for(1.2, 1.5), Verdict::Reproduced);
        assert_eq!(verdict_for(1.02, 1.6), Verdict::Unresolved);
        assert_eq!(verdict_for(1.2, 1.25), Verdict::Unresolved);
        assert_eq!(verdict_for(0.8, 1.6), Verdict::Refuted);
        assert_eq!(verdict_for(1.5, 1.2), Verdict::Refuted);
        assert_eq!(
            c6_training_cost_order(&ClaimInputs::default(), DatasetKind::Mnist).verdict,
            Verdict::Unresolved
        );
    }

    #[test]
    fn a_swapped_ordering_is_refuted() {
        let mut inputs = paper_inputs(DatasetKind::Mnist);
        inputs.roc_auc.insert((ModelKind::Cae, 9), 0.90);
        let verdict = c2_mnist_hardest_classes(&inputs);
        assert!(!verdict.holds());
        assert!(
            verdict.measured.contains("CAE hardest: 9 0.9000, 7 0.9664"),
            "{}",
            verdict.measured
        );
    }

    #[test]
    fn a_significant_aae_win_refutes_c5() {
        let mut inputs = paper_inputs(DatasetKind::Cifar10);
        inputs
            .paired_p
            .insert((8, ModelKind::Aae, ModelKind::Cae), 0.01);
        assert!(c5_cifar_aae_never_significantly_best(&inputs).holds());
        inputs
            .paired_p
            .insert((8, ModelKind::Aae, ModelKind::Vae), 0.02);
        let verdict = c5_cifar_aae_never_significantly_best(&inputs);
        assert!(
            !verdict.holds() && verdict.measured.contains("ship"),
            "{verdict:?}"
        );
    }
}
