#!/usr/bin/env bash
# Installs libtorch 2.11.0 (the version tch 0.24.0 pins) from PyPI wheels into .libtorch/ (git-ignored).
#   cpu  (default without an NVIDIA GPU): torch --no-deps + the two CUDA runtime wheels libtorch_cpu links
#        against (~1.3 GB). `import torch` in Python does not work with this set; tch does.
#   cuda (default when nvidia-smi sees a GPU, or AEREPRO_LIBTORCH=cuda): the full wheel set (~4.7 GB).
# The chosen variant is written to .libtorch/variant; build.rs reads it to decide how to link.
# Idempotent: does nothing when the requested variant is already installed.
set -euo pipefail
cd "$(dirname "$0")/.."

TORCH_VERSION=2.11.0
CUDART_VERSION=13.0.96
CUPTI_VERSION=13.0.85
DEST=.libtorch
SITE="$DEST/site"

variant="${AEREPRO_LIBTORCH:-}"
if [ -z "$variant" ]; then
  if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then variant=cuda; else variant=cpu; fi
fi
case "$variant" in cpu|cuda) ;; *) echo "AEREPRO_LIBTORCH must be cpu or cuda, got '$variant'" >&2; exit 2;; esac

# torch-sys checks $LIBTORCH/build-version against the version tch pins and fails with a clear message on a
# mismatch (the wheel itself does not ship that file).
write_build_version() {
  sed -n "s/^__version__ = '\(.*\)'/\1/p" "$SITE/torch/version.py" > "$SITE/torch/build-version"
}

stamp="$variant torch==$TORCH_VERSION"
if [ -f "$DEST/variant" ] && [ "$(cat "$DEST/stamp" 2>/dev/null)" = "$stamp" ] && [ -f "$SITE/torch/lib/libtorch_cpu.so" ]; then
  [ -f "$SITE/torch/build-version" ] || write_build_version
  echo "libtorch: $stamp already installed in $DEST"
  exit 0
fi

command -v python3 >/dev/null || { echo "python3 with pip is required to fetch the torch wheel from PyPI" >&2; exit 1; }
start=$(date +%s)
rm -rf "$DEST"
mkdir -p "$SITE"
echo "libtorch: installing $stamp into $SITE ..."
if [ "$variant" = cpu ]; then
  python3 -m pip install --quiet --disable-pip-version-check --no-deps --target "$SITE" \
    "torch==$TORCH_VERSION" "nvidia-cuda-runtime==$CUDART_VERSION.*" "nvidia-cuda-cupti==$CUPTI_VERSION.*"
else
  python3 -m pip install --quiet --disable-pip-version-check --target "$SITE" "torch==$TORCH_VERSION"
fi
write_build_version
echo "$variant" > "$DEST/variant"
echo "$stamp" > "$DEST/stamp"
echo "libtorch: done in $(( $(date +%s) - start )) s, $(du -sh "$DEST" | cut -f1) on disk"
