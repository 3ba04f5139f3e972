//! The rules' shared machinery: means and intervals over seeds, where an interval lies against a
//! band, and the two rule shapes ("band" and "ordering") that every seed-judged claim uses.
use crate::data::DatasetKind;
use crate::metrics::over_seeds::{seeds_to_resolve, SeedSummary, CONFIDENCE};
use crate::model::ModelKind;

use super::{
    seeds_needed, ClaimId, ClaimInputs, ClaimVerdict, Evidence, SeedInputs, Verdict, MIN_SEEDS,
};

/// Mean over seeds and its two-sided [`CONFIDENCE`] Student-t interval (None with fewer than
/// [`MIN_SEEDS`] values; a zero spread gives a zero-width interval).
pub fn mean_and_interval(values: &[f64]) -> (f64, Option<[f64; 2]>) {
    let summary = SeedSummary::of(values, CONFIDENCE);
    (summary.mean, summary.interval.map(|(lo, hi)| [lo, hi]))
}

/// Where an interval lies relative to a region of the real line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Placement {
    Inside,
    Outside,
    Straddles,
}

pub(super) fn place(interval: Option<[f64; 2]>, lo: f64, hi: f64) -> Placement {
    match interval {
        Some([a, b]) if a >= lo && b <= hi => Placement::Inside,
        Some([a, b]) if b < lo || a > hi => Placement::Outside,
        _ => Placement::Straddles,
    }
}

pub(super) fn fmt_interval(interval: Option<[f64; 2]>) -> String {
    match interval {
        Some([a, b]) => format!("[{a:.4}, {b:.4}]"),
        None => "no interval".into(),
    }
}

/// A per-seed series of one statistic, judged against a region.
#[derive(Debug, Clone)]
pub(super) struct Judged {
    pub(super) label: String,
    pub(super) values: Vec<f64>,
    pub(super) mean: f64,
    pub(super) sd: f64,
    pub(super) interval: Option<[f64; 2]>,
}

impl Judged {
    pub(super) fn of(label: String, values: Vec<f64>) -> Judged {
        let (mean, interval) = mean_and_interval(&values);
        Judged {
            label,
            sd: SeedSummary::of(&values, CONFIDENCE).sd,
            values,
            mean,
            interval,
        }
    }

    /// [`seeds_to_resolve`] against `edge` (None below [`MIN_SEEDS`] seeds: no spread known).
    pub(super) fn seeds_to_clear(&self, edge: f64) -> Option<usize> {
        (self.values.len() >= MIN_SEEDS)
            .then(|| seeds_to_resolve(self.mean, self.sd, edge, CONFIDENCE))
            .flatten()
    }

    pub(super) fn describe(&self) -> String {
        format!(
            "{} {:.4} {}",
            self.label,
            self.mean,
            fmt_interval(self.interval)
        )
    }
}

/// One value per seed of `f` over every seed; None when any seed lacks it or it is not finite.
pub(super) fn per_seed(
    inputs: &ClaimInputs,
    f: impl Fn(&SeedInputs) -> Option<f64>,
) -> Option<Vec<f64>> {
    inputs
        .seeds
        .iter()
        .map(|s| f(s).filter(|v| v.is_finite()))
        .collect()
}

pub(super) fn models(inputs: &ClaimInputs) -> Vec<ModelKind> {
    let mut models: Vec<ModelKind> = inputs
        .seeds
        .iter()
        .flat_map(|s| s.roc_auc.keys().map(|(m, _)| *m))
        .collect();
    models.sort();
    models.dedup();
    models
}

pub(super) fn classes(inputs: &ClaimInputs, model: ModelKind) -> Vec<u8> {
    let mut classes: Vec<u8> = inputs
        .seeds
        .iter()
        .flat_map(|s| {
            s.roc_auc
                .keys()
                .filter(|(m, _)| *m == model)
                .map(|(_, c)| *c)
        })
        .collect();
    classes.sort();
    classes.dedup();
    classes
}

pub(super) fn class_name(dataset: DatasetKind, class: u8) -> &'static str {
    dataset.class_names()[class as usize]
}

