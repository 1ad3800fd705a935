"""Writing result files safely: atomic replacement and file names safe for any keyword."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import socket
import tempfile
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .errors import SurveyInputError

if TYPE_CHECKING:
    from .grouping import Groups

__all__ = ["OutputLock", "neutralise_formula", "safe_name", "write_centres", "write_csv",
           "write_json", "write_text"]

#: Name of the lock file a run keeps in its output folder while it writes there.
LOCK_NAME = ".espri_gpu.lock"

#: First characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_UNSAFE = re.compile(r"[^\w.+-]+")

#: Names Windows refuses for a file, whatever its extension.
_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
                       *(f"lpt{i}" for i in range(1, 10))})


def safe_name(keyword: str) -> str:
    """A file-name-safe form of a keyword: accents kept, separators and spaces replaced.

    A keyword that is not kept as it is (unsafe characters, ``__`` which joins the two
    keywords of a pair, a Windows reserved name such as ``con`` or ``lpt1``, more than 120
    bytes) gets ``-`` and 8 hexadecimal digits of its SHA-256, so that two keywords never
    share a file name (``a/b`` and ``a_b``); reserved names are prefixed with ``_``.

    Examples
    --------
    >>> safe_name("ml_méthodes"), safe_name("cah/cdh"), safe_name("cah_cdh")
    ('ml_méthodes', 'cah_cdh-61fa2c2b', 'cah_cdh')
    >>> safe_name("nul"), safe_name("Méthodes factorielles (EOF, ACP)")
    ('_nul-99e62427', 'Méthodes_factorielles_EOF_ACP-e760bdd4')
    """
    text = _UNSAFE.sub("_", unicodedata.normalize("NFC", keyword)).strip("._") or "_"
    if text.split(".")[0].lower() in _RESERVED:
        text = "_" + text
    if len(text.encode("utf-8")) > 120:
        text = text.encode("utf-8")[:120].decode("utf-8", "ignore")
    if text != keyword or "__" in text:
        text += "-" + hashlib.sha256(keyword.encode("utf-8")).hexdigest()[:8]
    return text


def _umask() -> int:
    """The process umask (read without changing it where /proc allows)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def publish(tmp: str | Path, path: str | Path) -> None:
    """Give a finished temporary file the mode a plain ``open`` would (``0o666 & ~umask``,
    not :func:`tempfile.mkstemp`'s 0600) and move it to ``path`` atomically."""
    os.chmod(tmp, 0o666 & ~_umask())
    os.replace(tmp, path)


#: Names of the temporary files :func:`write_text` and figure saving create (mkstemp).
_TEMPORARY = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")


def remove_temporaries(out: str | Path) -> int:
    """Remove the temporary files an interrupted run left under ``out``; return how many.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp())
    >>> _ = (out / ".tests.csv.a1b2c3d4.tmp").write_text("half"), (out / "x.tmp").write_text("")
    >>> remove_temporaries(out), sorted(p.name for p in out.iterdir())
    (1, ['x.tmp'])
    """
    removed = 0
    for path in Path(out).rglob(".*.tmp"):
        if _TEMPORARY.fullmatch(path.name) and path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def check_disk_full(exc: OSError, path: str | Path) -> None:
    """Raise a one-line :class:`SurveyInputError` naming ``path`` when ``exc`` says the disk
    is full or the quota is exceeded (ENOSPC, EDQUOT); otherwise return."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        what = "the disk is full" if exc.errno == errno.ENOSPC else "the disk quota is exceeded"
        raise SurveyInputError(f"cannot write {path}: {what}; free some space or choose "
                               "another --out directory") from None


@contextmanager
def atomic_file(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path``, renamed to ``path`` (with the umask's mode) when the
    ``with`` block ends normally, removed when it raises (SIGTERM included): a reader never
    sees a partial file. A full disk or exceeded quota is a :class:`SurveyInputError` naming
    ``path``.

    Examples
    --------
    >>> import tempfile
    >>> with atomic_file(Path(tempfile.mkdtemp()) / "a.txt") as tmp:
    ...     _ = tmp.write_text("done", encoding="utf-8")
    >>> tmp.exists()
    False
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        try:
            yield Path(tmp)
            publish(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        check_disk_full(exc, path)
        raise


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (:func:`atomic_file`)."""
    with atomic_file(path) as tmp:
        fd = os.open(tmp, os.O_WRONLY | os.O_TRUNC)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    return Path(path)


