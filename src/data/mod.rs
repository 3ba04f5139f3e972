//! The real datasets: checksummed MNIST (IDX) and CIFAR-10 (binary batches, official or the JPEG-q75
//! rebuild), as f32 NCHW tensors in [0, 1], split into "train on one normal class" and "test on all".
pub mod cifar10;
pub mod integrity;
pub mod mnist;
pub mod preprocess;

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

const SETUP_HINT: &str = "Run `ci/setup-data.sh` (or `make setup`) to obtain it, or point --data-dir / AEREPRO_DATA_DIR at a directory that has it.";

/// Fails with [`DataError::Missing`] only when `path` does not exist; any other error (permission
/// denied, a file where a directory belongs) is reported as it is.
fn require(kind: DatasetKind, path: &Path) -> Result<(), DataError> {
    match path.try_exists() {
        Ok(true) => Ok(()),
        Ok(false) => Err(DataError::Missing {
            dataset: kind,
            path: path.to_path_buf(),
            hint: SETUP_HINT.to_string(),
        }),
        Err(error) => Err(DataError::Io {
            path: path.to_path_buf(),
            error,
        }),
    }
}

/// Whether `path` exists; errors other than "not found" are reported.
fn exists(path: &Path) -> Result<bool, DataError> {
    path.try_exists().map_err(|error| DataError::Io {
        path: path.to_path_buf(),
        error,
    })
}

/// Whether `dir` exists and holds anything (an empty directory is what an interrupted setup leaves).
fn is_non_empty_dir(dir: &Path) -> Result<bool, DataError> {
    if !exists(dir)? {
        return Ok(false);
    }
    let mut entries = std::fs::read_dir(dir).map_err(|error| DataError::Io {
        path: dir.to_path_buf(),
        error,
    })?;
    Ok(entries.next().is_some())
}

fn read_verified(
    kind: DatasetKind,
    path: &Path,
    expected: &integrity::ExpectedFile,
    files: &mut Vec<VerifiedFile>,
) -> Result<Vec<u8>, DataError> {
    require(kind, path)?;
    let (bytes, verified) = integrity::read_expected(path, expected)?;
    files.push(verified);
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
        read_verified(DatasetKind::Mnist, &path, expected, &mut files).map(|b| (path, b))
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
            checked: "size and sha256 of each file against the official MNIST files".into(),
            files,
        },
    })
}

/// Where CIFAR-10 is read from, in order of preference: the official tarball, the JPEG-q75
/// rebuild, an unverified `cifar-10-batches-bin/` directory.
pub const CIFAR10_REBUILD_DIR: &str = "cifar-10-jpeg-q75";
pub const CIFAR10_BATCHES_DIR: &str = "cifar-10-batches-bin";

const CIFAR10_HINT: &str = "Run `ci/setup-data.sh --cifar10-tarball PATH` with the official cifar-10-binary.tar.gz (or with the JPEG-q75 rebuild in ../shared/data), or point --data-dir / AEREPRO_DATA_DIR at a directory that has one.";

/// The six batch files of a CIFAR-10 copy (training batches first), how it was checked, and digests.
struct CifarFiles {
    batches: Vec<(PathBuf, Vec<u8>)>,
    variant: &'static str,
    checked: &'static str,
    files: Vec<VerifiedFile>,
}

fn cifar10_file_names() -> impl Iterator<Item = &'static str> {
    cifar10::TRAIN_FILES
        .into_iter()
        .chain(std::iter::once(cifar10::TEST_FILE))
}

fn read_cifar10_official(tarball: &Path) -> Result<CifarFiles, DataError> {
    let (bytes, verified) = integrity::read_expected(tarball, &integrity::CIFAR10_OFFICIAL_TARBALL)
        .map_err(|e| match e {
            DataError::ChecksumMismatch { path, expected, actual } => DataError::Format {
                path,
                message: format!("not the official CIFAR-10 tarball: sha256 {actual}, the official one is {expected}"),
            },
            other => other,
        })?;
    let mut files = vec![verified];
    let batches = cifar10::extract_batches(tarball, &bytes)?;
    for (path, member) in &batches {
        files.push(VerifiedFile {
            path: path.display().to_string(),
            bytes: member.len() as u64,
            sha256: integrity::sha256_hex(member),
        });
    }
    Ok(CifarFiles {
        batches,
        variant: "official",
        checked: "sha256 of the official tarball cifar-10-binary.tar.gz; batches read from it",
        files,
    })
}

fn read_cifar10_rebuild(dir: &Path) -> Result<CifarFiles, DataError> {
    let mut files = Vec::new();
    let mut batches = Vec::new();
    for expected in &integrity::CIFAR10_JPEG_Q75_FILES {
        let path = dir.join(expected.name);
        let bytes = read_verified(DatasetKind::Cifar10, &path, expected, &mut files)?;
        batches.push((path, bytes));
    }
    Ok(CifarFiles {
        batches,
        variant: "jpeg-q75-rebuild",
        checked: "size and sha256 of each file against the JPEG-q75 rebuild",
        files,
    })
}

fn read_cifar10_unverified(dir: &Path) -> Result<CifarFiles, DataError> {
    let mut files = Vec::new();
    let mut batches = Vec::new();
    for name in cifar10_file_names() {
        let path = dir.join(name);
        require(DatasetKind::Cifar10, &path)?;
        let bytes = integrity::read_file_of_size(&path, cifar10::BATCH_BYTES)?;
        files.push(VerifiedFile {
            path: path.display().to_string(),
            bytes: bytes.len() as u64,
            sha256: integrity::sha256_hex(&bytes),
        });
        batches.push((path, bytes));
    }
    Ok(CifarFiles {
        batches,
        variant: UNVERIFIED,
        checked: "NOT checked against the official distribution (no cifar-10-binary.tar.gz): structure only (file sizes, labels 0-9, 1,000 test and 5,000 training images per class)",
        files,
    })
}

fn read_cifar10_files(data_dir: &Path) -> Result<CifarFiles, DataError> {
    let tarball = data_dir.join(integrity::CIFAR10_OFFICIAL_TARBALL.name);
    if exists(&tarball)? {
        return read_cifar10_official(&tarball);
    }
    let rebuild = data_dir.join(CIFAR10_REBUILD_DIR);
    if is_non_empty_dir(&rebuild)? {
        return read_cifar10_rebuild(&rebuild);
    }
    let batches = data_dir.join(CIFAR10_BATCHES_DIR);
    if exists(&batches)? {
        return read_cifar10_unverified(&batches);
    }
    Err(DataError::Missing {
        dataset: DatasetKind::Cifar10,
        path: tarball,
        hint: format!(
            "Neither {} nor {} is there either. {CIFAR10_HINT}",
            rebuild.display(),
            batches.display()
        ),
    })
}

fn load_cifar10(data_dir: &Path) -> Result<LoadedDataset, DataError> {
    let CifarFiles {
        batches,
        variant,
        checked,
        files,
    } = read_cifar10_files(data_dir)?;
    let mut parsed = Vec::with_capacity(batches.len());
    for (path, bytes) in &batches {
        parsed.push((path.as_path(), cifar10::parse_batch(path, bytes)?));
    }
    cifar10::check_split(&parsed)?;
    let (test_path, test) = parsed.pop().expect("six batches");
    debug_assert!(test_path.ends_with(cifar10::TEST_FILE));
    let mut train = RawImages::default();
    for (_, batch) in parsed {
        train.labels.extend(batch.labels);
        train.pixels.extend(batch.pixels);
    }
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
            checked: checked.into(),
            files,
        },
    })
}
