//! The paper's claims about Tables 5–6, judged over seeds: reproduced, refuted or unresolved, with the
//! statistic behind each verdict and its uncertainty over seeds.
//!
//! Every band and ordering here is the paper's (or the reading of it); none is derived from our
//! own output. The rules are written down once, in `docs/claims.md`; each function below implements
//! one of them and says which.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::data::DatasetKind;
use crate::metrics::class_rows::PairedComparison;
use crate::model::ModelKind;

mod judge;
mod rules;

pub use rules::{
    c1_mnist_all_high, c2_mnist_hardest_classes, c3_cifar_vehicles_best, c4_cifar_animals_worst,
    c5_cifar_aae_never_significantly_best, c6_training_cost_order, c7_cifar_moderate,
    COST_TIE_BAND,
};

/// Fewer seeds than this give no interval, and every seed-judged claim is then unresolved.
pub const MIN_SEEDS: usize = 2;

/// The paper's claims, by the names docs/claims.md gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ClaimId {
    C1,
    C2,
    C3,
    C4,
    C5,
    C6,
    C7,
}

/// What a claim is judged on, which decides where it can be judged: per-class ROC-AUCs are in every
/// record, golden and score; paired tests need per-image scores; the step cost needs a timing run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimEvidence {
    RocAuc,
    PairedTests,
    StepCost,
}

/// What the claims read from one seed: ROC-AUC per (model, anomalous class) and the one-sided paired
/// DeLong p-values that `better` has a higher ROC-AUC than `worse` on `class`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SeedInputs {
    pub seed: u64,
    pub roc_auc: BTreeMap<(ModelKind, u8), f64>,
    pub paired_p: BTreeMap<(u8, ModelKind, ModelKind), f64>,
}

/// What the claims need from a run: every seed's results, and the per-step training cost of each
/// model relative to the CAE's (CAE = 1), timed once interleaved.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClaimInputs {
    pub seeds: Vec<SeedInputs>,
    pub relative_step_cost: BTreeMap<ModelKind, f64>,
    /// Seconds per step of each interleaved timing round, per model (C6 judges the rounds).
    pub step_cost_rounds: BTreeMap<ModelKind, Vec<f64>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ClaimVerdict {
    pub id: ClaimId,
    pub claim: String,
    pub verdict: Verdict,
    /// The measured numbers behind the verdict, in words.
    pub measured: String,
    /// The statistic the rule judged, its interval over seeds and the rule (absent in records written
    /// before claims were judged over seeds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
    /// For an unresolved verdict: how many seeds (C6: timing rounds) the observed mean and spread
    /// would need for the rule's interval to clear its edge ([`seeds_needed`]); None when resolved,
    /// or when no number would (a zero effect, a tie, more than 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seeds_needed: Option<usize>,
}

/// The number a verdict rests on.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Evidence {
    /// What `value` is (e.g. "ROC-AUC of AAE class 7", "gap: next-hardest class minus class 7").
    pub statistic: String,
    /// Its mean over seeds (None when it could not be computed).
    pub value: Option<f64>,
    /// 95 % Student-t interval of the mean over seeds (None with fewer than [`MIN_SEEDS`] seeds or
    /// where the rule uses no interval).
    pub interval: Option<[f64; 2]>,
    pub n_seeds: usize,
    /// The rule, in one line (the full text is in docs/claims.md).
    pub rule: String,
}

/// Whether a claim holds.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Reproduced,
    Refuted,
    /// The measurement cannot tell: the interval over seeds straddles the claim's boundary, the
    /// ordering does not hold consistently either way, or there are too few seeds.
    Unresolved,
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

    /// The line printed under an unresolved verdict that has a [`ClaimVerdict::seeds_needed`].
    pub fn seeds_needed_line(&self) -> Option<String> {
        let n = self
            .seeds_needed
            .filter(|_| self.verdict == Verdict::Unresolved)?;
        let unit = if self.id == "C6" {
            "timing rounds"
        } else {
            "seeds"
        };
        Some(format!(
            "{unit} needed to resolve it if the mean and spread stay as measured: {n}"
        ))
    }
}

