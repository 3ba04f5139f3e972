//! Anomaly scores: the paper's reconstruction MSE and the alternatives a user can choose with
//! `--score`, each computed per test image from one deterministic pass of the model
//! ([`batch::model_outputs`]) and, where a score needs it, a fit on the normal training images
//! ([`fit::ScoreFit`]). Higher is more anomalous for every score.
//!
//! - `mse`: reconstruction MSE (Eq. 2; the paper's score and the default).
//! - `neg-elbo`, `kl` (VAE): the negative ELBO and its KL term alone ([`vae`]).
//! - `critic` (AAE): the critic's output on the encoded code, negated ([`critic`]).
//! - `latent-mahalanobis`: distance of the code to the training codes ([`latent`]).
//! - `complexity`: PNG bits per dimension of the input alone, no model ([`complexity`]).
//! - `complexity-corrected`: log-MSE minus its regression on complexity ([`complexity`]).
//!
//! Thresholds a user can deploy are chosen on normal images only ([`threshold`]); [`evaluate`]
//! puts it together for one trained model, [`sidecar`] stores what `aerepro score` needs, and
//! [`command`] is that command ([`images`] reads the user's files).

pub mod batch;
pub mod command;
pub mod complexity;
pub mod critic;
pub mod evaluate;
pub mod fit;
pub mod images;
pub mod latent;
pub mod setup;
pub mod sidecar;
pub mod threshold;
pub mod vae;

use serde::{Deserialize, Serialize};

pub use batch::{
    error_maps, model_outputs, reconstruct, reconstruction_errors, ModelOutputs, ScoreError,
};
pub use evaluate::{ScoreResult, ScoringConfig, ScoringData, ScoringReport, TestScores};

use crate::model::ModelKind;

/// An anomaly score of one image.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum ScoreKind {
    /// Reconstruction mean squared error (the paper's score).
    Mse,
    /// VAE: negative evidence lower bound, in nats per image.
    NegElbo,
    /// VAE: KL(q(z|x) ‖ N(0, I)), the ELBO's latent term alone.
    Kl,
    /// AAE: minus the critic's output on the encoded code.
    Critic,
    /// Mahalanobis distance of the code to the normal training codes.
    LatentMahalanobis,
    /// Input complexity alone: PNG bits per dimension (no model).
    Complexity,
    /// Log reconstruction MSE minus its linear regression on complexity.
    ComplexityCorrected,
}

impl ScoreKind {
    pub const ALL: [ScoreKind; 7] = [
        ScoreKind::Mse,
        ScoreKind::NegElbo,
        ScoreKind::Kl,
        ScoreKind::Critic,
        ScoreKind::LatentMahalanobis,
        ScoreKind::Complexity,
        ScoreKind::ComplexityCorrected,
    ];

    /// The name on the command line and in records (`mse`, `neg-elbo`, ...).
    pub fn name(self) -> &'static str {
        match self {
            ScoreKind::Mse => "mse",
            ScoreKind::NegElbo => "neg-elbo",
            ScoreKind::Kl => "kl",
            ScoreKind::Critic => "critic",
            ScoreKind::LatentMahalanobis => "latent-mahalanobis",
            ScoreKind::Complexity => "complexity",
            ScoreKind::ComplexityCorrected => "complexity-corrected",
        }
    }

    /// `Err(reason)` when the score is not defined for `model`.
    pub fn applies_to(self, model: ModelKind) -> Result<(), String> {
        let only = |wanted: ModelKind, what: &str| {
            if model == wanted {
                Ok(())
            } else {
                Err(format!(
                    "{} applies to the {wanted} only ({what}); skipped for the {model}",
                    self.name()
                ))
            }
        };
        match self {
            ScoreKind::NegElbo | ScoreKind::Kl => only(ModelKind::Vae, "it needs q(z|x)"),
            ScoreKind::Critic => only(ModelKind::Aae, "it needs the latent critic"),
            _ => Ok(()),
        }
    }

    /// Whether computing it needs the PNG complexity of the images.
    pub fn needs_complexity(self) -> bool {
        matches!(self, ScoreKind::Complexity | ScoreKind::ComplexityCorrected)
    }
}

impl std::fmt::Display for ScoreKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Parses a `--score` list: names of [`ScoreKind`] or `all`, deduplicated, in [`ScoreKind::ALL`]
/// order, with `mse` always included (the paper's score is always computed).
pub fn parse_score_list(items: &[String]) -> anyhow::Result<Vec<ScoreKind>> {
    let mut chosen = vec![ScoreKind::Mse];
    for item in items {
        let item = item.trim();
        if item.eq_ignore_ascii_case("all") {
            chosen.extend(ScoreKind::ALL);
            continue;
        }
        let kind = ScoreKind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(item))
            .ok_or_else(|| {
                let names: Vec<&str> = ScoreKind::ALL.iter().map(|k| k.name()).collect();
                anyhow::anyhow!(
                    "unknown score '{item}'; expected one of: {}, all",
                    names.join(", ")
                )
            })?;
        chosen.push(kind);
    }
    chosen.sort();
    chosen.dedup();
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_lists_always_hold_mse_and_expand_all() {
        let parse = |items: &[&str]| {
            parse_score_list(&items.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        };
        assert_eq!(parse(&[]).unwrap(), [ScoreKind::Mse]);
        assert_eq!(
            parse(&["kl", "mse", "KL"]).unwrap(),
            [ScoreKind::Mse, ScoreKind::Kl]
        );
        assert_eq!(parse(&["all"]).unwrap(), ScoreKind::ALL);
        let err = parse(&["elbo"]).unwrap_err().to_string();
        assert!(
            err.contains("unknown score 'elbo'") && err.contains("neg-elbo"),
            "{err}"
        );
    }

    #[test]
    fn model_specific_scores_name_their_model_when_skipped() {
        assert!(ScoreKind::Kl.applies_to(ModelKind::Vae).is_ok());
        let reason = ScoreKind::Kl.applies_to(ModelKind::Cae).unwrap_err();
        assert!(
            reason.contains("VAE only") && reason.contains("CAE"),
            "{reason}"
        );
        assert!(ScoreKind::Critic.applies_to(ModelKind::Vae).is_err());
        assert!(ScoreKind::LatentMahalanobis
            .applies_to(ModelKind::Cae)
            .is_ok());
    }
}
