"""espri_gpu: analytics of categorical survey data on a GPU (RAPIDS) or a CPU (NumPy/pandas).

Public API::

    survey = read_survey("export.csv", "codebook.toml", interpretations="interp.csv")
    survey = load_example("espri2020")
    codebook = draft_codebook("export.csv")          # a first codebook, to check and edit
    one_hot(survey, ["ml_méthodes", "ml_usages"])   # indicator matrix
    counts(survey, "ml_méthodes")                    # counts, % of respondents / mentions
    crosstab(survey, "lab", "ml_méthodes")           # cross counts
    independence_test(survey, "lab", "ml_méthodes")  # the right test for the pair
    screen(survey).to_frame()                        # every pair, adjusted p-values
    groups(survey, ["ml_méthodes", "ml_usages"])     # respondent groups: Ward, k-means, PCA

``import espri_gpu`` never imports a GPU library; the backend (``cpu``, ``gpu``, ``auto``)
is chosen per call (``backend=``) or by ``$ESPRI_GPU_BACKEND``.
"""

from ._lazy import lazy_names

__version__ = "0.1.0"

#: Where each public name lives: imported on first use (PEP 562), so that `python -m
#: espri_gpu` answers a user error before pandas, SciPy, Numba or matplotlib are loaded.
_PUBLIC = {
    "Answers": "survey",
    "Backend": "backend",
    "BackendUnavailableError": "errors",
    "Chi2Result": "stats",
    "Codebook": "codebook",
    "CodebookError": "errors",
    "Counts": "counting",
    "Groups": "grouping",
    "IndependenceResult": "stats",
    "Indicators": "encoding",
    "LoadReport": "survey",
    "Question": "codebook",
    "ScreenResult": "stats",
    "Survey": "survey",
    "SurveyInputError": "errors",
    "UntestedPair": "stats",
    "all_crosstabs": "counting",
    "chi2_test": "stats",
    "counts": "counting",
    "cramers_v": "stats",
    "cramers_v_corrected": "stats",
    "crosstab": "counting",
    "draft_codebook": "drafting",
    "example_path": "example",
    "groups": "grouping",
    "independence_test": "stats",
    "load_codebook": "codebook",
    "load_example": "example",
    "one_hot": "encoding",
    "read_survey": "responses",
    "resolve_backend": "backend",
    "screen": "stats",
    "write_centres": "outputs",
}


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
    "ScreenResult",
    "Survey",
    "SurveyInputError",
    "UntestedPair",
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


__getattr__, __dir__ = lazy_names(globals(), _PUBLIC)
