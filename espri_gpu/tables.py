"""Reading a spreadsheet export into a table of strings, whatever program last saved it.

Handles what IPSL users actually have: a Google Forms CSV (UTF-8, with or without BOM),
the same file re-saved by Excel (Windows-1252, ``;``-separated in a French locale, CRLF),
quoted cells holding newlines, UTF-16 "Unicode text" files, and ``.xlsx`` / ``.ods``
spreadsheets downloaded from Google Sheets or saved by LibreOffice.

A UTF-8 CSV file is cut into blocks of whole records and parsed by pyarrow in threads
(:mod:`espri_gpu.csv_blocks`); this module decides the encoding, the delimiter and the
header, and falls back to decoding in Python and to pandas' parser when it must.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .codebook import normalize_text
from .csv_blocks import IrregularRows, blocks_to_frame, parse_blocks, record_blocks, record_end
from .errors import SurveyInputError

__all__ = ["SPREADSHEETS", "RawTable", "blank_cells", "check_header", "clean_frame",
           "combined_headers", "decode_csv", "header_cells", "pick_delimiter", "read_table",
           "record_end"]

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
    #: (0-based data row, column) of each cell that held undecodable bytes (now U+FFFD).
    undecodable: tuple[tuple[int, str], ...] = ()
    #: The file row (1-based, header rows included) of data row 0.
    first_row: int = 2
    #: With two header rows: each row's cells (the columns are named "first [second]").
    header_cells: tuple[tuple[str, ...], ...] = ()


def read_table(path: str | Path, expected_headers: tuple[str, ...] = (), *,
               header_rows: int = 1) -> RawTable:
    """Read a CSV/TSV, ``.xlsx`` or ``.ods`` file as a table of strings.

    Parameters
    ----------
    path : str or Path
        The file.
    expected_headers : tuple of str, optional
        Header texts the file should have; used to pick the delimiter of a CSV file.
    header_rows : {1, 2}
        2 for exports with a second header row (Typeform): each column's name is then its
        first-row cell (a blank one continues the cell to its left, as a merged cell does)
        followed by its second-row cell in brackets, ``"Question [Option]"``, when the two
        differ; the second row is not data.

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
        table = _read_spreadsheet(path, SPREADSHEETS[suffix])
    else:
        table = _read_csv_file(path, expected_headers)
    return _name_columns(table, header_rows)


def _name_columns(table: RawTable, header_rows: int) -> RawTable:
    """Column names from the header row(s); a name given twice is an error."""
    frame = table.frame
    names = [str(c).strip() for c in frame.columns]
    undecodable = table.undecodable
    cells: tuple[tuple[str, ...], ...] = ()
    if header_rows == 2:
        if frame.empty:
            raise SurveyInputError(f"{table.path} has no second header row; set "
                                   "`header_rows = 1` in the codebook")
        second = [str(c).strip() for c in frame.iloc[0]]
        cells = (tuple(names), tuple(second))
        names = combined_headers(names, second)
        frame = frame.iloc[1:].reset_index(drop=True)
        undecodable = tuple((row - 1, column) for row, column in undecodable if row >= 1)
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise SurveyInputError(f"{table.path}: the header has the column {name!r} twice; "
                                   "rename or delete one of them")
        seen.add(name)
    frame.columns = names
    return replace(table, frame=frame, undecodable=undecodable, first_row=1 + header_rows,
                   header_cells=cells)


def combined_headers(first: list[str], second: list[str]) -> list[str]:
    """Column names of a two-row header: ``"first [second]"`` where they differ.

    A blank first-row cell continues the question to its left (a merged cell).

    Examples
    --------
    >>> combined_headers(["Date", "Langages ?", "", "", "Note"], ["", "Python", "R", "Other", ""])
    ['Date', 'Langages ? [Python]', 'Langages ? [R]', 'Langages ? [Other]', 'Note']
    """
    names, carried = [], ""
    for top, below in zip(first, second, strict=True):
        if top:
            carried = top
        elif below:
            top = carried
        names.append(f"{top} [{below}]" if top and below and below != top else top or below)
    return names


