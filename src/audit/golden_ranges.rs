//! A golden file read from disk is range-checked before anything indexes with its values.
use super::golden::Golden;
use crate::metrics::check_unit_interval;

impl Golden {
    /// Every class index in range for its dataset and every metric in [0, 1] (or undefined).
    pub(super) fn check_ranges(&self) -> Result<(), String> {
        for (i, entry) in self.entries.iter().enumerate() {
            let at = format!("entries[{i}]");
            let dataset = entry.dataset;
            dataset.check_class(entry.normal_class, &format!("{at}.normal_class"))?;
            for (j, class) in entry.per_class.iter().enumerate() {
                let at = format!("{at}.per_class[{j}]");
                dataset.check_class(class.class, &format!("{at}.class"))?;
                check_unit_interval(class.roc_auc, &format!("{at}.roc_auc"))?;
                check_unit_interval(class.average_precision, &format!("{at}.average_precision"))?;
            }
        }
        for (i, group) in self.verdicts.iter().enumerate() {
            group
                .dataset
                .check_class(group.normal_class, &format!("verdicts[{i}].normal_class"))?;
        }
        Ok(())
    }
}
