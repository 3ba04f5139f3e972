//! The committed summary of a `reproduce --score` run (`results/scores/<name>.json`, written by
//! `aerepro report scores RECORD --json OUT`): ROC-AUC per class under every score and model, the
//! claims under each score, the first seed's thresholds, and the scores' cost; rendered to Markdown
//! by the `score-table` renderer (`aerepro docs render`) and by `aerepro report scores`.

use std::fmt::Write;

use crate::metrics::check_unit_interval;
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::claims::Verdict;
use crate::data::DatasetKind;
use crate::model::ModelKind;
use crate::run::record::RunRecord;
use crate::score::complexity::ComplexityFit;
use crate::score::ScoreKind;

/// The `"render"` value of a [`ScoreTableResults`] file.
pub const RENDER_NAME: &str = "score-table";

/// One model under one score: mean ROC-AUC over seeds per anomalous class, then all others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreColumn {
    pub score: ScoreKind,
    pub model: ModelKind,
    /// In [`ScoreTableResults::classes`] order.
    pub roc_auc: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreClaim {
    pub score: ScoreKind,
    pub id: String,
    pub verdict: Verdict,
    pub measured: String,
}

/// A threshold of the first seed and its rates on test, normal vs all others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdRow {
    pub model: ModelKind,
    pub score: ScoreKind,
    pub threshold: f64,
    pub false_positive_rate: f64,
    pub true_positive_rate: f64,
    pub f1: f64,
    pub f1_optimal_on_test: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreTableResults {
    /// Always [`RENDER_NAME`].
    pub render: String,
    pub dataset: DatasetKind,
    pub normal_name: String,
    pub data_variant: String,
    pub epochs: usize,
    pub seeds: Vec<u64>,
    pub threads: i32,
    pub git_commit: Option<String>,
    pub models: Vec<ModelKind>,
    /// Anomalous class names, then "all others".
    pub classes: Vec<String>,
    pub columns: Vec<ScoreColumn>,
    pub claims: Vec<ScoreClaim>,
    /// The complexity regression of each model (first seed), when computed.
    pub complexity_fits: Vec<(ModelKind, ComplexityFit)>,
    pub target_fpr: f64,
    /// 0: thresholds chosen on the training images.
    pub holdout_images: usize,
    pub thresholds: Vec<ThresholdRow>,
    /// Share of anomalies among the test images.
    pub anomaly_share: f64,
    pub wall_seconds: f64,
    /// Summed over models and seeds.
    pub train_seconds: f64,
    /// Scoring beyond the MSE, summed over models and seeds, plus the complexity computation.
    pub scoring_seconds: f64,
    pub complexity_seconds: Option<f64>,
}

