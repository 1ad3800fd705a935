"""espri_gpu: analytics of categorical survey data on a GPU (RAPIDS) or a CPU (NumPy/pandas).

Public API::

    survey = read_survey("export.csv", "codebook.toml", interpretations="interp.csv")
    survey = load_example("espri2020")
    codebook = draft_codebook("export.csv")          # a first codebook, to check and edit
    one_hot(survey, ["ml_méthodes", "ml_usages"])   # indicator matrix
    counts(survey, "ml_méthodes")                    # counts, % of respondents / mentions
    crosstab(survey, "lab", "ml_méthodes")           # cross counts
    independence_test(survey, "lab", "ml_méthodes")  # the right test for the pair
    screen(survey)                                   # every pair, adjusted p-values
    groups(survey, ["ml_méthodes", "ml_usages"])     # respondent groups: Ward, k-means, PCA

``import espri_gpu`` never imports a GPU library; the backend (``cpu``, ``gpu``, ``auto``)
is chosen per call (``backend=``) or by ``$ESPRI_GPU_BACKEND``.
"""

from .backend import Backend, resolve_backend
from .codebook import Codebook, Question, load_codebook
from .counting import Counts, all_crosstabs, counts, crosstab
from .drafting import draft_codebook
from .encoding import Indicators, one_hot
from .errors import BackendUnavailableError, CodebookError, SurveyInputError
from .example import example_path, load_example
from .grouping import Groups, groups
from .outputs import write_centres
from .responses import read_survey
from .stats import (
    Chi2Result,
    IndependenceResult,
    chi2_test,
    cramers_v,
    cramers_v_corrected,
    independence_test,
    screen,
)
from .survey import Answers, LoadReport, Survey

__version__ = "0.1.0"

__all__ = [
    "Answers",
    "Backend",
    "BackendUnavailableError",
    "Chi2Result",
    "Codebook",
    "CodebookError",
    "Counts",
    "Groups",
    "IndependenceResult",
    "Indicators",
    "LoadReport",
    "Question",
    "Survey",
    "SurveyInputError",
    "__version__",
    "all_crosstabs",
    "chi2_test",
    "counts",
    "cramers_v",
    "cramers_v_corrected",
    "crosstab",
    "draft_codebook",
    "example_path",
    "groups",
    "independence_test",
    "load_codebook",
    "load_example",
    "one_hot",
    "read_survey",
    "resolve_backend",
    "screen",
    "write_centres",
]