pub(super) fn incomplete(
    id: ClaimId,
    claim: &str,
    statistic: &str,
    rule: &str,
    n: usize,
) -> ClaimVerdict {
    ClaimVerdict {
        id,
        claim: claim.into(),
        verdict: Verdict::Unresolved,
        measured: "some seed lacks a value this claim needs (or it is not finite)".into(),
        evidence: Some(Evidence {
            statistic: statistic.into(),
            value: None,
            interval: None,
            n_seeds: n,
            rule: rule.into(),
        }),
        seeds_needed: None,
    }
}

/// Rule "band" (docs/claims.md): every (model, class) ROC-AUC must lie in `[lo, hi]` (`hi` infinite
/// for a one-sided threshold: a t-interval of AUCs near 1 may reach past 1). Each cell's
/// interval over seeds is placed against the band: all inside → reproduced; any entirely outside →
/// refuted; otherwise unresolved. The statistic shown is the decisive cell: the one farthest outside
/// when refuted, else the one whose interval comes closest to (or crosses) an edge.
pub(super) fn judge_band(
    dataset: DatasetKind,
    inputs: &ClaimInputs,
    (lo, hi): (f64, f64),
    id: ClaimId,
    claim: &str,
) -> ClaimVerdict {
    let band = if hi.is_finite() {
        format!("[{lo:.2}, {hi:.2}]")
    } else {
        format!(">= {lo:.2}")
    };
    let rule = format!(
        "every (model, class) ROC-AUC's {:.0} % t-interval over seeds inside {band} -> reproduced; any entirely outside -> refuted; else unresolved",
        CONFIDENCE * 100.0
    );
    let n = inputs.seeds.len();
    let mut cells = Vec::new();
    for model in models(inputs) {
        for class in classes(inputs, model) {
            let Some(values) = per_seed(inputs, |s| s.roc_auc.get(&(model, class)).copied()) else {
                return incomplete(id, claim, "ROC-AUC per (model, class)", &rule, n);
            };
            let label = format!("{model} {}", class_name(dataset, class));
            cells.push(Judged::of(label, values));
        }
    }
    if cells.is_empty() {
        return incomplete(id, claim, "ROC-AUC per (model, class)", &rule, n);
    }
    let placements: Vec<Placement> = cells.iter().map(|c| place(c.interval, lo, hi)).collect();
    // Distance of a cell's interval from the band's nearer edge: negative outside the band.
    let depth = |c: &Judged| {
        let [a, b] = c.interval.unwrap_or([c.mean, c.mean]);
        (a - lo).min(hi - b)
    };
    let verdict = if placements.contains(&Placement::Outside) {
        Verdict::Refuted
    } else if placements.iter().all(|p| *p == Placement::Inside) {
        Verdict::Reproduced
    } else {
        Verdict::Unresolved
    };
    let decisive = cells
        .iter()
        .zip(&placements)
        .filter(|(_, p)| verdict != Verdict::Refuted || **p == Placement::Outside)
        .map(|(c, _)| c)
        .min_by(|a, b| depth(a).total_cmp(&depth(b)))
        .expect("cells is not empty");
    let outside: Vec<String> = cells
        .iter()
        .zip(&placements)
        .filter(|(_, p)| **p == Placement::Outside)
        .map(|(c, _)| c.describe())
        .collect();
    let measured = if outside.is_empty() {
        format!(
            "closest to the band's edge: {} ({n} seed(s))",
            decisive.describe()
        )
    } else {
        format!("entirely outside: {} ({n} seeds)", outside.join(", "))
    };
    let seeds_needed = (verdict == Verdict::Unresolved)
        .then(|| {
            // A straddling cell with its mean outside the band refutes once it clears that edge;
            // one with its mean inside must clear the nearer edge inwards.
            let straddling = cells
                .iter()
                .zip(&placements)
                .filter(|(_, p)| **p == Placement::Straddles)
                .map(|(c, _)| c);
            let (refuting, reproducing): (Vec<_>, Vec<_>) =
                straddling.partition(|c| c.mean < lo || c.mean > hi);
            let nearer = |c: &Judged| if c.mean - lo < hi - c.mean { lo } else { hi };
            let needed = |cells: Vec<&Judged>| -> Vec<Option<usize>> {
                cells.iter().map(|c| c.seeds_to_clear(nearer(c))).collect()
            };
            seeds_needed(&needed(refuting), &needed(reproducing))
        })
        .flatten();
    ClaimVerdict {
        id,
        claim: claim.into(),
        verdict,
        measured,
        evidence: Some(Evidence {
            statistic: format!("ROC-AUC of {}", decisive.label),
            value: Some(decisive.mean),
            interval: decisive.interval,
            n_seeds: n,
            rule,
        }),
        seeds_needed,
    }
}

