//! The sensitivity table of a sweep that varies choices the paper leaves open: each claim's verdict
//! under each combination of the varied choices, the claims whose verdict changes flagged, and the
//! statistic each verdict rests on with its interval over seeds.
use crate::claims::{ClaimId, ClaimVerdict, Verdict};
use crate::data::DatasetKind;
use crate::run::choice::{ChoiceKey, Choices};
use crate::sweep::summary::{Summary, VariantVerdicts};

/// The claims whose verdict differs between combinations, per dataset, with the verdict under each.
pub fn changed_claims(
    verdicts: &[VariantVerdicts],
    dataset: DatasetKind,
) -> Vec<(ClaimId, Vec<Verdict>)> {
    let of_dataset: Vec<&VariantVerdicts> =
        verdicts.iter().filter(|v| v.dataset == dataset).collect();
    claim_ids(&of_dataset)
        .into_iter()
        .filter_map(|id| {
            let verdicts: Vec<Verdict> = of_dataset
                .iter()
                .filter_map(|v| find(v, id).map(|c| c.verdict))
                .collect();
            let changes = verdicts.iter().any(|v| *v != verdicts[0]);
            changes.then_some((id, verdicts))
        })
        .collect()
}

/// The Markdown sensitivity tables of every dataset of a merged sweep (empty when nothing was judged).
pub fn markdown(summary: &Summary) -> String {
    render(&summary.varied, &summary.verdicts)
}

/// The Markdown sensitivity tables of `verdicts`, one per dataset, columns named by `varied`.
pub fn render(varied: &[ChoiceKey], verdicts: &[VariantVerdicts]) -> String {
    let mut datasets: Vec<DatasetKind> = verdicts.iter().map(|v| v.dataset).collect();
    datasets.dedup();
    let mut out = String::new();
    for dataset in datasets {
        out.push_str(&dataset_markdown(varied, verdicts, dataset));
    }
    out
}

fn dataset_markdown(
    varied: &[ChoiceKey],
    verdicts: &[VariantVerdicts],
    dataset: DatasetKind,
) -> String {
    let of_dataset: Vec<&VariantVerdicts> =
        verdicts.iter().filter(|v| v.dataset == dataset).collect();
    let ids = claim_ids(&of_dataset);
    let keys: Vec<String> = varied.iter().map(|k| k.to_string()).collect();
    let changed: Vec<ClaimId> = changed_claims(verdicts, dataset)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let mut out = format!(
        "**{dataset} (normal {}): claim verdicts under each {}** (seeds {}; details below)\n\n",
        dataset.class_label(dataset.paper_normal_class()),
        keys.join(" × "),
        seeds_of(&of_dataset)
    );
    let id_header: Vec<String> = ids.iter().map(ToString::to_string).collect();
    out.push_str(&format!(
        "| {} | {} |\n|{}{}\n",
        keys.join(" | "),
        id_header.join(" | "),
        "---|".repeat(keys.len()),
        "---|".repeat(ids.len())
    ));
    for variant in &of_dataset {
        let verdicts: Vec<String> = ids
            .iter()
            .map(|id| find(variant, *id).map_or("—".to_string(), |c| c.verdict.to_string()))
            .collect();
        out.push_str(&format!(
            "| {} | {} |\n",
            values(&variant.choices).join(" | "),
            verdicts.join(" | ")
        ));
    }
    let flags: Vec<&str> = ids
        .iter()
        .map(|id| {
            if changed.contains(id) {
                "**changes**"
            } else {
                "same"
            }
        })
        .collect();
    out.push_str(&format!(
        "| verdict across {} |{} {} |\n\n",
        keys.join(" × "),
        " |".repeat(keys.len().saturating_sub(1)),
        flags.join(" | ")
    ));
    out.push_str(&format!(
        "| claim | {} | verdict | statistic | mean [95 % t-interval] |\n|---|{}---|---|---|\n",
        keys.join(" | "),
        "---|".repeat(keys.len())
    ));
    for id in &ids {
        for variant in &of_dataset {
            let Some(claim) = find(variant, *id) else {
                continue;
            };
            let (statistic, value) = evidence(claim);
            out.push_str(&format!(
                "| {id} | {} | {} | {statistic} | {value} |\n",
                values(&variant.choices).join(" | "),
                claim.verdict
            ));
        }
    }
    out.push('\n');
    out
}

/// The claims of every dataset side by side under each combination of the varied choices: one row
/// per claim, one column per combination with the verdict and the statistic it rests on, then a
/// line naming the claims whose verdict changes.
pub fn claims_markdown(summary: &Summary) -> String {
    let combinations = summary.variants();
    let all: Vec<&VariantVerdicts> = summary.verdicts.iter().collect();
    let headers: Vec<String> = combinations
        .iter()
        .map(|c| format!("`{}`", crate::run::choice::label(c)))
        .collect();
    let mut out = format!(
        "| claim | {} |\n|---|{}\n",
        headers.join(" | "),
        "---|".repeat(headers.len())
    );
    for id in claim_ids(&all) {
        let judged: Vec<Option<&ClaimVerdict>> = combinations
            .iter()
            .map(|choices| {
                all.iter()
                    .filter(|v| v.choices == *choices)
                    .find_map(|v| find(v, id))
            })
            .collect();
        let Some(statement) = judged.iter().flatten().next().map(|c| c.claim.as_str()) else {
            continue;
        };
        let cells: Vec<String> = judged
            .iter()
            .map(|claim| {
                claim.map_or("—".to_string(), |c| {
                    let (statistic, value) = evidence(c);
                    format!("{}: {statistic} {value}", c.verdict)
                })
            })
            .collect();
        out.push_str(&format!("| {id} {statement} | {} |\n", cells.join(" | ")));
    }
    let mut datasets: Vec<DatasetKind> = all.iter().map(|v| v.dataset).collect();
    datasets.dedup();
    let changed: Vec<String> = datasets
        .into_iter()
        .flat_map(|d| changed_claims(&summary.verdicts, d))
        .map(|(id, verdicts)| {
            let verdicts: Vec<String> = verdicts.iter().map(ToString::to_string).collect();
            format!("{id} ({})", verdicts.join(" → "))
        })
        .collect();
    out.push_str(&format!(
        "\nSeeds {}. Verdicts that change with {}: {}.\n",
        seeds_of(&all),
        summary
            .varied
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" × "),
        if changed.is_empty() {
            "none".to_string()
        } else {
            changed.join(", ")
        }
    ));
    out
}

