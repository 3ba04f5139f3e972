//! Tables in the README and docs rendered from committed results, so that they cannot go stale.
//!
//! Two layers:
//! - **Rendered files.** Every `results/**/*.json` with a top-level `"render"` field is the source of
//!   the Markdown file beside it (same path, `.md`), written by the renderer that field names
//!   ([`RENDERERS`]). A JSON file without the field is data only and is left alone.
//! - **Include blocks.** `README.md` and every `docs/**/*.md` may hold blocks
//!   `<!-- include PATH -->` … `<!-- end include -->`; the lines between the two markers are the
//!   content of `PATH` (relative to the repository root).
//!
//! [`render`] (`aerepro docs render`) rewrites the rendered files from their JSON, then every
//! include block from its file. [`check`] (`aerepro docs check`, and `tests/docs_tables.rs`) writes
//! nothing and lists every rendered file or block that differs from what [`render`] would write.

pub mod claims_table;
pub mod paper_table;
pub mod reference;

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// Directory (relative to the root) searched for result JSON.
pub const RESULTS_DIR: &str = "results";
/// The Markdown files whose include blocks are kept in sync: this one and `docs/**/*.md`.
pub const README: &str = "README.md";
/// Directory of the documentation.
pub const DOCS_DIR: &str = "docs";

const INCLUDE_START: &str = "<!-- include ";
const INCLUDE_END: &str = "<!-- end include -->";

/// A renderer: the `"render"` value it answers to, and the function from the JSON value to Markdown.
pub struct Renderer {
    pub name: &'static str,
    /// Markdown from the JSON value (and files it names, relative to the repository root).
    pub render: fn(&Path, &serde_json::Value) -> Result<String>,
}

/// Every renderer a result JSON may name. Add a line here for a new kind of table.
pub const RENDERERS: &[Renderer] = &[
    Renderer {
        name: paper_table::RENDER_NAME,
        render: |_, value| paper_table::render_value(value),
    },
    Renderer {
        name: crate::report::score_table::RENDER_NAME,
        render: |_, value| crate::report::score_table::render_value(value),
    },
    Renderer {
        name: crate::sweep::summary::RENDER_NAME,
        render: |_, value| crate::report::sweep::render_value(value),
    },
    Renderer {
        name: reference::RENDER_NAME,
        render: reference::render_value,
    },
    Renderer {
        name: claims_table::RENDER_NAME,
        render: claims_table::render_value,
    },
];

/// One file or block out of date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    /// The file that differs (relative to the root).
    pub path: PathBuf,
    /// What differs in it.
    pub what: String,
}

impl fmt::Display for Stale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.what)
    }
}

/// A rendered file: its source JSON and the Markdown its renderer writes.
struct RenderedFile {
    markdown: PathBuf,
    text: String,
}

fn read(root: &Path, rel: &Path) -> Result<String> {
    let path = root.join(rel);
    std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
}

