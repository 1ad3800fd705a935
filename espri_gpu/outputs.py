"""Writing result files safely: atomic replacement and file names safe for any keyword."""

from __future__ import annotations

import json
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["neutralise_formula", "safe_name", "write_csv", "write_json", "write_text"]

#: First characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_UNSAFE = re.compile(r"[^\w.+-]+")


def safe_name(keyword: str) -> str:
    """A file-name-safe form of a keyword: accents kept, separators and spaces replaced.

    Examples
    --------
    >>> safe_name("cah/cdh"), safe_name("Méthodes factorielles (EOF, ACP)")
    ('cah_cdh', 'Méthodes_factorielles_EOF_ACP')
    """
    text = _UNSAFE.sub("_", unicodedata.normalize("NFC", keyword)).strip("._")
    return text or "_"


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


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (temporary file in the same folder + rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        publish(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


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


def write_json(path: str | Path, data: Any) -> Path:
    """Write JSON (UTF-8, indented, accents kept), atomically."""
    return write_text(path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
