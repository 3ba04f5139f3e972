//! The AAE critic's score. The critic is trained to rate samples of the prior N(0, I) high and the
//! encoder's codes low (its loss is E C(code) − E C(prior)), and the encoder to raise its codes'
//! rating; a code the critic rates low looks unlike the prior, so the anomaly score is −C(code).

/// Anomaly score of a code the critic rated `critic_output`.
pub fn critic_score(critic_output: f64) -> f64 {
    -critic_output
}
