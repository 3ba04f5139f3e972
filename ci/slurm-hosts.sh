#!/usr/bin/env bash
# A Slurm cluster of one controller and three compute hosts on this machine, for the host-loss test
# (tests/slurm_hostloss.rs). Each compute host is a network namespace with its own address and
# hostname, joined to the controller by a bridge:
#
#   bridge aerepro-br0 10.77.0.1/24 (root namespace: munged, slurmctld)
#   ├─ veth aerepro-n1 ── namespace aerepro-n1, eth0 10.77.0.11, hostname n1, slurmd (1 CPU)
#   ├─ veth aerepro-n2 ── namespace aerepro-n2, eth0 10.77.0.12, hostname n2, slurmd (1 CPU)
#   └─ veth aerepro-n3 ── namespace aerepro-n3, eth0 10.77.0.13, hostname n3, slurmd (1 CPU)
#
#   ci/slurm-hosts.sh start      install slurm-wlm + munge when absent (ci/slurm-local.sh install),
#                                create the bridge, namespaces and veths, write the configuration in
#                                $AEREPRO_SLURM_HOSTS_DIR (default /tmp/aerepro-slurm-hosts), start
#                                munged, slurmctld and the three slurmd, wait until all are idle;
#                                prints `export SLURM_CONF=…`
#   ci/slurm-hosts.sh kill HOST  cut HOST (n1|n2|n3) off: SIGKILL every process in its network
#                                namespace (its slurmd, slurmstepd and job processes), nothing else
#   ci/slurm-hosts.sh stop       stop exactly what `start` started: the daemons by their pid files,
#                                the namespaces, the veths and the bridge
#   ci/slurm-hosts.sh status     exit 0 when the controller and the three slurmd run
#   ci/slurm-hosts.sh env        print the SLURM_CONF export
#
# Needs root and `ip netns` (iproute2), nsenter and unshare (util-linux). The slurmd are started with
# `nsenter --net=/run/netns/NS unshare --uts` rather than `ip netns exec`, which remounts /sys.
# Each slurmd claims one CPU (SlurmdParameters=config_overrides). A lost host is marked DOWN after
# SlurmdTimeout=10 s; a requeued job waits cred_expire (AuthInfo, 10 s here; Slurm's default is
# 120 s) before it may start again.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state="${AEREPRO_SLURM_HOSTS_DIR:-/tmp/aerepro-slurm-hosts}"
conf="$state/slurm.conf"
hosts=(n1 n2 n3)
bridge=aerepro-br0
prefix=10.77.0
ctld_port=6827

log() { echo "slurm-hosts: $*" >&2; }
die() { log "$*"; exit 1; }

running() { [ -f "$1" ] && kill -0 "$(cat "$1" 2>/dev/null)" 2>/dev/null; }
host_number() { echo "${1#n}"; }

check_host() {
  [ "$(id -u)" = 0 ] || die "needs root to create network namespaces, veths and a bridge (this is uid $(id -u))"
  command -v ip >/dev/null || die "ip (iproute2) not found: install iproute2"
  command -v nsenter >/dev/null && command -v unshare >/dev/null \
    || die "nsenter/unshare (util-linux) not found: install util-linux"
  ip netns list >/dev/null 2>&1 || die "ip netns does not work here: $(ip netns list 2>&1 | head -1)"
}

network_up() {
  if ! ip link show "$bridge" >/dev/null 2>&1; then
    ip link add "$bridge" type bridge || die "cannot create the bridge $bridge"
    echo "bridge $bridge" >> "$state/created"
  fi
  ip addr replace "$prefix.1/24" dev "$bridge"
  ip link set "$bridge" up
  for h in "${hosts[@]}"; do
    local ns="aerepro-$h" veth="aerepro-$h" n
    n=$(host_number "$h")
    if [ ! -e "/run/netns/$ns" ]; then
      ip netns add "$ns" || die "cannot create the network namespace $ns"
      echo "netns $ns" >> "$state/created"
    fi
    if ! ip link show "$veth" >/dev/null 2>&1; then
      ip link add "$veth" type veth peer name eth0 netns "$ns" || die "cannot create the veth pair $veth"
      echo "veth $veth" >> "$state/created"
    fi
    ip link set "$veth" master "$bridge"
    ip link set "$veth" up
    ip -n "$ns" link set lo up
    ip -n "$ns" addr replace "$prefix.$((10 + n))/24" dev eth0
    ip -n "$ns" link set eth0 up
  done
}

