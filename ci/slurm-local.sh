#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for the sweep's Slurm test (tests/sweep.rs).
#
#   ci/slurm-local.sh start   install slurm-wlm + munge with apt-get when absent (needs root), write a
#                             configuration in $AEREPRO_SLURM_DIR (default /tmp/aerepro-slurm), start
#                             munged, slurmctld and slurmd, wait until the node is idle
#   ci/slurm-local.sh stop    stop exactly the daemons this script started (by their pid files in
#                             $AEREPRO_SLURM_DIR; also used by ci/slurm-hosts.sh)
#   ci/slurm-local.sh status  exit 0 when this script's cluster is running
#   ci/slurm-local.sh env     print the line to export so sbatch/squeue find the configuration
#   ci/slurm-local.sh install only install slurm-wlm + munge when absent (also used by ci/slurm-hosts.sh)
#   ci/slurm-local.sh munge   only start munged with its key and socket in $AEREPRO_SLURM_DIR, when
#                             not running (also used by ci/slurm-hosts.sh)
#
# No systemd or cgroups: proctrack/linuxproc, task/none, select/cons_tres. Idempotent: `start` on a
# running cluster of this script's only checks it.
set -euo pipefail
state="${AEREPRO_SLURM_DIR:-/tmp/aerepro-slurm}"
conf="$state/slurm.conf"

log() { echo "slurm-local: $*" >&2; }
die() { log "$*"; exit 1; }

install_packages() {
  command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null && return
  [ "$(id -u)" = 0 ] || die "slurm-wlm and munge are not installed and this is not root: install them (apt-get install slurm-wlm munge) or run as root"
  log "installing slurm-wlm and munge with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null \
    || die "apt-get install slurm-wlm munge failed"
}

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

write_config() {
  local host cpus mem
  host=$(hostname -s)
  cpus=$(nproc)
  mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
  mkdir -p "$state/spool/ctld" "$state/spool/d" "$state/log" "$state/munge"
  cat > "$conf.tmp" <<EOF
ClusterName=aerepro
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$state/munge/munge.socket.2
CryptoType=crypto/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
StateSaveLocation=$state/spool/ctld
SlurmdSpoolDir=$state/spool/d
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
MaxArraySize=10001
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  mv "$conf.tmp" "$conf"
}

start_munge() {
  running "$state/munged.pid" && return
  mkdir -p "$state/munge" "$state/log"
  [ -f "$state/munge/munge.key" ] || dd if=/dev/urandom of="$state/munge/munge.key" bs=1024 count=1 status=none
  chmod 700 "$state/munge"; chmod 400 "$state/munge/munge.key"
  munged --force --key-file="$state/munge/munge.key" --socket="$state/munge/munge.socket.2" \
    --pid-file="$state/munged.pid" --log-file="$state/log/munged.log" --seed-file="$state/munge/munge.seed" \
    || die "munged did not start (see $state/log/munged.log)"
}

start() {
  install_packages
  mkdir -p "$state"
  export SLURM_CONF="$conf"
  if running "$state/slurmctld.pid" && running "$state/slurmd.pid"; then
    log "already running (SLURM_CONF=$conf)"
  else
    write_config
    start_munge
    running "$state/slurmctld.pid" || slurmctld -f "$conf" || die "slurmctld did not start (see $state/log/slurmctld.log)"
    running "$state/slurmd.pid" || slurmd -f "$conf" || die "slurmd did not start (see $state/log/slurmd.log)"
  fi
  for _ in $(seq 1 60); do
    if sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
      log "node up: $(sinfo -h -o '%N %T %c CPUs')"
      echo "export SLURM_CONF=$conf"
      return 0
    fi
    sleep 1
  done
  die "the node did not become idle within 60 s: $(sinfo 2>&1 | tail -2); see $state/log/"
}

stop() {
  for daemon in slurmd slurmctld munged; do
    local pidfile="$state/$daemon.pid"
    if running "$pidfile"; then
      kill "$(cat "$pidfile")"
      for _ in $(seq 1 20); do running "$pidfile" || break; sleep 0.5; done
      log "stopped $daemon"
    fi
    rm -f "$pidfile"
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) running "$state/slurmctld.pid" && running "$state/slurmd.pid" ;;
  env) echo "export SLURM_CONF=$conf" ;;
  install) install_packages ;;
  munge) start_munge ;;
  *) echo "usage: $0 start|stop|status|env|install|munge" >&2; exit 2 ;;
esac
