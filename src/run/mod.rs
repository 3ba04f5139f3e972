//! One experiment: its config, the orchestration of training, scoring and evaluation over models and
//! seeds, the run record, checkpoints, and the interleaved step-cost timing.
pub mod choice;
pub mod config;
pub mod cpu;
pub mod environment;
pub mod experiment;
pub mod record;
pub mod score_summary;
pub mod step_cost;
pub mod summary;
