//! The confidence interval every interval estimator returns.

use serde::{Deserialize, Serialize};

/// A confidence interval and how it was obtained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfidenceInterval {
    #[serde(deserialize_with = "crate::record::f64_or_nan")]
    pub lower: f64,
    #[serde(deserialize_with = "crate::record::f64_or_nan")]
    pub upper: f64,
    pub confidence: f64,
    pub method: String,
}
