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
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

__all__ = ["GOLDEN", "build", "mix64"]

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


def mix64(z):
    """SplitMix64 finaliser of the ``uint64`` ``z`` (a bijection of 64-bit words)."""
    z = (z ^ (z >> _S30)) * _MUL1
    z = (z ^ (z >> _S27)) * _MUL2
    return z ^ (z >> _S31)


def build(jit, leaf_jit=None):
    """Compile the RNG device functions with ``jit``; returns a namespace of them.

    ``jit`` is ``numba.njit(...)`` for the CPU, ``numba.cuda.jit(device=True)`` for CUDA, or
    the identity for pure Python; ``leaf_jit`` (default ``jit``) compiles these small, hot
    functions (the CPU passes an inlining ``njit``). Each function below calls the versions
    of its helpers compiled for the same target (they are passed by closure).
    """
    leaf_jit = jit if leaf_jit is None else leaf_jit
    mix = leaf_jit(mix64)

    def stream_start(seed, replicate):
        """SplitMix64 state before draw 0 of ``replicate``'s stream under ``seed``."""
        return mix(np.uint64(seed) ^ mix(np.uint64(replicate) + GOLDEN))

    def next_u64(state):
        """Advance ``state[0]`` by one step and return the 64-bit draw."""
        s = state[0] + GOLDEN
        state[0] = s
        return mix(s)

    next_u64 = leaf_jit(next_u64)

    def uniform(state):
        """Next uniform double in [0, 1) (53 random bits)."""
        return float(next_u64(state) >> _S11) * _TWO_M53

    def uniform_open(state):
        """Next uniform double in (0, 1) (52 random bits, centred in their cell)."""
        return (float(next_u64(state) >> _S12) + 0.5) * _TWO_M52

    return SimpleNamespace(mix64=mix, stream_start=leaf_jit(stream_start), next_u64=next_u64,
                           uniform=leaf_jit(uniform), uniform_open=leaf_jit(uniform_open))
