#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for the job-array test (test/e2e/slurm.e2e.ts) and CI (.ci/run).
#
#   scripts/slurm-local.sh start    # munged (if not running), slurmctld and slurmd; waits until the node is idle
#   scripts/slurm-local.sh stop     # stops the slurmctld and slurmd it started (by their pid files)
#   scripts/slurm-local.sh env      # prints `export SLURM_CONF=...` for the client tools (sbatch, squeue, scancel)
#
# Needs root and Debian's slurm-wlm and munge (apt-get install -y slurm-wlm munge). Everything else lives in
# $MTCGCNN_SLURM_DIR (default /tmp/mtcgcnn-slurm): slurm.conf for this host and its CPUs, state, spool, logs, pid files.
# /etc/slurm is not touched. munged uses /etc/munge/munge.key (created here if missing) and is left running.
set -euo pipefail
DIR="${MTCGCNN_SLURM_DIR:-/tmp/mtcgcnn-slurm}"
CONF="$DIR/slurm.conf"
HOST="$(hostname -s)"

die() { echo "slurm-local: $*" >&2; exit 1; }

write_conf() {
  local cpus mem_mb
  cpus="$(nproc)"
  mem_mb="$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.8 }' /proc/meminfo)"
  mkdir -p "$DIR/state" "$DIR/spool"
  cat > "$CONF" <<CONF
# Written by scripts/slurm-local.sh: one node, this host, all of its CPUs.
ClusterName=mtcgcnn-test
SlurmctldHost=$HOST
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd.log
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=30
KillWait=5
NodeName=$HOST CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=local Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
}

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_munge() {
  if pgrep -x munged >/dev/null; then return 0; fi
  if [ ! -s /etc/munge/munge.key ]; then
    mkdir -p /etc/munge
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
  chown munge:munge /etc/munge/munge.key 2>/dev/null || true
  chmod 400 /etc/munge/munge.key
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge 2>/dev/null || true
  if id munge >/dev/null 2>&1; then runuser -u munge -- munged || die "munged did not start"
  else munged --force || die "munged did not start"; fi
}

start() {
  [ "$(id -u)" -eq 0 ] || die "needs root (slurmd runs jobs as root here)"
  for c in slurmctld slurmd munged sinfo; do command -v "$c" >/dev/null || die "$c not found: apt-get install -y slurm-wlm munge"; done
  start_munge
  if running "$DIR/slurmctld.pid" && running "$DIR/slurmd.pid"; then echo "slurm-local: already running ($CONF)"; return 0; fi
  write_conf
  running "$DIR/slurmctld.pid" || slurmctld -f "$CONF" || die "slurmctld did not start (see $DIR/slurmctld.log)"
  running "$DIR/slurmd.pid" || slurmd -f "$CONF" || die "slurmd did not start (see $DIR/slurmd.log)"
  for _ in $(seq 1 60); do
    state="$(SLURM_CONF="$CONF" sinfo -h -N -o '%T' 2>/dev/null | head -1 || true)"
    case "$state" in idle|mixed|allocated) echo "slurm-local: node $HOST $state ($CONF)"; return 0 ;; esac
    sleep 1
  done
  die "node $HOST did not become idle within 60 s (state '${state:-none}'; see $DIR/slurmctld.log, $DIR/slurmd.log)"
}

stop() {
  for d in slurmd slurmctld; do
    if running "$DIR/$d.pid"; then
      pid="$(cat "$DIR/$d.pid")"
      kill "$pid"
      for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    fi
    rm -f "$DIR/$d.pid"
  done
  echo "slurm-local: stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) echo "export SLURM_CONF=$CONF" ;;
  *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
