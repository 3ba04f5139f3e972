#!/usr/bin/env bash
# Creates .venv-torch/ (git-ignored) with the FULL PyPI torch==2.11.0 wheel set (the CUDA 13 build is the
# only Linux torch on PyPI; ~2.6 GB download, ~4.7 GB on disk) plus numpy. Used by ci/torch_reference.py
# and ci/side_by_side.sh. The slim libtorch in .libtorch/ (what tch links) cannot be imported from Python,
# hence this separate venv. Same libtorch version as aerepro links (tch 0.24.0 <-> torch 2.11.0), so both
# sides call the same kernels. Idempotent: returns at once when `import torch` already reports 2.11.0.
set -euo pipefail
cd "$(dirname "$0")/.."

TORCH_VERSION=2.11.0
VENV=.venv-torch

if [ -x "$VENV/bin/python" ] && \
   [ "$("$VENV/bin/python" -c 'import torch, numpy; print(torch.__version__.split("+")[0])' 2>/dev/null)" = "$TORCH_VERSION" ]; then
  echo "torch-venv: torch $TORCH_VERSION already in $VENV"
  exit 0
fi
command -v python3 >/dev/null || { echo "python3 (with venv and pip) is required" >&2; exit 1; }
start=$(date +%s)
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "torch==$TORCH_VERSION" numpy
"$VENV/bin/python" -c 'import torch; print("torch-venv: torch", torch.__version__, "threads", torch.get_num_threads())'
echo "torch-venv: done in $(( $(date +%s) - start )) s, $(du -sh "$VENV" | cut -f1) on disk"
