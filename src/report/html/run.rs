//! The sections of one run: the table beside the paper's, claims, figures, provenance.
use super::*;

pub(super) fn diff_class(d: f64) -> &'static str {
    if d > 0.0 {
        "pos"
    } else if d < 0.0 {
        "neg"
    } else {
        ""
    }
}

/// Tables 5/6 in the paper's layout: ours, the paper's, the difference, per model.
pub(super) fn paper_table_html(t: &PaperTableResults) -> String {
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

pub(super) fn paper_table_provenance(t: &PaperTableResults) -> String {
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

pub(super) fn verdict_badge(v: Verdict) -> String {
    let text = v.to_string();
    format!(
        "<span class=\"verdict v-{}\">{}</span>",
        esc(&text.to_lowercase()),
        esc(&text)
    )
}

pub(super) fn claims_html(claims: &[ClaimVerdict]) -> String {
    let mut out = String::from("<h3>Claim verdicts</h3>\n");
    if claims.is_empty() {
        out += "<p class=\"muted\">No verdicts (an incomplete run, or claims not judged).</p>";
    }
    for c in claims {
        let _ = write!(
            out,
            "<div class=\"claim\"><p><b>{}</b> {} {}</p><p class=\"muted\">measured: {}</p>",
            esc(c.id.name()),
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
pub(super) fn figures_html(dir: &Path) -> anyhow::Result<String> {
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

pub(super) fn run_section(record: &RunRecord, dir: &Path) -> anyhow::Result<String> {
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
    out += &figures_html(&dir.join(crate::store::layout::FIGURES))?;
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
