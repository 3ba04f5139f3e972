//! The training loop: epochs of shuffled minibatches, the KL warm-up, the after-epoch collapse
//! probe, progress and the run's report.

use std::io::IsTerminal;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tch::{Device, Kind, Tensor};

use super::collapse::{init_output_bias, mean_image_and_mse, probe_and_judge};
use super::step::{StepValues, Trainer};
use super::{CollapseReport, EpochStats, TrainConfig, TrainError, TrainReport, TrainedModel};
use crate::data::DatasetKind;
use crate::model::ModelKind;

/// A progress bar for `total_steps` minibatches, drawn on stderr only when stderr is a terminal.
pub fn progress_bar(total_steps: u64) -> ProgressBar {
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let pb = ProgressBar::with_draw_target(Some(total_steps), target);
    if let Ok(style) =
        ProgressStyle::with_template("{prefix} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
    {
        pb.set_style(style);
    }
    pb
}

/// Seeded permutation of 0..n (Fisher–Yates with a ChaCha8 stream: identical on every platform).
pub fn shuffled_indices(n: usize, rng: &mut ChaCha8Rng) -> Vec<i64> {
    let mut v: Vec<i64> = (0..n as i64).collect();
    for i in (1..n).rev() {
        let j = rng.gen_range(0..=i as u64) as usize;
        v.swap(i, j);
    }
    v
}

/// Prints `msg` on stderr without tearing a visible progress bar.
fn print_above_progress(progress: Option<&ProgressBar>, msg: &str) {
    match progress {
        Some(pb) if !pb.is_hidden() => pb.suspend(|| eprintln!("{msg}")),
        _ => eprintln!("{msg}"),
    }
}

/// The KL weight at 0-based `step`: β, raised linearly from 0 over the warm-up steps.
fn kl_weight(config: &TrainConfig, step: usize, warmup_steps: usize) -> f64 {
    if warmup_steps > 0 {
        config.vae.beta * ((step + 1) as f64 / warmup_steps as f64).min(1.0)
    } else {
        config.vae.beta
    }
}

fn validate_images(
    dataset: DatasetKind,
    images: &Tensor,
    batch_size: i64,
) -> Result<i64, TrainError> {
    let shape = dataset.image_shape();
    let size = images.size();
    if size.len() != 4 || size[1..] != shape[..] {
        return Err(TrainError::Invalid(format!(
            "{dataset} images must be [N, {}, {}, {}], got {size:?}",
            shape[0], shape[1], shape[2]
        )));
    }
    let n = size[0];
    if n == 0 || batch_size <= 0 {
        return Err(TrainError::Invalid(format!(
            "{n} images, batch size {batch_size}"
        )));
    }
    Ok(n)
}

/// Trains a fresh `kind` model on `train_images` (`[N, C, H, W]` float in [0, 1], any device; it is
/// moved to `device` once and minibatches are gathered there). `progress` advances one tick per
/// minibatch (its length is set here); pass `None` for silence except collapse warnings.
pub fn train_model(
    kind: ModelKind,
    dataset: DatasetKind,
    train_images: &Tensor,
    config: &TrainConfig,
    device: Device,
    progress: Option<&ProgressBar>,
) -> Result<TrainedModel, TrainError> {
    let n = validate_images(dataset, train_images, config.batch_size)?;
    if let Some(t) = config.threads {
        tch::set_num_threads(t);
    }
    let trainer = Trainer::new(kind, dataset, config, device)?;
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);

    let images = train_images.to_device(device).to_kind(Kind::Float);
    let (mean_image, mean_image_mse) = mean_image_and_mse(&images);
    let probe_images = images.narrow(0, 0, config.collapse.probe_size.min(n));
    if config.output_bias_from_data {
        init_output_bias(&trainer.model, &images);
    }

    let steps_per_epoch = ((n + config.batch_size - 1) / config.batch_size) as usize;
    let warmup_steps = config.vae.kl_warmup_epochs * steps_per_epoch;
    if let Some(pb) = progress {
        pb.set_length((steps_per_epoch * config.epochs) as u64);
        pb.set_prefix(format!("{kind} {dataset}"));
    }

    let mut report = TrainReport {
        kind,
        dataset,
        n_train: n,
        config: config.clone(),
        device: format!("{device:?}"),
        threads: tch::get_num_threads(),
        mean_image_mse,
        epochs: Vec::new(),
        total_seconds: 0.0,
        images_per_second: 0.0,
        collapse: CollapseReport::default(),
    };
    let mut step = 0usize;
    for epoch in 1..=config.epochs {
        let start = Instant::now();
        let order = Tensor::from_slice(&shuffled_indices(n as usize, &mut rng)).to_device(device);
        // Image-weighted sums of the step statistics, kept on the device (one read per epoch).
        let mut sums = Tensor::zeros([5], (Kind::Float, device));
        let mut last_kl_weight = config.vae.beta;
        for b in 0..steps_per_epoch as i64 {
            let lo = b * config.batch_size;
            let len = config.batch_size.min(n - lo);
            let xs = images.index_select(0, &order.narrow(0, lo, len));
            last_kl_weight = kl_weight(config, step, warmup_steps);
            let stats = trainer.step(&xs, last_kl_weight)?;
            sums += stats.stacked() * len as f64;
            step += 1;
            if let Some(pb) = progress {
                pb.inc(1);
            }
        }
        let means = StepValues::from_stacked(&(sums / n as f64))?;
        let seconds = start.elapsed().as_secs_f64();

        let (diagnostics, reason) = probe_and_judge(
            &trainer.model,
            &probe_images,
            &mean_image,
            step,
            &config.collapse,
        );
        let is = |k: ModelKind| kind == k;
        let stats = EpochStats {
            epoch,
            steps: step,
            objective: means.objective,
            recon_mse: means.recon_mse,
            kl: is(ModelKind::Vae).then_some(means.kl),
            kl_weight: is(ModelKind::Vae).then_some(last_kl_weight),
            critic_loss: is(ModelKind::Aae).then_some(means.critic_loss),
            generator_loss: is(ModelKind::Aae).then_some(means.generator_loss),
            seconds,
            images_per_second: n as f64 / seconds,
            diagnostics,
        };
        if let Some(pb) = progress {
            pb.set_message(format!("epoch {epoch}: mse {:.5}", stats.recon_mse));
        }
        report.total_seconds += seconds;
        report.collapse.judged |= stats.diagnostics.judged;
        report.collapse.at_end = stats.diagnostics.collapsed;
        report.epochs.push(stats);
        if let Some(reason) = reason {
            print_above_progress(
                progress,
                &format!("WARNING: {kind} on {dataset} COLLAPSED at epoch {epoch}: {reason}"),
            );
            if !report.collapse.detected {
                report.collapse.detected = true;
                report.collapse.first_epoch = Some(epoch);
                report.collapse.reason = Some(reason.clone());
            }
            if config.collapse.fail_on_collapse {
                report.images_per_second = (n as f64 * epoch as f64) / report.total_seconds;
                return Err(TrainError::Collapsed {
                    kind,
                    dataset,
                    epoch,
                    reason,
                    report: Box::new(report),
                });
            }
        }
    }
    if report.total_seconds > 0.0 {
        report.images_per_second = (n as f64 * config.epochs as f64) / report.total_seconds;
    }
    Ok(TrainedModel {
        kind,
        dataset,
        vs: trainer.vs,
        model: trainer.model,
        report: Some(report),
    })
}
