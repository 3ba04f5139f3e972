#!/usr/bin/env bash
# Builds examples/throughput.rs (release) and prints the path of its binary (ci/side_by_side.sh,
# ci/layout_ab.sh). Its options: `--help`.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(cargo build --release --example throughput --message-format=json 2>/dev/null \
  | python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "throughput":
        print(m["executable"])' | tail -1)
[ -x "$bin" ] || { echo "could not build examples/throughput.rs" >&2; exit 1; }
echo "$bin"
