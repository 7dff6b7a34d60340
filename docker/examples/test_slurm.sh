#!/usr/bin/env bash
# Proves docker/examples/slurm-array.sh on a real scheduler: brings up a one-node Slurm cluster on
# this machine from Debian's packages (munged, slurmctld, slurmd started by hand from a generated
# slurm.conf in a temporary directory, on loopback, no cgroup plugins), grades a class of N + 2
# submissions (scripts/make_class.sh's mix, an archive, an empty directory) once with `sockgrade
# grade` and once as a 4-task array, merges the shards and checks that the merged gradebook.csv
# and summary.txt are byte-identical to the single run's. The cluster and its state are removed
# at the end, whatever happened. Too slow for CI (3 minutes for N=24 on 2 CPUs): run it by hand,
# as root (the daemons need it; apt-get installs slurmctld, slurmd, slurm-client, munge if missing):
#   docker/examples/test_slurm.sh [N=24]
# SOCKGRADE=path/to/sockgrade picks the binary (default build/sockgrade); KEEP=1 keeps the
# temporary directory (logs, outputs) for a look afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-24}
TASKS=4
JOBS=2  # per grading run: the node has 2 CPUs and each array task asks for 2
SOCKGRADE=$(realpath -m "${SOCKGRADE:-build/sockgrade}")
export SOCKGRADE
NODE=sockgrade-node

die() { echo "test_slurm.sh: $*" >&2; exit 1; }
[[ -x "$SOCKGRADE" ]] || die "no sockgrade at $SOCKGRADE: build it (scripts/setup.sh) or set SOCKGRADE"
[[ $N =~ ^[1-9][0-9]*$ ]] || die "N must be a positive number of submissions, not '$N'"
[[ $(id -u) == 0 ]] || die "run as root: slurmctld, slurmd and munged are started here as root"
if ! command -v slurmctld slurmd sbatch munged > /dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    slurmctld slurmd slurm-client munge > /dev/null || die "cannot install Slurm (apt-get update first?)"
fi

tmp=$(mktemp -d /tmp/sockgrade-slurm.XXXXXX)
export SLURM_CONF=$tmp/slurm.conf
daemons=()  # pids, in start order
jobid=

now() { date +%s.%N; }
seconds_since() { awk -v s="$1" -v e="$(now)" 'BEGIN {printf "%.1f", e - s}'; }

# wait_for SECONDS WHAT CMD...: runs CMD every 0.2 s until it succeeds, or fails after SECONDS.
wait_for() {
  local limit=$1 what=$2 deadline=$((SECONDS + $1))
  shift 2
  until "$@" > /dev/null 2>&1; do
    ((SECONDS < deadline)) || { echo "test_slurm.sh: no $what after $limit s" >&2; return 1; }
    sleep 0.2
  done
}

# A step daemon (slurmstepd) outlives its job by a moment; it holds a socket in the spool directory.
no_step_daemons() { ! compgen -G "$tmp/spool/${NODE}_*" > /dev/null; }

# The last lines of each log: the array tasks' outputs and the daemons' logs (their stdout when
# they died before opening the log).
show_logs() {
  local log
  for log in "$tmp"/log/*; do
    [[ $log == *.out && $log != */slurm-* && -s ${log%.out}.log ]] && continue
    [[ -s $log ]] && { echo "--- last lines of $log"; tail -n 15 "$log"; }
  done
}

