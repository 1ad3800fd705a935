"""What a codebook says, as objects: its columns, questions, options and grids.

The frozen dataclasses that :func:`~espri_gpu.codebook.load_codebook` builds from a codebook
file (:mod:`espri_gpu.codebook` reads and validates the TOML) and that
:meth:`Survey.from_frame <espri_gpu.survey.Survey.from_frame>` builds from its arguments, and
:func:`normalize_text`, the lenient folding used to match headers and option texts.
Everything here is importable from :mod:`espri_gpu.codebook` too.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .codebook_toml import codebook_to_toml
from .errors import SurveyInputError

__all__ = ["NOT_TICKED", "Codebook", "Column", "Grid", "Option", "Question",
           "normalize_text"]

Kind = Literal["single", "multiple", "free", "timestamp", "personal", "ignore", "option",
               "option_other"]
#: Cells of a per-option column (``layout = "columns"``) that mean "not ticked".
NOT_TICKED = ("", "0", "n", "no", "non", "false", "faux", "0.0")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "«": '"', "»": '"', "“": '"',
                         "”": '"', "\u00a0": " ", "\u202f": " ", "–": "-", "—": "-"})
#: Spaces that exports add or drop: before ``?!:;]`)``, after ``?:[(``.
_LOOSE_SPACES = re.compile(r" (?=[?!:;\])])|(?<=[?:\[(]) ")


def normalize_text(text: str) -> str:
    """Fold a text for lenient matching: accents, case, quotes and spacing are ignored.

    Used to match headers and option texts that an export or a spreadsheet program changed
    slightly (curly quotes, non-breaking spaces, a space before ``?`` or ``:``, spaces inside
    the brackets of a grid header ``Question [ row ]``), and to recognise two spellings of
    the same free answer.

    Examples
    --------
    >>> normalize_text("  Mésocentre IPSL  (Ciclad & Climserv) ")
    'mesocentre ipsl (ciclad & climserv)'
    >>> normalize_text("À quel laboratoire êtes-vous rattaché·e?") == normalize_text(
    ...     "A quel laboratoire êtes-vous rattaché·e ?")
    True
    >>> normalize_text("Langages ? [ Python ]") == normalize_text("Langages ?[Python]")
    True
    """
    text = unicodedata.normalize("NFKD", text.translate(_QUOTES))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return _LOOSE_SPACES.sub("", " ".join(text.split()))


@dataclass(frozen=True)
class Option:
    """One answer option: its short ``keyword`` and the ``text`` shown in the form.

    ``column`` is the export column of the option when each option has its own column
    (``layout = "columns"``); ``none`` marks an explicit "none of these" option there.
    ``label`` is an optional short text for figures and tables (default: ``text``).
    """

    keyword: str
    text: str
    column: str | None = None
    none: bool = False
    label: str | None = None

    @property
    def shown(self) -> str:
        """What figures and tables show: ``label``, else the form's ``text``."""
        return self.label or self.text


@dataclass(frozen=True)
class Column:
    """One column of the export, as the codebook describes it."""

    keyword: str
    header: str
    kind: Kind
    label: str
    required: bool = False


@dataclass(frozen=True)
class Question:
    """A categorical question that can be counted, crossed and encoded.

    Attributes
    ----------
    keyword : str
        Short name used everywhere (``ml_méthodes``).
    label : str
        Readable title for figures.
    multiple : bool
        True when a respondent may give several answers (multiple-choice columns and
        interpretations of free text).
    options : tuple of Option
        Known answers, in codebook order.
    other : bool
        Whether answers outside ``options`` are kept as their own "other" categories
        (Google Forms' "Autre" box); if False they are errors.
    source : str
        Keyword of the export column the answers come from.
    interpreted : bool
        True when the answers come from an interpretations file, not from the export.
    required : bool
        An empty answer is an error.
    ordered : bool
        The options are a scale (Likert, levels): their codebook order is kept everywhere.
    separator : str
        What joins the ticked options in a multiple-choice cell (``", "`` for Google Forms).
    grid : str or None
        Keyword of the grid this question is a row of (``kind = "grid"``).
    layout : {"cell", "columns"}
        ``"columns"``: one export column per option (``Option.column``), as Typeform,
        LimeSurvey, Qualtrics and Kaggle write them.
    other_column : str or None
        With ``layout = "columns"``, the header of the column of free "other" texts.
    """

    keyword: str
    label: str
    multiple: bool
    options: tuple[Option, ...]
    other: bool
    source: str
    interpreted: bool = False
    required: bool = False
    ordered: bool = False
    separator: str = ", "
    grid: str | None = None
    layout: str = "cell"
    other_column: str | None = None

    @property
    def kind(self) -> str:
        """``"multiple"`` or ``"single"``."""
        return "multiple" if self.multiple else "single"

    def shown(self, keyword: str) -> str:
        """What figures and tables show for the answer ``keyword``: the option's ``label``
        or form text; a respondent's own "other" answer is shown as typed.

        Examples
        --------
        >>> from espri_gpu import load_example
        >>> q = load_example("espri2020").codebook.question("compétence")
        >>> q.shown("interet")[:30], q.shown("Something else")
        ("Je n'ai pas de compétence en M", 'Something else')
        """
        for option in self.options:
            if option.keyword == keyword:
                return option.shown
        return keyword


