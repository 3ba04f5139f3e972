//! The real datasets: checksummed MNIST (IDX) and CIFAR-10 (binary batches, official or the JPEG-q75
//! rebuild), as f32 NCHW tensors in [0, 1], split into "train on one normal class" and "test on all".
pub mod cifar10;
mod files;
pub mod integrity;
pub mod mnist;
pub mod one_class;
pub mod preprocess;

use files::{load_cifar10, load_mnist};
pub use files::{parse_mnist_pair, CIFAR10_BATCHES_DIR, CIFAR10_REBUILD_DIR};

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
    #[error("cannot read {path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{path} is {actual} bytes, expected {expected} (a different or damaged file; rerun ci/setup-data.sh)")]
    SizeMismatch {
        path: PathBuf,
        expected: u64,
        actual: u64,
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

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
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
    /// Lowercase name used in paths, file names and on the command line (`mnist`, `cifar10`).
    pub fn slug(self) -> &'static str {
        match self {
            DatasetKind::Mnist => "mnist",
            DatasetKind::Cifar10 => "cifar10",
        }
    }

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

    /// The name of `class`, or a label saying it is none of this dataset's classes (for messages
    /// about values read from files, which may be out of range).
    pub fn class_label(self, class: u8) -> String {
        self.class_names().get(class as usize).map_or_else(
            || format!("class {class} (not a {self} class)"),
            |name| name.to_string(),
        )
    }

    /// `Ok` when `class` is one of this dataset's classes; else a message naming `field` and the
    /// valid range (for checking a value read from a file).
    pub fn check_class(self, class: u8, field: &str) -> Result<(), String> {
        let n = self.class_names().len();
        if (class as usize) < n {
            Ok(())
        } else {
            Err(format!(
                "{field} is {class}, but {self} has classes 0..{} only",
                n - 1
            ))
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

/// Which copy of a dataset was read, how it was checked, and the digest of every file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Provenance {
    pub dataset: DatasetKind,
    /// "official", or for CIFAR-10 "jpeg-q75-rebuild" or [`UNVERIFIED`].
    pub variant: String,
    /// What the files were checked against.
    #[serde(default)]
    pub checked: String,
    pub files: Vec<VerifiedFile>,
}

/// The variant of a CIFAR-10 copy that could not be checked against any known distribution.
pub const UNVERIFIED: &str = "unverified";

impl Provenance {
    pub fn is_verified(&self) -> bool {
        self.variant != UNVERIFIED
    }
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
    /// How `train` and `test_images` were transformed (`raw` as loaded; see [`preprocess`]).
    pub preprocessor: preprocess::Preprocessor,
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
        preprocessor: preprocess::Preprocessor::raw(),
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
