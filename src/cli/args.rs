//! Command-line arguments shared by several commands.
use std::path::PathBuf;

use clap::Args;
use serde::{Deserialize, Serialize};

use crate::data;
use crate::data::preprocess::Preprocess;
use crate::model::{ActivationLayout, CriticOutput, WeightInit};
use crate::run::config::{Budget, TrainingChoices};
use crate::train::VaeLoss;

#[derive(Debug, Args)]
pub struct DataDirArg {
    /// Dataset directory (default: $AEREPRO_DATA_DIR, else ./data).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

impl DataDirArg {
    pub fn resolve(&self) -> PathBuf {
        self.data_dir.clone().unwrap_or_else(data::default_data_dir)
    }
}

/// The flags of [`TrainingChoices`], shared by `reproduce` and `sweep plan`.
#[derive(Debug, Clone, Default, PartialEq, Args, Serialize, Deserialize)]
pub struct TrainingFlags {
    /// ci (default): minutes on 2 CPU cores; paper: the long run.
    #[arg(long, value_enum)]
    pub budget: Option<Budget>,
    /// Epochs per model (default: from --budget).
    #[arg(long)]
    pub epochs: Option<usize>,
    #[arg(long, value_enum)]
    pub init: Option<WeightInit>,
    #[arg(long, value_enum)]
    pub vae_loss: Option<VaeLoss>,
    /// Weight β of the VAE's KL term.
    #[arg(long)]
    pub beta: Option<f64>,
    #[arg(long, value_enum)]
    pub critic_output: Option<CriticOutput>,
    /// Memory order of the conv activations (a speed choice; results agree up to rounding).
    #[arg(long, value_enum)]
    pub layout: Option<ActivationLayout>,
    /// Input preprocessing (default raw: pixels / 255); the fitted ones are fitted on the normal
    /// training images only and stored with the run and its checkpoints.
    #[arg(long, value_enum)]
    pub preprocess: Option<Preprocess>,
    /// Critic steps per minibatch of the AAE (default 5, WGAN's).
    #[arg(long)]
    pub n_critic: Option<usize>,
}

impl From<TrainingFlags> for TrainingChoices {
    fn from(flags: TrainingFlags) -> Self {
        let TrainingFlags {
            budget,
            epochs,
            init,
            vae_loss,
            beta,
            critic_output,
            layout,
            preprocess,
            n_critic,
        } = flags;
        TrainingChoices {
            budget,
            epochs,
            init,
            vae_loss,
            beta,
            critic_output,
            layout,
            preprocess,
            n_critic,
        }
    }
}
