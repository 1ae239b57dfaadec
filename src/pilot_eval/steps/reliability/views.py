"""Tables of the reliability step as shown in notebook 02 (no IDs)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pilot_eval.stats.icc import ICC_METHODS
from pilot_eval.steps.reliability import calibration as rater_calibration
from pilot_eval.steps.reliability.agreement import reference_reliability
from pilot_eval.steps.reliability.change import reliable_change_summary
from pilot_eval.steps.reliability.common import (
    ALL_OTHERS, CONTRACT_COLUMNS, INSUFFICIENT, NESTED_MEASURES, SESSION_SCORE,
)

if TYPE_CHECKING:  # pragma: no cover
    from pilot_eval.steps.reliability.analysis import ReliabilityResults

def rater_icc_view(table: pd.DataFrame) -> pd.DataFrame:
    """360 ICC rows side by side: one row per measure x wave (ICC1 and ICC1k)."""
    sub = table[table["measure"].isin(list(NESTED_MEASURES)).to_numpy(dtype=bool)]
    one = sub[sub["method"].eq("ICC1").to_numpy(dtype=bool)].set_index(["measure", "wave"])
    k = sub[sub["method"].eq("ICC1k").to_numpy(dtype=bool)].set_index(["measure", "wave"])
    out = pd.DataFrame({
        "leaders": one["n_targets"], "mean_raters": one["mean_raters"], "n0": one["n0"],
        "ICC1": one["estimate"], "ICC1_ci": _ci_text(one), "ICC1_band": one["verdict"],
        "ICC1k": k["estimate"], "ICC1k_ci": _ci_text(k), "ICC1k_band": k["verdict"],
        "note": one["note"].fillna(""),
    })
    return out.reset_index()


def _ci_text(df: pd.DataFrame) -> pd.Series:
    lo, hi = df["ci_low"], df["ci_high"]
    text = [f"[{a:.3f}, {b:.3f}]" if pd.notna(a) and pd.notna(b) else "" for a, b in zip(lo, hi)]
    return pd.Series(text, index=df.index, dtype=object)


def observer_icc_view(table: pd.DataFrame) -> pd.DataFrame:
    """Observer ICC rows: the six forms per measure with McGraw & Wong names and F tests."""
    is_icc = table["method"].isin(list(ICC_METHODS)).to_numpy(dtype=bool)
    is_obs = (table["measure"].str.startswith("behaviour").to_numpy(dtype=bool, na_value=False))
    sub = table[is_icc & is_obs]
    return pd.DataFrame({
        "measure": sub["measure"], "method": sub["method"], "mcgraw_wong": sub["mcgraw_wong"],
        "estimate": sub["estimate"], "ci": _ci_text(sub), "band": sub["verdict"],
        "F": sub["f"], "df1": sub["df1"], "df2": sub["df2"], "p_value": sub["p_value"],
        "sessions": sub["n_targets"], "coders": sub["mean_raters"],
    }).reset_index(drop=True)


def behaviour_view(table: pd.DataFrame) -> pd.DataFrame:
    """One row per behaviour: alpha with interval, kappas, verdict, in the index or not."""
    sub = table[table["method"].isin(["kripp_alpha", "cohen_kappa", "fleiss_kappa"]).to_numpy(dtype=bool)]
    if sub.empty:
        return pd.DataFrame(columns=["behaviour", "level", "sessions", "kripp_alpha", "alpha_ci",
                                     "cohen_kappa", "fleiss_kappa", "verdict", "in_behaviour_index"])
    a = sub[sub["method"].eq("kripp_alpha").to_numpy(dtype=bool)].set_index("measure")
    c = sub[sub["method"].eq("cohen_kappa").to_numpy(dtype=bool)].set_index("measure")
    f = sub[sub["method"].eq("fleiss_kappa").to_numpy(dtype=bool)].set_index("measure")
    measures_ = pd.Index(sub["measure"].unique())
    a = a.reindex(measures_)
    out = pd.DataFrame({
        "behaviour": measures_.str.removeprefix("behaviour:"),
        "level": a["level"].to_numpy(),
        "sessions": a["n_targets"].to_numpy(),
        "kripp_alpha": a["estimate"].to_numpy(),
        "alpha_ci": _ci_text(a).to_numpy(),
        "cohen_kappa": c["estimate"].reindex(measures_).to_numpy(),
        "fleiss_kappa": f["estimate"].reindex(measures_).to_numpy(),
        "verdict": a["verdict"].to_numpy(),
        "in_behaviour_index": np.where(a["in_behaviour_index"].to_numpy(dtype=bool, na_value=True),
                                       "yes", "no (excluded)"),
    })
    return out


def internal_consistency_view(table: pd.DataFrame) -> pd.DataFrame:
    """The Cronbach's alpha row(s): estimate, interval, responses, items, band and note."""
    sub = table[table["method"].eq("cronbach_alpha").to_numpy(dtype=bool)]
    return pd.DataFrame({
        "measure": sub["measure"], "cronbach_alpha": sub["estimate"], "ci": _ci_text(sub),
        "responses": sub["n_targets"], "items": sub["mean_raters"].astype("Int64"),
        "band": sub["verdict"], "note": sub["note"],
    }).reset_index(drop=True)