/// Per dataset, the paper's normal class against each anomalous class: mean ROC-AUC over seeds for
/// every combination and model (rows), the columns the anomalous classes and all others.
pub fn per_class_markdown(summary: &Summary) -> String {
    let mut datasets: Vec<DatasetKind> = summary.entries.iter().map(|e| e.dataset).collect();
    datasets.dedup();
    let keys: Vec<String> = summary.varied.iter().map(|k| k.to_string()).collect();
    let mut out = String::new();
    for dataset in datasets {
        let normal = dataset.paper_normal_class();
        let names = dataset.class_names();
        let others: Vec<u8> = (0..names.len() as u8).filter(|c| *c != normal).collect();
        let header: Vec<&str> = others.iter().map(|c| names[*c as usize]).collect();
        out.push_str(&format!(
            "**{dataset} (normal {}): mean ROC-AUC over seeds against each class** (below 0.5 in bold)\n\n\
             | {} | model | {} | all others |\n|{}---|{}---|\n",
            names[normal as usize],
            keys.join(" | "),
            header.join(" | "),
            "---|".repeat(keys.len()),
            "---|".repeat(others.len())
        ));
        for choices in summary.variants() {
            let variant = summary.variant(&choices);
            let view = variant.of_dataset(dataset);
            for model in &view.models {
                let Some(entry) = view.find(normal, *model) else {
                    continue;
                };
                let cells: Vec<String> = others
                    .iter()
                    .map(|c| {
                        entry.per_class_roc_auc.get(c).map_or("—".to_string(), |s| {
                            if s.mean < 0.5 {
                                format!("**{:.3}**", s.mean)
                            } else {
                                format!("{:.3}", s.mean)
                            }
                        })
                    })
                    .collect();
                out.push_str(&format!(
                    "| {} | {model} | {} | {:.3} |\n",
                    values(&choices).join(" | "),
                    cells.join(" | "),
                    entry.roc_auc.mean
                ));
            }
        }
        out.push('\n');
    }
    out
}

fn claim_ids(variants: &[&VariantVerdicts]) -> Vec<ClaimId> {
    let mut ids: Vec<ClaimId> = variants
        .iter()
        .flat_map(|v| v.claims.iter().map(|c| c.id))
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

fn find(variant: &VariantVerdicts, id: ClaimId) -> Option<&ClaimVerdict> {
    variant.claims.iter().find(|c| c.id == id)
}

fn values(choices: &Choices) -> Vec<String> {
    choices.values().cloned().collect()
}

fn seeds_of(variants: &[&VariantVerdicts]) -> String {
    let mut seeds: Vec<u64> = variants.iter().flat_map(|v| v.seeds.clone()).collect();
    seeds.sort();
    seeds.dedup();
    seeds
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A verdict's statistic and its mean [95 % interval], as the sensitivity tables print them.
pub(crate) fn evidence(claim: &ClaimVerdict) -> (String, String) {
    let Some(e) = &claim.evidence else {
        return (claim.measured.clone(), String::new());
    };
    let value = match (e.value, e.interval) {
        (Some(v), Some([lo, hi])) => format!("{v:.4} [{lo:.4}, {hi:.4}]"),
        (Some(v), None) => format!("{v:.4}"),
        (None, _) => "—".to_string(),
    };
    (e.statistic.clone(), value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::ClaimVerdict;

    fn verdicts(preprocess: &str, c3: Verdict, c7: Verdict) -> VariantVerdicts {
        let claim = |id, verdict| ClaimVerdict {
            id,
            claim: String::new(),
            verdict,
            measured: String::new(),
            evidence: None,
            seeds_needed: None,
        };
        VariantVerdicts {
            dataset: DatasetKind::Cifar10,
            choices: [(ChoiceKey::Preprocess, preprocess.to_string())].into(),
            seeds: vec![0, 1, 2],
            claims: vec![claim(ClaimId::C3, c3), claim(ClaimId::C7, c7)],
        }
    }

    #[test]
    fn a_claim_whose_verdict_changes_with_the_choice_is_flagged() {
        let all = [
            verdicts("raw", Verdict::Reproduced, Verdict::Refuted),
            verdicts("gcn-l1-minmax", Verdict::Reproduced, Verdict::Unresolved),
        ];
        let changed = changed_claims(&all, DatasetKind::Cifar10);
        assert_eq!(
            changed,
            [(ClaimId::C7, vec![Verdict::Refuted, Verdict::Unresolved])]
        );
        let table = render(&[ChoiceKey::Preprocess], &all);
        assert!(table.contains("| raw | reproduced | refuted |"), "{table}");
        assert!(
            table.contains("| gcn-l1-minmax | reproduced | unresolved |"),
            "{table}"
        );
        assert!(
            table.contains("| verdict across preprocess | same | **changes** |"),
            "{table}"
        );
    }
}
