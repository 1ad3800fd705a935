"""Find espri_gpu's GPU calls in its source, and check them against installed libraries.

Two halves, both importable without any GPU library:

* :func:`scan_source` / :func:`scan_package` read the package's source with :mod:`ast` and list
  every use of a GPU namespace: ``(owner, name, keywords)`` such as
  ``("cupy", "bincount", ("minlength",))`` for ``xp.bincount(x, minlength=n)``.
  :func:`uncovered` compares those uses with :data:`espri_gpu.gpu_contract.CONTRACT`.
* :func:`check_entry` resolves one contract entry in the installed libraries (through an
  ``import_module`` that tests replace with fakes) and checks its keyword names with
  :func:`inspect.signature`; :func:`check_call` binds one scanned call (positional count and
  keywords) to the real signature.

What the scan recognises as a GPU namespace (the rules are deliberately syntactic, see
``espri_gpu/gpu_contract.py``):

* ``xp`` and ``<anything>.xp`` (CuPy), ``xdf`` and ``<anything>.xdf`` (cuDF);
* ``<anything>.ml()`` and a name ``ml`` (the :class:`~espri_gpu.backend.MLNamespace`):
  ``ml.KMeans(...)`` is a constructor call of ``cuml.cluster.KMeans``;
* ``<anything>.series(...)``: a ``cudf.Series`` (:meth:`Backend.series`);
* names bound, anywhere in the file, to a GPU module (``from numba import cuda``,
  ``x = _import_module("cuml.cluster")``, ``modules["cupy"]``, ``y = x``) or to the result of
  a call listed in ``RETURNS`` (``model = ml.KMeans(...)``, ``runtime = ...cuda.runtime``);
* method names listed in ``METHOD_OWNERS`` whatever the receiver (``d.copy_to_host()``), and
  ``getattr(x, "name", ...)`` with a literal name;
* inside a *device function* (one whose body uses any of the above), a method call named like
  a NumPy ``ndarray`` method (``.astype``, ``.reshape``, ...) on a receiver that is not a
  host module (``np``, ``pd``, ...) nor ``.asnumpy(...)``: a ``cupy.ndarray`` method. This
  over-approximates (host arrays are counted too), which is harmless: CuPy has those methods.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from espri_gpu import gpu_contract as data
from espri_gpu.backend import GPU_MODULES

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "espri_gpu"
NDARRAY_METHODS = frozenset(m for m in dir(np.ndarray) if not m.startswith("_"))
_LOADERS = frozenset({"_import_module", "import_module"})


@dataclass(frozen=True)
class Use:
    """One use of a GPU name in the source: ``owner.name`` called with ``keywords``.

    ``n_positional`` is None for an attribute read or a call with ``*args``.
    """

    owner: str
    name: str
    keywords: tuple[str, ...]
    n_positional: int | None
    where: str

    @property
    def key(self) -> tuple[str, str]:
        return self.owner, self.name


@dataclass(frozen=True)
class _Ref:
    kind: str  # "module" (a module or a module attribute), "class", "instance", "ml"
    path: str


def _is_gpu_module(name: str) -> bool:
    return any(name == m or name.startswith(m + ".") for m in GPU_MODULES)


class _Scanner:
    def __init__(self, tree: ast.Module, filename: str) -> None:
        self.tree, self.filename = tree, filename
        self.aliases: dict[str, _Ref] = {}
        self.host_names: set[str] = set()
        self.parents: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node

    # ----------------------------------------------------------------- resolution
    def ref(self, node: ast.AST) -> _Ref | None:
        if isinstance(node, ast.Name):
            if node.id in self.aliases:
                return self.aliases[node.id]
            return {"xp": _Ref("module", "cupy"), "xdf": _Ref("module", "cudf"),
                    "ml": _Ref("ml", "ml")}.get(node.id)
        if isinstance(node, ast.Attribute):
            if node.attr == "xp":
                return _Ref("module", "cupy")
            if node.attr == "xdf":
                return _Ref("module", "cudf")
            base = self.ref(node.value)
            if base is None:
                return None
            if base.kind == "ml":
                cls = data.ML_CLASSES.get(node.attr)
                return _Ref("class", cls) if cls else _Ref("module", f"ml.{node.attr}")
            if base.kind == "module":
                path = f"{base.path}.{node.attr}"
                return _Ref("class" if path in data.CLASSES else "module", path)
            return None  # an attribute of an instance: recorded, not followed
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "ml" and not node.args:
                return _Ref("ml", "ml")
            if isinstance(func, ast.Attribute) and func.attr == "series":
                return _Ref("instance", "cudf.Series")
            name = _literal_loader(node)
            if name is not None:
                return _Ref("module", name) if _is_gpu_module(name) else None
            f = self.ref(func)
            if f is None:
                return None
            if f.kind == "class":
                return _Ref("instance", f.path)
            returned = data.RETURNS.get(f.path)
            return _Ref("instance", returned) if returned else None
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            key = node.slice.value
            if isinstance(key, str) and _is_gpu_module(key):
                return _Ref("module", key)
        return None

    def collect_aliases(self) -> None:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    bound = alias.asname or alias.name.split(".")[0]
                    if _is_gpu_module(alias.name):
                        self.aliases[bound] = _Ref("module", alias.name if alias.asname
                                                   else alias.name.split(".")[0])
                    else:
                        self.host_names.add(bound)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    bound = alias.asname or alias.name
                    if _is_gpu_module(full) or _is_gpu_module(node.module):
                        self.aliases[bound] = _Ref("module", full)
                    else:
                        self.host_names.add(bound)
        for _ in range(5):  # names bound to names bound to ...: a few rounds reach a fixpoint
            changed = False
            for node in ast.walk(self.tree):
                targets: list[tuple[ast.AST, ast.AST]] = []
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                            targets += zip(target.elts, node.value.elts, strict=False)
                        else:
                            targets.append((target, node.value))
                for target, value in targets:
                    if isinstance(target, ast.Name) and _is_container(value):
                        self.host_names.add(target.id)  # a list, set, dict: host objects
                    if isinstance(target, ast.Name) and target.id not in self.aliases:
                        found = self.ref(value)
                        if found is not None:
                            self.aliases[target.id] = found
                            changed = True
            if not changed:
                break

    # ----------------------------------------------------------------- recording
    def uses(self) -> list[Use]:
        self.collect_aliases()
        found: list[Use] = []
        device_scopes = self._device_scopes()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Attribute):
                found += self._attribute_use(node)
            elif isinstance(node, ast.Call) and device_scopes:
                found += self._getattr_use(node)  # in a module with a GPU path
                if self._scope_of(node) in device_scopes:
                    found += self._ndarray_method_use(node)
        return found

    def _where(self, node: ast.AST) -> str:
        return f"{self.filename}:{getattr(node, 'lineno', 0)}"

    def _call_of(self, node: ast.Attribute) -> ast.Call | None:
        parent = self.parents.get(node)
        return parent if isinstance(parent, ast.Call) and parent.func is node else None

    def _call_shape(self, call: ast.Call | None) -> tuple[tuple[str, ...], int | None]:
        if call is None:
            return (), None
        keywords = tuple(sorted(k.arg for k in call.keywords if k.arg is not None))
        starred = any(isinstance(a, ast.Starred) for a in call.args) or any(
            k.arg is None for k in call.keywords)
        return keywords, None if starred else len(call.args)

    def _attribute_use(self, node: ast.Attribute) -> list[Use]:
        parent = self.parents.get(node)
        if isinstance(parent, ast.Attribute) and parent.value is node and self.ref(parent):
            return []  # only the longest resolvable chain (xp.linalg.eigh, not xp.linalg)
        call = self._call_of(node)
        keywords, n_pos = self._call_shape(call)
        if node.attr in data.METHOD_OWNERS and call is not None and self.ref(node.value) is None:
            return [Use(data.METHOD_OWNERS[node.attr], node.attr, keywords, n_pos,
                        self._where(node))]
        base = self.ref(node.value)
        if base is None or base.kind == "ml" and node.attr in data.ML_CLASSES and call is None:
            return []
        if base.kind == "ml":
            cls = data.ML_CLASSES.get(node.attr)
            if cls is None:
                return [Use("ml", node.attr, keywords, n_pos, self._where(node))]
            return [Use(cls, "__init__", keywords, n_pos, self._where(node))]
        owner = base.path
        me = self.ref(node)
        if call is not None and me is not None and me.kind == "class":
            return [Use(me.path, "__init__", keywords, n_pos, self._where(node))]
        return [Use(owner, node.attr, keywords, n_pos if call is not None else None,
                    self._where(node))]

    def _getattr_use(self, node: ast.Call) -> list[Use]:
        if not (isinstance(node.func, ast.Name) and node.func.id == "getattr"
                and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)):
            return []
        base = self.ref(node.args[0])
        owner = base.path if base is not None else "?"
        return [Use(owner, node.args[1].value, (), None, self._where(node))]

    def _ndarray_method_use(self, node: ast.Call) -> list[Use]:
        func = node.func
        if not isinstance(func, ast.Attribute) or func.attr not in NDARRAY_METHODS:
            return []
        if func.attr in data.METHOD_OWNERS or self.ref(func.value) is not None:
            return []
        root = func.value
        while isinstance(root, (ast.Attribute, ast.Subscript, ast.Call)):
            if isinstance(root, ast.Call):
                callee = root.func
                if isinstance(callee, ast.Attribute) and callee.attr in data.HOST_RESULTS:
                    return []
                root = callee
            else:
                root = root.value
        if isinstance(root, ast.Name) and root.id in self.host_names:
            return []
        keywords, n_pos = self._call_shape(node)
        return [Use("cupy.ndarray", func.attr, keywords, n_pos, self._where(node))]

    def _scope_of(self, node: ast.AST) -> ast.AST | None:
        node = self.parents.get(node)
        while node is not None and not isinstance(node, (ast.FunctionDef,
                                                         ast.AsyncFunctionDef)):
            node = self.parents.get(node)
        return node

    def _device_scopes(self) -> set[ast.AST]:
        scopes: set[ast.AST] = set()
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.Name, ast.Attribute)) and self.ref(node) is not None:
                scope = self._scope_of(node)
                if scope is not None:
                    scopes.add(scope)
        return scopes


def _is_container(node: ast.AST) -> bool:
    """A list, set, dict or tuple display or comprehension, or ``list()``, ``sorted()``..."""
    if isinstance(node, (ast.List, ast.Set, ast.Dict, ast.Tuple, ast.ListComp, ast.SetComp,
                         ast.DictComp)):
        return True
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in ("list", "set", "dict", "sorted", "tuple"))


def _literal_loader(node: ast.Call) -> str | None:
    """``"x"`` for ``_import_module("x")`` / ``importlib.import_module("x")``."""
    func = node.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    if name in _LOADERS and node.args and isinstance(node.args[0], ast.Constant):
        value = node.args[0].value
        return value if isinstance(value, str) else None
    return None


def scan_source(source: str, filename: str = "<string>") -> list[Use]:
    """Every use of a GPU name in one module's source (see the module docstring)."""
    return _Scanner(ast.parse(source, filename=filename), filename).uses()