def min_raters_view(mins: pd.DataFrame) -> pd.DataFrame:
    """The minimum-raters table for display (``inf`` shown as text)."""
    def raters(col: pd.Series) -> pd.Series:
        return col.map(_fmt_raters)

    return pd.DataFrame({
        "measure": mins["measure"], "rater_unit": mins["rater_unit"],
        "single_rater_reliability": mins["single_rater_reliability"],
        "min_raters": raters(mins["min_raters"]),
        "min_raters_if_ci_low": raters(mins["min_raters_if_ci_low"]),
        "min_raters_if_ci_high": raters(mins["min_raters_if_ci_high"]),
        "median_actual": mins["median_raters_actual"], "fewest_actual": mins["fewest_raters_actual"],
        "most_actual": mins["most_raters_actual"], "share_meeting": mins["share_meeting"],
        "note": mins["note"].fillna(""),
    })


def table_view(table: pd.DataFrame) -> pd.DataFrame:
    """The reliability table's contract columns plus wave and note (for display)."""
    return table[list(CONTRACT_COLUMNS) + ["wave", "note"]].reset_index(drop=True)


def _fmt(v: Any) -> str:
    return "n/a" if v is None or not np.isfinite(float(v)) else f"{float(v):.3f}"


def _fmt_raters(v: Any) -> str:
    if v is None or np.isnan(float(v)):
        return "n/a"
    return "no number of raters" if np.isinf(float(v)) else str(int(v))


def summary_text(res: ReliabilityResults) -> str:
    """Plain-text headline of the reliability step (stable for nbval; 3 decimals)."""

    t = res.table
    lines: list[str] = []
    ref = res.reference
    if ref["icc1"] is not None:
        row = reference_reliability(t, ALL_OTHERS, "ICC1k")
        lines.append(
            f"360 empathy, all non-self raters ({ref['wave']} wave): single-rater ICC(1) = "
            f"{_fmt(ref['icc1'])} [{_fmt(ref['ci_low'])}, {_fmt(ref['ci_high'])}]; "
            f"mean of the leader's raters ICC(1,k) = {_fmt(row['estimate'] if row is not None else None)}"
            f" ({row['verdict'] if row is not None else 'n/a'})")
    else:
        lines.append("360 empathy: single-rater reliability cannot be estimated")
    for measure, rater_type in NESTED_MEASURES.items():
        if rater_type is None:
            continue
        r = reference_reliability(t, measure)
        lines.append(f"  {rater_type}: " + (f"ICC(1) = {_fmt(r['estimate'])} ({r['verdict']}, {r['wave']})"
                                            if r is not None else "cannot be estimated"))
    items = t[t["method"].eq("cronbach_alpha").to_numpy(dtype=bool)]
    if len(items):
        i = items.iloc[0]
        lines.append(f"Cronbach's alpha of the 360 items: {_fmt(i['estimate'])} "
                     f"[{_fmt(i['ci_low'])}, {_fmt(i['ci_high'])}]")
    mr = res.min_raters
    parts = []
    for rec in mr.to_dict("records"):
        if rec["measure"] == SESSION_SCORE:
            continue
        label = rec["measure"].split(":", 1)[1]
        share = "" if np.isnan(rec["share_meeting"]) else f", {rec['share_meeting']:.1%} of leaders have them"
        parts.append(f"{label} {_fmt_raters(rec['min_raters'])}{share}")
    lines.append(f"raters needed for reliability {ref['target_reliability']:.3f}: " + "; ".join(parts))
    beh = behaviour_view(t)
    if len(beh):
        counts = beh["verdict"].value_counts()
        lines.append("behaviours (Krippendorff's alpha): " + ", ".join(
            f"{counts.get(v, 0)} {v}" for v in ("reliable", "tentative", "unreliable", INSUFFICIENT)))
        for rec in beh[beh["verdict"].eq("unreliable").to_numpy(dtype=bool)].to_dict("records"):
            lines.append(f"  unreliable: {rec['behaviour']} (alpha {_fmt(rec['kripp_alpha'])})")
        lines.append("left out of behaviour_index: " + (", ".join(res.excluded) or "none"))
        s = t[t["measure"].eq(SESSION_SCORE).to_numpy(dtype=bool) & t["method"].eq("ICC1").to_numpy(dtype=bool)]
        if len(s) and np.isfinite(s["estimate"].iloc[0]):
            lines.append(f"observer ICC(1) of the session behaviour score: {_fmt(s['estimate'].iloc[0])} "
                         f"({s['verdict'].iloc[0]})")
    else:
        lines.append("behaviours: no observations table, behavioural reliability skipped")
    rc = res.reliable_change
    both = rc[rc["status"].notna().to_numpy(dtype=bool)]
    if len(both):
        med_thr = float(np.median(both["threshold"]))
        lines.append(f"reliable change threshold of empathy_360 (median over leaders): {med_thr:.3f} "
                     "scale points")
        summ = reliable_change_summary(rc, res.config)
        for arm in ("pilot", "comparison"):
            a = summ[summ["arm"].eq(arm).to_numpy(dtype=bool) & summ["status"].eq("improved").to_numpy(dtype=bool)]
            if len(a) and not pd.isna(a["leaders"].iloc[0]):
                lines.append(f"  {arm} leaders reliably improved: {int(a['leaders'].iloc[0])} "
                             f"({a['share'].iloc[0]:.1%} of those rated at baseline and endline)")
    lines.append(rater_calibration.calibration_text(res.rater_severity, res.observer_severity))
    return "\n".join(lines)
