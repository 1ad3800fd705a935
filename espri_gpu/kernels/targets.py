"""Compile the kernel sources for a target: the CPU (Numba), CUDA (numba-cuda) or pure Python.

The device functions (:mod:`.rng`, :mod:`.logfactorials`, :mod:`.samplers`,
:mod:`.statistics`, :mod:`.table_fill`, :mod:`.replicates`) are plain module-level Python
functions that call their helpers by module-global name, and import them with *relative*
imports (``from .rng import uniform``). Imported normally, these modules are the pure-Python
version (slow; tests and the CUDA simulator's reference). For the CPU and CUDA targets,
:func:`module` executes a module's source again into a fresh module object,
``espri_gpu.kernels._<target>.<name>`` in :data:`sys.modules` (its ``__file__`` the real
file, so Numba's cache locator finds it and notices when it changes): the relative imports
there resolve to the same target's modules (compiled first, on demand), then the target's
globals are bound (the CPU's inline ``llvm.sqrt`` for ``sqrt``, ``numba.cuda`` for ``cuda``)
and every function the module defines is replaced by its compiled version:
``numba.njit(error_model="numpy")`` (``inline="always"`` for functions marked
:func:`inline`) or ``numba.cuda.jit(device=True)``. Non-kernel modules are imported with
absolute imports (``from espri_gpu.kernels.registry import PEARSON``).

The entry kernels (:mod:`.cpu_kernels`, :mod:`.cuda_kernels`; one ``<name>_kernel`` per entry
of :data:`.registry.KERNELS`) are compiled by :func:`kernel` with their explicit signature
and ``cache=True``: Numba keeps the machine code on disk (``__pycache__`` next to the source,
or its user-wide cache when that is read-only, or ``NUMBA_CACHE_DIR``) and the next process
loads it instead of compiling. Numba checks only the kernel's own file for changes, not the
files of the device functions compiled into it; so every kernel's qualified name carries
:func:`source_digest`, a hash of all the kernel sources, and a change anywhere in them makes
new cache entries.
"""

from __future__ import annotations

import ast
import hashlib
import sys
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from pathlib import Path
from types import FunctionType, ModuleType, SimpleNamespace
from typing import Any

from espri_gpu.kernels.registry import KERNELS

__all__ = ["TARGETS", "device_functions", "inline", "kernel", "kernel_function", "module",
           "source_digest"]

#: Targets: ``"cpu"`` (``numba.njit``), ``"cuda"`` (``numba.cuda.jit``, or Numba's simulator
#: under ``NUMBA_ENABLE_CUDASIM=1``) and ``"python"`` (the modules as imported).
TARGETS = ("cpu", "cuda", "python")
#: The device-function modules, in dependency order.
DEVICE_MODULES = ("rng", "logfactorials", "samplers", "statistics", "table_fill", "replicates")
_PACKAGE = __name__.rpartition(".")[0]
_HERE = Path(__file__).resolve().parent
_lock = threading.RLock()
_kernels: dict[tuple[str, str], Any] = {}


def inline(fn: FunctionType) -> FunctionType:
    """Mark a device function to be inlined into its callers on the CPU (returns ``fn``).

    For the small, hot functions (uniforms, Stirling steps, the HRUA and BRUA loops):
    inlining the HRUA loop into the table filler cut the time per 10 x 15 table at total 4e6
    by 15%. The rarely taken exact log-density paths stay out of line, so that compilation
    stays short. CUDA and pure Python ignore the mark.
    """
    fn._espri_inline = True
    return fn


@dataclass(frozen=True)
class _Target:
    """How one target compiles: device functions, entry kernels, and globals it rebinds."""

    device: Callable[[FunctionType], Any]
    inline: Callable[[FunctionType], Any]
    kernel: Callable[[FunctionType, str, bool, bool], Any]  # fn, signature, per_replicate, cache
    kernel_module: str
    bindings: dict[str, Any] = field(default_factory=dict)
    #: {module: {function: module of its replacement}}: device functions this target
    #: replaces by a same-draws version of its own (none today).
    overrides: dict[str, dict[str, str]] = field(default_factory=dict)


def _cpu_sqrt():
    """An inline ``llvm.sqrt.f64`` intrinsic (Numba lowers :func:`math.sqrt` to a libm call;
    both are correctly rounded, so the draws are the same)."""
    from llvmlite import ir
    from numba import types
    from numba.extending import intrinsic

    @intrinsic
    def sqrt(typingctx, x):
        if not isinstance(x, types.Float):
            return None
        sig = types.float64(types.float64)

        def codegen(context, builder, signature, args):
            value = context.cast(builder, args[0], signature.args[0], types.float64)
            fn = builder.module.declare_intrinsic("llvm.sqrt", [ir.DoubleType()])
            return builder.call(fn, [value])

        return sig, codegen

    return sqrt