def blank_cells(values: pd.Series) -> np.ndarray:
    """Boolean mask of the cells that are empty or only whitespace.

    Examples
    --------
    >>> import pandas as pd
    >>> blank_cells(pd.Series(["a", "", "  ", " b "])).tolist()
    [False, True, True, False]
    """
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        cells = pa.array(values)  # no copy: the Arrow strings pandas holds
        empty = pc.or_(pc.equal(pc.binary_length(cells), 0), pc.utf8_is_space(cells))
        return np.asarray(empty.to_numpy(zero_copy_only=False), dtype=bool)
    return values.str.strip().eq("").to_numpy(dtype=bool)


def _read_csv_file(path: Path, expected_headers: tuple[str, ...]) -> RawTable:
    """Read a CSV file in record-aligned blocks, parsed by pyarrow in threads as they come.

    A UTF-8 file (the common case) is never decoded in Python, nor held whole in memory:
    pyarrow checks the UTF-8 of every cell while parsing. A file that fails that check, or
    starts with a UTF-16 byte-order mark, is read whole and decoded here (:func:`_read_csv`).
    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(_CHUNK_BYTES)
            if not head or (head.isspace() and len(head) < _CHUNK_BYTES):
                raise SurveyInputError(f"{path} is empty; export the responses again from "
                                       "Google Forms")
            encoding = _byte_order(head, path)
            if encoding != "utf-16":
                skip = len(_BOM) if encoding == "utf-8-sig" else 0
                try:
                    return _parse_csv(head[skip:], lambda: handle.read(_CHUNK_BYTES), path,
                                      expected_headers, encoding, [],
                                      whole=lambda: path.read_bytes()[skip:])
                except _NotUtf8:
                    pass
        data = path.read_bytes()
    except OSError as exc:
        raise SurveyInputError(f"{path} cannot be read: {exc.strerror}") from None
    return _read_csv(data, path, expected_headers)


def _read_csv(data: bytes, path: Path, expected_headers: tuple[str, ...]) -> RawTable:
    """Decode and parse a whole CSV file's bytes (UTF-16, or not entirely valid UTF-8)."""
    encoding = _byte_order(data, path)
    if encoding == "utf-16":
        return _parse_bytes(data.decode("utf-16").encode("utf-8"), path, expected_headers,
                            "utf-16", [])
    data = data.removeprefix(_BOM)
    try:
        return _parse_bytes(data, path, expected_headers, encoding, [])
    except _NotUtf8:
        pass
    decoded = _decode_with_evidence(data, path)
    return _parse_bytes(decoded.text.encode("utf-8"), path, expected_headers,
                        decoded.encoding, decoded.warnings, marked=decoded.replaced > 0)


def _parse_bytes(data: bytes, path: Path, expected_headers: tuple[str, ...], encoding: str,
                 warnings: list[str], *, marked: bool = False) -> RawTable:
    """:func:`_parse_csv` of UTF-8 bytes held in memory."""
    stream = io.BytesIO(data)
    first = stream.read(_CHUNK_BYTES)
    return _parse_csv(first, lambda: stream.read(_CHUNK_BYTES), path, expected_headers,
                      encoding, warnings, marked=marked, whole=lambda: data)


