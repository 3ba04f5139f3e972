//! Anomalous classes that a model scores as *more* normal than the normal class itself (ROC-AUC
//! below 0.5), counted over every normal class × model of a sweep: does the paper's CIFAR-10 finding
//! (bird, cat, deer, frog below chance with dog normal) hold when other classes are normal?
use crate::data::DatasetKind;
use crate::model::ModelKind;

use super::summary::{Entry, Summary};

/// One anomalous class against every (normal class, model) entry that scored it.
#[derive(Debug, Clone, PartialEq)]
pub struct BelowChance {
    pub anomalous: u8,
    /// Entries that scored this class (normal class ≠ this class).
    pub entries: usize,
    /// Entries whose mean ROC-AUC over seeds is below 0.5.
    pub mean_below: usize,
    /// Entries whose whole 95 % t-interval over seeds is below 0.5.
    pub interval_below: usize,
    /// Normal classes for which every model's interval is below 0.5.
    pub every_model_below: Vec<u8>,
}

/// Per anomalous class of `dataset`, how many entries score it below chance (pure).
pub fn below_chance(entries: &[Entry], dataset: DatasetKind) -> Vec<BelowChance> {
    let entries: Vec<&Entry> = entries.iter().filter(|e| e.dataset == dataset).collect();
    let interval_below = |e: &Entry, a: u8| {
        e.per_class_roc_auc
            .get(&a)
            .and_then(|s| s.interval)
            .is_some_and(|(_, hi)| hi < 0.5)
    };
    (0..dataset.class_names().len() as u8)
        .map(|a| {
            let scoring: Vec<&Entry> = entries
                .iter()
                .copied()
                .filter(|e| e.per_class_roc_auc.contains_key(&a))
                .collect();
            let mut normals: Vec<u8> = scoring.iter().map(|e| e.normal_class).collect();
            normals.sort();
            normals.dedup();
            let every_model_below = normals
                .into_iter()
                .filter(|&c| {
                    let of_c: Vec<&Entry> = scoring
                        .iter()
                        .copied()
                        .filter(|e| e.normal_class == c)
                        .collect();
                    of_c.len() == ModelKind::ALL.len() && of_c.iter().all(|e| interval_below(e, a))
                })
                .collect();
            BelowChance {
                anomalous: a,
                entries: scoring.len(),
                mean_below: scoring
                    .iter()
                    .filter(|e| e.per_class_roc_auc[&a].mean < 0.5)
                    .count(),
                interval_below: scoring.iter().filter(|e| interval_below(e, a)).count(),
                every_model_below,
            }
        })
        .collect()
}

/// The Markdown table of [`below_chance`], or one sentence when no class is below chance.
pub fn markdown(summary: &Summary, dataset: DatasetKind) -> String {
    let names = dataset.class_names();
    let rows = below_chance(&summary.entries, dataset);
    if rows.iter().all(|r| r.mean_below == 0) {
        return format!(
            "{dataset}: no anomalous class has a mean ROC-AUC below 0.5 for any normal class and model.\n"
        );
    }
    let mut out = format!(
        "**{dataset}: anomalous classes scored as more normal than the normal class** \
         (ROC-AUC < 0.5; counted over (normal class, model) entries)\n\n\
         | anomalous class | mean < 0.5 | 95 % interval < 0.5 | normal classes where every model's interval < 0.5 |\n\
         |---|---|---|---|\n"
    );
    for r in rows.iter().filter(|r| r.mean_below > 0) {
        let normals: Vec<&str> = r
            .every_model_below
            .iter()
            .map(|&c| names[c as usize])
            .collect();
        out.push_str(&format!(
            "| {} | {} of {} | {} of {} | {} |\n",
            names[r.anomalous as usize],
            r.mean_below,
            r.entries,
            r.interval_below,
            r.entries,
            if normals.is_empty() {
                "—".to_string()
            } else {
                normals.join(", ")
            }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::over_seeds::SeedSummary;
    use std::collections::BTreeMap;

    fn summary(mean: f64, half_width: f64) -> SeedSummary {
        SeedSummary {
            mean,
            sd: half_width / 4.3,
            n: 3,
            interval: Some((mean - half_width, mean + half_width)),
            confidence: 0.95,
        }
    }

    fn entry(normal: u8, model: ModelKind, vs: &[(u8, f64, f64)]) -> Entry {
        Entry {
            dataset: DatasetKind::Cifar10,
            normal_class: normal,
            model,
            choices: Default::default(),
            seeds: vec![0, 1, 2],
            partial: false,
            roc_auc: summary(0.6, 0.01),
            average_precision: summary(0.6, 0.01),
            per_class_roc_auc: vs
                .iter()
                .map(|&(a, m, w)| (a, summary(m, w)))
                .collect::<BTreeMap<_, _>>(),
        }
    }

    #[test]
    fn counts_means_intervals_and_normals_where_every_model_is_below() {
        let entries = vec![
            // normal 5 (dog): class 2 (bird) below for all three models, one only by its mean.
            entry(5, ModelKind::Cae, &[(2, 0.40, 0.02), (3, 0.49, 0.05)]),
            entry(5, ModelKind::Vae, &[(2, 0.42, 0.02), (3, 0.60, 0.01)]),
            entry(5, ModelKind::Aae, &[(2, 0.45, 0.02), (3, 0.70, 0.01)]),
            // normal 3 (cat): bird below for two models only.
            entry(3, ModelKind::Cae, &[(2, 0.44, 0.01)]),
            entry(3, ModelKind::Vae, &[(2, 0.46, 0.01)]),
            entry(3, ModelKind::Aae, &[(2, 0.55, 0.01)]),
        ];
        let rows = below_chance(&entries, DatasetKind::Cifar10);
        let bird = &rows[2];
        assert_eq!(
            (bird.entries, bird.mean_below, bird.interval_below),
            (6, 5, 5)
        );
        assert_eq!(bird.every_model_below, vec![5]);
        let cat = &rows[3];
        assert_eq!((cat.entries, cat.mean_below, cat.interval_below), (3, 1, 0));
        assert!(cat.every_model_below.is_empty());
        assert_eq!(rows[0].entries, 0);
    }

    #[test]
    fn an_interval_touching_one_half_is_not_below_chance() {
        let entries = vec![entry(5, ModelKind::Cae, &[(2, 0.48, 0.02)])];
        let bird = &below_chance(&entries, DatasetKind::Cifar10)[2];
        assert_eq!((bird.mean_below, bird.interval_below), (1, 0));
    }
}
