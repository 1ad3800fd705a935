"""Resampling kernels: counter-based RNG, O(1) samplers, random tables, Monte-Carlo drivers.

``rng`` and ``sampling`` hold device-level functions written once as plain Python and compiled
for a target by their ``build(jit)`` factories; ``cpu`` (``numba.njit``, parallel over
replicates) and ``cuda`` (``numba.cuda``, one thread per replicate, imported lazily) expose
drivers with the same names, signatures and random streams, so that one seed gives the same
draws on both. Nothing here imports ``numba.cuda`` unless ``espri_gpu.kernels.cuda`` is used.
"""
