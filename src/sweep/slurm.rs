//! Slurm: a job array whose task `i` runs `aerepro sweep cell DIR` (the index comes from
//! `$SLURM_ARRAY_TASK_ID`), and a merge job that runs after every array task succeeded.
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};

use super::plan;

pub struct SlurmOptions {
    pub partition: Option<String>,
    pub time: Option<String>,
    pub cpus_per_task: u32,
    pub max_parallel: Option<usize>,
    pub data_dir: PathBuf,
    /// `--requeue`: Slurm reruns an array task whose host failed; the rerun resumes the cell from
    /// its finished checkpoint, and the task's log is appended to (`--open-mode=append`).
    pub requeue: bool,
}

pub struct Scripts {
    pub array: PathBuf,
    pub merge: PathBuf,
}

fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    std::path::absolute(path).with_context(|| format!("resolving {}", path.display()))
}

/// Single-quoted for the shell.
fn quoted(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

fn header(name: &str, log: &Path, options: &SlurmOptions) -> String {
    let mut lines = vec![
        "#!/bin/bash".to_string(),
        format!("#SBATCH --job-name={name}"),
        format!("#SBATCH --output={}", log.display()),
        format!("#SBATCH --cpus-per-task={}", options.cpus_per_task),
    ];
    if let Some(p) = &options.partition {
        lines.push(format!("#SBATCH --partition={p}"));
    }
    if let Some(t) = &options.time {
        lines.push(format!("#SBATCH --time={t}"));
    }
    if options.requeue {
        lines.push("#SBATCH --requeue".to_string());
        lines.push("#SBATCH --open-mode=append".to_string());
    }
    lines.join("\n")
}

/// The array script: `--array=0-(N-1)[%M]`, one log per task under `DIR/slurm/logs/`.
pub fn array_script(
    dir: &Path,
    exe: &Path,
    cells: usize,
    options: &SlurmOptions,
) -> anyhow::Result<String> {
    if cells == 0 {
        bail!("the plan in {} has no cells", dir.display());
    }
    let limit = options
        .max_parallel
        .map_or(String::new(), |m| format!("%{m}"));
    Ok(format!(
        "{}\n#SBATCH --array=0-{}{limit}\nset -euo pipefail\n\
         echo \"array task $SLURM_ARRAY_TASK_ID on ${{SLURMD_NODENAME:-?}}, restart ${{SLURM_RESTART_COUNT:-0}}\"\n\
         exec {} sweep cell {} --threads \"$SLURM_CPUS_PER_TASK\" --data-dir {}\n",
        header(
            "aerepro-sweep",
            &dir.join("slurm/logs/cell-%a.log"),
            options
        ),
        cells - 1,
        quoted(exe),
        quoted(dir),
        quoted(&options.data_dir),
    ))
}

pub fn merge_script(dir: &Path, exe: &Path, options: &SlurmOptions) -> String {
    let options = SlurmOptions {
        cpus_per_task: 1,
        partition: options.partition.clone(),
        time: None,
        max_parallel: None,
        data_dir: options.data_dir.clone(),
        requeue: false,
    };
    format!(
        "{}\nset -euo pipefail\nexec {} sweep merge {}\n",
        header("aerepro-merge", &dir.join("slurm/logs/merge.log"), &options),
        quoted(exe),
        quoted(dir),
    )
}

/// Writes `DIR/slurm/array.sbatch` and `DIR/slurm/merge.sbatch` (absolute paths inside, so they can
/// be submitted from anywhere on a shared filesystem).
pub fn write_scripts(dir: &Path, options: &SlurmOptions) -> anyhow::Result<Scripts> {
    let plan = plan::read(dir)?;
    let dir = absolute(dir)?;
    let options = SlurmOptions {
        data_dir: absolute(&options.data_dir)?,
        partition: options.partition.clone(),
        time: options.time.clone(),
        ..*options
    };
    let exe = std::env::current_exe().context("locating the aerepro executable")?;
    let slurm_dir = dir.join("slurm");
    std::fs::create_dir_all(slurm_dir.join("logs"))
        .with_context(|| format!("creating {}", slurm_dir.display()))?;
    let scripts = Scripts {
        array: slurm_dir.join("array.sbatch"),
        merge: slurm_dir.join("merge.sbatch"),
    };
    let array = array_script(&dir, &exe, plan.cells.len(), &options)?;
    crate::store::atomic::write_atomic(&scripts.array, array.as_bytes())?;
    crate::store::atomic::write_atomic(
        &scripts.merge,
        merge_script(&dir, &exe, &options).as_bytes(),
    )?;
    Ok(scripts)
}

fn sbatch(args: &[&str], script: &Path) -> anyhow::Result<String> {
    let output = Command::new("sbatch")
        .arg("--parsable")
        .args(args)
        .arg(script)
        .output()
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                anyhow::anyhow!(
                    "sbatch not found: Slurm is not installed here. `aerepro sweep run DIR` runs \
                     the same cells locally without it (or start a local cluster with \
                     ci/slurm-local.sh start)"
                )
            } else {
                anyhow::Error::new(e).context("running sbatch")
            }
        })?;
    if !output.status.success() {
        bail!(
            "sbatch {} failed: {}",
            script.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let id = text.trim().split(';').next().unwrap_or("").to_string();
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
        bail!("sbatch printed '{}', not a job id", text.trim());
    }
    Ok(id)
}

/// Submits the array, then the merge job with `--dependency=afterok:<array id>`.
pub fn submit(scripts: &Scripts) -> anyhow::Result<(String, String)> {
    let array = sbatch(&[], &scripts.array)?;
    let merge = sbatch(&[&format!("--dependency=afterok:{array}")], &scripts.merge)?;
    Ok((array, merge))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_array_script_covers_every_cell_with_the_parallel_limit() {
        let options = SlurmOptions {
            partition: Some("cpu".into()),
            time: Some("00:30:00".into()),
            cpus_per_task: 2,
            max_parallel: Some(4),
            data_dir: "/data".into(),
            requeue: true,
        };
        let script = array_script(
            Path::new("/sweeps/a b"),
            Path::new("/bin/aerepro"),
            180,
            &options,
        )
        .unwrap();
        assert!(script.contains("#SBATCH --array=0-179%4\n"), "{script}");
        assert!(script.contains("#SBATCH --cpus-per-task=2\n"));
        assert!(script.contains("#SBATCH --partition=cpu\n"));
        assert!(script.contains("#SBATCH --time=00:30:00\n"));
        assert!(script.contains("#SBATCH --requeue\n#SBATCH --open-mode=append\n"));
        assert!(
            script.contains("restart ${SLURM_RESTART_COUNT:-0}"),
            "{script}"
        );
        assert!(script.contains("--output=/sweeps/a b/slurm/logs/cell-%a.log"));
        assert!(script.contains(
            "exec '/bin/aerepro' sweep cell '/sweeps/a b' --threads \"$SLURM_CPUS_PER_TASK\""
        ));
        let merge = merge_script(Path::new("/s"), Path::new("/bin/aerepro"), &options);
        assert!(merge.contains("exec '/bin/aerepro' sweep merge '/s'"));
        assert!(!merge.contains("--array"));
    }
}