@dataclass(frozen=True)
class Grid:
    """A grid question (Google Forms "Question [row]" columns): rows sharing one scale.

    Each row is also a single-choice :class:`Question` of keyword ``"<grid>.<row>"``.
    """

    keyword: str
    header: str
    label: str
    options: tuple[Option, ...]
    rows: tuple[Option, ...]          # a row's ``column`` is its header when not the default
    ordered: bool = False
    required: bool = False
    other: bool = False


@dataclass(frozen=True)
class Codebook:
    """A validated codebook: the export's columns and the questions built from them.

    Examples
    --------
    >>> from espri_gpu import load_example
    >>> cb = load_example("espri2020").codebook
    >>> cb.question("ml_méthodes").multiple
    True
    """

    name: str
    title: str
    columns: tuple[Column, ...]
    questions: tuple[Question, ...]
    path: str = "<codebook>"
    language: str = "fr"
    separator: str = ", "
    header_rows: int = 1
    grids: tuple[Grid, ...] = ()

    def default_pairs(self, keywords: Sequence[str]) -> list[tuple[str, str]]:
        """Every pair of ``keywords`` but rows of one grid (which share a scale, and are
        crossed with each other only when asked for).

        Examples
        --------
        >>> from espri_gpu.codebook import load_codebook_text
        >>> cb = load_codebook_text('''
        ... [[columns]]
        ... keyword = "g"
        ... header = "Satisfait·e de"
        ... kind = "grid"
        ... options = ["Non", "Oui"]
        ... rows = ["calcul", "stockage"]
        ... [[columns]]
        ... keyword = "lab"
        ... header = "Labo"
        ... kind = "single"
        ... options = ["LMD", "LSCE"]
        ... ''')
        >>> cb.default_pairs(["g.calcul", "g.stockage", "lab"])
        [('g.calcul', 'lab'), ('g.stockage', 'lab')]
        """
        grid = {q.keyword: q.grid for q in self.questions}
        return [(a, b) for a, b in itertools.combinations(keywords, 2)
                if grid.get(a) is None or grid.get(a) != grid.get(b)]

    def to_toml(self) -> str:
        """The codebook as TOML text (``load_codebook_text(cb.to_toml())`` gives it back).

        Examples
        --------
        >>> from espri_gpu import load_example
        >>> from espri_gpu.codebook import load_codebook_text
        >>> cb = load_example("espri2020").codebook
        >>> load_codebook_text(cb.to_toml()).questions == cb.questions
        True
        """
        return codebook_to_toml(self)

    @property
    def question_keywords(self) -> tuple[str, ...]:
        """Keywords of every question, in codebook order."""
        return tuple(q.keyword for q in self.questions)

    def question(self, keyword: str) -> Question:
        """The question called ``keyword``.

        Raises
        ------
        SurveyInputError
            If there is no such question; the message lists the valid keywords.
        """
        for q in self.questions:
            if q.keyword == keyword:
                return q
        folded = normalize_text(keyword)
        for q in self.questions:
            if normalize_text(q.keyword) == folded:
                return q
        kinds = {c.keyword: c.kind for c in self.columns}
        why = f" (a {kinds[keyword]} column, not a question)" if keyword in kinds else ""
        raise SurveyInputError(
            f"unknown question `{keyword}`{why} in codebook {self.path}; "
            f"questions are: {', '.join(self.question_keywords)}"
        )
