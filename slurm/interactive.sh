#!/bin/bash
# An interactive shell on one RTX 2080 Ti of HAL with the environment loaded (modules.txt,
# the virtual environment, then `python -m espri_gpu info` printed first):
#   slurm/interactive.sh                  # 1 GPU, 4 CPUs, 16G, 4 hours
#   slurm/interactive.sh --time=01:00:00  # more srun options
# then, on the GPU node:
#   python -m espri_gpu info              # must say: backend auto -> gpu
#   python -m espri_gpu report export.csv --codebook codebook.toml --out results/
#   exit                                  # ends the job: frees the GPU and its memory
# Variables: ESPRI_GPU_VENV (default ~/venvs/espri_gpu; none: python on PATH).
# Inside an existing allocation (SLURM_JOB_ID set) it only loads the environment.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [ -z "${SLURM_JOB_ID:-}" ]; then
    exec srun --gres=gpu:1 --cpus-per-task=4 --mem=16G --time=04:00:00 "$@" \
        --pty bash "$here/interactive.sh"
fi

export ESPRI_GPU_REPO=${ESPRI_GPU_REPO:-$(cd "$here/.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=_env.sh
. "$ESPRI_GPU_REPO/slurm/_env.sh"
echo "espri_gpu: environment loaded; \`exit\` ends the job and frees the GPU"
exec bash -i