def _cpu() -> _Target:
    import numba

    def compile_kernel(fn, signature, per_replicate, cache):
        return numba.njit(signature, parallel=per_replicate, error_model="numpy",
                          cache=cache)(fn)

    return _Target(device=numba.njit(error_model="numpy"),
                   inline=numba.njit(error_model="numpy", inline="always"),
                   kernel=compile_kernel, kernel_module="cpu_kernels",
                   bindings={"sqrt": _cpu_sqrt()})


def strided_view(base, offset, rows, cols, row_step, col_step):
    """A ``rows x cols`` view of the 1-D array ``base`` from element ``offset``, element
    ``(i, j)`` at ``offset + i row_step + j col_step`` (NumPy; the CUDA simulator's version
    of :func:`_cuda_strided_view`)."""
    from numpy.lib.stride_tricks import as_strided

    item = base.itemsize
    return as_strided(base[offset:], shape=(rows, cols),
                      strides=(row_step * item, col_step * item))


def _cuda_strided_view():
    """:func:`strided_view` as a Numba intrinsic, for a 2-D view of a thread's part of the
    dynamic shared memory (``reshape`` would call a helper that numba-cuda links at load
    time, and ``as_strided`` cannot return a view on CUDA)."""
    from llvmlite import ir
    from numba.core import types

    try:
        from numba.cuda.extending import intrinsic
    except ImportError:  # older numba-cuda
        from numba.core.extending import intrinsic

    @intrinsic
    def view(typingctx, base, offset, rows, cols, row_step, col_step):
        if not isinstance(base, types.Array) or base.ndim != 1:
            return None
        sig = types.Array(base.dtype, 2, "A")(base, offset, rows, cols, row_step, col_step)

        def codegen(context, builder, signature, args):
            src = context.make_array(signature.args[0])(context, builder, args[0])
            out = context.make_array(signature.return_type)(context, builder)
            intp = context.get_value_type(types.intp)
            item = ir.Constant(intp, context.get_abi_sizeof(context.get_data_type(base.dtype)))
            off, nrows, ncols, step0, step1 = (
                context.cast(builder, v, t, types.intp)
                for v, t in zip(args[1:], signature.args[1:], strict=True))

            def pack(values):
                packed = ir.Constant(ir.ArrayType(intp, len(values)), None)
                for i, value in enumerate(values):
                    packed = builder.insert_value(packed, value, i)
                return packed

            context.populate_array(out, data=builder.gep(src.data, [off]),
                                   shape=pack([nrows, ncols]),
                                   strides=pack([builder.mul(step0, item),
                                                 builder.mul(step1, item)]),
                                   itemsize=item, meminfo=None)
            return out._getvalue()

        return sig, codegen

    return view


def _cuda() -> _Target:
    from numba import cuda

    def compile_kernel(fn, signature, per_replicate, cache):
        return cuda.jit(signature, cache=cache)(fn)

    device = cuda.jit(device=True)
    from numba.core import config

    view = strided_view if config.ENABLE_CUDASIM else _cuda_strided_view()
    return _Target(device=device, inline=device, kernel=compile_kernel,
                   kernel_module="cuda_kernels",
                   bindings={"cuda": cuda, "strided_view": view})


@cache
def _target(name: str) -> _Target:
    if name == "cpu":
        return _cpu()
    if name == "cuda":
        return _cuda()
    raise ValueError(f"`target` is {name!r}; expected one of 'cpu', 'cuda'")


