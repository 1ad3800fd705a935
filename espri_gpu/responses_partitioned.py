"""Reading a responses CSV file in row partitions on Dask: :func:`read_survey_distributed`.

The twin of :func:`~espri_gpu.responses.read_survey` for files too large for one process:
workers read byte ranges of the file, factorize their choice columns (cuDF on the GPU) and send
back codes and the *distinct* cell strings; this process numbers the distinct cells of all
partitions, parses each once (:class:`~espri_gpu.parsing.ParsedColumn`) and assembles the
survey with :func:`~espri_gpu.responses.assemble_survey`, so the result is the very
:class:`~espri_gpu.survey.Survey` that ``read_survey`` returns. It decides the encoding,
delimiter and header with the functions :func:`~espri_gpu.tables.read_table` uses. The
byte ranges run where the executor of :mod:`espri_gpu.execution` sends them.
"""

from __future__ import annotations

import functools
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .backend import Backend, resolve_backend
from .codebook import Codebook, load_codebook
from .errors import SurveyInputError
from .execution import Executor, executor_for
from .factorize import factorize
from .parsing import ParsedColumn
from .responses import assemble_survey, match_header, read_survey
from .survey import Survey
from .tables import (
    SPREADSHEETS,
    RawTable,
    check_header,
    clean_frame,
    decode_csv,
    header_cells,
    pick_delimiter,
    record_end,
)

__all__ = ["DEFAULT_BLOCKSIZE", "read_survey_distributed"]

log = logging.getLogger(__name__)

#: Bytes of the responses file per partition.
DEFAULT_BLOCKSIZE = "64MiB"
#: Bytes read in this process to find the encoding, delimiter and header of a CSV file.
_SAMPLE_BYTES = 1 << 20


@dataclass(frozen=True)
class _PartSpec:
    """What a worker needs to read one byte range of the responses file."""

    path: str
    encoding: str
    delimiter: str
    header_text: str                # the header record, prepended to every block but the first
    columns: tuple[str, ...]        # header of the file (cleaned, as read_table gives it)
    kept: tuple[str, ...]           # headers of the non-personal columns
    keywords: tuple[str, ...]       # their codebook keywords
    choice: tuple[str, ...]         # keywords of the choice columns (factorized)
    side: tuple[str, ...]           # keywords of the other kept columns (sent back as text)
    backend: str


@dataclass
class _Part:
    """What a worker sends back for one byte range."""

    quotes: int                                  # '"' bytes in the range (CSV quoting parity)
    n_rows: int = 0
    blank: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    codes: dict[str, np.ndarray] = field(default_factory=dict)
    uniques: dict[str, list[str]] = field(default_factory=dict)
    side: pd.DataFrame | None = None
    error: str | None = None                     # unreadable as CSV (may be a bad boundary)
    fatal: str | None = None                     # a SurveyInputError to raise as is
    recode: tuple[str, tuple[str, ...]] | None = None  # not UTF-8: (encoding, warnings)


def read_survey_distributed(path: str | Path, codebook: str | Path | Codebook, client: Any, *,
                            interpretations: str | Path | None = None,
                            errors: str = "raise", blocksize: int | str = DEFAULT_BLOCKSIZE,
                            backend: str | Backend | None = None) -> Survey:
    """:func:`~espri_gpu.responses.read_survey`, with the CSV read in row partitions on Dask.

    The file is cut into byte ranges of about ``blocksize`` at line ends (``fsspec``'s
    ``read_block``, as ``dask.dataframe.read_csv`` does); a range that would start inside a
    quoted cell holding a line break is merged with the one before it, so Google Forms
    exports with multi-line answers are read correctly. Each worker parses its range as
    strings (pandas' CSV parser, the personal columns dropped at once), factorizes every
    choice column (cuDF on the GPU backend) and sends back the codes, the distinct cell
    strings and the timestamp and free-text columns. The client numbers the distinct cells
    of all partitions in order of first appearance (a *global* codebook of cells: every
    partition sees the same column layout), parses each distinct cell once and assembles
    the :class:`~espri_gpu.survey.Survey` exactly as ``read_survey`` does: same answers,
    codes, levels, respondents and load report.

    Spreadsheets (``.xlsx``, ``.ods``) cannot be cut into byte ranges and are read in one
    process; so is everything when ``client`` is None.

    Parameters
    ----------
    path, codebook, interpretations, errors, backend
        As in :func:`~espri_gpu.responses.read_survey`.
    client : distributed.Client or None
    blocksize : int or str
        Bytes per partition (``"64MiB"``, ``2**20``).

    Returns
    -------
    Survey

    Raises
    ------
    SurveyInputError
        As :func:`~espri_gpu.responses.read_survey`.

    Examples
    --------
    >>> from espri_gpu.distributed import connect
    >>> from espri_gpu.responses_partitioned import read_survey_distributed
    >>> with connect("local", backend="cpu") as client:  # doctest: +SKIP
    ...     survey = read_survey_distributed("export.csv", "codebook.toml", client)
    """
    if errors not in ("raise", "skip"):
        raise ValueError(f"`errors` is {errors!r}; expected 'raise' or 'skip'")
    if not isinstance(codebook, Codebook):
        codebook = load_codebook(codebook)
    b = resolve_backend(backend)
    path = Path(path)
    layouts = codebook.header_rows != 1 or any(
        c.kind in ("ignore", "option", "option_other") for c in codebook.columns)
    if client is None or path.suffix.lower() in SPREADSHEETS or layouts:
        if client is not None:
            log.info("%s: spreadsheets, two header rows, ignored columns and one column per "
                     "option are read in one process, not in partitions", path)
        return read_survey(path, codebook, interpretations=interpretations, errors=errors,
                           backend=b)
    executor = executor_for(client)
    spec, layout, personal = _plan(path, codebook, b)
    ranges = _byte_ranges(layout, blocksize)
    parts = _read_all(executor, spec, ranges)
    recode = next((p.recode for p in parts if p.recode is not None), None)
    if recode is not None:  # UTF-8 at the start, not further on: all of it as read_table would
        spec, layout, personal = _plan(path, codebook, b, recode)
        parts = _read_all(executor, spec, ranges)
    parts = _merge_quoted(executor, spec, ranges, parts)

    blank = np.concatenate([p.blank for p in parts]).astype(bool)
    if blank.size == 0:
        raise SurveyInputError(f"{path} has a header but no respondent rows")
    side = pd.concat([p.side for p in parts], ignore_index=True)
    parsed = {}
    for keyword in spec.choice:
        codes, raw = _global_codes(parts, keyword)
        parsed[keyword] = ParsedColumn.from_codes(codebook.question(keyword), codes, raw)
    table = RawTable(side, str(path), "csv", spec.encoding, spec.delimiter, layout.warnings)
    return assemble_survey(table, codebook, side, blank, parsed, personal,
                           interpretations=interpretations, errors=errors)


