//! `reproduce --tensorboard DIR` read back by the real reader: tbparse and TensorBoard's own event
//! loader from `.venv-tools/`, which ci/setup-python-tools.sh creates (this test calls it). Every
//! scalar's tag, step and value equals the record's; the figures are images; the config is in
//! the HParams plugin's format.
use std::path::Path;
use std::process::Command;

mod common;

const READ: &str = r#"
import json, sys
from tbparse import SummaryReader
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
logdir = sys.argv[1]
r = SummaryReader(logdir, extra_columns={"dir_name"})
s = r.scalars
hp = r.hparams
# tbparse decodes images with TensorFlow; TensorBoard's own loader reads them without it.
ea = EventAccumulator(logdir, size_guidance={"images": 0})
ea.Reload()
print(json.dumps({
    "scalars": [[d, t, int(st), float(v)] for d, t, st, v in zip(s.dir_name, s.tag, s.step, s.value)],
    "images": [[t, e.width, e.height, len(e.encoded_image_string)] for t in ea.Tags()["images"] for e in ea.Images(t)],
    "hparams": [[d, t, v if isinstance(v, (str, bool)) else float(v)] for d, t, v in zip(hp.dir_name, hp.tag, hp.value)],
}))
"#;

fn setup_python_tools(root: &Path) -> std::path::PathBuf {
    let status = Command::new(root.join("ci/setup-python-tools.sh"))
        .status()
        .expect("running ci/setup-python-tools.sh");
    assert!(
        status.success(),
        "ci/setup-python-tools.sh failed: it needs python3 with venv and pip access to PyPI \
         (tensorboard, tbparse)"
    );
    root.join(".venv-tools/bin/python")
}

#[test]
fn tensorboard_event_files_hold_the_records_numbers_figures_and_hparams() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = setup_python_tools(root);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let tb = tmp.path().join("tb");
    // Two epochs of the VAE: several steps and the KL term.
    let mut args: Vec<&str> = common::tiny_reproduce("vae");
    let epochs = args.iter().position(|a| *a == "--epochs").unwrap() + 1;
    args[epochs] = "2";
    args.extend(["--out", out.to_str().unwrap()]);
    args.extend(["--tensorboard", tb.to_str().unwrap()]);
    let output = common::aerepro(&args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("warning: TensorBoard"), "{stderr}");

    let read = Command::new(&python)
        .args(["-c", READ, tb.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        read.status.success(),
        "tbparse: {}",
        String::from_utf8_lossy(&read.stderr)
    );
    let board: serde_json::Value = serde_json::from_slice(&read.stdout).unwrap();
    let scalar = |dir: &str, tag: &str, step: i64| -> Vec<f64> {
        board["scalars"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| {
                s[0].as_str().unwrap() == dir
                    && s[1].as_str().unwrap() == tag
                    && s[2].as_i64().unwrap() == step
            })
            .map(|s| s[3].as_f64().unwrap())
            .collect()
    };
    let f32_of = |v: &serde_json::Value| v.as_f64().unwrap() as f32 as f64;

    let record = common::read_json(&out.join("record.json"));
    let run = &record["runs"][0];
    assert_eq!(run["kind"], "vae");
    let dir = "vae-seed0";
    let epochs = run["train"]["epochs"].as_array().unwrap();
    assert_eq!(epochs.len(), 2);
    for epoch in epochs {
        let step = epoch["epoch"].as_i64().unwrap();
        for (tag, field) in [
            ("train/objective", "objective"),
            ("train/recon_mse", "recon_mse"),
            ("train/kl", "kl"),
            ("train/kl_weight", "kl_weight"),
            ("train/seconds", "seconds"),
        ] {
            assert_eq!(
                scalar(dir, tag, step),
                [f32_of(&epoch[field])],
                "{tag} at epoch {step}"
            );
        }
        assert_eq!(
            scalar(dir, "probe/latent_std", step),
            [f32_of(&epoch["diagnostics"]["latent_std"])]
        );
        // The VAE has no critic.
        assert!(scalar(dir, "train/critic_loss", step).is_empty());
    }
    let last = 2;
    assert_eq!(
        scalar(dir, "roc_auc/all_others", last),
        [f32_of(&run["all_others"]["metrics"]["roc_auc"])]
    );
    let per_class = run["per_class"].as_array().unwrap();
    assert_eq!(per_class.len(), 9);
    for class in per_class {
        let name = class["name"].as_str().unwrap();
        assert_eq!(
            scalar(dir, &format!("roc_auc/{name}"), last),
            [f32_of(&class["metrics"]["roc_auc"])],
            "class {name}"
        );
        assert_eq!(
            scalar(dir, &format!("average_precision/{name}"), last),
            [f32_of(&class["metrics"]["average_precision"])],
            "class {name}"
        );
    }

    let images = board["images"].as_array().unwrap();
    assert!(
        images
            .iter()
            .any(|i| i[0] == "figures/reconstructions" && i[1].as_u64().unwrap() > 10),
        "{images:?}"
    );

    let hparams = board["hparams"].as_array().unwrap();
    let hparam = |tag: &str| {
        hparams
            .iter()
            .find(|h| h[0] == dir && h[1] == tag)
            .unwrap_or_else(|| panic!("no hparam {tag} in {hparams:?}"))[2]
            .clone()
    };
    assert_eq!(hparam("model"), "VAE");
    assert_eq!(hparam("seed"), 0.0);
    assert_eq!(hparam("train.epochs"), 2.0);
    assert_eq!(hparam("dataset"), "mnist");
    assert_eq!(hparam("normal_class"), 1.0);
}
