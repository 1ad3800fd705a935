"""The GPU API contract (``espri_gpu/gpu_contract.py``) covers every GPU call in the source.

No GPU library is needed here: the source is read with :mod:`ast`, and the signature checker
is tried on fake modules. ``tests/gpu_contract/test_contract.py`` runs the same checker on
the installed RAPIDS packages (``.ci/gpu-contract.sh``).
"""

from __future__ import annotations

import ast
import types
from pathlib import Path

import pytest

from espri_gpu import gpu_contract

from .gpu_contract.checker import (
    Use,
    check_call,
    check_entry,
    check_semantics,
    keyword_paragraph,
    package_files,
    resolve,
    scan_package,
    scan_source,
    signature_of,
    stale,
    uncovered,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def uses() -> list[Use]:
    return scan_package()


def test_every_gpu_call_has_a_contract_entry(uses) -> None:
    problems = uncovered(uses)
    assert not problems, "\n".join(problems)


def test_every_contract_entry_is_still_used(uses) -> None:
    problems = stale(uses)
    assert not problems, "\n".join(problems)


def test_contract_entries_are_unique_and_sorted_keywords() -> None:
    keys = [(owner, name) for owner, name, _ in gpu_contract.CONTRACT]
    assert len(keys) == len(set(keys))
    for owner, name, keywords in gpu_contract.CONTRACT:
        assert isinstance(keywords, tuple) and list(keywords) == sorted(keywords), (owner, name)


def test_the_contract_module_is_plain_data() -> None:
    tree = ast.parse((ROOT / "espri_gpu" / "gpu_contract.py").read_text(encoding="utf-8"))
    imports = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert all(isinstance(n, ast.ImportFrom) and n.module == "__future__" for n in imports)
    assert not [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))]


def test_the_scan_reads_the_whole_gpu_path(uses) -> None:
    """Guards against a scan that silently finds nothing."""
    rels = {p.relative_to(ROOT).as_posix() for p in package_files()}
    assert {"espri_gpu/backend.py", "espri_gpu/kernels/cuda.py"} <= rels
    found = {u.key: set() for u in uses}
    for u in uses:
        found[u.key].update(u.keywords)
    files = {u.where.split(":")[0] for u in uses}
    assert {"espri_gpu/backend.py", "espri_gpu/factorize.py", "espri_gpu/encoding.py",
            "espri_gpu/counting.py", "espri_gpu/grouping/kmeans_device.py",
            "espri_gpu/kernels/cuda.py"} <= files
    assert found[("cupy", "bincount")] >= {"minlength"}
    assert found[("cudf.Series", "factorize")] == {"use_na_sentinel"}
    assert found[("cuml.cluster.KMeans", "fit")] == {"sample_weight"}
    assert "n_clusters" in found[("cuml.cluster.KMeans", "__init__")]
    assert ("cupy.cuda.Stream", "synchronize") in found
    assert ("cupy.cuda.runtime", "getDeviceCount") in found
    assert found[("numba.cuda", "device_array")] == {"dtype"}
    assert (gpu_contract.METHOD_OWNERS["copy_to_host"], "copy_to_host") in found


# ------------------------------------------------------------------ the scanner's rules
FIXTURE = '''
import numpy as np
from numba import cuda as numba_cuda

def count(b, codes):
    xp = b.xp
    table = xp.bincount(codes, min_length=3)            # wrong keyword
    return b.asnumpy(table).astype(np.int32, copy=False)

def rank(codes, xp):
    return xp.cumprod(codes).reshape(-1, 1)              # no entry for cumprod

def fit(b, X, w):
    model = b.ml().KMeans(n_clusters=2, init="k-means++")
    model.fit(X, sample_weights=w)                       # wrong keyword
    return model.labels_, b.series(X).factorize(use_na_sentinel=True)

def launch(x):
    d = numba_cuda.to_device(x)
    found = []
    found.sort(key=len)                                  # a list: not a GPU call
    return d.copy_to_host(), getattr(x, "to_pandas", None)
'''


def _keys(uses):
    return {(u.owner, u.name, u.keywords) for u in uses}


def test_scan_finds_every_kind_of_gpu_call() -> None:
    found = _keys(scan_source(FIXTURE, "fixture.py"))
    assert found == {
        ("cupy", "bincount", ("min_length",)),
        ("cupy", "cumprod", ()),
        ("cupy.ndarray", "reshape", ()),
        ("cuml.cluster.KMeans", "__init__", ("init", "n_clusters")),
        ("cuml.cluster.KMeans", "fit", ("sample_weights",)),
        ("cuml.cluster.KMeans", "labels_", ()),
        ("cudf.Series", "factorize", ("use_na_sentinel",)),
        ("numba.cuda", "to_device", ()),
        (gpu_contract.METHOD_OWNERS["copy_to_host"], "copy_to_host", ()),
        ("?", "to_pandas", ()),
    }  # and not: np.int32, b.asnumpy(...).astype, found.sort(key=...)


