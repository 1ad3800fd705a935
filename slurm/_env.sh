# shellcheck shell=bash
# Shared set-up of the slurm/ scripts, sourced (never run) once ESPRI_GPU_REPO names the
# espri_gpu directory:
#   1. `module load LINE` for each line of modules.txt (skipped, with a message, where
#      the `module` command does not exist);
#   2. activation of the virtual environment ESPRI_GPU_VENV (default ~/venvs/espri_gpu;
#      ESPRI_GPU_VENV=none uses the python already on PATH, e.g. a conda environment);
#   3. one line logging job, node and GPUs, then `python -m espri_gpu info` (versions,
#      backend choice, visible GPUs).
# Returns non-zero, after saying why on stderr, when a step fails: the `set -e` scripts
# stop there.
#
# The virtual environment, created once on the login node in the espri_gpu directory
# (after `module load` of the Python named in modules.txt):
#   python3 -m venv ~/venvs/espri_gpu && . ~/venvs/espri_gpu/bin/activate
#   pip install -e '.[gpu]'

# Run "$@" without `set -u` (module init files and `module` itself use unset variables).
_espri_gpu_relaxed() {
    local had_u='' rc=0
    case $- in *u*) had_u=1; set +u ;; esac
    "$@" || rc=$?
    if [ -n "$had_u" ]; then set -u; fi
    return "$rc"
}

# shellcheck disable=SC1090  # the modules init script or the venv activate script
_espri_gpu_source() { . "$1"; }

_espri_gpu_modules() {
    local modules_file=$ESPRI_GPU_REPO/modules.txt init line words
    if ! type module >/dev/null 2>&1; then
        # Batch shells are not login shells: look for the modules init scripts ourselves.
        for init in /etc/profile.d/modules.sh /etc/profile.d/lmod.sh \
                    /usr/share/lmod/lmod/init/bash /usr/share/Modules/init/bash \
                    /usr/share/modules/init/bash; do
            if [ -r "$init" ]; then
                _espri_gpu_relaxed _espri_gpu_source "$init" || true
                break
            fi
        done
    fi
    if ! type module >/dev/null 2>&1; then
        echo "espri_gpu: no 'module' command here: skipping modules.txt"
        return 0
    fi
    if [ ! -r "$modules_file" ]; then
        echo "espri_gpu: error: cannot read $modules_file" >&2
        return 1
    fi
    while IFS= read -r line || [ -n "$line" ]; do
        read -r -a words <<< "${line%%#*}"      # drop comments, split on spaces
        [ "${#words[@]}" -gt 0 ] || continue
        echo "espri_gpu: module load ${words[*]}"
        if ! _espri_gpu_relaxed module load "${words[@]}"; then
            echo "espri_gpu: error: 'module load ${words[*]}' failed: check" \
                 "\`module avail\` and edit $modules_file" >&2
            return 1
        fi
    done < "$modules_file"
}

_espri_gpu_activate() {
    local venv=${ESPRI_GPU_VENV:-$HOME/venvs/espri_gpu}
    if [ "$venv" = none ]; then
        echo "espri_gpu: ESPRI_GPU_VENV=none: using $(command -v python || echo 'no python')"
    elif [ -r "$venv/bin/activate" ]; then
        _espri_gpu_relaxed _espri_gpu_source "$venv/bin/activate" || return 1
        echo "espri_gpu: virtual environment $venv"
    else
        echo "espri_gpu: error: no virtual environment at $venv. Create it once, on the" \
             "login node, in the espri_gpu directory:" >&2
        echo "  python3 -m venv ~/venvs/espri_gpu && . ~/venvs/espri_gpu/bin/activate" >&2
        echo "  pip install -e '.[gpu]'" >&2
        echo "or set ESPRI_GPU_VENV to yours (ESPRI_GPU_VENV=none: python on PATH)." >&2
        return 1
    fi
    if ! command -v python >/dev/null 2>&1; then
        echo "espri_gpu: error: no python on PATH after activation" >&2
        return 1
    fi
}

_espri_gpu_log() {
    echo "espri_gpu: job ${SLURM_JOB_ID:-none} on node ${SLURMD_NODENAME:-$(uname -n)}," \
         "GPUs ${CUDA_VISIBLE_DEVICES:-none allocated}, $(python --version 2>&1)" \
         "($(command -v python))"
    if ! python -m espri_gpu info; then
        echo "espri_gpu: error: 'python -m espri_gpu info' failed: is espri_gpu installed" \
             "in this environment (pip install -e '.[gpu]')?" >&2
        return 1
    fi
}

_espri_gpu_modules && _espri_gpu_activate && _espri_gpu_log
