//! `aerepro report html`: one self-contained HTML file (inline CSS, images as base64 `data:` URIs,
//! no script, nothing fetched from the network) for a run directory, a sweep directory, committed
//! result files, or several of them — with, for two sources, a side-by-side comparison.
//!
//! Sources (see [`Source::load`]): a run directory or its `record.json` (Tables 5/6 beside the
//! paper from [`PaperTableResults::from_record`]'s rows, every claim verdict with its statistic and
//! interval, per-model training, the figures, provenance); a sweep directory or its `summary.json`
//! (tables with 95 % intervals, best model per normal class, normal × anomalous ROC-AUC heatmaps,
//! the merge's figures when present); a `results/paper/<dataset>.json` file (the table beside the
//! paper with its provenance).
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use crate::claims::{ClaimVerdict, Verdict};
use crate::data::DatasetKind;
use crate::docs::paper_table::{self, PaperTableResults};
use crate::model::ModelKind;
use crate::paper;
use crate::record::{self, Completeness, RunRecord};
use crate::sweep::merge::{self, Summary};

/// One thing the report shows.
#[derive(Debug)]
pub enum Source {
    Run {
        label: String,
        dir: PathBuf,
        record: Box<RunRecord>,
    },
    Sweep {
        label: String,
        dir: PathBuf,
        summary: Box<Summary>,
    },
    PaperTable {
        label: String,
        results: Box<PaperTableResults>,
    },
}

impl Source {
    /// Reads a run directory / `record.json`, a sweep directory / `summary.json`, or a
    /// `paper-table` result file.
    pub fn load(path: &Path) -> anyhow::Result<Source> {
        let label = path.display().to_string();
        let (file, dir) = if path.is_dir() {
            if path.join(crate::run_dir::RECORD).is_file() {
                (path.join(crate::run_dir::RECORD), path.to_path_buf())
            } else if path.join("summary.json").is_file() {
                (path.join("summary.json"), path.to_path_buf())
            } else {
                bail!(
                    "{} holds neither record.json (a run) nor summary.json (a merged sweep: run \
                     `aerepro sweep merge` first)",
                    path.display()
                );
            }
        } else {
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .to_path_buf();
            (path.to_path_buf(), dir)
        };
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not JSON", file.display()))?;
        match value.get("render").and_then(|r| r.as_str()) {
            Some(merge::RENDER_NAME) => Ok(Source::Sweep {
                label,
                dir,
                summary: Box::new(
                    serde_json::from_value(value)
                        .with_context(|| format!("{}: not a sweep summary", file.display()))?,
                ),
            }),
            Some(paper_table::RENDER_NAME) => Ok(Source::PaperTable {
                label,
                results: Box::new(
                    serde_json::from_value(value)
                        .with_context(|| format!("{}: not a paper-table file", file.display()))?,
                ),
            }),
            Some(other) => bail!(
                "{}: a \"{other}\" result file is not one `report html` shows (a run, a sweep, or \
                 a paper-table file)",
                file.display()
            ),
            None => Ok(Source::Run {
                label,
                dir,
                record: Box::new(record::read_record(&file, Completeness::WarnIfIncomplete)?),
            }),
        }
    }

    fn label(&self) -> &str {
        match self {
            Source::Run { label, .. }
            | Source::Sweep { label, .. }
            | Source::PaperTable { label, .. } => label,
        }
    }

    /// The table beside the paper, when the source has one.
    fn paper_table(&self) -> Option<PaperTableResults> {
        match self {
            Source::Run { record, .. } => PaperTableResults::from_record(record).ok(),
            Source::PaperTable { results, .. } => Some((**results).clone()),
            Source::Sweep { .. } => None,
        }
    }

    /// Named values a comparison lines up (key → value).
    pub fn values(&self) -> BTreeMap<String, f64> {
        let mut out = BTreeMap::new();
        if let Some(table) = self.paper_table() {
            let normal = format!("{} normal {}", table.dataset, table.normal_name);
            for row in &table.rows {
                for (i, model) in table.models.iter().enumerate() {
                    out.insert(
                        format!("{normal} · {model} · ROC-AUC vs {}", row.name),
                        row.roc_auc[i],
                    );
                    out.insert(
                        format!("{normal} · {model} · AP vs {}", row.name),
                        row.average_precision[i],
                    );
                }
            }
        }
        if let Source::Sweep { summary, .. } = self {
            for e in &summary.entries {
                let name = class_name(e.dataset, e.normal_class);
                out.insert(
                    format!(
                        "{} normal {name} · {} · ROC-AUC vs all others",
                        e.dataset, e.model
                    ),
                    e.roc_auc.mean,
                );
                out.insert(
                    format!(
                        "{} normal {name} · {} · AP vs all others",
                        e.dataset, e.model
                    ),
                    e.average_precision.mean,
                );
            }
        }
        out
    }

