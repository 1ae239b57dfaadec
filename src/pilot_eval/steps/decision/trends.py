"""Monthly trend lines and pulse early warnings of the executive scorecard (notebook 05)."""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from pilot_eval.data.cohort import Cohort
from pilot_eval.data.config import MONTH_DAYS, CohortConfig
from pilot_eval.data.windows import month_of, pilot_months, pre_months
from pilot_eval.measures import scores as measures
from pilot_eval.steps.completeness import team_roster_by_month

TREND_COLUMNS = ["indicator", "arm", "month", "value", "n"]


def follow_up_months(config: CohortConfig) -> list[int]:
    """Whole 30-day months of the follow-up window (month 0 = the pilot's first 30 days)."""
    first = -(-config.pilot_days // MONTH_DAYS)
    last = (config.pilot_days + config.follow_up_days) // MONTH_DAYS
    return list(range(first, last))


def trend_months(config: CohortConfig) -> list[int]:
    """Months the trend lines cover: the pre window, the pilot and the follow-up window."""
    return pre_months(config) + pilot_months(config) + follow_up_months(config)


def monthly_trends(cohort: Cohort, excluded: Iterable[str] = ()) -> pd.DataFrame:
    """Monthly values by arm for the sparklines: pulse, behaviour index, HR incidents.

    Columns: indicator, arm, month, value, n.  A month with fewer than
    ``min_group_size`` leaders contributing is left out.
    """
    cfg = cohort.config
    arm = cohort.leaders.set_index("leader_id")["arm"]
    months = trend_months(cfg)
    parts = []
    pm = measures.pulse(cohort.pulse, cfg)
    parts.append(pm.rename(columns={"pulse": "value"}).assign(indicator="pulse_change"))
    if cohort.observations is not None and cohort.behaviours is not None:
        bi = measures.behaviour_index(cohort.observations, cohort.behaviours, cohort.leaders, cfg,
                                      exclude=tuple(excluded))
        parts.append(bi.rename(columns={"behaviour_index": "value"}).assign(indicator="behaviour_index_change"))
    frames = []
    for p in parts:
        p = p[p["month"].isin(months)].assign(arm=lambda d: d["leader_id"].map(arm))
        g = p.groupby(["indicator", "arm", "month"], as_index=False).agg(value=("value", "mean"), n=("leader_id", "nunique"))
        frames.append(g)
    if cohort.incidents is not None:
        heads = team_roster_by_month(cohort.employees, cfg, months).assign(arm=lambda d: d["leader_id"].map(arm))
        heads = heads.groupby(["arm", "month"]).agg(members=("members", "sum"), n=("leader_id", "nunique"))
        inc = cohort.incidents.assign(month=month_of(cohort.incidents["date"], cfg))
        inc = inc[inc["month"].isin(months)]
        inc = inc.assign(arm=inc["leader_id"].map(arm))
        for kind, key in (("hr_incident", "hr_incidents_change_pct"), ("escalation", "escalations_change_pct")):
            events = inc[inc["kind"] == kind].groupby(["arm", "month"]).size().rename("events")
            j = heads.join(events, how="left").fillna({"events": 0}).reset_index()
            # per 100 team members per 90 days (three 30-day months); roster = members at any day of the month
            j["value"] = 100 * j["events"] / j["members"] * 3
            frames.append(j.assign(indicator=key)[["indicator", "arm", "month", "value", "n"]])
    if not frames:
        return pd.DataFrame(columns=TREND_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    arm_n = cohort.leaders["arm"].value_counts()
    big = [a for a in arm_n.index if arm_n[a] >= cfg.min_group_size]
    out = out[(out["n"] >= cfg.min_group_size) & out["arm"].isin(big)]
    return out.sort_values(["indicator", "arm", "month"], ignore_index=True)


# --------------------------------------------------------------------------
# early warnings: EWMA control chart on each team's monthly pulse
# --------------------------------------------------------------------------
def pulse_early_warnings(cohort: Cohort, lam: float = 0.3, limit: float = 2.5) -> pd.DataFrame:
    """Teams whose pulse is falling, by an EWMA control chart (Roberts 1959).

    Each team's in-control mean is its pre-window average; sigma is the pooled
    within-team month-to-month SD of the pre window.  The EWMA
    ``z_t = lam * x_t + (1 - lam) * z_{t-1}`` runs over the pilot and follow-up
    months; a team is flagged when, at its latest surveyed month, ``z_t`` is
    below ``mean - limit * sigma * sqrt(lam / (2 - lam) * (1 - (1 - lam)^(2t)))``
    (its pulse is falling now); ``month`` is where that run below the limit began.
    Only months with at least ``min_group_size`` respondents count, so no
    aggregate of a smaller team is shown.

    Returns
    -------
    DataFrame: leader_id, arm, month (start of the current signal), pulse (latest), baseline, ewma,
    lower_limit, n_respondents - one row per flagged team.

    References
    ----------
    Roberts, S. W. (1959). Control chart tests based on geometric moving
    averages. *Technometrics*, 1(3), 239-250.
    """
    cfg = cohort.config
    pm = measures.pulse(cohort.pulse, cfg)
    pm = pm[pm["n_respondents"] >= cfg.min_group_size]
    pre = pm[pm["month"].isin(pre_months(cfg))]
    cols = ["leader_id", "arm", "month", "pulse", "baseline", "ewma", "lower_limit", "n_respondents"]
    if pre.empty:  # no team has enough respondents to be shown (issue 12)
        return pd.DataFrame(columns=cols)
    base = pre.groupby("leader_id")["pulse"].agg(["mean", "count"])
    resid = pre["pulse"] - pre["leader_id"].map(base["mean"])
    dof = float((base["count"] - 1).clip(lower=0).sum())
    sigma = float(np.sqrt((resid ** 2).sum() / dof)) if dof > 0 else np.nan
    cols = ["leader_id", "arm", "month", "pulse", "baseline", "ewma", "lower_limit", "n_respondents"]
    post = pm[pm["month"] >= 0]
    if not np.isfinite(sigma) or post.empty or base.empty:
        return pd.DataFrame(columns=cols)
    wide = post.pivot(index="leader_id", columns="month", values="pulse")
    wide = wide[wide.index.isin(base.index)]
    nresp = post.pivot(index="leader_id", columns="month", values="n_respondents").reindex(wide.index)
    mu = base["mean"].reindex(wide.index).to_numpy()
    z = mu.copy()
    streak_start = np.full(len(mu), -1)  # first month of the current run below the limit
    last = {k: np.full(len(mu), np.nan) for k in ("pulse", "ewma", "lcl", "n")}
    below = np.zeros(len(mu), dtype=bool)
    for t, m in enumerate(wide.columns, start=1):  # a dozen months, vectorised over teams
        x = wide[m].to_numpy()
        seen = ~np.isnan(x)
        z = np.where(seen, lam * x + (1 - lam) * z, z)
        lcl = mu - limit * sigma * np.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * t)))
        hit = seen & (z < lcl)
        streak_start = np.where(hit & ~below, m, np.where(seen & ~hit, -1, streak_start))
        below = np.where(seen, hit, below)
        for key, arr in (("pulse", x), ("ewma", z), ("lcl", lcl), ("n", nresp[m].to_numpy(dtype=float))):
            last[key] = np.where(seen, arr, last[key])
    idx = np.flatnonzero(below)
    if len(idx) == 0:
        return pd.DataFrame(columns=cols)
    flagged = {
        wide.index[i]: {"leader_id": wide.index[i], "month": int(streak_start[i]), "pulse": float(last["pulse"][i]),
                        "baseline": float(mu[i]), "ewma": float(last["ewma"][i]), "lower_limit": float(last["lcl"][i]),
                        "n_respondents": int(last["n"][i])}
        for i in idx.tolist()
    }
    out = pd.DataFrame(list(flagged.values()), columns=[c for c in cols if c != "arm"])
    out.insert(1, "arm", out["leader_id"].map(cohort.leaders.set_index("leader_id")["arm"]))
    return out.sort_values(["month", "leader_id"], ignore_index=True)


