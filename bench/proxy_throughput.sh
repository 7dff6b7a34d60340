#!/usr/bin/env bash
# Pass-through throughput of sockgrade's proxy (no faults) against direct loopback and socat,
# in the same run: prints MB/s (median of RUNS) and the ratio to direct, for writes of 64 KiB
# (the size a program's echo loop or the harness's peers use) and of 1 MiB (the kernel's best
# case, where every extra loopback hop costs a CPU that this 2-core machine does not have).
# Usage: bench/proxy_throughput.sh [MIB] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
MIB="${1:-2048}"
RUNS="${2:-5}"
BIN="${SOCKGRADE:-build/sockgrade}"
STREAM="${STREAM:-build/bench/stream}"
[[ -x "$BIN" && -x "$STREAM" ]] || { echo "build first: scripts/setup.sh --tests" >&2; exit 2; }
command -v socat >/dev/null || { echo "socat is missing (scripts/setup.sh installs it)" >&2; exit 2; }

SINK=47100 PROXY=47101 SOCAT=47102
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT
"$STREAM" sink $SINK & pids+=($!)
"$BIN" proxy --listen 127.0.0.1:$PROXY --to 127.0.0.1:$SINK 2>/dev/null & pids+=($!)
socat TCP-LISTEN:$SOCAT,bind=127.0.0.1,reuseaddr,fork TCP:127.0.0.1:$SINK & pids+=($!)

# Wait until all three listen (observed, not slept on).
for port in $SINK $PROXY $SOCAT; do
  for _ in $(seq 1 500); do
    ss -Hltn "sport = :$port" | grep -q LISTEN && break
    sleep 0.01
  done
done

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
# Runs alternate between the three paths so that a noisy moment hits them alike.
for write in 65536 1048576; do
  d=() p=() s=()
  for _ in $(seq 1 "$RUNS"); do
    d+=("$("$STREAM" send $SINK "$MIB" $write)")
    p+=("$("$STREAM" send $PROXY "$MIB" $write)")
    s+=("$("$STREAM" send $SOCAT "$MIB" $write)")
  done
  direct=$(printf '%s\n' "${d[@]}" | median)
  proxy=$(printf '%s\n' "${p[@]}" | median)
  socat=$(printf '%s\n' "${s[@]}" | median)
  echo "writes of $write bytes ($MIB MiB per run, median of $RUNS runs):"
  printf '  %-18s %8s MB/s\n' "direct loopback" "$direct"
  printf '  %-18s %8s MB/s  %.2f x direct\n' "sockgrade proxy" "$proxy" "$(awk -v a="$proxy" -v b="$direct" 'BEGIN {print a / b}')"
  printf '  %-18s %8s MB/s  %.2f x direct\n' "socat" "$socat" "$(awk -v a="$socat" -v b="$direct" 'BEGIN {print a / b}')"
done
