"""Exceptions raised by espri_gpu.

User mistakes (a bad file, an unknown question, a malformed codebook) raise
:class:`SurveyInputError`, a :class:`ValueError` whose message is one sentence naming
the file, row, column or value and what to do. A missing GPU or GPU library raises
:class:`BackendUnavailableError`. The command line turns both into a one-line error and
exit code 2.
"""

from __future__ import annotations

__all__ = ["BackendUnavailableError", "CodebookError", "SurveyInputError"]


class SurveyInputError(ValueError):
    """A survey export, interpretations file or argument that cannot be used as given."""


class CodebookError(SurveyInputError):
    """A codebook file that is missing, malformed or inconsistent."""


class BackendUnavailableError(RuntimeError):
    """The requested compute backend (GPU, RAPIDS libraries) is not available here."""
