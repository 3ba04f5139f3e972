//! Property tests of the ranking metrics (proptest's default: 256 cases per property).

use aerepro::metrics::{
    average_precision, bootstrap_average_precision_ci, delong_paired_test, delong_roc_auc_ci,
    parse_scores_csv, pr_auc_trapezoid, precision_recall_curve, roc_auc, roc_curve,
};
use proptest::prelude::*;

/// Scores on a small integer grid (many ties), at least two samples of each class (DeLong's
/// variance needs two).
fn tied_samples() -> impl Strategy<Value = (Vec<f64>, Vec<bool>)> {
    prop::collection::vec((-12i32..12, any::<bool>()), 4..60).prop_map(|pairs| {
        let scores = pairs.iter().map(|&(s, _)| s as f64).collect();
        let mut labels: Vec<bool> = pairs.iter().map(|&(_, l)| l).collect();
        labels[..4].copy_from_slice(&[true, false, true, false]);
        (scores, labels)
    })
}

/// Arbitrary finite scores (mostly distinct) with both classes, at least two of each.
fn continuous_samples() -> impl Strategy<Value = (Vec<f64>, Vec<bool>)> {
    prop::collection::vec((-1e6f64..1e6, any::<bool>()), 4..80).prop_map(|pairs| {
        let scores = pairs.iter().map(|&(s, _)| s).collect();
        let mut labels: Vec<bool> = pairs.iter().map(|&(_, l)| l).collect();
        labels[..4].copy_from_slice(&[true, false, true, false]);
        (scores, labels)
    })
}

fn any_samples() -> impl Strategy<Value = (Vec<f64>, Vec<bool>)> {
    prop_oneof![tied_samples(), continuous_samples()]
}

fn brute_force_auc(scores: &[f64], labels: &[bool]) -> f64 {
    let of_class = |class: bool| -> Vec<f64> {
        scores
            .iter()
            .zip(labels)
            .filter(|&(_, &l)| l == class)
            .map(|(&s, _)| s)
            .collect()
    };
    let (positives, negatives) = (of_class(true), of_class(false));
    let mut wins = 0.0;
    for &positive_score in &positives {
        for &negative_score in &negatives {
            if positive_score > negative_score {
                wins += 1.0;
            } else if positive_score == negative_score {
                wins += 0.5;
            }
        }
    }
    wins / (positives.len() * negatives.len()) as f64
}

/// AP = mean over positives of the precision at that positive's score (ties included).
fn brute_force_average_precision(scores: &[f64], labels: &[bool]) -> f64 {
    let positives: Vec<f64> = scores
        .iter()
        .zip(labels)
        .filter(|&(_, &l)| l)
        .map(|(&s, _)| s)
        .collect();
    let precision_at = |threshold: f64| {
        let flagged = scores.iter().filter(|&&s| s >= threshold).count() as f64;
        let true_positives = positives.iter().filter(|&&s| s >= threshold).count() as f64;
        true_positives / flagged
    };
    positives.iter().map(|&s| precision_at(s)).sum::<f64>() / positives.len() as f64
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12
}

