#!/usr/bin/env python3
"""Generate the bundled example survey ``espri2020`` (responses.csv, interpretations.csv).

THE DATA ARE SYNTHETIC. The real answers of the 2020 ESPRI-IA survey ("Machine Learning
dans les laboratoires de l'IPSL", 62 respondents) were never published; only the analysis
report was. This script builds 62 *fictitious* respondents whose answers reproduce the
counts and percentages that the report publishes (sections 2.1-2.13 and the lab x answer
tables of its Annex B, Figures 25, 26 and 30). Everything else -- who answered what beyond
those totals, the free-text sentences, the e-mail addresses (``@example.org``), the comments
and the timestamps -- is invented. No answer of a real person is reproduced.

Usage::

    python espri_gpu/data/espri2020/generate.py [OUTDIR]

writes ``responses.csv`` (the Google Forms CSV export: UTF-8, comma-separated, minimal
quoting, "\\n" line ends, one header row of the 17 question texts) and
``interpretations.csv`` (long format ``respondent,question,keyword``; ``respondent`` is the
1-based data row of responses.csv) into OUTDIR, by default the directory of this script.
Question texts and option texts are read from ``codebook.toml`` next to this script.

The output is deterministic: the only source of variation is a ``random.Random`` seeded with
a constant, used through ``random()`` alone (whose sequence Python guarantees for a given
seed), so two runs -- on any platform and Python >= 3.11 -- write byte-identical files.
Only the standard library is used.

The published tables are transcribed below as literal data (FIG25, FIG26, FIG30_PLACED),
with the corrections documented in README.md:

* Figure 25 (lab x ML methods) lost one mention in its all-empty last column
  ("processus gaussiens, ..."): it is given to an LSCE respondent whose "Autre" text is
  "processus gaussiens, krigeage" (168 mentions, matching section 2.7's percentages).
* Figure 26 (lab x ML usages) lost one mention in its last column: it is given to an LMD
  respondent whose "Autre" text is "paramétrisation des processus sous-maille" (153).
* Figure 30 (lab x platforms) is misaligned in the extraction; FIG30_PLACED is the
  placement chosen to match section 2.9 (pc 26, meso_ipsl 16, hal 5, genci 4, cloud 1 and
  12 free-text platforms once each, 64 mentions).
"""

from __future__ import annotations

import csv
import datetime as _dt
import random
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20200526

# ----------------------------------------------------------------------------------------
# Published data, transcribed from the report
# ----------------------------------------------------------------------------------------

LABS = ["CEREA", "GEOPS", "IPSL", "LATMOS", "LERMA", "LISA", "LMD", "LOCEAN", "LSCE", "METIS"]

# Respondents per lab (section 2.1: 62, LATMOS 40.3 %, LMD and LSCE about 16 % each); the
# split of the 17 others is chosen so that every row of Figures 25, 26 and 30 fits.
LAB_SIZES = {"CEREA": 2, "GEOPS": 1, "IPSL": 3, "LATMOS": 25, "LERMA": 3, "LISA": 1,
             "LMD": 10, "LOCEAN": 5, "LSCE": 10, "METIS": 2}

# Which questions each respondent of a lab answered: M = ml_méthodes, U = ml_usages,
# P = exec_plateformes. Gives 44 M, 50 U (every M is a U), 44 P and 41 M and P.
ROLES = {
    "CEREA": [("MUP", 1), ("", 1)],
    "GEOPS": [("UP", 1)],
    "IPSL": [("MUP", 3)],
    "LATMOS": [("MUP", 13), ("MU", 1), ("UP", 1), ("U", 2), ("", 8)],
    "LERMA": [("MUP", 3)],
    "LISA": [("MUP", 1)],
    "LMD": [("MUP", 7), ("U", 1), ("", 2)],
    "LOCEAN": [("MUP", 4), ("MU", 1)],
    "LSCE": [("MUP", 7), ("MU", 1), ("UP", 1), ("", 1)],
    "METIS": [("MUP", 2)],
}

# Method profiles of the method answerers (section 2.8's k-means groups: R = non-neural
# "régresseurs", N = neural networks only, C = "ML complet"), per lab, in ROLES order.
PROFILES = {"CEREA": "C", "IPSL": "RNC", "LATMOS": "RRRRNNNNNNCCCC", "LERMA": "RNC",
            "LISA": "R", "LMD": "RRRRRCC", "LOCEAN": "RRNCC", "LSCE": "RRRNNCCC", "METIS": "RR"}

# Figure 25: labs x ML methods (number of respondents of the lab who ticked the method).
# Columns in the figure's order; "algo_généétique" in the extraction is algo_génétique.
# Capitalised columns are free "Autre" texts. GEOPS has no row (no method answer).
FIG25_COLUMNS = ["algo_génétique", "cah/cdh", "dl", "Gaussian Mixture Model",
                 "gradient_boosting", "kmeans", "svm", "méthodes_fac", "mlp", "random_forest",
                 "Reservoir Computing", "régressions", "reg_log", "som",
                 "Shallow Neural Network"]
FIG25 = {
    "CEREA":  [1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0],
    "IPSL":   [0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 0, 2, 1, 1, 0],
    "LATMOS": [1, 5, 7, 0, 0, 8, 1, 4, 6, 1, 1, 8, 2, 5, 1],
    "LERMA":  [1, 1, 2, 0, 0, 1, 1, 1, 2, 2, 0, 2, 1, 1, 0],
    "LISA":   [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0],
    "LMD":    [0, 1, 0, 1, 1, 5, 0, 3, 2, 2, 0, 7, 0, 1, 0],
    "LOCEAN": [1, 2, 2, 0, 1, 2, 2, 2, 3, 2, 0, 2, 2, 2, 0],
    "LSCE":   [0, 2, 2, 0, 2, 5, 1, 3, 6, 4, 0, 6, 2, 1, 0],
    "METIS":  [0, 0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 2, 1, 0, 0],
}
# The mention lost from Figure 25's last column ("processus gaussiens, ...").
FIG25_LOST = ("LSCE", "processus gaussiens, krigeage")

