//! Makes the binaries find libtorch at run time without LD_LIBRARY_PATH (rpath to the lib dir torch-sys
//! found), and keeps libtorch_cuda linked when the full CUDA wheel set was installed (the linker otherwise
//! drops it as "not needed" and CUDA is never registered; tch-rs issue #980). With the slim CPU set that
//! force-link would make the binary demand CUDA libraries that are not installed, so it follows the
//! variant that ci/setup-libtorch.sh recorded, not the mere presence of libtorch_cuda.so. Also compiles
//! the libtorch calls tch does not bind (`src/model/aten.cpp`) against the same headers, and embeds the
//! crate's own git commit (see [`embed_git_commit`]).
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    embed_git_commit(Path::new(&manifest_dir));
    let variant_file = Path::new(&manifest_dir).join(".libtorch/variant");
    println!("cargo:rerun-if-changed={}", variant_file.display());
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");

    let Ok(lib_dir) = std::env::var("DEP_TCH_LIBTORCH_LIB") else {
        println!(
            "cargo:warning=torch-sys did not report a libtorch lib dir; run `ci/setup-libtorch.sh`"
        );
        return;
    };
    println!("cargo:rustc-link-arg=-Wl,-rpath,{lib_dir}");
    compile_kernels(Path::new(&lib_dir));
    let version_py = Path::new(&lib_dir).join("../version.py");
    let version = std::fs::read_to_string(&version_py)
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|line| line.strip_prefix("__version__ = "))
                .map(|v| v.trim_matches(['\'', '"']).to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=AEREPRO_LIBTORCH_VERSION={version}");

    let variant = std::fs::read_to_string(&variant_file).unwrap_or_default();
    println!(
        "cargo:rustc-env=AEREPRO_LIBTORCH_VARIANT={}",
        variant.trim()
    );
    if variant.trim() == "cuda" {
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed");
        println!("cargo:rustc-link-arg=-ltorch_cuda");
        println!("cargo:rustc-link-arg=-ltorch");
    }
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Sets `AEREPRO_GIT_COMMIT` to the commit of the repository whose top level is this crate ("<sha>",
/// or "<sha>-dirty" when tracked files differ from it), so a record names the build's source, never
/// the repository of the directory the binary runs in. Unset outside a git checkout of the crate
/// (e.g. a crate tarball unpacked inside another repository).
fn embed_git_commit(manifest_dir: &Path) {
    for watched in ["src", "build.rs", "Cargo.toml", "Cargo.lock"] {
        println!(
            "cargo:rerun-if-changed={}",
            manifest_dir.join(watched).display()
        );
    }
    let top_level = git(manifest_dir, &["rev-parse", "--show-toplevel"]).map(PathBuf::from);
    let is_crate_repo = top_level
        .and_then(|top| top.canonicalize().ok())
        .zip(manifest_dir.canonicalize().ok())
        .is_some_and(|(top, manifest)| top == manifest);
    if !is_crate_repo {
        return;
    }
    for file in ["HEAD", "index"] {
        if let Some(path) = git(manifest_dir, &["rev-parse", "--git-path", file]) {
            println!(
                "cargo:rerun-if-changed={}",
                manifest_dir.join(path).display()
            );
        }
    }
    if let Some(git_dir) = git(manifest_dir, &["rev-parse", "--git-common-dir"]) {
        let common = manifest_dir.join(git_dir);
        println!("cargo:rerun-if-changed={}", common.join("refs").display());
        println!(
            "cargo:rerun-if-changed={}",
            common.join("packed-refs").display()
        );
    }
    let Some(commit) = git(manifest_dir, &["rev-parse", "HEAD"]) else {
        return;
    };
    let dirty = git(
        manifest_dir,
        &["status", "--porcelain", "--untracked-files=no"],
    )
    .is_none_or(|status| !status.is_empty());
    let suffix = if dirty { "-dirty" } else { "" };
    println!("cargo:rustc-env=AEREPRO_GIT_COMMIT={commit}{suffix}");
}

/// Compiles `src/model/aten.cpp` against libtorch's headers with the flags torch-sys uses. The build
/// script also reruns when other sources change (for the commit above); an unchanged kernel is then
/// linked from the last compile instead of compiled again.
fn compile_kernels(lib_dir: &Path) {
    let source = "src/model/aten.cpp";
    println!("cargo:rerun-if-changed={source}");
    let cxx11_abi = std::env::var("LIBTORCH_CXX11_ABI").unwrap_or_else(|_| "1".into());
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let stamp = format!(
        "{}\n{}\n{cxx11_abi}\n",
        std::fs::read_to_string(source).unwrap_or_default(),
        lib_dir.display()
    );
    let stamp_file = out_dir.join("aerepro_kernels.stamp");
    let library = out_dir.join("libaerepro_kernels.a");
    if library.exists() && std::fs::read_to_string(&stamp_file).ok() == Some(stamp.clone()) {
        println!("cargo:rustc-link-lib=static=aerepro_kernels");
        println!("cargo:rustc-link-search=native={}", out_dir.display());
        println!("cargo:rustc-link-lib=stdc++");
        return;
    }
    let _ = std::fs::remove_file(&stamp_file);
    cc::Build::new()
        .cpp(true)
        .pic(true)
        .warnings(false)
        .include(lib_dir.join("../include"))
        .flag("-std=c++17")
        .flag(format!("-D_GLIBCXX_USE_CXX11_ABI={cxx11_abi}"))
        .flag("-DGLOG_USE_GLOG_EXPORT")
        .file(source)
        .compile("aerepro_kernels");
    std::fs::write(&stamp_file, stamp).expect("writing the kernel stamp in OUT_DIR");
}
