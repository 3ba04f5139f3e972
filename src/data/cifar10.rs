//! CIFAR-10 binary batches: records of 1 label byte + 3072 pixel bytes (1024 R, 1024 G, 1024 B, row-major).
use std::path::Path;

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
