//! `aerepro score` end to end on PNG files made from the committed MNIST fixture: a checkpoint with
//! its scoring sidecar scores them as the library does, flags them at the recorded threshold, writes
//! reconstructions and error maps, reads the IDX file itself, and names a bad image.
mod common;

use std::path::Path;

use aerepro::data::{mnist, DatasetKind};
use aerepro::model::ModelKind;
use aerepro::score::evaluate::ThresholdSource;
use aerepro::score::sidecar::{self, Binding, ModelIdentity, ScoringSidecar, SidecarThreshold};
use aerepro::score::{fit, model_outputs, threshold, ScoreKind};
use aerepro::store::checkpoint;
use aerepro::train::{train_model, TrainConfig, VaeLoss};
use common::aerepro;
use tch::{Device, Kind, Tensor};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/mnist/t10k-images-idx3-ubyte-first100"
);

fn fixture_images() -> Vec<u8> {
    let bytes = std::fs::read(FIXTURE).unwrap();
    mnist::parse_images(Path::new(FIXTURE), &bytes)
        .unwrap()
        .pixels
}

fn as_tensor(pixels: &[u8]) -> Tensor {
    Tensor::from_slice(pixels)
        .view([(pixels.len() / 784) as i64, 1, 28, 28])
        .to_kind(Kind::Float)
        / 255.0
}

/// Trains a 1-epoch CAE on the fixture and saves it with a sidecar whose MSE and Mahalanobis
/// thresholds flag 5 % of the training images.
fn saved_model(dir: &Path) -> std::path::PathBuf {
    let _g = common::seed_lock();
    let images = as_tensor(&fixture_images());
    let mut config = TrainConfig {
        epochs: 1,
        batch_size: 32,
        threads: Some(1),
        ..Default::default()
    };
    config.collapse.min_steps = usize::MAX;
    let trained = train_model(
        ModelKind::Cae,
        DatasetKind::Mnist,
        &images,
        &config,
        Device::Cpu,
        None,
    )
    .unwrap();
    let weights = dir.join("checkpoints").join("mnist-cae.safetensors");
    checkpoint::save(&trained, &weights, "fixture").unwrap();
    let outputs = model_outputs(&trained, &images, 64).unwrap();
    let fit = fit::fit(
        ModelKind::Cae,
        VaeLoss::default(),
        784,
        &outputs,
        None,
        true,
    )
    .unwrap();
    let thresholds = [ScoreKind::Mse, ScoreKind::LatentMahalanobis]
        .into_iter()
        .map(|score| SidecarThreshold {
            score,
            threshold: threshold::threshold_at_normal_fpr(
                &fit::compute(score, &outputs, &fit, None).unwrap(),
                0.05,
            )
            .unwrap(),
            target_fpr: 0.05,
            fitted_on: ThresholdSource::TrainingInSample,
        })
        .collect();
    let side = ScoringSidecar {
        kind: ModelKind::Cae,
        dataset: DatasetKind::Mnist,
        normal_class: 1,
        fit,
        thresholds,
        binding: None,
        digest: None,
        preprocessor: Default::default(),
    };
    sidecar::save(&weights, &side, binding_of(&weights)).unwrap();
    weights
}

fn binding_of(weights: &Path) -> Binding {
    let committed = checkpoint::verify(weights).unwrap();
    Binding {
        seed: committed.report.config.seed,
        weights_sha256: committed.weights_sha256,
    }
}

fn identity_of(weights: &Path) -> ModelIdentity {
    let committed = checkpoint::verify(weights).unwrap();
    ModelIdentity {
        kind: committed.report.kind,
        dataset: committed.report.dataset,
        seed: committed.report.config.seed,
        weights_sha256: committed.weights_sha256,
    }
}

fn write_png(path: &Path, pixels: &[u8], width: u32) {
    let image =
        image::GrayImage::from_raw(width, (pixels.len() as u32) / width, pixels.to_vec()).unwrap();
    image.save(path).unwrap();
}

