"""Does the training work equally for every role and culture?

* :func:`effect_by_group` - the ANCOVA with the pilot indicator interacted with
  role (or culture): one effect per level, each cluster-robust by org unit
  (wild cluster bootstrap with fewer than 30 org units), Holm-adjusted
  p-values over the levels shown, and a joint Wald test that the shown
  levels' effects are equal.  A level with fewer than ``min_group_size``
  pilot or comparison leaders is not reported (the suppression pattern of
  :func:`pilot_eval.privacy.hidden_cells`, so no table reveals what another
  hides).
* :func:`within_group_z` / :func:`z_scores_by_group` - each leader's change
  standardised within their role x culture cell, so that groups that rate
  more harshly or drift differently can be put side by side fairly.

References
----------
Holm, S. (1979). A simple sequentially rejective multiple test procedure.
*Scandinavian Journal of Statistics*, 6(2), 65-70.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from pilot_eval.privacy import hidden_cells
from pilot_eval.stats.cluster_bootstrap import MIN_CLUSTERS, cluster_inference
from pilot_eval.stats.cluster_ols import fit_cluster_ols
from pilot_eval.stats.multiplicity import adjust_p_values
from pilot_eval.steps.effects.models import ancova_model_design, complete_cases

SUPPRESSED_LEVEL = "(suppressed group)"
HET_COLUMNS: tuple[str, ...] = (
    "outcome", "by", "level", "n_pilot", "n_comparison", "estimate", "std_error", "ci_low", "ci_high",
    "p_value", "p_holm", "ci_method", "suppressed",
)


def _hidden_levels(df: pd.DataFrame, by: str, k: int) -> tuple[pd.DataFrame, set[str], set[str]]:
    """Counts by level x arm, levels to hide, and levels too small to be named."""
    counts, hidden = hidden_cells(df.assign(**{by: df[by].astype("str")}), by, k)
    arms = [a for a in ("pilot", "comparison") if a in hidden.columns]
    if len(arms) < 2:
        return counts, set(counts.index), set(counts.index[counts["overall"] < k])
    hide = set(hidden.index[hidden[arms].any(axis=1)])
    return counts, hide, set(counts.index[counts["overall"] < k])


def effect_by_group(
    frame: pd.DataFrame,
    by: str,
    min_group_size: int,
    covariates: Sequence[str] = (),
    n_boot: int = 999,
    seed: int | None = 0,
    weights: str = "webb",
    alpha: float = 0.05,
    min_clusters: int = MIN_CLUSTERS,
) -> pd.DataFrame:
    """Effect of the training within each level of ``by`` (role or culture).

    Parameters
    ----------
    frame
        Output of :func:`pilot_eval.measures.outcome_frames.outcome_frame`.
    by
        ``"role"`` or ``"culture"``.
    min_group_size
        Levels with fewer pilot or comparison leaders are not reported.
    covariates, n_boot, seed, weights, alpha, min_clusters
        As in :func:`pilot_eval.steps.effects.models.ancova_effect`.

    Returns
    -------
    DataFrame
        :data:`HET_COLUMNS`; suppressed rows have empty numbers and the reason
        in ``suppressed`` (and ``level`` reads "(suppressed group)" when the
        level has fewer than ``min_group_size`` leaders in total).  ``attrs``
        holds ``equal_effects``: the joint F test that the reported levels'
        effects are equal (``statistic, df1, df2, p_value``).
    """
    df = complete_cases(frame, ["baseline", "endline"])
    design, _, _ = ancova_model_design(df, covariates, by=by)
    y = df["endline"].to_numpy(dtype="float64")
    counts, hide, unnamed = _hidden_levels(df, by, min_group_size)
    outcome = frame.attrs.get("outcome", "")
    rows = []
    for level in counts.index:  # a handful of levels
        name = f"pilot x {by}[{level}]"
        base = {"outcome": outcome, "by": by, "level": level,
                "n_pilot": int(counts.loc[level].get("pilot", 0)),
                "n_comparison": int(counts.loc[level].get("comparison", 0))}
        if level in hide:
            rows.append({**base, "level": SUPPRESSED_LEVEL if level in unnamed else level,
                         "n_pilot": None, "n_comparison": None,
                         "suppressed": f"fewer than {min_group_size} pilot or comparison leaders in this {by} "
                                       "(or hidden with such a group): not reported"})
            continue
        if name not in design.names:
            rows.append({**base, "suppressed": "not estimable (collinear with the controls)"})
            continue
        res = cluster_inference(y, design, df["org_unit"], name, n_boot=n_boot, seed=seed, weights=weights,
                                alpha=alpha, min_clusters=min_clusters, fallback_clusters=df["leader_id"])
        rows.append({**base, **{k: res[k] for k in ("estimate", "std_error", "ci_low", "ci_high", "p_value",
                                                     "ci_method")}, "suppressed": ""})
    out = pd.DataFrame(rows)
    for c in HET_COLUMNS:
        if c not in out.columns:
            out[c] = np.nan
    shown = out["p_value"].notna().to_numpy()
    out["p_holm"] = np.nan
    if shown.any():
        out.loc[shown, "p_holm"] = adjust_p_values(out.loc[shown, "p_value"].to_numpy(dtype="float64"), "holm")
    # float, not Int64: a suppressed level has no counts (NaN), and pd.NA breaks the publication rounding
    out = out[list(HET_COLUMNS)].astype({"n_pilot": "float64", "n_comparison": "float64"})
    out["ci_method"] = out["ci_method"].astype("object").where(out["ci_method"].notna(), "").astype("str")
    out.attrs["equal_effects"] = _equal_effects_test(y, design, df["org_unit"],
                                                     [f"pilot x {by}[{lv}]" for lv, s in
                                                      zip(counts.index, shown) if s])
    return out


def _equal_effects_test(y: np.ndarray, design, clusters: pd.Series, names: list[str]) -> dict[str, float]:
    """Joint cluster-robust F test that the named coefficients are equal (F(q, G-1))."""
    if len(names) < 2:
        return {"statistic": np.nan, "df1": 0, "df2": np.nan, "p_value": np.nan}
    if pd.Series(clusters).nunique() < 2:  # one org unit: no cluster-robust test (issue 12)
        return {"statistic": np.nan, "df1": len(names) - 1, "df2": np.nan, "p_value": np.nan}
    try:
        fit = fit_cluster_ols(y, design, clusters)
    except (np.linalg.LinAlgError, ValueError):
        return {"statistic": np.nan, "df1": len(names) - 1, "df2": np.nan, "p_value": np.nan}
    idx = [fit.names.index(n) for n in names]
    L = np.zeros((len(idx) - 1, len(fit.names)))
    L[np.arange(len(idx) - 1), idx[1:]] = 1.0
    L[:, idx[0]] = -1.0
    d = L @ fit.coef
    q = L.shape[0]
    stat = float(d @ np.linalg.pinv(L @ fit.vcov @ L.T) @ d) / q
    return {"statistic": stat, "df1": q, "df2": fit.df, "p_value": float(stats.f.sf(stat, q, fit.df))}


def within_group_z(frame: pd.DataFrame, value: str = "change") -> pd.DataFrame:
    """Standardise a leader-level value within role x culture cells.

    ``change`` (endline - baseline) is computed when asked for and absent.
    ``z = (x - cell mean) / cell SD`` over all leaders of the cell with a
    value (pilot and comparison together); cells with fewer than two such
    leaders or no spread get a missing z.

    Returns
    -------
    DataFrame
        ``frame`` with ``value`` (if computed) and ``z`` columns.
    """
    out = frame.copy()
    if value == "change" and "change" not in out.columns:
        out["change"] = out["endline"] - out["baseline"]
    g = out.groupby([out["role"].astype("str"), out["culture"].astype("str")], observed=True)[value]
    mean, sd = g.transform("mean"), g.transform("std")
    out["z"] = ((out[value] - mean) / sd.where(sd > 0)).astype("float64")
    return out


def z_scores_by_group(frame: pd.DataFrame, by: str, min_group_size: int, value: str = "change") -> pd.DataFrame:
    """Mean within-role-x-culture z-score by ``by`` level and arm.

    Groups under ``min_group_size`` leaders are not shown (same pattern as
    :func:`effect_by_group`).

    Returns
    -------
    DataFrame
        ``by, level, arm, n, mean_z, ci_low, ci_high, suppressed`` (t interval).
    """
    z = within_group_z(frame, value).dropna(subset=["z"])
    z = z[z["arm"].isin(["pilot", "comparison"]).to_numpy(dtype=bool, na_value=False)]
    counts, hide, unnamed = _hidden_levels(z, by, min_group_size)
    g = z.groupby([z[by].astype("str").rename("level"), z["arm"].astype("str")], observed=True)["z"]
    out = g.agg(n="size", mean_z="mean", sd="std").reset_index()
    se = out["sd"] / np.sqrt(out["n"])
    crit = stats.t.ppf(0.975, np.maximum(out["n"] - 1, 1))
    out["ci_low"], out["ci_high"] = out["mean_z"] - crit * se, out["mean_z"] + crit * se
    hidden = out["level"].isin(hide).to_numpy()
    out.loc[hidden, ["mean_z", "ci_low", "ci_high"]] = np.nan
    out["n"] = out["n"].astype("Int64").mask(hidden, pd.NA)
    out["suppressed"] = np.where(hidden, f"fewer than {min_group_size} pilot or comparison leaders: not shown", "")
    out["level"] = out["level"].where(~out["level"].isin(unnamed), SUPPRESSED_LEVEL)
    out.insert(0, "by", by)
    return out[["by", "level", "arm", "n", "mean_z", "ci_low", "ci_high", "suppressed"]]


def heterogeneity_table(
    frames: dict[str, pd.DataFrame],
    min_group_size: int,
    outcomes: Sequence[str] = ("empathy_360",),
    by: Sequence[str] = ("role", "culture"),
    covariates: Sequence[str] = (),
    n_boot: int = 999,
    seed: int | None = 0,
    weights: str = "webb",
) -> pd.DataFrame:
    """:func:`effect_by_group` for several outcomes and groupings, in one table.

    Holm adjustment is within each outcome x grouping (the levels of one
    table).  ``equal_effects_p`` is the joint test that the reported levels'
    effects are equal.  Empty without a comparison group.
    """
    parts = []
    for outcome in outcomes:  # a handful of outcomes and groupings
        frame = frames.get(outcome)
        if frame is None or not (frame["arm"].eq("pilot").any() and frame["arm"].eq("comparison").any()):
            continue
        for var in by:
            res = effect_by_group(frame, var, min_group_size, covariates, n_boot, seed, weights)
            parts.append(res.assign(equal_effects_p=res.attrs["equal_effects"]["p_value"]))
    if not parts:
        return pd.DataFrame(columns=[*HET_COLUMNS, "equal_effects_p"])
    return pd.concat(parts, ignore_index=True)


def z_score_table(frame: pd.DataFrame, min_group_size: int, by: Sequence[str] = ("role", "culture"),
                  value: str = "change") -> pd.DataFrame:
    """:func:`z_scores_by_group` for each grouping, in one table (empty without a comparison group)."""
    if not (frame["arm"].eq("pilot").any() and frame["arm"].eq("comparison").any()):
        return pd.DataFrame(columns=["by", "level", "arm", "n", "mean_z", "ci_low", "ci_high", "suppressed"])
    return pd.concat([z_scores_by_group(frame, var, min_group_size, value) for var in by], ignore_index=True)
