//! Layer-by-layer shapes of every dataset × model type (our reading of Tables 1–4).
mod common;

use aerepro::data::DatasetKind;
use aerepro::model::{architecture_summary, Autoencoder, ModelConfig, ModelKind, LATENT_DIM};
use tch::{nn, Device, Kind, Tensor};

fn shapes(dataset: DatasetKind, kind: ModelKind) -> Vec<(String, Vec<i64>, Vec<i64>)> {
    let _g = common::seed_lock();
    architecture_summary(dataset, kind)
        .layers
        .into_iter()
        .map(|l| (l.name, l.input_shape, l.output_shape))
        .collect()
}

fn row(name: &str, i: &[i64], o: &[i64]) -> (String, Vec<i64>, Vec<i64>) {
    (name.to_string(), i.to_vec(), o.to_vec())
}

fn bottleneck(flat: i64, kind: ModelKind) -> Vec<(String, Vec<i64>, Vec<i64>)> {
    let mut v = vec![row("bottleneck.lin1", &[flat], &[100])];
    match kind {
        ModelKind::Vae => {
            v.push(row("bottleneck.lin21", &[100], &[20]));
            v.push(row("bottleneck.lin22", &[100], &[20]));
        }
        _ => v.push(row("bottleneck.lin2", &[100], &[20])),
    }
    v.push(row("bottleneck.lin3", &[20], &[100]));
    v.push(row("bottleneck.lin4", &[100], &[flat]));
    v
}

#[test]
fn mnist_layer_shapes() {
    for kind in ModelKind::ALL {
        let mut want = vec![
            row("enc.conv1", &[1, 28, 28], &[16, 28, 28]),
            row("enc.conv2", &[16, 28, 28], &[32, 14, 14]),
            row("enc.conv3", &[32, 14, 14], &[64, 7, 7]),
            row("enc.conv4", &[64, 7, 7], &[64, 4, 4]),
            row("enc.conv5", &[64, 4, 4], &[16, 4, 4]),
        ];
        want.extend(bottleneck(256, kind));
        want.extend([
            row("dec.deconv1", &[16, 4, 4], &[64, 4, 4]),
            row("dec.deconv2", &[64, 4, 4], &[64, 7, 7]),
            row("dec.deconv3", &[64, 7, 7], &[32, 14, 14]),
            row("dec.deconv4", &[32, 14, 14], &[16, 28, 28]),
            row("dec.deconv5", &[16, 28, 28], &[1, 28, 28]),
        ]);
        if kind == ModelKind::Aae {
            want.push(row("critic.lind1", &[20], &[10]));
            want.push(row("critic.lind2", &[10], &[1]));
        }
        assert_eq!(shapes(DatasetKind::Mnist, kind), want, "{kind}");
    }
}

#[test]
fn cifar10_layer_shapes() {
    for kind in ModelKind::ALL {
        let mut want = vec![
            row("enc.conv1", &[3, 32, 32], &[8, 32, 32]),
            row("enc.conv2", &[8, 32, 32], &[16, 16, 16]),
            row("enc.conv3", &[16, 16, 16], &[32, 8, 8]),
            row("enc.conv4", &[32, 8, 8], &[16, 8, 8]),
        ];
        want.extend(bottleneck(1024, kind));
        want.extend([
            row("dec.deconv1", &[16, 8, 8], &[32, 8, 8]),
            row("dec.deconv2", &[32, 8, 8], &[16, 16, 16]),
            row("dec.deconv3", &[16, 16, 16], &[8, 32, 32]),
            row("dec.deconv4", &[8, 32, 32], &[3, 32, 32]),
        ]);
        if kind == ModelKind::Aae {
            want.push(row("critic.lind1", &[20], &[10]));
            want.push(row("critic.lind2", &[10], &[1]));
        }
        assert_eq!(shapes(DatasetKind::Cifar10, kind), want, "{kind}");
    }
}

#[test]
fn forward_outputs_have_image_shape_and_range() {
    let _g = common::seed_lock();
    tch::manual_seed(1);
    for dataset in [DatasetKind::Mnist, DatasetKind::Cifar10] {
        for kind in ModelKind::ALL {
            let vs = nn::VarStore::new(Device::Cpu);
            let model = Autoencoder::new(&vs.root(), kind, dataset, ModelConfig::default());
            let [c, h, w] = dataset.image_shape();
            let xs = Tensor::rand([5, c, h, w], (Kind::Float, Device::Cpu));
            let out = tch::no_grad(|| model.forward(&xs, true));
            assert_eq!(out.recon.size(), vec![5, c, h, w]);
            assert_eq!(out.latent.z.size(), vec![5, LATENT_DIM]);
            assert_eq!(out.latent.logvar.is_some(), kind == ModelKind::Vae);
            let min = out.recon.min().double_value(&[]);
            let max = out.recon.max().double_value(&[]);
            assert!((0.0..=1.0).contains(&min) && (0.0..=1.0).contains(&max));
            // Variable names follow the layer names.
            let names = vs.variables();
            assert!(names.contains_key("enc.conv1.weight"));
            assert!(names.contains_key("dec.deconv1.bias"));
            assert_eq!(
                names.contains_key("critic.lind2.weight"),
                kind == ModelKind::Aae
            );
            // Scoring mode is deterministic for every type (VAE uses μ).
            let a = tch::no_grad(|| model.reconstruct(&xs));
            let b = tch::no_grad(|| model.reconstruct(&xs));
            assert!(a.equal(&b));
        }
    }
}
