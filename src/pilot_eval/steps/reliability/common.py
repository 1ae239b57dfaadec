"""Shared labels and helpers of the reliability step (results/reliability.csv rows).

See :mod:`pilot_eval.steps.reliability.analysis` for the labels and designs.
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np
import pandas as pd

from pilot_eval.measures import scores as measures
from pilot_eval.stats.icc import KOO_LI_BANDS, icc_band_probabilities, koo_li_band_from_ci

#: Contract columns of results/reliability.csv, in order.
CONTRACT_COLUMNS: tuple[str, ...] = (
    "measure", "method", "estimate", "ci_low", "ci_high", "n_targets", "mean_raters", "verdict",
)
#: Further columns of the reliability table (see the module docstring).
EXTRA_COLUMNS: tuple[str, ...] = (
    "wave", "design", "mcgraw_wong", "description", "level", "f", "df1", "df2", "p_value", "n0",
    "p_poor", "p_moderate", "p_good", "p_excellent", "in_behaviour_index", "note",
)
#: The nested 360 measures: rater type (None = all non-self raters) by label.
NESTED_MEASURES: dict[str, str | None] = {
    "empathy_360:manager": "manager",
    "empathy_360:peer": "peer",
    "empathy_360:direct_report": "direct_report",
    "empathy_360:all_others": None,
}
ALL_OTHERS = "empathy_360:all_others"
NESTED_DESIGN = "nested: raters within leaders, one wave (one-way, unbalanced, n0-corrected)"
INSUFFICIENT = "insufficient data"
NOT_ESTIMABLE = "not estimable"
_BAND_COLUMNS = tuple(f"p_{b}" for b in KOO_LI_BANDS)
#: Name of the per-observer session score's measure.
SESSION_SCORE = "behaviour_index"


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows as a table with the contract and extra columns, in order."""
    cols = list(CONTRACT_COLUMNS) + list(EXTRA_COLUMNS)
    out = pd.DataFrame(rows, columns=cols)
    for c in ("estimate", "ci_low", "ci_high", "mean_raters", "f", "df1", "df2", "p_value", "n0",
              *_BAND_COLUMNS):
        out[c] = pd.to_numeric(out[c], errors="coerce").astype("float64")
    out["n_targets"] = pd.to_numeric(out["n_targets"], errors="coerce").astype("Int64")
    for c in ("measure", "method", "verdict", "wave", "design", "mcgraw_wong", "description", "level",
              "note"):
        out[c] = out[c].astype("str").mask(out[c].isna())
    out["in_behaviour_index"] = out["in_behaviour_index"].astype("boolean")
    return out


def _band_probabilities(data: pd.DataFrame, targets: str, ratings: str, raters: str | None,
                        method: str, n_boot: int, seed: int | None) -> dict[str, float]:
    probs = icc_band_probabilities(data, targets, ratings, raters=raters, method=method,
                                   n_boot=n_boot, seed=seed)
    return {f"p_{b}": float(p) for b, p in zip(probs["band"], probs["probability"])}


def _icc_rows(res: pd.DataFrame, measure: str, design: str, extra: dict[str, Any],
              probs: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    """Reliability-table rows from an icc_* result frame."""
    verdicts = koo_li_band_from_ci(res["ci_low"], res["ci_high"])
    rows = []
    for i, r in enumerate(res.to_dict("records")):
        mean_raters = r.get("mean_raters", r.get("n_raters"))
        rows.append({
            "measure": measure, "method": r["method"], "estimate": r["estimate"],
            "ci_low": r["ci_low"], "ci_high": r["ci_high"], "n_targets": r["n_targets"],
            "mean_raters": mean_raters, "verdict": verdicts.iloc[i], "design": design,
            "mcgraw_wong": r["mcgraw_wong"], "description": r["description"], "f": r["f"],
            "df1": r["df1"], "df2": r["df2"], "p_value": r["p_value"], "n0": r.get("n0", np.nan),
            **probs.get(r["method"], {}), **extra,
        })
    return rows


def _empty_rows(measure: str, methods: Iterable[str], verdict: str, note: str,
                extra: dict[str, Any], n_targets: int | None = None,
                mean_raters: float | None = None) -> list[dict[str, Any]]:
    return [{"measure": measure, "method": m, "estimate": np.nan, "ci_low": np.nan,
             "ci_high": np.nan, "n_targets": n_targets, "mean_raters": mean_raters,
             "verdict": verdict, "note": note, **extra} for m in methods]


# --------------------------------------------------------------------------
# 360 survey: nested design
# --------------------------------------------------------------------------
def _other_rater_means(ratings: pd.DataFrame) -> pd.DataFrame:
    """Rater means of the non-self raters who answered at least one item."""
    rm = measures.rater_means(ratings)
    keep = (rm["n_items"].to_numpy() > 0) & ~rm["rater_type"].eq("self").to_numpy(dtype=bool)
    return rm.loc[keep].reset_index(drop=True)


def _nested_subset(rm: pd.DataFrame, rater_type: str | None, wave: str) -> pd.DataFrame:
    mask = rm["wave"].eq(wave).to_numpy(dtype=bool)
    if rater_type is not None:
        mask = mask & rm["rater_type"].eq(rater_type).to_numpy(dtype=bool)
    return rm.loc[mask, ["leader_id", "rater_id", "rater_type", "rater_mean"]]




def within_leader_variance(ratings: pd.DataFrame, wave: str, rater_type: str | None = None) -> float:
    """Pooled within-leader variance of rater means (the one-way ANOVA's MSW).

    The error variance of a single rating: the mean of ``k`` raters has
    standard error ``sqrt(MSW / k)``.  ``rater_type=None`` pools all non-self
    raters.
    """
    return _within_variance(_other_rater_means(ratings), wave, rater_type)


def _within_variance(rm: pd.DataFrame, wave: str, rater_type: str | None = None) -> float:
    """:func:`within_leader_variance` from precomputed non-self rater means."""
    sub = _nested_subset(rm, rater_type, wave)
    g = sub.groupby("leader_id", observed=True)["rater_mean"]
    dev = sub["rater_mean"].to_numpy() - g.transform("mean").to_numpy()
    df = len(sub) - int(g.ngroups)
    return float(np.sum(dev**2) / df) if df > 0 else float("nan")