/// `dir` and its subdirectories' files ending in `.ext`, relative to `root`, sorted.
fn files_with_extension(root: &Path, dir: &str, ext: &str) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut pending = vec![PathBuf::from(dir)];
    while let Some(rel) = pending.pop() {
        let abs = root.join(&rel);
        if !abs.is_dir() {
            continue;
        }
        for entry in
            std::fs::read_dir(&abs).with_context(|| format!("listing {}", abs.display()))?
        {
            let entry = entry.with_context(|| format!("listing {}", abs.display()))?;
            let child = rel.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                pending.push(child);
            } else if child.extension().is_some_and(|e| e == ext) {
                found.push(child);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Renders one result JSON, or None when it names no renderer.
fn render_json(root: &Path, json: &Path) -> Result<Option<RenderedFile>> {
    let text = read(root, json)?;
    let value: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{}: not JSON", json.display()))?;
    let Some(name) = value.get("render") else {
        return Ok(None);
    };
    let Some(name) = name.as_str() else {
        bail!(
            "{}: \"render\" is {name}, expected a string",
            json.display()
        );
    };
    let Some(renderer) = RENDERERS.iter().find(|r| r.name == name) else {
        let known: Vec<&str> = RENDERERS.iter().map(|r| r.name).collect();
        bail!(
            "{}: \"render\": \"{name}\" names no renderer (known: {})",
            json.display(),
            known.join(", ")
        );
    };
    let markdown =
        (renderer.render)(root, &value).with_context(|| format!("rendering {}", json.display()))?;
    Ok(Some(RenderedFile {
        markdown: json.with_extension("md"),
        text: markdown,
    }))
}

fn rendered_files(root: &Path) -> Result<Vec<RenderedFile>> {
    let mut out = Vec::new();
    for json in files_with_extension(root, RESULTS_DIR, "json")? {
        out.extend(render_json(root, &json)?);
    }
    Ok(out)
}

/// The Markdown files whose include blocks are kept in sync.
fn documents(root: &Path) -> Result<Vec<PathBuf>> {
    let mut docs = vec![PathBuf::from(README)];
    docs.extend(files_with_extension(root, DOCS_DIR, "md")?);
    Ok(docs)
}

/// `text` with every include block's content replaced by its file (as `source` gives it). Errors
/// name `doc` and the line of a block that is not closed or names a file that cannot be read.
pub fn expand_includes(
    doc: &Path,
    text: &str,
    source: &mut dyn FnMut(&Path) -> Result<String>,
) -> Result<String> {
    let mut out = String::with_capacity(text.len());
    let mut lines = text.split_inclusive('\n').enumerate();
    while let Some((index, line)) = lines.next() {
        out.push_str(line);
        let Some(target) = include_target(line) else {
            continue;
        };
        let target = target.with_context(|| format!("{}:{}", doc.display(), index + 1))?;
        let closed = lines.by_ref().any(|(_, l)| l.trim_end() == INCLUDE_END);
        if !closed {
            bail!(
                "{}:{}: `{INCLUDE_START}{} -->` has no `{INCLUDE_END}` after it",
                doc.display(),
                index + 1,
                target.display()
            );
        }
        let content = source(&target).with_context(|| {
            format!(
                "{}:{}: include {}",
                doc.display(),
                index + 1,
                target.display()
            )
        })?;
        out.push_str(&content);
        if !content.is_empty() && !content.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(INCLUDE_END);
        out.push('\n');
    }
    Ok(out)
}

/// The path of an include marker line, None for any other line.
fn include_target(line: &str) -> Option<Result<PathBuf>> {
    let rest = line.trim().strip_prefix(INCLUDE_START)?;
    let path = rest.strip_suffix("-->").map(str::trim);
    Some(match path {
        Some(p) if !p.is_empty() && !p.starts_with("end") => Ok(PathBuf::from(p)),
        _ => Err(anyhow::anyhow!(
            "include marker `{}` is not `{INCLUDE_START}PATH -->`",
            line.trim()
        )),
    })
}

/// What every rendered file and every document should hold: (path, expected text, current text).
fn expected(root: &Path) -> Result<Vec<(PathBuf, String, Option<String>)>> {
    let rendered = rendered_files(root)?;
    let mut out = Vec::new();
    for file in &rendered {
        let current = std::fs::read_to_string(root.join(&file.markdown)).ok();
        out.push((file.markdown.clone(), file.text.clone(), current));
    }
    let mut source = |target: &Path| -> Result<String> {
        match rendered.iter().find(|f| f.markdown == target) {
            Some(f) => Ok(f.text.clone()),
            None => read(root, target),
        }
    };
    for doc in documents(root)? {
        let current = read(root, &doc)?;
        let expanded = expand_includes(&doc, &current, &mut source)?;
        out.push((doc, expanded, Some(current)));
    }
    Ok(out)
}

/// Rewrites every rendered file from its JSON and every include block from its file; returns the
/// paths it changed.
pub fn render(root: &Path) -> Result<Vec<PathBuf>> {
    let mut changed = Vec::new();
    for (path, text, current) in expected(root)? {
        if current.as_deref() != Some(text.as_str()) {
            crate::store::atomic::write_atomic(&root.join(&path), text.as_bytes())?;
            changed.push(path);
        }
    }
    Ok(changed)
}

/// Every rendered file and include block that differs from what [`render`] would write (empty when
/// all are current). Writes nothing.
pub fn check(root: &Path) -> Result<Vec<Stale>> {
    let mut stale = Vec::new();
    for (path, text, current) in expected(root)? {
        match current {
            None => stale.push(Stale {
                path,
                what: "missing (rendered from its JSON)".into(),
            }),
            Some(current) if current != text => {
                let line = first_difference(&current, &text);
                stale.push(Stale {
                    path,
                    what: format!("differs from the rendered text from line {line}"),
                });
            }
            Some(_) => {}
        }
    }
    Ok(stale)
}

/// 1-based number of the first line where `a` and `b` differ.
fn first_difference(a: &str, b: &str) -> usize {
    let mut a_lines = a.lines();
    let mut b_lines = b.lines();
    let mut line = 1;
    while let (Some(x), Some(y)) = (a_lines.next(), b_lines.next()) {
        if x != y {
            return line;
        }
        line += 1;
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(text: &str, content: &str) -> Result<String> {
        expand_includes(Path::new("doc.md"), text, &mut |_| Ok(content.to_string()))
    }

    #[test]
    fn a_block_gets_the_file_and_the_rest_is_kept() {
        let doc = "# t\n<!-- include results/a.md -->\nold\nlines\n<!-- end include -->\ntail\n";
        let out = expand(doc, "| a |\n").unwrap();
        assert_eq!(
            out,
            "# t\n<!-- include results/a.md -->\n| a |\n<!-- end include -->\ntail\n"
        );
        assert_eq!(
            expand(&out, "| a |\n").unwrap(),
            out,
            "rendering twice changes nothing"
        );
    }

    #[test]
    fn an_unclosed_or_malformed_block_is_an_error_naming_the_line() {
        let err = expand("x\n<!-- include a.md -->\nno end\n", "").unwrap_err();
        assert!(format!("{err:#}").contains("doc.md:2"), "{err:#}");
        let err = expand("<!-- include -->\n<!-- end include -->\n", "").unwrap_err();
        assert!(format!("{err:#}").contains("doc.md:1"), "{err:#}");
    }

    #[test]
    fn check_finds_a_stale_block_and_render_fixes_it() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("results")).unwrap();
        std::fs::create_dir_all(root.join("docs")).unwrap();
        std::fs::write(root.join("results/t.md"), "| new |\n").unwrap();
        std::fs::write(root.join("results/data.json"), "{\"no\": \"render field\"}").unwrap();
        let block = "<!-- include results/t.md -->\n| old |\n<!-- end include -->\n";
        std::fs::write(root.join("README.md"), block).unwrap();
        std::fs::write(root.join("docs/x.md"), "no blocks\n").unwrap();
        let stale = check(root).unwrap();
        assert_eq!(stale.len(), 1, "{stale:?}");
        assert_eq!(stale[0].path, PathBuf::from("README.md"));
        assert!(stale[0].what.contains("line 2"), "{}", stale[0]);
        assert_eq!(render(root).unwrap(), vec![PathBuf::from("README.md")]);
        assert!(check(root).unwrap().is_empty());
    }

    #[test]
    fn an_unknown_renderer_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("results/x")).unwrap();
        std::fs::write(root.join("results/x/t.json"), "{\"render\": \"pie-chart\"}").unwrap();
        std::fs::write(root.join("README.md"), "").unwrap();
        let err = format!("{:#}", check(root).unwrap_err());
        assert!(
            err.contains("results/x/t.json") && err.contains("pie-chart"),
            "{err}"
        );
    }
}
