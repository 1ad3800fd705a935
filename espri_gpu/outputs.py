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

__all__ = ["safe_name", "write_csv", "write_json", "write_text"]

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


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (temporary file in the same folder + rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_csv(path: str | Path, frame: pd.DataFrame, *, index: bool = True) -> Path:
    """Write a DataFrame as UTF-8 CSV, atomically."""
    return write_text(path, frame.to_csv(index=index, lineterminator="\n"))


def write_json(path: str | Path, data: Any) -> Path:
    """Write JSON (UTF-8, indented, accents kept), atomically."""
    return write_text(path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
