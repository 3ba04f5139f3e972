//! The choices the paper leaves open, by name: what `sweep plan --vary KEY=V1,V2` varies, what a
//! varied sweep's cells are grouped by, and how a sensitivity table names its columns.
use std::collections::BTreeMap;

use anyhow::{bail, Context};
use clap::ValueEnum;
use serde::{Deserialize, Serialize};

use super::config::{Budget, ExperimentConfig, TrainingChoices};
use crate::data::preprocess::Preprocess;
use crate::model::{ActivationLayout, CriticOutput, WeightInit};
use crate::train::VaeLoss;

/// A choice that can be varied, named as its command-line flag is (`--vae-loss` → `vae-loss`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum ChoiceKey {
    Budget,
    Epochs,
    Init,
    VaeLoss,
    Beta,
    CriticOutput,
    NCritic,
    Layout,
    Preprocess,
}

/// Values per varied choice (a sweep plans their product); in TOML `[vary]` with
/// `preprocess = ["raw", "gcn-l1-minmax"]`.
pub type Variations = BTreeMap<ChoiceKey, Vec<String>>;

/// The value each varied choice takes in one cell, as [`ChoiceKey::value_of`] reads it.
pub type Choices = BTreeMap<ChoiceKey, String>;

impl ChoiceKey {
    pub fn name(self) -> &'static str {
        match self {
            ChoiceKey::Budget => "budget",
            ChoiceKey::Epochs => "epochs",
            ChoiceKey::Init => "init",
            ChoiceKey::VaeLoss => "vae-loss",
            ChoiceKey::Beta => "beta",
            ChoiceKey::CriticOutput => "critic-output",
            ChoiceKey::NCritic => "n-critic",
            ChoiceKey::Layout => "layout",
            ChoiceKey::Preprocess => "preprocess",
        }
    }

    /// Whether `choices` already fixes this choice (then it cannot also be varied).
    pub fn is_set(self, choices: &TrainingChoices) -> bool {
        match self {
            ChoiceKey::Budget => choices.budget.is_some(),
            ChoiceKey::Epochs => choices.epochs.is_some(),
            ChoiceKey::Init => choices.init.is_some(),
            ChoiceKey::VaeLoss => choices.vae_loss.is_some(),
            ChoiceKey::Beta => choices.beta.is_some(),
            ChoiceKey::CriticOutput => choices.critic_output.is_some(),
            ChoiceKey::NCritic => choices.n_critic.is_some(),
            ChoiceKey::Layout => choices.layout.is_some(),
            ChoiceKey::Preprocess => choices.preprocess.is_some(),
        }
    }

    /// Sets this choice in `choices` to `value`, parsed as its flag parses it.
    pub fn set(self, choices: &mut TrainingChoices, value: &str) -> anyhow::Result<()> {
        let context = || format!("--vary {}={value}", self.name());
        match self {
            ChoiceKey::Budget => choices.budget = Some(parse_enum::<Budget>(value)?),
            ChoiceKey::Epochs => choices.epochs = Some(value.parse().with_context(context)?),
            ChoiceKey::Init => choices.init = Some(parse_enum::<WeightInit>(value)?),
            ChoiceKey::VaeLoss => choices.vae_loss = Some(parse_enum::<VaeLoss>(value)?),
            ChoiceKey::Beta => choices.beta = Some(value.parse().with_context(context)?),
            ChoiceKey::CriticOutput => {
                choices.critic_output = Some(parse_enum::<CriticOutput>(value)?)
            }
            ChoiceKey::NCritic => choices.n_critic = Some(value.parse().with_context(context)?),
            ChoiceKey::Layout => choices.layout = Some(parse_enum::<ActivationLayout>(value)?),
            ChoiceKey::Preprocess => choices.preprocess = Some(parse_enum::<Preprocess>(value)?),
        }
        Ok(())
    }

    /// The value this choice has in `config`, written as the flag takes it.
    pub fn value_of(self, config: &ExperimentConfig) -> String {
        match self {
            ChoiceKey::Budget => enum_name(config.budget),
            ChoiceKey::Epochs => config.train.epochs.to_string(),
            ChoiceKey::Init => enum_name(config.train.model.init),
            ChoiceKey::VaeLoss => enum_name(config.train.vae.loss),
            ChoiceKey::Beta => config.train.vae.beta.to_string(),
            ChoiceKey::CriticOutput => enum_name(config.train.model.critic_output),
            ChoiceKey::NCritic => config.train.aae.n_critic.to_string(),
            ChoiceKey::Layout => enum_name(config.train.model.layout),
            ChoiceKey::Preprocess => enum_name(config.train.preprocess),
        }
    }
}

impl std::fmt::Display for ChoiceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The varied choices of `config`.
pub fn choices_of(keys: impl IntoIterator<Item = ChoiceKey>, config: &ExperimentConfig) -> Choices {
    keys.into_iter().map(|k| (k, k.value_of(config))).collect()
}

