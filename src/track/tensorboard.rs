//! TensorBoard event files written from a run record: no TensorFlow, no protobuf crate.
//!
//! The layout a `--tensorboard DIR` run leaves (every number read from the [`RunRecord`], so the
//! board shows exactly what `record.json` holds):
//!
//! * `DIR/` — the run's figures (`figures/*.png`) as images (tag `figures/<file stem>`), and the
//!   HParams plugin's experiment (the hyperparameter and metric columns);
//! * `DIR/<model>-seed<seed>/` — one TensorBoard run per trained model and seed: per-epoch losses
//!   (`train/objective`, `train/recon_mse`, `train/kl`, `train/kl_weight`, `train/critic_loss`,
//!   `train/generator_loss`, whichever the model has), timing and the collapse probe (`probe/…`),
//!   step = epoch; the final per-class metrics (`roc_auc/<class>`, `average_precision/<class>`,
//!   `<class>` = a class name or `all_others`) at step = last epoch; and the HParams session (the
//!   flattened config plus model and seed, status success when the record is complete).
//!
//! Files are TFRecord framed (little-endian length, masked CRC-32C of the length, data, masked
//! CRC-32C of the data); each record is a hand-encoded `tensorflow.Event` protobuf. Rewriting a
//! directory replaces the event files aerepro wrote there before, so publishing a record twice (or
//! after `--resume`) does not double the points.
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::run::record::RunRecord;
use crate::train::EpochStats;

use super::flatten_config;
use super::tfevents::*;

/// The run directory (TensorBoard "run") of one model and seed, relative to the log dir.
pub fn run_name(kind: crate::model::ModelKind, seed: u64) -> String {
    format!("{kind}-seed{seed}").to_lowercase()
}

/// Tag-safe class label: the class name, or `all_others`.
pub fn class_tag(name: &str, class: Option<u8>) -> String {
    match class {
        None => "all_others".into(),
        Some(_) => name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect(),
    }
}

/// The per-epoch scalars of one epoch: (tag, value), only the values the model has.
pub fn epoch_scalars(epoch: &EpochStats) -> Vec<(String, f64)> {
    let mut out = vec![
        ("train/objective".to_string(), epoch.objective),
        ("train/recon_mse".to_string(), epoch.recon_mse),
    ];
    for (tag, value) in [
        ("train/kl", epoch.kl),
        ("train/kl_weight", epoch.kl_weight),
        ("train/critic_loss", epoch.critic_loss),
        ("train/generator_loss", epoch.generator_loss),
    ] {
        if let Some(v) = value {
            out.push((tag.to_string(), v));
        }
    }
    out.extend([
        ("train/seconds".to_string(), epoch.seconds),
        (
            "train/images_per_second".to_string(),
            epoch.images_per_second,
        ),
        ("probe/latent_std".to_string(), epoch.diagnostics.latent_std),
        (
            "probe/output_spread".to_string(),
            epoch.diagnostics.output_spread,
        ),
        ("probe/mse_ratio".to_string(), epoch.diagnostics.mse_ratio),
    ]);
    out
}

/// The final metrics of one model run: (tag, value).
pub fn final_scalars(run: &crate::run::record::ModelRun) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    for class in run.per_class.iter().chain(std::iter::once(&run.all_others)) {
        let label = class_tag(&class.name, class.class);
        out.push((format!("roc_auc/{label}"), class.metrics.roc_auc));
        out.push((
            format!("average_precision/{label}"),
            class.metrics.average_precision,
        ));
    }
    out
}

