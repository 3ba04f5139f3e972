//! A sweep plan: every cell (dataset, normal class, model, seed, full experiment config) with a
//! stable id derived from the cell's complete config and a dense index 0..N-1.
//!
//! The id hashes the cell's config as stored in `plan.json` (not as today's code would rebuild it),
//! so a plan stays valid across versions that add config fields; an edited config no longer matches
//! its id and is refused. The thread count is left out of the id: it is an execution resource chosen
//! by the runner (recorded in each cell's record), although it changes results in the last bits.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::data::DatasetKind;
use crate::model::ModelKind;
use crate::run::choice::{self, Choices, Variations};
use crate::run::config::{ExperimentConfig, TrainingChoices};

use super::selection::{normal_classes, refuse_repeats, ClassSelection, SeedSelection};

pub const PLAN_SCHEMA_VERSION: u32 = 1;

/// What to sweep: given on the command line or as a TOML file (same keys).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSpec {
    pub datasets: Vec<DatasetKind>,
    pub normal_classes: ClassSelection,
    #[serde(default = "all_models")]
    pub models: Vec<ModelKind>,
    pub seeds: SeedSelection,
    #[serde(default)]
    pub training: TrainingChoices,
    /// Choices planned once per value (the product of all of them); merge groups by them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vary: Variations,
}

fn all_models() -> Vec<ModelKind> {
    ModelKind::ALL.to_vec()
}

impl SweepSpec {
    pub fn from_toml_file(path: &Path) -> anyhow::Result<SweepSpec> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        toml::from_str(&text).with_context(|| {
            format!(
                "{} is not a sweep config (keys: datasets, normal_classes, models, seeds, \
                 training, vary)",
                path.display()
            )
        })
    }
}

/// One unit of work: one model of one seed on one normal class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    pub index: usize,
    pub id: String,
    pub dataset: DatasetKind,
    pub normal_class: u8,
    pub model: ModelKind,
    pub seed: u64,
    /// The value of each varied choice in `config` (for the label; merge reads them from `config`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub choices: Choices,
    /// The complete experiment config of this cell (one model, one seed), as hashed into `id`.
    pub config: Value,
}

impl Cell {
    /// The config as typed, checked against the id (an edited plan is refused, naming the cell).
    pub fn experiment_config(&self) -> anyhow::Result<ExperimentConfig> {
        let id = cell_id(&self.config);
        if id != self.id {
            bail!(
                "cell {} ({}) has id {} but its config hashes to {id}: plan.json was edited after \
                 planning; plan again into a new directory (or with --force)",
                self.index,
                self.label(),
                self.id
            );
        }
        let config: ExperimentConfig =
            serde_json::from_value(self.config.clone()).with_context(|| {
                format!(
                    "cell {} ({}): config is not valid",
                    self.index,
                    self.label()
                )
            })?;
        let labelled = (
            self.dataset,
            self.normal_class,
            vec![self.model],
            vec![self.seed],
            self.choices.clone(),
        );
        let configured = (
            config.dataset,
            config.normal_class,
            config.models.clone(),
            config.seeds.clone(),
            choice::choices_of(self.choices.keys().copied(), &config),
        );
        if labelled != configured {
            bail!(
                "cell {} is labelled {} but its config is {} normal {} models {:?} seeds {:?} {}: \
                 plan.json was edited after planning; plan again into a new directory",
                self.index,
                self.label(),
                config.dataset,
                config.normal_class,
                config.models,
                config.seeds,
                choice::label(&configured.4)
            );
        }
        Ok(config)
    }

