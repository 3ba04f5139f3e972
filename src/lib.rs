//! aerepro: reproduces, audits and extends a comparison of convolutional autoencoders (CAE, VAE, AAE)
//! for image anomaly detection on MNIST and CIFAR-10.
pub mod cost;
pub mod claims;
pub mod data;
pub mod metrics;
pub mod model;
pub mod score;
pub mod train;
pub mod paper;
pub mod checkpoint;
pub mod cli;
pub mod device;
pub mod experiment;
pub mod record;
pub mod report;
