#!/usr/bin/env bash
# Creates .venv-tools/ (git-ignored) with TensorBoard and tbparse, the real reader that
# tests/tracking_tensorboard.rs checks aerepro's event files with. Idempotent: returns at once when
# both import. Pinned versions.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv-tools
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if "$VENV/bin/python" -c "import tbparse, tensorboard" >/dev/null 2>&1; then
  echo "python tools: tensorboard $("$VENV/bin/python" -c 'import tensorboard; print(tensorboard.__version__)') and tbparse already in $VENV"
  exit 0
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
  tensorboard==2.21.0 tbparse==0.0.9 pandas
echo "python tools: installed tensorboard and tbparse into $VENV"
