"""Launch shapes of the CUDA drivers (issue #18): pure functions, checked on the CPU.

HAL's RTX 2080 Ti (68 SMs, 48 KiB of shared memory per block, 64 KiB per SM) at the default
B = 4999: every resampling launch of the benchmark shapes gives work to all 68 SMs, its
shared memory fits, and the blocks are all resident at once.
"""

from __future__ import annotations

import pytest

from espri_gpu.defaults import DEFAULT_RESAMPLES
from espri_gpu.kernels import cuda

DEV = cuda.RTX_2080_TI
# distinct answer patterns of the benchmark workloads and the balls of their small columns
# (registry.pattern_labels; benchmarks/results/gpu-static.json)
MMI = dict(n_labels=71936, npa=10, npb=5670, ni=10, nk=15)
SPMI = dict(n_labels=496310, npa=792, npb=700, ni=10, nk=10)


def _one_wave(shape: cuda.LaunchShape) -> bool:
    return shape.blocks <= DEV.sms * shape.resident_per_sm


def test_montecarlo_10x15_fills_every_sm_from_shared_memory():
    shape = cuda.table_statistics_shape(10, 15, 4 * 10**6, DEFAULT_RESAMPLES)
    assert shape.kernel == "table_statistics_shared" and shape.path == "shared"
    assert shape.sms_filled == DEV.sms and _one_wave(shape)
    assert shape.shared_bytes == shape.threads * cuda.table_shared_bytes(10, 15)
    assert shape.shared_bytes <= DEV.shared_per_block
    assert shape.resident_per_sm * shape.shared_bytes <= DEV.shared_per_sm
    assert shape.blocks * shape.threads >= DEFAULT_RESAMPLES and shape.launches == 1


@pytest.mark.parametrize("sizes", [MMI, SPMI], ids=["mmi-1e5", "spmi-1e6"])
def test_pattern_benchmarks_give_every_sm_replicates(sizes):
    shape = cuda.pattern_statistics_shape(**sizes, count=DEFAULT_RESAMPLES)
    assert shape.kernel == "pattern_statistics" and shape.path == "global"
    assert shape.sms_filled == DEV.sms and _one_wave(shape)
    assert shape.blocks >= 6 * DEV.sms  # several independent warps on every SM
    per_launch = -(-DEFAULT_RESAMPLES // shape.launches)
    assert shape.scratch_bytes <= cuda.SCRATCH_BYTES
    assert shape.scratch_bytes == (cuda.SCRATCH_BYTES // cuda.pattern_bytes(**sizes)
                                   * cuda.pattern_bytes(**sizes))  # as many as fit
    assert shape.blocks * shape.threads >= per_launch


def test_pattern_launches_fill_the_block_slots_before_the_warps():
    """Few replicates per launch: one-warp blocks in every slot the registers allow; many:
    whole warps (threads_per_block)."""
    slots = DEV.sms * cuda.resident_blocks(32, 0, cuda.KERNEL_REGISTERS["pattern_statistics"])
    for per_launch in (1, 68, 500, slots, slots + 1, 5 * slots, 40 * slots):
        shape = cuda.pattern_statistics_shape(10, 3, 4, 2, 3, per_launch, budget=10**12)
        assert shape.blocks * shape.threads >= per_launch
        if per_launch <= 32 * slots:
            assert shape.threads == -(-per_launch // slots) and shape.blocks <= slots
    big = cuda.pattern_statistics_shape(10, 3, 4, 2, 3, 10**6, budget=10**12)
    assert big.threads == cuda.threads_per_block(10**6, registers=cuda.KERNEL_REGISTERS[
        "pattern_statistics"])


def test_memory_bound_launches_spread_over_every_sm():
    """Chunks of a few hundred replicates (memory-bound) get small blocks on all 68 SMs
    rather than whole warps on fewer; large launches keep :func:`threads_per_block`."""
    for budget_replicates in (68, 100, 500, 1000, 2000):
        shape = cuda.replicate_shape("pattern_statistics", DEFAULT_RESAMPLES, 1000,
                                     budget=1000 * budget_replicates)
        assert shape.sms_filled == DEV.sms, budget_replicates
        assert shape.blocks * shape.threads >= budget_replicates
    small = cuda.replicate_shape("pattern_statistics", 30, 1000)
    assert small.blocks * small.threads >= 30 and small.sms_filled == small.blocks
    big = cuda.replicate_shape("tables", DEFAULT_RESAMPLES, 8 * 161)
    assert big.threads == cuda.threads_per_block(DEFAULT_RESAMPLES)


def test_the_shapes_before_issue_18_left_most_sms_idle():
    """What the drivers did before (one thread per replicate, 128-thread blocks, 256 MiB of
    scratch a launch): 5 blocks for MMI, 1 for SPMI (the numbers of the review)."""
    def old_blocks(per_replicate: int) -> int:
        per_launch = min(DEFAULT_RESAMPLES, 256 * 2**20 // per_replicate)
        return -(-per_launch // min(128, per_launch))

    def per(s):  # the whole urn (n respondents) before, one table cell
        n = 10**5 if s is MMI else 10**6
        return (8 * (1 + 2 * s["npa"] + s["npb"] + s["ni"] * s["nk"] + s["ni"] + s["nk"] + 2)
                + 4 * n)

    assert (old_blocks(per(MMI)), old_blocks(per(SPMI))) == (5, 1)


def test_tables_too_large_for_shared_memory_take_the_global_kernel_and_say_why():
    big = cuda.table_statistics_shape(60, 60, 10**5, DEFAULT_RESAMPLES)
    assert big.kernel == "table_statistics" and big.path == "global"
    assert "a warp's 60 x 60 tables need" in big.note
    assert cuda.table_statistics_shape(15, 20, 10**5, 10).path == "shared"  # 300 cells
    huge = cuda.table_statistics_shape(3, 3, 2**31, DEFAULT_RESAMPLES)
    assert huge.path == "global" and "2**31" in huge.note


def _ceil(a: int, b: int) -> int:
    return -(-a // b)


@pytest.mark.parametrize("count", [1, 5, 67, 68, 300, 640, 4999, 10**4, 10**6])
@pytest.mark.parametrize("shared", [0, 688, 1500])
def test_threads_per_block_gives_the_busiest_sm_the_fewest_warps(count, shared):
    t = cuda.threads_per_block(count, shared_per_thread=shared)
    assert 1 <= t <= cuda.THREADS_PER_BLOCK and t * shared <= DEV.shared_per_block

    def busiest(size: int) -> int:  # warps on the busiest SM, blocks spread evenly
        return _ceil(_ceil(count, size), DEV.sms) * _ceil(size, 32)

    sizes = [s for s in range(1, cuda.THREADS_PER_BLOCK + 1) if s * shared <= DEV.shared_per_block]
    assert busiest(t) == min(busiest(s) for s in sizes)


def test_resident_blocks_counts_every_limit():
    assert cuda.resident_blocks(32) == DEV.max_blocks_per_sm
    assert cuda.resident_blocks(1024) == 1
    assert cuda.resident_blocks(32, shared_bytes=30 * 1024) == 2
    assert cuda.resident_blocks(64, registers=255) == 65536 // (255 * 64)


def test_launch_shape_is_a_frozen_record_with_a_json_form():
    shape = cuda.table_statistics_shape(10, 15, 4 * 10**6, 10)
    with pytest.raises(AttributeError):
        shape.blocks = 1  # type: ignore[misc]
    assert shape.as_dict()["kernel"] == "table_statistics_shared"