impl ScoreTableResults {
    pub fn from_record(record: &RunRecord) -> Result<ScoreTableResults> {
        if !record.complete {
            bail!("the run record is incomplete (complete: false); finish the run first");
        }
        let scoring = record
            .scoring
            .as_ref()
            .context("the record has no scores (written before --score existed)")?;
        let config = &record.config;
        let first_seed = config.seeds.first().copied().unwrap_or(0);
        let mut classes: Vec<Option<u8>> = record.summary.iter().map(|r| r.class).collect();
        classes.sort_by_key(|c| c.map_or(u8::MAX, |c| c));
        classes.dedup();
        let class_name =
            |c: Option<u8>| c.map_or("all others".to_string(), |c| config.dataset.class_label(c));
        let mut columns = Vec::new();
        let mut claims = Vec::new();
        for summary in &scoring.per_score {
            for model in &summary.models {
                let roc_auc = classes
                    .iter()
                    .map(|c| {
                        summary
                            .summary
                            .iter()
                            .find(|r| r.kind == *model && r.class == *c)
                            .map_or(f64::NAN, |r| r.roc_auc.mean)
                    })
                    .collect();
                columns.push(ScoreColumn {
                    score: summary.score,
                    model: *model,
                    roc_auc,
                });
            }
            claims.extend(summary.claims.iter().map(|c| ScoreClaim {
                score: summary.score,
                id: c.id.to_string(),
                verdict: c.verdict,
                measured: c.measured.clone(),
            }));
        }
        let first_runs = record.runs.iter().filter(|r| r.seed == first_seed);
        let mut thresholds = Vec::new();
        let mut complexity_fits = Vec::new();
        for run in first_runs {
            let Some(report) = &run.scoring else { continue };
            if let Some(fit) = report.fit.complexity {
                complexity_fits.push((run.kind, fit));
            }
            for result in &report.results {
                let t = &result.threshold;
                if let Some(all) = t.test.iter().find(|r| r.class.is_none()) {
                    thresholds.push(ThresholdRow {
                        model: run.kind,
                        score: result.score,
                        threshold: t.threshold,
                        false_positive_rate: all.false_positive_rate,
                        true_positive_rate: all.true_positive_rate,
                        f1: all.f1,
                        f1_optimal_on_test: t.f1_optimal_on_test.f1,
                    });
                }
            }
        }
        let anomaly_share = record.runs.first().map_or(f64::NAN, |r| {
            let m = &r.all_others.metrics;
            m.n_pos as f64 / (m.n_pos + m.n_neg) as f64
        });
        Ok(ScoreTableResults {
            render: RENDER_NAME.into(),
            dataset: config.dataset,
            normal_name: class_name(Some(config.normal_class)),
            data_variant: record.data.variant.clone(),
            epochs: config.train.epochs,
            seeds: config.seeds.clone(),
            threads: record.environment.threads,
            git_commit: record.environment.git_commit.clone(),
            models: config.models.clone(),
            classes: classes.into_iter().map(class_name).collect(),
            columns,
            claims,
            complexity_fits,
            target_fpr: config.scoring.target_fpr,
            holdout_images: scoring.holdout_images,
            thresholds,
            anomaly_share,
            wall_seconds: record.wall_seconds,
            train_seconds: record.runs.iter().map(|r| r.train.total_seconds).sum(),
            scoring_seconds: record
                .runs
                .iter()
                .filter_map(|r| r.scoring.as_ref())
                .map(|s| s.seconds)
                .sum::<f64>()
                + scoring.complexity_seconds.unwrap_or(0.0),
            complexity_seconds: scoring.complexity_seconds,
        })
    }
}

