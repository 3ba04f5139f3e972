//! Per-step training cost of the three models, measured interleaved in one process: the paper's
//! cost question (claim C6) and the numbers beside its training-time ratios.
use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::bail;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use crate::data::DatasetKind;
use crate::metrics::over_seeds::{ratio_over_rounds, RatioOverRounds};
use crate::model::ModelKind;
use crate::train::{shuffled_indices, TrainConfig, Trainer};

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
    /// True when every step trained on a distinct batch in training order; false in records that
    /// timed the same few batches repeatedly.
    #[serde(default)]
    pub distinct_batches: bool,
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

    /// [`ratio_over_rounds`] of `numerator / denominator`; None when either was not measured.
    pub fn ratio_over_rounds(
        &self,
        numerator: ModelKind,
        denominator: ModelKind,
    ) -> Option<RatioOverRounds> {
        ratio_over_rounds(self.rounds.get(&numerator)?, self.rounds.get(&denominator)?)
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
/// `steps_per_round` steps of every model, the order rotating by round. Every model trains on the
/// same distinct batches in training order (the seed's shuffle of the images, epoch after epoch, full
/// batches only), as it would in a real run: a few batches repeated would let a model overfit them,
/// and its gradients then sink into subnormal floats that an x86 CPU without flushing
/// (`model::aten::flush_denormals`) computes many times slower. Batches are gathered before each
/// round, outside the timing. Whole-epoch times of a sequential run are not comparable on a shared
/// machine (the first model pays the warm-up).
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
    let images = train_images.to_device(device).to_kind(Kind::Float);
    let order = training_order_batches(
        n as usize,
        batch as usize,
        template.seed,
        WARMUP_STEPS + rounds * steps_per_round,
    );
    let gather = |indices: &[Vec<i64>]| -> Vec<Tensor> {
        indices
            .iter()
            .map(|idx| images.index_select(0, &Tensor::from_slice(idx).to_device(device)))
            .collect()
    };
    let trainers = ModelKind::ALL
        .iter()
        .map(|&kind| Trainer::new(kind, dataset, template, device))
        .collect::<Result<Vec<_>, _>>()?;
    let run_steps = |trainer: &Trainer, batches: &[Tensor]| -> anyhow::Result<f64> {
        let start = Instant::now();
        let mut last = None;
        for xs in batches {
            last = Some(trainer.step(xs, template.vae.beta)?);
        }
        // Reading a statistic back waits for the device (a no-op wait on the CPU).
        if let Some(stats) = last {
            stats.values()?;
        }
        Ok(start.elapsed().as_secs_f64() / batches.len() as f64)
    };
    let warmup = gather(&order[..WARMUP_STEPS]);
    for trainer in &trainers {
        run_steps(trainer, &warmup)?;
    }
    let mut measured: BTreeMap<ModelKind, Vec<f64>> = BTreeMap::new();
    for (round, indices) in order[WARMUP_STEPS..].chunks(steps_per_round).enumerate() {
        let batches = gather(indices);
        for offset in 0..trainers.len() {
            let trainer = &trainers[(round + offset) % trainers.len()];
            let seconds = run_steps(trainer, &batches)?;
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
        distinct_batches: true,
    })
}

/// The first `count` minibatches (image indices) of training on `n` images with `seed`: epoch after
/// epoch of the same seeded shuffle as `train::train_model`, full batches of `batch` only (an epoch
/// with fewer than `batch` images left starts the next one).
pub fn training_order_batches(n: usize, batch: usize, seed: u64, count: usize) -> Vec<Vec<i64>> {
    assert!(batch > 0 && batch <= n, "batch {batch} of {n} images");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let epoch = shuffled_indices(n, &mut rng);
        out.extend(
            epoch
                .chunks_exact(batch)
                .take(count - out.len())
                .map(<[i64]>::to_vec),
        );
    }
    out
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
            distinct_batches: true,
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

    // Per-round ratios 1, 2, 4: log-ratios 0, ln 2, 2 ln 2 (mean ln 2, sd ln 2); t(0.975, 2 df) =
    // 4.302652729749461, half-width 4.302652729749461 · ln 2 / √3 = 1.721873051022375, interval
    // 2·e^∓1.7219 = [0.3574621235894748, 11.189996746602937] (Python).
    #[test]
    fn training_order_batches_are_distinct_full_batches_epoch_after_epoch() {
        let batches = training_order_batches(10, 4, 7, 5);
        assert_eq!(batches.len(), 5);
        assert!(batches.iter().all(|b| b.len() == 4));
        // Two full batches per epoch of 10 (2 images left over): distinct within an epoch.
        for epoch in batches.chunks(2) {
            let mut seen: Vec<i64> = epoch.concat();
            seen.sort();
            seen.dedup();
            assert_eq!(seen.len(), 4 * epoch.len(), "{batches:?}");
        }
        // The first epoch is the seed's training shuffle.
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        assert_eq!(batches[0], shuffled_indices(10, &mut rng)[..4]);
        assert_ne!(batches[0], batches[2]);
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
