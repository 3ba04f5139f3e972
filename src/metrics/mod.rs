//! Exact ROC/PR metrics (no tch dependency).
