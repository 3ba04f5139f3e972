//! The software and machine facts recorded with every result.
use serde::{Deserialize, Serialize};

use crate::model::aten::FlushDenormals;

/// Software and machine facts recorded with every result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    pub aerepro_version: String,
    pub tch_version: String,
    pub libtorch_version: String,
    /// "cpu" (slim wheel set) or "cuda" (full set), as installed by ci/setup-libtorch.sh.
    pub libtorch_variant: String,
    pub cuda_available: bool,
    pub cuda_device_count: i64,
    pub threads: i32,
    pub git_commit: Option<String>,
    /// The CPU's vector-instruction flags that oneDNN picks its kernels by (from /proc/cpuinfo;
    /// empty where unknown, and in version 1 records): two machines that differ here may round
    /// differently.
    #[serde(default)]
    pub cpu_features: Vec<String>,
    /// Whether subnormal floats were flushed to zero (`model::aten::flush_denormals`); None where
    /// the process never set it (libtorch's default, no flushing) and in older records.
    #[serde(default)]
    pub flush_denormals: Option<FlushDenormals>,
}

pub const TCH_VERSION: &str = "0.24.0";

impl Environment {
    pub fn capture() -> Self {
        Environment {
            aerepro_version: env!("CARGO_PKG_VERSION").into(),
            tch_version: TCH_VERSION.into(),
            libtorch_version: option_env!("AEREPRO_LIBTORCH_VERSION")
                .unwrap_or("unknown")
                .into(),
            libtorch_variant: option_env!("AEREPRO_LIBTORCH_VARIANT")
                .unwrap_or("unknown")
                .into(),
            cuda_available: tch::Cuda::is_available(),
            cuda_device_count: tch::Cuda::device_count(),
            threads: tch::get_num_threads(),
            git_commit: git_commit(),
            cpu_features: std::fs::read_to_string("/proc/cpuinfo")
                .map(|text| dispatch_features(&text))
                .unwrap_or_default(),
            flush_denormals: crate::model::aten::flush_denormals_status(),
        }
    }
}

/// The instruction-set flags oneDNN's CPU dispatch distinguishes (SSE4.1, AVX, AVX2, AVX-512
/// variants, AMX, VNNI, FMA, F16C), from the first `flags` line of /proc/cpuinfo, sorted.
pub fn dispatch_features(cpuinfo: &str) -> Vec<String> {
    let Some(flags) = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("flags").and_then(|l| l.split_once(':')))
        .map(|(_, flags)| flags)
    else {
        return Vec::new();
    };
    let mut features: Vec<String> = flags
        .split_whitespace()
        .filter(|flag| {
            ["avx", "amx", "sse4", "fma", "f16c"]
                .iter()
                .any(|prefix| flag.starts_with(prefix))
        })
        .map(str::to_string)
        .collect();
    features.sort();
    features.dedup();
    features
}

/// The commit this binary was built from (`<sha>` or `<sha>-dirty`, embedded by build.rs); `None`
/// when it was not built from a git checkout of aerepro.
pub fn git_commit() -> Option<String> {
    option_env!("AEREPRO_GIT_COMMIT").map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispatch_features_keep_the_vector_flags_sorted() {
        let cpuinfo =
            "processor\t: 0\nflags\t\t: fpu sse4_2 avx2 avx512f amx_tile fma pni avx\nflags : x";
        assert_eq!(
            dispatch_features(cpuinfo),
            ["amx_tile", "avx", "avx2", "avx512f", "fma", "sse4_2"]
        );
        assert!(dispatch_features("no flags here").is_empty());
    }
}
