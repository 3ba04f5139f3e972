//! What defines an experiment: the dataset, normal class, models, seeds, budget and every training,
//! scoring and metric choice, recorded verbatim in each run record; and its identity.
use anyhow::bail;
use serde::{Deserialize, Serialize};

use super::step_cost::StepCostOptions;
use crate::data::preprocess::Preprocess;
use crate::data::DatasetKind;
use crate::metrics::SummaryOptions;
use crate::model::{ActivationLayout, CriticOutput, ModelKind, WeightInit};
use crate::score::evaluate::EvaluationSettings;
use crate::score::ScoringConfig;
use crate::train::{TrainConfig, VaeLoss};

/// How long to train. The paper gives no epoch count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Budget {
    /// Minutes on 2 CPU cores: enough epochs for the MSE to flatten on MNIST and for the CIFAR-10
    /// colour statistics to be learned (docs/reproduction.md, "Budgets").
    Ci,
    /// Our stand-in for the paper's full training (its times suggest long runs on a GPU).
    Paper,
}

impl Budget {
    pub fn epochs(self, dataset: DatasetKind) -> usize {
        match (self, dataset) {
            (Budget::Ci, DatasetKind::Mnist) => 10,
            (Budget::Ci, DatasetKind::Cifar10) => 10,
            (Budget::Paper, DatasetKind::Mnist) => 50,
            (Budget::Paper, DatasetKind::Cifar10) => 100,
        }
    }
}

/// Upper bounds of the numeric settings: far above any sensible run, low enough that a typo fails at
/// once instead of aborting inside libtorch or allocating without end.
pub const MAX_EPOCHS: usize = 100_000;
pub const MAX_SEEDS: usize = 1_000;
pub const MAX_THREADS: i32 = 1_024;
pub const MAX_STEP_COST_ROUNDS: usize = 10_000;
pub const MAX_N_CRITIC: usize = 100;

/// Everything that defines an experiment; recorded verbatim in the run record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentConfig {
    pub dataset: DatasetKind,
    pub normal_class: u8,
    pub models: Vec<ModelKind>,
    pub seeds: Vec<u64>,
    pub budget: Budget,
    /// The training template; `epochs` and `seed` are set per run from this config.
    pub train: TrainConfig,
    pub score_batch_size: i64,
    pub metrics: SummaryOptions,
    /// The interleaved per-step timing after training (claim C6).
    #[serde(default)]
    pub step_cost: StepCostOptions,
    /// The scores computed besides the paper's MSE, and how thresholds are chosen.
    #[serde(default)]
    pub scoring: ScoringConfig,
}

impl ExperimentConfig {
    /// The paper's setup for `dataset` with our defaults.
    pub fn new(dataset: DatasetKind, budget: Budget) -> Self {
        let train = TrainConfig {
            epochs: budget.epochs(dataset),
            ..TrainConfig::default()
        };
        ExperimentConfig {
            dataset,
            normal_class: dataset.paper_normal_class(),
            models: ModelKind::ALL.to_vec(),
            seeds: vec![0],
            budget,
            train,
            score_batch_size: 500,
            metrics: SummaryOptions::default(),
            step_cost: StepCostOptions::default(),
            scoring: ScoringConfig::default(),
        }
    }

    /// The training config of one seed.
    pub fn train_config(&self, seed: u64) -> TrainConfig {
        TrainConfig {
            seed,
            ..self.train.clone()
        }
    }

    /// This config reduced to one model and seed, with the step-cost timing (which does not touch
    /// the results) at its default: the identity of one result, equal for a multi-seed run and a
    /// sweep cell of the same settings.
    pub fn for_result(&self, model: ModelKind, seed: u64) -> ExperimentConfig {
        ExperimentConfig {
            models: vec![model],
            seeds: vec![seed],
            step_cost: StepCostOptions::default(),
            ..self.clone()
        }
    }

    /// The settings every model and seed of one experiment share: models, seeds and the thread
    /// count cleared. Records with equal setups can be combined.
    pub fn setup(&self) -> ExperimentConfig {
        let mut setup = self.clone();
        setup.models.clear();
        setup.seeds.clear();
        setup.train.threads = None;
        setup
    }

    /// Every setting that differs from `other`'s, as `config.path old -> new`.
    pub fn differences(&self, other: &ExperimentConfig) -> Vec<String> {
        let a = serde_json::to_value(self).unwrap_or_default();
        let b = serde_json::to_value(other).unwrap_or_default();
        let mut differing = Vec::new();
        diff_paths("config", &a, &b, &mut differing);
        differing
    }

