//! Makes the binaries find libtorch at run time without LD_LIBRARY_PATH (rpath to the lib dir torch-sys
//! found), and keeps libtorch_cuda linked when the full CUDA wheel set was installed (the linker otherwise
//! drops it as "not needed" and CUDA is never registered; tch-rs issue #980). With the slim CPU set that
//! force-link would make the binary demand CUDA libraries that are not installed, so it follows the
//! variant that ci/setup-libtorch.sh recorded, not the mere presence of libtorch_cuda.so. Also compiles
//! the libtorch calls tch does not bind (`src/model/aten.cpp`) against the same headers.
use std::path::Path;

fn main() {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
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

/// Compiles `src/model/aten.cpp` against libtorch's headers with the flags torch-sys uses.
fn compile_kernels(lib_dir: &Path) {
    let source = "src/model/aten.cpp";
    println!("cargo:rerun-if-changed={source}");
    let cxx11_abi = std::env::var("LIBTORCH_CXX11_ABI").unwrap_or_else(|_| "1".into());
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
}
