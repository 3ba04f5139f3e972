//! `audit --rerun`: the golden's configurations trained again, one run directory per dataset and
//! normal class.
use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context};

use super::golden::{self, Entry, Golden};
use crate::data::DatasetKind;
use crate::model::ModelKind;
use crate::run::experiment::{self, RunOptions};

/// Runs the golden's configurations again into run directories under `out` (one per dataset and
/// normal class, every model and seed of the golden's), on the CPU.
pub fn rerun(golden: &Golden, out: &Path, data_dir: &Path) -> anyhow::Result<()> {
    let mut groups: BTreeMap<(DatasetKind, u8), Vec<&Entry>> = BTreeMap::new();
    for entry in &golden.entries {
        groups
            .entry((entry.dataset, entry.normal_class))
            .or_default()
            .push(entry);
    }
    for ((dataset, normal_class), entries) in groups {
        let first = entries[0];
        let mut config = first.config.clone();
        for entry in &entries {
            if config.for_result(entry.model, entry.seed) != entry.config {
                bail!(
                    "the golden's {} has another configuration than {}: rerun them separately",
                    entry.label(),
                    first.label()
                );
            }
        }
        config.models = ModelKind::ALL
            .into_iter()
            .filter(|m| entries.iter().any(|e| e.model == *m))
            .collect();
        config.seeds = entries.iter().map(|e| e.seed).collect();
        config.seeds.sort();
        config.seeds.dedup();
        config.step_cost.rounds = 0;
        let dir = golden::rerun_dir(out, dataset, normal_class);
        eprintln!(
            "rerunning {dataset} {}: models {:?}, seeds {:?}, {} epoch(s), {:?} threads, into {}",
            dataset.class_label(normal_class),
            config.models,
            config.seeds,
            config.train.epochs,
            config.train.threads,
            dir.display()
        );
        let options = RunOptions {
            out_dir: &dir,
            data_dir,
            device: tch::Device::Cpu,
            resume: false,
            force: false,
            show_progress: false,
        };
        experiment::run(&config, &options)
            .with_context(|| format!("rerunning the golden's {dataset} configuration"))?;
    }
    Ok(())
}
