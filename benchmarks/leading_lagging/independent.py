"""An independent cohort generator for the leading -> lagging benchmark.

Written from scratch for this benchmark; it shares no code or parameters with
``pilot_eval.data.synth`` and differs from it on purpose:

* **clusters**: org units of very unequal size (gamma weights), with whole
  units assigned to the pilot (cluster assignment, not individual
  selection); roles and cultures are drawn independently of the units;
* **teams**: log-normal team sizes (median ``team_median``, 3 to 30 members);
* **frailty**: a unit-level and a leader-level gamma frailty on every event
  rate (overdispersion and between-unit correlation of the outcomes,
  strength ``unit_frailty_cv`` / ``leader_frailty_cv``);
* **leading indicator**: each leader's true pulse change is the pilot gain
  plus a leader trend with a unit component (``trend_unit_share``), ramping in
  from day 10 to day 45; the pulse survey is answered on a random day late in
  each month by a random share of the team;
* **planted links**: voluntary exits and HR incidents depend on the
  standardised true pulse change ``z`` through ``shape``: ``"loglinear"``
  (rate x ``exp(-beta z)``) or ``"threshold"`` (rate x ``exp(beta)`` for the
  third of teams with the weakest change, ``z < -0.43``, and 1 otherwise);
  escalations are **not** linked (a null pair);
* **null training log**: practice, feedback and coaching sessions of pilot
  leaders whose attendance, scores and latencies are independent of
  everything else; 360 ratings with an independent midpoint change (a null
  indicator too); no observations table (the behaviour index is absent).

:func:`simulate` returns contract tables (DataFrames) and the truth;
``Cohort.from_frames`` validates them as a folder would be.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd

PILOT_START = dt.date(2026, 3, 2)
ROLES = ("supervisor", "manager", "head")
ROLE_P = (0.5, 0.35, 0.15)
CULTURES = ("north", "south", "east")
CULTURE_P = (0.45, 0.35, 0.20)


@dataclasses.dataclass(frozen=True)
class Design:
    """Knobs of the independent generator (defaults: the base design)."""

    n_leaders: int = 150
    n_units: int = 18
    unit_size_shape: float = 1.2  # gamma shape of the unit weights (small = very unequal)
    pilot_share: float = 0.45
    team_median: float = 8.0
    team_sigma: float = 0.45
    follow_up_days: int = 180
    attrition_per_90d: float = 0.05  # voluntary exits per member per 90 days
    hr_per_100_90d: float = 7.0
    escalation_per_100_90d: float = 12.0
    beta_attrition: float = 0.6  # per SD of the true pulse change
    beta_hr: float = 0.6
    shape: str = "loglinear"  # or "threshold"
    unit_frailty_cv: float = 0.35
    leader_frailty_cv: float = 0.45
    pilot_gain: float = 0.25  # pulse points
    trend_sd: float = 0.30
    trend_unit_share: float = 0.3  # share of the trend variance that is the unit's
    climate_sd: float = 0.35
    response_p: float = 0.7
    item_noise_sd: float = 0.7


def _gamma_frailty(rng: np.random.Generator, cv: float, size: int) -> np.ndarray:
    if cv <= 0:
        return np.ones(size)
    k = 1.0 / cv**2
    return rng.gamma(k, 1.0 / k, size)


def _ramp(day: np.ndarray) -> np.ndarray:
    return np.clip((np.asarray(day, dtype="float64") - 10.0) / 35.0, 0.0, 1.0)


def _date(day: np.ndarray | int) -> np.ndarray:
    base = np.datetime64(PILOT_START.isoformat())
    return base + np.asarray(day).astype("timedelta64[D]")


def simulate(design: Design, seed: int) -> tuple[dict, dict[str, pd.DataFrame], dict]:
    """One cohort: (settings, tables, truth)."""
    rng = np.random.default_rng([20261201, seed])
    d = design
    n = d.n_leaders
    pre_start, end = -90, 90 + d.follow_up_days
    # ---- org units, arms, roles, cultures
    w = rng.gamma(d.unit_size_shape, 1.0, d.n_units)
    unit = rng.choice(d.n_units, size=n, p=w / w.sum())
    unit = np.unique(unit, return_inverse=True)[1]  # drop empty units
    n_units = int(unit.max()) + 1
    order = rng.permutation(n_units)
    sizes = np.bincount(unit, minlength=n_units)
    cum = np.cumsum(sizes[order])
    pilot_units = set(order[: max(1, int(np.searchsorted(cum, d.pilot_share * n)) + 1)].tolist())
    if len(pilot_units) == n_units:
        pilot_units.discard(int(order[-1]))
    pilot = np.isin(unit, list(pilot_units))
    role = rng.choice(ROLES, size=n, p=ROLE_P)
    culture = rng.choice(CULTURES, size=n, p=CULTURE_P)
    ids = np.array([f"M{seed:04d}{i:04d}" for i in range(n)])
    leaders = pd.DataFrame({"leader_id": ids, "arm": np.where(pilot, "pilot", "comparison"), "role": role,
                            "culture": culture, "org_unit": [f"unit-{u:02d}" for u in unit],
                            "tenure_years": np.round(rng.gamma(2.0, 2.5, n), 1)})
    # ---- true pulse change and the link
    u_trend = rng.normal(0, d.trend_sd * np.sqrt(d.trend_unit_share), n_units)
    trend = u_trend[unit] + rng.normal(0, d.trend_sd * np.sqrt(1 - d.trend_unit_share), n)
    change = d.pilot_gain * pilot + trend
    z = (change - change.mean()) / change.std()
    if d.shape == "loglinear":
        link_att, link_hr = np.exp(-d.beta_attrition * z), np.exp(-d.beta_hr * z)
    elif d.shape == "threshold":
        low = z < -0.43
        link_att, link_hr = np.where(low, np.exp(d.beta_attrition), 1.0), np.where(low, np.exp(d.beta_hr), 1.0)
    else:
        raise ValueError(f"unknown shape {d.shape!r}")
    climate = rng.normal(0, d.climate_sd, n) + rng.normal(0, 0.15, n_units)[unit]
    fr_u = {k: _gamma_frailty(rng, d.unit_frailty_cv, n_units) for k in ("att", "hr", "esc")}
    fr_l = {k: _gamma_frailty(rng, d.leader_frailty_cv, n) for k in ("att", "hr", "esc")}
    # ---- rosters: exits (piecewise hazard: link from day 0) with replacements
    team = np.clip(np.round(np.exp(np.log(d.team_median) + rng.normal(0, d.team_sigma, n))), 3, 30).astype(int)
    emp_rows = []
    eid = 0
    for i in range(n):  # one team at a time (a few thousand members in all)
        h0 = d.attrition_per_90d / 90.0 * fr_u["att"][unit[i]] * fr_l["att"][i]
        h1 = h0 * link_att[i]
        starts = list(pre_start - rng.integers(30, 2500, team[i]))
        k = 0
        while k < len(starts):
            s = starts[k]
            t = max(s, pre_start)
            # voluntary exit time: hazard h0 before day 0, h1 after
            e_pre = rng.exponential(1.0 / h0) if h0 > 0 else np.inf
            exit_day = t + e_pre if t + e_pre < 0 else None
            if exit_day is None:
                e_post = rng.exponential(1.0 / h1) if h1 > 0 else np.inf
                exit_day = max(t, 0) + e_post
            other = t + rng.exponential(90.0 / 0.015)  # involuntary exits and transfers, unlinked
            kind = "voluntary"
            if other < exit_day:
                exit_day, kind = other, ("involuntary" if rng.random() < 0.4 else "transfer")
            if exit_day < end:
                day = int(np.floor(exit_day))
                emp_rows.append((f"E{seed:04d}{eid:06d}", ids[i], int(s), day, kind))
                if rng.random() < 0.8 and len(starts) < 6 * team[i]:
                    starts.append(day + int(rng.integers(15, 70)))
            else:
                emp_rows.append((f"E{seed:04d}{eid:06d}", ids[i], int(s), None, None))
            eid += 1
            k += 1
    emp = pd.DataFrame(emp_rows, columns=["employee_id", "leader_id", "start", "end", "exit_type"])
    emp = emp[emp["start"] < end].reset_index(drop=True)
    employees = pd.DataFrame({
        "employee_id": emp["employee_id"], "leader_id": emp["leader_id"],
        "group": rng.choice(["g1", "g2"], size=len(emp)),
        "start_date": _date(emp["start"].to_numpy()),
        "end_date": pd.Timestamp(PILOT_START) + pd.to_timedelta(emp["end"].astype("float64"), unit="D"),
        "exit_type": emp["exit_type"], "promoted_date": pd.NaT,
    })
    # ---- incidents: monthly Poisson counts on the team's headcount
    inc_rows = []
    months = range(pre_start // 30, end // 30)
    start_arr, end_arr = emp["start"].to_numpy(dtype=float), emp["end"].to_numpy(dtype=float, na_value=np.inf)
    lid = pd.Series(np.arange(n), index=ids)[emp["leader_id"]].to_numpy()
    for mth in months:  # 18 months
        a, b = 30 * mth, 30 * mth + 30
        days = np.clip(np.minimum(end_arr, b) - np.maximum(start_arr, a), 0, None)
        pdays = np.bincount(lid, weights=days, minlength=n)
        after = a >= 0
        for kind, base, link in (("hr_incident", d.hr_per_100_90d, link_hr),
                                 ("escalation", d.escalation_per_100_90d, np.ones(n))):
            key = "hr" if kind == "hr_incident" else "esc"
            rate = base / 100.0 / 90.0 * fr_u[key][unit] * fr_l[key] * (link if after else 1.0)
            cnt = rng.poisson(rate * pdays)
            for i in np.nonzero(cnt)[0]:
                for day in rng.integers(a, b, cnt[i]):
                    inc_rows.append((ids[i], int(day), kind))
    inc = pd.DataFrame(inc_rows, columns=["leader_id", "day", "kind"])
    inc = inc[(inc["day"] >= pre_start) & (inc["day"] < end)]
    incidents = pd.DataFrame({"leader_id": inc["leader_id"], "date": _date(inc["day"].to_numpy()),
                              "kind": inc["kind"]})
    # ---- pulse survey: monthly, months -3..8, three items
    pulse_rows = []
    for mth in range(-3, 9):
        a = 30 * mth
        day_s = a + rng.integers(18, 29, n)
        level = 3.4 + climate + change * _ramp(day_s)
        cur = emp[(emp["start"] <= a) & (emp["end"].fillna(10**6) > a + 29)]
        take = cur[rng.random(len(cur)) < d.response_p]
        li = pd.Series(np.arange(n), index=ids)[take["leader_id"]].to_numpy()
        for item in ("Q1", "Q2", "Q3"):
            score = np.clip(np.round(level[li] + rng.normal(0, d.item_noise_sd, len(li))), 1, 5).astype(int)
            pulse_rows.append(pd.DataFrame({"leader_id": take["leader_id"].to_numpy(),
                                            "respondent_id": take["employee_id"].to_numpy(),
                                            "date": _date(day_s[li]), "item": item, "score": score}))
    pulse = pd.concat(pulse_rows, ignore_index=True)
    # ---- 360 ratings: self + 4 others, three waves, five items (independent midpoint change)
    rat = []
    wave_day = {"baseline": -12, "midpoint": 45, "endline": 86}
    theta = rng.normal(0, 0.4, n)
    gain = rng.normal(0.1, 0.2, n) * pilot
    for wave, day in wave_day.items():
        frac = {"baseline": 0.0, "midpoint": 0.5, "endline": 1.0}[wave]
        for r in range(5):
            rtype = "self" if r == 0 else ("manager" if r == 1 else "peer" if r < 4 else "direct_report")
            rid = np.array([f"R{seed:04d}{i:04d}{r}" for i in range(n)])
            for item in ("A1", "A2", "A3", "A4", "A5"):
                sc = np.clip(np.round(3.5 + theta + frac * gain + rng.normal(0, 0.6, n)), 1, 5).astype(int)
                rat.append(pd.DataFrame({"leader_id": ids, "rater_id": rid, "rater_type": rtype, "wave": wave,
                                         "date": _date(np.full(n, day)), "item": item, "score": sc}))
    ratings = pd.concat(rat, ignore_index=True)
    # ---- training log of pilot leaders: independent of outcomes (the null indicators)
    ses = []
    for i in np.nonzero(pilot)[0]:
        p_att = rng.beta(4, 1.5)
        s0, g = rng.normal(50, 12), rng.normal(25, 10)
        stall = rng.random() < 0.3
        for wk in range(12):
            if rng.random() < p_att:
                prog = min(wk, 4) / 11 if stall else wk / 11
                ses.append((ids[i], 7 * wk + int(rng.integers(0, 5)), "practice",
                            float(np.clip(round(s0 + g * prog + rng.normal(0, 3), 1), 0, 100)), np.nan))
        speed = rng.gamma(2.0, 20.0)
        for wk in range(0, 12, 2):
            if rng.random() < 0.85:
                ses.append((ids[i], 7 * wk + 3, "feedback", np.nan, round(float(rng.exponential(speed)), 1)))
        for _ in range(int(rng.integers(1, 4))):
            ses.append((ids[i], int(rng.integers(0, 85)), "coaching", np.nan, np.nan))
    s = pd.DataFrame(ses, columns=["leader_id", "day", "kind", "score", "feedback_latency_hours"])
    sessions = pd.DataFrame({"leader_id": s["leader_id"], "date": _date(s["day"].to_numpy()), "kind": s["kind"],
                             "score": s["score"], "feedback_latency_hours": s["feedback_latency_hours"]})
    settings = {"name": f"independent design, seed {seed}", "pilot_start": PILOT_START, "pilot_days": 90,
                "follow_up_days": d.follow_up_days, "scale_min": 1, "scale_max": 5, "min_group_size": 5,
                "min_raters_per_category": 3}
    tables = {"leaders": leaders, "ratings": ratings, "pulse": pulse, "employees": employees,
              "incidents": incidents, "sessions": sessions}
    truth = {"planted": {"voluntary_attrition": d.beta_attrition, "hr_incidents": d.beta_hr},
             "null_outcomes": ["escalations"],
             "null_indicators": ["empathy_360_midpoint_change", "practice_sessions", "practice_plateau",
                                 "feedback_within_48h_share"],
             "shape": d.shape, "n_units": n_units}
    return settings, tables, truth
