"""GPU libraries are imported only where the backend layer lives.

``import espri_gpu`` must work without RAPIDS, and the choice of numpy/cupy must be made in
one place, so ``cupy``, ``cudf``, ``cuml`` and friends may be imported only by the modules
listed in ``ALLOWED``. The check reads the source with :mod:`ast` (nothing is imported).
"""

from __future__ import annotations

import ast
from pathlib import Path

from espri_gpu.backend import GPU_MODULES

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "espri_gpu"
#: The GPU libraries (top-level import names; parts of other libraries such as numba.cuda
#: are not counted).
GPU_LIBRARIES = frozenset(m for m in GPU_MODULES if "." not in m)
ALLOWED = frozenset({"espri_gpu/backend.py", "espri_gpu/distributed.py",
                     "espri_gpu/kernels/cuda.py"})


def gpu_imports(source: str, filename: str = "<string>") -> list[tuple[int, str]]:
    """(line, module) for every absolute import of a GPU library in ``source``.

    Imports anywhere count (module level, inside functions, under ``if TYPE_CHECKING``);
    relative imports (``from . import cupy``) name package modules and do not.
    """
    found = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [(node.lineno, n) for n in names if n.split(".")[0] in GPU_LIBRARIES]
    return sorted(found)


def package_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_gpu_libraries_are_imported_only_by_the_backend_layer():
    offences = []
    for path in package_files():
        rel = path.relative_to(ROOT).as_posix()
        if rel in ALLOWED:
            continue
        source = path.read_text(encoding="utf-8")
        offences += [f"{rel}:{line}: import {name}" for line, name in gpu_imports(source, rel)]
    assert not offences, (
        "GPU libraries imported outside " + ", ".join(sorted(ALLOWED)) + ":\n"
        + "\n".join(offences)
    )


def test_the_walk_sees_the_package():
    rels = {p.relative_to(ROOT).as_posix() for p in package_files()}
    assert {"espri_gpu/__init__.py", "espri_gpu/backend.py", "espri_gpu/info.py"} <= rels


def test_checker_reports_an_import_inside_a_function():
    source = (
        "import numpy as np\n"
        "\n"
        "def to_device(values):\n"
        "    import cupy as cp\n"
        "    return cp.asarray(values)\n"
    )
    assert gpu_imports(source) == [(4, "cupy")]


def test_checker_reports_every_import_form():
    source = (
        "import os, cudf\n"
        "import cupyx.scipy.sparse\n"
        "from cuml.cluster import KMeans\n"
        "from dask_cuda import LocalCUDACluster\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    import rmm\n"
        "try:\n"
        "    import dask_cudf as dc\n"
        "except ImportError:\n"
        "    dc = None\n"
    )
    assert gpu_imports(source) == [(1, "cudf"), (2, "cupyx.scipy.sparse"),
                                   (3, "cuml.cluster"), (4, "dask_cuda"), (7, "rmm"),
                                   (9, "dask_cudf")]


def test_checker_ignores_look_alikes_and_relative_imports():
    source = (
        "import cupyd\n"
        "import numpy.cupy\n"
        "from . import cupy\n"
        "from .kernels import cuda\n"
        "from .backend import resolve_backend\n"
        "name = 'cupy'\n"
    )
    assert gpu_imports(source) == []


def test_backend_helpers_have_one_copy():
    """Issue #17: the backend and the Dask layer word their errors with one helper."""
    from espri_gpu import backend, distributed, errors

    assert distributed.one_line is backend.one_line is errors.one_line
