//! Where a dataset comes from and what it is called: "official" CIFAR-10 only from the official
//! tarball; any other `cifar-10-batches-bin/` is "unverified" and structurally checked; sizes are
//! checked before a file is read; an unreadable path is not reported as missing. Synthetic files only.
use std::io::Write;
use std::path::Path;

use aerepro::data::{self, cifar10, integrity, DataError, DatasetKind};

/// A structurally valid batch: 10,000 records, labels cycling 0..9 (1,000 per class), `fill` pixels.
fn batch(fill: u8) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(cifar10::BATCH_BYTES as usize);
    for i in 0..cifar10::IMAGES_PER_BATCH {
        bytes.push((i % 10) as u8);
        bytes.extend(std::iter::repeat_n(fill, cifar10::PIXELS_PER_IMAGE));
    }
    bytes
}

fn batch_names() -> Vec<&'static str> {
    cifar10::TRAIN_FILES
        .into_iter()
        .chain([cifar10::TEST_FILE])
        .collect()
}

/// A `cifar-10-batches-bin/` with six valid batches and a SHA256SUMS its author wrote.
fn forged_batches_dir(data_dir: &Path) -> std::path::PathBuf {
    let dir = data_dir.join(data::CIFAR10_BATCHES_DIR);
    std::fs::create_dir_all(&dir).unwrap();
    let mut sums = String::new();
    for (i, name) in batch_names().into_iter().enumerate() {
        let bytes = batch(i as u8 * 20);
        sums += &format!("{}  {name}\n", integrity::sha256_hex(&bytes));
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    std::fs::write(dir.join("SHA256SUMS"), sums).unwrap();
    dir
}

#[test]
fn a_batches_directory_without_the_official_tarball_is_unverified_not_official() {
    let data_dir = tempfile::tempdir().unwrap();
    let dir = forged_batches_dir(data_dir.path());
    // An empty rebuild directory (left by an interrupted setup) is not a copy.
    std::fs::create_dir(data_dir.path().join(data::CIFAR10_REBUILD_DIR)).unwrap();
    let loaded = data::load(DatasetKind::Cifar10, data_dir.path()).unwrap();
    assert_eq!(loaded.provenance.variant, "unverified");
    assert!(!loaded.provenance.is_verified());
    assert!(
        loaded
            .provenance
            .checked
            .contains("NOT checked against the official distribution"),
        "{}",
        loaded.provenance.checked
    );
    assert_eq!((loaded.train.len(), loaded.test.len()), (50_000, 10_000));
    assert_eq!(loaded.provenance.files.len(), 6);

    // Structure is still checked: a training batch of one class breaks the 5,000-per-class split.
    let mut skewed = batch(0);
    for record in skewed.chunks_exact_mut(cifar10::RECORD_BYTES) {
        record[0] = 3;
    }
    std::fs::write(dir.join("data_batch_2.bin"), skewed).unwrap();
    let err = data::load(DatasetKind::Cifar10, data_dir.path()).unwrap_err();
    assert!(
        err.to_string()
            .contains("the training batches has [4000, 4000, 4000, 14000"),
        "{err}"
    );

    // A file of the wrong size is refused by its size, before it is read.
    std::fs::write(dir.join("data_batch_2.bin"), b"short").unwrap();
    match data::load(DatasetKind::Cifar10, data_dir.path()).unwrap_err() {
        DataError::SizeMismatch {
            expected, actual, ..
        } => assert_eq!((expected, actual), (30_730_000, 5)),
        other => panic!("expected a size mismatch, got {other}"),
    }
}

#[test]
fn a_tarball_that_is_not_the_official_one_is_refused() {
    let data_dir = tempfile::tempdir().unwrap();
    forged_batches_dir(data_dir.path());
    let tarball = data_dir.path().join("cifar-10-binary.tar.gz");
    std::fs::write(&tarball, b"not a tarball").unwrap();
    let err = data::load(DatasetKind::Cifar10, data_dir.path()).unwrap_err();
    assert!(
        matches!(
            err,
            DataError::SizeMismatch {
                expected: 170_052_171,
                actual: 13,
                ..
            }
        ),
        "{err}"
    );
    // The official size, other bytes (sparse: nothing is written).
    std::fs::File::create(&tarball)
        .unwrap()
        .set_len(integrity::CIFAR10_OFFICIAL_TARBALL.bytes)
        .unwrap();
    let err = data::load(DatasetKind::Cifar10, data_dir.path())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("not the official CIFAR-10 tarball")
            && err.contains(integrity::CIFAR10_OFFICIAL_TARBALL.sha256),
        "{err}"
    );
}

