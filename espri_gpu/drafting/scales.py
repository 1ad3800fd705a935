"""Known ordered scales (agreement, frequency, level, satisfaction, importance, in French and
English; numbers; texts starting with a number) and the order of a question's options: in
scale order when the texts form one scale, else by frequency."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from ..codebook import normalize_text
from .entries import Option
from .text import NUMBER, fold

#: Most values an ordered scale has.
MAX_SCALE = 12
_LEADING_NUMBER = re.compile(r"\s*(\d+(?:[.,]\d+)?)\s*(?:[-–—:.)/=]|\s|$)")
#: Ordered scales: each a list of ranks, each rank the folded texts it may be written as.
_SCALES: tuple[tuple[tuple[str, ...], ...], ...] = (
    (("pas du tout",), ("un peu", "peu"), ("moyennement", "assez"), ("beaucoup",),
     ("enormement", "tout a fait", "extremement", "passionnement")),
    (("jamais",), ("rarement",), ("parfois", "de temps en temps", "occasionnellement"),
     ("souvent", "regulierement"), ("tres souvent",), ("toujours", "systematiquement")),
    (("aucun", "aucune", "aucune connaissance", "non initie"), ("debutant", "novice"),
     ("intermediaire",), ("avance", "confirme"), ("expert",)),
    (("pas du tout d'accord", "totalement en desaccord", "tout a fait en desaccord"),
     ("pas d'accord", "en desaccord"), ("plutot pas d'accord", "plutot en desaccord"),
     ("ni d'accord ni pas d'accord", "neutre", "sans avis", "ni en accord ni en desaccord"),
     ("plutot d'accord",), ("d'accord",), ("tout a fait d'accord", "totalement d'accord")),
    (("tres insatisfait", "pas du tout satisfait"), ("insatisfait", "pas satisfait",
                                                     "peu satisfait"),
     ("neutre", "moyennement satisfait", "ni satisfait ni insatisfait"),
     ("satisfait", "assez satisfait", "plutot satisfait"), ("tres satisfait",)),
    (("non",), ("plutot non", "plutot pas"), ("plutot oui",), ("oui",)),
    (("pas important", "pas du tout important"), ("peu important",),
     ("moyennement important", "assez important"), ("important",), ("tres important",),
     ("essentiel", "indispensable")),
    (("tres faible",), ("faible",), ("moyen", "moyenne", "modere"), ("eleve", "fort", "forte"),
     ("tres eleve", "tres fort", "tres forte")),
    (("strongly disagree",), ("disagree",), ("somewhat disagree", "slightly disagree"),
     ("neither agree nor disagree", "neutral", "neither agree or disagree"),
     ("somewhat agree", "slightly agree"), ("agree",), ("strongly agree",)),
    (("never",), ("rarely", "seldom"), ("sometimes", "occasionally"),
     ("often", "frequently", "usually"), ("very often",), ("always",)),
    (("none", "no experience"), ("beginner", "novice", "basic"), ("intermediate",),
     ("advanced",), ("expert",)),
    (("very dissatisfied",), ("dissatisfied", "somewhat dissatisfied"),
     ("neutral", "neither satisfied nor dissatisfied"), ("satisfied", "somewhat satisfied"),
     ("very satisfied",)),
    (("not at all",), ("a little", "slightly", "a bit"), ("somewhat", "moderately"),
     ("very", "a lot", "very much", "quite a bit"), ("extremely", "completely")),
    (("very poor",), ("poor",), ("fair", "average"), ("good",), ("very good",), ("excellent",)),
    (("very unlikely",), ("unlikely", "somewhat unlikely"), ("neutral", "neither likely nor "
                                                             "unlikely"),
     ("likely", "somewhat likely"), ("very likely",)),
    (("not important", "not at all important"), ("slightly important",),
     ("moderately important",), ("important",), ("very important",), ("extremely important",)),
    (("very low",), ("low",), ("medium", "moderate"), ("high",), ("very high",)),
)
#: Answers that sit outside a scale, listed after it ("Je ne sais pas", "N/A").
_NO_OPINION = frozenset(("je ne sais pas", "ne sais pas", "nsp", "sans opinion",
                         "ne se prononce pas", "don't know", "do not know", "not sure", "n/a",
                         "na", "not applicable",
                         "non concerne", "non applicable", "prefer not to say",
                         "je prefere ne pas repondre"))


def scale_fold(text: str) -> str:
    """``text`` folded as the scales are written (ASCII, no inclusive endings)."""
    text = normalize_text(text)
    text = re.sub(r"\((?:e|s|es)\)|[·.](?:e|s|es)\b", "", text)
    return fold(text).strip(" .!;:").replace("’", "'")


def scale_rank(texts: Sequence[str]) -> dict[str, float] | None:
    """Rank of each text on one known scale (numbers, a leading number, words), or None."""
    if not 2 <= len(texts) <= MAX_SCALE:
        return None
    if all(NUMBER.fullmatch(t.strip()) for t in texts):
        return {t: float(t.strip().replace(",", ".")) for t in texts}
    leading = {t: _LEADING_NUMBER.match(t) for t in texts}
    if all(leading.values()):
        ranks = {t: float(m.group(1).replace(",", ".")) for t, m in leading.items()}
        if len(set(ranks.values())) == len(ranks):
            return ranks
    folded = {t: scale_fold(t) for t in texts}
    scale_texts = [t for t in texts if folded[t] not in _NO_OPINION]
    for scale in _SCALES:
        ranks: dict[str, float] = {}
        for t in scale_texts:
            key = folded[t]
            for rank, forms in enumerate(scale):
                if key in forms or (key.endswith("e") and key[:-1] in forms) or (
                        key.endswith("s") and key[:-1] in forms):
                    ranks[t] = rank
                    break
            else:
                break
        if len(ranks) == len(scale_texts) and len(ranks) >= 2 and (
                scale is not _SCALES[5] or len(ranks) >= 3):
            for t in texts:
                ranks.setdefault(t, len(scale) + 1.0)
            return ranks
    return None


def ordered_options(counts: Counter[str]) -> tuple[list[Option], bool]:
    """Options in scale order (and True), or by frequency (and False)."""
    texts = list(counts)
    ranks = scale_rank(texts)
    if ranks is not None:
        order = sorted(texts, key=lambda t: (ranks[t], t))
        return [Option(t, int(counts[t])) for t in order], True
    order = sorted(texts, key=lambda t: (-counts[t], t))
    return [Option(t, int(counts[t])) for t in order], False
