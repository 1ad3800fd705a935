"""The in-memory survey: :class:`Survey`, the answers of every question and the load report.

The answers of one question are stored once per distinct cell (:class:`Answers`, defined
with :class:`Level` and :class:`LoadReport` in :mod:`espri_gpu.answers` and re-exported
here). A survey comes from a file (:func:`~espri_gpu.responses.read_survey`) or from a
DataFrame (:meth:`Survey.from_frame`, built by :mod:`espri_gpu.frames`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .answers import (
    Answers,
    Level,
    LoadReport,
    SkippedRow,
    UnmatchedAnswer,
    other_answer_counts,
)
from .codebook import Codebook, normalize_text
from .errors import SurveyInputError
from .frames import survey_parts_from_frame

if TYPE_CHECKING:
    from .backend import Backend

__all__ = ["Answers", "Level", "LoadReport", "SkippedRow", "Survey", "UnmatchedAnswer",
           "other_answer_counts"]


@dataclass(frozen=True, eq=False)
class Survey:
    """A survey read against its codebook.

    Attributes
    ----------
    codebook : Codebook
    answers : Mapping[str, Answers]
        Keyword -> answers, for every choice question and every interpreted free question
        whose interpretations were given.
    respondents : numpy.ndarray of int64
        1-based data row of each kept respondent in the source file (row 1 = first answer;
        for :meth:`from_frame`, the 1-based position in the DataFrame).
    timestamps : pandas.Series or None
        The submission times, if the codebook has a ``timestamp`` column.
    free_text : pandas.DataFrame
        Non-personal free-text columns, by keyword (never written by espri_gpu).
    report : LoadReport
    ids : pandas.Index or None
        The respondents' identifiers: the index of the DataFrame given to
        :meth:`from_frame`; None for a file (see :attr:`index`).
    """

    codebook: Codebook
    answers: Mapping[str, Answers]
    respondents: np.ndarray
    report: LoadReport
    timestamps: pd.Series | None = None
    free_text: pd.DataFrame = field(default_factory=pd.DataFrame)
    ids: pd.Index | None = None

    @property
    def n_respondents(self) -> int:
        """Number of respondents read."""
        return int(self.respondents.shape[0])

    @property
    def index(self) -> pd.Index:
        """One label per respondent: :attr:`ids` if set, else the data rows (``row``)."""
        if self.ids is not None:
            return self.ids
        return pd.Index(self.respondents, name="row")

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        codebook: str | Path | Codebook | None = None,
        *,
        single: Sequence[Hashable] | None = None,
        multiple: Sequence[Hashable] | Mapping[str, Any] | None = None,
        ordered: bool | Sequence[Hashable] | Mapping[Hashable, Sequence[Any]] = (),
        options: Mapping[Hashable, Sequence[Any]] | None = None,
        separator: str | None = None,
        answered: Mapping[str, Any] | None = None,
        interpretations: str | Path | None = None,
        name: str = "dataframe",
        title: str | None = None,
        backend: str | Backend | None = None,
    ) -> Survey:
        """A survey from a pandas DataFrame: one row per respondent.

        Parameters
        ----------
        frame : pandas.DataFrame
            One row per respondent; the index is kept as :attr:`ids`.
        codebook : str, Path or Codebook, optional
            Describes the columns, matched by header or keyword as a file's header is; cells
            are then read with the rules of an export (option texts or keywords, "other"
            answers, ``separator`` of each question). Without it, the codebook is built
            from the next arguments (``survey.codebook.to_toml()`` writes it).
        single : list of column names, optional
            Single-choice columns: strings, numbers, booleans or ``Categorical`` (options =
            its categories, in their order; else the distinct values, sorted). Given, only
            the columns named here and in ``multiple`` are read; by default every column
            not named in ``multiple`` or ``answered`` is a question too: multiple-choice if
            it holds list-like cells, else single-choice.
        multiple : list of column names, or mapping keyword -> columns, optional
            Multiple-choice questions. A column holds list-like cells (list, tuple, set,
            array of the ticked answers) or strings joined with ``separator``. In a mapping,
            ``{"langages": ["py", "r", "julia"]}`` names a block of indicator columns (0/1,
            booleans, or export cells such as "Yes"/blank), one per option, option keyword =
            column name; ``{"outils": None}`` is the column ``outils``.
        ordered : True, list of columns, or mapping column -> scale, optional
            Single-choice questions that are scales (Likert, levels): their option order is
            kept everywhere. A mapping gives the scale itself,
            ``{"niveau": ["débutant", "moyen", "expert"]}``; an ordered ``Categorical`` is
            ordered without being named here.
        options : mapping column -> list of answers, optional
            The options of a single- or multiple-choice column, in their order (values
            outside them are an error): options nobody chose are then counted as 0.
        separator : str, optional
            What joins the answers of a multiple-choice string cell (default ``", "``).
        answered : mapping keyword -> boolean column name, array or Series, optional
            Who answered each multiple-choice question: a respondent marked True with
            nothing ticked (a row of zeros, a missing cell) "answered, ticked none"; one
            marked False must have nothing ticked.
        interpretations : str or Path, optional
            Sidecar file of keywords given to free answers (as in :func:`read_survey`;
            ``respondent`` = 1-based position in the frame).
        name, title : str, optional
            Of the built codebook.
        backend : {"auto", "cpu", "gpu"}, optional

        Returns
        -------
        Survey
            ``report.file_format`` is ``"dataframe"``. Missing values (None, NaN, pd.NA,
            NaT, blank strings) are non-responses; an empty list/tuple/set is "answered,
            ticked none"; every row is kept.

        Raises
        ------
        SurveyInputError
            Unknown or missing columns, a value outside the options, a list in a
            single-choice column…; the message names the column and the index label.

        Examples
        --------
        >>> import pandas as pd
        >>> from espri_gpu import Survey, counts
        >>> df = pd.DataFrame({
        ...     "niveau": pd.Categorical(["expert", "débutant", None, "expert"],
        ...                              categories=["débutant", "moyen", "expert"]),
        ...     "langages": [["python", "r"], ["python"], [], None]},
        ...     index=["ana", "bo", "cy", "di"])
        >>> s = Survey.from_frame(df)
        >>> counts(s, "niveau").table["count"].to_dict()
        {'débutant': 1, 'moyen': 0, 'expert': 2}
        >>> s.answers_to("langages").n_answered   # [] answered, ticked none; None did not
        3
        >>> s.where({"langages": "r"}).ids.tolist()
        ['ana']
        """
        parts = survey_parts_from_frame(
            frame, codebook, single=single, multiple=multiple, ordered=ordered, options=options,
            separator=separator, answered=answered, interpretations=interpretations, name=name,
            title=title, backend=backend)
        return cls(parts.codebook, parts.answers, parts.respondents, parts.report,
                   parts.timestamps, parts.free_text, ids=parts.ids)

    def where(self, condition: str | Mapping[str, Any] | Sequence[bool] | np.ndarray
              | pd.Series | Callable[[Survey], Any]) -> Survey:
        """The survey of a subgroup of respondents.

        Parameters
        ----------
        condition : mapping, str, boolean mask or callable
            * ``{"lab": ["LMD", "LSCE"], "compétence": "autonome"}``: respondents who gave
              one of the answers (option keywords or texts, or "other" answers) to each
              question: OR within a question (any of them ticked), AND across questions.
              Respondents who did not answer a named question are left out.
            * ``"lab=LMD,LSCE;compétence=autonome"``: the same, as ``report --where``
              takes it.
            * a boolean mask: NumPy array or list (one value per respondent, in order), or
              pandas Series aligned on :attr:`index` (missing values are False);
            * a callable taking the survey and returning such a mask.

        Returns
        -------
        Survey
            Same codebook; answers, times, free texts and identifiers of the kept
            respondents; ``report.filter`` says which filter (chained filters are joined
            with ``;``) and ``report.n_before_filter`` how many respondents there were.

        Raises
        ------
        SurveyInputError
            Unknown question or answer (the valid ones are listed), a mask of the wrong
            length or type, or no respondent left.

        Examples
        --------
        >>> from espri_gpu import load_example
        >>> s = load_example("espri2020").where({"lab": ["LMD", "LSCE"]})
        >>> s.n_respondents, s.report.filter, s.report.n_before_filter
        (20, 'lab=LMD,LSCE', 62)
        """
        if callable(condition):
            condition = condition(self)
        if isinstance(condition, str):
            condition = parse_where(condition)
        if isinstance(condition, Mapping):
            keep, text = self._match(condition)
        else:
            keep = self._mask(condition)
            text = f"mask ({int(keep.sum())} of {self.n_respondents})"
        if not keep.any():
            raise SurveyInputError(f"filter {text} leaves no respondent (of "
                                   f"{self.n_respondents}); check the answers named")
        return self._subset(keep, text)

    def _match(self, condition: Mapping[str, Any]) -> tuple[np.ndarray, str]:
        if not condition:
            raise SurveyInputError("`where` names no question; e.g. {\"lab\": [\"LMD\"]}")
        keep = np.ones(self.n_respondents, dtype=bool)
        parts = []
        for keyword, accepted in condition.items():
            answers = self.answers_to(keyword)
            values = [accepted] if isinstance(accepted, str) else list(accepted)
            if not values:
                raise SurveyInputError(f"`where` gives no answer for `{answers.question.keyword}`")
            columns = [j for v in values for j in _level_indices(answers, str(v))]
            ticked = answers.cells[:, columns].any(axis=1)
            codes = answers.codes
            keep &= (codes >= 0) & ticked[np.maximum(codes, 0)]
            names = ",".join(answers.levels[j].keyword for j in dict.fromkeys(columns))
            parts.append(f"{answers.question.keyword}={names}")
        return keep, ";".join(parts)

    def _mask(self, condition: Any) -> np.ndarray:
        if isinstance(condition, pd.Series):
            index = self.index
            if not condition.index.equals(index):
                if not (index.is_unique and condition.index.is_unique
                        and set(condition.index) == set(index)):
                    raise SurveyInputError("`where` mask is a Series whose index does not match "
                                           "the respondents (survey.index); align it first")
                condition = condition.reindex(index)
            flags = condition.dropna()
            if not (pd.api.types.is_bool_dtype(condition.dtype)
                    or all(isinstance(v, (bool, np.bool_)) for v in flags)):
                raise SurveyInputError(f"`where` mask must be booleans, one per respondent; got "
                                       f"dtype {condition.dtype}")
            values = np.zeros(len(condition), dtype=bool)
            values[condition.notna().to_numpy()] = flags.to_numpy(dtype=bool)
        else:
            values = np.asarray(condition)
            if values.dtype != bool:
                raise SurveyInputError(f"`where` mask must be booleans, one per respondent; got "
                                       f"dtype {values.dtype}")
        if values.shape != (self.n_respondents,):
            raise SurveyInputError(f"`where` mask has shape {values.shape}; expected "
                                   f"({self.n_respondents},), one value per respondent")
        return values.astype(bool)

    def _subset(self, keep: np.ndarray, text: str) -> Survey:
        answers = {k: _subset_answers(a, keep) for k, a in self.answers.items()}
        rep = self.report
        report = replace(
            rep, n_respondents=int(keep.sum()),
            filter=text if rep.filter is None else f"{rep.filter};{text}",
            n_before_filter=rep.n_before_filter if rep.filter is not None else self.n_respondents,
            unmatched=tuple(u for a in answers.values() if not a.question.interpreted
                            for u in other_answer_counts(a)),
            unanswered_questions=tuple(k for k, a in answers.items() if a.n_answered == 0))
        timestamps = (None if self.timestamps is None
                      else self.timestamps[keep].reset_index(drop=True))
        free_text = (self.free_text[keep].reset_index(drop=True)
                     if len(self.free_text) == len(keep) else self.free_text)
        return replace(self, answers=answers, respondents=self.respondents[keep], report=report,
                       timestamps=timestamps, free_text=free_text,
                       ids=None if self.ids is None else self.ids[keep])

    @property
    def questions(self) -> tuple[str, ...]:
        """Keywords of the questions that have answers, in codebook order."""
        return tuple(k for k in self.codebook.question_keywords if k in self.answers)

    def answers_to(self, keyword: str) -> Answers:
        """The answers to question ``keyword``.

        Raises
        ------
        SurveyInputError
            Unknown question (the valid ones are listed), or an interpreted question read
            without its interpretations file.
        """
        question = self.codebook.question(keyword)
        if question.keyword not in self.answers:
            raise SurveyInputError(
                f"question `{question.keyword}` is interpreted from the free column "
                f"`{question.source}`; pass its interpretations file (--interpretations FILE)")
        return self.answers[question.keyword]


def parse_where(text: str) -> dict[str, list[str]]:
    """``"lab=LMD,LSCE;compétence=autonome"`` as ``{"lab": ["LMD", "LSCE"], ...}``.

    Conditions are separated by ``;``, answers by ``,``; an answer whose text holds a comma
    is found whole (:meth:`Survey.where` first tries the whole value).

    Examples
    --------
    >>> parse_where("lab=LMD,LSCE; compétence = autonome")
    {'lab': ['LMD,LSCE'], 'compétence': ['autonome']}
    """
    condition: dict[str, list[str]] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        keyword, equals, value = part.partition("=")
        if not equals or not keyword.strip() or not value.strip():
            raise SurveyInputError(f"filter {text!r}: {part.strip()!r} is not QUESTION=ANSWER"
                                   "[,ANSWER…]; e.g. --where 'lab=LMD,LSCE;compétence=autonome'")
        condition.setdefault(keyword.strip(), []).append(value.strip())
    if not condition:
        raise SurveyInputError(f"filter {text!r} is empty; e.g. --where 'lab=LMD,LSCE'")
    return condition


def _level_indices(answers: Answers, value: str) -> list[int]:
    """Columns of ``answers`` for an answer keyword or text (exact, then lenient), or for
    each of the comma-separated answers of ``value``."""
    for j, level in enumerate(answers.levels):
        if value in (level.keyword, level.text):
            return [j]
    folded = normalize_text(value)
    for j, level in enumerate(answers.levels):
        if folded in (normalize_text(level.keyword), normalize_text(level.text)):
            return [j]
    pieces = [p.strip() for p in value.split(",") if p.strip()]
    if len(pieces) > 1:
        return [j for p in pieces for j in _level_indices(answers, p)]
    raise SurveyInputError(f"{value!r} is not an answer to `{answers.question.keyword}`; "
                           f"answers are: {', '.join(answers.keywords)}")


def _subset_answers(a: Answers, keep: np.ndarray) -> Answers:
    """``a`` for the kept respondents; "other" answers nobody kept gave are dropped."""
    codes = a.codes[keep]
    used = np.zeros(a.cells.shape[0] + 1, dtype=bool)
    used[codes] = True
    given = a.cells[used[:-1]].any(axis=0)
    columns = [j for j, level in enumerate(a.levels) if not level.is_other or given[j]]
    return Answers(a.question, np.ascontiguousarray(codes), a.cells[:, columns],
                   tuple(a.levels[j] for j in columns))