def test_a_new_call_or_keyword_without_entry_fails_the_contract() -> None:
    problems = "\n".join(uncovered(scan_source(FIXTURE, "fixture.py")))
    assert "fixture.py:7: cupy.bincount is called with keyword(s) min_length" in problems
    assert "fixture.py:11: cupy.cumprod has no contract entry" in problems
    assert "fixture.py:15: cuml.cluster.KMeans.fit is called with keyword(s) " \
           "sample_weights" in problems
    assert "factorize" not in problems and "to_device" not in problems


def test_scan_follows_names_bound_to_gpu_modules() -> None:
    source = (
        "def probe(modules, _import_module):\n"
        "    runtime = modules['cupy'].cuda.runtime\n"
        "    cluster = _import_module('cuml.cluster')\n"
        "    sk = _import_module('sklearn.cluster')\n"
        "    return runtime.getDeviceCount(), cluster.KMeans, sk.KMeans\n"
    )
    assert _keys(scan_source(source)) == {("cupy.cuda", "runtime", ()),
                                          ("cupy.cuda.runtime", "getDeviceCount", ()),
                                          ("cuml.cluster", "KMeans", ())}


def test_stale_entries_are_reported() -> None:
    uses = [Use("cupy", "bincount", ("minlength",), 1, "x.py:1")]
    contract = [("cupy", "bincount", ("minlength", "weights")), ("cupy", "cumsum", ())]
    assert stale(uses, contract) == [
        "('cupy', 'bincount') lists keyword(s) weights that no call passes",
        "('cupy', 'cumsum') is in the contract but not used"]


# ------------------------------------------------- the signature checker, on fake modules
class _KMeans:
    """A fake cuML KMeans. init : {'k-means++', 'random'}"""

    def __init__(self, *, n_clusters=8, init="scalable-k-means++", **kwargs):
        pass

    def fit(self, X, y=None, sample_weight=None):
        return self


class _Cluster:
    def __init__(self, *, n_workers=None, **kwargs):
        pass


def _local_cluster(*, dashboard_address=":8787"):
    pass


def _fake_import(name: str) -> types.ModuleType:
    modules = {
        "fakeml": types.ModuleType("fakeml"),
        "fakeml.cluster": types.ModuleType("fakeml.cluster"),
        "fakedask": types.ModuleType("fakedask"),
    }
    modules["fakeml.cluster"].KMeans = _KMeans
    modules["fakedask"].Cluster = _Cluster
    modules["fakedask"].local_cluster = _local_cluster
    modules["fakedask"].builtin_max = max  # no signature
    if name not in modules:
        raise ImportError(f"No module named {name!r}")
    return modules[name]


def test_checker_accepts_a_true_entry() -> None:
    assert check_entry(("fakeml.cluster.KMeans", "fit", ("sample_weight",)),
                       _fake_import) is None
    assert check_entry(("fakeml.cluster.KMeans", "__init__", ("init", "n_clusters")),
                       _fake_import) is None
    assert check_entry(("fakedask", "builtin_max", ()), _fake_import) is None


def test_checker_catches_a_wrong_keyword() -> None:
    """The acceptance test: a deliberately wrong keyword in a fixture is caught."""
    uses = scan_source(FIXTURE, "fixture.py")
    fit = next(u for u in uses if u.key == ("cuml.cluster.KMeans", "fit"))
    entry = ("fakeml.cluster.KMeans", "fit", fit.keywords)  # as its contract entry would say
    problem = check_entry(entry, _fake_import)
    assert problem is not None
    assert "no parameter named sample_weights" in problem
    assert "fit(self, X, y=None, sample_weight=None)" in problem


def test_checker_catches_a_missing_name_and_module() -> None:
    assert "has no attribute 'predict_proba'" in check_entry(
        ("fakeml.cluster.KMeans", "predict_proba", ()), _fake_import)
    assert "has no attribute 'DBSCAN'" in check_entry(("fakeml.cluster", "DBSCAN", ()),
                                                      _fake_import)
    assert "cannot import" in check_entry(("nosuchlib", "f", ()), _fake_import)


def test_a_keyword_taken_only_by_kwargs_is_unknown_unless_forwarded() -> None:
    entry = ("fakedask", "Cluster", ("dashboard_address", "n_workers"))
    assert "dashboard_address" in check_entry(entry, _fake_import, forwards={})
    forwards = {("fakedask", "Cluster"): "fakedask.local_cluster"}
    assert check_entry(entry, _fake_import, forwards=forwards) is None
    typo = ("fakedask", "Cluster", ("dashboard_adress",))
    assert "dashboard_adress" in check_entry(typo, _fake_import, forwards=forwards)


def test_a_keyword_on_an_object_without_signature_is_reported() -> None:
    problem = check_entry(("fakedask", "builtin_max", ("key",)), _fake_import)
    assert "no readable signature" in problem


