//! The one-class protocol: a model is trained on one normal class, and every other class of the test
//! set is anomalous. Which classes those are, how a class row is named, and the normal-vs-class
//! subsets of per-test-image scores (anomaly = positive) live here and nowhere else.
use super::DatasetKind;

/// The name of the row that pools every anomalous class.
pub const ALL_OTHERS: &str = "all others";

/// Every class of `dataset` except `normal`, in class order.
pub fn anomalous_classes(dataset: DatasetKind, normal: u8) -> Vec<u8> {
    (0..dataset.class_names().len() as u8)
        .filter(|c| *c != normal)
        .collect()
}

/// The row name of `class` (`None` = all anomalous classes pooled).
pub fn row_name(dataset: DatasetKind, class: Option<u8>) -> String {
    class.map_or(ALL_OTHERS.to_string(), |c| {
        dataset.class_names()[c as usize].to_string()
    })
}

/// Scores and labels (anomaly = true) of the normal test images and those of `class` (all non-normal
/// classes for `None`).
pub fn normal_vs(
    scores: &[f64],
    test_labels: &[u8],
    normal: u8,
    class: Option<u8>,
) -> (Vec<f64>, Vec<bool>) {
    scores
        .iter()
        .zip(test_labels)
        .filter(|(_, l)| **l == normal || class.is_none_or(|c| **l == c))
        .map(|(s, l)| (*s, *l != normal))
        .unzip()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_vs_selects_normal_and_one_class_with_anomaly_positive() {
        let scores = [0.1, 0.2, 0.3, 0.4, 0.5];
        let labels = [1, 7, 1, 3, 7];
        let (s, y) = normal_vs(&scores, &labels, 1, Some(7));
        assert_eq!(s, [0.1, 0.2, 0.3, 0.5]);
        assert_eq!(y, [false, true, false, true]);
        let (s, y) = normal_vs(&scores, &labels, 1, None);
        assert_eq!(s.len(), 5);
        assert_eq!(y, [false, true, false, true, true]);
    }

    #[test]
    fn anomalous_classes_are_every_other_class_and_rows_are_named_by_the_dataset() {
        assert_eq!(
            anomalous_classes(DatasetKind::Mnist, 1),
            [0, 2, 3, 4, 5, 6, 7, 8, 9]
        );
        assert_eq!(row_name(DatasetKind::Cifar10, Some(5)), "dog");
        assert_eq!(row_name(DatasetKind::Mnist, None), ALL_OTHERS);
    }
}