def package_files() -> list[Path]:
    """The package modules the scan reads (all of them; the rules find the GPU path)."""
    return sorted(p for p in PACKAGE.rglob("*.py") if "data" not in p.relative_to(PACKAGE).parts)


def scan_package(files: Iterable[Path] | None = None) -> list[Use]:
    """:func:`scan_source` over the package's modules."""
    found = []
    for path in package_files() if files is None else files:
        rel = path.relative_to(ROOT).as_posix()
        found += scan_source(path.read_text(encoding="utf-8"), rel)
    return found


def contract_index(contract: Iterable[tuple[str, str, tuple[str, ...]]] = data.CONTRACT,
                   ) -> dict[tuple[str, str], frozenset[str]]:
    """``(owner, name) -> keywords`` of the contract entries."""
    return {(owner, name): frozenset(keywords) for owner, name, keywords in contract}


def uncovered(uses: Iterable[Use],
              contract: Iterable[tuple[str, str, tuple[str, ...]]] = data.CONTRACT) -> list[str]:
    """One line per use that the contract does not cover (missing entry or keyword)."""
    index = contract_index(contract)
    names = {name for _, name in index}
    problems = []
    for use in uses:
        if use.owner == "?":  # getattr(x, "name") on an object the scan cannot follow
            if use.name not in names:
                problems.append(f"{use.where}: getattr(..., {use.name!r}) names nothing in the "
                                "contract")
            continue
        if use.key not in index:
            problems.append(f"{use.where}: {use.owner}.{use.name} has no contract entry; add "
                            f"({use.owner!r}, {use.name!r}, {use.keywords!r}) to "
                            "espri_gpu/gpu_contract.py")
            continue
        extra = sorted(set(use.keywords) - index[use.key])
        if extra:
            problems.append(f"{use.where}: {use.owner}.{use.name} is called with keyword(s) "
                            f"{', '.join(extra)} missing from its contract entry")
    return problems


