//! `aerepro score`: score a user's images with a saved model.
use std::path::PathBuf;

use clap::Args;

use crate::device::DeviceChoice;
use crate::model::ModelKind;
use crate::score::{self, command::ScoreRequest};

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// A checkpoint (`*.safetensors`, with its `.json` and `.scoring.json` beside it), or a run
    /// directory whose checkpoints/ holds them (then every model's, see --models).
    #[arg(long)]
    pub checkpoint: PathBuf,
    /// PNG or JPEG files (converted to the model's grey or RGB; the model's size: 28x28 MNIST,
    /// 32x32 CIFAR-10), or an IDX image file or a CIFAR-10 binary batch.
    #[arg(required = true)]
    pub images: Vec<PathBuf>,
    /// Only the checkpoints of these models, comma separated.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub models: Vec<ModelKind>,
    /// Scores to print (as in reproduce; default mse).
    #[arg(long = "score", value_delimiter = ',')]
    pub scores: Vec<String>,
    /// Where the reconstructions and error maps go.
    #[arg(long, default_value = "aerepro-score")]
    pub out: PathBuf,
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
}

pub fn run(args: ScoreArgs) -> anyhow::Result<()> {
    let request = ScoreRequest {
        checkpoint: args.checkpoint,
        images: args.images,
        models: args.models,
        scores: score::parse_score_list(&args.scores)?,
        out: args.out,
        device: args.device.resolve()?,
        batch: 500,
    };
    let output = score::command::run(&request)?;
    out!("{}", score::command::render(&output));
    out!(
        "reconstructions and error maps: {} files in {}",
        output.written.len(),
        request.out.display()
    );
    Ok(())
}
