//! The best model of each normal class in a merged sweep, and whether its lead holds over seeds.
use std::collections::BTreeMap;

use crate::data::DatasetKind;
use crate::metrics::over_seeds::{holm_adjusted, paired_t_test, SIGNIFICANCE};
use crate::run::choice::Choices;

use super::summary::{BestModel, CellMetrics, Entry};

pub(super) fn best_models(entries: &[Entry], cells: &[CellMetrics]) -> Vec<BestModel> {
    let mut by_class: BTreeMap<(DatasetKind, u8, &Choices), Vec<&Entry>> = BTreeMap::new();
    for e in entries {
        by_class
            .entry((e.dataset, e.normal_class, &e.choices))
            .or_default()
            .push(e);
    }
    let auc_by_seed = |dataset, normal, model, choices: &Choices| -> BTreeMap<u64, f64> {
        cells
            .iter()
            .filter(|c| {
                c.dataset == dataset
                    && c.normal_class == normal
                    && c.model == model
                    && c.choices == *choices
            })
            .map(|c| (c.seed, c.all_others_roc_auc))
            .collect()
    };
    let mut best = by_class
        .into_iter()
        .map(|((dataset, normal_class, choices), mut models)| {
            models.sort_by(|a, b| b.roc_auc.mean.total_cmp(&a.roc_auc.mean));
            let best = models[0].model;
            let runner_up = models.get(1).map(|e| e.model);
            let lead = runner_up.and_then(|r| {
                let a = auc_by_seed(dataset, normal_class, best, choices);
                let b = auc_by_seed(dataset, normal_class, r, choices);
                let (x, y): (Vec<f64>, Vec<f64>) = a
                    .iter()
                    .filter_map(|(seed, v)| b.get(seed).map(|w| (*v, *w)))
                    .unzip();
                paired_t_test(&x, &y)
            });
            BestModel {
                dataset,
                normal_class,
                choices: choices.clone(),
                best,
                runner_up,
                lead,
                holm_p_value: None,
                significant: false,
            }
        })
        .collect::<Vec<_>>();
    holm_adjust_per_dataset(&mut best);
    best
}

/// Holm's adjustment over the normal classes of each dataset (and combination of varied choices).
fn holm_adjust_per_dataset(best: &mut [BestModel]) {
    let mut families: Vec<(DatasetKind, Choices)> = best
        .iter()
        .map(|b| (b.dataset, b.choices.clone()))
        .collect();
    families.sort();
    families.dedup();
    for family in families {
        let tested: Vec<&mut BestModel> = best
            .iter_mut()
            .filter(|b| (b.dataset, &b.choices) == (family.0, &family.1) && b.lead.is_some())
            .collect();
        let p: Vec<f64> = tested
            .iter()
            .filter_map(|b| b.lead)
            .map(|t| t.p_value)
            .collect();
        for (b, adjusted) in tested.into_iter().zip(holm_adjusted(&p)) {
            b.holm_p_value = Some(adjusted);
            b.significant = adjusted < SIGNIFICANCE;
        }
    }
}
