//! Per-step training cost of the three models, measured interleaved in one process: the paper's
//! cost question (claim C6) and the numbers beside its training-time ratios.
use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::bail;
use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use crate::data::DatasetKind;
use crate::model::ModelKind;
use crate::train::{TrainConfig, Trainer};

/// How much interleaved timing an experiment does after training (0 rounds: none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepCostOptions {
    pub rounds: usize,
    pub steps_per_round: usize,
}

impl Default for StepCostOptions {
    /// 15 × 4 steps per model: 12 s (CIFAR-10) to 22 s (MNIST) on 2 cores; repeated measurements
    /// of the VAE/CAE ratio then spread by about ±0.08 here (docs/performance.md).
    fn default() -> Self {
        StepCostOptions {
            rounds: 15,
            steps_per_round: 4,
        }
    }
}

/// Per-step training seconds of each model, measured interleaved in one process (claim C6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepCosts {
    /// libtorch's intra-op threads during the measurement.
    pub threads: i32,
    /// Optimizer steps timed per model in each round.
    pub steps_per_round: usize,
    /// Seconds per step of each round, per model.
    pub rounds: BTreeMap<ModelKind, Vec<f64>>,
}

impl StepCosts {
    /// Median seconds per step of each model that has any.
    pub fn median_seconds(&self) -> BTreeMap<ModelKind, f64> {
        self.rounds
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(kind, v)| (*kind, median(v)))
            .collect()
    }

    /// Cost of each model relative to the CAE's (the median within-round ratio; CAE = 1), or None
    /// without a CAE measurement.
    pub fn relative_to_cae(&self) -> Option<BTreeMap<ModelKind, f64>> {
        self.rounds
            .keys()
            .map(|kind| Some((*kind, self.median_ratio(*kind, ModelKind::Cae)?)))
            .collect()
    }

    /// Median over rounds of the within-round ratio `numerator / denominator` (pairing by round
    /// cancels load that drifts between rounds). None when either model was not measured.
    pub fn median_ratio(&self, numerator: ModelKind, denominator: ModelKind) -> Option<f64> {
        let (a, b) = (self.rounds.get(&numerator)?, self.rounds.get(&denominator)?);
        let ratios: Vec<f64> = a.iter().zip(b).map(|(x, y)| x / y).collect();
        (!ratios.is_empty()).then(|| median(&ratios))
    }
}

/// Median of a non-empty slice.
fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

