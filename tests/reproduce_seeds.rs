//! `reproduce` over three seeds (the default) on the real binary, tiny (MNIST, 1 epoch): the cells
//! run as a pool of processes, the record holds every model of every seed, each seed's paired tests
//! and claims judged over the three seeds; a cell whose worker died before committing (its
//! checkpoint there, no marker) is rerun by `--resume` while the finished cells are kept.
use std::path::Path;

use serde_json::Value;

mod common;

use common::{aerepro, succeeds};

fn tiny_three_seeds(out: &str) -> Vec<&str> {
    vec![
        "reproduce",
        "--dataset",
        "mnist",
        "--epochs",
        "1",
        "--step-cost-rounds",
        "1",
        "--out",
        out,
    ]
}

/// Every cell's id and the bytes of its commit marker.
fn markers(out: &Path) -> Vec<(String, Option<Vec<u8>>)> {
    let plan = common::read_json(&out.join("plan.json"));
    plan["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|cell| {
            let id = cell["id"].as_str().unwrap().to_string();
            let marker = std::fs::read(out.join("cells").join(&id).join("cell.json")).ok();
            (id, marker)
        })
        .collect()
}

fn per_class(record: &Value) -> Vec<(Value, Value, Value)> {
    record["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["kind"].clone(), r["seed"].clone(), r["per_class"].clone()))
        .collect()
}

#[test]
fn three_seeds_run_as_cells_judge_the_claims_and_a_dead_cell_reruns_alone() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let out_str = out.to_str().unwrap();
    let stdout = succeeds(&tiny_three_seeds(out_str));
    assert!(!stdout.contains("1 seed:"), "{stdout}");

    let record = common::read_json(&out.join("record.json"));
    assert_eq!(record["complete"], true);
    assert_eq!(record["config"]["seeds"], serde_json::json!([0, 1, 2]));
    assert_eq!(record["config"]["train"]["threads"], 1);
    assert_eq!(record["environment"]["threads"], 1);
    let mut runs: Vec<(String, u64)> = record["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap().to_string(),
                r["seed"].as_u64().unwrap(),
            )
        })
        .collect();
    runs.sort();
    runs.dedup();
    assert_eq!(runs.len(), 9, "3 seeds × 3 models: {runs:?}");
    for seed in 0..3 {
        let tests = record["paired_tests"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["seed"] == seed)
            .count();
        assert_eq!(
            tests,
            9 * 6,
            "seed {seed}: 9 classes × 6 ordered model pairs"
        );
    }
    assert!(record["step_costs"].is_object());
    let claims = record["claims"].as_array().unwrap();
    assert!(!claims.is_empty());
    for claim in claims {
        let measured = claim["measured"].as_str().unwrap();
        assert!(!measured.contains("1 seed(s)"), "{claim}");
    }
    let with_interval = claims
        .iter()
        .filter(|c| c["evidence"]["n_seeds"] == 3 && c["evidence"]["interval"].is_array())
        .count();
    assert!(with_interval > 0, "no claim has an interval over 3 seeds");
    assert!(out.join("table.txt").is_file());
    assert!(out.join("figures/roc_pr_7.png").is_file());

    // A second run into the directory is refused unless resumed or forced.
    let refused = aerepro(&tiny_three_seeds(out_str));
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("--resume"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    // Seed 1's VAE died after training, before its commit marker: its checkpoint is there, its
    // marker is not.
    let before = markers(&out);
    assert!(before.iter().all(|(_, m)| m.is_some()));
    let plan = common::read_json(&out.join("plan.json"));
    let dead = plan["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["model"] == "vae" && c["seed"] == 1)
        .unwrap();
    let dead_dir = out.join("cells").join(dead["id"].as_str().unwrap());
    std::fs::remove_file(dead_dir.join("cell.json")).unwrap();
    std::fs::remove_file(out.join("record.json")).unwrap();

    let mut resume = tiny_three_seeds(out_str);
    resume.extend(["--resume", "--no-figures"]);
    succeeds(&resume);
    let after = markers(&out);
    for ((id, old), (_, new)) in before.iter().zip(&after) {
        assert!(new.is_some(), "cell {id} unfinished after --resume");
        if dead_dir.ends_with(id) {
            continue;
        }
        assert_eq!(old, new, "finished cell {id} was recomputed");
    }
    let rerun = common::read_json(&dead_dir.join("record.json"));
    assert_eq!(
        rerun["runs"][0]["resumed"], true,
        "the dead cell reuses its checkpoint"
    );
    let resumed = common::read_json(&out.join("record.json"));
    assert_eq!(resumed["complete"], true);
    assert_eq!(per_class(&resumed), per_class(&record));
    assert_eq!(resumed["paired_tests"], record["paired_tests"]);
}
