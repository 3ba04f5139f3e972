#!/usr/bin/env bash
# Measures `sweep run --jobs J --threads-per-job T` on this machine: the same small plan (MNIST CAE,
# normal classes 1 and 7, seeds 0 and 1, 2 epochs = 4 cells), a fresh directory per run, the
# configurations interleaved round by round so background load hits each alike.
# Usage: ci/sweep-jxt.sh [ROUNDS] [JxT ...]      (defaults: 2 rounds of 1x1 1x2 2x1 2x2)
# Prints a Markdown table, one row per run (results/sweep/jobs-threads.md is its output).
set -euo pipefail
bin=${AEREPRO:-target/release/aerepro}
data=${AEREPRO_DATA:-data}
rounds=${1:-2}
shift || true
configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=(1x1 1x2 2x1 2x2)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
echo "| jobs | threads per job | round | wall (s) | cells per hour | load average (1 min) |"
echo "|---|---|---|---|---|---|"
for round in $(seq 1 "$rounds"); do
  for jt in "${configs[@]}"; do
    jobs=${jt%x*} threads=${jt#*x}
    dir=$scratch/$jt-$round
    "$bin" sweep plan --out "$dir" --dataset mnist --normal-classes 1,7 --models cae --seeds 2 \
      --epochs 2 >/dev/null
    start=$(date +%s.%N)
    "$bin" sweep run "$dir" --jobs "$jobs" --threads-per-job "$threads" --data-dir "$data" \
      >/dev/null 2>&1 || { echo "sweep run failed for $jt (logs: $dir/logs)" >&2; exit 1; }
    wall=$(echo "$(date +%s.%N) - $start" | bc)
    printf '| %s | %s | %s | %.1f | %.0f | %s |\n' "$jobs" "$threads" "$round" "$wall" \
      "$(echo "4 * 3600 / $wall" | bc -l)" "$(cut -d' ' -f1 /proc/loadavg)"
  done
done
