//! The real datasets: checksummed MNIST (IDX) and CIFAR-10 (binary batches, official or the JPEG-q75
//! rebuild), as f32 NCHW tensors in [0, 1], split into "train on one normal class" and "test on all".
pub mod cifar10;
pub mod integrity;
pub mod mnist;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

pub use integrity::VerifiedFile;

#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{dataset} not found: {path} is missing. {hint}")]
    Missing {
        dataset: DatasetKind,
        path: PathBuf,
        hint: String,
    },
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("checksum mismatch for {path}: expected sha256 {expected}, got {actual} (corrupted or a different file; rerun ci/setup-data.sh)")]
    ChecksumMismatch {
        path: PathBuf,
        expected: String,
        actual: String,
    },
    #[error("{path}: {message}")]
    Format { path: PathBuf, message: String },
    #[error("{path}: label {label} at index {index} is out of range 0..{num_classes}")]
    LabelOutOfRange {
        path: PathBuf,
        index: usize,
        label: u8,
        num_classes: u8,
    },
    #[error("{labels_path} has {labels} labels but {images_path} has {images} images")]
    CountMismatch {
        images_path: PathBuf,
        labels_path: PathBuf,
        images: usize,
        labels: usize,
    },
    #[error("unknown {dataset} class '{given}'; expected one of: {expected}")]
    UnknownClass {
        dataset: DatasetKind,
        given: String,
        expected: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum DatasetKind {
    Mnist,
    Cifar10,
}

impl std::fmt::Display for DatasetKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DatasetKind::Mnist => "MNIST",
            DatasetKind::Cifar10 => "CIFAR-10",
        })
    }
}

const MNIST_CLASSES: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
const CIFAR10_CLASSES: [&str; 10] = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
];

impl DatasetKind {
    /// (channels, height, width) of one image.
    pub fn image_shape(self) -> [i64; 3] {
        match self {
            DatasetKind::Mnist => [1, 28, 28],
            DatasetKind::Cifar10 => [3, 32, 32],
        }
    }

    pub fn class_names(self) -> &'static [&'static str] {
        match self {
            DatasetKind::Mnist => &MNIST_CLASSES,
            DatasetKind::Cifar10 => &CIFAR10_CLASSES,
        }
    }

    /// The paper's normal class: digit 1 for MNIST, dog for CIFAR-10.
    pub fn paper_normal_class(self) -> u8 {
        match self {
            DatasetKind::Mnist => 1,
            DatasetKind::Cifar10 => 5,
        }
    }

    /// Accepts a class index ("5") or name ("dog"; "car"/"plane" as the paper writes them).
    pub fn parse_class(self, given: &str) -> Result<u8, DataError> {
        let names = self.class_names();
        let wanted = given.trim().to_ascii_lowercase();
        let alias = match wanted.as_str() {
            "car" => "automobile",
            "plane" => "airplane",
            other => other,
        };
        names
            .iter()
            .position(|name| *name == alias)
            .or_else(|| wanted.parse::<usize>().ok().filter(|i| *i < names.len()))
            .map(|i| i as u8)
            .ok_or_else(|| DataError::UnknownClass {
                dataset: self,
                given: given.to_string(),
                expected: names.join(", "),
            })
    }
}

/// `$AEREPRO_DATA_DIR`, else `data/` under the current directory.
pub fn default_data_dir() -> PathBuf {
    std::env::var_os("AEREPRO_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("data"))
}

/// Which copy of a dataset was read, and the digest of every file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Provenance {
    pub dataset: DatasetKind,
    /// "official" or, for CIFAR-10, "jpeg-q75-rebuild".
    pub variant: String,
    pub files: Vec<VerifiedFile>,
}

/// Images as raw bytes (CHW per image) with their labels, before conversion to a tensor.
#[derive(Debug, Clone, Default)]
pub struct RawImages {
    pub pixels: Vec<u8>,
    pub labels: Vec<u8>,
}

impl RawImages {
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Keeps only the images whose label is `class`.
    pub fn of_class(&self, class: u8, image_bytes: usize) -> RawImages {
        let mut out = RawImages::default();
        for (label, pixels) in self
            .labels
            .iter()
            .zip(self.pixels.chunks_exact(image_bytes))
        {
            if *label == class {
                out.labels.push(*label);
                out.pixels.extend_from_slice(pixels);
            }
        }
        out
    }