#[test]
fn scores_png_files_like_the_library_and_writes_pictures() {
    let dir = tempfile::tempdir().unwrap();
    let weights = saved_model(dir.path());
    let pixels = fixture_images();
    let names = ["first", "second", "third"];
    let mut paths = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let path = dir.path().join(format!("{name}.png"));
        write_png(&path, &pixels[i * 784..(i + 1) * 784], 28);
        paths.push(path.display().to_string());
    }
    let out = dir.path().join("out");
    let mut args = vec![
        "score",
        "--checkpoint",
        dir.path().to_str().unwrap(),
        "--score",
        "latent-mahalanobis,kl",
        "--out",
        out.to_str().unwrap(),
        "--device",
        "cpu",
    ];
    args.extend(paths.iter().map(String::as_str));
    let output = aerepro(&args);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let loaded = checkpoint::load(&weights, Device::Cpu).unwrap();
    let expected = model_outputs(&loaded.model, &as_tensor(&pixels[..3 * 784]), 8).unwrap();
    let side = sidecar::load(&weights, &identity_of(&weights)).unwrap();
    let mse_threshold = side.threshold(ScoreKind::Mse).unwrap().threshold;
    for (i, name) in names.iter().enumerate() {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(name) && l.contains(" mse "))
            .unwrap_or_else(|| panic!("no mse line for {name} in:\n{stdout}"));
        let fields: Vec<&str> = line.split_whitespace().collect();
        let value: f64 = fields[3].parse().unwrap();
        assert!((value - expected.mse[i]).abs() < 1e-6, "{line}");
        let flagged = if expected.mse[i] >= mse_threshold {
            "yes"
        } else {
            "no"
        };
        assert_eq!(fields[5], flagged, "{line}");
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(name) && l.contains("latent-mahalanobis")),
            "{stdout}"
        );
        for kind in ["recon", "error"] {
            let picture = image::open(out.join(format!("{name}.cae-seed0.{kind}.png"))).unwrap();
            assert_eq!((picture.width(), picture.height()), (28, 28));
        }
    }
    assert!(
        stdout.contains("kl applies to the VAE only"),
        "the inapplicable score is a note:\n{stdout}"
    );

    let output = aerepro(&[
        "score",
        "--checkpoint",
        weights.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        FIXTURE,
    ]);
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let rows = stdout.lines().filter(|l| l.contains(" mse ")).count();
    assert_eq!(rows, 100, "one row per image of the IDX file:\n{stdout}");
}