def stale(uses: Iterable[Use],
          contract: Iterable[tuple[str, str, tuple[str, ...]]] = data.CONTRACT) -> list[str]:
    """Contract entries (or keywords) that no use in the source needs any more."""
    used: dict[tuple[str, str], set[str]] = {}
    for use in uses:
        used.setdefault(use.key, set()).update(use.keywords)
    getattr_names = {u.name for u in uses if u.owner == "?"}
    problems = []
    for owner, name, keywords in contract:
        if (owner, name) not in used:
            if name not in getattr_names:
                problems.append(f"({owner!r}, {name!r}) is in the contract but not used")
            continue
        unused = sorted(set(keywords) - used[(owner, name)])
        if unused:
            problems.append(f"({owner!r}, {name!r}) lists keyword(s) {', '.join(unused)} that "
                            "no call passes")
    return problems


# --------------------------------------------------------------------- the real libraries
def resolve(path: str, import_module: Callable[[str], ModuleType] = importlib.import_module,
            ) -> Any:
    """The object named by a dotted ``path``: the longest importable module prefix, then
    attributes (``cuml.cluster.KMeans.fit``).

    Raises
    ------
    LookupError
        Saying which part is missing.
    """
    parts = path.split(".")
    errors = []
    for cut in range(len(parts), 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            obj = import_module(module_name)
        except ImportError as exc:
            errors.append(f"{module_name}: {exc}")
            continue
        for i, part in enumerate(parts[cut:], start=cut):
            if not hasattr(obj, part):
                raise LookupError(f"{'.'.join(parts[:i])} has no attribute {part!r}")
            obj = getattr(obj, part)
        return obj
    raise LookupError(f"cannot import any prefix of {path!r} ({'; '.join(errors[-1:])})")


class _DocDefault:
    """The default of a parameter read from a docstring (its value is not needed)."""

    def __repr__(self) -> str:
        return "..."


_DOC_DEFAULT = _DocDefault()
_DOC_SIGNATURE = re.compile(r"^\s*[\w.]+(\(.*\))(?:\s*->.*)?$")


def signature_of(obj: Any) -> inspect.Signature | None:
    """``inspect.signature(obj)``, else the signature Cython embeds in the first line of the
    docstring (CuPy's ndarray methods), else None (ufuncs, compiled builtins)."""
    try:
        return inspect.signature(obj)
    except (TypeError, ValueError):
        pass
    doc = (getattr(obj, "__doc__", None) or "").strip().splitlines()
    match = _DOC_SIGNATURE.match(doc[0]) if doc else None
    if match is None:
        return None
    try:
        tree = ast.parse(f"def f{match.group(1)}: pass")
    except SyntaxError:
        return None
    fn = tree.body[0]
    assert isinstance(fn, ast.FunctionDef)
    params = []
    args = fn.args
    positional = args.posonlyargs + args.args
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    for arg, default in zip(positional, defaults, strict=True):
        kind = (inspect.Parameter.POSITIONAL_ONLY if arg in args.posonlyargs
                else inspect.Parameter.POSITIONAL_OR_KEYWORD)
        params.append(inspect.Parameter(arg.arg, kind, default=inspect.Parameter.empty
                                        if default is None else _DOC_DEFAULT))
    if args.vararg:
        params.append(inspect.Parameter(args.vararg.arg, inspect.Parameter.VAR_POSITIONAL))
    for arg in args.kwonlyargs:
        params.append(inspect.Parameter(arg.arg, inspect.Parameter.KEYWORD_ONLY,
                                        default=_DOC_DEFAULT))
    if args.kwarg:
        params.append(inspect.Parameter(args.kwarg.arg, inspect.Parameter.VAR_KEYWORD))
    try:
        return inspect.Signature(params)
    except ValueError:  # an odd docstring (parameters out of order)
        return None


def _target(owner: str, name: str, import_module: Callable[[str], ModuleType]) -> Any:
    obj = resolve(owner, import_module)
    if name == "__init__":
        return obj
    if not hasattr(obj, name):
        raise LookupError(f"{owner} has no attribute {name!r}")
    return getattr(obj, name)


def _named(sig: inspect.Signature) -> set[str]:
    return {p.name for p in sig.parameters.values()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def check_entry(entry: tuple[str, str, tuple[str, ...]],
                import_module: Callable[[str], ModuleType] = importlib.import_module,
                forwards: dict[tuple[str, str], str] = data.FORWARDS) -> str | None:
    """Why ``(owner, name, keywords)`` does not hold in the installed libraries, or None.

    The attribute must exist; each keyword must be a named parameter of its signature (one
    taken only by ``**kwargs`` does not count, a misspelt keyword would pass silently, unless
    ``forwards`` names the callable that receives them). A keyword on an object without a
    readable signature is reported.
    """
    owner, name, keywords = entry
    try:
        target = _target(owner, name, import_module)
    except LookupError as exc:
        return f"{owner}.{name}: {exc}"
    if not keywords:
        return None
    sig = signature_of(target)
    if sig is None:
        return f"{owner}.{name}: no readable signature to check keyword(s) {', '.join(keywords)}"
    unknown = [k for k in keywords if k not in _named(sig)]
    forward = forwards.get((owner, name))
    if unknown and forward and any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values()):
        try:
            target_sig = signature_of(resolve(forward, import_module))
        except LookupError as exc:
            return f"{owner}.{name}: forwards **kwargs to {forward}, which is missing: {exc}"
        unknown = [k for k in unknown if target_sig is None or k not in _named(target_sig)]
    if unknown:
        return (f"{owner}.{name}{sig}: no parameter named {', '.join(unknown)} "
                "(a keyword taken only by **kwargs counts as unknown)")
    return None


def keyword_paragraph(doc: str, keyword: str) -> str | None:
    """The numpydoc paragraph of ``keyword`` in a docstring (its ``keyword :`` line and the
    more indented lines after it), or None."""
    lines = doc.expandtabs().splitlines()
    head = re.compile(rf"^(\s*){re.escape(keyword)}\s*:")
    for i, line in enumerate(lines):
        match = head.match(line)
        if match is None:
            continue
        indent = len(match.group(1))
        body = [line]
        for nxt in lines[i + 1:]:
            if nxt.strip() and len(nxt) - len(nxt.lstrip()) <= indent:
                break
            body.append(nxt)
        return "\n".join(body)
    return None


def check_semantics(entry: tuple[str, str, str, tuple[str, ...], tuple[str, ...]],
                    import_module: Callable[[str], ModuleType] = importlib.import_module,
                    ) -> str | None:
    """Why a :data:`~espri_gpu.gpu_contract.KEYWORD_SEMANTICS` entry may no longer hold in
    the installed library, or None.

    ``keyword`` must be a named parameter of ``owner``, and its docstring paragraph must
    mention every word of ``mentioned`` and none of ``not_mentioned``.
    """
    owner, keyword, assumption, mentioned, not_mentioned = entry
    try:
        target = resolve(owner, import_module)
    except LookupError as exc:
        return f"{owner}: {exc}"
    sig = signature_of(target)
    if sig is None or keyword not in _named(sig):
        return f"{owner}{sig or '(?)'}: no parameter named {keyword}"
    text = keyword_paragraph(getattr(target, "__doc__", None) or "", keyword)
    if text is None:
        return f"{owner}: its docstring no longer documents `{keyword}`; espri_gpu assumes " \
               f"{assumption}"
    lowered = text.lower()
    missing = [w for w in mentioned if w.lower() not in lowered]
    present = [w for w in not_mentioned if w.lower() in lowered]
    if missing or present:
        change = "; ".join(filter(None, [missing and f"no longer says {', '.join(missing)}",
                                         present and f"now says {', '.join(present)}"]))
        return (f"{owner}: the documentation of `{keyword}` changed ({change}): check that it "
                f"is still {assumption}. It reads: {' '.join(text.split())}")
    return None


def check_call(use: Use, import_module: Callable[[str], ModuleType] = importlib.import_module,
               ) -> str | None:
    """Why one scanned call does not bind to the installed signature, or None."""
    if use.n_positional is None or use.owner in ("?", "ml"):
        return None
    try:
        target = _target(use.owner, use.name, import_module)
    except LookupError as exc:
        return f"{use.where}: {exc}"
    if isinstance(target, type) and any(c.__name__ == "Stub" for c in target.__mro__):
        return None  # numba.cuda's device stubs (atomic.add, ...): typed by Numba, no signature
    sig = signature_of(target)
    if sig is None:
        return None
    n = use.n_positional
    params = list(sig.parameters.values())
    if params and params[0].name == "self" and use.name != "__init__":
        n += 1  # an unbound method: the receiver is the first argument
    try:
        sig.bind_partial(*[None] * n, **dict.fromkeys(use.keywords))
    except TypeError as exc:
        return f"{use.where}: {use.owner}.{use.name}{sig} cannot take this call: {exc}"
    return None
