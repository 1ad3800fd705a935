"""``python -m espri_gpu``: see :mod:`espri_gpu.cli`."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