/// Writes the record's event files under `out` (see the module doc); returns the files written.
pub fn write(record: &RunRecord, run_dir: &Path, out: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let now = now_secs();
    let mut written = Vec::new();
    let hparams = flatten_config(record);
    // The root run: figures and the hparams experiment.
    let mut root = EventFile::create(out, now)?;
    root.write(&event(
        now,
        0,
        summary(&[hparams_value(
            "_hparams_/experiment",
            &experiment(&hparams, record),
        )]),
    ))?;
    for (name, png) in figures(run_dir)? {
        if let Some((width, height, colorspace)) = png_size(&png) {
            let image = image(height, width, colorspace, &png);
            root.write(&event(
                now,
                0,
                summary(&[value_with(&format!("figures/{name}"), 4, &image)]),
            ))?;
        }
    }
    written.push(root.finish()?);
    for run in &record.runs {
        let dir = out.join(run_name(run.kind, run.seed));
        let mut file = EventFile::create(&dir, now)?;
        let mut session = hparams.clone();
        session.push(("model".into(), HValue::Str(run.kind.to_string())));
        session.push(("seed".into(), HValue::Num(run.seed as f64)));
        file.write(&event(
            now,
            0,
            summary(&[hparams_value(
                "_hparams_/session_start_info",
                &session_start(&session, now),
            )]),
        ))?;
        for epoch in &run.train.epochs {
            let values: Vec<Vec<u8>> = epoch_scalars(epoch)
                .iter()
                .map(|(tag, v)| scalar(tag, *v))
                .collect();
            file.write(&event(now, epoch.epoch as i64, summary(&values)))?;
        }
        let last = run.train.epochs.last().map_or(0, |e| e.epoch as i64);
        let values: Vec<Vec<u8>> = final_scalars(run)
            .iter()
            .map(|(tag, v)| scalar(tag, *v))
            .collect();
        file.write(&event(now, last, summary(&values)))?;
        file.write(&event(
            now,
            last,
            summary(&[hparams_value(
                "_hparams_/session_end_info",
                &session_end(record.complete, now),
            )]),
        ))?;
        written.push(file.finish()?);
    }
    Ok(written)
}

/// The PNG files of `run_dir/figures`, by file stem, sorted.
fn figures(run_dir: &Path) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let dir = run_dir.join(crate::store::layout::FIGURES);
    let mut out = Vec::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    for entry in std::fs::read_dir(&dir).with_context(|| format!("listing {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "png") {
            let stem = path.file_stem().unwrap_or_default().to_string_lossy();
            out.push((
                stem.into_owned(),
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?,
            ));
        }
    }
    out.sort();
    Ok(out)
}

/// Width, height and TensorBoard colorspace (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA) from a PNG header.
pub fn png_size(png: &[u8]) -> Option<(u32, u32, u32)> {
    if png.len() < 26 || &png[..8] != b"\x89PNG\r\n\x1a\n" || &png[12..16] != b"IHDR" {
        return None;
    }
    let width = u32::from_be_bytes(png[16..20].try_into().ok()?);
    let height = u32::from_be_bytes(png[20..24].try_into().ok()?);
    let colorspace = match png[25] {
        0 => 1,
        4 => 2,
        6 => 4,
        _ => 3,
    };
    Some((width, height, colorspace))
}

fn now_secs() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Prefix of the event files aerepro writes (TensorBoard reads any file whose name holds `tfevents`).
pub const EVENT_FILE_PREFIX: &str = "events.out.tfevents.";

struct EventFile {
    path: PathBuf,
    bytes: Vec<u8>,
}

impl EventFile {
    /// A new event file in `dir` (created), replacing aerepro's earlier event files there.
    fn create(dir: &Path, now: f64) -> anyhow::Result<EventFile> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            if name.starts_with(EVENT_FILE_PREFIX) && name.ends_with(".aerepro") && path.is_file() {
                std::fs::remove_file(&path)
                    .with_context(|| format!("removing {}", path.display()))?;
            }
        }
        let path = dir.join(format!("{EVENT_FILE_PREFIX}{}.aerepro", now as u64));
        let mut file = EventFile {
            path,
            bytes: Vec::new(),
        };
        let mut first = Vec::new();
        put_double(&mut first, 1, now);
        put_bytes(&mut first, 3, b"brain.Event:2");
        file.write(&first)?;
        Ok(file)
    }

    fn write(&mut self, event: &[u8]) -> anyhow::Result<()> {
        self.bytes.extend(tf_record(event));
        Ok(())
    }

    fn finish(self) -> anyhow::Result<PathBuf> {
        let mut tmp =
            crate::store::atomic::partial_file(self.path.parent().expect("in a dir"), "")?;
        tmp.write_all(&self.bytes)?;
        tmp.persist(&self.path)
            .with_context(|| format!("writing {}", self.path.display()))?;
        Ok(self.path)
    }
}

