//! The real, checksummed datasets (needs `ci/setup-data.sh`; the README's test command runs it first).
use std::path::Path;

use aerepro::data::{self, DataError, DatasetKind};

#[test]
fn mnist_class_1_split_has_the_official_counts() {
    let split = data::load_split(DatasetKind::Mnist, &data::default_data_dir(), 1).unwrap();
    assert_eq!(split.train.size(), vec![6742, 1, 28, 28]);
    assert_eq!(split.test_images.size(), vec![10_000, 1, 28, 28]);
    let per_class: Vec<usize> = (0..10u8)
        .map(|c| split.test_labels.iter().filter(|l| **l == c).count())
        .collect();
    assert_eq!(
        per_class,
        [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    );
    assert_eq!(split.provenance.variant, "official");
    assert_eq!(split.provenance.files.len(), 4);
}

/// Passes with either verified CIFAR-10 copy ci/setup-data.sh installs, and names the one it read.
#[test]
fn cifar10_dog_split_has_5000_train_and_1000_test() {
    let split = data::load_split(DatasetKind::Cifar10, &data::default_data_dir(), 5).unwrap();
    eprintln!(
        "CIFAR-10 variant read: {} ({})",
        split.provenance.variant, split.provenance.checked
    );
    assert_eq!(split.train.size(), vec![5000, 3, 32, 32]);
    assert_eq!(split.test_labels.iter().filter(|l| **l == 5).count(), 1000);
    assert_eq!(split.test_images.size(), vec![10_000, 3, 32, 32]);
    let files = match split.provenance.variant.as_str() {
        "official" => 7,
        "jpeg-q75-rebuild" => 6,
        other => panic!("CIFAR-10 copy is {other}: ci/setup-data.sh installs a verified one"),
    };
    assert_eq!(
        split.provenance.files.len(),
        files,
        "{:?}",
        split.provenance.files
    );
}

#[test]
fn corrupted_file_in_a_data_dir_fails_its_checksum() {
    let real = data::default_data_dir().join("mnist");
    let dir = tempfile::tempdir().unwrap();
    let mnist = dir.path().join("mnist");
    std::fs::create_dir(&mnist).unwrap();
    for name in [
        "train-images-idx3-ubyte",
        "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
    ] {
        std::os::unix::fs::symlink(
            std::fs::canonicalize(real.join(name)).unwrap(),
            mnist.join(name),
        )
        .unwrap();
    }
    let mut labels = std::fs::read(real.join("train-labels-idx1-ubyte")).unwrap();
    labels[100] ^= 1;
    std::fs::write(mnist.join("train-labels-idx1-ubyte"), labels).unwrap();
    match data::load(DatasetKind::Mnist, dir.path()).unwrap_err() {
        DataError::ChecksumMismatch { path, expected, .. } => {
            assert_eq!(path, Path::new(&mnist).join("train-labels-idx1-ubyte"));
            assert_eq!(expected, data::integrity::MNIST_FILES[1].sha256);
        }
        other => panic!("expected a checksum mismatch, got {other:?}"),
    }
}
