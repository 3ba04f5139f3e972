//! CIFAR-10 binary batches: records of 1 label byte + 3072 pixel bytes (1024 R, 1024 G, 1024 B, row-major).
use std::io::Read;
use std::path::{Path, PathBuf};

use super::DataError;

pub const RECORD_BYTES: usize = 1 + PIXELS_PER_IMAGE;
pub const PIXELS_PER_IMAGE: usize = 3 * 32 * 32;
pub const TRAIN_FILES: [&str; 5] = [
    "data_batch_1.bin",
    "data_batch_2.bin",
    "data_batch_3.bin",
    "data_batch_4.bin",
    "data_batch_5.bin",
];
pub const TEST_FILE: &str = "test_batch.bin";
pub const IMAGES_PER_BATCH: usize = 10_000;
/// Size of every batch file (10,000 records).
pub const BATCH_BYTES: u64 = (IMAGES_PER_BATCH * RECORD_BYTES) as u64;
/// Images per class in the test batch and over the five training batches.
pub const TEST_PER_CLASS: usize = 1_000;
pub const TRAIN_PER_CLASS: usize = 5_000;
/// The directory the official tarball keeps the batches in.
pub const TARBALL_DIR: &str = "cifar-10-batches-bin";

/// Labels and CHW pixels of one batch file.
#[derive(Debug, Clone, Default)]
pub struct CifarBatch {
    pub labels: Vec<u8>,
    pub pixels: Vec<u8>,
}

pub fn parse_batch(path: &Path, bytes: &[u8]) -> Result<CifarBatch, DataError> {
    if bytes.is_empty() || !bytes.len().is_multiple_of(RECORD_BYTES) {
        return Err(DataError::Format {
            path: path.to_path_buf(),
            message: format!(
                "{} bytes is not a whole number of {RECORD_BYTES}-byte records (truncated or not a CIFAR-10 binary batch)",
                bytes.len()
            ),
        });
    }
    let count = bytes.len() / RECORD_BYTES;
    let mut batch = CifarBatch {
        labels: Vec::with_capacity(count),
        pixels: Vec::with_capacity(count * PIXELS_PER_IMAGE),
    };
    for record in bytes.chunks_exact(RECORD_BYTES) {
        batch.labels.push(record[0]);
        batch.pixels.extend_from_slice(&record[1..]);
    }
    super::check_labels(path, &batch.labels, 10)?;
    Ok(batch)
}

fn format_error(path: &Path, message: String) -> DataError {
    DataError::Format {
        path: path.to_path_buf(),
        message,
    }
}

/// The five training batches and the test batch (in that order) from the gzipped tar `gz_bytes` read
/// from `tarball`, each named `tarball/cifar-10-batches-bin/<file>`. Every member's size is checked
/// before it is read.
pub fn extract_batches(
    tarball: &Path,
    gz_bytes: &[u8],
) -> Result<Vec<(PathBuf, Vec<u8>)>, DataError> {
    let broken = |e: std::io::Error| format_error(tarball, format!("not a readable tar.gz: {e}"));
    let wanted: Vec<&str> = TRAIN_FILES.into_iter().chain([TEST_FILE]).collect();
    let mut found: Vec<Option<Vec<u8>>> = vec![None; wanted.len()];
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(gz_bytes));
    for entry in archive.entries().map_err(broken)? {
        let mut entry = entry.map_err(broken)?;
        let member = entry.path().map_err(broken)?.to_string_lossy().into_owned();
        let Some(slot) = wanted
            .iter()
            .position(|name| member == format!("{TARBALL_DIR}/{name}"))
        else {
            continue;
        };
        if entry.size() != BATCH_BYTES {
            return Err(format_error(
                tarball,
                format!("{member} is {} bytes, expected {BATCH_BYTES}", entry.size()),
            ));
        }
        let mut bytes = Vec::with_capacity(BATCH_BYTES as usize);
        entry.read_to_end(&mut bytes).map_err(broken)?;
        found[slot] = Some(bytes);
    }
    wanted
        .iter()
        .zip(found)
        .map(|(name, bytes)| {
            let member = format!("{TARBALL_DIR}/{name}");
            bytes
                .map(|b| (tarball.join(&member), b))
                .ok_or_else(|| format_error(tarball, format!("has no {member}")))
        })
        .collect()
}

/// Checks the official split's shape: 10,000 images per batch, 1,000 per class in the test batch
/// (the last one) and 5,000 per class over the training batches.
pub fn check_split(batches: &[(&Path, CifarBatch)]) -> Result<(), DataError> {
    for (path, batch) in batches {
        if batch.labels.len() != IMAGES_PER_BATCH {
            return Err(format_error(
                path,
                format!("{} images, expected {IMAGES_PER_BATCH}", batch.labels.len()),
            ));
        }
    }
    let counts = |batches: &[(&Path, CifarBatch)]| {
        let mut counts = [0usize; 10];
        for (_, batch) in batches {
            for label in &batch.labels {
                counts[*label as usize] += 1;
            }
        }
        counts
    };
    let Some((test, train)) = batches.split_last() else {
        return Ok(());
    };
    let check = |what: &str, path: &Path, counts: [usize; 10], expected: usize| {
        if counts.iter().all(|c| *c == expected) {
            Ok(())
        } else {
            Err(format_error(
                path,
                format!("{what} has {counts:?} images per class, expected {expected} each (not the CIFAR-10 split)"),
            ))
        }
    };
    check(
        "the test batch",
        test.0,
        counts(std::slice::from_ref(test)),
        TEST_PER_CLASS,
    )?;
    if let Some((first, _)) = train.first() {
        let dir = first.parent().unwrap_or(first);
        check("the training batches", dir, counts(train), TRAIN_PER_CLASS)?;
    }
    Ok(())
}
