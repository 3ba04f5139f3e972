//! Speed of the ranking metrics on 10^6 scores with ties.
//!
//! `cargo bench --bench metrics -- --noplot`. By default the data is generated here (seeded);
//! with `AEREPRO_BENCH_SCORES=FILE` it is read from a `score,label` CSV, which is how
//! `ci/bench_vs_sklearn.sh` times scikit-learn and aerepro on identical data.

use std::hint::black_box;

use aerepro::metrics::{
    average_precision, delong_roc_auc_ci, read_scores_csv, roc_auc, roc_curve, LabelledScores,
};
use criterion::{criterion_group, criterion_main, Criterion};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SAMPLES: usize = 1_000_000;

/// ~10 % anomalies shifted up by one unit; scores rounded to 3 decimals, so heavily tied.
fn generated_scores() -> LabelledScores {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let mut data = LabelledScores::default();
    for _ in 0..SAMPLES {
        let is_anomaly = rng.gen::<f64>() < 0.1;
        let noise: f64 = (0..3).map(|_| rng.gen::<f64>()).sum::<f64>() - 1.5;
        let score = noise + if is_anomaly { 1.0 } else { 0.0 };
        data.scores.push((score * 1000.0).round() / 1000.0);
        data.labels.push(is_anomaly);
    }
    data
}

fn load_scores() -> LabelledScores {
    match std::env::var_os("AEREPRO_BENCH_SCORES") {
        Some(path) => read_scores_csv(path.as_ref(), "1").expect("AEREPRO_BENCH_SCORES readable"),
        None => generated_scores(),
    }
}

fn bench_metrics(c: &mut Criterion) {
    let data = load_scores();
    let (scores, labels) = (&data.scores, &data.labels);
    let mut group = c.benchmark_group("metrics_1e6");
    group.sample_size(20);
    // What scikit-learn needs roc_auc_score + average_precision_score for: two public calls.
    group.bench_function("roc_auc_plus_average_precision", |b| {
        b.iter(|| {
            let auc = roc_auc(black_box(scores), black_box(labels)).unwrap();
            let ap = average_precision(black_box(scores), black_box(labels)).unwrap();
            black_box((auc, ap))
        })
    });
    group.bench_function("roc_curve", |b| {
        b.iter(|| black_box(roc_curve(black_box(scores), black_box(labels)).unwrap()))
    });
    group.bench_function("delong_roc_auc_ci", |b| {
        b.iter(|| black_box(delong_roc_auc_ci(black_box(scores), black_box(labels), 0.95).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, bench_metrics);
criterion_main!(benches);
