//! Golden snapshots (top-level `snapshots/`): every layer's name, input/output shape and parameter
//! count per dataset × model type, with totals, and the default training configuration. Changing
//! the architecture or a default fails here; review with `cargo insta review` or rerun with
//! `INSTA_UPDATE=always` and commit the new `snapshots/model_*.snap`.
mod common;

use aerepro::data::DatasetKind;
use aerepro::model::{architecture_summary, ModelKind};
use aerepro::train::TrainConfig;

fn slug(d: DatasetKind) -> &'static str {
    match d {
        DatasetKind::Mnist => "mnist",
        DatasetKind::Cifar10 => "cifar10",
    }
}

#[test]
fn architecture_snapshots() {
    let _g = common::seed_lock();
    for dataset in [DatasetKind::Mnist, DatasetKind::Cifar10] {
        for kind in ModelKind::ALL {
            let summary = architecture_summary(dataset, kind);
            let name = format!("model_arch_{}_{}", slug(dataset), kind.slug());
            insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
                insta::assert_json_snapshot!(name, summary);
            });
        }
    }
}

#[test]
fn default_train_config_snapshot() {
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_json_snapshot!("model_default_train_config", TrainConfig::default());
    });
}

#[test]
fn parameter_totals_add_up() {
    let _g = common::seed_lock();
    for dataset in [DatasetKind::Mnist, DatasetKind::Cifar10] {
        for kind in ModelKind::ALL {
            let s = architecture_summary(dataset, kind);
            let sum: i64 = s.layers.iter().map(|l| l.params).sum();
            assert_eq!(sum, s.total_params);
            assert_eq!(s.total_params, s.autoencoder_params + s.critic_params);
            let critic = if kind == ModelKind::Aae {
                20 * 10 + 10 + 10 + 1
            } else {
                0
            };
            assert_eq!(s.critic_params, critic);
        }
    }
}
