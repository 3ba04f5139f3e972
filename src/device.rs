//! Where tensors live: `--device auto|cpu|cuda`.
use serde::{Deserialize, Serialize};
use tch::Device;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum DeviceChoice {
    /// CUDA device 0 when libtorch sees one, else the CPU.
    #[default]
    Auto,
    Cpu,
    Cuda,
}

#[derive(Debug, thiserror::Error)]
#[error("--device cuda was requested but libtorch sees no CUDA device (installed libtorch variant: {variant}; on a GPU machine run `AEREPRO_LIBTORCH=cuda ci/setup-libtorch.sh` and rebuild)")]
pub struct CudaUnavailable {
    pub variant: &'static str,
}

impl DeviceChoice {
    pub fn resolve(self) -> Result<Device, CudaUnavailable> {
        match self {
            DeviceChoice::Cpu => Ok(Device::Cpu),
            DeviceChoice::Auto => Ok(Device::cuda_if_available()),
            DeviceChoice::Cuda if tch::Cuda::is_available() => Ok(Device::Cuda(0)),
            DeviceChoice::Cuda => Err(CudaUnavailable {
                variant: option_env!("AEREPRO_LIBTORCH_VARIANT").unwrap_or("unknown"),
            }),
        }
    }
}