def _byte_order(data: bytes, path: Path) -> str:
    """``"utf-16"``, ``"utf-8-sig"`` or ``"utf-8"``, from a file's first bytes (its byte-order
    mark); NUL bytes without a UTF-16 mark are a binary file: an error."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if b"\x00" in data[:4096]:
        raise SurveyInputError(f"{path} looks binary (NUL bytes), not a CSV export; "
                               "export the responses as CSV, .xlsx or .ods")
    return "utf-8-sig" if data.startswith(_BOM) else "utf-8"


class _NotUtf8(Exception):
    """pyarrow found a cell that is not valid UTF-8."""


#: Stands in for each undecodable byte until the cells holding one are located: a
#: noncharacter that no export contains (checked); shown as U+FFFD afterwards.
_MARK = "\U0010fffe"
#: CSV bytes per parsing task (pyarrow parses each on one thread; tasks run in parallel).
_CHUNK_BYTES = 16 << 20
_BOM = b"\xef\xbb\xbf"
_SURROGATE = re.compile("[\udc80-\udcff]")
_NON_ASCII = re.compile("[^\x00-\x7f]")


@dataclass(frozen=True)
class _Decoded:
    text: str
    encoding: str
    warnings: list[str]
    replaced: int = 0


def _decode_with_evidence(data: bytes, path: Path) -> _Decoded:
    """Decode a file that is not entirely valid UTF-8, deciding its encoding with evidence.

    Bytes >= 0x80 are either parts of valid UTF-8 sequences or not. A file whose non-ASCII
    characters are mostly valid UTF-8 sequences (at least as many as stray bytes) is UTF-8
    with a few stray bytes (a cell pasted from another program, a cut character): it stays
    UTF-8 and each stray byte is marked so that the cells holding one can be named. Any
    other file is a legacy 8-bit file (in Windows-1252 text, a byte >= 0x80 almost never
    forms a valid UTF-8 sequence with the next one): read as Windows-1252, which includes
    Latin-1's letters, with a warning; a byte Windows-1252 does not define falls back to
    Latin-1.
    """
    escaped = data.decode("utf-8", errors="surrogateescape")
    stray = len(_SURROGATE.findall(escaped))
    valid = len(_NON_ASCII.findall(escaped)) - stray
    if valid >= stray and _MARK.encode("utf-8") not in data:
        return _Decoded(_SURROGATE.sub(_MARK, escaped), "utf-8", [], replaced=stray)
    for encoding, name in (("cp1252", "Windows-1252"), ("latin-1", "Latin-1")):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return _Decoded(text, encoding, [
            f"{path.name} is not UTF-8; read it as {name} (a file re-saved by Excel): check "
            "accents in the results, or re-export as 'CSV UTF-8'"])
    raise AssertionError("Latin-1 decodes every byte")  # pragma: no cover


def decode_csv(data: bytes, path: Path) -> tuple[str, str, list[str]]:
    """Text, encoding and warnings of a whole CSV file or of one of its byte ranges.

    Decides as :func:`read_table` does, except that a UTF-8 file with stray bytes is an
    error here (the partitioned reader of :mod:`espri_gpu.responses_partitioned` cannot
    name their cells): :class:`SurveyInputError`.
    """
    encoding = _byte_order(data, path)
    if encoding == "utf-16":
        return data.decode("utf-16"), "utf-16", []
    data = data.removeprefix(_BOM)
    try:
        return data.decode("utf-8"), encoding, []
    except UnicodeDecodeError as exc:
        first = exc.start
    decoded = _decode_with_evidence(data, path)
    if decoded.replaced:
        raise SurveyInputError(
            f"{path} is UTF-8 but has {decoded.replaced} undecodable byte(s) (the first, "
            f"0x{data[first]:02x}, at byte {first}); read it without --cluster to see the rows "
            "and columns that hold them, or fix them")
    return decoded.text, decoded.encoding, decoded.warnings


def _parse_csv(first: bytes, read: Callable[[], bytes], path: Path,
               expected_headers: tuple[str, ...], encoding: str, warnings: list[str], *,
               whole: Callable[[], bytes], marked: bool = False) -> RawTable:
    """Parse UTF-8 CSV bytes (``first``, then ``read()`` until ``b""``) into a RawTable.

    Raises :class:`_NotUtf8` when a cell is not valid UTF-8; ``whole()`` gives the file's
    bytes again for pandas' parser when a record is irregular (a blank line, a short row).
    """
    header_end = record_end(first, 0)
    try:
        header_text = first[:header_end].decode("utf-8")
    except UnicodeDecodeError:
        raise _NotUtf8 from None
    delimiter = pick_delimiter(header_text, expected_headers)
    cells = header_cells(header_text, delimiter)
    names = [str(i) for i in range(len(cells))]
    try:
        tables = parse_blocks(record_blocks(first[header_end:], read), names, delimiter)
    except IrregularRows:
        try:
            text = whole().decode("utf-8")
        except UnicodeDecodeError:
            raise _NotUtf8 from None
        return _parse_csv_pandas(text, path, cells, delimiter, encoding, warnings,
                                 marked=marked)
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc) or "UTF-8" in str(exc):
            raise _NotUtf8 from None
        first_line = str(exc).strip().splitlines()[0]
        raise SurveyInputError(f"{path} is not a readable CSV file ({first_line}); "
                               "export it again as CSV") from None
    frame = blocks_to_frame(tables, names)
    check_header(frame, path, cells, unique=False)
    return _finish(frame, path, encoding, delimiter, warnings, marked)


def _parse_csv_pandas(text: str, path: Path, cells: list[str], delimiter: str, encoding: str,
                      warnings: list[str], *, marked: bool) -> RawTable:
    """pandas' C parser for irregular files: short rows padded, blank lines kept as rows."""
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
                            na_filter=False, skip_blank_lines=False, engine="c")
    except (pd.errors.ParserError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0]
        raise SurveyInputError(f"{path} is not a readable CSV file ({first}); "
                               "export it again as CSV") from None
    check_header(frame, path, cells, unique=False)
    return _finish(frame, path, encoding, delimiter, warnings, marked)


