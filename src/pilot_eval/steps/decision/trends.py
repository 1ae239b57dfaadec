"""Monthly trend lines and pulse early warnings of the executive scorecard (notebook 05)."""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from pilot_eval.data.cohort import Cohort
from pilot_eval.data.config import MONTH_DAYS, CohortConfig
from pilot_eval.data.windows import month_of, pilot_months, pre_months
from pilot_eval.data.vocabulary import UNITS, label
from pilot_eval.measures import scores as measures
from pilot_eval.steps.completeness import team_roster_by_month
from pilot_eval.steps.decision.indicators import SPECS

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


def month_label(month: int, config: CohortConfig) -> str:
    """A 30-day month in words: ``2 months before``, ``pilot month 1``, ``follow-up month 3``.

    Examples
    --------
    >>> import datetime as dt
    >>> from pilot_eval.data.config import CohortConfig
    >>> cfg = CohortConfig(name="x", pilot_start=dt.date(2026, 1, 5), pilot_days=90, follow_up_days=90)
    >>> [month_label(m, cfg) for m in (-2, -1, 0, 2, 3)]
    ['2 months before', '1 month before', 'pilot month 1', 'pilot month 3', 'follow-up month 1']
    """
    n_pilot = len(pilot_months(config))
    if month < 0:
        return f"{-month} month{'s' if month < -1 else ''} before"
    if month < n_pilot:
        return f"pilot month {month + 1}"
    return f"follow-up month {month - n_pilot + 1}"


def trends_table(trends: pd.DataFrame, config: CohortConfig) -> pd.DataFrame:
    """:func:`monthly_trends` as a table to read: one row per measure and arm, one column per month.

    Rows say what the monthly value is (a level, e.g. the HR incident rate, not
    the indicator's change), with its unit; months are named in words
    (:func:`month_label`); a month without a value (a group under
    ``min_group_size`` or no data) is empty.
    """
    if trends.empty:
        return pd.DataFrame(columns=["Monthly value", "Group"])
    def what(key: str) -> str:
        name = label(SPECS[key].outcome)
        return f"{name[:1].upper()}{name[1:]} ({UNITS[SPECS[key].outcome]})"

    t = trends.assign(what=[what(k) for k in trends["indicator"]])
    order = {k: i for i, k in enumerate(SPECS)}
    wide = t.pivot_table(index=["indicator", "what", "arm"], columns="month", values="value", aggfunc="first")
    wide = wide.reset_index()
    wide = wide.iloc[np.lexsort((wide["arm"].map({"pilot": 0, "comparison": 1}).to_numpy(),
                                 wide["indicator"].map(order).to_numpy()))]
    months = [c for c in wide.columns if isinstance(c, (int, np.integer))]
    out = pd.DataFrame({"Monthly value": wide["what"].to_numpy(), "Group": wide["arm"].to_numpy()})
    for m in months:
        out[month_label(int(m), config)] = wide[m].to_numpy(dtype="float64")
    return out


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