/// Times training steps of the three models interleaved, so that a change in machine load affects
/// each alike: the three are built once and warmed up, then each of `rounds` rounds times
/// `steps_per_round` steps of every model, the order rotating by round. Whole-epoch times of a
/// sequential run are not comparable on a shared machine (the first model pays the warm-up).
pub fn measure_step_costs(
    dataset: DatasetKind,
    train_images: &Tensor,
    template: &TrainConfig,
    device: Device,
    options: StepCostOptions,
) -> anyhow::Result<StepCosts> {
    const WARMUP_STEPS: usize = 2;
    let StepCostOptions {
        rounds,
        steps_per_round,
    } = options;
    let n = train_images.size()[0];
    let batch = template.batch_size.min(n);
    if batch <= 0 || rounds == 0 || steps_per_round == 0 {
        bail!("measuring step costs needs images, rounds and steps (got {n} images, {rounds} rounds, {steps_per_round} steps)");
    }
    if let Some(threads) = template.threads {
        tch::set_num_threads(threads);
    }
    let batches: Vec<Tensor> = (0..steps_per_round as i64)
        .map(|i| {
            let lo = (i * batch) % (n - batch + 1);
            train_images
                .narrow(0, lo, batch)
                .to_device(device)
                .to_kind(Kind::Float)
        })
        .collect();
    let trainers = ModelKind::ALL
        .iter()
        .map(|&kind| Trainer::new(kind, dataset, template, device))
        .collect::<Result<Vec<_>, _>>()?;
    let run_steps = |trainer: &Trainer, steps: usize| -> anyhow::Result<f64> {
        let start = Instant::now();
        let mut last = None;
        for xs in batches.iter().cycle().take(steps) {
            last = Some(trainer.step(xs, template.vae.beta)?);
        }
        // Reading a statistic back waits for the device (a no-op wait on the CPU).
        if let Some(stats) = last {
            stats.values()?;
        }
        Ok(start.elapsed().as_secs_f64() / steps as f64)
    };
    for trainer in &trainers {
        run_steps(trainer, WARMUP_STEPS)?;
    }
    let mut measured: BTreeMap<ModelKind, Vec<f64>> = BTreeMap::new();
    for round in 0..rounds {
        for offset in 0..trainers.len() {
            let trainer = &trainers[(round + offset) % trainers.len()];
            let seconds = run_steps(trainer, steps_per_round)?;
            measured
                .entry(trainer.model.kind)
                .or_default()
                .push(seconds);
        }
    }
    Ok(StepCosts {
        threads: tch::get_num_threads(),
        steps_per_round,
        rounds: measured,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn costs(cae: &[f64], vae: &[f64]) -> StepCosts {
        StepCosts {
            threads: 1,
            steps_per_round: 1,
            rounds: BTreeMap::from([
                (ModelKind::Cae, cae.to_vec()),
                (ModelKind::Vae, vae.to_vec()),
            ]),
        }
    }

    #[test]
    fn ratios_pair_rounds_and_take_the_median() {
        // Load doubles both models' time in round 2: pairing keeps the ratio at 1.5 there.
        let c = costs(&[1.0, 2.0, 1.0], &[1.5, 3.0, 1.2]);
        assert_eq!(c.median_ratio(ModelKind::Vae, ModelKind::Cae), Some(1.5));
        assert_eq!(c.median_seconds()[&ModelKind::Vae], 1.5);
        let relative = c.relative_to_cae().unwrap();
        assert_eq!(relative[&ModelKind::Cae], 1.0);
        assert_eq!(relative[&ModelKind::Vae], 1.5);
        assert_eq!(c.median_ratio(ModelKind::Aae, ModelKind::Cae), None);
        // A record read back with an empty model is skipped, not a panic.
        let empty = costs(&[], &[]);
        assert!(empty.median_seconds().is_empty());
        assert_eq!(empty.relative_to_cae(), None);
    }

    #[test]
    fn an_even_count_takes_the_middle_mean() {
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
    }

    fn few_images() -> Tensor {
        Tensor::rand([6, 1, 28, 28], (Kind::Float, Device::Cpu))
    }

    #[test]
    fn every_model_gets_one_positive_time_per_round() {
        let options = StepCostOptions {
            rounds: 2,
            steps_per_round: 1,
        };
        let config = TrainConfig::default();
        let costs = measure_step_costs(
            DatasetKind::Mnist,
            &few_images(),
            &config,
            Device::Cpu,
            options,
        )
        .unwrap();
        assert_eq!(costs.rounds.len(), 3);
        for times in costs.rounds.values() {
            assert_eq!(times.len(), 2);
            assert!(times.iter().all(|t| *t > 0.0), "{times:?}");
        }
    }

    #[test]
    fn zero_rounds_or_no_images_are_errors() {
        let config = TrainConfig::default();
        let none = StepCostOptions {
            rounds: 0,
            steps_per_round: 1,
        };
        let err = measure_step_costs(
            DatasetKind::Mnist,
            &few_images(),
            &config,
            Device::Cpu,
            none,
        )
        .unwrap_err();
        assert!(err.to_string().contains("0 rounds"), "{err}");
        let empty = Tensor::zeros([0, 1, 28, 28], (Kind::Float, Device::Cpu));
        let err = measure_step_costs(
            DatasetKind::Mnist,
            &empty,
            &config,
            Device::Cpu,
            StepCostOptions::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("0 images"), "{err}");
    }
}
