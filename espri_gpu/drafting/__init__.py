"""Drafting a codebook from an export: what each column looks like, written as TOML to edit.

:func:`draft_codebook_toml` reads an export (CSV, ``.xlsx``, ``.ods``) and writes one
``[[columns]]`` entry per column (or per group of columns: a grid, a question spread over one
column per option) with a keyword made from the header, the exact header, a kind inferred from
the header and the cells, and the options with their number of respondents in comments. Where
the inference is unsure the draft says so in a comment starting with ``CHECK:``.

How each kind is recognised (the first rule that fits wins):

* ``ignore``: an empty header, cells ``1, 2, …, n`` (``0, …, n-1``) in row order (the row
  numbers R and pandas write), response tokens (``#``, ``id`` over distinct cells), a column
  where every respondent gave the same answer, and every date column but the submission time.
* ``timestamp``: a Forms header ("Horodateur", "Timestamp", "Date", "Submit Date", …), or every
  cell a date (:func:`espri_gpu.timestamps.parse_timestamps`) and nearly every cell distinct.
* ``personal``: most cells are e-mail addresses or phone numbers, or a header such as
  "Adresse e-mail", "Email Address", "Nom", "Prénom", "Name", "Téléphone" over mostly distinct
  cells. Never shown in the draft.
* grids and per-option columns: headers sharing a stem (``Stem [row]``, ``Q1[SQ001]``,
  ``Q7_Part_1``, ``Q7_1``, a question text over the columns of its options in a two-row
  header). Columns that hold a single value each (or Y/1/Oui against blank/N/0) are one
  multiple-choice question (``layout = "columns"``; a column "other"/``Q7_OTHER`` of typed
  texts is its ``other_column``; "Aucun"/"None" is its ``none`` option); columns sharing one
  set of values are a ``grid``.
* ``multiple``: cells that join other cells' values (or frequent pieces) with ``", "`` or
  ``";"``, or a header saying "plusieurs choix possibles" / "select all that apply". Option
  texts may contain the separator ("Editeurs (Atom, Emacs, Vim)"): a piece that always comes
  right after the same piece, which is never followed by anything else, is glued to it, and so
  is everything inside unclosed brackets. Options are listed in the order the cells show them
  (Google Forms writes ticked options in form order); a value given by one respondent, always
  last in its cell, is read as a respondent's own "Autre" answer (``other = true``).
* numbers: a few distinct integers (a 1–5 or 0–10 scale) are a ``single`` question with
  ``ordered = true``; other numbers are left ``free``.
* ``single``: at most 30 distinct values, most given by several respondents (or up to 30
  repeated values and a tail of answers given once, read as "Autre" texts); otherwise
  ``free`` (also any column with answers on several lines).

Options of a single-choice question or a grid are ordered as a human expects: a known scale
(Likert agreement, frequency, level, satisfaction, in French or English; numbers; texts
starting with a number) in scale order with ``ordered = true``, else by frequency.

A second header row (Typeform, Kaggle) is recognised when the first row names a question
twice, or when the first data row fills every column with no respondent's answer (no date, no
number, no usual answer of a choice column): the draft says ``header_rows = 2`` and names the
columns as :func:`espri_gpu.tables.read_table` does then.

Known failure cases: two options always ticked together by the same respondents (with no
other option between them) are drafted as one option whose text contains the separator, and
said so in a comment; an option ticked by a single respondent as the last of their options is
drafted as an "Autre" answer (said so, with the texts); an option nobody ticked is absent; a
single-choice question answered by few respondents, each with another answer, is drafted as
free text; per-option columns holding only Y/1 get their column codes as option texts.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..codebook import Codebook, load_codebook_text
from .columns import Column, read_export
from .kinds import one_timestamp
from .layouts import draft_entries
from .render import assign_keywords, render

__all__ = ["draft_codebook", "draft_codebook_toml", "draft_from_frame"]


def draft_codebook_toml(path: str | Path, *, output: str = "codebook.toml") -> str:
    """Draft a codebook for an export: TOML text with comments, to check and edit.

    Parameters
    ----------
    path : str or Path
        The export (CSV, ``.xlsx`` or ``.ods``), read with :func:`espri_gpu.tables.read_table`.
        A second header row (Typeform, Kaggle) is recognised and drafted as
        ``header_rows = 2``.
    output : str
        Where the codebook will be saved, for the command shown in the header comment.

    Returns
    -------
    str
        The codebook, in the format of README "Codebook format (TOML)"; comments give each
        option's number of respondents and flag unsure guesses with ``CHECK:``.

    Raises
    ------
    SurveyInputError
        If the export cannot be read.

    Examples
    --------
    >>> from espri_gpu.example import example_path
    >>> text = draft_codebook_toml(example_path("espri2020", "responses.csv"))
    >>> text.count("[[columns]]"), text.count('kind = "multiple"')
    (17, 6)
    >>> print(text.split("[[columns]]")[2].split("options")[0].strip())
    keyword = "laboratoire"
    header = "A quel laboratoire êtes vous rattaché·e ?"
    kind = "single"
    label = "A quel laboratoire êtes vous rattaché·e ?"
    other = false
    """
    columns, n, header_rows = read_export(path)
    return _draft(columns, n, header_rows, source=str(path), output=output)


def draft_codebook(path: str | Path) -> Codebook:
    """Draft a codebook for an export and load it (see :func:`draft_codebook_toml`).

    Parameters
    ----------
    path : str or Path
        The export (CSV, ``.xlsx`` or ``.ods``).

    Returns
    -------
    Codebook
        What :func:`~espri_gpu.codebook.load_codebook_text` gives for the draft; its
        ``to_toml()`` is the draft without its comments.

    Examples
    --------
    >>> from espri_gpu.example import example_path
    >>> cb = draft_codebook(example_path("espri2020", "responses.csv"))
    >>> [c.kind for c in cb.columns][:4]
    ['timestamp', 'single', 'free', 'single']
    >>> cb.question("outils_programmation").options[1].text
    'Editeurs de texte (Atom, Emacs, Sublime Texte, Vim, etc.)'
    """
    return load_codebook_text(draft_codebook_toml(path), f"drafted for {path}")


def draft_from_frame(frame: pd.DataFrame, *, source: str = "export.csv",
                     output: str = "codebook.toml") -> str:
    """Draft a codebook (TOML text) for a table of strings whose columns are the export's.

    Parameters
    ----------
    frame : pandas.DataFrame
        One column per export column, headers as exported (one header row), cells as
        strings (blanks ``""``), as :func:`espri_gpu.tables.read_table` returns them.
    source : str
        The export's path, shown in the header comment and the re-run command.
    output : str
        Where the codebook will be saved, for the re-run command.

    Returns
    -------
    str

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"Niveau ?": ["Débutant", "Expert", "Intermédiaire", "Débutant"]})
    >>> print(draft_from_frame(frame).split("[[columns]]")[1].strip())
    keyword = "niveau"
    header = "Niveau ?"
    kind = "single"
    label = "Niveau ?"
    ordered = true  # a scale: options in scale order
    other = false
    options = [
        { keyword = "debutant", text = "Débutant" },  # 2 respondents
        { keyword = "intermediaire", text = "Intermédiaire" },  # 1 respondent
        { keyword = "expert", text = "Expert" },  # 1 respondent
    ]
    """
    frame = frame.fillna("").astype(str)
    names = [str(c).strip() for c in frame.columns]
    columns = [Column(name, name, "", frame.iloc[:, i].reset_index(drop=True))
               for i, name in enumerate(names)]
    return _draft(columns, len(frame), 1, source=source, output=output)


def _draft(columns: list[Column], n: int, header_rows: int, *, source: str,
           output: str) -> str:
    entries = draft_entries(columns, n)
    one_timestamp(entries)
    assign_keywords(entries)
    return render(entries, source=source, output=output, n=n, header_rows=header_rows)
