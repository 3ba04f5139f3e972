//! A user's images for `aerepro score`: PNG or JPEG files, or a whole IDX image file (MNIST) or
//! CIFAR-10 binary batch, read into the model's CHW byte layout; and writing CHW bytes as a PNG.
use std::path::Path;

use anyhow::{bail, Context};

use crate::data::{cifar10, mnist, DatasetKind};

/// One image to score, named for the output: the file stem, or `stem-INDEX` inside an IDX / CIFAR
/// file.
#[derive(Debug, Clone, PartialEq)]
pub struct UserImage {
    pub name: String,
    /// CHW bytes in the dataset's shape.
    pub pixels: Vec<u8>,
    /// The label stored with the image (CIFAR batches), if any.
    pub label: Option<u8>,
}

fn is_picture(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["png", "jpg", "jpeg"].contains(&e.to_ascii_lowercase().as_str()))
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map_or("image".to_string(), |s| s.to_string_lossy().into_owned())
}

fn read_picture(path: &Path, dataset: DatasetKind) -> anyhow::Result<UserImage> {
    let [c, h, w] = dataset.image_shape();
    let decoded = image::open(path)
        .with_context(|| format!("{}: not a readable PNG or JPEG", path.display()))?;
    if (decoded.width(), decoded.height()) != (w as u32, h as u32) {
        bail!(
            "{}: the image is {}x{} pixels; this {dataset} model needs {w}x{h}",
            path.display(),
            decoded.width(),
            decoded.height()
        );
    }
    let pixels = if c == 1 {
        decoded.to_luma8().into_raw()
    } else {
        let rgb = decoded.to_rgb8().into_raw();
        let plane = (h * w) as usize;
        (0..3)
            .flat_map(|ch| (0..plane).map(move |i| (ch, i)))
            .map(|(ch, i)| rgb[3 * i + ch])
            .collect()
    };
    Ok(UserImage {
        name: stem(path),
        pixels,
        label: None,
    })
}

fn read_dataset_file(path: &Path, dataset: DatasetKind) -> anyhow::Result<Vec<UserImage>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let name = stem(path);
    let is_idx = bytes.len() >= 4
        && u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) == mnist::IMAGES_MAGIC;
    if is_idx {
        let idx = mnist::parse_images(path, &bytes)?;
        if dataset != DatasetKind::Mnist || (idx.rows, idx.cols) != (28, 28) {
            bail!(
                "{}: an IDX file of {}x{} images, but the model is a {dataset} model ({:?})",
                path.display(),
                idx.rows,
                idx.cols,
                dataset.image_shape()
            );
        }
        return Ok(idx
            .pixels
            .chunks_exact(28 * 28)
            .enumerate()
            .map(|(i, p)| UserImage {
                name: format!("{name}-{i}"),
                pixels: p.to_vec(),
                label: None,
            })
            .collect());
    }
    if !bytes.is_empty() && bytes.len().is_multiple_of(cifar10::RECORD_BYTES) {
        if dataset != DatasetKind::Cifar10 {
            bail!(
                "{}: a CIFAR-10 binary batch, but the model is a {dataset} model",
                path.display()
            );
        }
        let batch = cifar10::parse_batch(path, &bytes)?;
        return Ok(batch
            .pixels
            .chunks_exact(cifar10::PIXELS_PER_IMAGE)
            .zip(batch.labels)
            .enumerate()
            .map(|(i, (p, label))| UserImage {
                name: format!("{name}-{i}"),
                pixels: p.to_vec(),
                label: Some(label),
            })
            .collect());
    }
    bail!(
        "{}: not a .png/.jpg/.jpeg file, an IDX image file (magic {}) or a CIFAR-10 binary batch \
         ({}-byte records)",
        path.display(),
        mnist::IMAGES_MAGIC,
        cifar10::RECORD_BYTES
    )
}

/// Reads every image of every path for a `dataset` model.
pub fn read_images(
    paths: &[impl AsRef<Path>],
    dataset: DatasetKind,
) -> anyhow::Result<Vec<UserImage>> {
    let mut images = Vec::new();
    for path in paths {
        let path = path.as_ref();
        if is_picture(path) {
            images.push(read_picture(path, dataset)?);
        } else {
            images.extend(read_dataset_file(path, dataset)?);
        }
    }
    Ok(images)
}
