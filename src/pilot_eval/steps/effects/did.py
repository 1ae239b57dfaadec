"""Difference-in-differences and event study on monthly leader-level outcomes.

Team outcomes (pulse, behaviour index, event rates) are measured every
30-day month, before and during the pilot, for pilot and comparison leaders
(team level = leader).  Two models, both with leader fixed effects (removed by
the within-leader transformation; exact by Frisch-Waugh-Lovell), month fixed
effects, and - the role and culture controls - role x period and culture x
period effects, so that a group whose scores move over time for reasons of
its own does not pass for a training effect:

* :func:`did_effect` - ``y_it = a_i + m_t + delta * pilot_i * post_t + ...``;
  ``delta`` compares the change from the pre window to the pilot window
  between the arms.  Cluster-robust by org unit; with fewer than 30 org units
  the p-value and CI come from the restricted wild cluster bootstrap.
* :func:`event_study` - one ``pilot x month`` coefficient per month relative
  to month -1 (the last month before training), with the pre-trend test: a
  joint cluster-robust Wald test that the pre-period leads are all zero
  (``F(q, G-1)``).  Leads far from zero mean the arms were already drifting
  apart before training, and the DiD estimate is not credible.

References
----------
Angrist, J. D. & Pischke, J.-S. (2009). *Mostly Harmless Econometrics*, ch. 5.2
(difference-in-differences, leads and lags).

Bertrand, M., Duflo, E. & Mullainathan, S. (2004). How much should we trust
differences-in-differences estimates? *Quarterly Journal of Economics*, 119(1),
249-275 (cluster the errors).

Roth, J., Sant'Anna, P. H. C., Bilinski, A. & Poe, J. (2023). What's trending in
difference-in-differences? *Journal of Econometrics*, 235(2), 2218-2244 (pre-trend tests).
"""

from __future__ import annotations

import dataclasses
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from pilot_eval.stats.cluster_bootstrap import MIN_CLUSTERS, cluster_inference
from pilot_eval.stats.cluster_ols import Design, cluster_codes, drop_collinear, dummies, fit_cluster_ols, wald_test
from pilot_eval.data.cohort import Cohort
from pilot_eval.measures.outcome_frames import MONTHLY_OUTCOMES, missing_tables, monthly_panel
from pilot_eval.steps.effects.arms import comparison_shown, no_comparison_reason

#: Reference month of the event study: the last month before the pilot.
REFERENCE_MONTH = -1
TREATED = "pilot x post"