/// The Markdown of a [`ScoreTableResults`].
pub fn render(results: &ScoreTableResults) -> String {
    let mut out = String::new();
    let commit = results
        .git_commit
        .as_deref()
        .map_or("unknown", |c| &c[..c.len().min(7)]);
    let _ = writeln!(
        out,
        "{} ({}), normal class {}; {} epochs, seeds {:?}, {} threads, commit {commit}.\n",
        results.dataset,
        results.data_variant,
        results.normal_name,
        results.epochs,
        results.seeds,
        results.threads,
    );
    for model in &results.models {
        let columns: Vec<&ScoreColumn> = results
            .columns
            .iter()
            .filter(|c| c.model == *model)
            .collect();
        if columns.is_empty() {
            continue;
        }
        let _ = writeln!(out, "ROC-AUC of the {model} under each score:\n");
        let _ = write!(out, "| class |");
        for c in &columns {
            let _ = write!(out, " {} |", c.score);
        }
        let _ = writeln!(out, "\n|---|{}", "---|".repeat(columns.len()));
        for (i, class) in results.classes.iter().enumerate() {
            let _ = write!(out, "| {class} |");
            for c in &columns {
                let _ = write!(
                    out,
                    " {} |",
                    c.roc_auc
                        .get(i)
                        .map_or("-".to_string(), |v| format!("{v:.4}"))
                );
            }
            let _ = writeln!(out);
        }
        let _ = writeln!(out);
    }
    if !results.complexity_fits.is_empty() {
        let fits: Vec<String> = results
            .complexity_fits
            .iter()
            .map(|(m, f)| {
                format!(
                    "{m} ln MSE = {:.3} + {:.3}·L (R² {:.3})",
                    f.intercept, f.slope, f.r_squared
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "Complexity fits on the normal training images (L in PNG bits per dimension): {}.\n",
            fits.join("; ")
        );
    }
    if !results.claims.is_empty() {
        let _ = writeln!(out, "The paper's ranking claims under each score:\n");
        let _ = writeln!(
            out,
            "| score | claim | verdict | measured |\n|---|---|---|---|"
        );
        for c in &results.claims {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                c.score, c.id, c.verdict, c.measured
            );
        }
        let _ = writeln!(out);
    }
    let source = if results.holdout_images > 0 {
        format!("{} held-out normal training images", results.holdout_images)
    } else {
        "the normal training images (in-sample)".to_string()
    };
    let _ = writeln!(
        out,
        "Thresholds at a target false-positive rate of {} (first seed), chosen on {source}; rates on test, normal vs all others (anomalies are {:.0} % of it, so flagging every image has F1 {:.3}):\n",
        results.target_fpr,
        100.0 * results.anomaly_share,
        2.0 * results.anomaly_share / (1.0 + results.anomaly_share)
    );
    let _ = writeln!(
        out,
        "| model | score | threshold | FPR | TPR | F1 | F1-optimal on test (reference) |\n|---|---|---|---|---|---|---|"
    );
    for t in &results.thresholds {
        let _ = writeln!(
            out,
            "| {} | {} | {:.4e} | {:.3} | {:.3} | {:.3} | {:.3} |",
            t.model,
            t.score,
            t.threshold,
            t.false_positive_rate,
            t.true_positive_rate,
            t.f1,
            t.f1_optimal_on_test
        );
    }
    let _ = writeln!(
        out,
        "\nWhole run {:.0} s, training {:.0} s, scoring beyond the MSE {:.1} s{}.",
        results.wall_seconds,
        results.train_seconds,
        results.scoring_seconds,
        results
            .complexity_seconds
            .map_or(String::new(), |c| format!(
                " (of which PNG complexity {c:.1} s)"
            ))
    );
    out
}

/// [`render`] of a JSON value (the renderer registered in `crate::report::docs::RENDERERS`).
pub fn render_value(value: &serde_json::Value) -> Result<String> {
    let results: ScoreTableResults = serde_path_to_error::deserialize(value.clone())
        .map_err(|e| anyhow::anyhow!("field `{}`: {}", e.path(), e.inner()))
        .context("not a score-table result")?;
    for c in &results.columns {
        if c.roc_auc.len() != results.classes.len() {
            bail!(
                "{} {}: {} ROC-AUCs for {} classes",
                c.model,
                c.score,
                c.roc_auc.len(),
                results.classes.len()
            );
        }
        for (i, v) in c.roc_auc.iter().enumerate() {
            check_unit_interval(*v, &format!("{} {} ROC-AUC {i}", c.model, c.score))
                .map_err(anyhow::Error::msg)?;
        }
    }
    Ok(render(&results))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> ScoreTableResults {
        ScoreTableResults {
            render: RENDER_NAME.into(),
            dataset: DatasetKind::Mnist,
            normal_name: "1".into(),
            data_variant: "official".into(),
            epochs: 1,
            seeds: vec![0],
            threads: 2,
            git_commit: Some("0123456789abcdef".into()),
            models: vec![ModelKind::Cae, ModelKind::Vae],
            classes: vec!["7".into(), "all others".into()],
            columns: vec![
                ScoreColumn {
                    score: ScoreKind::Mse,
                    model: ModelKind::Cae,
                    roc_auc: vec![0.99, 0.995],
                },
                ScoreColumn {
                    score: ScoreKind::Kl,
                    model: ModelKind::Vae,
                    roc_auc: vec![0.41, 0.5],
                },
            ],
            claims: Vec::new(),
            complexity_fits: Vec::new(),
            target_fpr: 0.05,
            holdout_images: 0,
            thresholds: Vec::new(),
            anomaly_share: 0.9,
            wall_seconds: 10.0,
            train_seconds: 8.0,
            scoring_seconds: 1.5,
            complexity_seconds: None,
        }
    }

    #[test]
    fn renders_one_table_per_model_from_its_json() {
        let value = serde_json::to_value(small()).unwrap();
        let text = render_value(&value).unwrap();
        assert!(text.contains("ROC-AUC of the CAE under each score:\n\n| class | mse |"));
        assert!(text.contains("| 7 | 0.4100 |"), "{text}");
        assert!(text.contains("commit 0123456"));
        assert!(text.contains("scoring beyond the MSE 1.5 s."), "{text}");
    }

    #[test]
    fn a_column_of_the_wrong_length_is_named() {
        let mut bad = small();
        bad.columns[1].roc_auc.pop();
        let err = render_value(&serde_json::to_value(bad).unwrap()).unwrap_err();
        assert!(
            err.to_string().contains("VAE kl: 1 ROC-AUCs for 2 classes"),
            "{err}"
        );
    }
}
