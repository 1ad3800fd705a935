"""The package is built in layers: imports go down, never up, and never in a circle.

:data:`LAYERS` is the one place that says which layer each module of ``espri_gpu/`` is in
(README "How the code is laid out" shows the same map). The checks read the source with
:mod:`ast` (nothing is imported) and see every import: at module level, inside functions, and
under ``if TYPE_CHECKING:``. A module may import from its own layer or a lower one. The
imports that run (all but ``TYPE_CHECKING`` ones, which are never executed), together with the
package ``__init__`` modules that importing a submodule runs, must form no circle. An import
inside a function is kept for heavy or optional libraries: of this package, only the modules
of :data:`LAZY` may be imported that way, and only the command line (:data:`LAZY_IMPORTERS`:
it answers a user error before pandas or NumPy load) imports the rest lazily. No module
imports another module's private (``_``-prefixed) names.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "espri_gpu"

#: (layer, what it holds, its modules), lowest first. Names are relative to ``espri_gpu``;
#: ``""`` is the package itself, a name ending in ``.*`` every module of a subpackage.
LAYERS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("base", "errors, defaults and helpers that import nothing of espri_gpu; the package's "
             "public names, resolved on first use",
     ("", "_lazy", "errors", "defaults", "machine", "display", "redaction", "timestamps")),
    ("backend", "where work runs: NumPy or CuPy, this process or Dask workers; the kernels",
     ("execution", "backend", "gpu_host", "factorize", "info", "kernels", "kernels.*")),
    ("codebook", "questions and options; splitting a cell into options",
     ("codebook", "codebook_model", "codebook_toml", "splitting")),
    ("answers", "a file as raw cells; parsed answers and the load report",
     ("tables", "csv_blocks", "answers", "parsing", "interpretations")),
    ("survey", "the Survey, and Survey.from_frame", ("frame_layout", "frames", "survey")),
    ("reading", "reading an export into a Survey (in one process or in partitions); "
                "drafting a codebook; the bundled example",
     ("responses", "responses_partitioned", "example", "drafting", "drafting.*")),
    ("analysis", "indicators, counts, cross tables, tests, groups; result files",
     ("encoding", "counting", "rare_answers", "stats", "stats.*", "grouping", "grouping.*",
      "outputs")),
    ("presentation", "figures and the report page",
     ("i18n", "progress", "html_report", "plotting", "report_figures", "report_page")),
    ("pipeline", "the report pipeline, on one process or a Dask cluster",
     ("distributed", "report")),
    ("entry", "command line, benchmarks and synthetic data",
     ("cli", "__main__", "bench", "workloads", "synthetic", "synthetic_layouts",
      "synthetic_answers", "synthetic_writers", "synthetic_check", "gpu_contract")),
)
#: Modules that may be imported inside a function (they load a heavy or optional library).
LAZY = {
    "kernels.cpu": "Numba (its import and the kernels' compilation)",
    "kernels.cuda": "numba-cuda, optional (GPU backend only)",
}
#: Modules that may import any lower module inside a function, and why.
LAZY_IMPORTERS = {
    "cli": "a user error (a missing file, a bad option) answers before pandas or NumPy load",
}


@dataclass(frozen=True)
class Import:
    """One import of a module of the package."""

    source: str          # importing module, e.g. "stats.resampling"
    target: str          # imported module, e.g. "kernels.cpu" ("" = the package)
    line: int
    where: str           # "module", "function" or "type" (under TYPE_CHECKING)
    names: tuple[str, ...] = ()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_modules() -> dict[str, Path]:
    """Every module of the package (``data/`` holds files, not modules)."""
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))
            if "data" not in p.relative_to(PACKAGE).parts}


def _resolve(name: str, modules: set[str]) -> str | None:
    """The longest module of the package that ``name`` (relative to espri_gpu) names."""
    while name not in modules:
        if not name:
            return None
        name = name.rpartition(".")[0]
    return name


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            found |= {id(sub) for stmt in node.body for sub in ast.walk(stmt)}
    return found


def _function_nodes(tree: ast.AST) -> set[int]:
    return {id(sub) for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            for sub in ast.walk(node) if sub is not node}


def imports_of(source: str, module: str, modules: set[str], *,
               is_package: bool = False) -> list[Import]:
    """The imports of package modules in ``source`` (the text of ``module``)."""
    tree = ast.parse(source)
    typing_only, in_functions = _type_checking_nodes(tree), _function_nodes(tree)
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [(a.name, ()) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".") if package else []
                base = base[:len(base) - (node.level - 1)]
                stem = ".".join(base + ([node.module] if node.module else []))
                absolute = f"espri_gpu.{stem}" if stem else "espri_gpu"
            else:
                absolute = node.module or ""
            names = tuple(a.name for a in node.names)
            # `from pkg import submodule` imports the submodule; `from mod import name` mod
            targets = [(f"{absolute}.{n}", ()) if _is_module(f"{absolute}.{n}", modules)
                       else (absolute, (n,)) for n in names]
        else:
            continue
        where = ("type" if id(node) in typing_only else
                 "function" if id(node) in in_functions else "module")
        for absolute, names in targets:
            if absolute != "espri_gpu" and not absolute.startswith("espri_gpu."):
                continue
            target = _resolve(absolute.removeprefix("espri_gpu").lstrip("."), modules)
            if target is not None and target != module:
                found.append(Import(module, target, node.lineno, where, names))
    return found


def _is_module(absolute: str, modules: set[str]) -> bool:
    return absolute.startswith("espri_gpu.") and absolute.removeprefix("espri_gpu.") in modules


def all_imports() -> list[Import]:
    modules = package_modules()
    names = set(modules)
    return [imp for name, path in modules.items()
            for imp in imports_of(path.read_text(encoding="utf-8"), name, names,
                                  is_package=path.name == "__init__.py")]


def layer_of() -> dict[str, int]:
    """Module -> index of its layer in :data:`LAYERS`; every module must be placed once."""
    modules = package_modules()
    placed: dict[str, int] = {}
    for index, (_, _, members) in enumerate(LAYERS):
        for member in members:
            if member.endswith(".*"):
                parent = member[:-2]
                matched = [m for m in modules if m.startswith(parent + ".")]
            else:
                matched = [member] if member in modules else []
            assert matched, f"LAYERS names {member!r}, which is no module of espri_gpu"
            for m in matched:
                assert m not in placed, f"{m!r} is in two layers"
                placed[m] = index
    return placed


def runtime_graph(imports: list[Import], modules: set[str]) -> dict[str, set[str]]:
    """Module -> modules its import runs: its imports but ``TYPE_CHECKING`` ones, and the
    ``__init__`` of every package above each of them (but the packages above the importing
    module itself, which Python has always started to import before it)."""
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for imp in imports:
        if imp.where == "type":
            continue
        graph[imp.source].add(imp.target)
        target = imp.target
        while target:
            target = target.rpartition(".")[0]
            if not (target == "" or imp.source.startswith(target + ".")):
                graph[imp.source].add(target)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _shown(module: str) -> str:
    return f"espri_gpu.{module}" if module else "espri_gpu"


# --------------------------------------------------------------------- the package


def test_every_module_is_in_one_layer():
    placed = layer_of()
    missing = sorted(set(package_modules()) - set(placed))
    assert not missing, f"add these modules to LAYERS in {__name__}: {missing}"


def test_imports_never_go_up_a_layer():
    layer = layer_of()
    upward = [f"{_shown(i.source)}:{i.line} ({LAYERS[layer[i.source]][0]}) imports "
              f"{_shown(i.target)} ({LAYERS[layer[i.target]][0]})"
              for i in all_imports() if layer[i.target] > layer[i.source]]
    assert not upward, "imports from a lower layer up to a higher one:\n" + "\n".join(upward)


def test_no_import_circles():
    found = circles(runtime_graph(all_imports(), set(package_modules())))
    assert not found, "import circles: " + "; ".join(" <-> ".join(c) for c in found)


def test_function_level_imports_are_for_heavy_or_optional_libraries_only():
    hidden = [f"{_shown(i.source)}:{i.line} imports {_shown(i.target)} inside a function"
              for i in all_imports() if i.where == "function" and i.target not in LAZY
              and i.source not in LAZY_IMPORTERS]
    assert not hidden, ("move these imports to the top of the module (or, for a heavy "
                        "library, add the module to LAZY with why):\n" + "\n".join(hidden))


def test_no_module_imports_private_names_of_another():
    modules = package_modules()
    offences = [f"{_shown(i.source)}:{i.line} imports {name} from {_shown(i.target)}"
                for i in all_imports() for name in i.names
                if name.startswith("_") and not name.startswith("__")]
    for name, path in modules.items():  # module._name on an imported package module
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = {alias.asname or alias.name: alias.name for node in ast.walk(tree)
                   if isinstance(node, ast.ImportFrom) and node.level
                   for alias in node.names}
        offences += [f"{_shown(name)}:{node.lineno} uses {node.value.id}.{node.attr}"
                     for node in ast.walk(tree)
                     if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                     and node.value.id in aliases and node.attr.startswith("_")
                     and not node.attr.startswith("__")]
    assert not offences, "private names used across modules:\n" + "\n".join(offences)


def test_readme_shows_the_layers():
    """README "How the code is laid out" has one row per layer, in order, with its modules
    (``__init__`` is the package, ``name/`` a subpackage and its modules)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## How the code is laid out", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1:3] for line in section.splitlines()
            if line.startswith("| ") and "`" in line]
    shown = []
    for name, modules in rows:
        names = re.findall(r"`([^`]+)`", modules)
        members = sorted(m for n in names for m in (
            ("",) if n == "__init__" else (n[:-1], n[:-1] + ".*") if n.endswith("/") else (n,)))
        shown.append((name.strip(), members))
    assert shown == [(name, sorted(members)) for name, _, members in LAYERS]


