"""Public names that import their module on first use (PEP 562), so that ``import espri_gpu``
and ``espri_gpu.stats`` stay light until a name is used."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_names"]


def lazy_names(namespace: dict[str, Any], public: Mapping[str, str]
               ) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The module-level ``__getattr__`` and ``__dir__`` of a package whose ``public`` names
    (name -> the submodule defining it) are imported on first use.

    ``namespace`` is the package's ``globals()``: a name, once imported, is kept there.

    Examples
    --------
    >>> import espri_gpu.stats as stats
    >>> "screen" in dir(stats) and callable(stats.screen)
    True
    """
    package = namespace["__name__"]

    def __getattr__(name: str) -> object:
        module = public.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{module}", package), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(public))

    return __getattr__, __dir__