fn tar_gz(members: &[(String, Vec<u8>)]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut builder = tar::Builder::new(gz);
    for (name, bytes) in members {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, name, &bytes[..]).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

#[test]
fn the_batches_are_read_from_the_tarball_in_order_with_sizes_checked() {
    let mut members: Vec<(String, Vec<u8>)> = batch_names()
        .into_iter()
        .enumerate()
        .rev()
        .map(|(i, name)| (format!("cifar-10-batches-bin/{name}"), batch(i as u8)))
        .collect();
    members.push((
        "cifar-10-batches-bin/readme.html".into(),
        b"<html>".to_vec(),
    ));
    let path = Path::new("cifar-10-binary.tar.gz");
    let batches = cifar10::extract_batches(path, &tar_gz(&members)).unwrap();
    assert_eq!(batches.len(), 6);
    for (i, (member, bytes)) in batches.iter().enumerate() {
        assert!(member.ends_with(batch_names()[i]), "{}", member.display());
        assert_eq!(bytes[1], i as u8, "batch {i} holds its own pixels");
    }

    members.remove(0);
    let err = cifar10::extract_batches(path, &tar_gz(&members)).unwrap_err();
    assert!(
        err.to_string()
            .contains("has no cifar-10-batches-bin/test_batch.bin"),
        "{err}"
    );
    members.push(("cifar-10-batches-bin/test_batch.bin".into(), vec![0; 3073]));
    let err = cifar10::extract_batches(path, &tar_gz(&members)).unwrap_err();
    assert!(
        err.to_string().contains("is 3073 bytes, expected 30730000"),
        "{err}"
    );
    let err = cifar10::extract_batches(path, b"garbage").unwrap_err();
    assert!(err.to_string().contains("not a readable tar.gz"), "{err}");
}

#[test]
fn a_data_file_of_the_wrong_size_is_refused_before_it_is_read() {
    let data_dir = tempfile::tempdir().unwrap();
    let mnist = data_dir.path().join("mnist");
    std::fs::create_dir(&mnist).unwrap();
    // 1.5 GB, sparse: reading it whole would take seconds and 1.5 GB of memory.
    let huge = mnist.join("train-images-idx3-ubyte");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(1_500_000_000)
        .unwrap();
    let started = std::time::Instant::now();
    let err = data::load(DatasetKind::Mnist, data_dir.path()).unwrap_err();
    assert!(
        matches!(
            err,
            DataError::SizeMismatch {
                expected: 47_040_016,
                actual: 1_500_000_000,
                ..
            }
        ),
        "{err}"
    );
    assert!(err
        .to_string()
        .contains("train-images-idx3-ubyte is 1500000000 bytes, expected 47040016"));
    assert!(
        started.elapsed().as_secs_f64() < 1.0,
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn an_unreadable_path_is_reported_as_such_not_as_missing() {
    let data_dir = tempfile::tempdir().unwrap();
    // A file where the mnist directory belongs.
    std::fs::File::create(data_dir.path().join("mnist"))
        .unwrap()
        .write_all(b"x")
        .unwrap();
    let err = data::load(DatasetKind::Mnist, data_dir.path()).unwrap_err();
    assert!(matches!(err, DataError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("Not a directory"), "{err}");

    // A directory without permissions (root reads it anyway, so this part needs a normal user).
    use std::os::unix::fs::PermissionsExt;
    let locked = tempfile::tempdir().unwrap();
    let mnist = locked.path().join("mnist");
    std::fs::create_dir(&mnist).unwrap();
    std::fs::set_permissions(&mnist, std::fs::Permissions::from_mode(0o000)).unwrap();
    let privileged = std::fs::read_dir(&mnist).is_ok();
    let result = data::load(DatasetKind::Mnist, locked.path());
    std::fs::set_permissions(&mnist, std::fs::Permissions::from_mode(0o755)).unwrap();
    if privileged {
        eprintln!("running as a privileged user: the permission-denied case cannot be staged");
        return;
    }
    let err = result.unwrap_err();
    assert!(err.to_string().contains("Permission denied"), "{err}");
}