# --------------------------------------------------------------------- the checker itself

TOY = {"", "low", "mid", "high", "pkg", "pkg.inner"}


def _imports(source: str, module: str = "mid", *, package: bool = False) -> list[Import]:
    return imports_of(source, module, TOY, is_package=package)


def test_checker_sees_every_kind_of_import():
    source = ("from typing import TYPE_CHECKING\n"
              "import numpy as np\n"
              "from .low import thing\n"
              "from . import high\n"
              "import espri_gpu.pkg.inner\n"
              "if TYPE_CHECKING:\n"
              "    from .high import Type\n"
              "def f():\n"
              "    from .pkg import inner\n"
              "    return inner\n")
    found = [(i.target, i.where, i.line) for i in _imports(source)]
    assert found == [("low", "module", 3), ("high", "module", 4), ("pkg.inner", "module", 5),
                     ("high", "type", 7), ("pkg.inner", "function", 9)]


def test_checker_resolves_relative_imports_in_packages():
    assert [i.target for i in _imports("from .. import low\nfrom . import name\n",
                                       "pkg.inner")] == ["low", "pkg"]
    assert [i.target for i in _imports("from .inner import x\n", "pkg", package=True)] == [
        "pkg.inner"]
    assert [i.target for i in _imports("from . import __version__\n")] == [""]


def test_checker_finds_a_circle_through_a_function_level_import():
    imports = _imports("def f():\n    from .high import x\n") + _imports(
        "from .mid import y\n", "high")
    graph = {m: set() for m in TOY}
    for i in imports:
        graph[i.source].add(i.target)
    assert circles(graph) == [["high", "mid"]]


def test_runtime_graph_ignores_type_only_imports_and_adds_parent_packages():
    imports = [Import("low", "pkg.inner", 1, "module"), Import("mid", "high", 2, "type"),
               Import("pkg.inner", "low", 3, "module")]
    graph = runtime_graph(imports, TOY)
    assert graph["low"] == {"pkg.inner", "pkg"} and graph["mid"] == set()
    assert graph["pkg.inner"] == {"low"}  # its own package is being imported already
    assert circles(graph) == [["low", "pkg.inner"]]


@pytest.mark.parametrize("names", [("_private",), ("Public", "_helper")])
def test_checker_reports_private_names(names):
    source = f"from .low import {', '.join(names)}\n"
    assert [i.names for i in _imports(source)] == [(n,) for n in names]