/// The seeds (or rounds) an unresolved verdict needs: `refuting` are the statistics whose mean
/// lies on the refuting side of their edge (any one clearing it refutes: the fewest), `reproducing`
/// the unresolved ones on the reproducing side (all must clear: the most, None if any cannot).
/// Each entry is [`seeds_to_resolve`] of one statistic against its edge.
fn seeds_needed(refuting: &[Option<usize>], reproducing: &[Option<usize>]) -> Option<usize> {
    if refuting.is_empty() {
        reproducing
            .iter()
            .copied()
            .collect::<Option<Vec<_>>>()?
            .into_iter()
            .max()
    } else {
        refuting.iter().flatten().copied().min()
    }
}

impl ClaimId {
    pub const ALL: [ClaimId; 7] = [
        ClaimId::C1,
        ClaimId::C2,
        ClaimId::C3,
        ClaimId::C4,
        ClaimId::C5,
        ClaimId::C6,
        ClaimId::C7,
    ];

    /// The dataset whose table the claim is about (`None`: both, each judged on its own).
    pub fn dataset(self) -> Option<DatasetKind> {
        match self {
            ClaimId::C1 | ClaimId::C2 => Some(DatasetKind::Mnist),
            ClaimId::C3 | ClaimId::C4 | ClaimId::C5 | ClaimId::C7 => Some(DatasetKind::Cifar10),
            ClaimId::C6 => None,
        }
    }

    pub fn evidence(self) -> ClaimEvidence {
        match self {
            ClaimId::C5 => ClaimEvidence::PairedTests,
            ClaimId::C6 => ClaimEvidence::StepCost,
            _ => ClaimEvidence::RocAuc,
        }
    }

    /// The models whose results the claim compares (C2 is about the CAE's and the AAE's hardest
    /// classes; every other claim needs all three).
    pub fn models(self) -> &'static [ModelKind] {
        match self {
            ClaimId::C1 | ClaimId::C3 | ClaimId::C4 | ClaimId::C7 => &[],
            ClaimId::C2 => &[ModelKind::Cae, ModelKind::Aae],
            ClaimId::C5 | ClaimId::C6 => &ModelKind::ALL,
        }
    }
}

impl ClaimId {
    pub fn name(self) -> &'static str {
        match self {
            ClaimId::C1 => "C1",
            ClaimId::C2 => "C2",
            ClaimId::C3 => "C3",
            ClaimId::C4 => "C4",
            ClaimId::C5 => "C5",
            ClaimId::C6 => "C6",
            ClaimId::C7 => "C7",
        }
    }
}

impl std::fmt::Display for ClaimId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl PartialEq<&str> for ClaimId {
    fn eq(&self, other: &&str) -> bool {
        self.name() == *other
    }
}

/// The claims about `dataset` that `evidence` and `models` allow judging, in claim order.
pub fn applicable(
    dataset: DatasetKind,
    evidence: &[ClaimEvidence],
    models: &[ModelKind],
) -> Vec<ClaimId> {
    ClaimId::ALL
        .into_iter()
        .filter(|id| id.dataset().is_none_or(|d| d == dataset))
        .filter(|id| evidence.contains(&id.evidence()))
        .filter(|id| id.models().iter().all(|m| models.contains(m)))
        .collect()
}

/// The verdict of one claim.
pub fn judge(id: ClaimId, dataset: DatasetKind, inputs: &ClaimInputs) -> ClaimVerdict {
    match id {
        ClaimId::C1 => c1_mnist_all_high(inputs),
        ClaimId::C2 => c2_mnist_hardest_classes(inputs),
        ClaimId::C3 => c3_cifar_vehicles_best(inputs),
        ClaimId::C4 => c4_cifar_animals_worst(inputs),
        ClaimId::C5 => c5_cifar_aae_never_significantly_best(inputs),
        ClaimId::C6 => c6_training_cost_order(inputs, dataset),
        ClaimId::C7 => c7_cifar_moderate(inputs),
    }
}