def _demean(M: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Subtract each leader's mean from every column (within transformation)."""
    counts = np.bincount(codes, minlength=n_groups).astype("float64")
    sums = np.zeros((n_groups, M.shape[1]))
    np.add.at(sums, codes, M)
    return M - (sums / counts[:, None])[codes]


def _controls(panel: pd.DataFrame, period: pd.Series, label: str) -> pd.DataFrame:
    """Role x period and culture x period indicators (reference levels dropped)."""
    parts = []
    for var in ("role", "culture"):
        d = dummies(panel[var], var)
        parts.append(d.mul(period.to_numpy(dtype="float64"), axis=0).add_suffix(f" x {label}"))
    return pd.concat(parts, axis=1)


def _within(panel: pd.DataFrame, X: pd.DataFrame, first: Sequence[str]) -> tuple[np.ndarray, Design]:
    codes, n_leaders = cluster_codes(panel["leader_id"])
    y = _demean(panel[["value"]].to_numpy(dtype="float64"), codes, n_leaders)[:, 0]
    cols = [*first, *[c for c in X.columns if c not in first]]
    Xd = _demean(X[cols].to_numpy(dtype="float64"), codes, n_leaders)
    return y, drop_collinear(Xd, cols)


def _leaders_in_both(panel: pd.DataFrame) -> pd.DataFrame:
    post = panel["post"].to_numpy(dtype=bool)
    both = panel.assign(_pre=~post, _post=post).groupby("leader_id", observed=True)[["_pre", "_post"]].any()
    keep = both.index[(both["_pre"] & both["_post"]).to_numpy()]
    return panel[panel["leader_id"].isin(keep).to_numpy(dtype=bool)].reset_index(drop=True)


def did_effect(
    panel: pd.DataFrame,
    controls: bool = True,
    n_boot: int = 999,
    seed: int | None = 0,
    weights: str = "webb",
    alpha: float = 0.05,
    min_clusters: int = MIN_CLUSTERS,
) -> dict[str, object]:
    """Two-way fixed-effects difference-in-differences, pre window vs pilot window.

    Parameters
    ----------
    panel
        Output of :func:`pilot_eval.measures.outcome_frames.monthly_panel`.
    controls
        Add role x post and culture x post effects.
    n_boot, seed, weights, alpha, min_clusters
        Inference (see :func:`pilot_eval.stats.cluster_bootstrap.cluster_inference`).

    Returns
    -------
    dict
        An ``effects.csv`` row (``estimate ... note``, ``n`` leaders, ``n_obs``
        leader-months).  Only leaders with months in both windows count.
    """
    df = _leaders_in_both(panel)
    treated = df["arm"].eq("pilot").to_numpy(dtype="float64", na_value=0.0)
    post = df["post"].astype("float64")
    X = pd.concat([pd.DataFrame({TREATED: treated * post.to_numpy()}, index=df.index),
                   dummies(df["month"], "month")], axis=1)
    if controls:
        X = pd.concat([X, _controls(df, post, "post")], axis=1)
    y, design = _within(df, X, [TREATED])
    row = cluster_inference(y, design, df["org_unit"], TREATED, n_boot=n_boot, seed=seed, weights=weights,
                            alpha=alpha, min_clusters=min_clusters, dof_k=design.X.shape[1],
                            fallback_clusters=df["leader_id"])
    leaders = df.drop_duplicates("leader_id")
    row.update(n=len(leaders), n_pilot=int(leaders["arm"].eq("pilot").sum()),
               n_comparison=int(leaders["arm"].eq("comparison").sum()), n_obs=len(df))
    return row


def event_study(panel: pd.DataFrame, controls: bool = True, alpha: float = 0.05) -> tuple[pd.DataFrame, dict[str, object]]:
    """Month x arm coefficients relative to month -1, and the pre-trend test.

    Parameters
    ----------
    panel
        Output of :func:`pilot_eval.measures.outcome_frames.monthly_panel`.
    controls
        Add role x month and culture x month effects.
    alpha
        1 - confidence level of the pointwise intervals (CRV1, t(G-1)).

    Returns
    -------
    coefs
        ``month, estimate, std_error, ci_low, ci_high, window`` (``pre`` /
        ``pilot``); the reference month has estimate 0 and no interval.
    pretrend
        ``statistic, df1, df2, p_value, leads, verdict`` of the joint test that
        every pre-period lead (months before -1) is zero.
    """
    df = panel.reset_index(drop=True)
    months = sorted(int(m) for m in df["month"].unique())
    treated = df["arm"].eq("pilot").to_numpy(dtype="float64", na_value=0.0)
    month = df["month"].to_numpy(dtype="int64")
    month_d = pd.DataFrame({f"month[{m}]": (month == m).astype("float64") for m in months}, index=df.index)
    others = [m for m in months if m != REFERENCE_MONTH]
    lead_lag = pd.DataFrame({f"pilot x month[{m}]": treated * month_d[f"month[{m}]"].to_numpy() for m in others},
                            index=df.index)
    fe = month_d[[f"month[{m}]" for m in others]]
    parts = [lead_lag, fe]
    if controls:
        for m in others:  # a handful of months
            parts.append(_controls(df, month_d[f"month[{m}]"], f"month[{m}]"))
    X = pd.concat(parts, axis=1)
    y, design = _within(df, X, list(lead_lag.columns))
    fit = fit_cluster_ols(y, design, df["org_unit"] if df["org_unit"].nunique() > 1 else df["leader_id"],
                          dof_k=design.X.shape[1])
    crit = stats.t.ppf(1 - alpha / 2, fit.df)
    rows = []
    for m in months:
        name = f"pilot x month[{m}]"
        if m == REFERENCE_MONTH:
            est, se = 0.0, np.nan
        elif name in fit.names:
            est, se = fit.estimate(name), fit.se(name)
        else:
            est, se = np.nan, np.nan
        rows.append({"month": m, "estimate": est, "std_error": se,
                     "ci_low": est - crit * se, "ci_high": est + crit * se,
                     "window": "pre" if m < 0 else "pilot"})
    leads = [f"pilot x month[{m}]" for m in others if m < REFERENCE_MONTH]
    test = wald_test(fit, leads)
    if not leads or not np.isfinite(test["p_value"]):
        verdict = "not testable (no pre-period month besides the reference)"
    elif test["p_value"] < 0.05:
        verdict = ("pre-trends differ (p < 0.05): the arms were already moving apart before training; "
                   "treat the DiD estimate with caution")
    else:
        verdict = "no evidence of different pre-trends (p >= 0.05)"
    pretrend: dict[str, object] = {**test, "leads": len([n for n in leads if n in fit.names]),
                                   "n_clusters": fit.n_clusters, "verdict": verdict}
    return pd.DataFrame(rows), pretrend


@dataclasses.dataclass
class EventStudies:
    """Event-study coefficients and pre-trend tests of several outcomes."""

    coefs: pd.DataFrame
    pretrends: pd.DataFrame
    skipped: pd.DataFrame


def event_studies(
    cohort: Cohort,
    exclude: Iterable[str] = (),
    outcomes: Sequence[str] = MONTHLY_OUTCOMES,
    controls: bool = True,
) -> EventStudies:
    """:func:`event_study` for every monthly outcome the cohort allows.

    Without a comparison group nothing can be estimated (all outcomes skipped).

    Returns
    -------
    EventStudies
        ``coefs`` (``outcome`` + the columns of :func:`event_study`),
        ``pretrends`` (``outcome, statistic, df1, df2, p_value, leads,
        n_clusters, verdict``) and ``skipped`` (``outcome, reason``).
    """
    coefs, tests, skipped = [], [], []
    has_both = comparison_shown(cohort)
    why = no_comparison_reason(cohort)
    for outcome in outcomes:  # a handful of outcomes
        absent = missing_tables(cohort, outcome)
        if absent:
            skipped.append({"outcome": outcome, "reason": f"no {' / '.join(absent)} table in this cohort"})
            continue
        if not has_both:
            skipped.append({"outcome": outcome, "reason": f"{why}: no difference-in-differences"})
            continue
        panel = monthly_panel(cohort, outcome, exclude)
        c, t = event_study(panel, controls)
        coefs.append(c.assign(outcome=outcome))
        tests.append({"outcome": outcome, **t})
    coef_cols = ["outcome", "month", "estimate", "std_error", "ci_low", "ci_high", "window"]
    test_cols = ["outcome", "statistic", "df1", "df2", "p_value", "leads", "n_clusters", "verdict"]
    return EventStudies(
        pd.concat(coefs, ignore_index=True)[coef_cols] if coefs else pd.DataFrame(columns=coef_cols),
        pd.DataFrame(tests, columns=test_cols),
        pd.DataFrame(skipped, columns=["outcome", "reason"]),
    )
