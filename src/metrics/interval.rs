//! The confidence interval every interval estimator returns.

use serde::{Deserialize, Serialize};

/// A confidence interval and how it was obtained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfidenceInterval {
    #[serde(deserialize_with = "crate::metrics::f64_or_nan")]
    pub lower: f64,
    #[serde(deserialize_with = "crate::metrics::f64_or_nan")]
    pub upper: f64,
    pub confidence: f64,
    pub method: String,
    /// Why there is no interval (then `lower` and `upper` are NaN, `null` in JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
}

impl ConfidenceInterval {
    pub(crate) fn unavailable(confidence: f64, method: &str, reason: String) -> Self {
        ConfidenceInterval {
            lower: f64::NAN,
            upper: f64::NAN,
            confidence,
            method: method.to_string(),
            unavailable: Some(reason),
        }
    }
}
