//! Loader and bad-input tests on the small committed fixtures (no setup needed).
use std::path::{Path, PathBuf};

use aerepro::data::{self, cifar10, DataError, DatasetKind, RawImages};

fn fixture(name: &str) -> (PathBuf, Vec<u8>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name);
    let bytes = std::fs::read(&path).unwrap();
    (path, bytes)
}

fn mnist_fixture() -> ((PathBuf, Vec<u8>), (PathBuf, Vec<u8>)) {
    (
        fixture("mnist/t10k-images-idx3-ubyte-first100"),
        fixture("mnist/t10k-labels-idx1-ubyte-first100"),
    )
}

fn parse_mnist(images: &[u8], labels: &[u8]) -> Result<RawImages, DataError> {
    let ((ip, _), (lp, _)) = mnist_fixture();
    data::parse_mnist_pair(&ip, images, &lp, labels)
}

#[test]
fn mnist_fixture_parses_to_real_digits() {
    let ((_, images), (_, labels)) = mnist_fixture();
    let raw = parse_mnist(&images, &labels).unwrap();
    assert_eq!(raw.len(), 100);
    // The official test set starts 7, 2, 1, 0, 4.
    assert_eq!(&raw.labels[..5], &[7, 2, 1, 0, 4]);
    let tensor = raw.to_tensor(DatasetKind::Mnist.image_shape());
    assert_eq!(tensor.size(), vec![100, 1, 28, 28]);
    let (min, max) = (
        tensor.min().double_value(&[]),
        tensor.max().double_value(&[]),
    );
    assert_eq!((min, max), (0.0, 1.0));
    let ones = raw.of_class(1, 784);
    assert_eq!(ones.len(), raw.labels.iter().filter(|l| **l == 1).count());
}

#[test]
fn cifar_fixture_parses_ten_per_class() {
    let (path, bytes) = fixture("cifar10/test_batch-10-per-class.bin");
    let batch = cifar10::parse_batch(&path, &bytes).unwrap();
    assert_eq!(batch.labels.len(), 100);
    for class in 0..10u8 {
        assert_eq!(batch.labels.iter().filter(|l| **l == class).count(), 10);
    }
    let raw = RawImages {
        pixels: batch.pixels,
        labels: batch.labels,
    };
    let tensor = raw.to_tensor(DatasetKind::Cifar10.image_shape());
    assert_eq!(tensor.size(), vec![100, 3, 32, 32]);
}

fn format_message(err: DataError) -> String {
    match err {
        DataError::Format { message, .. } => message,
        other => panic!("expected a format error, got {other:?}"),
    }
}

#[test]
fn truncated_idx_header_is_rejected() {
    let ((_, images), (_, labels)) = mnist_fixture();
    let msg = format_message(parse_mnist(&images[..10], &labels).unwrap_err());
    assert!(msg.contains("truncated"), "{msg}");
}

#[test]
fn truncated_idx_body_is_rejected() {
    let ((_, images), (_, labels)) = mnist_fixture();
    let err = parse_mnist(&images[..images.len() - 1], &labels).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("t10k-images-idx3-ubyte-first100"), "{text}");
    assert!(format_message(err).contains("100 images of 28x28"));
}

#[test]
fn wrong_magic_is_rejected() {
    let ((_, images), (_, labels)) = mnist_fixture();
    // Swapping the files puts the label magic where image magic belongs.
    let msg = format_message(parse_mnist(&labels, &labels).unwrap_err());
    assert!(
        msg.contains("wrong magic number 2049, expected 2051"),
        "{msg}"
    );
    let msg = format_message(parse_mnist(&images, &images).unwrap_err());
    assert!(
        msg.contains("wrong magic number 2051, expected 2049"),
        "{msg}"
    );
}

#[test]
fn header_count_not_matching_file_size_is_rejected() {
    let ((_, mut images), (_, labels)) = mnist_fixture();
    images[7] = 101; // header says 101 images, file holds 100
    let msg = format_message(parse_mnist(&images, &labels).unwrap_err());
    assert!(msg.contains("101 images"), "{msg}");
}

#[test]
fn label_count_not_matching_image_count_is_rejected() {
    let ((_, images), (_, labels)) = mnist_fixture();
    let mut short = labels[..labels.len() - 1].to_vec();
    short[7] = 99;
    match parse_mnist(&images, &short).unwrap_err() {
        DataError::CountMismatch { images, labels, .. } => assert_eq!((images, labels), (100, 99)),
        other => panic!("expected CountMismatch, got {other:?}"),
    }
}

#[test]
fn labels_out_of_range_are_rejected() {
    let ((_, images), (_, mut labels)) = mnist_fixture();
    labels[8 + 3] = 10;
    match parse_mnist(&images, &labels).unwrap_err() {
        DataError::LabelOutOfRange { index, label, .. } => assert_eq!((index, label), (3, 10)),
        other => panic!("expected LabelOutOfRange, got {other:?}"),
    }
    let (path, mut bytes) = fixture("cifar10/test_batch-10-per-class.bin");
    bytes[cifar10::RECORD_BYTES * 2] = 200;
    assert!(matches!(
        cifar10::parse_batch(&path, &bytes),
        Err(DataError::LabelOutOfRange {
            index: 2,
            label: 200,
            ..
        })
    ));
}

#[test]
fn truncated_cifar_batch_is_rejected() {
    let (path, bytes) = fixture("cifar10/test_batch-10-per-class.bin");
    let msg = format_message(cifar10::parse_batch(&path, &bytes[..bytes.len() - 5]).unwrap_err());
    assert!(msg.contains("3073-byte records"), "{msg}");
    assert!(cifar10::parse_batch(&path, &[]).is_err());
}

#[test]
fn checksum_mismatch_names_file_and_both_digests() {
    let (path, bytes) = fixture("mnist/t10k-labels-idx1-ubyte-first100");
    let expected = "0".repeat(64);
    let err = data::integrity::verify(&path, &bytes, &expected).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("t10k-labels-idx1-ubyte-first100"), "{text}");
    assert!(text.contains(&expected), "{text}");
    assert!(
        text.contains(&data::integrity::sha256_hex(&bytes)),
        "{text}"
    );
}

#[test]
fn absent_dataset_says_how_to_obtain_it() {
    let empty = tempfile::tempdir().unwrap();
    for kind in [DatasetKind::Mnist, DatasetKind::Cifar10] {
        let err = data::load(kind, empty.path()).unwrap_err();
        assert!(matches!(err, DataError::Missing { .. }), "{err:?}");
        assert!(err.to_string().contains("ci/setup-data.sh"), "{err}");
    }
}

#[test]
fn class_names_parse_by_name_alias_or_index() {
    assert_eq!(DatasetKind::Cifar10.parse_class("dog").unwrap(), 5);
    assert_eq!(DatasetKind::Cifar10.parse_class("Car").unwrap(), 1);
    assert_eq!(DatasetKind::Mnist.parse_class("7").unwrap(), 7);
    let err = DatasetKind::Mnist
        .parse_class("11")
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown MNIST class '11'"), "{err}");
}
