"""Defaults shared by the API and the command line, in a module that imports nothing (the
command line reads them before loading NumPy, pandas or SciPy)."""

#: Random tables / resamples per Monte-Carlo or resampling test, everywhere (API, CLI).
DEFAULT_RESAMPLES = 4999
