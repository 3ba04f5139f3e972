//! Loss terms shared by training and scoring.

use tch::{Kind, Tensor};

/// KL(q(z|x) ‖ N(0, I)) per image, Eq. 4: −½ Σⱼ (1 + log σⱼ² − μⱼ² − σⱼ²); `[N]`.
pub fn kl_divergence(mu: &Tensor, logvar: &Tensor) -> Tensor {
    let terms = logvar + 1.0 - mu.square() - logvar.exp();
    terms.sum_dim_intlist(1, false, Kind::Float) * -0.5
}

/// Per-image mean squared error `[N]` between two image batches.
pub fn per_image_mse(recon: &Tensor, xs: &Tensor) -> Tensor {
    (recon - xs)
        .square()
        .flatten(1, -1)
        .mean_dim(1, false, Kind::Float)
}