    /// f32 tensor [N, C, H, W] in [0, 1] on the CPU.
    pub fn to_tensor(&self, shape: [i64; 3]) -> Tensor {
        let [c, h, w] = shape;
        Tensor::from_slice(&self.pixels)
            .view([self.len() as i64, c, h, w])
            .to_kind(Kind::Float)
            / 255.0
    }
}

/// Training and test images of a dataset, as read and verified.
#[derive(Debug, Clone)]
pub struct LoadedDataset {
    pub kind: DatasetKind,
    pub train: RawImages,
    pub test: RawImages,
    pub provenance: Provenance,
}

/// Training images of the normal class, and every test image with its label.
#[derive(Debug)]
pub struct NormalClassSplit {
    pub dataset: DatasetKind,
    pub normal_class: u8,
    pub train: Tensor,
    pub test_images: Tensor,
    pub test_labels: Vec<u8>,
    pub provenance: Provenance,
}

impl NormalClassSplit {
    pub fn class_name(&self, class: u8) -> &'static str {
        self.dataset.class_names()[class as usize]
    }
}

pub fn load(kind: DatasetKind, data_dir: &Path) -> Result<LoadedDataset, DataError> {
    match kind {
        DatasetKind::Mnist => load_mnist(data_dir),
        DatasetKind::Cifar10 => load_cifar10(data_dir),
    }
}

pub fn load_split(
    kind: DatasetKind,
    data_dir: &Path,
    normal_class: u8,
) -> Result<NormalClassSplit, DataError> {
    let num_classes = kind.class_names().len();
    if normal_class as usize >= num_classes {
        return Err(DataError::UnknownClass {
            dataset: kind,
            given: normal_class.to_string(),
            expected: kind.class_names().join(", "),
        });
    }
    let loaded = load(kind, data_dir)?;
    Ok(split(loaded, normal_class))
}

pub fn split(loaded: LoadedDataset, normal_class: u8) -> NormalClassSplit {
    let shape = loaded.kind.image_shape();
    let image_bytes = (shape[0] * shape[1] * shape[2]) as usize;
    NormalClassSplit {
        dataset: loaded.kind,
        normal_class,
        train: loaded
            .train
            .of_class(normal_class, image_bytes)
            .to_tensor(shape),
        test_images: loaded.test.to_tensor(shape),
        test_labels: loaded.test.labels,
        provenance: loaded.provenance,
    }
}

pub(crate) fn check_labels(path: &Path, labels: &[u8], num_classes: u8) -> Result<(), DataError> {
    match labels.iter().position(|label| *label >= num_classes) {
        Some(index) => Err(DataError::LabelOutOfRange {
            path: path.to_path_buf(),
            index,
            label: labels[index],
            num_classes,
        }),
        None => Ok(()),
    }
}

const SETUP_HINT: &str = "Run `ci/setup-data.sh` (or `make setup`) to obtain it, or point --data-dir / AEREPRO_DATA_DIR at a directory that has it.";

fn require_file(kind: DatasetKind, path: &Path) -> Result<(), DataError> {
    if path.is_file() {
        Ok(())
    } else {
        Err(DataError::Missing {
            dataset: kind,
            path: path.to_path_buf(),
            hint: SETUP_HINT.to_string(),
        })
    }
}

fn read_verified(
    kind: DatasetKind,
    path: &Path,
    sha256: &str,
    files: &mut Vec<VerifiedFile>,
) -> Result<Vec<u8>, DataError> {
    require_file(kind, path)?;
    let bytes = integrity::read_file(path)?;
    files.push(integrity::verify(path, &bytes, sha256)?);
    Ok(bytes)
}

/// Parses an IDX image/label pair and checks that they agree in count.
pub fn parse_mnist_pair(
    images_path: &Path,
    images: &[u8],
    labels_path: &Path,
    labels: &[u8],
) -> Result<RawImages, DataError> {
    let images = mnist::parse_images(images_path, images)?;
    let labels = mnist::parse_labels(labels_path, labels, 10)?;
    if (images.rows, images.cols) != (28, 28) {
        return Err(DataError::Format {
            path: images_path.to_path_buf(),
            message: format!("images are {}x{}, expected 28x28", images.rows, images.cols),
        });
    }
    if images.count != labels.len() {
        return Err(DataError::CountMismatch {
            images_path: images_path.to_path_buf(),
            labels_path: labels_path.to_path_buf(),
            images: images.count,
            labels: labels.len(),
        });
    }
    Ok(RawImages {
        pixels: images.pixels,
        labels,
    })
}

