//! aerepro: reproduces, audits and extends a comparison of convolutional autoencoders (CAE, VAE, AAE)
//! for image anomaly detection on MNIST and CIFAR-10.
//!
//! The modules are floors; each imports only the floors below it:
//! - `data`, `metrics`, `model`, `train` — datasets, exact ranking metrics, the three models, training;
//! - `device`, `paper` — where tensors live, and the paper's published numbers;
//! - `claims` — the paper's claims as rules over seeds;
//! - `score` — every anomaly score of a trained model, thresholds, scoring a user's images;
//! - `store` — atomic files, locks, and the on-disk layout of runs and sweeps;
//! - `run` — one experiment: its config, orchestration, record, checkpoints, step-cost timing;
//! - `sweep` — many experiments as cells: plan, cell, runner, Slurm, merge, verified reading;
//! - `audit` — goldens and the comparison of a rerun against them;
//! - `report` — every table and figure, the README's rendered blocks, the one-file HTML report;
//! - `track` — a run or sweep published to TensorBoard event files and an MLflow server;
//! - `cli` — the command line, one file per command.
pub mod data;
pub mod metrics;
pub mod model;
pub mod train;

pub mod device;
pub mod paper;

pub mod claims;
pub mod score;

pub mod store;

pub mod run;

pub mod sweep;

pub mod audit;

pub mod report;

pub mod track;

pub mod cli;
