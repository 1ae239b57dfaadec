"""Rater and observer calibration: who rates systematically high or low.

A rater's **leniency** is the mean deviation of their ratings from the mean of
the *other* raters of the same target (leave-one-out), so a positive value
means the rater rates higher (more leniently) than colleagues rating the same
leader or session, a negative value more severely (Saal, Downey & Lahey 1980;
Myford & Wolfe 2003 call this rater leniency/severity).  Its interval is the
Student t interval of the rater's deviations.  A rater is **flagged for
recalibration** when the interval excludes 0 *and* the leniency is larger in
size than a threshold (parameter ``calibration_threshold``, scale points), so
that neither a small but precisely measured bias nor a large but noisy one
triggers retraining.

* 360 raters (:func:`rater_severity`): the ratings are the raters' mean item
  scores (:func:`pilot_eval.measures.scores.rater_means`), targets are leader x wave
  with at least two non-self raters, and deviations are centred within rater
  type, so that a known offset of a whole rater type (e.g. direct reports
  rating a little higher than managers) is not counted as every direct
  report's leniency.
* Observers (:func:`observer_severity`): on the double-coded sessions, per
  behaviour; ordinal codes in scale points, binary codes in share points
  (1 = the observer always says "shown" when the co-coder says "not shown").
  For binary behaviours the threshold is converted to the same share of the
  scale range: ``calibration_threshold / (scale_max - scale_min)``.

Notes
-----
The t interval treats a rater's deviations as independent.  A 360 rater who
rates one leader in three waves has three deviations that share the rater x
leader relationship, which a single rater cannot separate from leniency;
such intervals are wide (2 df) and rarely flag.  The method needs only
group sums, so it is vectorised and fast on millions of rows; a crossed
random-effects model (a BLUP of each rater's effect) is the heavier
alternative.

References
----------
Saal, F. E., Downey, R. G., & Lahey, M. A. (1980). Rating the ratings:
assessing the psychometric quality of rating data. *Psychological Bulletin*,
88(2), 413-428.

Myford, C. M., & Wolfe, E. W. (2003). Detecting and measuring rater effects
using many-facet Rasch measurement: Part I. *Journal of Applied Measurement*,
4(4), 386-422.

Student (1908). The probable error of a mean. *Biometrika*, 6(1), 1-25.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from pilot_eval.measures import scores as measures
from pilot_eval.measures.behaviour_exclusions import double_coded
from pilot_eval.stats._checks import check_confidence

__all__ = [
    "leniency",
    "flag_for_recalibration",
    "rater_severity",
    "observer_severity",
    "observer_severity_empty",
    "calibration_summary",
    "calibration_text",
    "leniency_distribution",
    "observer_leniency_chart_data",
    "flagged_raters",
]

_STAT_COLUMNS = ["n_targets", "leniency", "std_error", "ci_low", "ci_high"]


def leniency(
    data: pd.DataFrame,
    targets: Sequence[str],
    raters: Sequence[str],
    value: str,
    group: str | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Each rater's mean deviation from the other raters of the same targets.

    Parameters
    ----------
    data : DataFrame
        One row per target x rater with a numeric ``value``.
    targets : sequence of str
        Columns identifying a target (e.g. ``["leader_id", "wave"]``).
    raters : sequence of str
        Columns identifying a rater (e.g. ``["rater_id", "rater_type"]``).
    value : str
        The rating column.  Missing values are ignored.
    group : str, optional
        Column whose levels have their own mean deviation subtracted (e.g.
        ``rater_type``); must be constant within a rater.
    confidence : float
        Level of the t interval.

    Returns
    -------
    DataFrame
        One row per rater with at least one target shared with another rater:
        the ``raters`` columns, ``n_targets``, ``leniency`` (mean deviation;
        positive = rates higher than the others), ``std_error`` (SD of the
        deviations / sqrt(n)), ``ci_low``, ``ci_high`` (Student t with
        ``n - 1`` df; missing for a single target), ``direction``
        (``lenient`` / ``severe``).  Sorted by the rater columns.

    Notes
    -----
    For a target with ``m`` ratings summing to ``S``, rating ``v`` deviates by
    ``v - (S - v) / (m - 1)`` from the mean of the others.  Targets with one
    rating are skipped.

    References
    ----------
    Saal, F. E., Downey, R. G., & Lahey, M. A. (1980). *Psychological
    Bulletin*, 88(2), 413-428.
    """
    check_confidence(confidence)
    targets, raters = list(targets), list(raters)
    cols = list(dict.fromkeys(targets + raters + ([group] if group else []) + [value]))
    df = data[cols]
    v = pd.to_numeric(df[value], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    df = df.loc[~np.isnan(v)]
    v = v[~np.isnan(v)]
    grouped = pd.Series(v, index=df.index).groupby([df[c] for c in targets], observed=True, sort=False)
    m = grouped.transform("size").to_numpy(dtype=np.float64)
    s = grouped.transform("sum").to_numpy(dtype=np.float64)
    keep = m >= 2
    dev = v[keep] - (s[keep] - v[keep]) / (m[keep] - 1.0)
    kept = df.loc[keep, raters + ([group] if group and group not in raters else [])].copy()
    kept["_dev"] = dev
    if group:
        kept["_dev"] = kept["_dev"] - kept.groupby(group, observed=True)["_dev"].transform("mean")
    agg = (kept.groupby(raters, observed=True, sort=True)["_dev"]
               .agg(n_targets="size", leniency="mean", _sd="std").reset_index())
    n = agg["n_targets"].to_numpy(dtype=np.float64)
    se = agg["_sd"].to_numpy(dtype=np.float64) / np.sqrt(n)
    with np.errstate(invalid="ignore"):
        tcrit = np.where(n >= 2, stats.t.ppf((1.0 + confidence) / 2.0, np.maximum(n - 1.0, 1.0)), np.nan)
    est = agg["leniency"].to_numpy(dtype=np.float64)
    agg["std_error"] = se
    agg["ci_low"] = est - tcrit * se
    agg["ci_high"] = est + tcrit * se
    agg["n_targets"] = agg["n_targets"].astype("int64")
    agg["direction"] = pd.Series(np.where(est >= 0, "lenient", "severe"), index=agg.index, dtype="str")
    return agg.drop(columns="_sd")[raters + _STAT_COLUMNS + ["direction"]]


def flag_for_recalibration(sev: pd.DataFrame, threshold: Any) -> pd.Series:
    """Raters whose interval excludes 0 and whose |leniency| exceeds ``threshold``.

    ``threshold`` is a scalar or an array aligned with ``sev``.
    """
    lo = sev["ci_low"].to_numpy(dtype=np.float64)
    hi = sev["ci_high"].to_numpy(dtype=np.float64)
    est = sev["leniency"].to_numpy(dtype=np.float64)
    thr = np.asarray(threshold, dtype=np.float64)
    excludes_zero = (lo > 0) | (hi < 0)
    return pd.Series(excludes_zero & (np.abs(est) > thr), index=sev.index, name="flagged")


def rater_severity(ratings: pd.DataFrame, threshold: float = 0.5, confidence: float = 0.95) -> pd.DataFrame:
    """Leniency of every non-self 360 rater (scale points, centred within rater type).

    Returns
    -------
    DataFrame
        ``rater_id, rater_type, n_targets`` (leader x wave rated with at
        least one other non-self rater), ``leniency, std_error, ci_low,
        ci_high, direction, threshold, flagged``.  Contains rater IDs: for
        researchers only.
    """
    rm = measures.rater_means(ratings)
    keep = (rm["n_items"].to_numpy() > 0) & ~rm["rater_type"].eq("self").to_numpy(dtype=bool)
    sev = leniency(rm.loc[keep], ["leader_id", "wave"], ["rater_id", "rater_type"], "rater_mean",
                   group="rater_type", confidence=confidence)
    sev["threshold"] = float(threshold)
    sev["flagged"] = flag_for_recalibration(sev, threshold).to_numpy()
    return sev


def observer_severity_empty() -> pd.DataFrame:
    """The (empty) observer table of a cohort without observations."""
    return pd.DataFrame({
        "observer_id": pd.Series(dtype="str"), "behaviour": pd.Series(dtype="str"),
        "scale": pd.Series(dtype="str"), "unit": pd.Series(dtype="str"),
        **{c: pd.Series(dtype="float64") for c in _STAT_COLUMNS},
        "direction": pd.Series(dtype="str"), "threshold": pd.Series(dtype="float64"),
        "flagged": pd.Series(dtype="bool"),
    })


def observer_severity(
    observations: pd.DataFrame,
    behaviours: pd.DataFrame,
    threshold: float = 0.5,
    confidence: float = 0.95,
    scale_span: float = 4.0,
) -> pd.DataFrame:
    """Leniency of every observer per behaviour on the double-coded sessions.

    Parameters
    ----------
    observations, behaviours : DataFrame
        observations table and codebook.
    threshold : float
        Flagging threshold in scale points (ordinal); binary behaviours use
        ``threshold / scale_span`` share points.
    confidence : float
        Level of the t interval.
    scale_span : float
        ``scale_max - scale_min``.

    Returns
    -------
    DataFrame
        ``observer_id, behaviour, scale, unit`` (``scale points`` or ``share
        points``), ``n_targets`` (double-coded sessions), ``leniency,
        std_error, ci_low, ci_high, direction, threshold, flagged``.  Contains
        observer IDs: for researchers only.
    """
    dc = double_coded(observations)
    if dc.empty:
        return observer_severity_empty()
    sev = leniency(dc, ["session_id", "behaviour"], ["observer_id", "behaviour"], "value",
                   confidence=confidence)
    scale = sev["behaviour"].map(dict(zip(behaviours["behaviour"], behaviours["scale"])))
    binary = scale.eq("binary").to_numpy(dtype=bool, na_value=False)
    sev.insert(2, "scale", scale.astype("str").to_numpy())
    sev.insert(3, "unit", np.where(binary, "share points", "scale points"))
    sev["unit"] = sev["unit"].astype("str")
    sev["threshold"] = np.where(binary, threshold / scale_span, float(threshold))
    sev["flagged"] = flag_for_recalibration(sev, sev["threshold"].to_numpy()).to_numpy()
    return sev


def calibration_summary(rater_sev: pd.DataFrame, observer_sev: pd.DataFrame) -> pd.DataFrame:
    """Counts of raters and observers flagged for recalibration (no IDs).

    Columns: who (``360 <rater type>``, ``observers (any behaviour)``,
    ``observers: <behaviour>``), raters, with_interval (two or more targets, so
    an interval exists), flagged, flagged_lenient, flagged_severe.
    """
    def block(df: pd.DataFrame, by: pd.Series, key_cols: list[str]) -> pd.DataFrame:
        d = df.assign(_who=by.to_numpy(),
                      _int=df["ci_low"].notna().to_numpy(),
                      _len=(df["flagged"] & df["direction"].eq("lenient")).to_numpy(dtype=bool),
                      _sev=(df["flagged"] & df["direction"].eq("severe")).to_numpy(dtype=bool))
        per = d.groupby(key_cols + ["_who"], observed=True, sort=False).agg(
            _int=("_int", "any"), flagged=("flagged", "any"), _len=("_len", "any"), _sev=("_sev", "any"))
        return (per.groupby("_who", observed=True, sort=False)
                   .agg(raters=("flagged", "size"), with_interval=("_int", "sum"),
                        flagged=("flagged", "sum"), flagged_lenient=("_len", "sum"),
                        flagged_severe=("_sev", "sum"))
                   .reset_index().rename(columns={"_who": "who"}))

    parts = []
    if len(rater_sev):
        order = {t: i for i, t in enumerate(measures.OTHER_RATER_TYPES)}
        r = block(rater_sev, "360 " + rater_sev["rater_type"].astype("str"), ["rater_id", "rater_type"])
        r = r.assign(_o=r["who"].str.removeprefix("360 ").map(order)).sort_values("_o").drop(columns="_o")
        parts.append(r)
    if len(observer_sev):
        allb = pd.Series("observers (any behaviour)", index=observer_sev.index)
        parts.append(block(observer_sev, allb, ["observer_id"]))
        parts.append(block(observer_sev, "observers: " + observer_sev["behaviour"].astype("str"),
                           ["observer_id"]))
    if not parts:
        return pd.DataFrame(columns=["who", "raters", "with_interval", "flagged", "flagged_lenient",
                                     "flagged_severe"])
    out = pd.concat(parts, ignore_index=True)
    for c in ("raters", "with_interval", "flagged", "flagged_lenient", "flagged_severe"):
        out[c] = out[c].astype("int64")
    return out


def calibration_text(rater_sev: pd.DataFrame, observer_sev: pd.DataFrame) -> str:
    """One line: how many 360 raters and observers are flagged (counts only)."""
    summ = calibration_summary(rater_sev, observer_sev)
    raters = summ[summ["who"].str.startswith("360 ").to_numpy(dtype=bool)]
    parts = []
    if len(raters):
        n = int(rater_sev[["rater_id", "rater_type"]].drop_duplicates().shape[0])
        flagged = int(rater_sev.loc[rater_sev["flagged"].to_numpy(dtype=bool), ["rater_id", "rater_type"]]
                      .drop_duplicates().shape[0])
        parts.append(f"{flagged} of {n} raters in the 360 survey")
    obs = summ[summ["who"].eq("observers (any behaviour)").to_numpy(dtype=bool)]
    if len(obs):
        parts.append(f"{int(obs['flagged'].iloc[0])} of {int(obs['raters'].iloc[0])} observers")
    return "flagged for recalibration: " + ("; ".join(parts) if parts else "no raters to assess")


def leniency_distribution(rater_sev: pd.DataFrame, bin_width: float = 0.1) -> pd.DataFrame:
    """Histogram of 360 rater leniency by rater type (chart input, no IDs).

    Columns: rater_type, bin_start, bin_end, flagged (bool), raters.  Raters
    with a single target (no interval) are included.
    """
    lo = np.floor(rater_sev["leniency"].to_numpy(dtype=np.float64) / bin_width) * bin_width
    df = pd.DataFrame({"rater_type": rater_sev["rater_type"].astype("str").to_numpy(),
                       "bin_start": np.round(lo, 10), "flagged": rater_sev["flagged"].to_numpy(dtype=bool)})
    sizes = df.groupby(["rater_type", "bin_start", "flagged"], observed=True, sort=True).size()
    out = sizes.rename("raters").reset_index()
    out.insert(2, "bin_end", np.round(out["bin_start"] + bin_width, 10))
    return out


def observer_leniency_chart_data(observer_sev: pd.DataFrame) -> pd.DataFrame:
    """Observer x behaviour leniency with interval, for the researcher-only chart (has IDs)."""
    return observer_sev[["observer_id", "behaviour", "unit", "n_targets", "leniency", "ci_low",
                         "ci_high", "threshold", "flagged"]].reset_index(drop=True)


def flagged_raters(rater_sev: pd.DataFrame, observer_sev: pd.DataFrame) -> pd.DataFrame:
    """Every flagged rater and observer with leniency and interval (IDs: researcher-only).

    Columns: who (``360 <rater type>`` or ``observer``), id, behaviour (observers),
    unit, n_targets, leniency, ci_low, ci_high; largest |leniency| first
    within each group.
    """
    r = rater_sev[rater_sev["flagged"].to_numpy(dtype=bool)]
    o = observer_sev[observer_sev["flagged"].to_numpy(dtype=bool)]
    parts = [
        pd.DataFrame({"who": "360 " + r["rater_type"].astype("str"), "id": r["rater_id"].to_numpy(),
                      "behaviour": None, "unit": "scale points", "n_targets": r["n_targets"].to_numpy(),
                      "leniency": r["leniency"].to_numpy(), "ci_low": r["ci_low"].to_numpy(),
                      "ci_high": r["ci_high"].to_numpy()}),
        pd.DataFrame({"who": "observer", "id": o["observer_id"].to_numpy(),
                      "behaviour": o["behaviour"].to_numpy(), "unit": o["unit"].to_numpy(),
                      "n_targets": o["n_targets"].to_numpy(), "leniency": o["leniency"].to_numpy(),
                      "ci_low": o["ci_low"].to_numpy(), "ci_high": o["ci_high"].to_numpy()}),
    ]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=["who", "id", "behaviour", "unit", "n_targets", "leniency",
                                     "ci_low", "ci_high"])
    out = pd.concat(parts, ignore_index=True)
    out["_abs"] = out["leniency"].abs()
    return (out.sort_values(["who", "_abs"], ascending=[True, False], kind="stable")
               .drop(columns="_abs").reset_index(drop=True))
