//! What every figure shares: the models' colours, plotters' errors as `anyhow`, and the atomic
//! write of a figure file.
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};
use plotters::prelude::*;

use crate::model::ModelKind;

pub fn model_color(kind: ModelKind) -> RGBColor {
    match kind {
        ModelKind::Cae => RGBColor(31, 119, 180),
        ModelKind::Vae => RGBColor(255, 127, 14),
        ModelKind::Aae => RGBColor(44, 160, 44),
    }
}

pub fn plot_err<E: std::error::Error + Send + Sync + 'static>(
    e: DrawingAreaErrorKind<E>,
) -> anyhow::Error {
    anyhow!("drawing failed: {e}")
}

/// Draws a figure into a temporary file beside `path` and renames it into place; a failed draw
/// (a full disk, say) leaves neither a truncated figure nor the temporary file.
pub fn write_figure(
    path: PathBuf,
    draw: impl FnOnce(&Path) -> anyhow::Result<()>,
) -> anyhow::Result<PathBuf> {
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("png");
    let tmp = path.with_extension(format!("tmp.{extension}"));
    let drawn = draw(&tmp).and_then(|()| {
        std::fs::rename(&tmp, &path).with_context(|| format!("renaming onto {}", path.display()))
    });
    if drawn.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    drawn.map(|()| path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_draw_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("figure.png");
        let err = write_figure(path.clone(), |tmp| {
            std::fs::write(tmp, b"half a png")?;
            anyhow::bail!("no space left on device")
        })
        .unwrap_err();
        assert!(err.to_string().contains("no space"), "{err}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