def _finish(frame: pd.DataFrame, path: Path, encoding: str, delimiter: str,
            warnings: list[str], marked: bool) -> RawTable:
    """The cleaned frame; with ``marked``, the cells holding undecodable bytes located."""
    frame = clean_frame(frame)
    undecodable: list[tuple[int, str]] = []
    if marked:
        for column in frame.columns:
            hit = frame[column].str.contains(_MARK, regex=False).to_numpy(dtype=bool)
            if hit.any():
                undecodable += [(int(r), column) for r in np.flatnonzero(hit)]
                frame[column] = frame[column].str.replace(_MARK, "\ufffd", regex=False)
        undecodable.sort()
    return RawTable(frame, str(path), "csv", encoding, delimiter, tuple(warnings),
                    tuple(undecodable))


def header_cells(text: str, delimiter: str) -> list[str]:
    r"""The cells of the first CSV record of ``text`` (empty when it has none).

    Examples
    --------
    >>> header_cells('Lab,"Methods, tools"\nLMD,kmeans\n', ",")
    ['Lab', 'Methods, tools']
    """
    try:
        return next(csv.reader(io.StringIO(text), delimiter=delimiter))
    except (StopIteration, csv.Error):
        return []


def pick_delimiter(text: str, expected_headers: tuple[str, ...]) -> str:
    r"""The delimiter whose header row matches the most expected headers (else: most cells).

    Examples
    --------
    >>> pick_delimiter("Lab;Methods\nLMD;kmeans\n", ("Lab", "Methods"))
    ';'
    """
    wanted = {normalize_text(h) for h in expected_headers}

    def score(delimiter: str) -> tuple[int, int]:
        cells = header_cells(text, delimiter)
        return sum(normalize_text(c) in wanted for c in cells), len(cells)

    return max(_DELIMITERS, key=score)


def check_header(frame: pd.DataFrame, path: Path, cells: list[str], *,
                  unique: bool = True) -> None:
    """Name ``frame``'s columns after the header ``cells``; with ``unique``, a name given
    twice is an error (else :func:`read_table` checks once every header row is read)."""
    names = [c.strip() for c in (cells or [str(c) for c in frame.columns])]
    seen: set[str] = set()
    for name in names:
        if name in seen and unique:
            raise SurveyInputError(f"{path}: the header has the column {name!r} twice; "
                                   "rename or delete one of them")
        seen.add(name)
    if names and len(names) == frame.shape[1]:
        frame.columns = names


def clean_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with stripped column names and every cell a string (missing: ``""``)."""
    frame = frame.rename(columns=lambda c: str(c).strip())
    return frame.fillna("").astype(str)


def _read_spreadsheet(path: Path, engine: str) -> RawTable:
    # dtype=str: numbers come as typed ("5", "5.5"), date cells as ISO text
    # "YYYY-MM-DD HH:MM:SS", which espri_gpu.timestamps reads first: never day/month swapped.
    try:
        frame = pd.read_excel(path, sheet_name=0, dtype=str, keep_default_na=False,
                              na_filter=False, engine=engine, header=None)
    except ImportError as exc:
        raise SurveyInputError(f"{path}: reading {path.suffix} files needs {exc.name}; "
                               f"pip install {exc.name}") from None
    except Exception as exc:  # zip/xml errors from a corrupt or mislabelled file
        raise SurveyInputError(f"{path} is not a readable {path.suffix} spreadsheet "
                               f"({type(exc).__name__}); open and re-save it") from None
    if frame.shape[1] == 0 or frame.empty:
        raise SurveyInputError(f"{path} is empty; export the responses again")
    frame = clean_frame(frame)
    frame.columns = [str(c).strip() for c in frame.iloc[0]]
    frame = frame.iloc[1:].reset_index(drop=True)
    # a column without header or answers is a spreadsheet's empty margin, not data
    frame = frame.loc[:, [bool(str(c)) or bool(frame.iloc[:, j].ne("").any())
                          for j, c in enumerate(frame.columns)]]
    return RawTable(frame, str(path), path.suffix.lower().lstrip("."))
