#!/usr/bin/env bash
# A throw-away local MLflow tracking server for tests and for looking at runs.
#
#   ci/mlflow-local.sh start [STATE_DIR]   installs mlflow (pinned) into .venv-mlflow/ (git-ignored)
#                                          if needed, starts `mlflow server` on a free port of
#                                          127.0.0.1 with its sqlite store and artifacts under
#                                          STATE_DIR (default: a new temporary directory), waits for
#                                          /health, writes STATE_DIR/mlflow.state and prints
#                                          MLFLOW_TRACKING_URI=http://127.0.0.1:<port> last.
#   ci/mlflow-local.sh stop STATE_DIR      stops exactly the process group that `start` created
#                                          (recorded in the state file) and nothing else.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="$ROOT/.venv-mlflow"
MLFLOW_VERSION=3.10.1

install() {
  if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
  fi
  if ! "$VENV/bin/python" -c "import mlflow, sys; sys.exit(mlflow.__version__ != '$MLFLOW_VERSION')" >/dev/null 2>&1; then
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "mlflow==$MLFLOW_VERSION" >&2
  fi
}

start() {
  local state_dir="${1:-}"
  if [ -z "$state_dir" ]; then state_dir="$(mktemp -d -t aerepro-mlflow.XXXXXX)"; fi
  mkdir -p "$state_dir"
  state_dir="$(cd "$state_dir" && pwd)"
  if [ -f "$state_dir/mlflow.state" ]; then
    echo "mlflow-local: $state_dir/mlflow.state exists: stop that server first" >&2
    exit 1
  fi
  install
  local port
  port="$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  # setsid: the server and its workers form a new process group, led by the recorded PID.
  setsid "$VENV/bin/mlflow" server \
    --backend-store-uri "sqlite:///$state_dir/mlflow.db" \
    --artifacts-destination "$state_dir/artifacts" \
    --host 127.0.0.1 --port "$port" --workers 1 \
    >"$state_dir/server.log" 2>&1 < /dev/null &
  local pid=$!
  local uri="http://127.0.0.1:$port"
  printf 'PID=%s\nPGID=%s\nURI=%s\nDIR=%s\n' "$pid" "$pid" "$uri" "$state_dir" > "$state_dir/mlflow.state"
  for _ in $(seq 1 240); do
    if "$VENV/bin/python" -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('$uri/health', timeout=2).status != 200)" >/dev/null 2>&1; then
      echo "mlflow-local: mlflow $MLFLOW_VERSION serving $uri (pid $pid, state $state_dir)" >&2
      echo "MLFLOW_TRACKING_URI=$uri"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "mlflow-local: the server exited; its log:" >&2
      tail -n 30 "$state_dir/server.log" >&2
      rm -f "$state_dir/mlflow.state"
      exit 1
    fi
    sleep 0.5
  done
  echo "mlflow-local: no answer from $uri/health after 120 s; stopping it" >&2
  stop "$state_dir"
  exit 1
}

stop() {
  local state_dir="${1:?usage: mlflow-local.sh stop STATE_DIR}"
  local state="$state_dir/mlflow.state"
  if [ ! -f "$state" ]; then
    echo "mlflow-local: no $state: nothing to stop" >&2
    return 0
  fi
  local pgid
  pgid="$(sed -n 's/^PGID=//p' "$state")"
  if [ -n "$pgid" ] && kill -0 -- "-$pgid" 2>/dev/null; then
    kill -TERM -- "-$pgid" 2>/dev/null || true
    for _ in $(seq 1 20); do
      kill -0 -- "-$pgid" 2>/dev/null || break
      sleep 0.25
    done
    kill -KILL -- "-$pgid" 2>/dev/null || true
  fi
  rm -f "$state"
  echo "mlflow-local: stopped process group $pgid" >&2
}

case "${1:-}" in
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  install) install ;;
  *) echo "usage: $0 start [STATE_DIR] | stop STATE_DIR | install" >&2; exit 2 ;;
esac
