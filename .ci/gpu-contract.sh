#!/usr/bin/env bash
# The GPU API contract and CUDA-simulator tests against the real RAPIDS packages, in a
# second virtual environment (the main one stays free of RAPIDS). No GPU needed: the CUDA 12
# wheels import without a driver, NVVM compiles the kernels to PTX, and the simulator tests
# set NUMBA_ENABLE_CUDASIM=1 in their own subprocesses, with the real numba-cuda package.
#
#   bash .ci/gpu-contract.sh        # called by .ci/run after the main test command
#
# Runs tests/gpu_contract (contract entries vs installed signatures, every kernel compiled
# for sm_75), tests/test_kernels_cuda.py (CUDA simulator vs CPU kernels, bit for bit) and
# tests/test_gpu_namespaces.py (the GPU code path on CPU namespaces, resampling in the
# simulator), then writes the static sm_75 resource table (benchmarks/gpu_static.py ->
# benchmarks/results/gpu-static.json). Downloads about 6 GB on a fresh machine (about 4
# minutes here). Exit status: pytest's; 3 when the `gpu` extra cannot be installed (network,
# or ranges that no longer resolve: said on stderr with pip's last lines); 4 when only the
# resource table failed.
#   ESPRI_GPU_GPU_VENV   where the environment goes (default $TMPDIR/espri_gpu-gpu-venv)
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${ESPRI_GPU_GPU_VENV:-${TMPDIR:-/tmp}/espri_gpu-gpu-venv}"
start=$SECONDS
python3 -m venv "$venv"
# shellcheck disable=SC1091
. "$venv/bin/activate"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { python -m pip install --quiet --upgrade pip \
       && python -m pip install --quiet -e '.[gpu,dev]'; } >"$log" 2>&1; then
    tail -n 25 "$log" >&2
    if grep -qiE 'ResolutionImpossible|conflicting dependencies|No matching distribution' \
            "$log"; then
        echo "gpu-contract: error: the gpu extra of pyproject.toml does not resolve (see" \
             "pip above): fix its version ranges" >&2
    else
        echo "gpu-contract: error: \`pip install -e '.[gpu,dev]'\` failed, most likely a" \
             "network failure while downloading the RAPIDS wheels (about 6 GB): retry" >&2
    fi
    exit 3
fi
echo "gpu-contract: gpu extra installed in $((SECONDS - start)) s:" \
     "$(python -m pip list 2>/dev/null \
        | grep -Ei '^(cupy-|cudf-|cuml-|dask-cuda|numba|rmm-|pandas |numpy )' \
        | tr -s ' ' | paste -sd, -)"
# ESPRI_GPU_REQUIRE_RAPIDS=1: the contract tests fail (instead of skipping) if RAPIDS does
# not import. `-p no:cacheprovider` keeps the checkout clean.
status=0
ESPRI_GPU_REQUIRE_RAPIDS=1 python -m pytest -q -rs -p no:cacheprovider \
    tests/gpu_contract tests/test_kernels_cuda.py tests/test_gpu_namespaces.py || status=$?
# The static resource table for sm_75 (registers, spills, FP64 SASS, launch shapes; no GPU):
# benchmarks/results/gpu-static.json, its goals printed. A failure here is reported, and
# fails the run only if the tests passed.
if ! python benchmarks/gpu_static.py; then
    echo "gpu-contract: error: benchmarks/gpu_static.py failed" >&2
    [ "$status" -ne 0 ] || status=4
fi
echo "gpu-contract: done in $((SECONDS - start)) s"
exit "$status"
