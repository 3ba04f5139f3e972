#!/usr/bin/env bash
# aerepro against itself: training throughput with channels-last activations (the default) and with
# contiguous NCHW ones (`--layout contiguous`), run ALTERNATELY on examples/throughput.rs (order swapped
# every repetition) and summarised as the median images/s of each layout and the median of the
# per-repetition ratios channels-last / contiguous, per dataset x model.
#
# Usage: ci/layout_ab.sh [--reps 5] [--steps 24] [--warmup 4] [--threads 2]
#                        [--dataset mnist|cifar10]... [--model cae|vae|aae]...
# Needs ci/setup-libtorch.sh and ci/setup-data.sh done. Raw JSON lines go to runs/layout_ab/.
set -euo pipefail
cd "$(dirname "$0")/.."

reps=5 steps=24 warmup=4 threads=2 datasets=() models=()
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) reps=$2; shift 2;;
    --steps) steps=$2; shift 2;;
    --warmup) warmup=$2; shift 2;;
    --threads) threads=$2; shift 2;;
    --dataset) datasets+=("$2"); shift 2;;
    --model) models+=("$2"); shift 2;;
    -h|--help) sed -n '2,9p' "$0"; exit 0;;
    *) echo "unknown argument $1" >&2; exit 2;;
  esac
done
[ ${#datasets[@]} -gt 0 ] || datasets=(mnist cifar10)
[ ${#models[@]} -gt 0 ] || models=(cae vae aae)

bin=$(ci/throughput-binary.sh)

mkdir -p runs/layout_ab
log=runs/layout_ab/$(date +%Y%m%d-%H%M%S).jsonl
: > "$log"
for rep in $(seq 1 "$reps"); do
  order=(channels-last contiguous); [ $((rep % 2)) = 0 ] && order=(contiguous channels-last)
  for ds in "${datasets[@]}"; do
    for m in "${models[@]}"; do
      for layout in "${order[@]}"; do
        echo "rep $rep/$reps $ds $m $layout" >&2
        "$bin" --device cpu --steps "$steps" --warmup "$warmup" \
          --threads "$threads" --score-images 0 --layout "$layout" --dataset "$ds" --model "$m" \
          2>/dev/null | sed "s/^{/{\"rep\": $rep, /" >> "$log"
      done
    done
  done
done

python3 - "$log" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
cells = sorted({(r["dataset"], r["model"]) for r in rows})
print("training images/s, channels-last vs contiguous activations (examples/throughput.rs)")
print(f"{'dataset':<8} {'model':<5} {'reps':>4} {'channels-last':>14} {'contiguous':>11} {'median(ratios)':>15}")
for ds, m in cells:
    by = {}
    for r in rows:
        if (r["dataset"], r["model"]) == (ds, m):
            by.setdefault(r["layout"], {})[r["rep"]] = r["images_per_s"]
    cl, nchw = by.get("channels-last", {}), by.get("contiguous", {})
    ratios = [cl[k] / nchw[k] for k in cl if k in nchw]
    if not ratios:
        continue
    print(f"{ds:<8} {m:<5} {len(ratios):>4} {statistics.median(cl.values()):>14.1f} "
          f"{statistics.median(nchw.values()):>11.1f} {statistics.median(ratios):>15.3f}")
print("raw:", sys.argv[1])
PY