/// Rule "ordering" (docs/claims.md) over gaps that are positive when the claimed ordering holds. A gap
/// is established when it has the same sign in every seed and its t-interval over seeds excludes 0.
/// Every gap established positive → reproduced; any gap established negative → refuted; otherwise
/// unresolved. The statistic shown is the decisive gap: the reversed one when refuted, else the one
/// whose interval comes closest to (or crosses) 0.
pub(super) fn judge_gaps(
    gaps: Vec<Judged>,
    n: usize,
    id: ClaimId,
    claim: &str,
    rule: String,
) -> ClaimVerdict {
    if gaps.is_empty() {
        return incomplete(id, claim, "ordering gaps", &rule, n);
    }
    let established = |g: &Judged, positive: bool| {
        let same_sign = g
            .values
            .iter()
            .all(|v| if positive { *v > 0.0 } else { *v < 0.0 });
        let excludes_zero = match g.interval {
            Some([a, b]) => {
                if positive {
                    a > 0.0
                } else {
                    b < 0.0
                }
            }
            None => false,
        };
        same_sign && excludes_zero
    };
    let verdict = if gaps.iter().any(|g| established(g, false)) {
        Verdict::Refuted
    } else if gaps.iter().all(|g| established(g, true)) {
        Verdict::Reproduced
    } else {
        Verdict::Unresolved
    };
    let lower = |g: &Judged| g.interval.map_or(g.mean, |[a, _]| a);
    let decisive = if verdict == Verdict::Refuted {
        gaps.iter().find(|g| established(g, false))
    } else {
        gaps.iter().min_by(|a, b| lower(a).total_cmp(&lower(b)))
    }
    .expect("gaps is not empty");
    // Counts the interval condition only (not "same sign in every seed"): an unestablished gap
    // with a negative mean refutes once its interval clears 0, positive ones must all clear it.
    let seeds_needed = (verdict == Verdict::Unresolved)
        .then(|| {
            let open: Vec<&Judged> = gaps.iter().filter(|g| !established(g, true)).collect();
            let (refuting, reproducing): (Vec<_>, Vec<_>) =
                open.into_iter().partition(|g| g.mean < 0.0);
            let needed = |gaps: Vec<&Judged>| -> Vec<Option<usize>> {
                gaps.iter().map(|g| g.seeds_to_clear(0.0)).collect()
            };
            seeds_needed(&needed(refuting), &needed(reproducing))
        })
        .flatten();
    ClaimVerdict {
        id,
        claim: claim.into(),
        verdict,
        measured: format!(
            "{} ({n} seed(s)); per seed {}",
            gaps.iter()
                .map(Judged::describe)
                .collect::<Vec<_>>()
                .join("; "),
            decisive
                .values
                .iter()
                .map(|v| format!("{v:+.4}"))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        evidence: Some(Evidence {
            statistic: decisive.label.clone(),
            value: Some(decisive.mean),
            interval: decisive.interval,
            n_seeds: n,
            rule,
        }),
        seeds_needed,
    }
}

pub(super) fn ordering_rule(what: &str) -> String {
    format!(
        "gap ({what}) per seed; same sign in every seed and its {:.0} % t-interval over seeds excludes 0: every gap positive -> reproduced, any negative -> refuted; else unresolved",
        CONFIDENCE * 100.0
    )
}

/// AUC of `class` minus the smallest AUC among classes not in `exclude` (positive: `class` is below
/// all of them), for one model and seed; with `kth` = 1 the second smallest, and so on.
pub(super) fn kth_other(
    seed: &SeedInputs,
    model: ModelKind,
    exclude: &[u8],
    kth: usize,
) -> Option<f64> {
    let mut others: Vec<f64> = seed
        .roc_auc
        .iter()
        .filter(|((m, c), _)| *m == model && !exclude.contains(c))
        .map(|(_, auc)| *auc)
        .collect();
    others.sort_by(f64::total_cmp);
    others.get(kth).copied()
}

pub(super) fn auc(seed: &SeedInputs, model: ModelKind, class: u8) -> Option<f64> {
    seed.roc_auc.get(&(model, class)).copied()
}
