//! MNIST in the IDX format: images (magic 2051, dims count×rows×cols) and labels (magic 2049, count).
use std::path::Path;

use super::DataError;

pub const IMAGES_MAGIC: u32 = 2051;
pub const LABELS_MAGIC: u32 = 2049;

/// Raw images of one IDX file: `count` images of `rows`×`cols` bytes, row-major.
#[derive(Debug, Clone)]
pub struct IdxImages {
    pub count: usize,
    pub rows: usize,
    pub cols: usize,
    pub pixels: Vec<u8>,
}

fn format_error(path: &Path, message: String) -> DataError {
    DataError::Format {
        path: path.to_path_buf(),
        message,
    }
}

fn read_header(path: &Path, bytes: &[u8], words: usize) -> Result<Vec<u32>, DataError> {
    let header_len = 4 * words;
    if bytes.len() < header_len {
        return Err(format_error(
            path,
            format!(
                "truncated: {} bytes, shorter than the {header_len}-byte IDX header",
                bytes.len()
            ),
        ));
    }
    Ok(bytes[..header_len]
        .chunks_exact(4)
        .map(|w| u32::from_be_bytes([w[0], w[1], w[2], w[3]]))
        .collect())
}

fn check_magic(path: &Path, found: u32, expected: u32) -> Result<(), DataError> {
    if found == expected {
        Ok(())
    } else {
        Err(format_error(
            path,
            format!("wrong magic number {found}, expected {expected}"),
        ))
    }
}

fn check_body_len(path: &Path, body: usize, expected: usize, what: &str) -> Result<(), DataError> {
    if body == expected {
        Ok(())
    } else {
        Err(format_error(
            path,
            format!("header declares {what} = {expected} bytes of data but the file has {body}"),
        ))
    }
}

pub fn parse_images(path: &Path, bytes: &[u8]) -> Result<IdxImages, DataError> {
    let header = read_header(path, bytes, 4)?;
    check_magic(path, header[0], IMAGES_MAGIC)?;
    let (count, rows, cols) = (header[1] as usize, header[2] as usize, header[3] as usize);
    let expected = count
        .checked_mul(rows)
        .and_then(|n| n.checked_mul(cols))
        .ok_or_else(|| format_error(path, format!("absurd dimensions {count}x{rows}x{cols}")))?;
    check_body_len(
        path,
        bytes.len() - 16,
        expected,
        &format!("{count} images of {rows}x{cols}"),
    )?;
    Ok(IdxImages {
        count,
        rows,
        cols,
        pixels: bytes[16..].to_vec(),
    })
}

pub fn parse_labels(path: &Path, bytes: &[u8], num_classes: u8) -> Result<Vec<u8>, DataError> {
    let header = read_header(path, bytes, 2)?;
    check_magic(path, header[0], LABELS_MAGIC)?;
    let count = header[1] as usize;
    check_body_len(path, bytes.len() - 8, count, &format!("{count} labels"))?;
    let labels = bytes[8..].to_vec();
    super::check_labels(path, &labels, num_classes)?;
    Ok(labels)
}
