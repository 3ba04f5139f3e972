#!/usr/bin/env bash
# Builds benches/training.rs (release, not run) and prints the path of its binary, which takes
# `--throughput ...` (ci/side_by_side.sh, ci/layout_ab.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(cargo bench --bench training --no-run --message-format=json 2>/dev/null \
  | python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "training":
        print(m["executable"])' | tail -1)
[ -x "$bin" ] || { echo "could not build benches/training.rs" >&2; exit 1; }
echo "$bin"
