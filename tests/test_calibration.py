"""Level of every offered test under independence, on surveys like real ones (issue 15).

Simulated surveys where the two questions are independent by construction (one question's
column is shuffled among respondents) and where, as in real exports, respondents type a few
free "other" answers (options ticked by one or two respondents, in single- and
multiple-choice questions), skip optional questions, and tick correlated options (latent
profiles of :func:`espri_gpu.synthetic.synthetic_survey`). Every method offered for the pair
must reject 2.5–7.5 % of the surveys at α = 5 %; the rates and their 95 % Wilson intervals
are printed and given in the assert message.

Resampling tests use B = 99 resamples and reject when p = (1 + hits) / (B + 1) <= 0.05: with
B = 99 that is exactly the 5 % level for a continuous statistic (this checks the level, not
the precision of one p-value; reports use B = 9999).
"""

from __future__ import annotations

import numpy as np
import pytest

from espri_gpu import independence_test, load_codebook
from espri_gpu.survey import Survey
from espri_gpu.synthetic import synthetic_survey

CODEBOOK = """\
name = "calibration"
title = "Calibration"

[[columns]]
keyword = "lab"
header = "Labo ?"
kind = "single"
required = true
other = true
options = ["LATMOS", "LMD", "LSCE", "IPSL"]

[[columns]]
keyword = "niveau"
header = "Niveau ?"
kind = "single"
options = ["débutant", "confirmé", "expert"]

[[columns]]
keyword = "méthodes"
header = "Méthodes ?"
kind = "multiple"
options = ["kmeans", "acp", "mlp", "som", "cnn"]

[[columns]]
keyword = "outils"
header = "Outils ?"
kind = "multiple"
options = ["jupyter", "vim", "emacs", "spyder"]
"""

#: pair -> (a, b, header of the column shuffled, methods offered)
PAIRS = {
    "single-multiple": ("lab", "méthodes", "Méthodes ?",
                        ("permutation", "bootstrap", "rao-scott", "bonferroni")),
    "multiple-multiple": ("méthodes", "outils", "Outils ?",
                          ("permutation", "bootstrap", "rao-scott", "bonferroni")),
    "single-single": ("lab", "niveau", "Niveau ?", ("asymptotic", "montecarlo", "auto")),
}
SURVEYS, RESPONDENTS, B, ALPHA = 1000, 300, 99, 0.05


def _wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("pair", list(PAIRS))
def test_every_method_holds_its_level_with_other_answers(tmp_path, pair) -> None:
    (tmp_path / "cb.toml").write_text(CODEBOOK, encoding="utf-8")
    codebook = load_codebook(tmp_path / "cb.toml")
    a, b, shuffled, methods = PAIRS[pair]
    rejections = dict.fromkeys(methods, 0)
    others = 0
    for i in range(SURVEYS):
        frame = synthetic_survey(codebook, RESPONDENTS, seed=7000 + i, p_skip=0.15,
                                 p_other=0.02).frame
        frame[shuffled] = np.random.default_rng(i).permutation(frame[shuffled].to_numpy())
        survey = Survey.from_frame(frame, codebook)
        others += any(len(survey.answers_to(k).levels) > len(codebook.question(k).options)
                      for k in (a, b))
        for method in methods:
            r = independence_test(survey, a, b, method=method, seed=i, n_resamples=B)
            rejections[method] += r.pvalue <= ALPHA
    lines = []
    for method, k in rejections.items():
        lo, hi = _wilson(k, SURVEYS)
        lines.append(f"{pair} {method}: {k}/{SURVEYS} = {k / SURVEYS:.1%} "
                     f"(95% CI {lo:.1%}–{hi:.1%})")
    print("\n".join(lines))
    assert others > SURVEYS // 2            # the surveys do have free "other" answers
    assert all(0.025 <= k / SURVEYS <= 0.075 for k in rejections.values()), "\n".join(lines)
