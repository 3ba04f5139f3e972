//! The paper's claims C1–C7, one function each, as docs/claims.md states their rules.
use crate::data::DatasetKind;
use crate::metrics::over_seeds::{holm_adjusted, SIGNIFICANCE};
use crate::model::ModelKind;

use super::judge::*;
use super::{ClaimId, ClaimInputs, ClaimVerdict, Evidence, Verdict, MIN_SEEDS};

const MNIST_HARDEST: u8 = 7;
const MNIST_SECOND_HARDEST: u8 = 9;
const CIFAR_CAR: u8 = 1;
const CIFAR_TRUCK: u8 = 9;
const CIFAR_BIRD_CAT_DEER: [u8; 3] = [2, 3, 4];

/// C1 (MNIST): every model, every anomalous class has ROC-AUC ≥ 0.96 (rule "band", ≥ 0.96).
pub fn c1_mnist_all_high(inputs: &ClaimInputs) -> ClaimVerdict {
    judge_band(
        DatasetKind::Mnist,
        inputs,
        (0.96, f64::INFINITY),
        ClaimId::C1,
        "MNIST: every model, every anomalous class ROC-AUC >= 0.96 (paper: all >= 0.966)",
    )
}

/// C2 (MNIST): class 7 is the hardest class for the CAE and the AAE, class 9 next (rule "ordering";
/// per model two gaps: AUC(9) − AUC(7), and the lowest other class's AUC − AUC(9)).
pub fn c2_mnist_hardest_classes(inputs: &ClaimInputs) -> ClaimVerdict {
    let id = ClaimId::C2;
    let claim =
        "MNIST: class 7 is the hardest class for CAE and AAE (paper 0.966 / 0.971), class 9 next";
    let rule = ordering_rule("9 minus 7; lowest other class minus 9");
    let n = inputs.seeds.len();
    let mut gaps = Vec::new();
    for model in [ModelKind::Cae, ModelKind::Aae] {
        let pair = [MNIST_HARDEST, MNIST_SECOND_HARDEST];
        let first = per_seed(inputs, |s| {
            Some(auc(s, model, MNIST_SECOND_HARDEST)? - auc(s, model, MNIST_HARDEST)?)
        });
        let second = per_seed(inputs, |s| {
            Some(kth_other(s, model, &pair, 0)? - auc(s, model, MNIST_SECOND_HARDEST)?)
        });
        let (Some(first), Some(second)) = (first, second) else {
            return incomplete(id, claim, "ordering gaps", &rule, n);
        };
        gaps.push(Judged::of(format!("{model} gap 9-7"), first));
        gaps.push(Judged::of(format!("{model} gap next-9"), second));
    }
    judge_gaps(gaps, n, id, claim, rule)
}

/// C3 (CIFAR-10): car and truck are the two best-separated classes for every model (rule "ordering";
/// per model one gap: the lower of car's and truck's AUC − the highest other class's AUC).
pub fn c3_cifar_vehicles_best(inputs: &ClaimInputs) -> ClaimVerdict {
    let id = ClaimId::C3;
    let claim = "CIFAR-10: car and truck are the two best-separated classes for every model (paper ~0.74-0.77)";
    let rule = ordering_rule("lower of car, truck minus the best other class");
    let n = inputs.seeds.len();
    let vehicles = [CIFAR_CAR, CIFAR_TRUCK];
    let mut gaps = Vec::new();
    for model in models(inputs) {
        let values = per_seed(inputs, |s| {
            let weaker_vehicle = auc(s, model, CIFAR_CAR)?.min(auc(s, model, CIFAR_TRUCK)?);
            let best_other = s
                .roc_auc
                .iter()
                .filter(|((m, c), _)| *m == model && !vehicles.contains(c))
                .map(|(_, a)| *a)
                .max_by(f64::total_cmp)?;
            Some(weaker_vehicle - best_other)
        });
        let Some(values) = values else {
            return incomplete(id, claim, "ordering gaps", &rule, n);
        };
        gaps.push(Judged::of(
            format!("{model} gap vehicles-best other"),
            values,
        ));
    }
    judge_gaps(gaps, n, id, claim, rule)
}

