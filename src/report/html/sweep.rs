//! The sections of a sweep, and the side-by-side of two sources.
use super::run::{diff_class, figures_html, verdict_badge};
use super::*;
use crate::run::choice;

/// A background from red (0.5 and below) through yellow to green (1.0).
pub(super) fn heat_color(v: f64) -> String {
    if !v.is_finite() {
        return "#eee".into();
    }
    let t = ((v - 0.5) / 0.5).clamp(0.0, 1.0);
    let hue = 120.0 * t;
    format!("hsl({hue:.0},70%,{:.0}%)", 78.0 - 8.0 * (1.0 - t))
}

pub(super) fn interval_text(s: &crate::metrics::over_seeds::SeedSummary) -> String {
    match s.interval {
        Some((lo, hi)) => format!("[{}, {}]", num(lo), num(hi)),
        None => "–".into(),
    }
}

pub(super) fn sweep_section(summary: &Summary, dir: &Path) -> anyhow::Result<String> {
    if summary.varied.is_empty() {
        return tables_section(summary, dir);
    }
    let mut out = sensitivity_html(summary);
    for choices in summary.variants() {
        let _ = write!(out, "<h3>Under {}</h3>", esc(&choice::label(&choices)));
        out += &tables_section(
            &summary.variant(&choices),
            &dir.join(crate::store::layout::VARIANTS)
                .join(choice::slug(&choices)),
        )?;
    }
    Ok(out)
}

/// Each claim's verdict under each combination of the varied choices, with its statistic.
fn sensitivity_html(summary: &Summary) -> String {
    let mut out = String::new();
    let mut datasets: Vec<DatasetKind> = summary.verdicts.iter().map(|v| v.dataset).collect();
    datasets.dedup();
    for dataset in datasets {
        let variants: Vec<_> = summary
            .verdicts
            .iter()
            .filter(|v| v.dataset == dataset)
            .collect();
        let changed: Vec<_> =
            crate::report::sensitivity::changed_claims(&summary.verdicts, dataset)
                .into_iter()
                .map(|(id, _)| id)
                .collect();
        let _ = write!(
            out,
            "<h3>{dataset}: claim verdicts under each combination of the varied choices</h3>\
             <p class=\"muted\">Claims whose verdict changes with the choice: {}.</p>\
             <div class=\"scroll\"><table><tr><th class=\"l\">combination</th>",
            if changed.is_empty() {
                "none".to_string()
            } else {
                changed
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        );
        let ids: Vec<_> = variants
            .first()
            .map(|v| v.claims.iter().map(|c| c.id).collect())
            .unwrap_or_default();
        for id in &ids {
            let _ = write!(out, "<th>{id}</th>");
        }
        out += "</tr>\n";
        for variant in variants {
            let _ = write!(
                out,
                "<tr><td class=\"l\">{}</td>",
                esc(&choice::label(&variant.choices))
            );
            for id in &ids {
                match variant.claims.iter().find(|c| c.id == *id) {
                    Some(c) => {
                        let _ = write!(
                            out,
                            "<td>{}<br><small>{}</small></td>",
                            verdict_badge(c.verdict),
                            esc(&{
                                let (statistic, value) = crate::report::sensitivity::evidence(c);
                                format!("{statistic}: {value}")
                            })
                        );
                    }
                    None => out += "<td>–</td>",
                }
            }
            out += "</tr>\n";
        }
        out += "</table></div>\n";
    }
    out
}

/// The tables, heatmaps and figures of a sweep that varies nothing (or of one combination).
fn tables_section(summary: &Summary, dir: &Path) -> anyhow::Result<String> {
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
        let view = summary.of_dataset(dataset);
        let (models, classes) = (view.models.clone(), view.normal_classes.clone());
        let find = |c: u8, m: ModelKind| view.find(c, m);
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
pub(super) fn comparison(a: &Source, b: &Source) -> String {
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