/// The metrics the hparams table shows, as (tag, display name).
fn metric_tags(record: &RunRecord) -> Vec<String> {
    record
        .runs
        .first()
        .map(|run| final_scalars(run).into_iter().map(|(tag, _)| tag).collect())
        .unwrap_or_default()
}

/// `HParamsPluginData { experiment = 2 { hparam_infos = 4 { name = 1; type = 4 }; metric_infos = 5
/// { name = 1 { tag = 2 } } } }`.
fn experiment(hparams: &[(String, HValue)], record: &RunRecord) -> Vec<u8> {
    let mut experiment = Vec::new();
    let mut infos: Vec<(String, u64)> = hparams
        .iter()
        .map(|(name, value)| {
            let data_type = match value {
                HValue::Str(_) => 1,
                HValue::Bool(_) => 2,
                HValue::Num(_) => 3,
            };
            (name.clone(), data_type)
        })
        .collect();
    infos.push(("model".into(), 1));
    infos.push(("seed".into(), 3));
    for (name, data_type) in infos {
        let mut info = Vec::new();
        put_bytes(&mut info, 1, name.as_bytes());
        put_uint(&mut info, 4, data_type);
        put_bytes(&mut experiment, 4, &info);
    }
    for tag in metric_tags(record) {
        let mut name = Vec::new();
        put_bytes(&mut name, 2, tag.as_bytes());
        let mut info = Vec::new();
        put_bytes(&mut info, 1, &name);
        put_bytes(&mut experiment, 5, &info);
    }
    let mut out = Vec::new();
    put_bytes(&mut out, 2, &experiment);
    out
}

/// `HParamsPluginData { session_start_info = 3 { map<string, Value> hparams = 1; start_time_secs = 5 } }`.
fn session_start(hparams: &[(String, HValue)], now: f64) -> Vec<u8> {
    let mut start = Vec::new();
    for (name, value) in hparams {
        let mut entry = Vec::new();
        put_bytes(&mut entry, 1, name.as_bytes());
        put_bytes(&mut entry, 2, &proto_value(value));
        put_bytes(&mut start, 1, &entry);
    }
    put_double(&mut start, 5, now);
    let mut out = Vec::new();
    put_bytes(&mut out, 3, &start);
    out
}

/// `HParamsPluginData { session_end_info = 4 { status = 1 (1 success, 3 running); end_time_secs = 2 } }`.
fn session_end(complete: bool, now: f64) -> Vec<u8> {
    let mut end = Vec::new();
    put_uint(&mut end, 1, if complete { 1 } else { 3 });
    put_double(&mut end, 2, now);
    let mut out = Vec::new();
    put_bytes(&mut out, 4, &end);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_matches_the_standard_check_value() {
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(crc32c(b""), 0);
    }

    #[test]
    fn a_tf_record_frames_length_and_data_with_masked_crcs() {
        let framed = tf_record(b"abc");
        assert_eq!(framed.len(), 8 + 4 + 3 + 4);
        assert_eq!(&framed[..8], &3u64.to_le_bytes());
        assert_eq!(&framed[12..15], b"abc");
        assert_eq!(
            u32::from_le_bytes(framed[15..].try_into().unwrap()),
            crc32c(b"abc").rotate_right(15).wrapping_add(0xa282_ead8)
        );
    }

    #[test]
    fn varints_and_keys_encode_as_protobuf_does() {
        let mut out = Vec::new();
        put_varint(&mut out, 300);
        assert_eq!(out, [0xac, 0x02]);
        assert_eq!(scalar("a", 1.0), [0x0a, 1, b'a', 0x15, 0, 0, 0x80, 0x3f]);
    }
}
