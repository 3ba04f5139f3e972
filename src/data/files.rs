//! The dataset files on disk: MNIST's IDX pair and CIFAR-10 (the official tarball, its extracted
//! batches, or the JPEG-q75 rebuild), each checked against its sha256 before it is parsed.
use std::path::{Path, PathBuf};

use super::integrity::VerifiedFile;
use super::{cifar10, integrity, mnist};
use super::{DataError, DatasetKind, LoadedDataset, Provenance, RawImages, UNVERIFIED};

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

pub(super) fn load_mnist(data_dir: &Path) -> Result<LoadedDataset, DataError> {
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

pub(super) fn load_cifar10(data_dir: &Path) -> Result<LoadedDataset, DataError> {
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
