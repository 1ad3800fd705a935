"""Groups of respondents: Ward tree and choice of k, k-means, PCA, stability, group profiles.

The original ESPRI analysis grouped respondents with k-means on the one-hot rows of two
multiple-choice questions, read the number of groups off dendrograms, drew PCA projections
and saved the centroids (``kmeans_centres_methodes_usages.csv``). :func:`groups` does the
same in one reproducible call, HCPC style (Husson, Josse & Pagès):

1. **Answer patterns.** Respondents with the same answers have the same indicator row, so
   everything runs on the *distinct* rows ("patterns") with their counts as weights. The
   weighted k-means objective, the weighted covariance (PCA) and the weighted Ward tree on
   patterns are exactly those on all respondents' rows.
2. **Ward tree and choice of k.** A Ward tree of the patterns (weighted Ward, see
   :func:`ward_linkage`), or, beyond ``tree_max`` distinct patterns, of k-means
   *pre-clusters* of the patterns (HCPC's ``kk``). ``k="auto"`` takes the k in
   [``k_min``, ``k_max``] (default [2, 10], at most n / 2) minimising within(k) /
   within(k - 1), the criterion documented for FactoMineR's ``HCPC`` (used as a
   specification only; HCPC's default ``min`` is 3).
3. **k-means consolidation.** Weighted k-means from the tree's k groups and from
   ``n_init`` k-means++ starts (scikit-learn on the CPU, cuML on the GPU, through
   :meth:`Backend.ml`); the lowest inertia wins. With pre-clusters, the starts run on the
   weighted pre-clusters (a coreset: 5 × ``n_init`` starts, the ``n_init`` best distinct
   kept), are refined together by a few batched Lloyd steps on all patterns (NumPy or
   CuPy), and the two best are iterated to convergence on all patterns.
4. **PCA** from the weighted covariance matrix (``xp.linalg.eigh``), scikit-learn's
   conventions (``n - 1`` denominator, sign of the largest loading positive).
5. **Stability**: k-means (``n_init`` k-means++ starts on the tree leaves, reweighted) is
   re-run on ``n_bootstrap`` bootstrap resamples of the respondents (multinomial counts on
   the patterns) and the mean adjusted Rand index between the reported groups and the
   resampled groups (every respondent assigned to the nearest resampled centroid) is
   reported: near 1 for real groups, low for noise (below :data:`STABLE_ARI` a warning).
6. **Profiles**: for each group and option, the share ticking it in the group and overall,
   Lebart's test value (v-test) and the exact hypergeometric p-value.

Randomness: one integer ``seed`` feeds :class:`numpy.random.SeedSequence`; its children
seed NumPy ``PCG64`` generators (pre-cluster sample, bootstrap draws) and the integer
``random_state`` of each k-means++ start. The same seed gives the same groups on the same
backend. On the GPU the k-means++ starts are drawn by espri_gpu (weighted, scikit-learn's
algorithm and ``RandomState`` stream, so the same starts as on the CPU) and cuML gets
scikit-learn's absolute tolerance (see :func:`weighted_kmeans`).

Modules: :mod:`.pipeline` (:func:`groups`), :mod:`.result` (:class:`Groups`,
:class:`KMeansFit`), :mod:`.patterns` (answer patterns, weighted-row helpers), :mod:`.ward`
(tree, cuts, choice of k), :mod:`.kmeans` (:func:`weighted_kmeans`) over
:mod:`.kmeans_host` (scikit-learn) and :mod:`.kmeans_device` (cuML), :mod:`.consolidation`
(pre-clusters, starts, batched Lloyd steps), :mod:`.nearest` (nearest centres: float32
products, float64 answers), :mod:`.pca`, :mod:`.stability`,
:mod:`.profiles`. The centroid table is written by :func:`espri_gpu.outputs.write_centres`
(re-exported here); the benchmark data live in :mod:`espri_gpu.workloads`.
"""

from ..outputs import write_centres
from .kmeans import weighted_kmeans
from .pca import PCAFit, weighted_pca
from .pipeline import groups
from .result import STABLE_ARI, Groups, KMeansFit
from .stability import adjusted_rand
from .ward import cut_linkage, ward_linkage

__all__ = [
    "STABLE_ARI",
    "Groups",
    "KMeansFit",
    "PCAFit",
    "adjusted_rand",
    "cut_linkage",
    "groups",
    "ward_linkage",
    "weighted_kmeans",
    "weighted_pca",
    "write_centres",
]
