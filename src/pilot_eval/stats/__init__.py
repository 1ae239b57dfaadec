"""Generic statistics on long DataFrames and arrays: the researcher API.
Nothing here imports the rest of pilot_eval; ``import pilot_eval.stats as ps``.

Every agreement and reliability function takes long data and three column
names, ``targets=`` (what is rated: sessions, leaders, respondents),
``raters=`` (who rates: observers, raters; for Cronbach's alpha the items) and
``ratings=`` (the value), as ``pingouin.intraclass_corr``.  Every interval is
set with ``confidence=`` (default 0.95).  Results are tidy DataFrames, one row
per estimate, with ``estimate``, ``ci_low``, ``ci_high`` and the n used.

Reliability and agreement
    :func:`icc` (crossed design, six Shrout & Fleiss forms),
    :func:`icc_crossed`, :func:`icc_oneway_unbalanced` (raters nested in
    targets, unequal numbers), :func:`icc_band_probabilities`,
    :func:`cohen_kappa`, :func:`fleiss_kappa`, :func:`krippendorff_alpha`,
    :func:`krippendorff_alpha_ci`, :func:`cronbach_alpha`,
    :func:`spearman_brown`, :func:`single_rater_from_k`, :func:`raters_needed`.
Measurement error and change
    :func:`sem`, :func:`sem_of_mean`, :func:`leader_bands`,
    :func:`reliable_change_threshold`, :func:`reliable_change`,
    :func:`same_rater_error`, :func:`change_sem`.
Effect sizes and baseline equivalence
    :func:`hedges_g`, :func:`hedges_g_from_stats`, :func:`cox_index`,
    :func:`baseline_balance`, :func:`partial_correlation`.
Regression and matching
    :func:`fit_cluster_ols` (CRV1 cluster-robust OLS) with :class:`Design`,
    :func:`drop_collinear`, :func:`wald_test`; :func:`wild_cluster_bootstrap`,
    :func:`cluster_inference`; :func:`fit_count_model`,
    :func:`dispersion_test`; :func:`matched_effect`, :func:`match_att`,
    :func:`propensity_logit`.
Multiplicity
    :func:`adjust_p_values` (Holm, Benjamini-Hochberg).
Sequential monitoring (repeated looks)
    :func:`spending_boundaries` (Lan-DeMets alpha spending),
    :func:`crossing_probabilities`, :func:`spending`, :func:`nominal_levels`.
Published cut-offs (:mod:`pilot_eval.stats.guidelines`)
    :func:`koo_li_band`, :func:`koo_li_band_from_ci`,
    :func:`landis_koch_label`, :func:`reliability_verdict`, :func:`wwc_rating`.

Examples
--------
>>> import pingouin as pg
>>> import pilot_eval.stats as ps
>>> data = pg.read_dataset("icc")
>>> ps.icc(data, targets="Wine", raters="Judge", ratings="Scores")["estimate"].round(3).tolist()
[0.728, 0.728, 0.729, 0.914, 0.914, 0.915]
"""

from __future__ import annotations

import importlib
from typing import Any

# Light modules (NumPy, pandas, scipy.special) are imported with the package.  A function named
# like its module (icc, partial_correlation, spearman_brown) must be bound here, before anything
# imports the submodule: the import system would otherwise leave the module under that name.
from pilot_eval.stats.guidelines import (
    koo_li_band,
    koo_li_band_from_ci,
    landis_koch_label,
    reliability_verdict,
    wwc_rating,
)
from pilot_eval.stats.icc import (
    ICC_METHODS,
    icc,
    icc_band_probabilities,
    icc_crossed,
    icc_oneway_unbalanced,
)
from pilot_eval.stats.internal_consistency import cronbach_alpha
from pilot_eval.stats.kripp_alpha import krippendorff_alpha, krippendorff_alpha_ci
from pilot_eval.stats.multiplicity import adjust_p_values
from pilot_eval.stats.partial_correlation import partial_correlation
from pilot_eval.stats.spearman_brown import raters_needed, single_rater_from_k, spearman_brown

#: Names loaded on first use (their modules import scipy.stats, statsmodels or scikit-learn,
#: seconds of start-up that ``import pilot_eval.stats`` should not cost): name -> module.
_LAZY: dict[str, str] = {
    **dict.fromkeys(("EffectSize", "baseline_balance", "cox_index", "hedges_g",
                     "hedges_g_from_stats"), "balance"),
    **dict.fromkeys(("change_sem", "leader_bands", "reliable_change", "reliable_change_threshold",
                     "same_rater_error", "sem", "sem_of_mean"), "bands"),
    **dict.fromkeys(("WildBootstrap", "cluster_inference", "wild_cluster_bootstrap"),
                    "cluster_bootstrap"),
    **dict.fromkeys(("ClusterFit", "Design", "drop_collinear", "fit_cluster_ols", "wald_test"),
                    "cluster_ols"),
    **dict.fromkeys(("dispersion_test", "fit_count_model"), "count_models"),
    **dict.fromkeys(("cohen_kappa", "fleiss_kappa"), "kappa"),
    **dict.fromkeys(("crossing_probabilities", "nominal_levels", "spending", "spending_boundaries"),
                    "group_sequential"),
    **dict.fromkeys(("match_att", "matched_effect", "propensity_logit"), "matching"),
}


def __getattr__(name: str) -> Any:
    """Import the module of a lazily loaded name on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    # reliability and agreement
    "ICC_METHODS",
    "icc",
    "icc_crossed",
    "icc_oneway_unbalanced",
    "icc_band_probabilities",
    "cohen_kappa",
    "fleiss_kappa",
    "krippendorff_alpha",
    "krippendorff_alpha_ci",
    "cronbach_alpha",
    "spearman_brown",
    "single_rater_from_k",
    "raters_needed",
    # measurement error and change
    "sem",
    "sem_of_mean",
    "leader_bands",
    "reliable_change_threshold",
    "reliable_change",
    "same_rater_error",
    "change_sem",
    # effect sizes and baseline equivalence
    "EffectSize",
    "hedges_g",
    "hedges_g_from_stats",
    "cox_index",
    "baseline_balance",
    "partial_correlation",
    # regression and matching
    "Design",
    "ClusterFit",
    "drop_collinear",
    "fit_cluster_ols",
    "wald_test",
    "WildBootstrap",
    "wild_cluster_bootstrap",
    "cluster_inference",
    "fit_count_model",
    "dispersion_test",
    "matched_effect",
    "match_att",
    "propensity_logit",
    # published cut-offs
    "koo_li_band",
    "koo_li_band_from_ci",
    "landis_koch_label",
    "reliability_verdict",
    "wwc_rating",
    # multiplicity
    "adjust_p_values",
    # sequential monitoring
    "crossing_probabilities",
    "nominal_levels",
    "spending",
    "spending_boundaries",
]
