//! aerepro: reproduces, audits and extends a comparison of convolutional autoencoders (CAE, VAE, AAE)
//! for image anomaly detection on MNIST and CIFAR-10.
pub mod audit;
pub mod checkpoint;
pub mod claims;
pub mod cli;
pub mod cost;
pub mod data;
pub mod device;
pub mod docs;
pub mod experiment;
pub mod html;
pub mod lock;
pub mod metrics;
pub mod model;
pub mod paper;
pub mod record;
pub mod report;
pub mod run_dir;
pub mod score;
pub mod step_cost;
pub mod sweep;
pub mod track;
pub mod train;
