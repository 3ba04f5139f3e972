//! Loss terms against closed forms.
use aerepro::train::{kl_divergence, per_image_mse};
use tch::{Kind, Tensor};

#[test]
fn vae_kl_matches_closed_form() {
    // Two images, three latent dimensions.
    let mu = [[0.0f64, 1.0, -2.0], [0.5, 0.0, 0.25]];
    let logvar = [[0.0f64, (0.5f64).ln(), (2.0f64).ln()], [-1.0, 1.0, 0.0]];
    let t = |a: &[[f64; 3]; 2]| {
        Tensor::from_slice(&a.concat())
            .view([2, 3])
            .to_kind(Kind::Float)
    };
    let kl =
        Vec::<f64>::try_from(kl_divergence(&t(&mu), &t(&logvar)).to_kind(Kind::Double)).unwrap();
    for i in 0..2 {
        // KL(N(μ, σ²) ‖ N(0, 1)) = ½ Σ (σ² + μ² − 1 − ln σ²)
        let want: f64 = (0..3)
            .map(|j| 0.5 * (logvar[i][j].exp() + mu[i][j].powi(2) - 1.0 - logvar[i][j]))
            .sum();
        assert!(
            (kl[i] - want).abs() < 1e-5,
            "image {i}: {} vs {want}",
            kl[i]
        );
    }
    // Zero exactly at the prior.
    let zero = kl_divergence(
        &Tensor::zeros([4, 20], (Kind::Float, tch::Device::Cpu)),
        &Tensor::zeros([4, 20], (Kind::Float, tch::Device::Cpu)),
    );
    assert_eq!(zero.abs().max().double_value(&[]), 0.0);
}

#[test]
fn per_image_mse_is_eq2_per_image() {
    let a = Tensor::from_slice(&[0.0f32, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]).view([2, 1, 2, 2]);
    let b = Tensor::from_slice(&[1.0f32, 0.0, 0.0, 0.0, 1.0, 1.0, 0.5, 0.5]).view([2, 1, 2, 2]);
    let m = Vec::<f64>::try_from(per_image_mse(&a, &b).to_kind(Kind::Double)).unwrap();
    assert_eq!(m, vec![0.25, 0.125]);
}
