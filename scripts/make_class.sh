#!/usr/bin/env bash
# Makes a class of N echo-server submissions in DIR/s000, DIR/s001, …: a class-like mix (per 10:
# 6 correct, 4 with one classic bug each, rotating through the fixtures), every copy made distinct
# so each is compiled on its own. Used by bench/batch_throughput.sh and docker/examples/test_slurm.sh.
# Usage: scripts/make_class.sh N DIR
set -euo pipefail
N="${1:?usage: scripts/make_class.sh N DIR}"
DIR=$(realpath -m "${2:?usage: scripts/make_class.sh N DIR}")
cd "$(dirname "$0")/.."
buggy=(no-write-loop no-sigpipe-handling lecture-hardcoded-port strlen-count never-closes
       no-reuseaddr first-line-per-read does-not-compile exits-on-read-error one-read-per-connection)
mkdir -p "$DIR"
b=0
for ((i = 0; i < N; i++)); do
  id=$(printf 's%03d' "$i")
  if ((i % 10 < 6)); then src=reference/echo-server; else src=fixtures/echo-server/${buggy[$((b % ${#buggy[@]}))]}; b=$((b + 1)); fi
  mkdir -p "$DIR/$id"
  cp "$src"/*.c "$DIR/$id/"
  [[ -f "$src/Makefile" ]] && cp "$src/Makefile" "$DIR/$id/"
  for f in "$DIR/$id"/*.c; do printf '/* submission %s */\n' "$id" >> "$f"; done
done
