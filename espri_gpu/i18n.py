"""The report's words in French and English: sentences, verdicts, axis texts and numbers.

One catalogue (:data:`TEXTS`, a ``(French, English)`` pair per key) and one object that
speaks a language (:class:`Words`): ``words("related")`` gives the sentence,
``words.number(0.35)`` writes ``0,35`` in French, ``words.p(0.0499)`` never rounds a
p-value across the 5 % threshold. Only what a reader of the page or of a figure sees is
translated; terminal progress, errors and CSV column names stay in English (they are read
by scripts and quoted in bug reports).

Examples
--------
>>> fr = Words("fr")
>>> fr.p(0.0021), fr.p(0.0499), fr.number(1234.5, 1)
('0,0021', '0,0499', '1\u202f234,5')
>>> Words("en")("no_relation", p="0.41")
'no evidence of a relation (adjusted p = 0.41)'
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["LANGUAGES", "TEXTS", "Words", "describe_test"]

LANGUAGES = ("fr", "en")
#: Threshold of the verdicts (adjusted p below it: "related").
ALPHA = 0.05

#: key -> (French, English); ``{name}`` fields are filled by :meth:`Words.__call__`.
TEXTS: dict[str, tuple[str, str]] = {
    # page structure
    "report": ("rapport espri_gpu", "espri_gpu report"),
    "summary": ("En bref", "Summary"),
    "counts": ("Réponses par question", "Answers per question"),
    "tests": ("Quelles réponses sont liées ?", "Which answers are related?"),
    "pairs": ("Paires de questions", "Pairs of questions"),
    "groups": ("Groupes de répondants", "Groups of respondents"),
    "load": ("Lecture du fichier", "How the file was read"),
    "related_pairs": ("Réponses liées", "Related answers"),
    "groups_found": ("Groupes trouvés", "Groups found"),
    "other_pairs": ("Toutes les paires testées", "Every pair tested"),
    # the summary
    "read_line": ("{n} répondants lus dans {file} ({skipped} lignes écartées{subgroup}) ; "
                  "{pairs} paires de questions testées, {related} liées après ajustement "
                  "(p ajusté < 0,05).",
                  "{n} respondents read from {file} ({skipped} rows skipped{subgroup}); "
                  "{pairs} pairs of questions tested, {related} related after adjustment "
                  "(adjusted p < 0.05)."),
    "subgroup": (", sous-groupe {filter} de {n} répondants",
                 ", subgroup {filter} of {n} respondents"),
    "none_related": ("Aucune paire de questions n'est liée après ajustement : les écarts "
                     "observés restent dans ce que le hasard produit.",
                     "No pair of questions is related after adjustment: the differences seen "
                     "are within what chance produces."),
    "reading": ("« {a} » et « {b} » sont liées ({strength}, V = {v} ; p ajusté = {p}, {test}). "
                "Le plus au-dessus de l'indépendance : « {row} » avec « {col} » ({observed} "
                "répondants pour {expected} attendus).",
                "“{a}” and “{b}” are related ({strength}, V = {v}; adjusted p = {p}, {test}). "
                "Most above independence: “{row}” with “{col}” ({observed} respondents where "
                "{expected} were expected)."),
    "reading_short": ("« {a} » et « {b} » sont liées ({strength}, V = {v} ; p ajusté = {p}, "
                      "{test}).",
                      "“{a}” and “{b}” are related ({strength}, V = {v}; adjusted p = {p}, "
                      "{test})."),
    "more_figures": ("Les cartes des autres paires ne sont pas dessinées (option --figures all "
                     "pour toutes).",
                     "Heat maps of the other pairs are not drawn (--figures all draws every "
                     "pair)."),
    "more_group_figures": ("Les figures sont dessinées pour les {n} groupements les plus stables "
                           "(option --figures all pour tous).",
                           "Figures are drawn for the {n} most stable groupings (--figures all "
                           "draws every one)."),
    "run_line": ("Calcul : {backend}, graine {seed}, {resamples} tirages par test ; "
                 "espri_gpu {version}.",
                 "Computed on {backend}, seed {seed}, {resamples} resamples per test; "
                 "espri_gpu {version}."),
    # verdicts
    "related": ("liées", "related"),
    "related_p": ("liées (p ajusté = {p})", "related (adjusted p = {p})"),
    "no_relation": ("pas de lien établi (p ajusté = {p})",
                    "no evidence of a relation (adjusted p = {p})"),
    "not_tested": ("non testé", "not tested"),
    "strength_negligible": ("association négligeable", "negligible association"),
    "strength_weak": ("association faible", "weak association"),
    "strength_moderate": ("association modérée", "moderate association"),
    "strength_strong": ("association forte", "strong association"),
    "strength_unknown": ("force inconnue", "unknown strength"),
    # explanations
    "percent_note": ("Les pourcentages de répondants ont pour base ceux qui ont répondu à la "
                     "question ; aux questions à choix multiples un répondant compte une fois "
                     "par réponse cochée, les parts peuvent donc dépasser 100 % au total.",
                     "Percentages of respondents use as base the respondents who answered the "
                     "question; with multiple-choice questions a respondent counts once per "
                     "answer ticked, so shares can add up to more than 100 %."),
    "tests_note": ("Un test par paire de questions, choisi pour la paire : χ² (asymptotique, ou "
                   "par tables aléatoires de mêmes marges quand des effectifs attendus sont "
                   "petits) pour deux questions à choix unique ; MMI/SPMI avec permutation des "
                   "répondants quand une question accepte plusieurs réponses (un répondant "
                   "reste une seule observation). Les p sont ajustés au nombre de paires "
                   "(Benjamini–Hochberg) ; V est le V de Cramér du tableau croisé (descriptif "
                   "pour les choix multiples). Pour les tests, les réponses cochées par moins "
                   "de {min_count} répondants sont regroupées en une seule.",
                   "One test per pair of questions, chosen for the pair: χ² (asymptotic, or "
                   "from random tables with the observed margins when expected counts are "
                   "small) for two single-choice questions; MMI/SPMI with a permutation of "
                   "respondents when a question accepts several answers (a respondent stays "
                   "one observation). p-values are adjusted for the number of pairs "
                   "(Benjamini–Hochberg); V is Cramér's V of the cross table (descriptive for "
                   "multiple choice). For testing, answers ticked by fewer than {min_count} "
                   "respondents are pooled into one."),
    "groups_note": ("Pour des paires de questions à choix multiples, les répondants sont "
                    "groupés selon leurs réponses : un arbre de Ward sur les profils de "
                    "réponse choisit le nombre de groupes, les k-moyennes les consolident, et "
                    "des rééchantillonnages des répondants mesurent leur stabilité (indice de "
                    "Rand ajusté moyen ; sous 0,6 les groupes peuvent n'être que du bruit).",
                    "For pairs of multiple-choice questions, respondents are grouped by their "
                    "answers: a Ward tree on the answer patterns chooses the number of groups, "
                    "k-means consolidates them, and bootstrap resamples of respondents measure "
                    "how stable they are (mean adjusted Rand index; below 0.6 the groups may "
                    "be noise)."),
    "pooled_note": ("Réponses libres données par moins de {min_count} répondants : regroupées "
                    "dans « {pooled} » dans les figures et les tableaux (option "
                    "--keep-rare-answers pour les garder séparées).",
                    "Free answers given by fewer than {min_count} respondents are pooled into "
                    "“{pooled}” in figures and tables (--keep-rare-answers keeps them apart)."),
    # groups
    "groups_line": ("« {a} » × « {b} » : {k} groupes de {n} répondants — {verdict}",
                    "“{a}” × “{b}”: {k} groups of {n} respondents — {verdict}"),
    "stable": ("stables (indice de Rand ajusté {s})", "stable (adjusted Rand index {s})"),
    "unstable": ("instables, peut-être du bruit (indice de Rand ajusté {s})",
                 "unstable, may be noise (adjusted Rand index {s})"),
    "only_patterns": ("ce ne sont que les {k} profils de réponse distincts, pas des groupes",
                      "these are only the {k} distinct answer patterns, not groups"),
    "too_small": ("groupe(s) de moins de {min_size} répondants : trop petits pour conclure",
                  "group(s) of fewer than {min_size} respondents: too small to conclude"),
    "group_line": ("groupe {g} ({n} répondants) — plus souvent : {over} ; moins souvent : "
                   "{under}",
                   "group {g} ({n} respondents) — more often: {over}; less often: {under}"),
    "vs_all": ("{pct} % de l'ensemble", "{pct} % overall"),
    "no_groups": ("Aucun groupement stable.", "No stable grouping."),
    # figures and tables
    "respondents": ("répondants", "respondents"),
    "mentions": ("réponses cochées", "answers ticked"),
    "n_respondents": ("n = {n} répondants", "n = {n} respondents"),
    "residual": ("écart à l'indépendance (résidu standardisé)",
                 "difference from independence (standardized residual)"),
    "others": ("{n} autres réponses", "{n} other answers"),
    "pooled": ("autres (réponses libres rares)", "other (rare free answers)"),
    "answer": ("réponse", "answer"),
    "count": ("effectif", "count"),
    "pct_respondents": ("% des répondants", "% of respondents"),
    "pct_mentions": ("% des réponses", "% of answers"),
    "own_answer": ("réponse libre", "free answer"),
    "pair": ("paire", "pair"),
    "test": ("test", "test"),
    "p": ("p", "p"),
    "p_adjusted": ("p ajusté (BH)", "adjusted p (BH)"),
    "verdict": ("verdict", "verdict"),
    "answered": ("{q} : {n} répondants, {m} réponses", "{q}: {n} respondents, {m} answers"),
    "row": ("ligne", "row"),
    "reason": ("motif", "reason"),
    "question": ("question", "question"),
    "skipped": ("Lignes écartées", "Rows skipped"),
    "source_line": ("Source {file} ({format}) : {rows} lignes, {kept} répondants gardés, "
                    "{skipped} écartées.",
                    "Source {file} ({format}): {rows} rows, {kept} respondents kept, "
                    "{skipped} skipped."),
    "personal_dropped": ("Colonnes personnelles écartées sans être lues : {columns}.",
                         "Personal columns dropped unread: {columns}."),
    "personal_redacted": ("Adresses e-mail et numéros de téléphone tapés dans les réponses, "
                          "remplacés par [e-mail] / [téléphone] : {where}.",
                          "E-mail addresses and phone numbers typed in answers, replaced by "
                          "[e-mail] / [téléphone]: {where}."),
    "free_answers": ("Réponses « autre » libres :", "Free “other” answers:"),
    "warnings": ("Avertissements de lecture (en anglais) :", "Reading warnings:"),
    # group figures
    "group": ("groupe {g} ({n})", "group {g} ({n})"),
    "centroids": ("centres", "centroids"),
    "group_share": ("% du groupe qui la coche", "% of the group ticking it"),
    "ward_distance": ("distance de Ward", "Ward distance"),
    "cut_below": ("les {k} groupes sous la ligne pointillée",
                  "the {k} groups below the dashed line"),
    "cut_at": ("{what} : coupé à {k} groupes", "{what}: cut at {k} groups"),
    "tree_of": ("{what} : arbre des {leaves}", "{what}: tree of the {leaves}"),
    "patterns": ("profils de réponse", "answer patterns"),
    "preclusters": ("pré-groupes", "pre-clusters"),
    "component": ("{name} ({pct} % de la variance)", "{name} ({pct} % of variance)"),
    "pca_title": ("{what} : {k} groupes, {n} répondants (stabilité {s})",
                  "{what}: {k} groups, {n} respondents (stability {s})"),
    # tests in plain words
    "test_chi2-asymptotic": ("χ² de Pearson", "Pearson's χ²"),
    "test_chi2-montecarlo": ("χ² par tables aléatoires", "χ² from random tables"),
    "test_chi2-exact": ("test exact", "exact test"),
    "test_mmi": ("MMI", "MMI"),
    "test_spmi": ("SPMI", "SPMI"),
    "test_permutation": ("permutation", "permutation"),
    "test_bootstrap": ("bootstrap", "bootstrap"),
    "test_rao-scott": ("Rao–Scott", "Rao–Scott"),
    "test_bonferroni": ("Bonferroni", "Bonferroni"),
}


def describe_test(test: str, lang: str = "fr") -> str:
    """A test's code (``mmi-permutation``) in words.

    Examples
    --------
    >>> describe_test("mmi-permutation"), describe_test("chi2-asymptotic", "en")
    ('MMI (permutation)', "Pearson's χ²")
    """
    words = Words(lang)
    if f"test_{test}" in TEXTS:
        return words(f"test_{test}")
    family, _, method = test.partition("-")
    if f"test_{family}" in TEXTS and f"test_{method}" in TEXTS:
        return f"{words(f'test_{family}')} ({words(f'test_{method}')})"
    return test


@dataclass(frozen=True)
class Words:
    """The report's texts and number formats in one language (``"fr"`` or ``"en"``).

    Examples
    --------
    >>> Words("fr")("n_respondents", n=44)
    'n = 44 répondants'
    """

    lang: str = "fr"

    def __post_init__(self) -> None:
        if self.lang not in LANGUAGES:
            raise ValueError(f"language {self.lang!r}; expected one of {', '.join(LANGUAGES)}")

    def __call__(self, key: str, **fields: object) -> str:
        """The text of ``key``, its ``{fields}`` filled in."""
        text = TEXTS[key][LANGUAGES.index(self.lang)]
        return text.format(**fields) if fields else text

    def number(self, value: float, digits: int = 2) -> str:
        """``value`` with ``digits`` decimals: ``0,35`` and ``1 234,5`` in French.

        Examples
        --------
        >>> Words("en").number(1234.5, 1), Words("fr").number(float("nan"))
        ('1,234.5', '–')
        """
        if value != value:  # NaN
            return "–"
        text = f"{value:,.{digits}f}"
        if self.lang == "fr":
            text = text.replace(",", "\u202f").replace(".", ",")
        return text

    def integer(self, value: int) -> str:
        """A whole number with the language's thousands separator."""
        return self.number(float(value), 0)

    def p(self, p: float) -> str:
        """A p-value to two significant digits, never rounded across :data:`ALPHA`.

        ``0.0499`` is written ``0.0499``, not ``0.05``, so that the number agrees with the
        verdict next to it; below 0.0001 it is ``< 0.0001``.

        Examples
        --------
        >>> w = Words("en")
        >>> w.p(0.0499), w.p(0.05), w.p(0.0502), w.p(0.2756), w.p(3e-7)
        ('0.0499', '0.05', '0.05', '0.28', '< 0.0001')
        """
        if p != p:  # NaN
            return "–"
        if p < 1e-4:
            return "< " + self.number(1e-4, 4)
        digits = max(0, 1 - math.floor(math.log10(p)))  # two significant digits
        while round(p, digits) != p and (round(p, digits) < ALPHA) != (p < ALPHA):
            digits += 1
        text = f"{round(p, digits):.{digits}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text.replace(".", ",") if self.lang == "fr" else text

    def quote(self, text: str) -> str:
        """``text`` between the language's quotation marks (« … » or “…”)."""
        return f"« {text} »" if self.lang == "fr" else f"“{text}”"

    def strength(self, v: float) -> str:
        """Cramér's V in words (Cohen's conventional bands)."""
        if v != v:
            return self("strength_unknown")
        band = ("negligible" if v < 0.1 else "weak" if v < 0.3 else "moderate" if v < 0.5
                else "strong")
        return self(f"strength_{band}")

    def verdict(self, p_adjusted: float) -> tuple[str, str]:
        """CSS class and words of the verdict for an adjusted p-value.

        Examples
        --------
        >>> Words("fr").verdict(0.002)
        ('related', 'liées (p ajusté = 0,002)')
        """
        if p_adjusted != p_adjusted:
            return "note", self("not_tested")
        if p_adjusted < ALPHA:
            return "related", self("related_p", p=self.p(p_adjusted))
        return "unrelated", self("no_relation", p=self.p(p_adjusted))
