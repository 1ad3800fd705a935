"""The bundled example surveys (synthetic data; see ``espri_gpu/data/<name>/README.md``)."""

from __future__ import annotations

from pathlib import Path

from .errors import SurveyInputError
from .responses import read_survey
from .survey import Survey

__all__ = ["EXAMPLES", "example_path", "load_example"]

DATA = Path(__file__).resolve().parent / "data"
#: Names of the bundled examples.
EXAMPLES: tuple[str, ...] = ("espri2020",)


def example_path(name: str = "espri2020", filename: str = "responses.csv") -> Path:
    """Path of one file of a bundled example (``responses.csv``, ``codebook.toml``,
    ``interpretations.csv``, ``README.md``).

    Examples
    --------
    >>> example_path("espri2020", "codebook.toml").name
    'codebook.toml'
    """
    if name not in EXAMPLES:
        raise SurveyInputError(f"unknown example {name!r}; available: {', '.join(EXAMPLES)}")
    path = DATA / name / filename
    if not path.is_file():
        raise SurveyInputError(f"example {name!r} has no file {filename!r} ({path})")
    return path


def load_example(name: str = "espri2020") -> Survey:
    """Read a bundled example survey with its codebook and interpretations.

    ``espri2020`` is a synthetic export of the ESPRI-IA 2020 survey (62 respondents)
    built to reproduce the counts the survey's report publishes.

    Examples
    --------
    >>> from espri_gpu import load_example
    >>> survey = load_example("espri2020")
    >>> survey.n_respondents
    62
    """
    return read_survey(example_path(name, "responses.csv"), example_path(name, "codebook.toml"),
                       interpretations=example_path(name, "interpretations.csv"))