write_config() {
  local ctl nodes=""
  ctl=$(hostname -s)
  for h in "${hosts[@]}"; do
    nodes+="NodeName=$h NodeAddr=$prefix.$((10 + $(host_number "$h"))) NodeHostname=$h CPUs=1 RealMemory=1000 State=UNKNOWN"$'\n'
  done
  mkdir -p "$state/spool/ctld" "$state/log" "$state/munge"
  for h in "${hosts[@]}"; do mkdir -p "$state/spool/$h"; done
  cat > "$conf.tmp" <<EOF
ClusterName=aerepro-hosts
SlurmctldHost=$ctl($prefix.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$state/munge/munge.socket.2,cred_expire=10
CryptoType=crypto/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2
MpiDefault=none
ReturnToService=2
SlurmdTimeout=10
SlurmctldTimeout=10
MessageTimeout=5
KillWait=5
JobRequeue=1
SlurmdParameters=config_overrides
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
StateSaveLocation=$state/spool/ctld
SlurmdSpoolDir=$state/spool/%n
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd-%n.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd-%n.log
SlurmctldPort=$ctld_port
SlurmdPort=6818
MaxArraySize=10001
$nodes
PartitionName=hosts Nodes=$(IFS=,; echo "${hosts[*]}") Default=YES MaxTime=INFINITE State=UP
EOF
  mv "$conf.tmp" "$conf"
}

start_slurmd() {
  local h=$1
  running "$state/slurmd-$h.pid" && return
  nsenter --net="/run/netns/aerepro-$h" unshare --uts \
    sh -c "hostname $h && exec slurmd -f '$conf' -N $h" \
    || die "slurmd on $h did not start (see $state/log/slurmd-$h.log)"
}

start() {
  check_host
  "$here/slurm-local.sh" install
  mkdir -p "$state"
  touch "$state/created"
  export SLURM_CONF="$conf"
  network_up
  write_config
  AEREPRO_SLURM_DIR="$state" "$here/slurm-local.sh" munge
  # -c: start from a clean state, without the jobs of an earlier run.
  running "$state/slurmctld.pid" || slurmctld -c -f "$conf" || die "slurmctld did not start (see $state/log/slurmctld.log)"
  for h in "${hosts[@]}"; do start_slurmd "$h"; done
  for _ in $(seq 1 90); do
    if [ "$(sinfo -h -N -o '%N %T' 2>/dev/null | grep -cE ' (idle|mixed|allocated)$')" = "${#hosts[@]}" ]; then
      log "hosts up: $(sinfo -h -N -o '%N=%T' | tr '\n' ' ')"
      echo "export SLURM_CONF=$conf"
      return 0
    fi
    sleep 1
  done
  die "the hosts did not become idle within 90 s: $(sinfo -N 2>&1 | tail -4 | tr '\n' ';'); see $state/log/"
}

kill_host() {
  local h=${1:?host}
  [[ " ${hosts[*]} " == *" $h "* ]] || die "unknown host '$h' (one of ${hosts[*]})"
  local pids
  pids=$(ip netns pids "aerepro-$h" 2>/dev/null | tr '\n' ' ')
  [ -n "$pids" ] || die "no process runs on host $h"
  # shellcheck disable=SC2086
  kill -KILL $pids
  log "killed every process of host $h: $pids"
}

stop() {
  for h in "${hosts[@]}"; do
    # The slurmd and whatever a job left running in its namespace.
    if [ -e "/run/netns/aerepro-$h" ]; then
      local pids; pids=$(ip netns pids "aerepro-$h" 2>/dev/null | tr '\n' ' ')
      # shellcheck disable=SC2086
      [ -z "$pids" ] || kill -TERM $pids 2>/dev/null || true
    fi
  done
  # slurmctld and munged, by their pid files in $state
  AEREPRO_SLURM_DIR="$state" "$here/slurm-local.sh" stop
  for h in "${hosts[@]}"; do
    if [ -e "/run/netns/aerepro-$h" ]; then
      for _ in $(seq 1 20); do [ -z "$(ip netns pids "aerepro-$h" 2>/dev/null)" ] && break; sleep 0.5; done
      local left; left=$(ip netns pids "aerepro-$h" 2>/dev/null | tr '\n' ' ')
      # shellcheck disable=SC2086
      [ -z "$left" ] || kill -KILL $left 2>/dev/null || true
    fi
    rm -f "$state/slurmd-$h.pid"
  done
  if [ -f "$state/created" ]; then
    tac "$state/created" | while read -r what name; do
      case "$what" in
        netns) ip netns del "$name" 2>/dev/null || true ;;
        veth) ip link del "$name" 2>/dev/null || true ;;
        bridge) ip link del "$name" 2>/dev/null || true ;;
      esac
    done
    rm -f "$state/created"
    log "removed the namespaces, veths and bridge"
  fi
}

status() {
  running "$state/slurmctld.pid" || return 1
  for h in "${hosts[@]}"; do running "$state/slurmd-$h.pid" || return 1; done
}

case "${1:-}" in
  start) start ;;
  kill) kill_host "${2:-}" ;;
  stop) stop ;;
  status) status ;;
  env) echo "export SLURM_CONF=$conf" ;;
  *) echo "usage: $0 start|kill HOST|stop|status|env" >&2; exit 2 ;;
esac
