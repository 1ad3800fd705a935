"""Reading a spreadsheet export into a table of strings, whatever program last saved it.

Handles what IPSL users actually have: a Google Forms CSV (UTF-8, with or without BOM),
the same file re-saved by Excel (Windows-1252, ``;``-separated in a French locale, CRLF),
quoted cells holding newlines, UTF-16 "Unicode text" files, and ``.xlsx`` / ``.ods``
spreadsheets downloaded from Google Sheets or saved by LibreOffice.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import SurveyInputError

__all__ = ["RawTable", "read_table"]

SPREADSHEETS = {".xlsx": "openpyxl", ".xlsm": "openpyxl", ".ods": "odf"}
_DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True)
class RawTable:
    """A file read as strings: ``frame`` (every cell a ``str``, blanks as ``""``) and how."""

    frame: pd.DataFrame
    path: str
    file_format: str
    encoding: str | None = None
    delimiter: str | None = None
    warnings: tuple[str, ...] = ()


def read_table(path: str | Path, expected_headers: tuple[str, ...] = ()) -> RawTable:
    """Read a CSV/TSV, ``.xlsx`` or ``.ods`` file as a table of strings.

    Parameters
    ----------
    path : str or Path
        The file.
    expected_headers : tuple of str, optional
        Header texts the file should have; used to pick the delimiter of a CSV file.

    Returns
    -------
    RawTable

    Raises
    ------
    SurveyInputError
        Missing, empty, binary or undecodable files, and duplicate header cells.

    Examples
    --------
    >>> from espri_gpu.example import example_path
    >>> t = read_table(example_path("espri2020", "responses.csv"))
    >>> t.encoding, t.delimiter, len(t.frame)
    ('utf-8', ',', 62)
    """
    path = Path(path)
    if not path.exists():
        raise SurveyInputError(f"{path} does not exist; check the path of the responses file")
    if path.is_dir():
        raise SurveyInputError(f"{path} is a directory; give the responses file itself")
    suffix = path.suffix.lower()
    if suffix in SPREADSHEETS:
        return _read_spreadsheet(path, SPREADSHEETS[suffix])
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SurveyInputError(f"{path} cannot be read: {exc.strerror}") from None
    if not data.strip():
        raise SurveyInputError(f"{path} is empty; export the responses again from Google Forms")
    text, encoding, warnings = _decode(data, path)
    delimiter = _pick_delimiter(text, expected_headers)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
                            na_filter=False, skip_blank_lines=False, engine="c")
    except (pd.errors.ParserError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0]
        raise SurveyInputError(f"{path} is not a readable CSV file ({first}); "
                               "export it again as CSV") from None
    _check_header(frame, path, _header_cells(text, delimiter))
    return RawTable(_clean(frame), str(path), "csv", encoding, delimiter, tuple(warnings))


def _decode(data: bytes, path: Path) -> tuple[str, str, list[str]]:
    warnings: list[str] = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16", warnings
    if b"\x00" in data[:4096]:
        raise SurveyInputError(f"{path} looks binary (NUL bytes), not a CSV export; "
                               "export the responses as CSV, .xlsx or .ods")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig", warnings
    try:
        return data.decode("utf-8"), "utf-8", warnings
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise SurveyInputError(
            f"{path} is neither UTF-8 (bad byte 0x{data[utf8_error.start]:02x} at offset "
            f"{utf8_error.start}) nor Windows-1252 (bad byte 0x{data[exc.start]:02x}); "
            "re-export it as 'CSV UTF-8'") from None
    warnings.append(f"{path.name} is not UTF-8; read it as Windows-1252 (a file re-saved by "
                    "Excel): check accents in the results, or re-export as 'CSV UTF-8'")
    return text, "cp1252", warnings


def _header_cells(text: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(text), delimiter=delimiter))
    except (StopIteration, csv.Error):
        return []


def _pick_delimiter(text: str, expected_headers: tuple[str, ...]) -> str:
    """The delimiter whose header row matches the most expected headers (else: most cells)."""
    from .codebook import normalize_text

    wanted = {normalize_text(h) for h in expected_headers}

    def score(delimiter: str) -> tuple[int, int]:
        cells = _header_cells(text, delimiter)
        return sum(normalize_text(c) in wanted for c in cells), len(cells)

    return max(_DELIMITERS, key=score)


def _check_header(frame: pd.DataFrame, path: Path, cells: list[str]) -> None:
    names = [c.strip() for c in (cells or [str(c) for c in frame.columns])]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise SurveyInputError(f"{path}: the header has the column {name!r} twice; "
                                   "rename or delete one of them")
        seen.add(name)
    if names and len(names) == frame.shape[1]:
        frame.columns = names


def _clean(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.rename(columns=lambda c: str(c).strip())
    return frame.fillna("").astype(str)


def _read_spreadsheet(path: Path, engine: str) -> RawTable:
    # dtype=str: numbers come as typed ("5", "5.5"), date cells as ISO text
    # "YYYY-MM-DD HH:MM:SS", which espri_gpu.timestamps reads first: never day/month swapped.
    try:
        frame = pd.read_excel(path, sheet_name=0, dtype=str, keep_default_na=False,
                              na_filter=False, engine=engine)
    except ImportError as exc:
        raise SurveyInputError(f"{path}: reading {path.suffix} files needs {exc.name}; "
                               f"pip install {exc.name}") from None
    except Exception as exc:  # zip/xml errors from a corrupt or mislabelled file
        raise SurveyInputError(f"{path} is not a readable {path.suffix} spreadsheet "
                               f"({type(exc).__name__}); open and re-save it") from None
    if frame.shape[1] == 0:
        raise SurveyInputError(f"{path} is empty; export the responses again")
    duplicated = [str(c) for c in frame.columns if "." in str(c) and str(c).rsplit(".", 1)[0]
                  in frame.columns and str(c).rsplit(".", 1)[1].isdigit()]
    if duplicated:
        raise SurveyInputError(f"{path}: the header has the column "
                               f"{duplicated[0].rsplit('.', 1)[0]!r} twice; rename or delete one")
    frame = frame.loc[:, [not str(c).startswith("Unnamed:") or frame[c].ne("").any()
                          for c in frame.columns]]
    return RawTable(_clean(frame), str(path), path.suffix.lower().lstrip("."))
