#!/usr/bin/env bash
# Slurm job array: `sbatch --array=0-3 docker/examples/slurm-array.sh`, then
# `sockgrade merge out/shard-* --out out/all` once all four are done.
#SBATCH --job-name=sockgrade
#SBATCH --cpus-per-task=2
#SBATCH --time=01:00:00
set -euo pipefail
N=${SLURM_ARRAY_TASK_COUNT:-4}
I=${SLURM_ARRAY_TASK_ID:?run with sbatch --array=0-3}
sockgrade grade echo-server submissions --out "out/shard-$I" --shard "$I/$N" --jobs "${SLURM_CPUS_PER_TASK:-2}" --resume \
  || [ $? -eq 1 ]   # 1: some submission could not be graded; the gradebook says which
