"""Counter-based random numbers (SplitMix64 streams), one independent stream per replicate.

A run has a 64-bit ``seed``; replicate ``r`` of the run owns the SplitMix64 stream that starts
at

    state0(seed, r) = mix64(seed XOR mix64(r + GOLDEN))

and its ``k``-th 64-bit draw (k = 0, 1, ...) is

    draw(seed, r, k) = mix64(state0 + (k + 1) * GOLDEN)        (all arithmetic mod 2**64)

where ``mix64`` is SplitMix64's finaliser (Steele, Lea & Flood 2014, constants of Vigna's
``splitmix64.c``) and ``GOLDEN = 0x9E3779B97F4A7C15``. A uniform double in [0, 1) is the top 53
bits times 2**-53 (:func:`uniform`); the open variant in (0, 1) is ``(top 52 bits + 1/2) *
2**-52`` (:func:`uniform_open`), for samplers that divide by or take the log of a uniform.

Replicate ``r`` therefore draws the same numbers whatever chunk ``(start, count)`` it is
computed in, on whichever worker or device: Monte-Carlo p-values do not depend on how the
replicates are split. Everything is integer arithmetic on ``uint64`` (exact and identical under
``numba.njit``, ``numba.cuda.jit(device=True)`` and the CUDA simulator), and the conversion to
double is exact.

The running position of a stream is kept in a caller-owned ``uint64`` array ``state`` of
length >= 1 (``state[0]`` is the SplitMix64 state): no hidden RNG state anywhere.

Device functions, compiled per target by :mod:`espri_gpu.kernels.targets` (all inlined on
the CPU).
"""

from __future__ import annotations

import numpy as np

from espri_gpu.kernels.targets import inline

__all__ = ["GOLDEN", "mix64", "next_u64", "stream_start", "uniform", "uniform_open"]

#: SplitMix64 increment (2**64 / golden ratio, odd).
GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MUL1 = np.uint64(0xBF58476D1CE4E5B9)
_MUL2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_S12 = np.uint64(12)
_TWO_M52 = 2.0**-52
_TWO_M53 = 2.0**-53


@inline
def mix64(z):
    """SplitMix64 finaliser of the ``uint64`` ``z`` (a bijection of 64-bit words)."""
    z = (z ^ (z >> _S30)) * _MUL1
    z = (z ^ (z >> _S27)) * _MUL2
    return z ^ (z >> _S31)


@inline
def stream_start(seed, replicate):
    """SplitMix64 state before draw 0 of ``replicate``'s stream under ``seed``."""
    return mix64(np.uint64(seed) ^ mix64(np.uint64(replicate) + GOLDEN))


@inline
def next_u64(state):
    """Advance ``state[0]`` by one step and return the 64-bit draw."""
    s = state[0] + GOLDEN
    state[0] = s
    return mix64(s)


@inline
def uniform(state):
    """Next uniform double in [0, 1) (53 random bits)."""
    return float(next_u64(state) >> _S11) * _TWO_M53


@inline
def uniform_open(state):
    """Next uniform double in (0, 1) (52 random bits, centred in their cell)."""
    return (float(next_u64(state) >> _S12) + 0.5) * _TWO_M52