teardown() {
  local status=$?
  if [[ -n "$jobid" ]]; then
    scancel "$jobid" 2> /dev/null || true
    wait_for 30 "end of job $jobid" job_gone || true
  fi
  wait_for 30 "exit of the step daemons (slurmstepd)" no_step_daemons || ls "$tmp/spool"
  local i
  for ((i = ${#daemons[@]} - 1; i >= 0; i--)); do
    kill "${daemons[i]}" 2> /dev/null || true
    wait "${daemons[i]}" 2> /dev/null || true
  done
  ((status == 0)) || show_logs
  if [[ "${KEEP:-0}" == 1 ]]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
  exit "$status"
}
trap teardown EXIT
trap 'exit 130' INT TERM

start_munge() {
  chmod 711 "$tmp"  # munged wants its socket reachable by every user (the jobs' users)
  mkdir -m 711 "$tmp/munge"
  mungekey --create --keyfile="$tmp/munge/munge.key"
  munged --foreground --socket="$tmp/munge/socket" --key-file="$tmp/munge/munge.key" \
    --pid-file="$tmp/munge/munged.pid" --seed-file="$tmp/munge/seed" --log-file="$tmp/log/munged.log" \
    > "$tmp/log/munged.out" 2>&1 &
  daemons+=($!)
  wait_for 10 "munge credential" sh -c "munge -n -S '$tmp/munge/socket' | unmunge -S '$tmp/munge/socket'"
}

# Two free loopback ports, held together while chosen so that they differ.
free_ports() {
  python3 -c 'import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))'
}

write_slurm_conf() {
  local ports
  read -ra ports <<< "$(free_ports)"
  mkdir -p "$tmp/state" "$tmp/spool"
  cat > "$SLURM_CONF" << EOF
ClusterName=sockgrade-test
SlurmctldHost=$(hostname -s)(127.0.0.1)
SlurmctldPort=${ports[0]}
SlurmdPort=${ports[1]}
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$tmp/munge/socket
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
# No cgroups: this runs inside a container, and sockgrade sandboxes the students' programs itself.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
NodeName=$NODE NodeHostname=$(hostname) NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=test Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
}

node_idle() { [[ $(sinfo -h -n "$NODE" -o %t) == idle ]]; }

start_slurm() {
  write_slurm_conf
  slurmctld -D -f "$SLURM_CONF" > "$tmp/log/slurmctld.out" 2>&1 &
  daemons+=($!)
  wait_for 30 "answer from slurmctld" scontrol ping
  slurmd -D -f "$SLURM_CONF" -N "$NODE" > "$tmp/log/slurmd.out" 2>&1 &
  daemons+=($!)
  wait_for 60 "idle node $NODE" node_idle
}

job_gone() { [[ -z $(squeue -h -j "$jobid" 2> /dev/null) ]]; }

# One line per array task: its state and exit code (from slurmctld's record of the ended job).
task_states() {
  scontrol -o show job "$jobid" | awk '{
    for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = $i }
    print "  " f["ArrayTaskId"], f["JobState"], f["ExitCode"], f["RunTime"]
  }'
}

run_array() {
  jobid=$(sbatch --parsable --array=0-$((TASKS - 1)) --chdir="$tmp" --output="$tmp/log/slurm-%A_%a.out" \
    docker/examples/slurm-array.sh echo-server subs out)
  wait_for 1800 "end of job $jobid" job_gone
  local states
  states=$(task_states)
  echo "$states"
  [[ $(grep -c 'JobState=COMPLETED ExitCode=0:0' <<< "$states") == "$TASKS" ]] ||
    die "not every array task completed with exit 0 (logs: $tmp/log/slurm-${jobid}_*.out)"
}

compare_gradebooks() {
  local single=$tmp/single merged=$tmp/out/all rows
  rows=$(($(wc -l < "$single/gradebook.csv") - 1))
  ((rows == N + 2)) || die "the single run's gradebook has $rows rows for $N + 2 submissions"
  local failed=0 f
  for f in gradebook.csv summary.txt; do
    if cmp -s "$single/$f" "$merged/$f"; then
      echo "identical: $f"
    else
      echo "DIFFERENT: $f (single run < > merged shards)"
      diff "$single/$f" "$merged/$f" || true
      failed=1
    fi
  done
  ((failed == 0)) || die "the merged shards do not give the single run's gradebook"
}

# N submissions of the class-like mix, plus one handed in as an archive and one empty directory
# (not gradable: errors/), so that the shards also carry those through the merge.
make_class() {
  scripts/make_class.sh "$N" "$tmp/subs"
  tar -czf "$tmp/subs/archived.tar.gz" -C reference/echo-server echo_server.c
  mkdir "$tmp/subs/empty"
}

main() {
  mkdir -p "$tmp/log"
  make_class
  start_munge
  start_slurm
  echo "one-node Slurm cluster up ($(sinfo -V), node $NODE, 2 CPUs); $N + 2 submissions"

  local t single_s array_s merge_s
  # The single run is given the submissions by their absolute path, the array tasks by a
  # relative one: the gradebook must not depend on where a machine finds them.
  t=$(now)
  "$SOCKGRADE" grade echo-server "$tmp/subs" --out "$tmp/single" --jobs "$JOBS" > /dev/null 2>&1 || (($? == 1)) ||
    die "sockgrade grade failed"
  single_s=$(seconds_since "$t")
  t=$(now)
  run_array
  array_s=$(seconds_since "$t")
  t=$(now)
  "$SOCKGRADE" merge "$tmp"/out/shard-* --out "$tmp/out/all" > /dev/null
  merge_s=$(seconds_since "$t")
  echo "single run: $single_s s (--jobs $JOBS); array of $TASKS tasks: $array_s s, sbatch to the last task's end; merge: $merge_s s"
  compare_gradebooks
  echo "test_slurm.sh: passed"
}

main
