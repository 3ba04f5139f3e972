//! Input complexity and the complexity-corrected reconstruction score.
//!
//! Reconstruction error grows with how much detail an image holds, whatever its class; Serrà et al.
//! (ICLR 2020, "Input complexity and out-of-distribution detection with likelihood-based generative
//! models") estimate that detail by a lossless compressor's code length and correct the score by it.
//! Here complexity L(x) is the size in bits per dimension (C·H·W) of the image as a PNG at maximum
//! compression (zlib level 9, adaptive row filters, through the `image` crate), headers included
//! (a constant offset). The correction regresses ln MSE on L over the normal training images only,
//! ln MSE ≈ a + b·L, and scores an image by the residual ln MSE − (a + b·L): how much worse it is
//! reconstructed than a normal image of the same complexity.

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ColorType, ImageEncoder};
use serde::{Deserialize, Serialize};

/// Smallest MSE taken into the logarithm (an exact reconstruction would give −∞).
const MIN_MSE: f64 = 1e-12;

/// The image as a PNG at maximum compression. `pixels` is CHW (one or three channels).
pub fn png_bytes(
    pixels: &[u8],
    channels: usize,
    height: usize,
    width: usize,
) -> anyhow::Result<Vec<u8>> {
    let plane = height * width;
    anyhow::ensure!(
        pixels.len() == channels * plane,
        "{} bytes is not a {channels}x{height}x{width} image",
        pixels.len()
    );
    let (interleaved, color) = match channels {
        1 => (pixels.to_vec(), ColorType::L8),
        3 => (
            (0..plane)
                .flat_map(|i| [pixels[i], pixels[plane + i], pixels[2 * plane + i]])
                .collect(),
            ColorType::Rgb8,
        ),
        other => anyhow::bail!("PNG complexity needs 1 or 3 channels, got {other}"),
    };
    let mut out = Vec::new();
    PngEncoder::new_with_quality(&mut out, CompressionType::Best, FilterType::Adaptive)
        .write_image(&interleaved, width as u32, height as u32, color)?;
    Ok(out)
}

/// PNG size in bits per dimension of each of `n` CHW images stored back to back.
pub fn bits_per_dimension(pixels: &[u8], shape: [usize; 3]) -> anyhow::Result<Vec<f64>> {
    let [c, h, w] = shape;
    let dims = c * h * w;
    anyhow::ensure!(
        dims > 0 && pixels.len().is_multiple_of(dims),
        "{} bytes are not whole {c}x{h}x{w} images",
        pixels.len()
    );
    pixels
        .chunks_exact(dims)
        .map(|image| Ok(8.0 * png_bytes(image, c, h, w)?.len() as f64 / dims as f64))
        .collect()
}

/// ln MSE ≈ intercept + slope · complexity, fitted by least squares on normal training images.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ComplexityFit {
    pub intercept: f64,
    pub slope: f64,
    /// Share of the variance of ln MSE the complexity explains on the training images.
    pub r_squared: f64,
    pub n: usize,
}

/// Fits [`ComplexityFit`] to the training images' MSEs and complexities.
pub fn fit(mse: &[f64], complexity: &[f64]) -> anyhow::Result<ComplexityFit> {
    anyhow::ensure!(
        mse.len() == complexity.len(),
        "{} MSEs but {} complexities",
        mse.len(),
        complexity.len()
    );
    let n = mse.len();
    anyhow::ensure!(
        n >= 2,
        "the complexity fit needs at least 2 images, got {n}"
    );
    let y: Vec<f64> = mse.iter().map(|m| m.max(MIN_MSE).ln()).collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (mx, my) = (mean(complexity), mean(&y));
    let sxx: f64 = complexity.iter().map(|x| (x - mx).powi(2)).sum();
    let syy: f64 = y.iter().map(|v| (v - my).powi(2)).sum();
    let sxy: f64 = complexity
        .iter()
        .zip(&y)
        .map(|(x, v)| (x - mx) * (v - my))
        .sum();
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let r_squared = if sxx > 0.0 && syy > 0.0 {
        sxy * sxy / (sxx * syy)
    } else {
        0.0
    };
    Ok(ComplexityFit {
        intercept: my - slope * mx,
        slope,
        r_squared,
        n,
    })
}

impl ComplexityFit {
    /// ln MSE minus what the fit expects at this complexity.
    pub fn corrected(&self, mse: f64, complexity: f64) -> f64 {
        mse.max(MIN_MSE).ln() - (self.intercept + self.slope * complexity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flat_image_compresses_better_than_noise() {
        let flat = vec![128u8; 3 * 32 * 32];
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(0);
        let noise: Vec<u8> = (0..3 * 32 * 32)
            .map(|_| rand::Rng::gen::<u8>(&mut rng))
            .collect();
        let both: Vec<u8> = flat.iter().chain(&noise).copied().collect();
        let bits = bits_per_dimension(&both, [3, 32, 32]).unwrap();
        // Uniform noise cannot compress below 8 bits; PNG adds its headers on top.
        assert!(bits[0] < 0.5 && bits[1] > 8.0, "{bits:?}");
    }

    #[test]
    fn png_round_trips_the_pixels() {
        let pixels: Vec<u8> = (0..3 * 4 * 5).map(|i| (i * 7) as u8).collect();
        let png = png_bytes(&pixels, 3, 4, 5).unwrap();
        let decoded = image::load_from_memory(&png).unwrap().to_rgb8();
        assert_eq!(decoded.dimensions(), (5, 4));
        assert_eq!(
            decoded.get_pixel(1, 0).0,
            [pixels[1], pixels[20 + 1], pixels[40 + 1]]
        );
    }

    #[test]
    fn the_fit_recovers_a_log_linear_law_and_its_residual_removes_it() {
        let complexity = [1.0f64, 2.0, 3.0, 4.0];
        let mse: Vec<f64> = complexity.iter().map(|l| (0.5 * l - 6.0).exp()).collect();
        let fit = fit(&mse, &complexity).unwrap();
        assert!((fit.slope - 0.5).abs() < 1e-12 && (fit.intercept + 6.0).abs() < 1e-12);
        assert!((fit.r_squared - 1.0).abs() < 1e-12);
        assert!(fit.corrected(mse[2], 3.0).abs() < 1e-12);
        assert!(fit.corrected(mse[2] * 2.0, 3.0) > 0.0);
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(fit(&[0.1], &[1.0]).is_err());
        assert!(fit(&[0.1, 0.2], &[1.0]).is_err());
        assert!(bits_per_dimension(&[0u8; 5], [1, 2, 2]).is_err());
        assert!(png_bytes(&[0u8; 8], 2, 2, 2).is_err());
    }
}
