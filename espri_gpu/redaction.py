"""Personal data typed in answers: e-mail addresses and phone numbers, replaced at read time.

Respondents write their e-mail or phone number in an "Autre" box or a free-text column
("contactez-moi : jean.dupont@lsce.ipsl.fr, 06 12 34 56 78"). :func:`redact_personal_data`
replaces them by ``[e-mail]`` and ``[téléphone]``; :func:`~espri_gpu.responses.read_survey`
applies it to each *distinct* cell before anything is stored, and counts the replacements in
the load report.

Phone numbers are French national numbers (``0X`` then four pairs of digits, separated by
nothing, spaces, dots or hyphens) and international numbers (``+`` or ``00``, a country code,
then at least 8 digits in all, groups separated by a space, dot or hyphen, ``(0)`` allowed).
Years, ranges (``2020-2021``), counts (``10 000 images``), version numbers (``Python 3.10``),
decimals and DOIs are not phone numbers: a number glued to a letter, ``/``, ``.`` or ``,`` is
left alone.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["EMAIL", "PHONE", "redact_column", "redact_personal_data"]

#: What an e-mail address becomes.
EMAIL = "[e-mail]"
#: What a phone number becomes.
PHONE = "[téléphone]"

#: Parts bounded as RFC 5321 bounds them (64, 63 characters), which keeps the search linear.
_EMAIL = re.compile(r"[\w.+-]{1,64}(?:@|\s?[(\[]at[)\]]\s?)[\w-]{1,63}(?:\.[\w-]{1,63}){0,8}"
                    r"\.[^\W\d_]{2,63}(?![\w-])", re.IGNORECASE)
_FRENCH = re.compile(r"(?<![\w.,/+-])0[1-9](?:[ .-]?\d\d){4}(?![\w/]|[.,-]\d)")
_INTERNATIONAL = re.compile(
    r"(?<![\w.,/+])(?:\+|00(?=[1-9]))\d+(?:[ .-]?\(\d{1,4}\)[ .-]?\d+|[ .-]\d+)*(?![\w/]|[.,-]\d)")
_MIN_DIGITS, _MAX_DIGITS = 8, 15
_DIGIT = re.compile(r"\d")


def redact_personal_data(text: str) -> tuple[str, int]:
    """``text`` with its e-mail addresses and phone numbers replaced, and how many there were.

    Parameters
    ----------
    text : str
        One answer, as typed.

    Returns
    -------
    text : str
        The answer with ``[e-mail]`` and ``[téléphone]`` in place of personal data.
    count : int
        Number of replacements.

    Examples
    --------
    >>> redact_personal_data("Keras, écrire à jean.dupont@lsce.ipsl.fr ou au 06 12 34 56 78")
    ('Keras, écrire à [e-mail] ou au [téléphone]', 2)
    >>> redact_personal_data("Python 3.10, 10 000 images (2020-2021), +33 (0)1 44 27 00 00")
    ('Python 3.10, 10 000 images (2020-2021), [téléphone]', 1)
    """
    count = 0
    if "@" in text or "at)" in text.casefold() or "at]" in text.casefold():
        text, count = _EMAIL.subn(EMAIL, text)
    if ("0" in text or "+" in text) and len(_DIGIT.findall(text)) >= _MIN_DIGITS:
        text, n = _replace_phones(text)
        count += n
        text, n = _FRENCH.subn(PHONE, text)
        count += n
    return text, count


def _replace_phones(text: str) -> tuple[str, int]:
    """International numbers (8 to 15 digits) replaced; longer or shorter runs kept."""
    pieces: list[str] = []
    last = 0
    for match in _INTERNATIONAL.finditer(text):
        if _MIN_DIGITS <= sum(c.isdigit() for c in match.group()) <= _MAX_DIGITS:
            pieces += [text[last : match.start()], PHONE]
            last = match.end()
    return "".join(pieces) + text[last:], len(pieces) // 2


def redact_column(values: pd.Series) -> tuple[pd.Series, int]:
    """A text column with its personal data replaced (each distinct cell once), and the
    number of replacements.

    Examples
    --------
    >>> texts, n = redact_column(pd.Series(["ok", "a@b.fr", "a@b.fr"]))
    >>> texts.tolist(), n
    (['ok', '[e-mail]', '[e-mail]'], 2)
    """
    codes, distinct = pd.factorize(values)
    redacted = [redact_personal_data(text) for text in distinct]
    per_cell = np.array([n for _, n in redacted] + [0], dtype=np.int64)  # last slot: code -1
    if not per_cell.any():
        return values, 0
    texts = np.array([text for text, _ in redacted] + [None], dtype=object)
    return pd.Series(texts[codes], index=values.index, name=values.name), int(per_cell[codes].sum())
