//! `--mlflow URI` against a real MLflow server started by ci/mlflow-local.sh (which installs a pinned
//! mlflow into .venv-mlflow/): a tiny `reproduce` and a two-cell sweep are logged, and everything is
//! read back through the REST API — runs, params, tags, metric histories equal to the record's,
//! artifacts, and the sweep's parent/child runs. And a tracker that is down changes nothing: the
//! run exits 0 with exactly one warning.
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

mod common;

struct Server {
    state: PathBuf,
    uri: String,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start(root: &Path) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("mlflow");
        let output = Command::new(root.join("ci/mlflow-local.sh"))
            .arg("start")
            .arg(&state)
            .output()
            .expect("running ci/mlflow-local.sh");
        assert!(
            output.status.success(),
            "ci/mlflow-local.sh start failed (it needs python3 with venv and pip access to PyPI \
             for mlflow): {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        let uri = stdout
            .lines()
            .filter_map(|l| l.strip_prefix("MLFLOW_TRACKING_URI="))
            .next_back()
            .expect("the script prints the URI")
            .to_string();
        Server {
            state,
            uri,
            _dir: dir,
        }
    }

    fn get(&self, api: &str, query: &[(&str, &str)]) -> Value {
        let mut request = ureq::get(&format!("{}/api/2.0/{api}", self.uri));
        for (k, v) in query {
            request = request.query(k, v);
        }
        request.call().unwrap().into_json().unwrap()
    }

    fn post(&self, api: &str, body: Value) -> Value {
        ureq::post(&format!("{}/api/2.0/{api}", self.uri))
            .send_json(body)
            .unwrap()
            .into_json()
            .unwrap()
    }

    fn runs(&self, experiment: &str) -> Vec<Value> {
        let id = self.get(
            "mlflow/experiments/get-by-name",
            &[("experiment_name", experiment)],
        )["experiment"]["experiment_id"]
            .as_str()
            .unwrap()
            .to_string();
        self.post(
            "mlflow/runs/search",
            json!({"experiment_ids": [id], "max_results": 100}),
        )["runs"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    fn history(&self, run_id: &str, key: &str) -> Vec<(i64, f64)> {
        self.get(
            "mlflow/metrics/get-history",
            // MLflow 3.10 answers an empty first page unless max_results is given.
            &[
                ("run_id", run_id),
                ("metric_key", key),
                ("max_results", "1000"),
            ],
        )["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["step"].as_i64().unwrap_or(0),
                    m["value"].as_f64().unwrap(),
                )
            })
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/ci/mlflow-local.sh"))
            .arg("stop")
            .arg(&self.state)
            .status();
    }
}

/// `aerepro ARGS` as `common::aerepro` runs it, with no tracker from the environment.
fn aerepro(args: &[&str]) -> Output {
    let cwd = tempfile::tempdir().expect("a working directory for aerepro");
    common::aerepro_in(cwd.path())
        .args(args)
        .env_remove("MLFLOW_TRACKING_URI")
        .env_remove("AEREPRO_TENSORBOARD")
        .output()
        .expect("running aerepro")
}

fn ok(args: &[&str]) -> Output {
    let output = aerepro(args);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("warning: MLflow"), "{stderr}");
    output
}

fn tag<'a>(run: &'a Value, key: &str) -> Option<&'a str> {
    run["data"]["tags"]
        .as_array()?
        .iter()
        .find(|t| t["key"] == key)?["value"]
        .as_str()
}

fn param<'a>(run: &'a Value, key: &str) -> Option<&'a str> {
    run["data"]["params"]
        .as_array()?
        .iter()
        .find(|t| t["key"] == key)?["value"]
        .as_str()
}