@dataclass(frozen=True)
class _CsvLayout:
    size: int
    encoding: str
    delimiter: str
    header_text: str
    columns: tuple[str, ...]
    warnings: tuple[str, ...]
    splittable: bool


def _plan(path: Path, codebook: Codebook, b: Backend,
          recode: tuple[str, tuple[str, ...]] | None = None
          ) -> tuple[_PartSpec, _CsvLayout, tuple[str, ...]]:
    """Layout of the file, its columns matched to the codebook, and the workers' spec."""
    layout = _sniff_csv(path, tuple(c.header for c in codebook.columns), recode)
    header_table = RawTable(pd.DataFrame(columns=list(layout.columns)), str(path), "csv")
    by_keyword = match_header(header_table, codebook)
    personal = tuple(c.keyword for c in codebook.columns if c.kind == "personal")
    personal_headers = {by_keyword.pop(k) for k in personal}
    kept = tuple(h for h in layout.columns if h not in personal_headers)
    keyword_of = {name: keyword for keyword, name in by_keyword.items()}
    keywords = tuple(keyword_of[h] for h in kept)
    choice = tuple(c.keyword for c in codebook.columns if c.kind in ("single", "multiple"))
    spec = _PartSpec(str(path), layout.encoding, layout.delimiter, layout.header_text,
                     layout.columns, kept, keywords, choice,
                     tuple(k for k in keywords if k not in choice), b.name)
    return spec, layout, personal


def _sniff_csv(path: Path, expected_headers: tuple[str, ...],
               recode: tuple[str, tuple[str, ...]] | None = None) -> _CsvLayout:
    """Encoding, delimiter and header of a CSV file, decided as ``read_table`` decides them,
    from its first bytes (the workers check the encoding on every partition; ``recode`` is
    the encoding and warnings to use when they found the file is not UTF-8 after all)."""
    if not path.exists():
        raise SurveyInputError(f"{path} does not exist; check the path of the responses file")
    if path.is_dir():
        raise SurveyInputError(f"{path} is a directory; give the responses file itself")
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            sample = handle.read(_SAMPLE_BYTES)
            utf16 = sample.startswith((b"\xff\xfe", b"\xfe\xff"))
            if utf16:  # 2-byte line ends: not cut at b"\n"; read in one partition
                sample += handle.read()
    except OSError as exc:
        raise SurveyInputError(f"{path} cannot be read: {exc.strerror}") from None
    whole = len(sample) >= size
    if whole and not sample.strip():
        raise SurveyInputError(f"{path} is empty; export the responses again from Google Forms")
    if not whole:
        sample = sample[:sample.rfind(b"\n") + 1]
    if recode is None:
        text, encoding, warnings = decode_csv(sample, path)
    else:
        encoding, warnings = recode
        text = sample.removeprefix(b"\xef\xbb\xbf").decode(encoding)
    delimiter = pick_delimiter(text, expected_headers)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
                            na_filter=False, skip_blank_lines=False, engine="c", nrows=0)
    except (pd.errors.ParserError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0]
        raise SurveyInputError(f"{path} is not a readable CSV file ({first}); "
                               "export it again as CSV") from None
    check_header(frame, path, header_cells(text, delimiter))
    columns = tuple(clean_frame(frame).columns)
    return _CsvLayout(size, encoding, delimiter, _header_record(text), columns,
                      tuple(warnings), not utf16)


