#!/usr/bin/env bash
# Creates the project Python venv (.venv/, git-ignored) with scikit-learn and numpy, used by
# ci/sklearn_golden.py and ci/bench_vs_sklearn.sh. Idempotent: returns at once when both import.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
if .venv/bin/python -c "import sklearn, numpy" >/dev/null 2>&1; then
  echo "python: scikit-learn $(.venv/bin/python -c 'import sklearn; print(sklearn.__version__)') already in .venv"
  exit 0
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check scikit-learn numpy
echo "python: installed scikit-learn $(.venv/bin/python -c 'import sklearn; print(sklearn.__version__)') into .venv"