/// C4 (CIFAR-10): bird, cat and deer are among the four worst classes for every model (rule
/// "ordering"; per model one gap: the second-lowest AUC among the other classes − the highest of
/// bird's, cat's and deer's, positive exactly when at most one other class is below them).
pub fn c4_cifar_animals_worst(inputs: &ClaimInputs) -> ClaimVerdict {
    let id = ClaimId::C4;
    let claim = "CIFAR-10: bird, cat, deer are among the four worst classes for every model (paper ~0.53-0.55)";
    let rule = ordering_rule("second-lowest other class minus the highest of bird, cat, deer");
    let n = inputs.seeds.len();
    let mut gaps = Vec::new();
    for model in models(inputs) {
        let values = per_seed(inputs, |s| {
            let highest_named = CIFAR_BIRD_CAT_DEER
                .iter()
                .map(|c| auc(s, model, *c))
                .collect::<Option<Vec<f64>>>()?
                .into_iter()
                .max_by(f64::total_cmp)?;
            Some(kth_other(s, model, &CIFAR_BIRD_CAT_DEER, 1)? - highest_named)
        });
        let Some(values) = values else {
            return incomplete(id, claim, "ordering gaps", &rule, n);
        };
        gaps.push(Judged::of(
            format!("{model} gap 5th-worst-bird/cat/deer"),
            values,
        ));
    }
    judge_gaps(gaps, n, id, claim, rule)
}

/// C5 (CIFAR-10): on no class is the AAE the best model by a significant margin (rule "significance",
/// docs/claims.md). Per seed and class, the AAE is best if it beats both the CAE and the VAE: p is the
/// larger of its two one-sided paired DeLong p-values. Across seeds it is best on the class only if it
/// is in every seed: p is the largest over seeds. These p are Holm-adjusted over the classes. Any
/// adjusted p < [`SIGNIFICANCE`] → refuted; no seed with any unadjusted p < [`SIGNIFICANCE`] →
/// reproduced; otherwise unresolved. Fewer than [`MIN_SEEDS`] seeds → unresolved.
pub fn c5_cifar_aae_never_significantly_best(inputs: &ClaimInputs) -> ClaimVerdict {
    let id = ClaimId::C5;
    let claim = "CIFAR-10: the AAE is never the single best model on a class by a significant margin (paired DeLong)";
    let rule = format!(
        "per class: p = max over seeds of max(p AAE>CAE, p AAE>VAE), Holm-adjusted over classes; any adjusted p < {SIGNIFICANCE} -> refuted; no seed with any unadjusted p < {SIGNIFICANCE} -> reproduced; else unresolved; needs >= {MIN_SEEDS} seeds"
    );
    let n = inputs.seeds.len();
    let classes = classes(inputs, ModelKind::Aae);
    let mut per_class = Vec::new();
    for class in &classes {
        let best_p = per_seed(inputs, |s| {
            let p = |other| s.paired_p.get(&(*class, ModelKind::Aae, other)).copied();
            Some(p(ModelKind::Cae)?.max(p(ModelKind::Vae)?))
        });
        let lead = per_seed(inputs, |s| {
            let a = auc(s, ModelKind::Aae, *class)?;
            Some(a - auc(s, ModelKind::Cae, *class)?.max(auc(s, ModelKind::Vae, *class)?))
        });
        let (Some(best_p), Some(lead)) = (best_p, lead) else {
            return incomplete(id, claim, "paired DeLong p-values", &rule, n);
        };
        per_class.push((*class, best_p, lead));
    }
    if per_class.is_empty() {
        return incomplete(id, claim, "paired DeLong p-values", &rule, n);
    }
    let combined: Vec<f64> = per_class
        .iter()
        .map(|(_, p, _)| p.iter().copied().fold(0.0, f64::max))
        .collect();
    let adjusted = holm_adjusted(&combined);
    let (best, best_adjusted) = adjusted
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(b.1))
        .map(|(i, p)| (i, *p))
        .expect("per_class is not empty");
    let nominal: Vec<String> = per_class
        .iter()
        .flat_map(|(class, p, lead)| {
            p.iter()
                .zip(lead)
                .zip(&inputs.seeds)
                .filter(|((p, _), _)| **p < SIGNIFICANCE)
                .map(move |((p, lead), seed)| {
                    format!(
                        "{} seed {} (lead {lead:+.4}, p {p:.3})",
                        class_name(DatasetKind::Cifar10, *class),
                        seed.seed
                    )
                })
        })
        .collect();
    let verdict = if n < MIN_SEEDS {
        Verdict::Unresolved
    } else if best_adjusted < SIGNIFICANCE {
        Verdict::Refuted
    } else if nominal.is_empty() {
        Verdict::Reproduced
    } else {
        Verdict::Unresolved
    };
    let (class, _, lead) = &per_class[best];
    let (lead_mean, lead_interval) = mean_and_interval(lead);
    let measured = format!(
        "smallest adjusted p {best_adjusted:.3} ({}, AAE lead over the better other {lead_mean:+.4} {}); AAE beats both with unadjusted p < {SIGNIFICANCE} in: {} ({n} seed(s))",
        class_name(DatasetKind::Cifar10, *class),
        fmt_interval(lead_interval),
        if nominal.is_empty() {
            "none".to_string()
        } else {
            nominal.join(", ")
        }
    );
    ClaimVerdict {
        id,
        claim: claim.into(),
        verdict,
        measured,
        evidence: Some(Evidence {
            statistic: format!(
                "Holm-adjusted p that the AAE is best on {} in every seed",
                class_name(DatasetKind::Cifar10, *class)
            ),
            value: Some(best_adjusted),
            interval: None,
            n_seeds: n,
            rule,
        }),
    }
}