def _header_record(text: str) -> str:
    """The first CSV record of ``text`` with its line end (line breaks in quotes skipped)."""
    data = text.encode("utf-8")  # '"' and line ends are single bytes: the same record ends
    header = data[:record_end(data, 0)].decode("utf-8")
    return header if header.endswith("\n") else header + "\n"


def _byte_ranges(layout: _CsvLayout, blocksize: int | str) -> list[tuple[int, int | None]]:
    from dask.utils import parse_bytes

    size = parse_bytes(blocksize) if isinstance(blocksize, str) else int(blocksize)
    if size <= 0:
        raise SurveyInputError(f"`blocksize` is {blocksize!r}; expected a positive size")
    if not layout.splittable or layout.size <= size:
        return [(0, None)]
    return [(offset, size) for offset in range(0, layout.size, size)]


def _read_all(executor: Executor, spec: _PartSpec,
              ranges: list[tuple[int, int | None]]) -> list[_Part]:
    return executor.map(functools.partial(_read_part, spec), ranges,
                        what=f"the partitions of {spec.path}")


def _merge_quoted(executor: Executor, spec: _PartSpec, ranges: list[tuple[int, int | None]],
                  parts: list[_Part]) -> list[_Part]:
    """Re-read as one partition each run of ranges cut inside a quoted cell; check them all.

    A range ends inside a quoted cell (a multi-line answer) when an odd number of ``"``
    precede its end in the file (RFC 4180 quoting).
    """
    odd = np.cumsum([p.quotes for p in parts]) % 2 == 1
    groups, start = [], 0
    for i in range(len(parts)):
        if not odd[i] or i == len(parts) - 1:
            groups.append((start, i))
            start = i + 1
    merged = {i: (ranges[i][0], ranges[j][0] + ranges[j][1] - ranges[i][0])
              for i, j in groups if j > i}
    if merged:
        log.info("%s: %d partition boundaries fell inside quoted cells; merged", spec.path,
                 sum(j - i for i, j in groups))
        redone = executor.map(functools.partial(_read_part, spec), list(merged.values()),
                              what=f"the partitions of {spec.path}")
        redone_by_start = dict(zip(merged, redone, strict=True))
        parts = [redone_by_start.get(i, parts[i]) for i, _ in groups]
    for part in parts:
        if part.fatal:
            raise SurveyInputError(part.fatal)
        if part.error:
            raise SurveyInputError(f"{spec.path} is not a readable CSV file ({part.error}); "
                                   "export it again as CSV")
    return parts


def _read_part(spec: _PartSpec, byte_range: tuple[int, int | None]) -> _Part:
    """Task: read, parse and factorize the byte range ``(offset, length)`` starting at a line
    end (``length`` None: to the end of the file)."""
    from fsspec.utils import read_block

    offset, length = byte_range
    with open(spec.path, "rb") as handle:
        data = handle.read() if length is None else read_block(handle, offset, length, b"\n")
    part = _Part(quotes=data.count(b'"'))
    try:
        text = data.decode(spec.encoding)
    except UnicodeDecodeError:
        try:  # what read_table does with such a file: Windows-1252, with a warning
            _, encoding, warnings = decode_csv(data.removeprefix(b"\xef\xbb\xbf"), Path(spec.path))
        except SurveyInputError as exc:
            part.fatal = str(exc)
        else:
            part.recode = (encoding, tuple(warnings))
        return part
    if offset > 0:
        text = spec.header_text + text
    try:
        frame = pd.read_csv(io.StringIO(text), sep=spec.delimiter, dtype=str,
                            keep_default_na=False, na_filter=False, skip_blank_lines=False,
                            engine="c")
    except (pd.errors.ParserError, ValueError) as exc:
        part.error = str(exc).strip().splitlines()[0]
        return part
    if frame.shape[1] != len(spec.columns):
        part.error = (f"{frame.shape[1]} columns from byte {offset} on, "
                      f"{len(spec.columns)} in the header")
        return part
    frame.columns = list(spec.columns)
    frame = clean_frame(frame)[list(spec.kept)]
    frame.columns = list(spec.keywords)
    part.n_rows = len(frame)
    part.blank = np.logical_and.reduce(
        [frame[k].str.strip().eq("").to_numpy(dtype=bool) for k in frame.columns])
    b = resolve_backend(spec.backend)
    for keyword in spec.choice:
        part.codes[keyword], part.uniques[keyword] = factorize(frame[keyword], b)
    part.side = frame[list(spec.side)].reset_index(drop=True)
    return part


def _global_codes(parts: list[_Part], keyword: str) -> tuple[np.ndarray, list[str]]:
    """Codes into the distinct cells of all partitions, numbered by first appearance."""
    index: dict[str, int] = {}
    pieces = []
    for part in parts:
        local = part.uniques[keyword]
        remap = np.array([index.setdefault(u, len(index)) for u in local] + [-1],
                         dtype=np.int32)
        pieces.append(remap[part.codes[keyword]])  # local -1 (missing) -> the last slot, -1
    return np.concatenate(pieces).astype(np.int32), list(index)