    pub fn label(&self) -> String {
        let label = format!(
            "{} normal {} {} seed {}",
            self.dataset.slug(),
            self.dataset
                .class_names()
                .get(self.normal_class as usize)
                .copied()
                .unwrap_or("(no such class)"),
            self.model.slug(),
            self.seed
        );
        label + &choice::suffix(&self.choices)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub schema_version: u32,
    pub spec: SweepSpec,
    pub cells: Vec<Cell>,
}

/// The identity of a config: sha256 of its canonical JSON (sorted keys), thread count removed.
pub fn cell_id(config: &Value) -> String {
    let mut identity = config.clone();
    if let Some(train) = identity.get_mut("train").and_then(Value::as_object_mut) {
        train.remove("threads");
    }
    let digest = Sha256::digest(identity.to_string().as_bytes());
    hex::encode(&digest[..8])
}

/// Expands a spec into cells. Order: class rank (outermost), dataset, combination of varied choices,
/// seed, model — the paper's two cells first when all classes are swept.
pub fn expand(spec: &SweepSpec) -> anyhow::Result<Plan> {
    if spec.datasets.is_empty() {
        bail!("no dataset given (--dataset mnist and/or --dataset cifar10)");
    }
    if spec.models.is_empty() {
        bail!("no model given (--models cae,vae,aae)");
    }
    let seeds = spec.seeds.seeds();
    if seeds.is_empty() {
        bail!("no seeds given (--seeds N for 0..N, or a list)");
    }
    refuse_repeats("seed", &seeds)?;
    refuse_repeats("model", &spec.models)?;
    refuse_repeats("dataset", &spec.datasets)?;
    let models = spec.models.clone();
    let per_dataset = spec
        .datasets
        .iter()
        .map(|d| Ok((*d, normal_classes(*d, &spec.normal_classes)?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let combinations = choice::combinations(&spec.training, &spec.vary)?;
    let ranks = per_dataset.iter().map(|(_, c)| c.len()).max().unwrap_or(0);
    let mut cells = Vec::new();
    for rank in 0..ranks {
        for (dataset, classes) in &per_dataset {
            let Some(&normal_class) = classes.get(rank) else {
                continue;
            };
            for training in &combinations {
                for &seed in &seeds {
                    for &model in &models {
                        let mut config = training.experiment_config(*dataset)?;
                        config.normal_class = normal_class;
                        config.models = vec![model];
                        config.seeds = vec![seed];
                        config.train.threads = None;
                        config.step_cost.rounds = 0;
                        config.validate()?;
                        let choices = choice::choices_of(spec.vary.keys().copied(), &config);
                        let config = serde_json::to_value(&config)?;
                        cells.push(Cell {
                            index: cells.len(),
                            id: cell_id(&config),
                            dataset: *dataset,
                            normal_class,
                            model,
                            seed,
                            choices,
                            config,
                        });
                    }
                }
            }
        }
    }
    let mut ids = std::collections::BTreeSet::new();
    if let Some(twice) = cells.iter().find(|c| !ids.insert(c.id.as_str())) {
        bail!(
            "two values of a --vary give the same experiment ({}): each cell must be planned once",
            twice.label()
        );
    }
    Ok(Plan {
        schema_version: PLAN_SCHEMA_VERSION,
        spec: spec.clone(),
        cells,
    })
}

pub fn plan_path(dir: &Path) -> PathBuf {
    dir.join(crate::store::layout::PLAN)
}

/// Writes `plan` into `dir`, refusing a directory that holds a different plan unless `force`.
pub fn write(dir: &Path, plan: &Plan, force: bool) -> anyhow::Result<()> {
    let path = plan_path(dir);
    if path.exists() {
        let existing = read(dir);
        let same = existing.as_ref().is_ok_and(|p| p.cells == plan.cells);
        if !same && !force {
            bail!(
                "{} holds a different plan ({}); plan into a new directory, or pass --force to \
                 replace it (finished cells of the old plan stay in cells/ and are reused only \
                 where their config is identical)",
                path.display(),
                match existing {
                    Ok(p) => format!("{} cells", p.cells.len()),
                    Err(e) => format!("unreadable: {e:#}"),
                }
            );
        }
    }
    crate::store::atomic::write_json_atomic(&path, plan)
}

pub fn read(dir: &Path) -> anyhow::Result<Plan> {
    let path = plan_path(dir);
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "reading {} (is {} a sweep directory? create one with `aerepro sweep plan --out DIR`)",
            path.display(),
            dir.display()
        )
    })?;
    let plan: Plan = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a sweep plan", path.display()))?;
    if plan.schema_version != PLAN_SCHEMA_VERSION {
        bail!(
            "{}: plan schema version {} is not supported (this aerepro reads {PLAN_SCHEMA_VERSION})",
            path.display(),
            plan.schema_version
        );
    }
    for (i, cell) in plan.cells.iter().enumerate() {
        if cell.index != i {
            bail!(
                "{}: cell at position {i} has index {}",
                path.display(),
                cell.index
            );
        }
    }
    Ok(plan)
}

impl Plan {
    pub fn cell(&self, index: usize) -> anyhow::Result<&Cell> {
        self.cells.get(index).with_context(|| {
            format!(
                "cell index {index} is out of range: the plan has {} cells (0..{})",
                self.cells.len(),
                self.cells.len().saturating_sub(1)
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(classes: &str, seeds: &str) -> SweepSpec {
        SweepSpec {
            datasets: vec![DatasetKind::Mnist, DatasetKind::Cifar10],
            normal_classes: classes.parse().unwrap(),
            models: ModelKind::ALL.to_vec(),
            seeds: seeds.parse().unwrap(),
            training: Default::default(),
            vary: Default::default(),
        }
    }

    #[test]
    fn the_full_grid_has_180_cells_with_unique_ids_and_the_paper_cells_first() {
        let plan = expand(&spec("all", "3")).unwrap();
        assert_eq!(plan.cells.len(), 2 * 10 * 3 * 3);
        let mut ids: Vec<_> = plan.cells.iter().map(|c| c.id.clone()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 180);
        let first: Vec<_> = plan.cells[..18]
            .iter()
            .map(|c| (c.dataset, c.normal_class))
            .collect();
        assert!(first[..9].iter().all(|c| *c == (DatasetKind::Mnist, 1)));
        assert!(first[9..].iter().all(|c| *c == (DatasetKind::Cifar10, 5)));
        assert!(plan.cells.iter().enumerate().all(|(i, c)| c.index == i));
    }

    #[test]
    fn ids_are_stable_and_depend_on_the_config_but_not_the_thread_count() {
        let a = expand(&spec("1", "1")).unwrap();
        let b = expand(&spec("1", "1")).unwrap();
        assert_eq!(a.cells, b.cells);
        let mut config = a.cells[0].config.clone();
        config["train"]["threads"] = Value::from(2);
        assert_eq!(cell_id(&config), a.cells[0].id);
        config["train"]["learning_rate"] = Value::from(0.01);
        assert_ne!(cell_id(&config), a.cells[0].id);
    }

    #[test]
    fn an_edited_cell_config_is_refused_naming_the_cell() {
        let mut plan = expand(&spec("1", "1")).unwrap();
        plan.cells[2].config["train"]["epochs"] = Value::from(99);
        let err = plan.cells[2].experiment_config().unwrap_err().to_string();
        assert!(err.contains("cell 2") && err.contains("edited"), "{err}");
    }

    #[test]
    fn a_value_given_twice_is_refused_naming_it() {
        let err = expand(&spec("1", "0,1,0")).unwrap_err().to_string();
        assert!(err.contains("seed 0 given more than once"), "{err}");
        let err = expand(&spec("1,1", "1")).unwrap_err().to_string();
        assert!(err.contains("normal class 1 given more than once"), "{err}");
        let mut twice = spec("1", "1");
        twice.models = vec![ModelKind::Cae, ModelKind::Vae, ModelKind::Cae];
        let err = expand(&twice).unwrap_err().to_string();
        assert!(err.contains("model CAE given more than once"), "{err}");
        twice = spec("1", "1");
        twice.datasets.push(DatasetKind::Mnist);
        let err = expand(&twice).unwrap_err().to_string();
        assert!(err.contains("given more than once"), "{err}");
    }

    #[test]
    fn a_relabelled_cell_is_refused_naming_the_cell() {
        let plan = expand(&spec("1", "1")).unwrap();
        for relabel in [
            |c: &mut Cell| c.normal_class = 2,
            |c: &mut Cell| c.dataset = DatasetKind::Cifar10,
            |c: &mut Cell| c.seed = 7,
            |c: &mut Cell| c.model = ModelKind::Aae,
        ] {
            let mut cell = plan.cells[0].clone();
            relabel(&mut cell);
            let err = cell.experiment_config().unwrap_err().to_string();
            assert!(err.contains("cell 0") && err.contains("edited"), "{err}");
        }
    }

    #[test]
    fn unknown_classes_and_bad_seeds_are_clear_errors() {
        let err = expand(&spec("dog", "1")).unwrap_err().to_string();
        assert!(err.contains("dog"), "{err}");
        let err = "1,x".parse::<SeedSelection>().unwrap_err();
        assert!(err.contains("'x'"), "{err}");
    }

    #[test]
    fn a_toml_spec_reads_the_same_as_flags() {
        let toml_spec: SweepSpec = toml::from_str(
            "datasets = [\"mnist\"]\nnormal_classes = [1, \"7\"]\nmodels = [\"cae\"]\nseeds = [0, 1]\n\
             [training]\nepochs = 1\n",
        )
        .unwrap();
        let plan = expand(&toml_spec).unwrap();
        assert_eq!(plan.cells.len(), 4);
        assert_eq!(plan.cells[2].normal_class, 7);
        let config = plan.cells[0].experiment_config().unwrap();
        assert_eq!(config.train.epochs, 1);
    }

    #[test]
    fn replanning_a_directory_with_another_plan_needs_force() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &expand(&spec("1", "1")).unwrap(), false).unwrap();
        write(dir.path(), &expand(&spec("1", "1")).unwrap(), false).unwrap();
        let other = expand(&spec("2", "1")).unwrap();
        let err = write(dir.path(), &other, false).unwrap_err().to_string();
        assert!(
            err.contains("different plan") && err.contains("--force"),
            "{err}"
        );
        write(dir.path(), &other, true).unwrap();
        assert_eq!(read(dir.path()).unwrap(), other);
    }
}