/// Cost ratios within this band of 1 are ties: repeated interleaved measurements of the VAE/CAE
/// ratio on one 2-core machine ranged 0.97–1.12 (docs/performance.md, "Training cost"), so a smaller difference
/// is not resolved. The paper's own VAE/CAE ratios (1.039, 1.113) lie inside it.
pub const COST_TIE_BAND: f64 = 0.15;

/// C6: training cost per step is ordered CAE < VAE < AAE (rule "cost", one interleaved timing, not
/// judged over seeds). Refuted when a step of the order is reversed beyond the tie band, reproduced
/// when both steps exceed it, unresolved otherwise.
pub fn c6_training_cost_order(inputs: &ClaimInputs, dataset: DatasetKind) -> ClaimVerdict {
    let rule = format!(
        "one interleaved per-step timing: VAE/CAE and AAE/VAE both > 1 + {COST_TIE_BAND} -> reproduced; either < 1 - {COST_TIE_BAND} -> refuted; else unresolved"
    );
    let cost = |m| inputs.relative_step_cost.get(&m).copied();
    let (verdict, measured, value) = match (
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
                Some(steps[0].min(steps[1])),
            )
        }
        _ => (
            Verdict::Unresolved,
            "no per-step costs of all three models (step-cost timing skipped)".into(),
            None,
        ),
    };
    ClaimVerdict {
        id: ClaimId::C6,
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
        evidence: Some(Evidence {
            statistic: "the smaller of VAE/CAE and AAE/VAE per-step cost".into(),
            value,
            interval: None,
            n_seeds: 1,
            rule,
        }),
    }
}

