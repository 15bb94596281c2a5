"""Maps of scores on the cortex, drawn only where a permutation test finds them."""

import numpy as np

from .._utils.validation import check_choice, describe
from .cortex import plot_on_cortex

#: How a colour-bar label names each correction of :meth:`PermutationResult.significant`.
CORRECTION_NAMES = {
    "fdr_bh": "FDR (Benjamini-Hochberg) q",
    "max": "FWE (max statistic) p",
    None: "uncorrected p",
}
_SCORE_NAMES = {"r": "Pearson r", "r2": "R²"}


def plot_significant_on_cortex(
    result, atlas_or_mesh=None, *, alpha=0.05, correction="fdr_bh", **kwargs
):
    """Draw the scores of a permutation test on the cortex where they are significant.

    Targets (vertices, or ROIs of a surface atlas) whose corrected p-value
    exceeds ``alpha`` are left out (not drawn); the colour-bar label names
    the score, the correction, the level and the permutation scheme, e.g.
    ``"Pearson r (FDR (Benjamini-Hochberg) q ≤ 0.05; 1000 permutations of
    10-TR blocks)"``.

    Parameters
    ----------
    result : neurost.stats.PermutationResult
        The test of one score per target (``result.scores``), targets in
        the order :func:`plot_on_cortex` reads ``values`` (left hemisphere
        first, or atlas ROI order).
    atlas_or_mesh : optional
        As in :func:`plot_on_cortex`.
    alpha : float, default=0.05
        The level.
    correction : {"fdr_bh", "max", None}, default="fdr_bh"
        False-discovery rate (Benjamini-Hochberg), family-wise error by the
        max statistic, or none (see
        :meth:`neurost.stats.PermutationResult.significant`).
    **kwargs
        Passed to :func:`plot_on_cortex` (``views``, ``cmap``, ``vmax``,
        ``title``, ``output_file``, ...); ``colorbar_label`` replaces the
        score's name at the start of the label.

    Returns
    -------
    figure : matplotlib.figure.Figure
    axes : ndarray of matplotlib.axes.Axes
        As :func:`plot_on_cortex` returns them.

    Raises
    ------
    TypeError
        If ``result`` is not a permutation-test result.
    ValueError
        If ``alpha`` or ``correction`` is not valid, or no target is
        significant (the message gives the smallest corrected p-value).

    Examples
    --------
    >>> result = permutation_test(encoder, X_test, Y_test, block_length=10)  # doctest: +SKIP
    >>> plot_significant_on_cortex(result, "fsaverage5", correction="max")  # doctest: +SKIP
    """
    from ..stats.permutation import PermutationResult

    if not isinstance(result, PermutationResult):
        raise TypeError(
            "result must be the PermutationResult of neurost.stats.permutation_test; got "
            f"{describe(result)}."
        )
    check_choice(correction, "correction", list(CORRECTION_NAMES))
    significant = result.significant(alpha, correction)
    if not significant.any():
        raise ValueError(
            f"no target is significant at alpha={alpha} with correction={correction!r} "
            f"(smallest {CORRECTION_NAMES[correction]} = "
            f"{np.nanmin(result.corrected(correction)):.3g} over {len(significant)} targets); "
            "nothing would be drawn."
        )
    values = np.where(significant, result.scores, np.nan)
    score_name = kwargs.pop("colorbar_label", None) or _SCORE_NAMES.get(result.scoring,
                                                                      result.scoring)
    units = {None: "whole runs", 1: "single samples"}
    scheme = f"{result.n_permutations} permutations of " + units.get(
        result.block_length, f"{result.block_length}-TR blocks")
    label = f"{score_name} ({CORRECTION_NAMES[correction]} ≤ {alpha:g}; {scheme})"
    return plot_on_cortex(values, atlas_or_mesh, colorbar_label=label, **kwargs)
