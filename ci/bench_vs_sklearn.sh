#!/usr/bin/env bash
# Times ROC-AUC + average precision on the same 10^6 tied scores with scikit-learn
# (roc_auc_score + average_precision_score) and with aerepro (roc_auc + average_precision, via
# the criterion bench `metrics`), then prints the speed ratio.
#   ci/bench_vs_sklearn.sh            (needs network once for ci/setup-python.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
ci/setup-python.sh >/dev/null

data=$(mktemp --suffix=.csv)
bench_log=$(mktemp)
trap 'rm -f "$data" "$bench_log"' EXIT

sklearn_seconds=$(.venv/bin/python - "$data" <<'PY'
import sys, time
import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

rng = np.random.default_rng(42)
n = 1_000_000
labels = rng.random(n) < 0.1
scores = np.round(rng.normal(size=n) + labels, 3)  # 3 decimals: heavy ties
with open(sys.argv[1], "w") as out:
    out.write("score,label\n")
    out.write("\n".join(f"{s!r},{int(l)}" for s, l in zip(scores.tolist(), labels.tolist())))
    out.write("\n")
times = []
for _ in range(7):
    start = time.perf_counter()
    roc_auc_score(labels, scores)
    average_precision_score(labels, scores)
    times.append(time.perf_counter() - start)
print(f"{np.median(times):.6f}")
PY
)

if ! AEREPRO_BENCH_SCORES="$data" cargo bench --bench metrics -- --noplot \
  'metrics_1e6/roc_auc_plus_average_precision' >"$bench_log" 2>&1; then
  cat "$bench_log" >&2
  exit 1
fi
estimates=target/criterion/metrics_1e6/roc_auc_plus_average_precision/new/estimates.json
rust_seconds=$(.venv/bin/python -c "import json,sys; print(json.load(open(sys.argv[1]))['median']['point_estimate'] / 1e9)" "$estimates")

.venv/bin/python - "$sklearn_seconds" "$rust_seconds" <<'PY'
import sys
import sklearn
sk, rs = float(sys.argv[1]), float(sys.argv[2])
print(f"10^6 scores, ROC-AUC + AP (median): scikit-learn {sklearn.__version__} {sk * 1e3:.1f} ms, "
      f"aerepro {rs * 1e3:.1f} ms, aerepro is {sk / rs:.1f}x faster")
PY