/// C7 (CIFAR-10): every ROC-AUC lies between 0.50 and 0.80 (rule "band", [0.50, 0.80]).
pub fn c7_cifar_moderate(inputs: &ClaimInputs) -> ClaimVerdict {
    judge_band(
        DatasetKind::Cifar10,
        inputs,
        (0.50, 0.80),
        ClaimId::C7,
        "CIFAR-10: every ROC-AUC between 0.50 and 0.80",
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::claims::{evaluate, SeedInputs};
    use crate::paper;

    type Table = BTreeMap<(ModelKind, u8), f64>;

    fn paper_table(dataset: DatasetKind) -> Table {
        let mut table = Table::new();
        for row in paper::table(dataset, dataset.paper_normal_class()).unwrap() {
            for (model, cell) in paper::MODEL_ORDER.iter().zip(row.cells) {
                table.insert((*model, row.class), cell.roc_auc);
            }
        }
        table
    }

    /// One seed per table, no paired tests.
    fn seeds_of(tables: Vec<Table>) -> ClaimInputs {
        ClaimInputs {
            seeds: tables
                .into_iter()
                .enumerate()
                .map(|(i, roc_auc)| SeedInputs {
                    seed: i as u64,
                    roc_auc,
                    paired_p: BTreeMap::new(),
                })
                .collect(),
            relative_step_cost: BTreeMap::new(),
        }
    }

    /// Three seeds of `base`, every AUC shifted by a small per-seed offset, then `edit` applied to
    /// each seed's table.
    fn three_seeds(base: &Table, edit: impl Fn(usize, &mut Table)) -> ClaimInputs {
        seeds_of(
            (0..3)
                .map(|i| {
                    let offset = [-0.0002, 0.0, 0.0003][i];
                    let mut t: Table = base.iter().map(|(k, v)| (*k, v + offset)).collect();
                    edit(i, &mut t);
                    t
                })
                .collect(),
        )
    }

    fn set(t: &mut Table, model: ModelKind, class: u8, value: f64) {
        t.insert((model, class), value);
    }

    #[test]
    fn the_t_interval_over_seeds() {
        let (mean, interval) = mean_and_interval(&[1.0, 2.0, 3.0]);
        let [lo, hi] = interval.unwrap();
        // t(0.975, 2 df) = 4.3027; sd 1; half-width 4.3027 / sqrt(3).
        assert_eq!(mean, 2.0);
        assert!((hi - 2.0 - 4.302653 / 3f64.sqrt()).abs() < 1e-5, "{hi}");
        assert!((2.0 - lo - (hi - 2.0)).abs() < 1e-12);
        assert_eq!(mean_and_interval(&[0.5]), (0.5, None));
        assert_eq!(mean_and_interval(&[0.5, 0.5]), (0.5, Some([0.5, 0.5])));
    }

    #[test]
    fn c1_band_three_outcomes() {
        let base = paper_table(DatasetKind::Mnist);
        let ok = three_seeds(&base, |_, _| {});
        assert_eq!(c1_mnist_all_high(&ok).verdict, Verdict::Reproduced);
        let low = three_seeds(&base, |_, t| set(t, ModelKind::Vae, 4, 0.90));
        let verdict = c1_mnist_all_high(&low);
        assert_eq!(verdict.verdict, Verdict::Refuted, "{verdict:?}");
        assert!(
            verdict.measured.contains("VAE 4 0.90"),
            "{}",
            verdict.measured
        );
        let edge = three_seeds(&base, |i, t| {
            set(t, ModelKind::Aae, 7, [0.955, 0.965, 0.975][i])
        });
        let verdict = c1_mnist_all_high(&edge);
        assert_eq!(verdict.verdict, Verdict::Unresolved, "{verdict:?}");
        let evidence = verdict.evidence.unwrap();
        assert_eq!(evidence.statistic, "ROC-AUC of AAE 7");
        assert!((evidence.value.unwrap() - 0.965).abs() < 1e-12);
        assert_eq!(evidence.n_seeds, 3);
    }

    #[test]
    fn c7_band_three_outcomes() {
        let base = paper_table(DatasetKind::Cifar10);
        assert_eq!(
            c7_cifar_moderate(&three_seeds(&base, |_, _| {})).verdict,
            Verdict::Reproduced
        );
        let below = three_seeds(&base, |_, t| set(t, ModelKind::Cae, 4, 0.40));
        let verdict = c7_cifar_moderate(&below);
        assert_eq!(verdict.verdict, Verdict::Refuted, "{verdict:?}");
        assert!(
            verdict.measured.contains("CAE deer"),
            "{}",
            verdict.measured
        );
        let edge = three_seeds(&base, |i, t| {
            set(t, ModelKind::Cae, 4, [0.49, 0.50, 0.51][i])
        });
        assert_eq!(c7_cifar_moderate(&edge).verdict, Verdict::Unresolved);
    }

    #[test]
    fn c2_ordering_three_outcomes() {
        let base = paper_table(DatasetKind::Mnist);
        assert_eq!(
            c2_mnist_hardest_classes(&three_seeds(&base, |_, _| {})).verdict,
            Verdict::Reproduced
        );
        // Class 9 consistently harder than 7 for the AAE.
        let swapped = three_seeds(&base, |i, t| {
            set(t, ModelKind::Aae, 9, [0.950, 0.951, 0.952][i])
        });
        let verdict = c2_mnist_hardest_classes(&swapped);
        assert_eq!(verdict.verdict, Verdict::Refuted, "{verdict:?}");
        assert_eq!(verdict.evidence.unwrap().statistic, "AAE gap 9-7");
        // 9 below 7 in one seed only: the ordering does not hold consistently either way.
        let mixed = three_seeds(&base, |i, t| {
            if i == 1 {
                set(t, ModelKind::Cae, 9, 0.960);
            }
        });
        assert_eq!(
            c2_mnist_hardest_classes(&mixed).verdict,
            Verdict::Unresolved
        );
        // Every seed in order, but by less than the spread of the gap over seeds.
        let noisy = three_seeds(&base, |i, t| {
            let seven = t[&(ModelKind::Cae, 7)];
            set(t, ModelKind::Cae, 9, seven + [0.001, 0.02, 0.001][i])
        });
        assert_eq!(
            c2_mnist_hardest_classes(&noisy).verdict,
            Verdict::Unresolved
        );
    }

    #[test]
    fn c3_ordering_three_outcomes() {
        let base = paper_table(DatasetKind::Cifar10);
        assert_eq!(
            c3_cifar_vehicles_best(&three_seeds(&base, |_, _| {})).verdict,
            Verdict::Reproduced
        );
        let horse_best = three_seeds(&base, |_, t| set(t, ModelKind::Vae, 7, 0.80));
        assert_eq!(
            c3_cifar_vehicles_best(&horse_best).verdict,
            Verdict::Refuted
        );
        let horse_ties = three_seeds(&base, |i, t| {
            let truck = t[&(ModelKind::Vae, 9)];
            set(t, ModelKind::Vae, 7, truck + [-0.01, 0.0, 0.01][i])
        });
        assert_eq!(
            c3_cifar_vehicles_best(&horse_ties).verdict,
            Verdict::Unresolved
        );
    }

    #[test]
    fn c4_ordering_three_outcomes() {
        let base = paper_table(DatasetKind::Cifar10);
        assert_eq!(
            c4_cifar_animals_worst(&three_seeds(&base, |_, _| {})).verdict,
            Verdict::Reproduced
        );
        // Cat above two other classes for the AAE in every seed.
        let cat_high = three_seeds(&base, |_, t| set(t, ModelKind::Aae, 3, 0.70));
        assert_eq!(c4_cifar_animals_worst(&cat_high).verdict, Verdict::Refuted);
        // Cat level with the fifth-worst class (frog, for the AAE), either side by seed.
        let cat_level = three_seeds(&base, |i, t| {
            let frog = t[&(ModelKind::Aae, 6)];
            set(t, ModelKind::Aae, 3, frog + [-0.01, 0.0, 0.01][i])
        });
        assert_eq!(
            c4_cifar_animals_worst(&cat_level).verdict,
            Verdict::Unresolved
        );
    }

    /// Three seeds of the paper's Table 6 with the given one-sided p-values that the AAE beats the
    /// CAE and the VAE; p 0.5 where `p` gives None.
    fn c5_inputs(p: impl Fn(usize, u8) -> Option<f64>) -> ClaimInputs {
        let mut inputs = three_seeds(&paper_table(DatasetKind::Cifar10), |_, _| {});
        for (i, seed) in inputs.seeds.iter_mut().enumerate() {
            for class in (0..10).filter(|c| *c != 5) {
                for other in [ModelKind::Cae, ModelKind::Vae] {
                    let value = p(i, class).unwrap_or(0.5);
                    seed.paired_p.insert((class, ModelKind::Aae, other), value);
                }
            }
        }
        inputs
    }

    #[test]
    fn c5_significance_three_outcomes() {
        let never = c5_inputs(|_, _| None);
        assert_eq!(
            c5_cifar_aae_never_significantly_best(&never).verdict,
            Verdict::Reproduced
        );
        // Best on ship in every seed, p 0.001 each: Holm over 9 classes keeps it (0.009 < 0.05).
        let always = c5_inputs(|_, c| (c == 8).then_some(0.001));
        let verdict = c5_cifar_aae_never_significantly_best(&always);
        assert_eq!(verdict.verdict, Verdict::Refuted, "{verdict:?}");
        assert!(verdict.evidence.unwrap().statistic.contains("ship"));
        // Significant in one seed only: not a refutation, not a reproduction.
        let once = c5_inputs(|i, c| (c == 8 && i == 0).then_some(0.001));
        assert_eq!(
            c5_cifar_aae_never_significantly_best(&once).verdict,
            Verdict::Unresolved
        );
        // p 0.01 in every seed is significant alone but not after Holm over 9 classes (0.09).
        let uncorrected = c5_inputs(|_, c| (c == 8).then_some(0.01));
        assert_eq!(
            c5_cifar_aae_never_significantly_best(&uncorrected).verdict,
            Verdict::Unresolved
        );
    }

    #[test]
    fn one_seed_gives_no_interval_and_leaves_every_seed_judged_claim_unresolved() {
        for dataset in [DatasetKind::Mnist, DatasetKind::Cifar10] {
            let mut inputs = seeds_of(vec![paper_table(dataset)]);
            for class in (0..10).filter(|c| *c != dataset.paper_normal_class()) {
                for other in [ModelKind::Cae, ModelKind::Vae] {
                    inputs.seeds[0]
                        .paired_p
                        .insert((class, ModelKind::Aae, other), 0.5);
                }
            }
            for verdict in evaluate(dataset, &inputs) {
                assert_eq!(verdict.verdict, Verdict::Unresolved, "{verdict:?}");
                assert_eq!(verdict.evidence.as_ref().unwrap().interval, None);
            }
        }
    }

    #[test]
    fn a_missing_value_leaves_the_claim_unresolved() {
        let inputs = three_seeds(&paper_table(DatasetKind::Mnist), |i, t| {
            if i == 2 {
                set(t, ModelKind::Cae, 7, f64::NAN);
            }
        });
        for verdict in [
            c1_mnist_all_high(&inputs),
            c2_mnist_hardest_classes(&inputs),
        ] {
            assert_eq!(verdict.verdict, Verdict::Unresolved, "{verdict:?}");
            assert!(verdict.measured.contains("lacks a value"));
        }
    }

    /// The paper's own Tables 5-6 through each rule: as one seed (how the paper reports them) every
    /// seed-judged claim is unresolved; taken as exact (three identical seeds) the ROC-AUC claims
    /// hold, C5 stays unresolved (the paper reports no paired tests) and C6 is unresolved (VAE/CAE
    /// 1.039 and 1.113 are inside the tie band).
    #[test]
    fn the_papers_numbers_through_each_rule() {
        for dataset in [DatasetKind::Mnist, DatasetKind::Cifar10] {
            let table = paper_table(dataset);
            let mut inputs = seeds_of(vec![table.clone(), table.clone(), table]);
            let seconds = paper::train_seconds(dataset);
            for (model, s) in paper::MODEL_ORDER.iter().zip(seconds) {
                inputs.relative_step_cost.insert(*model, s / seconds[0]);
            }
            for verdict in evaluate(dataset, &inputs) {
                let expected = match verdict.id.to_string().as_str() {
                    "C5" | "C6" => Verdict::Unresolved,
                    _ => Verdict::Reproduced,
                };
                assert_eq!(verdict.verdict, expected, "{verdict:?}");
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
}
