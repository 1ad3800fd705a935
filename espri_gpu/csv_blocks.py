"""CSV bytes cut into blocks of whole records and parsed by pyarrow in threads.

What :func:`~espri_gpu.tables.read_table` does with a UTF-8 CSV file: the bytes come in
blocks (:func:`record_blocks`: a quoted cell holding line breaks is never cut, :func:`record_end`
and :func:`last_record_end` find where records end, as RFC 4180 quotes them), each block is
parsed on its own thread with every cell a string (:func:`parse_blocks`), and the tables are
joined into one DataFrame (:func:`blocks_to_frame`). A record with another number of fields
than the header raises :class:`IrregularRows`, for pandas' parser to read the file instead.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from .machine import usable_cores

__all__ = ["IrregularRows", "blocks_to_frame", "last_record_end", "parse_blocks",
           "record_blocks", "record_end"]


class IrregularRows(Exception):
    """A record with another number of fields than the header (a blank line, a cut row)."""


def record_end(data: bytes, start: int) -> int:
    r"""Offset just past the first line end at or after ``start`` outside quotes (RFC 4180).

    ``start`` must be the start of a record; ``len(data)`` when no line end follows.

    Examples
    --------
    >>> record_end(b'a,"b\nc"\nd,e\n', 0)  # the line break in quotes is not a record end
    8
    """
    quotes, pos = 0, start
    while True:
        end = data.find(b"\n", pos)
        if end < 0:
            return len(data)
        quotes += data.count(b'"', pos, end)
        pos = end + 1
        if quotes % 2 == 0:
            return pos


def last_record_end(buffer: bytes) -> int:
    r"""Offset just past the last line end of ``buffer`` outside quotes; 0 if there is none.

    ``buffer`` starts at a record start. A line end is a record end when an even number of
    ``"`` precede it (RFC 4180: quotes inside a quoted cell are doubled).

    Examples
    --------
    >>> last_record_end(b'a,b\nc,"d\ne')  # the last line end is inside quotes
    4
    """
    before = buffer.count(b'"')
    pos = len(buffer)
    while True:
        end = buffer.rfind(b"\n", 0, pos)
        if end < 0:
            return 0
        before -= buffer.count(b'"', end, pos)
        pos = end
        if before % 2 == 0:
            return end + 1


def record_blocks(first: bytes, read: Callable[[], bytes]) -> Iterator[memoryview]:
    r"""Blocks of whole records: ``first`` (starting at a record start), then ``read()``
    until it returns ``b""``; a multi-line cell is never cut.

    Examples
    --------
    >>> import io
    >>> body = io.BytesIO(b'1,"x\ny"\n2,z\n')
    >>> [bytes(b) for b in record_blocks(body.read(4), lambda: body.read(4))]
    [b'1,"x\ny"\n', b'2,z\n']
    """
    pending = first
    while True:
        more = read()
        if not more:
            if pending:
                yield memoryview(pending)
            return
        buffer = pending + more if pending else more
        cut = last_record_end(buffer)
        if cut == 0:  # one record longer than a block: read on
            pending = buffer
            continue
        yield memoryview(buffer)[:cut]
        pending = buffer[cut:]


def parse_blocks(blocks: Iterator[memoryview], names: list[str],
                 delimiter: str) -> list[pa.Table]:
    r"""Parse record blocks in a thread pool, in order, with a few blocks in flight at most
    (so that reading never runs far ahead of parsing and memory stays bounded).

    Raises :class:`IrregularRows` when a record has another number of fields than ``names``.

    Examples
    --------
    >>> tables = parse_blocks(iter([memoryview(b'LMD,"R, Python"\n'), memoryview(b'LSCE,\n')]),
    ...                       ["lab", "tools"], ",")
    >>> blocks_to_frame(tables, ["lab", "tools"]).values.tolist()
    [['LMD', 'R, Python'], ['LSCE', '']]
    """
    cores = usable_cores()
    tables: list[pa.Table] = []
    with ThreadPoolExecutor(cores) as pool:
        running: deque = deque()
        for block in blocks:
            running.append(pool.submit(_parse_chunk, pa.py_buffer(block), names, delimiter))
            while len(running) > 2 * cores:
                tables.append(running.popleft().result())
        tables += [future.result() for future in running]
    return tables


def _parse_chunk(chunk: pa.Buffer, names: list[str], delimiter: str) -> pa.Table:
    """One run of whole records, every cell a (non-null) UTF-8 string.

    Raises :class:`IrregularRows` when a record has another number of fields than the
    header (pandas' parser then reads the file, as it always did).
    """
    irregular: list[object] = []

    def note(row: object) -> str:
        irregular.append(row)
        return "skip"

    table = pacsv.read_csv(
        pa.BufferReader(chunk),
        read_options=pacsv.ReadOptions(column_names=names, use_threads=False),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                         ignore_empty_lines=False, invalid_row_handler=note),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False,
            quoted_strings_can_be_null=False))
    if irregular:
        raise IrregularRows
    return table


def blocks_to_frame(tables: list[pa.Table], names: list[str]) -> pd.DataFrame:
    """One DataFrame of the parsed chunks, with pandas' own string columns."""
    if not tables:
        return pd.DataFrame({n: pd.Series([], dtype=str) for n in names})
    table = pa.concat_tables(tables)
    string_dtype = pd.Series([""], dtype=str).dtype  # pandas 3: arrow-backed; 2.x: object
    if string_dtype.kind == "O" and not isinstance(string_dtype, pd.StringDtype):
        return table.to_pandas()
    return table.to_pandas(types_mapper={pa.string(): string_dtype}.get)