# Figure 26: labs x ML usages.
FIG26_COLUMNS = ["classification", "clustering", "downscaling", "détection", "filtrage",
                 "génération", "imputation", "prédiction", "réduction_dim", "régression",
                 "segmentation"]
FIG26 = {
    "CEREA":  [0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0],
    "GEOPS":  [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
    "IPSL":   [2, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0],
    "LATMOS": [12, 6, 0, 6, 4, 1, 3, 5, 6, 9, 0],
    "LERMA":  [2, 1, 2, 0, 2, 1, 1, 2, 1, 1, 2],
    "LISA":   [0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0],
    "LMD":    [3, 2, 1, 3, 0, 0, 1, 4, 2, 3, 1],
    "LOCEAN": [3, 2, 1, 1, 1, 1, 2, 1, 1, 2, 1],
    "LSCE":   [3, 4, 4, 0, 2, 2, 2, 7, 2, 7, 0],
    "METIS":  [0, 0, 1, 0, 0, 0, 1, 2, 0, 1, 0],
}
# The mention lost from Figure 26's last column.
FIG26_LOST = ("LMD", "paramétrisation des processus sous-maille")

# Figure 30 as transcribed is misaligned (18 cells for 17 columns). Placement chosen
# (see README.md): the IPSL row shifted one column right (genci 1, meso_ipsl 2, pc 1);
# GEOPS's cell under "Service d'Aéronomie" read as pc (LATMOS, successor of the Service
# d'Aéronomie, keeps that free text); LISA's cell moved one column right to "cluster CPU
# du LISA"; LSCE's last three cells moved one column right ("mésocentre LSCE, GEE",
# "ressources locales labo", "serveur CPU"); LATMOS's cell beyond the last column is
# "serveurs de calcul au laboratoire (pas de gpu)". Keywords are codebook options; other
# entries are free "Autre" texts (each given to a different respondent of the lab).
FIG30_PLACED = {
    "CEREA": {"hal": 1, "meso_ipsl": 1},
    "GEOPS": {"pc": 1},
    "IPSL": {"genci": 1, "meso_ipsl": 2, "pc": 1},
    "LATMOS": {"hal": 3, "meso_ipsl": 4, "pc": 11,
               "Les serveurs du Service d'Aéronomie à l'époque de ma thèse (1996-1999)": 1,
               "OBELIX": 1, "Serveur privé": 1, "centre de calcul de l'IAP": 1,
               "serveurs de calcul au laboratoire (pas de gpu)": 1},
    "LERMA": {"meso_ipsl": 1, "pc": 2, "Stations de travail du laboratoire": 1},
    "LISA": {"cluster CPU du LISA": 1},
    "LMD": {"cloud_privé": 1, "meso_ipsl": 5, "pc": 3},
    "LOCEAN": {"hal": 1, "genci": 1, "meso_ipsl": 1, "pc": 2,
               "serveurs de calculs mis à disposition dans le cadre de laboratoires": 1},
    "LSCE": {"genci": 2, "meso_ipsl": 2, "pc": 4, "Cluster LSCE": 1,
             "mésocentre LSCE, GEE": 1, "ressources locales labo": 1, "serveur CPU": 1},
    "METIS": {"pc": 2},
}

# Compétence x maturité (sections 2.3, 2.4: interet 31, non_autonome 11, autonome 20;
# classiques 20, custom 11, idées 19, données_valorisables 9, aucun 3; interet x idées 18),
# split between method answerers (44) and the others (18).
COMP_MAT_METHODS = [("autonome", "custom", 8), ("autonome", "classiques", 12),
                    ("non_autonome", "custom", 3), ("non_autonome", "classiques", 6),
                    ("non_autonome", "idées", 1), ("interet", "classiques", 2),
                    ("interet", "idées", 12)]
COMP_MAT_OTHERS = [("interet", "aucun", 3), ("interet", "données_valorisables", 8),
                   ("interet", "idées", 6), ("non_autonome", "données_valorisables", 1)]

# gpu_projets (section 2.10, 42 respondents, one answer each).
GPU_COUNTS = {"nvidia": 9, "non_mais": 3, "non": 30, "amd": 0}

# outillages (section 2.11.2: 43 respondents, 80 mentions).
TOOL_COUNTS = {"jupyter": 22, "editeur_texte": 18, "matlab": 13, "spyder": 11, "pycharm": 5,
               "vsc": 5, "r_studio": 4, "eclipse": 1, "netbeans": 1}
N_TOOLS = 43

# big_data (section 2.12: 24 respondents; volume 12, variability 8, velocity 7; a single
# respondent combines variability with another problem).
BIG_DATA_COMBOS = [(("volume", "variability"), 1), (("volume", "velocity"), 2),
                   (("volume",), 9), (("variability",), 7), (("velocity",), 5)]

# Interpretations of implémentations (section 2.11.1). langages: 42 respondents, 56
# mentions (python 31, matlab 7, r 5, fortran 6, c 3, c++ 2, idl 2).
LANG_COMBOS = [(("idl",), 1), (("matlab", "idl"), 1), (("fortran", "c"), 1),
               (("matlab", "fortran"), 1), (("python", "matlab"), 1), (("r",), 3),
               (("python", "r"), 2), (("python", "c++"), 2), (("python", "c"), 2),
               (("python", "fortran"), 4), (("matlab",), 4), (("python",), 20)]
# bibliothèques: 22 respondents, 33 mentions (keras 11, pytorch 5, scikit-learn 5,
# tensorflow 4, 8 others).
LIB_COMBOS = [(("caret",), 1), (("som_toolbox",), 1), (("deep_learning_toolbox",), 1),
              (("keras", "theano"), 1), (("keras", "pytorch"), 1), (("tensorflow",), 1),
              (("pytorch", "scikit-learn"), 1), (("scikit-learn", "pandas", "statsmodels"), 1),
              (("scikit-learn", "xgboost"), 1), (("xgboost",), 1),
              (("keras", "scikit-learn"), 2), (("keras", "tensorflow"), 3), (("pytorch",), 3),
              (("keras",), 4)]

# Other interpretations: number of respondents and keyword counts (sections 2.2, 2.5,
# 2.6, 2.13; only the totals and the order of the leading keywords are published).
N_THEME, N_DATA, N_PARTNERS, N_RQS = 56, 52, 13, 37
THEME_COUNTS = {"atmosphère": 15, "simulations_climatiques": 15, "télédétection": 15,
                "événements_extrêmes": 9, "modélisation_statistique": 8, "inverse": 7,
                "océan": 6, "aérosols_nuages": 5, "chimie_atmosphérique": 5, "hydrologie": 4,
                "paléoclimat": 4, "biosphère": 4, "machine_deep_learning": 4,
                "qualité_air": 3, "astrophysique": 3, "cryosphère": 2, "instrumentation": 2}
DATA_COUNTS = {"meso_ipsl": 18, "pc": 16, "cmip5_6": 9, "era5": 8, "sirta": 7, "nasa": 6,
               "iasi": 6, "observations_in_situ": 5, "simulations_propres": 5, "esa": 4,
               "météo_france": 3, "cnes": 3, "campagnes_mesure": 3, "serveurs_labo": 3}
PARTNER_COUNTS = {"entreprises": 4, "cnes": 3, "universités_étrangères": 3,
                  "laboratoires_hors_ipsl": 3, "inria": 2, "météo_france": 2, "esa": 1,
                  "cerfacs": 1, "ecmwf": 1}
RQS_COUNTS = {"conseils": 16, "communauté": 11, "mutualisation": 9, "formation": 7,
              "accompagnement": 5, "séminaires": 3, "implémentation": 2,
              "référencement_projet_ia": 2, "dev_bibliothèques": 2}

N_EMAILS = 21

# ----------------------------------------------------------------------------------------
# Phrases of the synthetic free answers (each contains the text of its keyword's option)
# ----------------------------------------------------------------------------------------

THEME_PHRASES = {
    "atmosphère": ["physique de l'atmosphère", "dynamique de l'atmosphère"],
    "simulations_climatiques": ["simulations climatiques",
                                "évaluation des simulations climatiques"],
    "télédétection": ["télédétection satellitaire", "télédétection active (lidar, radar)"],
    "événements_extrêmes": ["événements extrêmes (canicules, fortes pluies)",
                            "détection des événements extrêmes"],
    "modélisation_statistique": ["modélisation statistique",
                                 "émulation par modélisation statistique"],
    "inverse": ["méthodes inverses", "restitution par méthodes inverses"],
    "océan": ["océan", "dynamique de l'océan"],
    "aérosols_nuages": ["aérosols et nuages"],
    "chimie_atmosphérique": ["chimie atmosphérique"],
    "hydrologie": ["hydrologie", "hydrologie des bassins versants"],
    "paléoclimat": ["paléoclimat", "reconstructions du paléoclimat"],
    "biosphère": ["biosphère continentale", "biosphère et cycle du carbone"],
    "machine_deep_learning": ["recherche en machine/deep learning"],
    "qualité_air": ["qualité de l'air", "prévision de la qualité de l'air"],
    "astrophysique": ["astrophysique", "astrophysique et planétologie"],
    "cryosphère": ["cryosphère", "cryosphère (glace de mer)"],
    "instrumentation": ["instrumentation", "instrumentation et traitement du signal"],
}
DATA_PHRASES = {
    "meso_ipsl": ["données stockées sur le mésocentre IPSL (Ciclad)", "mésocentre IPSL (Climserv)"],
    "pc": ["fichiers sur mon ordinateur personnel", "ordinateur personnel"],
    "cmip5_6": ["sorties CMIP5 et CMIP6"],
    "era5": ["réanalyses ERA5"],
    "sirta": ["observations du SIRTA"],
    "nasa": ["produits satellitaires de la NASA (MODIS)", "données NASA"],
    "iasi": ["spectres IASI", "produits IASI"],
    "observations_in_situ": ["observations in situ"],
    "simulations_propres": ["simulations propres (modèles du laboratoire)"],
    "esa": ["données ESA (Sentinel)"],
    "météo_france": ["données Météo-France"],
    "cnes": ["données CNES"],
    "campagnes_mesure": ["campagnes de mesure"],
    "serveurs_labo": ["serveurs du laboratoire"],
}
PARTNER_PHRASES = {
    "entreprises": "des entreprises", "cnes": "le CNES",
    "universités_étrangères": "des universités étrangères",
    "laboratoires_hors_ipsl": "des laboratoires hors IPSL", "inria": "l'Inria",
    "météo_france": "Météo-France", "esa": "l'ESA", "cerfacs": "le CERFACS",
    "ecmwf": "l'ECMWF",
}
RQS_PHRASES = {
    "conseils": ["des conseils sur le choix des méthodes", "des conseils techniques (codage, GPU)"],
    "communauté": ["une communauté de praticiens à l'IPSL",
                   "une communauté pour partager les expériences"],
    "mutualisation": ["la mutualisation des ressources de calcul",
                      "la mutualisation des ressources (GPU, logiciels)"],
    "formation": ["des formations au ML", "une formation pour les doctorants"],
    "accompagnement": ["un accompagnement dans la réalisation du projet"],
    "implémentation": ["une prise en charge de l'implémentation de nos idées"],
    "référencement_projet_ia": ["un référencement des projets IA de l'IPSL"],
    "séminaires": ["des séminaires d'applications scientifiques"],
    "dev_bibliothèques": ["le développement de bibliothèques réutilisables"],
}
RQS_OPENINGS = ["J'attends ", "Nous aimerions ", "Ce serait bien d'avoir ", "Besoin "]
LANG_PHRASES = {
    "python": ["Python 3", "Python"], "matlab": ["Matlab"], "r": ["R"],
    "fortran": ["Fortran (ifort)", "Fortran 90 compilé avec gfortran"], "c": ["C (gcc)"],
    "c++": ["C++ (g++)"], "idl": ["IDL"],
}
LIB_PHRASES = {
    "keras": "Keras", "pytorch": "PyTorch", "tensorflow": "TensorFlow",
    "scikit-learn": "scikit-learn", "xgboost": "XGBoost", "pandas": "pandas",
    "statsmodels": "statsmodels", "theano": "Theano", "caret": "caret",
    "som_toolbox": "SOM Toolbox", "deep_learning_toolbox": "Deep Learning Toolbox",
}
PLATFORM_PHRASES = {"hal": "sur les GPU de HAL", "genci": "sur Jean Zay",
                    "cloud_privé": "sur Google Cloud", "meso_ipsl": "sur Ciclad",
                    "pc": "sur mon portable"}
COMMENTS = [
    "Merci pour cette initiative !",
    "Sondage intéressant, j'attends la suite avec impatience.",
    "Il faudrait préciser ce que l'on entend par Big Data.",
    "Merci, je suis disponible pour en discuter.",
    "Bonne initiative pour l'IPSL.",
    "Nous manquons de GPU au laboratoire.",
    "Je débute en ML, certaines questions étaient difficiles à comprendre.",
]
FIRST_NAMES = ["camille", "julien", "claire", "thomas", "marie", "nicolas", "sophie",
               "antoine", "laura", "pierre", "emma", "hugo", "lucie", "mathieu", "chloe",
               "romain", "sarah", "vincent", "ines", "olivier", "manon"]
LAST_NAMES = ["martin", "bernard", "dubois", "durand", "lefebvre", "moreau", "laurent",
              "simon", "michel", "garcia", "david", "bertrand", "roux", "vincent", "fournier",
              "morel", "girard", "andre", "mercier", "blanc", "guerin"]

NEURAL = {"mlp", "dl", "Reservoir Computing", "Shallow Neural Network"}


# ----------------------------------------------------------------------------------------
# Machinery
# ----------------------------------------------------------------------------------------

class Rng:
    """Deterministic draws built on ``random.Random.random`` only."""

    def __init__(self, seed: int) -> None:
        self._r = random.Random(seed)

    def random(self) -> float:
        return self._r.random()

    def below(self, n: int) -> int:
        return min(int(self._r.random() * n), n - 1)

    def choice(self, seq):
        return seq[self.below(len(seq))]

    def shuffle(self, seq: list) -> None:
        for i in range(len(seq) - 1, 0, -1):
            j = self.below(i + 1)
            seq[i], seq[j] = seq[j], seq[i]


class Person:
    def __init__(self, idx: int, lab: str, roles: str) -> None:
        self.idx = idx
        self.lab = lab
        self.roles = roles
        self.profile = "X"
        self.comp = self.mat = ""
        self.a: dict[str, list[str]] = {}   # question keyword -> answers (keywords/free)
        self.email = self.comment = ""
        self.when: _dt.datetime | None = None

    def has(self, key: str, item: str) -> bool:
        return item in self.a.get(key, [])

    def get(self, key: str) -> list[str]:
        return self.a.get(key, [])


def allocate(people, counts, key, score, rng, *, others=(), penalty=0.8, min_one=True):
    """Give each item of ``counts`` to that many distinct people of ``people``.

    People are chosen by ``score(person, item) - penalty * load + jitter`` (load: answers
    already given for ``key``); an item of ``others`` (a free "Autre" text) goes only to
    someone without one. Then everybody is given at least one answer by moving surplus
    answers from the most loaded people.
    """
    for p in people:
        p.a.setdefault(key, [])
    items = sorted(counts, key=lambda it: (it not in others, -counts[it]))
    for item in items:
        n = counts[item]
        if n == 0:
            continue
        ranked = []
        for p in people:
            if item in p.a[key]:
                continue
            if item in others and any(x in others for x in p.a[key]):
                continue
            pen = penalty(p) if callable(penalty) else penalty
            ranked.append((score(p, item) - pen * len(p.a[key]) + 0.5 * rng.random(), p.idx, p))
        if len(ranked) < n:
            raise RuntimeError(f"cannot place {n} x {item!r} for {key}")
        ranked.sort(key=lambda t: (-t[0], t[1]))
        for _, _, p in ranked[:n]:
            p.a[key].append(item)
    if not min_one:
        return
    for p in people:
        if p.a[key]:
            continue
        best = None
        for d in sorted(people, key=lambda q: (-len(q.a[key]), q.idx)):
            if len(d.a[key]) < 2:
                break
            for item in d.a[key]:
                s = score(p, item) - score(d, item)
                if best is None or s > best[0]:
                    best = (s, d, item)
        if best is None:
            raise RuntimeError(f"cannot give everybody an answer for {key}")
        _, d, item = best
        d.a[key].remove(item)
        p.a[key].append(item)


def assign_combos(people, combos, key, score, rng):
    """Give each person at most one combination; rare combinations are placed first."""
    free = list(people)
    for combo, n in combos:
        for _ in range(n):
            ranked = sorted(free, key=lambda p: (-(score(p, combo) + 0.5 * rng.random()), p.idx))
            if not ranked:
                raise RuntimeError(f"no one left for {combo} in {key}")
            p = ranked[0]
            p.a[key] = list(combo)
            free.remove(p)


def select(people, n, score, rng):
    """The ``n`` best-scoring people (ties broken by the jitter, then creation order)."""
    ranked = sorted(people, key=lambda p: (-(score(p) + rng.random()), p.idx))
    return ranked[:n]


def phrase_list(parts: list[str]) -> str:
    if len(parts) == 1:
        return parts[0]
    if any(" et " in part for part in parts):
        return ", ".join(parts)
    return ", ".join(parts[:-1]) + " et " + parts[-1]


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


# ----------------------------------------------------------------------------------------
# Building the respondents
# ----------------------------------------------------------------------------------------

def build(rng: Rng) -> list[Person]:
    people: list[Person] = []
    for lab in LABS:
        for roles, n in ROLES[lab]:
            for _ in range(n):
                people.append(Person(len(people), lab, roles))
    assert len(people) == 62
    for lab in LABS:
        sizes = [p for p in people if p.lab == lab]
        assert len(sizes) == LAB_SIZES[lab], lab
        for p, prof in zip([p for p in sizes if "M" in p.roles], PROFILES.get(lab, ""),
                           strict=True):
            p.profile = prof

    def by_lab(lab, role):
        return [p for p in people if p.lab == lab and role in p.roles]

    # --- ml_méthodes (Figure 25 + the lost mention) ---
    def method_score(p, m):
        cls = "neural" if m in NEURAL else "som" if m == "som" else "other"
        table = {"N": {"neural": 3.0, "som": -1.0, "other": -3.0},
                 "R": {"neural": -3.0, "som": 0.0, "other": 2.0},
                 "C": {"neural": 2.5, "som": 2.5, "other": 2.5}}
        return table[p.profile][cls]

    for lab, row in FIG25.items():
        counts = dict(zip(FIG25_COLUMNS, row, strict=True))
        if lab == FIG25_LOST[0]:
            counts[FIG25_LOST[1]] = 1
        frees = {c for c in counts if c not in _METHOD_KEYS}
        allocate(by_lab(lab, "M"), counts, "ml_méthodes", method_score, rng, others=frees,
                 penalty=lambda p: 0.2 if p.profile == "C" else 0.8)

    # --- ml_usages (Figure 26 + the lost mention) ---
    usage_pref = {
        "R": {"régression": 3, "classification": 1.5, "clustering": 1.5, "réduction_dim": 1},
        "N": {"classification": 3, "prédiction": 3, "downscaling": 3, "détection": 1.5,
              "segmentation": 1.5, "génération": 1.5, "filtrage": 0.5},
    }

    def usage_score(p, u):
        if p.profile == "C":
            s = 2.0
        elif p.profile == "X":
            s = 0.5
        else:
            s = usage_pref[p.profile].get(u, -1.0)
        methods = set(p.get("ml_méthodes"))
        if u == "clustering" and methods & {"kmeans", "cah/cdh", "som"}:
            s += 2
        if u == "réduction_dim" and methods & {"méthodes_fac", "som"}:
            s += 1.5
        if u == "régression" and "régressions" in methods:
            s += 1
        return s

    for lab, row in FIG26.items():
        counts = dict(zip(FIG26_COLUMNS, row, strict=True))
        frees = set()
        if lab == FIG26_LOST[0]:
            counts[FIG26_LOST[1]] = 1
            frees = {FIG26_LOST[1]}
        allocate(by_lab(lab, "U"), counts, "ml_usages", usage_score, rng, others=frees,
                 penalty=lambda p: 0.3 if p.profile == "C" else 0.9)

    # --- exec_plateformes (Figure 30 as placed) ---
    plat_pref = {"hal": {"C": 3, "N": 2, "R": -2, "X": -2},
                 "genci": {"C": 2, "N": 1.5, "R": 0.5, "X": 0},
                 "cloud_privé": {"C": 1, "N": 2, "R": 0, "X": 0},
                 "meso_ipsl": {"C": 2, "N": 0, "R": 2, "X": 0.5},
                 "pc": {"C": 1.5, "N": 2.5, "R": 1.5, "X": 1.5}}

    def plat_score(p, x):
        if x not in plat_pref:
            return 1.0
        s = plat_pref[x][p.profile]
        if x in ("hal", "genci") and p.has("ml_méthodes", "dl"):
            s += 1
        return s

    for lab, counts in FIG30_PLACED.items():
        frees = {c for c in counts if c not in _PLATFORM_KEYS}
        allocate(by_lab(lab, "P"), dict(counts), "exec_plateformes", plat_score, rng,
                 others=frees)

    # --- compétence x maturité ---
    def sophistication(p):
        m = p.get("ml_méthodes")
        s = 0.25 * len(m) + (1.0 if p.profile == "C" else 0.0)
        s += 1.0 if any(x not in _METHOD_KEYS for x in m) else 0.0
        return s + 2.5 * rng.random()

    method_people = sorted([p for p in people if "M" in p.roles],
                           key=lambda p: (-sophistication(p), p.idx))
    slots = [(c, m) for c, m, n in COMP_MAT_METHODS for _ in range(n)]
    for p, (c, m) in zip(method_people, slots, strict=True):
        p.comp, p.mat = c, m
    others = [p for p in people if "M" not in p.roles]
    rng.shuffle(others)
    others.sort(key=lambda p: p.roles == "")      # usage answerers get the ideas first
    slots = [(c, m) for c, m, n in reversed(COMP_MAT_OTHERS) for _ in range(n)]
    for p, (c, m) in zip(others, slots, strict=True):
        p.comp, p.mat = c, m

    # --- gpu_projets: every platform answerer except two without methods ---
    gpu_people = [p for p in people if "P" in p.roles and not (p.roles == "UP" and
                                                                   p.lab in ("GEOPS", "LATMOS"))]
    for p in gpu_people:
        if p.has("exec_plateformes", "hal"):
            p.a["gpu_projets"] = ["nvidia"]

    def gpu_score(p):
        pl, me = p.get("exec_plateformes"), p.get("ml_méthodes")
        return (2 * ("genci" in pl) + 2 * ("cloud_privé" in pl) + 1.5 * ("dl" in me)
                + 0.5 * ("mlp" in me) + 1.0 * (p.profile in "NC"))

    rest = [p for p in gpu_people if "gpu_projets" not in p.a]
    n_nv = GPU_COUNTS["nvidia"] - (len(gpu_people) - len(rest))
    for p in select(rest, n_nv, gpu_score, rng):
        p.a["gpu_projets"] = ["nvidia"]
    rest = [p for p in gpu_people if "gpu_projets" not in p.a]
    for p in select(rest, GPU_COUNTS["non_mais"], gpu_score, rng):
        p.a["gpu_projets"] = ["non_mais"]
    for p in gpu_people:
        p.a.setdefault("gpu_projets", ["non"])

    # --- thème, data_source (interpretations) ---
    lab_theme = {
        "CEREA": {"qualité_air": 3, "chimie_atmosphérique": 2, "atmosphère": 1.5},
        "GEOPS": {"hydrologie": 3, "télédétection": 1.5, "cryosphère": 1},
        "IPSL": {"simulations_climatiques": 3, "machine_deep_learning": 2.5,
                 "modélisation_statistique": 1.5},
        "LATMOS": {"télédétection": 3, "atmosphère": 2.5, "inverse": 2,
                   "chimie_atmosphérique": 1.5, "aérosols_nuages": 1.5, "instrumentation": 1.5,
                   "événements_extrêmes": 1},
        "LERMA": {"astrophysique": 3, "télédétection": 1.5, "inverse": 1.5,
                  "machine_deep_learning": 1},
        "LISA": {"chimie_atmosphérique": 3, "aérosols_nuages": 2, "qualité_air": 1.5},
        "LMD": {"atmosphère": 3, "simulations_climatiques": 2.5, "événements_extrêmes": 2,
                "aérosols_nuages": 1},
        "LOCEAN": {"océan": 3, "simulations_climatiques": 2, "cryosphère": 1.5,
                   "télédétection": 1},
        "LSCE": {"simulations_climatiques": 3, "paléoclimat": 2.5, "biosphère": 2.5,
                 "événements_extrêmes": 2, "modélisation_statistique": 2},
        "METIS": {"hydrologie": 3, "modélisation_statistique": 1.5},
    }
    silent = [p for p in people if p.roles == ""]
    no_theme = select(silent, LAB_SIZES_TOTAL - N_THEME,
                      lambda p: 3.0 * (p.mat == "aucun") + 1.0 * (p.mat == "données_valorisables"),
                      rng)
    theme_people = [p for p in people if p not in no_theme]

    def theme_score(p, t):
        s = lab_theme[p.lab].get(t, 0.0)
        if t in ("modélisation_statistique", "inverse", "événements_extrêmes"):
            s += 0.5
        if t == "modélisation_statistique" and p.profile in "RC":
            s += 1
        if t == "machine_deep_learning" and p.profile in "NC":
            s += 1.5
        return s

    allocate(theme_people, THEME_COUNTS, "thème", theme_score, rng, penalty=1.2)

    extra = select([p for p in silent if p not in no_theme], N_THEME - N_DATA,
                   lambda p: 0.0, rng)
    data_people = [p for p in theme_people if p not in extra]

    def data_score(p, d):
        th, pl = set(p.get("thème")), set(p.get("exec_plateformes"))
        free_pl = any(x not in _PLATFORM_KEYS for x in pl)
        s = {
            "meso_ipsl": 3 * ("meso_ipsl" in pl) + 1 * ("simulations_climatiques" in th),
            "pc": 3 * ("pc" in pl) + 0.5,
            "cmip5_6": 3 * ("simulations_climatiques" in th)
                       + 1 * (p.lab in ("LSCE", "LMD", "IPSL")),
            "era5": 2 * bool(th & {"atmosphère", "événements_extrêmes"}),
            "sirta": 2 * (p.lab in ("LMD", "LATMOS"))
                     + 1 * bool(th & {"atmosphère", "aérosols_nuages"}),
            "nasa": 2 * ("télédétection" in th),
            "iasi": 3 * (p.lab == "LATMOS" and "télédétection" in th)
                    + 1 * ("chimie_atmosphérique" in th),
            "observations_in_situ": 2 * bool(th & {"océan", "hydrologie", "biosphère"}),
            "simulations_propres": 2 * bool(th & {"simulations_climatiques", "paléoclimat"}),
            "esa": 1.5 * bool(th & {"télédétection", "cryosphère"}),
            "météo_france": 1.5 * bool(th & {"événements_extrêmes", "atmosphère", "hydrologie"}),
            "cnes": 1.5 * ("télédétection" in th) + 1 * (p.lab == "LATMOS"),
            "campagnes_mesure": 2 * bool(th & {"aérosols_nuages", "chimie_atmosphérique",
                                               "instrumentation"}),
            "serveurs_labo": 2 * free_pl,
        }[d]
        return float(s)

    allocate(data_people, DATA_COUNTS, "data_source", data_score, rng, penalty=1.2)

    # --- partenaires ---
    partner_people = select(people, N_PARTNERS,
                            lambda p: 1.5 * (p.comp == "autonome") + 1.0 * (p.mat == "custom"),
                            rng)

    def partner_score(p, k):
        th = set(p.get("thème"))
        return float({
            "entreprises": 1, "cnes": 2 * ("télédétection" in th),
            "universités_étrangères": 1, "laboratoires_hors_ipsl": 1,
            "inria": 1.5 * (p.profile in "NC"), "météo_france": 2 * ("atmosphère" in th),
            "esa": 1.5 * ("télédétection" in th),
            "cerfacs": 1.5 * ("simulations_climatiques" in th),
            "ecmwf": 1.5 * bool(th & {"atmosphère", "événements_extrêmes"}),
        }[k])

    allocate(partner_people, PARTNER_COUNTS, "partenaires", partner_score, rng, penalty=1.5)

    # --- espri-ia_rqs ---
    rqs_people = select(people, N_RQS,
                        lambda p: 1.0 * (p.comp != "autonome") + 0.5 * (p.roles != ""), rng)

    def rqs_score(p, k):
        pl = set(p.get("exec_plateformes"))
        return float({
            "conseils": 2 * (p.comp == "non_autonome") + 2 * (p.mat == "idées"),
            "communauté": 1.5 * (p.comp == "autonome") + 0.5,
            "mutualisation": 2 * bool(pl & {"meso_ipsl", "hal", "genci"})
                             + 1 * (p.comp == "autonome"),
            "formation": 2 * (p.comp == "interet"),
            "accompagnement": 2 * (p.mat in ("idées", "données_valorisables")),
            "implémentation": 3 * (p.mat == "données_valorisables"),
            "référencement_projet_ia": 1 * (p.comp == "autonome"),
            "séminaires": 1 * (p.comp == "interet"),
            "dev_bibliothèques": 2 * (p.mat == "custom"),
        }[k])

    allocate(rqs_people, RQS_COUNTS, "espri-ia_rqs", rqs_score, rng, penalty=1.2)

    # --- langages, bibliothèques, outillages (method or platform answerers) ---
    tech = [p for p in people if "M" in p.roles or "P" in p.roles]

    def tech_score(p):
        return 0.5 * len(p.get("ml_méthodes")) + 0.5 * len(p.get("exec_plateformes"))

    ranked = sorted(tech, key=lambda p: (-(tech_score(p) + 2 * rng.random()), p.idx))
    n_lang = sum(n for _, n in LANG_COMBOS)
    lang_people = ranked[:n_lang]
    tool_people = ranked[:N_TOOLS]

    def lang_feature(p, lang):
        th = set(p.get("thème"))
        return {
            "python": 1.5 * (p.profile in "NC") + 0.5,
            "matlab": 1.0 * (p.profile == "R") + 0.5 * (p.lab in ("LATMOS", "LERMA", "METIS")),
            "r": 1.5 * ("modélisation_statistique" in th)
                 + 1.0 * (p.lab in ("LSCE", "METIS", "CEREA")),
            "fortran": 1.5 * bool(th & {"simulations_climatiques", "paléoclimat", "océan"})
                       + 1.0 * (p.lab in ("LMD", "LSCE", "LOCEAN", "IPSL")),
            "c": 1.0 * bool(th & {"instrumentation", "télédétection"}),
            "c++": 1.0 * (p.profile == "C"),
            "idl": 1.5 * (p.lab in ("LATMOS", "LERMA")) + 0.5 * ("télédétection" in th),
        }[lang]

    def lang_score(p, combo):
        s = sum(lang_feature(p, x) for x in combo)
        if p.profile in "NC" and "python" not in combo:
            s -= 1.5
        return s

    assign_combos(lang_people, LANG_COMBOS, "langages", lang_score, rng)

    def lib_score(p, combo):
        langs, me = set(p.get("langages")), set(p.get("ml_méthodes"))
        need = {"caret": "r", "som_toolbox": "matlab", "deep_learning_toolbox": "matlab"}
        lang = need.get(combo[0], "python")
        if lang not in langs:
            return -100.0
        neural_combo = bool(set(combo) & {"keras", "pytorch", "tensorflow", "theano",
                                          "deep_learning_toolbox"})
        s = 0.0
        if neural_combo:
            s += 3 * bool(me & NEURAL) - 2 * (not me & NEURAL)
        else:
            s += 2 * (p.profile in "RC")
        if combo[0] == "som_toolbox":
            s += 3 * ("som" in me)
        return s

    assign_combos(lang_people, LIB_COMBOS, "bibliothèques", lib_score, rng)

    def tool_score(p, t):
        langs = set(p.get("langages"))
        py = "python" in langs
        compiled = bool(langs & {"fortran", "c", "c++", "idl"})
        return float({
            "jupyter": 2.5 * py, "editeur_texte": 2 * compiled + 1 * py + 0.5 * (p.profile == "C"),
            "matlab": 5 * ("matlab" in langs) + 0.3, "spyder": 2 * py + 0.5 * (p.profile == "R"),
            "pycharm": 1.5 * py, "vsc": 1 * py + 1 * bool(langs & {"c", "c++"}),
            "r_studio": 5 * ("r" in langs) - 5 * ("r" not in langs),
            "eclipse": 1 * bool(langs & {"fortran", "c"}),
            "netbeans": 1 * bool(langs & {"c++", "c"}),
        }[t])

    allocate(tool_people, TOOL_COUNTS, "outillages", tool_score, rng, penalty=1.0)

    # --- big_data ---
    def bd_score(p):
        th, ds = set(p.get("thème")), set(p.get("data_source"))
        return (2 * bool(th & {"simulations_climatiques"}) + 2 * bool(ds & {"cmip5_6", "meso_ipsl"})
                + 1.5 * ("télédétection" in th))

    n_bd = sum(n for _, n in BIG_DATA_COMBOS)
    bd_people = select([p for p in people if p.roles], n_bd, bd_score, rng)

    def bd_combo_score(p, combo):
        th, ds = set(p.get("thème")), set(p.get("data_source"))
        f = {"volume": 2 * bool(ds & {"cmip5_6", "meso_ipsl"} or "simulations_climatiques" in th),
             "velocity": 2 * bool(ds & {"iasi", "sirta"} or "télédétection" in th),
             "variability": 1.5 * (len(ds) >= 2) + 1 * ("observations_in_situ" in ds)}
        return sum(f[x] for x in combo) / len(combo)

    assign_combos(bd_people, BIG_DATA_COMBOS, "big_data", bd_combo_score, rng)

    # --- e-mails and comments (personal columns) ---
    mailers = select(people, N_EMAILS, lambda p: 1.0 * bool(p.get("espri-ia_rqs")), rng)
    for p, (first, last) in zip(sorted(mailers, key=lambda p: p.idx),
                                zip(FIRST_NAMES, LAST_NAMES, strict=True), strict=True):
        p.email = f"{first}.{last}@example.org"
    for p, text in zip(select(people, len(COMMENTS), lambda p: 0.0, rng), COMMENTS, strict=True):
        p.comment = text
    return people


LAB_SIZES_TOTAL = sum(LAB_SIZES.values())
_METHOD_KEYS = {"kmeans", "cah/cdh", "som", "méthodes_fac", "mlp", "dl", "svm",
                "random_forest", "gradient_boosting", "algo_génétique", "régressions",
                "reg_log"}
_PLATFORM_KEYS = {"hal", "cloud_privé", "genci", "meso_ipsl", "pc"}


# ----------------------------------------------------------------------------------------
# Writing the files
# ----------------------------------------------------------------------------------------

def free_texts(p: Person, rng: Rng) -> dict[str, str]:
    out = {}
    th = p.get("thème")
    if th:
        out["thème"] = cap(phrase_list([rng.choice(THEME_PHRASES[k]) for k in th])) + "."
    ds = p.get("data_source")
    if ds:
        out["data_source"] = cap(phrase_list([rng.choice(DATA_PHRASES[k]) for k in ds])) + "."
    pa = p.get("partenaires")
    if pa:
        out["partenaires"] = "Oui, avec " + phrase_list([PARTNER_PHRASES[k] for k in pa]) + "."
    rq = p.get("espri-ia_rqs")
    if rq:
        parts = [rng.choice(RQS_PHRASES[k]) for k in rq]
        out["espri-ia_rqs"] = rng.choice(RQS_OPENINGS) + phrase_list(parts) + "."
    langs = p.get("langages")
    if langs:
        text = phrase_list([rng.choice(LANG_PHRASES[k]) for k in langs])
        libs = p.get("bibliothèques")
        if libs:
            text += ", bibliothèques " + phrase_list([LIB_PHRASES[k] for k in libs])
        plats = [x for x in p.get("exec_plateformes") if x in PLATFORM_PHRASES]
        if plats:
            text += ", " + rng.choice([PLATFORM_PHRASES[x] for x in plats])
        out["implémentations"] = text + "."
    return out


def timestamps(n: int, rng: Rng) -> list[str]:
    t = _dt.datetime(2020, 5, 26, 14, 3, 12)
    out = []
    for i in range(n):
        if i:
            if i < 20:
                gap = 60 + rng.below(25 * 60)
            elif i < 40:
                gap = 20 * 60 + rng.below(10 * 3600)
            else:
                gap = 4 * 3600 + rng.below(36 * 3600)
            t += _dt.timedelta(seconds=gap)
            if t.hour >= 20 or t.hour < 8:
                day = t.date() if t.hour < 8 else t.date() + _dt.timedelta(days=1)
                t = _dt.datetime(day.year, day.month, day.day, 8, 0, 0) + _dt.timedelta(
                    seconds=rng.below(3 * 3600))
        out.append(t.strftime("%d/%m/%Y %H:%M:%S"))
    return out


def cell(column: dict, answers: list[str]) -> str:
    """A multiple-choice cell: option texts in codebook order, then the free text."""
    texts = {o["keyword"]: o["text"] for o in column.get("options", [])}
    chosen = [texts[o["keyword"]] for o in column.get("options", []) if o["keyword"] in answers]
    frees = [a for a in answers if a not in texts]
    assert len(frees) <= 1, (column["keyword"], answers)
    return ", ".join(chosen + frees)


def write(outdir: Path) -> None:
    codebook = tomllib.loads((HERE / "codebook.toml").read_text(encoding="utf-8"))
    columns = codebook["columns"]
    interpretations = [q["keyword"] for q in codebook["interpretations"]]
    interp_options = {q["keyword"]: [o["keyword"] for o in q["options"]]
                      for q in codebook["interpretations"]}
    rng = Rng(SEED)
    people = build(rng)
    order = list(people)
    rng.shuffle(order)
    stamps = timestamps(len(order), rng)

    outdir.mkdir(parents=True, exist_ok=True)
    rows = []
    long_rows = []
    for number, (p, stamp) in enumerate(zip(order, stamps, strict=True), start=1):
        texts = free_texts(p, rng)
        row = []
        for col in columns:
            k, kind = col["keyword"], col["kind"]
            if kind == "timestamp":
                row.append(stamp)
            elif k == "lab":
                row.append(p.lab)
            elif k in ("compétence", "maturité_projet"):
                want = p.comp if k == "compétence" else p.mat
                row.append(next(o["text"] for o in col["options"] if o["keyword"] == want))
            elif kind == "multiple":
                row.append(cell(col, p.get(k)))
            elif kind == "free":
                row.append(texts.get(k, ""))
            elif k == "email":
                row.append(p.email)
            elif k == "commentaires":
                row.append(p.comment)
            else:
                raise AssertionError(k)
        rows.append(row)
        for q in interpretations:
            given = p.get(q)
            for kw in interp_options[q]:
                if kw in given:
                    long_rows.append([number, q, kw])
            assert set(given) <= set(interp_options[q]), (q, given)

    with open(outdir / "responses.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        w.writerow([c["header"] for c in columns])
        w.writerows(rows)
    with open(outdir / "interpretations.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        w.writerow(["respondent", "question", "keyword"])
        w.writerows(long_rows)


def main(argv: list[str]) -> int:
    outdir = Path(argv[1]) if len(argv) > 1 else HERE
    write(outdir)
    print(f"wrote {outdir / 'responses.csv'} and {outdir / 'interpretations.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