@cache
def source_digest() -> str:
    """Hash (16 hex digits) of every ``espri_gpu/kernels/*.py``, part of each cached kernel's
    name: editing any kernel source gives new cache entries, never a stale kernel."""
    digest = hashlib.sha256()
    for path in sorted(_HERE.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _relative_imports(tree: ast.Module) -> list[str]:
    """Names of the sibling modules a source imports relatively (``from .x import y``)."""
    names = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            names += [node.module] if node.module else [a.name for a in node.names]
    return names


def _package(target: str) -> str:
    name = f"{_PACKAGE}._{target}"
    if name not in sys.modules:
        package = ModuleType(name, f"Kernel modules compiled for the {target} target.")
        package.__path__ = []  # a package whose modules only module() creates
        sys.modules[name] = package
    return name


def module(target: str, name: str) -> ModuleType:
    """The kernel source module ``name`` compiled for ``target`` (created on first request).

    Parameters
    ----------
    target : {"cpu", "cuda", "python"}
        ``"python"`` returns the module as imported.
    name : str
        A module of ``espri_gpu.kernels`` (``"samplers"``, ``"cpu_kernels"``, ...).

    Returns
    -------
    types.ModuleType
        Its device functions are the target's compiled ones (Numba compiles each on its first
        call); the entry kernels of ``cpu_kernels`` / ``cuda_kernels`` stay Python functions
        (see :func:`kernel`).

    Examples
    --------
    >>> from espri_gpu.kernels.targets import module
    >>> samplers = module("cpu", "samplers")
    >>> samplers.__name__, type(samplers.binomial).__name__
    ('espri_gpu.kernels._cpu.samplers', 'CPUDispatcher')
    >>> module("python", "samplers").binomial.__module__
    'espri_gpu.kernels.samplers'
    """
    if target == "python":
        return import_module(f"{_PACKAGE}.{name}")
    spec = _target(target)
    with _lock:
        full = f"{_package(target)}.{name}"
        if full in sys.modules:
            return sys.modules[full]
        path = _HERE / f"{name}.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for dependency in _relative_imports(tree):
            module(target, dependency)
        mod = ModuleType(full)
        mod.__file__ = str(path)
        mod.__package__ = full.rpartition(".")[0]
        sys.modules[full] = mod
        try:
            exec(compile(tree, str(path), "exec"), mod.__dict__)
            vars(mod).update(spec.bindings)
            if name != spec.kernel_module:
                for attr, obj in list(vars(mod).items()):
                    if isinstance(obj, FunctionType) and obj.__module__ == full:
                        jit = spec.inline if vars(obj).get("_espri_inline") else spec.device
                        setattr(mod, attr, jit(obj))
            for attr, source in spec.overrides.get(name, {}).items():
                setattr(mod, attr, getattr(module(target, source), attr))
        except BaseException:
            del sys.modules[full]
            raise
        return mod


def kernel_function(target: str, name: str) -> FunctionType:
    """The Python function of the entry kernel ``name`` (a key of :data:`.registry.KERNELS`),
    its device functions compiled for ``target``; e.g. to compile it to PTX elsewhere."""
    return getattr(module(target, _target(target).kernel_module), f"{name}_kernel")


def kernel(target: str, name: str):
    """The entry kernel ``name`` compiled for ``target`` (loaded from Numba's disk cache when
    it holds this version), kept for the process.

    Examples
    --------
    >>> import numpy as np
    >>> from espri_gpu.kernels.targets import kernel
    >>> out, states = np.zeros((2, 3)), np.zeros((1, 8), np.uint64)
    >>> kernel("cpu", "uniform")(np.uint64(7), 0, out, states)
    >>> bool(((out >= 0) & (out < 1)).all())
    True
    """
    key = (target, name)
    with _lock:
        if key not in _kernels:
            spec = KERNELS[name]
            if target not in spec.targets:
                raise ValueError(f"the kernel {name!r} exists for {spec.targets}, "
                                 f"not for {target!r}")
            fn = kernel_function(target, name)
            fn.__qualname__ = f"{fn.__name__}_{source_digest()}"
            _kernels[key] = _compile_cached(target, fn, spec)
        return _kernels[key]


def _compile_cached(target: str, fn: FunctionType, spec) -> Any:
    """Compile with ``cache=True``; where Numba cannot cache (no writable cache directory:
    read-only install and home, say), warn and compile for this process only."""
    compile_kernel = _target(target).kernel
    try:
        return compile_kernel(fn, spec.signature, spec.per_replicate, True)
    except Exception as error:  # noqa: BLE001 - a real compilation error recurs just below
        compiled = compile_kernel(fn, spec.signature, spec.per_replicate, False)
        warnings.warn(f"espri_gpu: the {target} kernels cannot be cached on disk ({error}); "
                      "they are compiled again in every process: set NUMBA_CACHE_DIR to a "
                      "writable directory", RuntimeWarning, stacklevel=3)
        return compiled


def device_functions(target: str) -> SimpleNamespace:
    """Every device function compiled for ``target``, in one namespace (tests, exploration).

    Examples
    --------
    >>> from espri_gpu.kernels.targets import device_functions
    >>> round(device_functions("cpu").logfactorial(200), 6)
    863.231987
    """
    found = {}
    for name in DEVICE_MODULES:
        plain, compiled = module("python", name), module(target, name)
        found.update({attr: vars(compiled)[attr] for attr, obj in vars(plain).items()
                      if isinstance(obj, FunctionType) and obj.__module__ == plain.__name__})
    return SimpleNamespace(**found)