#[test]
fn a_wrong_sized_image_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let weights = saved_model(dir.path());
    let path = dir.path().join("small.png");
    write_png(&path, &[0u8; 20 * 20], 20);
    let output = aerepro(&[
        "score",
        "--checkpoint",
        weights.to_str().unwrap(),
        path.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("small.png") && stderr.contains("20x20") && stderr.contains("28x28"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn bad_score_options_are_named() {
    for (args, message) in [
        (
            &["reproduce", "--dataset", "mnist", "--score", "elbo"][..],
            "unknown score 'elbo'; expected one of: mse, neg-elbo",
        ),
        (
            &["reproduce", "--dataset", "mnist", "--target-fpr", "0"][..],
            "--target-fpr 0 must lie strictly between 0 and 1",
        ),
        (
            &[
                "reproduce",
                "--dataset",
                "mnist",
                "--threshold-holdout",
                "0.9",
            ][..],
            "--threshold-holdout 0.9 must lie in [0, 0.5)",
        ),
        (
            &["score", "--checkpoint", "/nonexistent/run", "x.png"][..],
            "--checkpoint /nonexistent/run: no such file or directory",
        ),
    ] {
        let output = aerepro(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}

/// A real (1-epoch, CIFAR-10, VAE) `reproduce --score all --threshold-holdout 0.1`: the record holds
/// every applicable score with a threshold chosen on the held-out slice, reads back typed, and its
/// checkpoint scores the committed CIFAR-10 fixture batch with `aerepro score`.
#[test]
fn reproduce_records_every_score_and_a_held_out_threshold() {
    use aerepro::run::record::{read_record, Completeness};

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let output = aerepro(&[
        "reproduce",
        "--dataset",
        "cifar10",
        "--models",
        "vae",
        "--epochs",
        "1",
        "--threads",
        "2",
        "--score",
        "all",
        "--threshold-holdout",
        "0.1",
        "--step-cost-rounds",
        "0",
        "--seeds",
        "1",
        "--no-figures",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("ROC-AUC under score complexity-corrected"),
        "{stdout}"
    );

    let record = read_record(&out.join("record.json"), Completeness::Required).unwrap();
    assert_eq!(record.config.scoring.holdout_fraction, 0.1);
    let scoring = record.scoring.as_ref().unwrap();
    assert_eq!(scoring.holdout_images, 500, "10 % of the 5000 dog images");
    let run = &record.runs[0];
    assert_eq!(
        run.train.n_train, 4500,
        "the held-out slice is not trained on"
    );
    let report = run.scoring.as_ref().unwrap();
    let scores: Vec<ScoreKind> = report.results.iter().map(|r| r.score).collect();
    assert_eq!(
        scores,
        [
            ScoreKind::Mse,
            ScoreKind::NegElbo,
            ScoreKind::Kl,
            ScoreKind::LatentMahalanobis,
            ScoreKind::Complexity,
            ScoreKind::ComplexityCorrected
        ]
    );
    assert!(report
        .skipped
        .iter()
        .any(|s| s.contains("critic applies to the AAE only")));
    let mse = &report.results[0];
    for (a, b) in mse.per_class.iter().zip(&run.per_class) {
        assert_eq!(a.metrics.roc_auc, b.metrics.roc_auc);
    }
    for result in &report.results {
        let t = &result.threshold;
        assert_eq!(t.fitted_on, ThresholdSource::HeldOut);
        assert_eq!(t.reference_images, 500);
        assert!(
            t.reference_fpr <= 0.05,
            "{}: {}",
            result.score,
            t.reference_fpr
        );
        assert_eq!(t.test.len(), 10, "nine classes and all others");
        assert_eq!(result.per_class.len(), 9);
    }
    let claims: Vec<String> = scoring
        .per_score
        .iter()
        .find(|s| s.score == ScoreKind::ComplexityCorrected)
        .unwrap()
        .claims
        .iter()
        .map(|c| c.id.to_string())
        .collect();
    assert_eq!(claims, ["C3", "C4", "C7"]);
    let markdown = aerepro(&["report", "scores", out.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&markdown.stdout);
    assert!(
        markdown.status.success(),
        "{}",
        String::from_utf8_lossy(&markdown.stderr)
    );
    assert!(
        text.contains("ROC-AUC of the VAE under each score")
            && text.contains("| complexity-corrected | C7 |")
            && text.contains("chosen on 500 held-out normal training images"),
        "{text}"
    );

    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/cifar10/test_batch-10-per-class.bin"
    );
    let pictures = dir.path().join("pictures");
    let output = aerepro(&[
        "score",
        "--checkpoint",
        out.to_str().unwrap(),
        "--score",
        "all",
        "--out",
        pictures.to_str().unwrap(),
        fixture,
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for score in ["mse", "neg-elbo", "complexity-corrected"] {
        let rows: Vec<&str> = stdout
            .lines()
            .filter(|l| l.split_whitespace().nth(2) == Some(score))
            .collect();
        assert_eq!(rows.len(), 100, "{score}:\n{stdout}");
        assert!(rows
            .iter()
            .all(|l| l.ends_with(" yes") || l.ends_with(" no")));
    }
    assert!(pictures
        .join("test_batch-10-per-class-0.vae-seed0.error.png")
        .is_file());
}

fn score_one(checkpoint: &Path, image: &Path, out: &Path) -> std::process::Output {
    aerepro(&[
        "score",
        "--checkpoint",
        checkpoint.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--device",
        "cpu",
        image.to_str().unwrap(),
    ])
}

/// The scoring sidecar is bound to its weights: an edited threshold, a sidecar of another model
/// beside the weights, and a sidecar of another seed are refused, naming the file and what differs.
#[test]
fn an_edited_or_swapped_scoring_sidecar_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let weights = saved_model(dir.path());
    let image = dir.path().join("digit.png");
    write_png(&image, &fixture_images()[..784], 28);
    let out = dir.path().join("out");
    assert!(score_one(&weights, &image, &out).status.success());

    let side_path = sidecar::path_for(&weights);
    let original = std::fs::read_to_string(&side_path).unwrap();
    let mut edited: serde_json::Value = serde_json::from_str(&original).unwrap();
    edited["thresholds"][0]["threshold"] = serde_json::json!(0.9);
    std::fs::write(&side_path, edited.to_string()).unwrap();
    let output = score_one(&weights, &image, &out);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "an edited threshold was used");
    assert!(stderr.contains("was edited"), "{stderr}");

    let mut other: ScoringSidecar = serde_json::from_str(&original).unwrap();
    let mut binding = other.binding.clone().unwrap();
    binding.weights_sha256 = "0".repeat(64);
    other.digest = None;
    sidecar::save(&weights, &other, binding).unwrap();
    let output = score_one(&weights, &image, &out);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "a sidecar of other weights was used"
    );
    assert!(
        stderr.contains("belongs to another model") && stderr.contains("weights sha256"),
        "{stderr}"
    );

    let mut binding = binding_of(&weights);
    binding.seed += 1;
    sidecar::save(&weights, &other, binding).unwrap();
    let stderr = String::from_utf8_lossy(&score_one(&weights, &image, &out).stderr).into_owned();
    assert!(stderr.contains("seed 1 (the checkpoint: 0)"), "{stderr}");
}

/// A temporary weights file left by a killed save is not a checkpoint; pictures are named by model
/// and seed.
#[test]
fn a_leftover_partial_file_is_ignored_and_pictures_name_model_and_seed() {
    let dir = tempfile::tempdir().unwrap();
    let weights = saved_model(dir.path());
    std::fs::write(
        weights.with_file_name(".partial-x1y2.safetensors"),
        b"half a file",
    )
    .unwrap();
    let image = dir.path().join("digit.png");
    write_png(&image, &fixture_images()[..784], 28);
    let out = dir.path().join("out");
    let output = score_one(dir.path(), &image, &out);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(out.join("digit.cae-seed0.recon.png").is_file());
    assert!(String::from_utf8_lossy(&output.stdout).contains("CAE-s0"));
}
