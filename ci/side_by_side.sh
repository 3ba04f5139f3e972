#!/usr/bin/env bash
# aerepro vs an independent PyTorch (Python) implementation of the same CAE / VAE / AAE
# (ci/torch_reference.py), same machine, same data (data/), same batch (128), same thread count,
# both on libtorch 2.11. Runs them ALTERNATELY (order swapped every repetition, one dataset x model
# pair at a time so both sides see the same background load) and prints, per dataset x model, the
# median training images/s of each side over >= 5 repetitions, the ratio aerepro/PyTorch of the
# medians and the median of the per-repetition ratios; the same for scoring (no grad).
#
# Usage: ci/side_by_side.sh [--reps 5] [--threads 2] [--steps 32] [--warmup 5] [--score-images 2048]
#                           [--dataset mnist|cifar10]... [--model cae|vae|aae]... [--cpu-time]
#                           [--torch-arg ARG]...   (passed to torch_reference.py, e.g. --torch-arg
#                           --leaky --torch-arg maximum: PyTorch with aerepro's LeakyReLU formulation)
#                           [--end-to-end [--e2e-reps 1] [--epochs 10]]
# --cpu-time also prints images per CPU-second; with --threads 1 that is the most load-robust measure.
#   --end-to-end  instead: `aerepro reproduce --dataset mnist --budget ci` (3 models, 10 epochs, MNIST
#                 class 1, scoring and metrics) against `ci/torch_reference.py --end-to-end` doing
#                 the same training and scoring, alternately; prints wall seconds and the ratio.
# Needs ci/setup-libtorch.sh and ci/setup-data.sh done; installs .venv-torch on first use
# (ci/setup-torch-venv.sh, ~2.6 GB download). Raw JSON lines go to runs/side_by_side/.
# The machine is shared: the script prints the load average before each pair; check `ps` first.
set -euo pipefail
cd "$(dirname "$0")/.."

reps=5 threads=2 steps=32 warmup=5 e2e=0 e2e_reps=1 epochs=10 score_images=2048 cpu_time=() torch_args=()
datasets=() models=()
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) reps=$2; shift 2;;
    --threads) threads=$2; shift 2;;
    --steps) steps=$2; shift 2;;
    --warmup) warmup=$2; shift 2;;
    --score-images) score_images=$2; shift 2;;
    --cpu-time) cpu_time=(--cpu-time); shift;;
    --torch-arg) torch_args+=("$2"); shift 2;;
    --dataset) datasets+=("$2"); shift 2;;
    --model) models+=("$2"); shift 2;;
    --end-to-end) e2e=1; shift;;
    --e2e-reps) e2e_reps=$2; shift 2;;
    --epochs) epochs=$2; shift 2;;
    -h|--help) sed -n '2,20p' "$0"; exit 0;;
    *) echo "unknown argument $1" >&2; exit 2;;
  esac
