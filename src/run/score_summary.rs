//! Every score of a run across its models and seeds: the summary rows each score has, and the
//! paper's ranking claims judged under each score.

use super::record::{ModelRun, RunScoring, ScoreSummary};
use crate::claims::{self, ClaimEvidence, ClaimInputs, ClaimVerdict};
use crate::data::DatasetKind;
use crate::metrics::class_rows::{self, ClassMetrics, SummaryRow};
use crate::model::ModelKind;
use crate::score::evaluate::{ScoreResult, ScoringConfig, ScoringData};
use crate::score::ScoreKind;

fn score_rows(runs: &[&ModelRun], score: ScoreKind) -> Vec<SummaryRow> {
    let mut rows = Vec::new();
    let mut kinds: Vec<ModelKind> = runs.iter().map(|r| r.kind).collect();
    kinds.sort();
    kinds.dedup();
    for kind in kinds {
        let results: Vec<&ScoreResult> = runs
            .iter()
            .filter(|r| r.kind == kind)
            .filter_map(|r| r.scoring.as_ref())
            .filter_map(|s| s.results.iter().find(|x| x.score == score))
            .collect();
        let seeds: Vec<(&[ClassMetrics], &ClassMetrics)> = results
            .iter()
            .map(|r| (r.per_class.as_slice(), &r.all_others))
            .collect();
        rows.extend(class_rows::seed_summary_rows(kind, &seeds));
    }
    rows
}

/// The ROC-AUC claims judged over seeds on `score`'s per-seed, per-class ROC-AUCs.
fn score_claims(
    dataset: DatasetKind,
    models: &[ModelKind],
    runs: &[&ModelRun],
    score: ScoreKind,
) -> Vec<ClaimVerdict> {
    let inputs = ClaimInputs::from_rows(
        runs.iter().flat_map(|run| {
            run.scoring
                .as_ref()
                .and_then(|s| s.results.iter().find(|x| x.score == score))
                .into_iter()
                .flat_map(move |result| {
                    result.per_class.iter().filter_map(move |row| {
                        Some((run.seed, run.kind, row.class?, row.metrics.roc_auc))
                    })
                })
        }),
        [],
        Default::default(),
    );
    let ids = claims::applicable(dataset, &[ClaimEvidence::RocAuc], models);
    claims::evaluate_only(dataset, &inputs, &ids)
}

/// Per-score summaries and claims of a finished run.
pub fn summarize_run(
    runs: &[ModelRun],
    dataset: DatasetKind,
    paper_setup: bool,
    data: &ScoringData,
    config: &ScoringConfig,
) -> RunScoring {
    let all: Vec<&ModelRun> = runs.iter().collect();
    let per_score = config
        .scores
        .iter()
        .filter_map(|&score| {
            let summary = score_rows(&all, score);
            let mut models: Vec<ModelKind> = summary.iter().map(|r| r.kind).collect();
            models.dedup();
            (!summary.is_empty()).then(|| ScoreSummary {
                score,
                claims: if paper_setup {
                    score_claims(dataset, &models, &all, score)
                } else {
                    Vec::new()
                },
                models,
                summary,
            })
        })
        .collect();
    RunScoring {
        complexity_seconds: data.complexity_seconds,
        holdout_images: data.holdout_len(),
        per_score,
    }
}