def neutralise_formula(value: Any) -> Any:
    """Prefix an apostrophe to a text a spreadsheet would run as a formula (OWASP).

    Examples
    --------
    >>> neutralise_formula("=cmd|' /C calc'!A0"), neutralise_formula("pc"), neutralise_formula(-1)
    ("'=cmd|' /C calc'!A0", 'pc', -1)
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _neutralise_labels(labels: pd.Index) -> pd.Index:
    if isinstance(labels, pd.MultiIndex):
        return labels.set_levels([lv.map(neutralise_formula) for lv in labels.levels])
    return labels.map(neutralise_formula)


def write_csv(path: str | Path, frame: pd.DataFrame, *, index: bool = True) -> Path:
    """Write a DataFrame as UTF-8 CSV, atomically, with text cells and labels neutralised
    against spreadsheet formula injection (:func:`neutralise_formula`)."""
    safe = frame.copy()
    safe.index = _neutralise_labels(safe.index)
    safe.columns = _neutralise_labels(safe.columns)
    for column in safe.columns[[not pd.api.types.is_numeric_dtype(t) for t in safe.dtypes]]:
        safe[column] = safe[column].map(neutralise_formula)
    return write_text(path, safe.to_csv(index=index, lineterminator="\n"))


def write_centres(result: Groups, out_dir: str | Path) -> Path:
    """Write the centroid table as ``kmeans_centres_<question>_<question>.csv``.

    As the original analysis did: one row per group with its size and the share of the
    group ticking each option. Question keywords are made file-name safe (``cah/cdh`` →
    ``cah_cdh``); the file is replaced atomically.

    Examples
    --------
    >>> import tempfile
    >>> from espri_gpu import groups, load_example
    >>> g = groups(load_example(), ["ml_méthodes", "exec_plateformes"], backend="cpu",
    ...            n_bootstrap=0)
    >>> write_centres(g, tempfile.mkdtemp()).name
    'kmeans_centres_ml_méthodes_exec_plateformes.csv'
    """
    name = "kmeans_centres_" + "_".join(safe_name(q) for q in result.questions) + ".csv"
    return write_csv(Path(out_dir) / name, result.to_frame())


def write_json(path: str | Path, data: Any) -> Path:
    """Write JSON (UTF-8, indented, accents kept), atomically."""
    return write_text(path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def _process_start(pid: int) -> float | None:
    """When process ``pid`` of this host started (seconds since the epoch), if known."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            ticks = int(stat.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/stat", encoding="ascii") as status:
            boot = next(int(line.split()[1]) for line in status if line.startswith("btime"))
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class OutputLock:
    """A lock file in an output folder (pid, host, time) so that two runs never write into
    the same folder at once; a lock left by a run that died is recognised and replaced.

    A lock is stale when it names a process of this host that is not running, or one that
    started after the lock was taken (its pid was reused). A lock from another host is
    trusted: the error says which host and pid to check.

    Examples
    --------
    >>> import tempfile
    >>> with OutputLock(tempfile.mkdtemp()) as lock:
    ...     lock.path.name, lock.stale is None
    ('.espri_gpu.lock', True)
    """

    def __init__(self, out: str | Path) -> None:
        self.path = Path(out) / LOCK_NAME
        #: What a stale lock replaced said (``"pid N on host H"``), or None.
        self.stale: str | None = None
        self._held = False

    def _holder(self) -> tuple[dict, bool]:
        """The lock's content and whether it is stale."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            pid, host, since = int(data["pid"]), str(data["host"]), float(data["since"])
        except FileNotFoundError:
            raise
        except (OSError, ValueError, KeyError, TypeError):
            return {"pid": "?", "host": "?"}, True  # unreadable: a run died while writing it
        if host != socket.gethostname():
            return data, False
        if not _alive(pid):
            return data, True
        start = _process_start(pid)
        return data, start is not None and start > since + 1.0

    def acquire(self) -> OutputLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        content = json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                              "since": time.time()})
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            except FileExistsError:
                try:
                    holder, stale = self._holder()
                except FileNotFoundError:
                    continue
                where = f"pid {holder.get('pid')} on host {holder.get('host')}"
                if not stale:
                    raise SurveyInputError(
                        f"{self.path.parent} is being written by another run ({where}); wait "
                        f"for it to end, choose another --out, or delete {self.path} if no run "
                        "is left") from None
                self.stale = where
                self.path.unlink(missing_ok=True)
                continue
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(content + "\n")
            except OSError as exc:
                self.path.unlink(missing_ok=True)
                check_disk_full(exc, self.path)
                raise
            self._held = True
            return self
        raise SurveyInputError(f"cannot take the lock {self.path}: other runs keep taking it; "
                               "choose another --out")

    def release(self) -> None:
        if self._held:
            self._held = False
            self.path.unlink(missing_ok=True)

    def __enter__(self) -> OutputLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