done
[ ${#datasets[@]} -gt 0 ] || datasets=(mnist cifar10)
[ ${#models[@]} -gt 0 ] || models=(cae vae aae)

ci/setup-torch-venv.sh >&2
PY=.venv-torch/bin/python
export OMP_NUM_THREADS=$threads MKL_NUM_THREADS=$threads
out=runs/side_by_side
mkdir -p "$out"
stamp=$(date +%Y%m%d-%H%M%S)

load() { cut -d' ' -f1-3 /proc/loadavg; }

if [ "$e2e" = 1 ]; then
  echo "building aerepro (release) ..." >&2
  cargo build --release --quiet
  log="$out/e2e-$stamp.jsonl"
  : > "$log"
  for rep in $(seq 1 "$e2e_reps"); do
    order=(aerepro pytorch); [ $((rep % 2)) = 0 ] && order=(pytorch aerepro)
    for side in "${order[@]}"; do
      echo "rep $rep/$e2e_reps $side end-to-end (load $(load))" >&2
      t0=$(date +%s.%N)
      if [ "$side" = aerepro ]; then
        target/release/aerepro reproduce --dataset mnist --budget ci --epochs "$epochs" \
          --threads "$threads" --device cpu --no-figures --step-cost-rounds 0 \
          --out "$out/e2e-aerepro-$stamp" >&2
      else
        "$PY" ci/torch_reference.py --end-to-end --dataset mnist --epochs "$epochs" \
          --threads "$threads" --score-batch 500 > "$out/e2e-pytorch-$stamp-$rep.jsonl"
      fi
      t1=$(date +%s.%N)
      printf '{"impl": "%s", "mode": "e2e-wall", "rep": %d, "seconds": %s}\n' \
        "$side" "$rep" "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b - a}')" >> "$log"
    done
  done
  python3 - "$log" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
med = {s: statistics.median(r["seconds"] for r in rows if r["impl"] == s) for s in ("aerepro", "pytorch")}
n = sum(1 for r in rows if r["impl"] == "aerepro")
print("end to end, MNIST class 1, 3 models (wall seconds, median of %d):" % n)
print("  aerepro %.1f s   pytorch %.1f s   speed ratio aerepro/pytorch %.3f"
      % (med["aerepro"], med["pytorch"], med["pytorch"] / med["aerepro"]))
EOF
  exit 0
fi

echo "building examples/throughput.rs ..." >&2
bin=$(ci/throughput-binary.sh)

log="$out/throughput-$stamp.jsonl"
: > "$log"
common=(--steps "$steps" --warmup "$warmup" --threads "$threads" --score-images "$score_images" --score-batch 512 ${cpu_time[@]+"${cpu_time[@]}"})
for rep in $(seq 1 "$reps"); do
  for ds in "${datasets[@]}"; do
    for m in "${models[@]}"; do
      order=(pytorch aerepro); [ $((rep % 2)) = 0 ] && order=(aerepro pytorch)
      for side in "${order[@]}"; do
        echo "rep $rep/$reps $ds $m $side (load $(load))" >&2
        if [ "$side" = pytorch ]; then
          "$PY" ci/torch_reference.py --throughput "${common[@]}" ${torch_args[@]+"${torch_args[@]}"} --dataset "$ds" --model "$m" 2>/dev/null
        else
          "$bin" --device cpu "${common[@]}" --dataset "$ds" --model "$m" 2>/dev/null
        fi | sed "s/^{/{\"rep\": $rep, \"load\": \"$(load)\", /" >> "$log"
      done
    done
  done
done

python3 - "$log" "$threads" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
threads = sys.argv[2]
keys = []
for r in rows:
    k = (r["mode"], r["dataset"], r["model"])
    if k not in keys:
        keys.append(k)
print("aerepro vs PyTorch 2.11 (Python), CPU, %s threads, batch 128 (train) / 512 (score); images/s" % threads)
print("%-6s %-8s %-5s %4s %12s %12s %13s %14s" % ("mode", "dataset", "model", "reps", "aerepro", "pytorch",
      "ratio(medians)", "median(ratios)"))
for k in keys:
    by = {s: {r["rep"]: r["images_per_s"] for r in rows
              if (r["mode"], r["dataset"], r["model"]) == k and r["impl"] == s}
          for s in ("aerepro", "pytorch")}
    reps = sorted(set(by["aerepro"]) & set(by["pytorch"]))
    if not reps:
        continue
    a = statistics.median(by["aerepro"][i] for i in reps)
    p = statistics.median(by["pytorch"][i] for i in reps)
    mr = statistics.median(by["aerepro"][i] / by["pytorch"][i] for i in reps)
    print("%-6s %-8s %-5s %4d %12.1f %12.1f %13.3f %14.3f" % (k + (len(reps), a, p, a / p, mr)))
cpu = [r for r in rows if r.get("cpu_images_per_s")]
if cpu:
    print()
    print("per CPU-second (user+sys of all threads; the load-robust measure at --threads 1):")
    print("%-6s %-8s %-5s %4s %12s %12s %13s" % ("mode", "dataset", "model", "reps", "aerepro", "pytorch", "ratio(medians)"))
    for k in keys:
        by = {s: [r["cpu_images_per_s"] for r in cpu
                  if (r["mode"], r["dataset"], r["model"]) == k and r["impl"] == s]
              for s in ("aerepro", "pytorch")}
        if by["aerepro"] and by["pytorch"]:
            a, p = statistics.median(by["aerepro"]), statistics.median(by["pytorch"])
            print("%-6s %-8s %-5s %4d %12.1f %12.1f %13.3f" % (k + (min(len(by["aerepro"]), len(by["pytorch"])), a, p, a / p)))
print("raw: %s" % sys.argv[1])
EOF