/// Every claim about `dataset` (the paper's claims are about its own normal classes).
pub fn evaluate(dataset: DatasetKind, inputs: &ClaimInputs) -> Vec<ClaimVerdict> {
    evaluate_only(dataset, inputs, &ClaimId::ALL)
}

/// The verdicts of `ids` that are about `dataset`, in claim order.
pub fn evaluate_only(
    dataset: DatasetKind,
    inputs: &ClaimInputs,
    ids: &[ClaimId],
) -> Vec<ClaimVerdict> {
    ClaimId::ALL
        .into_iter()
        .filter(|id| ids.contains(id) && id.dataset().is_none_or(|d| d == dataset))
        .map(|id| judge(id, dataset, inputs))
        .collect()
}

/// Whether the claims about `dataset` can be judged on results of `normal_class` that cover these
/// (seed, model) pairs: the paper's normal class, with all three models for every seed.
pub fn judgeable(dataset: DatasetKind, normal_class: u8, results: &[(u64, ModelKind)]) -> bool {
    normal_class == dataset.paper_normal_class()
        && results.iter().all(|(seed, _)| {
            ModelKind::ALL
                .iter()
                .all(|m| results.contains(&(*seed, *m)))
        })
}

/// The verdicts over seeds that per-class ROC-AUC rows `(seed, model, class, roc_auc)` and paired
/// tests allow (every claim about `dataset` but the timing claim C6).
pub fn judge_results<'a>(
    dataset: DatasetKind,
    rows: impl IntoIterator<Item = (u64, ModelKind, u8, f64)>,
    paired: impl IntoIterator<Item = &'a PairedComparison>,
) -> Vec<ClaimVerdict> {
    let inputs = ClaimInputs::from_rows(rows, paired, BTreeMap::new());
    let judged = applicable(
        dataset,
        &[ClaimEvidence::RocAuc, ClaimEvidence::PairedTests],
        &ModelKind::ALL,
    );
    evaluate_only(dataset, &inputs, &judged)
}

impl ClaimInputs {
    /// These inputs with the per-round step timings C6 judges.
    pub fn with_step_cost_rounds(self, rounds: BTreeMap<ModelKind, Vec<f64>>) -> ClaimInputs {
        ClaimInputs {
            step_cost_rounds: rounds,
            ..self
        }
    }

    /// The inputs from per-class ROC-AUC rows `(seed, model, class, roc_auc)` (seeds kept in the
    /// order they first appear), paired tests of those seeds, and relative step costs.
    pub fn from_rows<'a>(
        rows: impl IntoIterator<Item = (u64, ModelKind, u8, f64)>,
        paired: impl IntoIterator<Item = &'a PairedComparison>,
        relative_step_cost: BTreeMap<ModelKind, f64>,
    ) -> ClaimInputs {
        let mut seeds: Vec<SeedInputs> = Vec::new();
        for (seed, model, class, roc_auc) in rows {
            let at = match seeds.iter().position(|s| s.seed == seed) {
                Some(i) => i,
                None => {
                    seeds.push(SeedInputs {
                        seed,
                        ..SeedInputs::default()
                    });
                    seeds.len() - 1
                }
            };
            seeds[at].roc_auc.insert((model, class), roc_auc);
        }
        for p in paired {
            if let Some(seed) = seeds.iter_mut().find(|s| s.seed == p.seed) {
                seed.paired_p
                    .insert((p.class, p.better, p.worse), p.p_value);
            }
        }
        ClaimInputs {
            seeds,
            relative_step_cost,
            step_cost_rounds: BTreeMap::new(),
        }
    }
}