    /// The choices scoring reads.
    pub fn evaluation(&self) -> EvaluationSettings<'_> {
        EvaluationSettings {
            scoring: &self.scoring,
            vae_loss: self.train.vae.loss,
            metrics: &self.metrics,
            batch_size: self.score_batch_size,
        }
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        let classes = self.dataset.class_names().len();
        if self.normal_class as usize >= classes {
            bail!(
                "normal class {} is not a {} class (0..{classes})",
                self.normal_class,
                self.dataset
            );
        }
        if self.models.is_empty() {
            bail!("no models selected");
        }
        if self.seeds.is_empty() {
            bail!("no seeds selected");
        }
        if self.train.epochs == 0 {
            bail!("epochs must be at least 1");
        }
        if !(1..=MAX_N_CRITIC).contains(&self.train.aae.n_critic) {
            bail!(
                "n_critic (critic steps per minibatch) must be between 1 and {MAX_N_CRITIC}, got {}",
                self.train.aae.n_critic
            );
        }
        self.scoring.validate()?;
        if self.train.epochs > MAX_EPOCHS {
            bail!(
                "epochs must be at most {MAX_EPOCHS}, got {}",
                self.train.epochs
            );
        }
        if self.seeds.len() > MAX_SEEDS {
            bail!("at most {MAX_SEEDS} seeds, got {}", self.seeds.len());
        }
        if let Some(threads) = self.train.threads {
            if !(1..=MAX_THREADS).contains(&threads) {
                bail!("threads must be between 1 and {MAX_THREADS}, got {threads}");
            }
        }
        let beta = self.train.vae.beta;
        if !(beta.is_finite() && beta >= 0.0) {
            bail!("beta (the VAE's KL weight) must be a finite number >= 0, got {beta}");
        }
        let lr = self.train.learning_rate;
        if !(lr.is_finite() && lr > 0.0) {
            bail!("learning rate must be a finite number > 0, got {lr}");
        }
        if self.train.batch_size < 1 || self.score_batch_size < 1 {
            bail!(
                "batch sizes must be at least 1, got {} (training) and {} (scoring)",
                self.train.batch_size,
                self.score_batch_size
            );
        }
        if self.step_cost.rounds > MAX_STEP_COST_ROUNDS {
            bail!(
                "step-cost rounds must be at most {MAX_STEP_COST_ROUNDS}, got {}",
                self.step_cost.rounds
            );
        }
        Ok(())
    }
}

/// The training choices the paper leaves open, as `reproduce` and `sweep plan` take them (also the
/// `[training]` table of a sweep's TOML config, stored in its plan). Unset values take the budget's
/// or the library's defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingChoices {
    pub budget: Option<Budget>,
    pub epochs: Option<usize>,
    pub init: Option<WeightInit>,
    pub vae_loss: Option<VaeLoss>,
    pub beta: Option<f64>,
    pub critic_output: Option<CriticOutput>,
    pub layout: Option<ActivationLayout>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preprocess: Option<Preprocess>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n_critic: Option<usize>,
}

impl TrainingChoices {
    /// The paper's setup for `dataset` with these choices applied (and checked).
    pub fn experiment_config(&self, dataset: DatasetKind) -> anyhow::Result<ExperimentConfig> {
        let mut config = ExperimentConfig::new(dataset, self.budget.unwrap_or(Budget::Ci));
        if let Some(epochs) = self.epochs {
            config.train.epochs = epochs;
        }
        if let Some(init) = self.init {
            config.train.model.init = init;
        }
        if let Some(critic) = self.critic_output {
            config.train.model.critic_output = critic;
        }
        if let Some(layout) = self.layout {
            config.train.model.layout = layout;
        }
        if let Some(loss) = self.vae_loss {
            config.train.vae.loss = loss;
        }
        if let Some(beta) = self.beta {
            config.train.vae.beta = beta;
        }
        if let Some(preprocess) = self.preprocess {
            config.train.preprocess = preprocess;
        }
        if let Some(n_critic) = self.n_critic {
            config.train.aae.n_critic = n_critic;
        }
        config.validate()?;
        Ok(config)
    }
}

fn diff_paths(at: &str, a: &serde_json::Value, b: &serde_json::Value, out: &mut Vec<String>) {
    match (a, b) {
        (serde_json::Value::Object(x), serde_json::Value::Object(y)) => {
            for key in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                let null = serde_json::Value::Null;
                diff_paths(
                    &format!("{at}.{key}"),
                    x.get(key).unwrap_or(&null),
                    y.get(key).unwrap_or(&null),
                    out,
                );
            }
        }
        _ if a != b => out.push(format!("{at} {a} -> {b}")),
        _ => {}
    }
}