fn load_mnist(data_dir: &Path) -> Result<LoadedDataset, DataError> {
    let dir = data_dir.join("mnist");
    let mut files = Vec::new();
    let mut read = |i: usize| {
        let expected = &integrity::MNIST_FILES[i];
        let path = dir.join(expected.name);
        read_verified(DatasetKind::Mnist, &path, expected.sha256, &mut files).map(|b| (path, b))
    };
    let (train_images_path, train_images) = read(0)?;
    let (train_labels_path, train_labels) = read(1)?;
    let (test_images_path, test_images) = read(2)?;
    let (test_labels_path, test_labels) = read(3)?;
    Ok(LoadedDataset {
        kind: DatasetKind::Mnist,
        train: parse_mnist_pair(
            &train_images_path,
            &train_images,
            &train_labels_path,
            &train_labels,
        )?,
        test: parse_mnist_pair(
            &test_images_path,
            &test_images,
            &test_labels_path,
            &test_labels,
        )?,
        provenance: Provenance {
            dataset: DatasetKind::Mnist,
            variant: "official".into(),
            files,
        },
    })
}

/// A CIFAR-10 directory, its variant name, and the expected sha256 of each file in it.
struct CifarSource {
    dir: PathBuf,
    variant: &'static str,
    digests: Vec<(String, String)>,
}

/// Official batches (`cifar-10-batches-bin/`, verified against the SHA256SUMS that the setup wrote after
/// checking the official tarball's MD5) take precedence over the JPEG-q75 rebuild (`cifar-10-jpeg-q75/`).
fn cifar10_source(data_dir: &Path) -> Result<CifarSource, DataError> {
    let official = data_dir.join("cifar-10-batches-bin");
    let sums_path = official.join("SHA256SUMS");
    if sums_path.is_file() {
        let text = String::from_utf8_lossy(&integrity::read_file(&sums_path)?).into_owned();
        return Ok(CifarSource {
            dir: official,
            variant: "official",
            digests: integrity::parse_sha256sums(&sums_path, &text)?,
        });
    }
    let rebuild = data_dir.join("cifar-10-jpeg-q75");
    let digests = integrity::CIFAR10_JPEG_Q75_FILES
        .iter()
        .map(|f| (f.name.to_string(), f.sha256.to_string()))
        .collect();
    Ok(CifarSource {
        dir: rebuild,
        variant: "jpeg-q75-rebuild",
        digests,
    })
}

fn load_cifar10(data_dir: &Path) -> Result<LoadedDataset, DataError> {
    let CifarSource {
        dir,
        variant,
        digests,
    } = cifar10_source(data_dir)?;
    let mut files = Vec::new();
    let mut read_batch = |name: &str| -> Result<cifar10::CifarBatch, DataError> {
        let path = dir.join(name);
        let digest = digests
            .iter()
            .find(|(file, _)| file == name)
            .map(|(_, digest)| digest.as_str())
            .ok_or_else(|| DataError::Format {
                path: dir.join("SHA256SUMS"),
                message: format!("no checksum listed for {name}"),
            })?;
        let bytes = read_verified(DatasetKind::Cifar10, &path, digest, &mut files)?;
        cifar10::parse_batch(&path, &bytes)
    };
    let mut train = RawImages::default();
    for name in cifar10::TRAIN_FILES {
        let batch = read_batch(name)?;
        train.labels.extend(batch.labels);
        train.pixels.extend(batch.pixels);
    }
    let test = read_batch(cifar10::TEST_FILE)?;
    Ok(LoadedDataset {
        kind: DatasetKind::Cifar10,
        train,
        test: RawImages {
            pixels: test.pixels,
            labels: test.labels,
        },
        provenance: Provenance {
            dataset: DatasetKind::Cifar10,
            variant: variant.into(),
            files,
        },
    })
}