/// `preprocess=raw budget=paper`, or `""` when nothing is varied.
pub fn label(choices: &Choices) -> String {
    choices
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// ` preprocess=raw` to append to a label, or `""` when nothing is varied.
pub fn suffix(choices: &Choices) -> String {
    if choices.is_empty() {
        String::new()
    } else {
        format!(" {}", label(choices))
    }
}

/// A directory name for a combination: `budget-paper_preprocess-raw`.
pub fn slug(choices: &Choices) -> String {
    choices
        .iter()
        .map(|(k, v)| format!("{k}-{v}"))
        .collect::<Vec<_>>()
        .join("_")
}

/// Parses one `--vary KEY=V1,V2` into `variations`, refusing a key given twice or a value twice.
pub fn add_variation(variations: &mut Variations, text: &str) -> anyhow::Result<()> {
    let (key, values) = text.split_once('=').with_context(|| {
        format!("--vary {text}: expected KEY=V1,V2 (e.g. preprocess=raw,gcn-l1-minmax)")
    })?;
    let key = ChoiceKey::from_str(&key.trim().replace('_', "-"), true).map_err(|_| {
        let keys: Vec<&str> = ChoiceKey::value_variants()
            .iter()
            .map(|k| k.name())
            .collect();
        anyhow::anyhow!(
            "--vary {text}: '{key}' is not a choice that can be varied (one of: {})",
            keys.join(", ")
        )
    })?;
    if variations.contains_key(&key) {
        bail!("--vary {key} is given twice: list all its values in one --vary {key}=V1,V2");
    }
    let values: Vec<String> = values.split(',').map(|v| v.trim().to_string()).collect();
    variations.insert(key, values);
    Ok(())
}

/// Every combination of the varied values applied to `base`, in order (the first key outermost),
/// each checked: a key also fixed in `base`, an empty list or an unparsable value is refused.
pub fn combinations(
    base: &TrainingChoices,
    variations: &Variations,
) -> anyhow::Result<Vec<TrainingChoices>> {
    let mut out = vec![base.clone()];
    for (key, values) in variations {
        if key.is_set(base) {
            bail!("{key} is both fixed (--{key}) and varied (--vary {key}=…): give it one way");
        }
        if values.is_empty() || values.iter().any(String::is_empty) {
            bail!("--vary {key}: an empty value (expected {key}=V1,V2)");
        }
        let mut next = Vec::new();
        for choices in &out {
            for value in values {
                let mut varied = choices.clone();
                key.set(&mut varied, value)?;
                next.push(varied);
            }
        }
        out = next;
    }
    Ok(out)
}

fn parse_enum<T: ValueEnum>(value: &str) -> anyhow::Result<T> {
    T::from_str(value, true).map_err(|_| {
        let names: Vec<String> = T::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_string()))
            .collect();
        anyhow::anyhow!("'{value}' is not one of: {}", names.join(", "))
    })
}

fn enum_name<T: ValueEnum>(value: T) -> String {
    value
        .to_possible_value()
        .map_or_else(String::new, |p| p.get_name().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::DatasetKind;

    #[test]
    fn a_variation_plans_the_product_and_reads_back_from_the_config() {
        let mut variations = Variations::new();
        add_variation(&mut variations, "preprocess=raw,gcn-l1-minmax").unwrap();
        add_variation(&mut variations, "budget=ci,paper").unwrap();
        let combos = combinations(&TrainingChoices::default(), &variations).unwrap();
        let labels: Vec<String> = combos
            .iter()
            .map(|c| {
                let config = c.experiment_config(DatasetKind::Mnist).unwrap();
                label(&choices_of(variations.keys().copied(), &config))
            })
            .collect();
        assert_eq!(
            labels,
            [
                "budget=ci preprocess=raw",
                "budget=ci preprocess=gcn-l1-minmax",
                "budget=paper preprocess=raw",
                "budget=paper preprocess=gcn-l1-minmax",
            ]
        );
    }

    #[test]
    fn bad_variations_are_refused_by_name() {
        let mut variations = Variations::new();
        let err = add_variation(&mut variations, "colour=red").unwrap_err();
        assert!(
            format!("{err:#}").contains("'colour' is not a choice"),
            "{err:#}"
        );
        add_variation(&mut variations, "preprocess=raw,nope").unwrap();
        let err = combinations(&TrainingChoices::default(), &variations).unwrap_err();
        assert!(
            format!("{err:#}").contains("'nope' is not one of: raw"),
            "{err:#}"
        );
        let err = add_variation(&mut variations, "preprocess=raw").unwrap_err();
        assert!(format!("{err:#}").contains("given twice"), "{err:#}");
        let fixed = TrainingChoices {
            preprocess: Some(Preprocess::Raw),
            ..TrainingChoices::default()
        };
        let mut ok = Variations::new();
        add_variation(&mut ok, "preprocess=raw,image-minmax").unwrap();
        let err = combinations(&fixed, &ok).unwrap_err();
        assert!(format!("{err:#}").contains("both fixed"), "{err:#}");
    }
}
