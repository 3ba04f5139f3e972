//! `aerepro info`: versions, device, threads, and which datasets are present and verified.
use super::args::DataDirArg;
use crate::data::{self, DatasetKind};
use crate::run::environment::Environment;

pub fn run(args: &DataDirArg) -> anyhow::Result<()> {
    let env = Environment::capture();
    out!(
        "aerepro {} (commit {})",
        env.aerepro_version,
        env.git_commit
            .as_deref()
            .unwrap_or("unknown: not built from a git checkout")
    );
    out!(
        "tch {}, libtorch {} ({} wheel set)",
        env.tch_version,
        env.libtorch_version,
        env.libtorch_variant
    );
    out!(
        "CUDA available: {} ({} device(s)); CPU threads: {}",
        env.cuda_available,
        env.cuda_device_count,
        env.threads
    );
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    out!(
        "CPU: {}; subnormal floats flushed to zero: {}",
        crate::run::cpu::describe(&cpuinfo),
        env.flush_denormals.is_some_and(|f| f.active)
    );
    let dir = args.resolve();
    out!("data dir: {}", dir.display());
    let mut unavailable = Vec::new();
    for kind in [DatasetKind::Mnist, DatasetKind::Cifar10] {
        match data::load(kind, &dir) {
            Ok(loaded) => out!(
                "  {kind}: {} ({} variant; {} train, {} test images; checked: {})",
                if loaded.provenance.is_verified() {
                    "verified"
                } else {
                    "UNVERIFIED"
                },
                loaded.provenance.variant,
                loaded.train.len(),
                loaded.test.len(),
                loaded.provenance.checked
            ),
            Err(e) => {
                out!("  {kind}: NOT AVAILABLE: {e}");
                unavailable.push(kind.to_string());
            }
        }
    }
    if !unavailable.is_empty() {
        anyhow::bail!("not available: {}", unavailable.join(", "));
    }
    Ok(())
}
