//! The output directory of a run: what an earlier run left there, and whether this run may write.
//!
//! A directory holding an earlier run's record, table, checkpoints or figures is refused unless the
//! caller resumes it (verified checkpoints are reused, the rest rewritten) or forces (the earlier
//! run's files are removed first). The caller holds the directory's [`crate::store::lock::DirLock`], so any
//! temporary file found there is left over from a killed run and is removed.
use std::path::Path;

use anyhow::{bail, Context};

use super::atomic::PARTIAL_PREFIX;
use super::layout::{CHECKPOINTS, FIGURES, RECORD, TABLE};

/// The files of an earlier run found in a directory.
#[derive(Debug, Default, PartialEq)]
pub struct EarlierRun {
    /// A description of `record.json`, if there is one.
    pub record: Option<String>,
    pub checkpoints: usize,
    pub table: bool,
    pub figures: usize,
}

impl EarlierRun {
    pub fn is_empty(&self) -> bool {
        *self == EarlierRun::default()
    }

    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(record) = &self.record {
            parts.push(record.clone());
        }
        if self.checkpoints > 0 {
            parts.push(format!("{} checkpoint(s)", self.checkpoints));
        }
        if self.table {
            parts.push(TABLE.to_string());
        }
        if self.figures > 0 {
            parts.push(format!("{} figure file(s)", self.figures));
        }
        parts.join(", ")
    }
}

/// What `record.json` holds, in a few words ("a finished run: MNIST, CAE+VAE, seeds [0], 1 epoch").
pub fn describe_record(bytes: &[u8]) -> String {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return format!("{RECORD} (corrupt: not JSON)");
    };
    let config = &value["config"];
    let (Some(complete), Some(dataset)) = (value["complete"].as_bool(), config["dataset"].as_str())
    else {
        return format!("{RECORD} (corrupt: not a run record)");
    };
    let names = |v: &serde_json::Value| {
        v.as_array()
            .map(|a| {
                a.iter()
                    .map(|x| x.to_string().trim_matches('"').to_string())
                    .collect::<Vec<_>>()
                    .join("+")
            })
            .unwrap_or_default()
    };
    format!(
        "{RECORD} of {} run ({dataset}, models {}, seeds [{}], {} epoch(s), {} model run(s) done)",
        if complete {
            "a finished"
        } else {
            "an unfinished"
        },
        names(&config["models"]),
        names(&config["seeds"]).replace('+', ", "),
        config["train"]["epochs"],
        value["runs"].as_array().map_or(0, Vec::len),
    )
}

fn count_files(dir: &Path, keep: impl Fn(&str) -> bool) -> anyhow::Result<usize> {
    if !dir.exists() {
        return Ok(0);
    }
    let entries = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    let mut count = 0;
    for entry in entries {
        let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
        if keep(&entry.file_name().to_string_lossy()) {
            count += 1;
        }
    }
    Ok(count)
}

/// The earlier run's files in `dir` (none when `dir` does not exist).
pub fn inspect(dir: &Path) -> anyhow::Result<EarlierRun> {
    let record_path = dir.join(RECORD);
    let record = match std::fs::read(&record_path) {
        Ok(bytes) => Some(describe_record(&bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("reading {}", record_path.display())),
    };
    Ok(EarlierRun {
        record,
        checkpoints: count_files(&dir.join(CHECKPOINTS), |name| {
            name.ends_with(".safetensors") && !name.starts_with(PARTIAL_PREFIX)
        })?,
        table: dir.join(TABLE).exists(),
        figures: count_files(&dir.join(FIGURES), |_| true)?,
    })
}

/// Removes the temporary files of killed runs from `dir` and its checkpoint directory.
pub fn remove_partials(dir: &Path) -> anyhow::Result<()> {
    for sub in [dir.to_path_buf(), dir.join(CHECKPOINTS)] {
        if !sub.exists() {
            continue;
        }
        for entry in
            std::fs::read_dir(&sub).with_context(|| format!("reading {}", sub.display()))?
        {
            let path = entry?.path();
            let partial = path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(PARTIAL_PREFIX));
            if partial && path.is_file() {
                std::fs::remove_file(&path)
                    .with_context(|| format!("removing the leftover {}", path.display()))?;
            }
        }
    }
    Ok(())
}

