"""Exceptions raised by espri_gpu.

User mistakes (a bad file, an unknown question, a malformed codebook) raise
:class:`SurveyInputError`, a :class:`ValueError` whose message is one sentence naming
the file, row, column or value and what to do. A missing GPU or GPU library raises
:class:`BackendUnavailableError`. The command line turns both into a one-line error and
exit code 2.
"""

from __future__ import annotations

__all__ = ["BackendUnavailableError", "CodebookError", "SurveyInputError", "one_line"]


class SurveyInputError(ValueError):
    """A survey export, interpretations file or argument that cannot be used as given."""


class CodebookError(SurveyInputError):
    """A codebook file that is missing, malformed or inconsistent."""


class BackendUnavailableError(RuntimeError):
    """The requested compute backend (GPU, RAPIDS libraries) is not available here."""


def one_line(exc: BaseException) -> str:
    r"""``exc`` as ``"TypeName: first line of its message"``, for one-line error messages.

    Examples
    --------
    >>> one_line(OSError("connection refused\nmore detail"))
    'OSError: connection refused'
    >>> one_line(TimeoutError())
    'TimeoutError'
    """
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")
