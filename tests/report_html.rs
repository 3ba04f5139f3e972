//! `aerepro report html` of the committed results (Tables 5-6 files and the 180-cell sweep summary),
//! rendered by headless Chromium (installed by ci/setup-chromium.sh, which this test calls): the
//! screenshot is a real page, and the rendered DOM holds the key numbers.
use std::path::Path;
use std::process::Command;

mod common;

fn chromium(root: &Path) -> &'static str {
    let status = Command::new(root.join("ci/setup-chromium.sh"))
        .status()
        .expect("running ci/setup-chromium.sh");
    assert!(
        status.success(),
        "ci/setup-chromium.sh failed: it installs Debian's chromium with apt-get (needs root or sudo)"
    );
    "/usr/bin/chromium"
}

fn headless(browser: &str, profile: &Path, extra: &[&str], url: &str) -> std::process::Output {
    Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("running chromium")
}

#[test]
fn the_html_report_of_the_committed_results_renders_with_its_numbers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let browser = chromium(root);
    let tmp = tempfile::tempdir().unwrap();
    let html = tmp.path().join("report.html");
    let output = Command::new(env!("CARGO_BIN_EXE_aerepro"))
        .args([
            "report",
            "html",
            "results/paper/mnist.json",
            "results/sweep",
        ])
        .arg("--out")
        .arg(&html)
        .current_dir(root)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(&html).unwrap();
    assert!(!text.to_lowercase().contains("<script"));

    let url = format!("file://{}", html.display());
    let png = tmp.path().join("shot.png");
    let shot = headless(
        browser,
        &tmp.path().join("profile-1"),
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=1366,900",
        ],
        &url,
    );
    let bytes = std::fs::read(&png)
        .unwrap_or_else(|_| panic!("no screenshot: {}", String::from_utf8_lossy(&shot.stderr)));
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert!(
        bytes.len() > 20_000,
        "a near-empty page: {} bytes",
        bytes.len()
    );

    let dom = headless(
        browser,
        &tmp.path().join("profile-2"),
        &["--dump-dom"],
        &url,
    );
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("Table 5"), "{}", &dom[..dom.len().min(500)]);
    // The first row of Table 5 (anomalous class 0): our CAE ROC-AUC, the paper's, and the difference.
    let paper = common::read_json(&root.join("results/paper/mnist.json"));
    let ours = paper["rows"][0]["roc_auc"][0].as_f64().unwrap();
    for number in [
        format!("{ours:.4}"),
        "0.9999".to_string(),
        format!("{:+.4}", ours - 0.9999),
    ] {
        assert!(dom.contains(&number), "{number} not in the rendered page");
    }
    // A sweep entry: MNIST normal 0, CAE, all others.
    let sweep = common::read_json(&root.join("results/sweep/summary.json"));
    let entry = &sweep["entries"][0];
    let mean = entry["roc_auc"]["mean"].as_f64().unwrap();
    let lo = entry["roc_auc"]["interval"][0].as_f64().unwrap();
    for number in [format!("{mean:.4}"), format!("{lo:.4}")] {
        assert!(dom.contains(&number), "{number} not in the rendered page");
    }
}