    fn verdicts(&self) -> BTreeMap<String, Verdict> {
        match self {
            Source::Run { record, .. } => record
                .claims
                .iter()
                .map(|c| (format!("{} {}", record.config.dataset, c.id), c.verdict))
                .collect(),
            _ => BTreeMap::new(),
        }
    }
}

fn class_name(dataset: DatasetKind, class: u8) -> String {
    dataset
        .class_names()
        .get(class as usize)
        .map_or(class.to_string(), |n| n.to_string())
}

/// HTML-escapes text.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn num(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.4}")
    } else {
        "–".into()
    }
}

fn signed(v: f64) -> String {
    if v.is_finite() {
        format!("{v:+.4}")
    } else {
        "–".into()
    }
}

const CSS: &str = r#"
:root{--fg:#1d2228;--muted:#5b6570;--line:#d8dde3;--bg:#fff;--head:#f3f5f7;--good:#1f7a3a;--bad:#b3261e;--warn:#8a5a00}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg);margin:0}
main{max-width:1180px;margin:0 auto;padding:24px 28px 48px}
h1{font-size:1.6em;margin:.2em 0 .1em}h2{font-size:1.3em;margin:1.6em 0 .4em;border-bottom:2px solid var(--line);padding-bottom:.2em}
h3{font-size:1.08em;margin:1.2em 0 .4em}
.sub{color:var(--muted);margin:0 0 1em}
table{border-collapse:collapse;margin:.4em 0 1em;font-variant-numeric:tabular-nums;font-size:.92em}
th,td{border:1px solid var(--line);padding:3px 8px;text-align:right;white-space:nowrap}
th{background:var(--head);font-weight:600}
th[colspan]{text-align:center}caption{text-align:left;font-weight:600;padding:2px 0}
td.l,th.l{text-align:left;white-space:normal}
.scroll{overflow-x:auto}
.pos{color:var(--good)}.neg{color:var(--bad)}
.verdict{font-weight:700;text-transform:uppercase;font-size:.85em;padding:1px 6px;border-radius:3px}
.v-reproduced{background:#e3f4e8;color:var(--good)}.v-refuted{background:#fbe4e2;color:var(--bad)}.v-unresolved{background:#fdf1d8;color:var(--warn)}
.claim{border:1px solid var(--line);border-radius:6px;padding:8px 12px;margin:8px 0;break-inside:avoid}
.claim p{margin:.25em 0}.muted{color:var(--muted)}
figure{display:inline-block;margin:6px 10px 12px 0;vertical-align:top;break-inside:avoid}
figure img{max-width:540px;width:100%;height:auto;border:1px solid var(--line)}
figcaption{font-size:.85em;color:var(--muted)}
pre{background:var(--head);padding:8px 10px;overflow-x:auto;font-size:.8em;white-space:pre-wrap;word-break:break-all}
code{font-size:.9em}
.heat td{min-width:3.2em;color:#111;font-size:.85em;padding:2px 4px}
small{color:var(--muted)}
.grid{display:flex;flex-wrap:wrap;gap:18px}
.source{border-top:4px solid var(--line);margin-top:2em}
@media print{
 body{font-size:10.5pt}main{max-width:none;padding:0}
 h2{break-after:avoid}table,figure,.claim{break-inside:avoid}
 .scroll{overflow:visible}figure img{max-width:48%}
 a{color:inherit;text-decoration:none}
 @page{margin:14mm}
}
"#;

/// The whole report for `sources`.
pub fn render(sources: &[Source]) -> anyhow::Result<String> {
    if sources.is_empty() {
        bail!("no source to report");
    }
    let mut body = String::new();
    let title = if sources.len() == 1 {
        format!("aerepro report: {}", sources[0].label())
    } else {
        format!("aerepro report: {} sources", sources.len())
    };
    let _ = writeln!(body, "<h1>{}</h1>", esc(&title));
    let _ = writeln!(
        body,
        "<p class=\"sub\">Convolutional autoencoders (CAE, VAE, AAE) for image anomaly detection, \
         reproduced. Generated by aerepro {} from {}.</p>",
        env!("CARGO_PKG_VERSION"),
        esc(&sources
            .iter()
            .map(Source::label)
            .collect::<Vec<_>>()
            .join(", "))
    );
    if sources.len() == 2 {
        body += &comparison(&sources[0], &sources[1]);
    }
    for source in sources {
        let _ = writeln!(
            body,
            "<section class=\"source\"><h2>{}</h2>",
            esc(source.label())
        );
        match source {
            Source::Run { dir, record, .. } => body += &run_section(record, dir)?,
            Source::Sweep { dir, summary, .. } => body += &sweep_section(summary, dir)?,
            Source::PaperTable { results, .. } => {
                body += &paper_table_html(results);
                body += &paper_table_provenance(results);
            }
        }
        body += "</section>\n";
    }
    Ok(format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{CSS}</style></head><body><main>\n{body}</main></body></html>\n",
        esc(&title)
    ))
}

/// Reads `paths` and writes the report to `out`; returns its size in bytes.
pub fn write(paths: &[PathBuf], out: &Path) -> anyhow::Result<usize> {
    let sources = paths
        .iter()
        .map(|p| Source::load(p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let html = render(&sources)?;
    record::write_atomic(out, html.as_bytes())?;
    Ok(html.len())
}

fn diff_class(d: f64) -> &'static str {
    if d > 0.0 {
        "pos"
    } else if d < 0.0 {
        "neg"
    } else {
        ""
    }
}

/// Tables 5/6 in the paper's layout: ours, the paper's, the difference, per model.
fn paper_table_html(t: &PaperTableResults) -> String {
    let mut out = String::new();
    let has_paper = paper::table(t.dataset, t.normal_class).is_some();
    let table_name = match t.dataset {
        DatasetKind::Mnist => "Table 5",
        DatasetKind::Cifar10 => "Table 6",
    };
    let _ = writeln!(
        out,
        "<h3>{} normal class {} beside the paper{}</h3><p class=\"muted\">{} epochs, seeds {:?}, \
         mean over seeds; data variant {}.{}</p>",
        esc(&t.dataset.to_string()),
        esc(&t.normal_name),
        if has_paper {
            format!(" ({table_name})")
        } else {
            String::new()
        },
        t.epochs,
        t.seeds,
        esc(&t.data_variant),
        if has_paper {
            ""
        } else {
            " The paper has no numbers for this normal class."
        }
    );
    type Ours = fn(&paper_table::TableRow, usize) -> f64;
    type Theirs = fn(&paper::PaperCell) -> f64;
    let metrics: [(&str, Ours, Theirs); 2] = [
        ("ROC-AUC", |r, i| r.roc_auc[i], |c| c.roc_auc),
        (
            "PR-AUC (average precision)",
            |r, i| r.average_precision[i],
            |c| c.pr_auc,
        ),
    ];
    for (metric, ours, theirs) in metrics {
        let _ = write!(
            out,
            "<div class=\"scroll\"><table><caption>{metric}</caption><tr><th class=\"l\" rowspan=\"2\">anomalous class</th>"
        );
        for m in &t.models {
            let _ = write!(out, "<th colspan=\"3\">{m}</th>");
        }
        out += "</tr><tr>";
        for _ in &t.models {
            out += "<th>ours</th><th>paper</th><th>diff</th>";
        }
        out += "</tr>\n";
        for row in &t.rows {
            let _ = write!(out, "<tr><td class=\"l\">{}</td>", esc(&row.name));
            for (i, m) in t.models.iter().enumerate() {
                let v = ours(row, i);
                let p = row
                    .class
                    .and_then(|c| paper::cell(t.dataset, t.normal_class, c, *m))
                    .map(|c| theirs(&c));
                let d = p.map(|p| v - p);
                let _ = write!(
                    out,
                    "<td>{}</td><td>{}</td><td class=\"{}\">{}</td>",
                    num(v),
                    p.map_or("–".into(), num),
                    d.map_or("", diff_class),
                    d.map_or("–".into(), signed)
                );
            }
            out += "</tr>\n";
        }
        out += "</table></div>\n";
    }
    let _ = writeln!(
        out,
        "<p>Training seconds (mean over seeds): {}</p>",
        t.models
            .iter()
            .zip(&t.train_seconds)
            .map(|(m, s)| format!("{m} {s:.1}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    out
}

fn paper_table_provenance(t: &PaperTableResults) -> String {
    let mut out = String::from("<h3>Provenance</h3><table>");
    for (k, v) in [
        ("aerepro", t.aerepro_version.clone()),
        ("commit", t.git_commit.clone().unwrap_or("unknown".into())),
        ("libtorch", t.libtorch.clone()),
        ("device", t.device.clone()),
        ("threads", t.threads.to_string()),
        ("budget", t.budget.clone()),
        ("data variant", t.data_variant.clone()),
        ("wall seconds", format!("{:.0}", t.wall_seconds)),
    ] {
        let _ = write!(
            out,
            "<tr><th class=\"l\">{k}</th><td class=\"l\">{}</td></tr>",
            esc(&v)
        );
    }
    out += "</table>\n";
    out
}

fn verdict_badge(v: Verdict) -> String {
    let text = v.to_string();
    format!(
        "<span class=\"verdict v-{}\">{}</span>",
        esc(&text.to_lowercase()),
        esc(&text)
    )
}

fn claims_html(claims: &[ClaimVerdict]) -> String {
    let mut out = String::from("<h3>Claim verdicts</h3>\n");
    if claims.is_empty() {
        out += "<p class=\"muted\">No verdicts (an incomplete run, or claims not judged).</p>";
    }
    for c in claims {
        let _ = write!(
            out,
            "<div class=\"claim\"><p><b>{}</b> {} {}</p><p class=\"muted\">measured: {}</p>",
            esc(&c.id),
            verdict_badge(c.verdict),
            esc(&c.claim),
            esc(&c.measured)
        );
        if let Some(e) = &c.evidence {
            let interval = e.interval.map_or("no interval".into(), |[lo, hi]| {
                format!("95 % interval [{}, {}]", num(lo), num(hi))
            });
            let _ = write!(
                out,
                "<p>{} = <b>{}</b>, {interval}, over {} seed(s)</p><p class=\"muted\">rule: {}</p>",
                esc(&e.statistic),
                e.value.map_or("not computed".into(), num),
                e.n_seeds,
                esc(&e.rule)
            );
        }
        out += "</div>\n";
    }
    out
}

/// `<figure>`s of the PNG files of `dir` (and SVGs without a PNG twin), inlined.
fn figures_html(dir: &Path) -> anyhow::Result<String> {
    let mut out = String::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
            ext == "png" || (ext == "svg" && !p.with_extension("png").exists())
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Ok(out);
    }
    out += "<h3>Figures</h3><div>\n";
    for path in files {
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let mime = if path.extension().is_some_and(|e| e == "svg") {
            "image/svg+xml"
        } else {
            "image/png"
        };
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let _ = writeln!(
            out,
            "<figure><img alt=\"{0}\" src=\"data:{mime};base64,{1}\"><figcaption>{0}</figcaption></figure>",
            esc(&name),
            base64(&bytes)
        );
    }
    out += "</div>\n";
    Ok(out)
}

fn run_section(record: &RunRecord, dir: &Path) -> anyhow::Result<String> {
    let mut out = String::new();
    let config = &record.config;
    if !record.complete {
        out += "<p class=\"neg\"><b>Incomplete run</b>: the record holds only the models finished so far.</p>";
    }
    match PaperTableResults::from_record(record) {
        Ok(table) => out += &paper_table_html(&table),
        Err(e) => {
            let _ = write!(
                out,
                "<p class=\"muted\">No table: {}</p>",
                esc(&format!("{e:#}"))
            );
        }
    }
    // Across-seed spread of the all-others row.
    out += "<h3>All other classes: mean ± sd over seeds</h3><table><tr><th class=\"l\">model</th><th>ROC-AUC</th><th>AP</th><th>seeds</th></tr>";
    for row in record.summary.iter().filter(|r| r.class.is_none()) {
        let _ = write!(
            out,
            "<tr><td class=\"l\">{}</td><td>{} ± {}</td><td>{} ± {}</td><td>{}</td></tr>",
            row.kind,
            num(row.roc_auc.mean),
            num(row.roc_auc.sd),
            num(row.average_precision.mean),
            num(row.average_precision.sd),
            row.roc_auc.n
        );
    }
    out += "</table>\n";
    out += &claims_html(&record.claims);
    out += "<h3>Training</h3><table><tr><th class=\"l\">model</th><th>seed</th><th>epochs</th><th>final objective</th><th>final MSE</th><th>seconds</th><th>images/s</th><th class=\"l\">collapse</th></tr>";
    for run in &record.runs {
        let last = run.train.epochs.last();
        let _ = write!(
            out,
            "<tr><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1}</td><td>{:.0}</td><td class=\"l\">{}</td></tr>",
            run.kind,
            run.seed,
            run.train.epochs.len(),
            last.map_or("–".into(), |e| format!("{:.5}", e.objective)),
            last.map_or("–".into(), |e| format!("{:.5}", e.recon_mse)),
            run.train.total_seconds,
            run.train.images_per_second,
            if run.train.collapse.detected {
                esc(run.train.collapse.reason.as_deref().unwrap_or("detected"))
            } else {
                "no".into()
            }
        );
    }
    out += "</table>\n";
    out += &figures_html(&dir.join(crate::run_dir::FIGURES))?;
    // Provenance.
    let env = &record.environment;
    out += "<h3>Provenance</h3><table>";
    for (k, v) in [
        ("aerepro", env.aerepro_version.clone()),
        ("commit", env.git_commit.clone().unwrap_or("unknown".into())),
        (
            "libtorch",
            format!(
                "{} ({}), tch {}",
                env.libtorch_version, env.libtorch_variant, env.tch_version
            ),
        ),
        ("device", record.device.clone()),
        ("threads", env.threads.to_string()),
        (
            "CUDA",
            format!(
                "{} ({} device(s))",
                env.cuda_available, env.cuda_device_count
            ),
        ),
        ("CPU features", env.cpu_features.join(" ")),
        ("schema version", record.schema_version.to_string()),
        ("wall seconds", format!("{:.0}", record.wall_seconds)),
        (
            "data",
            format!(
                "{} ({}; checked: {})",
                record.data.dataset, record.data.variant, record.data.checked
            ),
        ),
    ] {
        let _ = write!(
            out,
            "<tr><th class=\"l\">{k}</th><td class=\"l\">{}</td></tr>",
            esc(&v)
        );
    }
    out += "</table>\n<table><tr><th class=\"l\">data file</th><th>bytes</th><th class=\"l\">sha256</th></tr>";
    for f in &record.data.files {
        let _ = write!(
            out,
            "<tr><td class=\"l\">{}</td><td>{}</td><td class=\"l\"><code>{}</code></td></tr>",
            esc(&f.path),
            f.bytes,
            esc(&f.sha256)
        );
    }
    out += "</table>\n";
    let _ = write!(
        out,
        "<p class=\"muted\">Config ({} normal class {}):</p><pre>{}</pre>",
        config.dataset,
        class_name(config.dataset, config.normal_class),
        esc(&serde_json::to_string_pretty(config)?)
    );
    Ok(out)
}

/// A background from red (0.5 and below) through yellow to green (1.0).
fn heat_color(v: f64) -> String {
    if !v.is_finite() {
        return "#eee".into();
    }
    let t = ((v - 0.5) / 0.5).clamp(0.0, 1.0);
    let hue = 120.0 * t;
    format!("hsl({hue:.0},70%,{:.0}%)", 78.0 - 8.0 * (1.0 - t))
}

fn interval_text(s: &crate::metrics::over_seeds::SeedSummary) -> String {
    match s.interval {
        Some((lo, hi)) => format!("[{}, {}]", num(lo), num(hi)),
        None => "–".into(),
    }
}

fn sweep_section(summary: &Summary, dir: &Path) -> anyhow::Result<String> {
    let mut out = String::new();
    let _ = write!(
        out,
        "<p>{} of {} planned cells finished; {:.0} % t-intervals over seeds; thread counts {:?}.</p>",
        summary.finished_cells,
        summary.planned_cells,
        summary.confidence * 100.0,
        summary.threads
    );
    let mut datasets: Vec<DatasetKind> = summary.entries.iter().map(|e| e.dataset).collect();
    datasets.dedup();
    for dataset in datasets {
        let entries: Vec<_> = summary
            .entries
            .iter()
            .filter(|e| e.dataset == dataset)
            .collect();
        let mut models: Vec<ModelKind> = entries.iter().map(|e| e.model).collect();
        models.sort();
        models.dedup();
        let mut classes: Vec<u8> = entries.iter().map(|e| e.normal_class).collect();
        classes.sort();
        classes.dedup();
        let find =
            |c: u8, m: ModelKind| entries.iter().find(|e| e.normal_class == c && e.model == m);
        let _ = write!(
            out,
            "<h3>{dataset}: normal class vs all others</h3><p class=\"muted\">mean ± sd over seeds, \
             95 % interval below; * partial (fewer seeds than planned).</p><div class=\"scroll\"><table>\
             <tr><th class=\"l\">normal class</th>"
        );
        for m in &models {
            let _ = write!(out, "<th>{m} ROC-AUC</th>");
        }
        for m in &models {
            let _ = write!(out, "<th>{m} AP</th>");
        }
        out += "<th class=\"l\">best model</th></tr>\n";
        for c in &classes {
            let _ = write!(
                out,
                "<tr><td class=\"l\">{}</td>",
                esc(&class_name(dataset, *c))
            );
            for (metric, color) in [(0, true), (1, false)] {
                for m in &models {
                    match find(*c, *m) {
                        Some(e) => {
                            let s = if metric == 0 {
                                &e.roc_auc
                            } else {
                                &e.average_precision
                            };
                            let style = if color {
                                format!(" style=\"background:{}\"", heat_color(s.mean))
                            } else {
                                String::new()
                            };
                            let _ = write!(
                                out,
                                "<td{style}>{}{} ± {}<br><small>{}</small></td>",
                                if e.partial { "* " } else { "" },
                                num(s.mean),
                                num(s.sd),
                                interval_text(s)
                            );
                        }
                        None => out += "<td>–</td>",
                    }
                }
            }
            let best = summary
                .best
                .iter()
                .find(|b| b.dataset == dataset && b.normal_class == *c);
            let _ = writeln!(
                out,
                "<td class=\"l\">{}</td></tr>",
                best.map_or("–".into(), |b| {
                    let lead = b.lead.as_ref().map_or(String::new(), |l| {
                        format!(
                            " by {}{}",
                            signed(l.mean_difference),
                            b.holm_p_value
                                .map_or(String::new(), |p| format!(", Holm p {p:.3}"))
                        )
                    });
                    format!(
                        "<b>{}</b>{}{lead}{}",
                        b.best,
                        b.runner_up.map_or(String::new(), |r| format!(" vs {r}")),
                        if b.significant { " (significant)" } else { "" }
                    )
                })
            );
        }
        out += "</table></div>\n";
        let _ = write!(
            out,
            "<h3>{dataset}: ROC-AUC of normal class (row) vs anomalous class (column), mean over seeds</h3>"
        );
        // Heatmaps: normal (rows) × anomalous (columns) mean ROC-AUC, per model.
        let names = dataset.class_names();
        out += "<div class=\"grid\">";
        for m in &models {
            let _ = write!(
                out,
                "<div><table class=\"heat\"><caption>{m}</caption><tr><th></th>"
            );
            for name in names {
                let _ = write!(out, "<th>{}</th>", esc(name));
            }
            out += "</tr>";
            for c in &classes {
                let _ = write!(
                    out,
                    "<tr><th class=\"l\">{}</th>",
                    esc(&class_name(dataset, *c))
                );
                for a in 0..names.len() as u8 {
                    match find(*c, *m).and_then(|e| e.per_class_roc_auc.get(&a)) {
                        Some(s) => {
                            let _ = write!(
                                out,
                                "<td style=\"background:{}\">{:.3}</td>",
                                heat_color(s.mean),
                                s.mean
                            );
                        }
                        None => out += "<td></td>",
                    }
                }
                out += "</tr>";
            }
            out += "</table></div>";
        }
        out += "</div>\n";
    }
    if !summary.missing.is_empty() {
        let _ = write!(
            out,
            "<p class=\"neg\">{} cell(s) missing (entries marked * are partial): {}</p>",
            summary.missing.len(),
            esc(&summary
                .missing
                .iter()
                .map(|m| m.label.clone())
                .collect::<Vec<_>>()
                .join(", "))
        );
    }
    out += &figures_html(&dir.join("figures"))?;
    Ok(out)
}

/// Two sources side by side: every value both have (or either has), and every verdict.
fn comparison(a: &Source, b: &Source) -> String {
    let mut out = String::from("<section><h2>Comparison</h2>");
    let _ = write!(
        out,
        "<p>A = {}, B = {}; difference = B − A.</p>",
        esc(a.label()),
        esc(b.label())
    );
    let (va, vb) = (a.values(), b.values());
    let mut keys: Vec<&String> = va.keys().chain(vb.keys()).collect();
    keys.sort();
    keys.dedup();
    out += "<div class=\"scroll\"><table><tr><th class=\"l\">value</th><th>A</th><th>B</th><th>B − A</th></tr>\n";
    for key in keys {
        let x = va.get(key).copied();
        let y = vb.get(key).copied();
        let d = x.zip(y).map(|(x, y)| y - x);
        let _ = writeln!(
            out,
            "<tr><td class=\"l\">{}</td><td>{}</td><td>{}</td><td class=\"{}\">{}</td></tr>",
            esc(key),
            x.map_or("–".into(), num),
            y.map_or("–".into(), num),
            d.map_or("", diff_class),
            d.map_or("–".into(), signed)
        );
    }
    out += "</table></div>\n";
    let (ca, cb) = (a.verdicts(), b.verdicts());
    if !ca.is_empty() || !cb.is_empty() {
        let mut keys: Vec<&String> = ca.keys().chain(cb.keys()).collect();
        keys.sort();
        keys.dedup();
        out += "<table><tr><th class=\"l\">claim</th><th>A</th><th>B</th><th class=\"l\">same?</th></tr>";
        for key in keys {
            let (x, y) = (ca.get(key), cb.get(key));
            let _ = write!(
                out,
                "<tr><td class=\"l\">{}</td><td>{}</td><td>{}</td><td class=\"l\">{}</td></tr>",
                esc(key),
                x.map_or("–".into(), |v| verdict_badge(*v)),
                y.map_or("–".into(), |v| verdict_badge(*v)),
                if x == y {
                    "same"
                } else {
                    "<b class=\"neg\">changed</b>"
                }
            );
        }
        out += "</table>";
    }
    out += "</section>\n";
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = include_str!("../../fixtures/records/v1-mnist-1epoch.json");

    fn assert_self_contained(html: &str) {
        let lower = html.to_lowercase();
        assert!(!lower.contains("<script"), "a script");
        for bad in ["http://", "https://", "@import", "url(", "<link", "<iframe"] {
            assert!(!lower.contains(bad), "found {bad}");
        }
    }

    #[test]
    fn base64_matches_the_rfc_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn a_run_report_is_self_contained_and_holds_its_numbers_and_verdicts() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("record.json"), V1).unwrap();
        std::fs::create_dir(dir.path().join("figures")).unwrap();
        std::fs::write(dir.path().join("figures/a.png"), b"\x89PNG fake").unwrap();
        let source = Source::load(dir.path()).unwrap();
        let html = render(&[source]).unwrap();
        assert_self_contained(&html);
        let record = record::parse_record(V1).unwrap();
        let all_others = record
            .summary
            .iter()
            .find(|r| r.class.is_none())
            .unwrap()
            .roc_auc
            .mean;
        assert!(html.contains(&format!("{all_others:.4}")));
        assert!(html.contains("data:image/png;base64,"));
        for claim in &record.claims {
            assert!(html.contains(&esc(&claim.id)), "{}", claim.id);
        }
        assert!(html.contains("@media print"));
    }

    #[test]
    fn the_committed_results_and_sweep_render_and_two_sources_compare() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let sources = [
            Source::load(&root.join("results/paper/mnist.json")).unwrap(),
            Source::load(&root.join("results/paper/cifar10.json")).unwrap(),
            Source::load(&root.join("results/sweep")).unwrap(),
        ];
        let html = render(&sources).unwrap();
        assert_self_contained(&html);
        assert!(html.contains("Table 5") && html.contains("Table 6"));
        let two = render(&sources[..2]).unwrap();
        assert!(two.contains("Comparison") && two.contains("B − A"));
        // mnist vs itself: every difference is zero.
        let same = [
            Source::load(&root.join("results/paper/mnist.json")).unwrap(),
            Source::load(&root.join("results/paper/mnist.json")).unwrap(),
        ];
        let html = render(&same).unwrap();
        assert!(html.contains("+0.0000"));
    }
}
