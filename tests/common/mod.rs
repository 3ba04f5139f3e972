//! Helpers shared by the tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard};

use aerepro::data::{default_data_dir, load_split, DatasetKind};
use aerepro::model::ModelKind;
use aerepro::train::{train_model, TrainConfig, TrainError, TrainedModel};
use tch::{Kind, Tensor};

/// libtorch's RNG (and its thread setting) is process-wide and cargo runs tests in parallel: every
/// test that seeds, builds models or trains holds this lock.
pub static SEED_LOCK: Mutex<()> = Mutex::new(());

/// Takes [`SEED_LOCK`] (ignoring poisoning by a failed test).
pub fn seed_lock() -> MutexGuard<'static, ()> {
    SEED_LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Trains a fresh `kind` model on the CPU, without a progress bar.
pub fn train_on_cpu(
    kind: ModelKind,
    dataset: DatasetKind,
    images: &Tensor,
    config: &TrainConfig,
) -> Result<TrainedModel, TrainError> {
    train_model(kind, dataset, images, config, tch::Device::Cpu, None)
}

/// Deterministic synthetic images in [0, 1] (blurry blobs), `[n, C, H, W]`, independent of
/// libtorch's RNG.
pub fn synthetic_images(dataset: DatasetKind, n: i64) -> Tensor {
    let [c, h, w] = dataset.image_shape();
    let mut v = Vec::with_capacity((n * c * h * w) as usize);
    for i in 0..n {
        let cx = (i * 7 % w) as f32;
        let cy = (i * 11 % h) as f32;
        for ch in 0..c {
            for y in 0..h {
                for x in 0..w {
                    let d2 = (x as f32 - cx).powi(2) + (y as f32 - cy).powi(2);
                    v.push((-d2 / (20.0 + 5.0 * ch as f32)).exp());
                }
            }
        }
    }
    Tensor::from_slice(&v)
        .view([n, c, h, w])
        .to_kind(Kind::Float)
}

/// The first `n` training images of `class` from the real data under `default_data_dir()`. Panics with
/// the setup command when the data is missing: a test that needs real images must not pass without them.
pub fn real_train_images(dataset: DatasetKind, class: u8, n: i64) -> Tensor {
    let split = load_split(dataset, &default_data_dir(), class)
        .unwrap_or_else(|e| panic!("real {dataset} data unavailable ({e}); run ci/setup-data.sh"));
    split.train.narrow(0, 0, n.min(split.train.size()[0]))
}

/// Rank-based ROC AUC of scores where `positive` marks anomalies (ties count ½).
pub fn roc_auc(scores: &[f64], positive: &[bool]) -> f64 {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut ranks = vec![0.0; scores.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && scores[idx[j + 1]] == scores[idx[i]] {
            j += 1;
        }
        let r = (i + j) as f64 / 2.0 + 1.0;
        for k in i..=j {
            ranks[idx[k]] = r;
        }
        i = j + 1;
    }
    let n_pos = positive.iter().filter(|p| **p).count() as f64;
    let n_neg = positive.len() as f64 - n_pos;
    let rank_sum: f64 = ranks
        .iter()
        .zip(positive)
        .filter(|(_, p)| **p)
        .map(|(r, _)| r)
        .sum();
    (rank_sum - n_pos * (n_pos + 1.0) / 2.0) / (n_pos * n_neg)
}

/// The smallest real `reproduce` of `models` (add `--out DIR`): MNIST, one seed, one epoch, one
/// thread, no step timing.
pub fn tiny_reproduce(models: &str) -> Vec<&str> {
    vec![
        "reproduce",
        "--dataset",
        "mnist",
        "--models",
        models,
        "--epochs",
        "1",
        "--threads",
        "1",
        "--step-cost-rounds",
        "0",
        "--seeds",
        "1",
    ]
}

pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The data the tests read: `$AEREPRO_DATA_DIR`, else the crate's `data/` (what `ci/setup-data.sh`
/// fills).
pub fn data_dir() -> PathBuf {
    std::env::var_os("AEREPRO_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("data"))
}

/// The `aerepro` binary started in `cwd` (never the repository: a default output such as
/// `runs/mnist` or `aerepro-score` lands in `cwd`), reading the data from [`data_dir`].
pub fn aerepro_in(cwd: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_aerepro"));
    command.current_dir(cwd).env("AEREPRO_DATA_DIR", data_dir());
    command
}

/// Runs `aerepro ARGS` to the end in a fresh empty working directory of its own (removed after):
/// nothing in the repository (say a finished `runs/mnist` of `make reproduce`) is seen or written.
pub fn aerepro(args: &[&str]) -> Output {
    let cwd = tempfile::tempdir().expect("a working directory for aerepro");
    aerepro_in(cwd.path())
        .args(args)
        .output()
        .expect("running aerepro")
}

pub fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The stdout of `aerepro ARGS`, which must have succeeded (else both outputs are shown).
pub fn succeeded(args: &[&str], output: &Output) -> String {
    assert!(
        output.status.success(),
        "aerepro {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        stderr_of(output)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs `aerepro ARGS`, which must succeed; its stdout.
pub fn succeeds(args: &[&str]) -> String {
    succeeded(args, &aerepro(args))
}

/// Runs `aerepro ARGS`, which must fail with `message` on stderr, without a panic.
pub fn fails_with(args: &[&str], message: &str) {
    let output = aerepro(args);
    assert!(!output.status.success(), "{args:?} should fail");
    let stderr = stderr_of(&output);
    assert!(
        stderr.contains(message),
        "{args:?}: expected '{message}' in:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Asserts that two merged sweep directories hold the same `cells` cells: equal `summary.json` cell
/// entries and byte-identical `scores.json` per cell.
pub fn assert_same_cells(a: &std::path::Path, b: &std::path::Path, cells: usize) {
    let summary_cells =
        |dir: &std::path::Path| read_json(&dir.join("summary.json"))["cells"].clone();
    let (x, y) = (summary_cells(a), summary_cells(b));
    assert_eq!(x.as_array().unwrap().len(), cells);
    assert_eq!(x, y, "{} and {} differ", a.display(), b.display());
    for entry in std::fs::read_dir(b.join("cells")).unwrap() {
        let id = entry.unwrap().file_name();
        let scores = |dir: &std::path::Path| {
            std::fs::read(dir.join("cells").join(&id).join("scores.json")).unwrap()
        };
        assert_eq!(scores(a), scores(b), "scores of cell {id:?} differ");
    }
}

/// `sweep plan` of the tiny 4-cell grid (MNIST normal classes 1 and 7, the CAE, seeds 0 and 1, one
/// epoch) into `dir`.
pub fn tiny_sweep_plan(dir: &Path) -> Vec<String> {
    [
        "sweep",
        "plan",
        "--out",
        dir.to_str().unwrap(),
        "--dataset",
        "mnist",
        "--normal-classes",
        "1,7",
        "--models",
        "cae",
        "--seeds",
        "0,1",
        "--epochs",
        "1",
    ]
    .map(String::from)
    .to_vec()
}