proptest! {
    #[test]
    fn metrics_lie_in_unit_interval((scores, labels) in any_samples()) {
        for value in [
            roc_auc(&scores, &labels).unwrap(),
            average_precision(&scores, &labels).unwrap(),
            pr_auc_trapezoid(&scores, &labels).unwrap(),
        ] {
            prop_assert!((0.0..=1.0).contains(&value), "{value}");
        }
    }

    #[test]
    fn strictly_increasing_transform_changes_nothing((scores, labels) in tied_samples()) {
        let transformed: Vec<f64> = scores.iter().map(|&s| 3.0 * (s / 8.0).exp() - 7.0).collect();
        prop_assert_eq!(roc_auc(&scores, &labels).unwrap(), roc_auc(&transformed, &labels).unwrap());
        prop_assert_eq!(
            average_precision(&scores, &labels).unwrap(),
            average_precision(&transformed, &labels).unwrap()
        );
        prop_assert_eq!(
            pr_auc_trapezoid(&scores, &labels).unwrap(),
            pr_auc_trapezoid(&transformed, &labels).unwrap()
        );
        let (roc, roc_transformed) =
            (roc_curve(&scores, &labels).unwrap(), roc_curve(&transformed, &labels).unwrap());
        prop_assert_eq!(roc.true_positive_rate, roc_transformed.true_positive_rate);
        prop_assert_eq!(roc.false_positive_rate, roc_transformed.false_positive_rate);
        let (pr, pr_transformed) = (
            precision_recall_curve(&scores, &labels).unwrap(),
            precision_recall_curve(&transformed, &labels).unwrap(),
        );
        prop_assert_eq!(pr.precision, pr_transformed.precision);
        prop_assert_eq!(pr.recall, pr_transformed.recall);
        prop_assert_eq!(
            bootstrap_average_precision_ci(&scores, &labels, 0.9, 20, 7).unwrap(),
            bootstrap_average_precision_ci(&transformed, &labels, 0.9, 20, 7).unwrap()
        );
    }

    #[test]
    fn flipping_labels_gives_one_minus_auc((scores, labels) in any_samples()) {
        let flipped: Vec<bool> = labels.iter().map(|&l| !l).collect();
        prop_assert!(close(
            roc_auc(&scores, &flipped).unwrap(),
            1.0 - roc_auc(&scores, &labels).unwrap()
        ));
    }

    #[test]
    fn negating_scores_gives_one_minus_auc((scores, labels) in any_samples()) {
        let negated: Vec<f64> = scores.iter().map(|&s| -s).collect();
        prop_assert!(close(
            roc_auc(&negated, &labels).unwrap(),
            1.0 - roc_auc(&scores, &labels).unwrap()
        ));
    }

    #[test]
    fn auc_equals_brute_force_pairwise_count((scores, labels) in any_samples()) {
        prop_assert!(close(roc_auc(&scores, &labels).unwrap(), brute_force_auc(&scores, &labels)));
    }

    #[test]
    fn average_precision_equals_textbook_brute_force((scores, labels) in any_samples()) {
        prop_assert!(close(
            average_precision(&scores, &labels).unwrap(),
            brute_force_average_precision(&scores, &labels)
        ));
    }

    #[test]
    fn permuting_samples_changes_nothing(
        (samples, order) in any_samples().prop_flat_map(|(scores, labels)| {
            let n = scores.len();
            (Just((scores, labels)), Just((0..n).collect::<Vec<_>>()).prop_shuffle())
        })
    ) {
        let (scores, labels) = samples;
        let permuted_scores: Vec<f64> = order.iter().map(|&i| scores[i]).collect();
        let permuted_labels: Vec<bool> = order.iter().map(|&i| labels[i]).collect();
        prop_assert_eq!(
            roc_auc(&scores, &labels).unwrap(),
            roc_auc(&permuted_scores, &permuted_labels).unwrap()
        );
        prop_assert_eq!(
            average_precision(&scores, &labels).unwrap(),
            average_precision(&permuted_scores, &permuted_labels).unwrap()
        );
        prop_assert_eq!(roc_curve(&scores, &labels).unwrap(), roc_curve(&permuted_scores, &permuted_labels).unwrap());
        prop_assert_eq!(
            precision_recall_curve(&scores, &labels).unwrap(),
            precision_recall_curve(&permuted_scores, &permuted_labels).unwrap()
        );
        let (ci, permuted_ci) = (
            delong_roc_auc_ci(&scores, &labels, 0.95).unwrap(),
            delong_roc_auc_ci(&permuted_scores, &permuted_labels, 0.95).unwrap(),
        );
        prop_assert!(close(ci.std_error, permuted_ci.std_error));
    }

    #[test]
    fn duplicating_every_sample_changes_nothing((scores, labels) in any_samples()) {
        let doubled_scores: Vec<f64> = scores.iter().chain(&scores).copied().collect();
        let doubled_labels: Vec<bool> = labels.iter().chain(&labels).copied().collect();
        prop_assert_eq!(roc_auc(&scores, &labels).unwrap(), roc_auc(&doubled_scores, &doubled_labels).unwrap());
        prop_assert!(close(
            average_precision(&scores, &labels).unwrap(),
            average_precision(&doubled_scores, &doubled_labels).unwrap()
        ));
        prop_assert!(close(
            pr_auc_trapezoid(&scores, &labels).unwrap(),
            pr_auc_trapezoid(&doubled_scores, &doubled_labels).unwrap()
        ));
        prop_assert_eq!(roc_curve(&scores, &labels).unwrap(), roc_curve(&doubled_scores, &doubled_labels).unwrap());
        prop_assert_eq!(
            precision_recall_curve(&scores, &labels).unwrap(),
            precision_recall_curve(&doubled_scores, &doubled_labels).unwrap()
        );
    }

    #[test]
    fn curves_are_monotone_and_anchored((scores, labels) in any_samples()) {
        let roc = roc_curve(&scores, &labels).unwrap();
        prop_assert_eq!((roc.false_positive_rate[0], roc.true_positive_rate[0]), (0.0, 0.0));
        prop_assert_eq!(
            (*roc.false_positive_rate.last().unwrap(), *roc.true_positive_rate.last().unwrap()),
            (1.0, 1.0)
        );
        prop_assert!(roc.false_positive_rate.windows(2).all(|w| w[0] <= w[1]));
        prop_assert!(roc.true_positive_rate.windows(2).all(|w| w[0] <= w[1]));
        prop_assert!(roc.thresholds.windows(2).all(|w| w[0] > w[1]));

        let pr = precision_recall_curve(&scores, &labels).unwrap();
        prop_assert_eq!(pr.precision.len(), pr.thresholds.len() + 1);
        prop_assert_eq!(pr.recall.len(), pr.thresholds.len() + 1);
        prop_assert_eq!((*pr.recall.last().unwrap(), *pr.precision.last().unwrap()), (0.0, 1.0));
        prop_assert_eq!(pr.recall[0], 1.0);
        prop_assert!(pr.recall.windows(2).all(|w| w[0] >= w[1]));
        prop_assert!(pr.thresholds.windows(2).all(|w| w[0] < w[1]));
        prop_assert!(pr.precision.iter().all(|p| (0.0..=1.0).contains(p)));
    }

    #[test]
    fn perfect_separation_gives_one((scores, labels) in any_samples()) {
        let separated: Vec<f64> =
            scores.iter().zip(&labels).map(|(&s, &l)| if l { 1e7 + s } else { s - 1e7 }).collect();
        prop_assert_eq!(roc_auc(&separated, &labels).unwrap(), 1.0);
        prop_assert_eq!(average_precision(&separated, &labels).unwrap(), 1.0);
        prop_assert!(close(pr_auc_trapezoid(&separated, &labels).unwrap(), 1.0));
        let ci = delong_roc_auc_ci(&separated, &labels, 0.95).unwrap();
        prop_assert_eq!((ci.lower, ci.upper), (1.0, 1.0));
    }

    #[test]
    fn all_tied_scores_give_half_and_positive_rate(
        (scores, labels) in any_samples(), constant in -5.0f64..5.0
    ) {
        let tied = vec![constant; scores.len()];
        let positive_rate = labels.iter().filter(|&&l| l).count() as f64 / labels.len() as f64;
        prop_assert_eq!(roc_auc(&tied, &labels).unwrap(), 0.5);
        prop_assert!(close(average_precision(&tied, &labels).unwrap(), positive_rate));
    }

    #[test]
    fn delong_interval_contains_auc_and_shrinks_when_duplicated((scores, labels) in any_samples()) {
        let ci = delong_roc_auc_ci(&scores, &labels, 0.95).unwrap();
        prop_assert!(ci.lower <= ci.auc && ci.auc <= ci.upper);
        prop_assert!(0.0 <= ci.lower && ci.upper <= 1.0);
        prop_assert_eq!(ci.auc, roc_auc(&scores, &labels).unwrap());

        let doubled_scores: Vec<f64> = scores.iter().chain(&scores).copied().collect();
        let doubled_labels: Vec<bool> = labels.iter().chain(&labels).copied().collect();
        let doubled = delong_roc_auc_ci(&doubled_scores, &doubled_labels, 0.95).unwrap();
        prop_assert!(doubled.upper - doubled.lower <= ci.upper - ci.lower);
        if ci.std_error > 1e-12 {
            prop_assert!(doubled.std_error < ci.std_error);
        }
    }

    #[test]
    fn paired_delong_test_is_antisymmetric((scores, labels) in any_samples(), seed in any::<u64>()) {
        // A second "model": the first one plus deterministic noise.
        let other: Vec<f64> = scores
            .iter()
            .enumerate()
            .map(|(i, &s)| s + ((i as u64).wrapping_mul(seed | 1) % 7) as f64)
            .collect();
        let forward = delong_paired_test(&scores, &other, &labels).unwrap();
        let backward = delong_paired_test(&other, &scores, &labels).unwrap();
        prop_assert!(close(forward.z, -backward.z) || (forward.z.is_infinite() && forward.z == -backward.z));
        prop_assert!(close(forward.p_value + backward.p_value, 1.0));
        prop_assert!((0.0..=1.0).contains(&forward.p_value));

        let against_itself = delong_paired_test(&scores, &scores, &labels).unwrap();
        prop_assert_eq!((against_itself.z, against_itself.p_value), (0.0, 0.5));
    }

    #[test]
    fn bootstrap_interval_is_ordered_and_reproducible((scores, labels) in any_samples(), seed in any::<u64>()) {
        let ci = bootstrap_average_precision_ci(&scores, &labels, 0.9, 50, seed).unwrap();
        prop_assert!(0.0 <= ci.lower && ci.lower <= ci.upper && ci.upper <= 1.0);
        prop_assert_eq!(ci.clone(), bootstrap_average_precision_ci(&scores, &labels, 0.9, 50, seed).unwrap());
    }

    #[test]
    fn csv_round_trip_preserves_samples((scores, labels) in any_samples()) {
        let mut text = String::from("score,label\n");
        for (score, label) in scores.iter().zip(&labels) {
            text.push_str(&format!("{score:?},{}\n", u8::from(*label)));
        }
        let parsed = parse_scores_csv(text.as_bytes(), "1").unwrap();
        prop_assert_eq!(parsed.scores, scores);
        prop_assert_eq!(parsed.labels, labels);
    }
}