fn remove_earlier_run(dir: &Path) -> anyhow::Result<()> {
    for file in [RECORD, TABLE] {
        let path = dir.join(file);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e).with_context(|| format!("removing {}", path.display()))
            }
            _ => {}
        }
    }
    for sub in [CHECKPOINTS, FIGURES] {
        let path = dir.join(sub);
        if path.exists() {
            std::fs::remove_dir_all(&path)
                .with_context(|| format!("removing {}", path.display()))?;
        }
    }
    Ok(())
}

/// Makes `dir` ready for a run, or refuses: see the module documentation. The caller holds its lock.
pub fn prepare(dir: &Path, resume: bool, force: bool) -> anyhow::Result<()> {
    remove_partials(dir)?;
    let earlier = inspect(dir)?;
    if earlier.is_empty() {
        return Ok(());
    }
    if resume {
        if let Some(record) = earlier.record.as_deref().filter(|r| r.contains("corrupt")) {
            eprintln!(
                "WARNING: {} holds {record}; it is rebuilt from the verified checkpoints",
                dir.display()
            );
        }
        return Ok(());
    }
    if force {
        eprintln!(
            "replacing the earlier run in {}: {}",
            dir.display(),
            earlier.describe()
        );
        return remove_earlier_run(dir);
    }
    bail!(
        "{} already holds {}; pass --resume to continue it (verified checkpoints are reused) or --force to replace it",
        dir.display(),
        earlier.describe()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_or_missing_directory_is_ready() {
        let dir = tempfile::tempdir().unwrap();
        prepare(dir.path(), false, false).unwrap();
        prepare(&dir.path().join("new"), false, false).unwrap();
    }

    #[test]
    fn an_earlier_record_is_refused_and_named_unless_resumed_or_forced() {
        let dir = tempfile::tempdir().unwrap();
        let record = r#"{"complete": true, "config": {"dataset": "mnist", "models": ["cae"], "seeds": [0], "train": {"epochs": 1}}, "runs": [{}]}"#;
        std::fs::write(dir.path().join(RECORD), record).unwrap();
        std::fs::create_dir(dir.path().join(CHECKPOINTS)).unwrap();
        std::fs::write(dir.path().join("checkpoints/a.safetensors"), "x").unwrap();
        let refused = prepare(dir.path(), false, false).unwrap_err().to_string();
        assert!(
            refused.contains("record.json of a finished run (mnist, models cae")
                && refused.contains("1 checkpoint(s)")
                && refused.contains("--resume")
                && refused.contains("--force"),
            "{refused}"
        );
        prepare(dir.path(), true, false).unwrap();
        assert!(dir.path().join(RECORD).exists(), "resume keeps the files");
        prepare(dir.path(), false, true).unwrap();
        assert!(
            inspect(dir.path()).unwrap().is_empty(),
            "force removes them"
        );
    }

    #[test]
    fn a_corrupt_record_is_named_as_such() {
        assert_eq!(
            describe_record(b"{\"comp"),
            "record.json (corrupt: not JSON)"
        );
        assert_eq!(
            describe_record(b"[1, 2]"),
            "record.json (corrupt: not a run record)"
        );
    }

    #[test]
    fn leftover_temporaries_are_removed_and_other_files_kept() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(CHECKPOINTS)).unwrap();
        let partial = dir.path().join("checkpoints/.partial-abc.safetensors");
        std::fs::write(&partial, "x").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "x").unwrap();
        prepare(dir.path(), false, false).unwrap();
        assert!(!partial.exists());
        assert!(dir.path().join("notes.txt").exists());
    }
}
