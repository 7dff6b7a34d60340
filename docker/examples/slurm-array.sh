#!/usr/bin/env bash
# A whole class on Slurm: one job array, each task grades its shard, then one merge.
#   sbatch --array=0-3 docker/examples/slurm-array.sh echo-server submissions out
#   sockgrade merge out/shard-* --out out/all        # once every task has ended
# The arguments are LAB, SUBMISSIONS and OUT (these are the defaults); relative paths are read
# from the directory sbatch ran in (or its --chdir), which every node must see. The array's size
# is the number of shards, so any contiguous --array=A-B works (A-B%K too: K at once), and a task
# requeued after a node failure resumes its shard. sockgrade is looked up on PATH, or set
# SOCKGRADE=/path/to/sockgrade before sbatch (the job inherits the environment).
# docker/examples/test_slurm.sh runs this on a one-node Slurm cluster.
#SBATCH --job-name=sockgrade
#SBATCH --cpus-per-task=2
#SBATCH --time=01:00:00
#SBATCH --output=slurm-%A_%a.out
set -euo pipefail
LAB=${1:-echo-server}
SUBMISSIONS=${2:-submissions}
OUT=${3:-out}
: "${SLURM_ARRAY_TASK_ID:?submit it as an array: sbatch --array=0-3 $0}"
I=$((SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN))
N=$((SLURM_ARRAY_TASK_MAX - SLURM_ARRAY_TASK_MIN + 1))
if ((N != SLURM_ARRAY_TASK_COUNT)); then
  echo "slurm-array.sh: the array must be contiguous (--array=A-B): shard I of N needs every I" >&2
  exit 2
fi
status=0
"${SOCKGRADE:-sockgrade}" grade "$LAB" "$SUBMISSIONS" --out "$OUT/shard-$I" --shard "$I/$N" \
  --jobs "${SLURM_CPUS_PER_TASK:-1}" --resume || status=$?
# 1: some submission could not be graded; its row in the gradebook says why. The shard is done.
exit $((status == 1 ? 0 : status))