#[test]
fn a_reproduce_and_a_sweep_are_logged_to_a_real_mlflow_server() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let server = Server::start(root);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let mut args: Vec<&str> = common::tiny_reproduce("cae");
    args.extend(["--out", out.to_str().unwrap()]);
    args.extend(["--mlflow", &server.uri, "--mlflow-experiment", "tiny"]);
    ok(&args);

    let record = common::read_json(&out.join("record.json"));
    let runs = server.runs("tiny");
    assert_eq!(runs.len(), 1, "one MLflow run per model × seed");
    let run = &runs[0];
    let info = &run["info"];
    assert_eq!(info["status"], "FINISHED");
    let run_id = info["run_id"].as_str().unwrap();
    assert_eq!(param(run, "model"), Some("CAE"));
    assert_eq!(param(run, "seed"), Some("0"));
    assert_eq!(param(run, "train.epochs"), Some("1"));
    assert_eq!(param(run, "dataset"), Some("mnist"));
    assert_eq!(tag(run, "data.variant"), Some("official"));
    assert_eq!(
        tag(run, "aerepro.libtorch")
            .map(|t| t.starts_with(record["environment"]["libtorch_version"].as_str().unwrap())),
        Some(true)
    );
    if let Some(commit) = record["environment"]["git_commit"].as_str() {
        assert_eq!(tag(run, "aerepro.commit"), Some(commit));
    }
    for file in record["data"]["files"].as_array().unwrap() {
        let name = Path::new(file["path"].as_str().unwrap())
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert_eq!(
            tag(run, &format!("data.sha256.{name}")),
            file["sha256"].as_str()
        );
    }
    for claim in record["claims"].as_array().unwrap() {
        let id = claim["id"].as_str().unwrap();
        assert_eq!(
            tag(run, &format!("claim.{id}")),
            claim["verdict"].as_str(),
            "claim {id}"
        );
    }

    let model = &record["runs"][0];
    let epoch = &model["train"]["epochs"][0];
    assert_eq!(
        server.history(run_id, "train/objective"),
        [(1, epoch["objective"].as_f64().unwrap())]
    );
    assert_eq!(
        server.history(run_id, "train/recon_mse"),
        [(1, epoch["recon_mse"].as_f64().unwrap())]
    );
    assert_eq!(
        server.history(run_id, "roc_auc/all_others"),
        [(
            1,
            model["all_others"]["metrics"]["roc_auc"].as_f64().unwrap()
        )]
    );
    for class in model["per_class"].as_array().unwrap() {
        let name = class["name"].as_str().unwrap();
        assert_eq!(
            server.history(run_id, &format!("average_precision/{name}")),
            [(1, class["metrics"]["average_precision"].as_f64().unwrap())]
        );
    }

    let listed = server.get("mlflow/artifacts/list", &[("run_id", run_id)]);
    let paths: Vec<&str> = listed["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(
        paths.contains(&"record.json") && paths.contains(&"figures"),
        "{paths:?}"
    );
    let figures = server.get(
        "mlflow/artifacts/list",
        &[("run_id", run_id), ("path", "figures")],
    );
    assert!(
        figures["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["path"] == "figures/reconstructions.png"),
        "{figures}"
    );
    // The uploaded record is byte for byte the run's.
    let artifact_uri = info["artifact_uri"].as_str().unwrap();
    let rest = artifact_uri
        .strip_prefix("mlflow-artifacts:/")
        .unwrap()
        .trim_start_matches('/');
    let mut uploaded = Vec::new();
    std::io::Read::read_to_end(
        &mut ureq::get(&format!(
            "{}/api/2.0/mlflow-artifacts/artifacts/{rest}/record.json",
            server.uri
        ))
        .call()
        .unwrap()
        .into_reader(),
        &mut uploaded,
    )
    .unwrap();
    assert_eq!(uploaded, std::fs::read(out.join("record.json")).unwrap());

    // A two-cell sweep: a parent run, and one child run per cell.
    let sweep = tmp.path().join("sweep");
    let s = sweep.to_str().unwrap();
    ok(&[
        "sweep",
        "plan",
        "--out",
        s,
        "--dataset",
        "mnist",
        "--normal-classes",
        "1,7",
        "--models",
        "cae",
        "--seeds",
        "1",
        "--epochs",
        "1",
    ]);
    ok(&[
        "sweep",
        "run",
        s,
        "--jobs",
        "2",
        "--threads-per-job",
        "1",
        "--mlflow",
        &server.uri,
        "--mlflow-experiment",
        "sweep",
    ]);
    let runs = server.runs("sweep");
    assert_eq!(runs.len(), 3, "{runs:?}");
    let parent = runs
        .iter()
        .find(|r| tag(r, "aerepro.kind") == Some("sweep"))
        .expect("a parent run");
    assert_eq!(parent["info"]["status"], "FINISHED");
    let parent_id = parent["info"]["run_id"].as_str().unwrap();
    let children: Vec<&Value> = runs
        .iter()
        .filter(|r| tag(r, "mlflow.parentRunId") == Some(parent_id))
        .collect();
    assert_eq!(children.len(), 2);
    let mut normal: Vec<&str> = children
        .iter()
        .map(|r| param(r, "normal_class").unwrap())
        .collect();
    normal.sort();
    assert_eq!(normal, ["1", "7"]);
    for child in children {
        let dir = tag(child, "aerepro.run_dir").unwrap();
        let cell = common::read_json(&Path::new(dir).join("record.json"));
        assert_eq!(
            server.history(
                child["info"]["run_id"].as_str().unwrap(),
                "roc_auc/all_others"
            ),
            [(
                1,
                cell["runs"][0]["all_others"]["metrics"]["roc_auc"]
                    .as_f64()
                    .unwrap()
            )]
        );
    }
}

#[test]
fn a_tracker_that_is_down_gets_one_warning_and_changes_nothing() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let uri = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    drop(listener);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let mut args: Vec<&str> = common::tiny_reproduce("cae");
    args.extend(["--out", out.to_str().unwrap(), "--mlflow", &uri]);
    let output = aerepro(&args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(
        stderr.matches("warning: MLflow").count(),
        1,
        "exactly one warning: {stderr}"
    );
    let record_path = out.join("record.json");
    let before = std::fs::read(&record_path).unwrap();
    let record: Value = serde_json::from_slice(&before).unwrap();
    assert_eq!(record["complete"], true);

    // Publishing again (the library call the CLI makes) leaves the record byte for byte, warns
    // once, and gives up fast.
    let parsed = aerepro::run::record::parse_record(&String::from_utf8_lossy(&before)).unwrap();
    let started = std::time::Instant::now();
    let published = aerepro::track::publish(
        &parsed,
        &out,
        &aerepro::track::TrackingArgs {
            tensorboard: None,
            mlflow: Some(uri.clone()),
            mlflow_experiment: "x".into(),
        },
    );
    assert!(started.elapsed().as_secs_f64() < 5.0);
    assert_eq!(published.warnings.len(), 1, "{:?}", published.warnings);
    assert!(published.mlflow_runs.is_empty());
    assert_eq!(std::fs::read(&record_path).unwrap(), before);
}