def test_call_binding_counts_positional_arguments() -> None:
    ok = Use("fakeml.cluster.KMeans", "fit", ("sample_weight",), 1, "x.py:1")
    assert check_call(ok, _fake_import) is None
    bad = Use("fakeml.cluster.KMeans", "fit", (), 4, "x.py:2")
    assert "too many positional arguments" in check_call(bad, _fake_import)
    ctor = Use("fakeml.cluster.KMeans", "__init__", (), 1, "x.py:3")  # keyword-only
    assert "cannot take this call" in check_call(ctor, _fake_import)


def test_signature_from_a_cython_docstring() -> None:
    """CuPy's compiled ndarray methods have no ``__signature__``, only a docstring line."""
    compiled = types.SimpleNamespace(__doc__=(
        "_ndarray_base.astype(self, dtype, order='K', casting=None, copy=True) -> _ndarray\n\n"
        "Casts the array to given data type.\n"))  # not callable: inspect.signature fails
    sig = signature_of(compiled)
    assert sig is not None
    assert list(sig.parameters) == ["self", "dtype", "order", "casting", "copy"]
    assert signature_of(types.SimpleNamespace(__doc__="Casts the array.")) is None


def test_resolve_walks_modules_then_attributes() -> None:
    assert resolve("fakeml.cluster.KMeans.fit", _fake_import) is _KMeans.fit
    assert resolve("fakeml.cluster", _fake_import).KMeans is _KMeans


# ------------------------------------------- assumed keyword semantics, on fake classes
class _CumlLikeKMeans:
    """A fake worded as cuML 25-26 documents its KMeans.

    Parameters
    ----------
    n_clusters : int (default = 8)
        The number of centroids or clusters you want.
    tol : float64 (default = 1e-4)
        Stopping criterion when centroid means do not change much.
    init : {'scalable-k-means++', 'k-means||', 'random'} or an \
            ndarray (default = 'scalable-k-means++')

         - ``'random'``: Choose `n_cluster` observations (rows) at random
           from data for the initial centroids.
         - If an ndarray is passed, it should be of
           shape (`n_clusters`, `n_features`) and gives the initial centers.

    n_init: 'auto' or int (default = 'auto')
        Number of instances the k-means algorithm will be called with
        different seeds.
    """

    def __init__(self, *, n_clusters=8, tol=1e-4, init="scalable-k-means++", n_init="auto"):
        pass


class _SklearnLikeKMeans(_CumlLikeKMeans):
    """A fake whose ``tol`` is scikit-learn's and whose starts use the weights.

    Parameters
    ----------
    tol : float, default=1e-4
        Relative tolerance with regards to Frobenius norm of the difference
        in the cluster centers of two consecutive iterations.
    init : ndarray
        Weighted by sample_weight.
    """


def _semantics_import(name: str) -> types.ModuleType:
    if name != "fakeml":
        raise ImportError(f"No module named {name!r}")
    module = types.ModuleType("fakeml")
    module.CumlLike, module.SklearnLike = _CumlLikeKMeans, _SklearnLikeKMeans
    return module


def _as_fake(entry, owner):
    return (owner,) + tuple(entry[1:])


def test_every_assumed_keyword_is_one_espri_gpu_passes() -> None:
    passed = {(owner, name): set(keywords) for owner, name, keywords in gpu_contract.CONTRACT}
    for owner, keyword, *_ in gpu_contract.KEYWORD_SEMANTICS:
        assert keyword in passed[(owner, "__init__")], (owner, keyword)


def test_semantics_checker_accepts_cumls_wording() -> None:
    for entry in gpu_contract.KEYWORD_SEMANTICS:
        assert check_semantics(_as_fake(entry, "fakeml.CumlLike"), _semantics_import) is None


def test_semantics_checker_catches_a_relative_tol_and_weighted_starts() -> None:
    """Were cuML to document scikit-learn's tol or weighted starts, the contract run fails:
    espri_gpu's own scaling and starts would then be wrong."""
    tol, init, n_init = gpu_contract.KEYWORD_SEMANTICS
    problem = check_semantics(_as_fake(tol, "fakeml.SklearnLike"), _semantics_import)
    assert "documentation of `tol` changed" in problem and "now says relative" in problem
    assert "no longer says centroid" in problem and "absolute bound" in problem
    problem = check_semantics(_as_fake(init, "fakeml.SklearnLike"), _semantics_import)
    assert "now says weight" in problem
    problem = check_semantics(_as_fake(n_init, "fakeml.SklearnLike"), _semantics_import)
    assert "no longer documents `n_init`" in problem
    bad = ("fakeml.CumlLike", "tolerance") + tuple(tol[2:])
    assert "no parameter named tolerance" in check_semantics(bad, _semantics_import)


def test_keyword_paragraph_stops_at_the_next_parameter() -> None:
    doc = _CumlLikeKMeans.__doc__
    assert keyword_paragraph(doc, "tol").split() == [
        "tol", ":", "float64", "(default", "=", "1e-4)", "Stopping", "criterion", "when",
        "centroid", "means", "do", "not", "change", "much."]
    assert "ndarray" in keyword_paragraph(doc, "init")
    assert keyword_paragraph(doc, "n_init").startswith("    n_init: 'auto'")
    assert keyword_paragraph(doc, "max_iter") is None
