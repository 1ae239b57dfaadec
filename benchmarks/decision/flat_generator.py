"""A second, independent cohort generator for the decision benchmark ("flat" design).

It shares no code and no structure with :mod:`pilot_eval.data.synth` (the
generator the project was built on), so the decision rule's error rates are
not measured only on the cohorts it was tuned on.  What differs:

* **no nesting**: org units are crossed with culture (a unit mixes cultures),
  about one unit per 15 leaders, and the unit shifts every outcome (cluster
  effect on empathy, team climate and incident rates);
* **scale 1..7** for the 360 and the pulse (the project's sample uses 1..5),
  six 360 items, five pulse items;
* **raters**: one unit head rates every leader of the unit, peers are other
  leaders of the same unit, direct reports are drawn afresh at every wave
  from the leader's current team (so the rater panel changes between waves);
* **selection on role and tenure** (not on culture), a secular rating drift
  common to both arms, and a training effect that varies between pilot
  leaders (sd 30 % of its mean);
* **teams** of very unequal size (2 to ~25, log-normal), exits and incidents
  with team-level gamma frailty (overdispersed counts), a step change in the
  pilot teams' rates from day 30 (not a ramp through the pulse);
* observations: four binary behaviours, one session a month, 25 % double
  coded by a pool of six observers; no sessions table (the training log is
  optional in the contract).

:func:`simulate_flat` returns a :class:`pilot_eval.data.cohort.Cohort` typed
as :func:`pilot_eval.data.cohort.load_cohort` types a folder;
:func:`write_flat` writes the same tables as CSV in the data contract (the
smoke test checks that the folder validates and loads to the same frames).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pilot_eval.data.cohort import Cohort
from pilot_eval.data.config import DEFAULT_TARGETS, CohortConfig

PILOT_START = pd.Timestamp("2026-03-02")
SCALE = (1, 7)
ROLES = ("supervisor", "manager", "head_of")
ROLE_SHARE = (0.50, 0.35, 0.15)
CULTURES = ("north", "south", "east", "west")
THETA_SD, UNIT_SD = 0.55, 0.20
RATING_MEAN, DRIFT = 4.6, 0.15  # drift at endline, both arms
ITEM_OFFSET = (0.2, -0.1, 0.0, -0.25, 0.1, 0.05)
RATER_OFFSET = {"self": 0.45, "manager": -0.15, "peer": 0.0, "direct_report": 0.15}
CULTURE_STYLE = {"north": -0.2, "south": 0.25, "east": 0.0, "west": 0.1}
RATER_SD, NOISE_SD, DONT_KNOW = 0.40, 0.80, 0.03
WAVES = (("baseline", -20, -6, 0.0), ("midpoint", 40, 50, 0.5), ("endline", 80, 89, 1.0))
EFFECT_SD_SHARE = 0.30
HR_RATE, ESC_RATE = 5.0, 12.0  # per 100 members per 90 days
VOL_RATE, INVOL_RATE, TRANSFER_RATE = 0.05, 0.01, 0.01  # per member per 90 days
FRAILTY_SHAPE = 2.0
PROMOTION_PER_YEAR = 0.12
STEP_DAY = 30  # the pilot teams' rates change from this day
PULSE_MEAN, PULSE_STEP_MONTH = 4.8, 1
BEHAVIOURS = ("invited_concerns", "reflected_feelings", "checked_understanding", "offered_support")
MONTHS = range(-3, 9)  # pre window (3 months), pilot (3), follow-up (6)


@dataclasses.dataclass(frozen=True)
class FlatScenario:
    """Planted truth of a flat cohort (all pilot vs comparison, from the step day on).

    ``effect`` is the mean 360 gain at endline in scale points (1..7);
    ``pulse_effect`` the pulse gain in scale points; ``rate_ratio`` the
    multipliers of the pilot teams' HR incidents, escalations and voluntary exits.
    """

    effect: float = 0.0
    pulse_effect: float = 0.0
    behaviour_logit: float = 0.0
    rate_ratio: dict[str, float] = dataclasses.field(default_factory=dict)


def _date(days: np.ndarray) -> pd.Series:
    return pd.Series(PILOT_START + pd.to_timedelta(np.asarray(days, dtype="float64"), unit="D")).astype(
        "datetime64[ns]")


def _text(values: Any) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=object)).astype("str")


def _ids(prefix: str, codes: np.ndarray) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(np.asarray(codes).astype(str), 5)).astype(object)


def simulate_flat(n_pilot: int, n_comparison: int, seed: int, scenario: FlatScenario) -> tuple[Cohort, dict]:
    """A flat-design cohort in memory and its planted truth."""
    rng = np.random.default_rng([seed, 7001])
    n = n_pilot + n_comparison
    role = rng.choice(len(ROLES), n, p=ROLE_SHARE)
    culture = rng.integers(0, len(CULTURES), n)
    n_units = max(4, int(round(n / 15)))
    unit = rng.integers(0, n_units, n)
    tenure = np.round(rng.lognormal(1.2, 0.7, n), 1)
    tenure_obs = np.where(rng.random(n) < 0.02, np.nan, tenure)
    keys = 0.8 * (role == 1) - 0.4 * (role == 2) + 0.3 * (np.log(tenure) - 1.2) / 0.7 + rng.gumbel(size=n)
    pilot = np.zeros(n, dtype=bool)
    pilot[np.argsort(-keys, kind="stable")[:n_pilot]] = True
    unit_fx = rng.normal(0, UNIT_SD, n_units)
    theta = rng.normal(0, THETA_SD, n) + unit_fx[unit]
    gain = np.where(pilot, scenario.effect * (1 + EFFECT_SD_SHARE * rng.standard_normal(n)), 0.0)
    lid = _ids("M", rng.permutation(n) + 1)
    leaders = pd.DataFrame({
        "leader_id": _text(lid), "arm": _text(np.where(pilot, "pilot", "comparison")),
        "role": _text(np.asarray(ROLES, dtype=object)[role]),
        "culture": _text(np.asarray(CULTURES, dtype=object)[culture]),
        "org_unit": _text(np.char.add("unit-", np.char.zfill((unit + 1).astype(str), 2))),
        "tenure_years": pd.Series(tenure_obs, dtype="float64"),
    })

    # ---- teams: members, exits (frailty), replacements -----------------------------------
    size = np.clip(np.round(rng.lognormal(np.log(7.5), 0.55, n)), 2, 30).astype(int)
    frailty = {k: rng.gamma(FRAILTY_SHAPE, 1 / FRAILTY_SHAPE, n) for k in ("vol", "hr", "esc")}
    rr = {"voluntary_exit": 1.0, "hr_incident": 1.0, "escalation": 1.0, **scenario.rate_ratio}
    start_day, end_day = -90, 270
    m_leader, m_start, m_end, m_exit = [], [], [], []
    queue_leader = np.repeat(np.arange(n), size)
    queue_start = -90 - rng.integers(30, 2500, len(queue_leader))
    for _ in range(4):  # generations of replacements
        if not len(queue_leader):
            break
        vol = VOL_RATE / 90 * frailty["vol"][queue_leader]
        t0 = np.maximum(queue_start, start_day).astype(float)
        # piecewise hazard: before STEP_DAY base, after it base * rr for pilot teams
        h_after = vol * np.where(pilot[queue_leader], rr["voluntary_exit"], 1.0)
        other = (INVOL_RATE + TRANSFER_RATE) / 90
        e1 = rng.exponential(1.0, len(queue_leader))
        span1 = np.clip(STEP_DAY - t0, 0, None)
        cum1 = (vol + other) * span1
        t_exit = np.where(e1 < cum1, t0 + e1 / (vol + other),
                          np.maximum(t0, STEP_DAY) + (e1 - cum1) / (h_after + other))
        h_at = np.where(t_exit < STEP_DAY, vol, h_after)
        kind = np.where(rng.random(len(t_exit)) < h_at / (h_at + other), 0,
                        np.where(rng.random(len(t_exit)) < 0.5, 1, 2))
        left = t_exit < end_day
        m_leader.append(queue_leader)
        m_start.append(queue_start)
        m_end.append(np.where(left, np.floor(t_exit), np.nan))
        m_exit.append(np.where(left, kind, -1))
        rep = left & (rng.random(len(left)) < 0.9)
        new_start = np.floor(t_exit[rep]) + rng.integers(10, 75, int(rep.sum()))
        keep = new_start < end_day
        queue_leader, queue_start = queue_leader[rep][keep], new_start[keep].astype(int)
    e_leader, e_start, e_end, e_exit = (np.concatenate(x) for x in (m_leader, m_start, m_end, m_exit))
    n_emp = len(e_leader)
    e_id = _ids("W", rng.permutation(n_emp) + 1)
    group = rng.choice(3, n_emp, p=(0.6, 0.35, 0.05))  # X, Y, missing
    e_hi = np.where(np.isnan(e_end), end_day, e_end)
    e_lo = np.maximum(e_start, start_day).astype(float)
    promoted = rng.random(n_emp) < PROMOTION_PER_YEAR * np.clip((e_hi - e_lo) / 360, 0, 1)  # equal by group
    promo_day = np.where(promoted, np.floor(e_lo + rng.random(n_emp) * np.maximum(e_hi - e_lo - 1, 0)), np.nan)
    exit_labels = np.array(["voluntary", "involuntary", "transfer", None], dtype=object)
    employees = pd.DataFrame({
        "employee_id": _text(e_id), "leader_id": _text(lid[e_leader]),
        "group": _text(np.array(["X", "Y", None], dtype=object)[group]),
        "start_date": _date(e_start), "end_date": _date(e_end),
        "exit_type": _text(exit_labels[np.where(e_exit < 0, 3, e_exit)]),
        "promoted_date": _date(promo_day),
    }).sort_values(["leader_id", "start_date", "employee_id"], ignore_index=True)

    # ---- incidents: Poisson per team x 30-day block, frailty, step at STEP_DAY -------------
    months = np.asarray(list(MONTHS))
    lo_m, hi_m = 30 * months, 30 * months + 30
    member_days = np.clip(np.minimum(e_hi[:, None], hi_m[None, :]) - np.maximum(e_start[:, None], lo_m[None, :]),
                          0, 30)
    person_days = np.zeros((n, len(months)))
    np.add.at(person_days, e_leader, member_days)
    inc_rows = []
    for kind, base, key in (("hr_incident", HR_RATE, "hr"), ("escalation", ESC_RATE, "esc")):
        mult = np.where(pilot[:, None] & (lo_m[None, :] >= STEP_DAY), rr[kind], 1.0)
        lam = person_days * base / 100 / 90 * frailty[key][:, None] * mult
        counts = rng.poisson(lam)
        li, mi = np.nonzero(counts)
        li, mi = np.repeat(li, counts[li, mi]), np.repeat(mi, counts[li, mi])
        inc_rows.append(pd.DataFrame({"l": li, "day": lo_m[mi] + rng.integers(0, 30, len(li)), "kind": kind}))
    inc = pd.concat(inc_rows, ignore_index=True)
    incidents = pd.DataFrame({"leader_id": _text(lid[inc["l"].to_numpy()]), "date": _date(inc["day"].to_numpy()),
                              "kind": _text(inc["kind"].to_numpy())}).sort_values(
        ["leader_id", "date", "kind"], ignore_index=True)

    # ---- 360 ratings ------------------------------------------------------------------------
    rows = []
    head_sev = rng.normal(0, RATER_SD, n_units)
    style = np.array([CULTURE_STYLE[c] for c in CULTURES])[culture]
    peer_sev = rng.normal(0, RATER_SD, n)
    for i in range(n):
        i_unit = unit[i]
        mates = np.flatnonzero((unit == i_unit) & (np.arange(n) != i))
        peers = rng.choice(mates, min(len(mates), int(rng.integers(2, 5))), replace=False)
        team = np.flatnonzero(e_leader == i)
        for w, (wave, d0, d1, frac) in enumerate(WAVES):
            day = (d0 + d1) / 2
            current = team[(e_start[team] <= day) & (e_hi[team] > day)]
            drs = rng.choice(current, min(len(current), int(rng.integers(3, 8))), replace=False)
            raters = ([("self", f"S{lid[i]}", 0.0)] + [("manager", f"H{i_unit:03d}", head_sev[i_unit])]
                      + [("peer", f"P{lid[j]}", peer_sev[j]) for j in peers]
                      + [("direct_report", f"D{e_id[k]}", rng.normal(0, RATER_SD)) for k in drs])
            for rtype, rid, sev in raters:
                if rtype != "self" and rng.random() > 0.85:
                    continue
                latent = (RATING_MEAN + theta[i] + style[i] + RATER_OFFSET[rtype] + sev + DRIFT * frac
                          + gain[i] * frac + np.asarray(ITEM_OFFSET) + rng.normal(0, NOISE_SD, len(ITEM_OFFSET)))
                score = np.clip(np.rint(latent), *SCALE)
                score[rng.random(len(score)) < DONT_KNOW] = np.nan
                rows.append((lid[i], rid, rtype, wave, int(rng.integers(d0, d1 + 1)), score))
    r_leader = np.repeat([r[0] for r in rows], len(ITEM_OFFSET))
    ratings = pd.DataFrame({
        "leader_id": _text(r_leader), "rater_id": _text(np.repeat([r[1] for r in rows], len(ITEM_OFFSET))),
        "rater_type": _text(np.repeat([r[2] for r in rows], len(ITEM_OFFSET))),
        "wave": _text(np.repeat([r[3] for r in rows], len(ITEM_OFFSET))),
        "date": _date(np.repeat([r[4] for r in rows], len(ITEM_OFFSET))),
        "item": _text(np.tile([f"Q{k}" for k in range(1, len(ITEM_OFFSET) + 1)], len(rows))),
        "score": pd.array(np.concatenate([r[5] for r in rows]), dtype="Float64").astype("Int64"),
    })
    ratings = ratings.sort_values(["leader_id", "wave", "rater_id", "item"], ignore_index=True)

    # ---- pulse -------------------------------------------------------------------------------
    climate = rng.normal(0, 0.4, n) + 0.5 * unit_fx[unit]
    p_day = 30 * months + 10
    active = (e_start[:, None] <= p_day[None, :]) & (e_hi[:, None] > p_day[None, :])
    answered = active & (rng.random(active.shape) < 0.7)
    ei, mi = np.nonzero(answered)
    resp_fx = rng.normal(0, 0.5, n_emp)
    k_items = 5
    ei_r, mi_r = np.repeat(ei, k_items), np.repeat(mi, k_items)
    ldr = e_leader[ei_r]
    latent = (PULSE_MEAN + climate[ldr] + resp_fx[ei_r]
              + scenario.pulse_effect * (pilot[ldr] & (months[mi_r] >= PULSE_STEP_MONTH))
              + rng.normal(0, 0.9, len(ei_r)))
    p_score = np.clip(np.rint(latent), *SCALE)
    p_score[rng.random(len(p_score)) < 0.02] = np.nan
    pulse = pd.DataFrame({
        "leader_id": _text(lid[ldr]), "respondent_id": _text(e_id[ei_r]), "date": _date(p_day[mi_r]),
        "item": _text(np.tile([f"T{k}" for k in range(1, k_items + 1)], len(ei))),
        "score": pd.array(p_score, dtype="Float64").astype("Int64"),
    }).sort_values(["leader_id", "date", "respondent_id", "item"], ignore_index=True)

    # ---- observations ------------------------------------------------------------------------
    s_leader, s_month = np.repeat(np.arange(n), 5), np.tile(np.arange(-2, 3), n)
    held = rng.random(len(s_leader)) > 0.15
    s_leader, s_month = s_leader[held], s_month[held]
    n_s = len(s_leader)
    s_day = 30 * s_month + rng.integers(0, 30, n_s)
    lag = np.clip(s_month / 2, 0, 1)  # months 0, 1, 2 -> 0, 0.5, 1
    obs1 = rng.integers(0, 6, n_s)
    double = rng.random(n_s) < 0.25
    obs2 = (obs1 + rng.integers(1, 6, n_s)) % 6
    o_rows = []
    for b, code in enumerate(BEHAVIOURS):
        p = 1 / (1 + np.exp(-(-0.3 + 0.2 * b + 1.5 * theta[s_leader]
                               + scenario.behaviour_logit * lag * pilot[s_leader])))
        state = rng.random(n_s) < p
        for who, mask in ((obs1, np.ones(n_s, bool)), (obs2, double)):
            flip = rng.random(n_s) < 0.05
            o_rows.append(pd.DataFrame({"s": np.flatnonzero(mask), "o": who[mask], "b": code,
                                        "v": (state ^ flip)[mask].astype(int)}))
    ob = pd.concat(o_rows, ignore_index=True)
    observations = pd.DataFrame({
        "session_id": _text(_ids("V", ob["s"].to_numpy() + 1)), "leader_id": _text(lid[s_leader[ob["s"]]]),
        "observer_id": _text(np.char.add("C", ob["o"].to_numpy().astype(str))),
        "date": _date(s_day[ob["s"]]), "behaviour": _text(ob["b"].to_numpy()),
        "value": pd.array(ob["v"].to_numpy(), dtype="Int64"),
    }).sort_values(["session_id", "observer_id", "behaviour"], ignore_index=True)
    behaviours = pd.DataFrame({
        "behaviour": _text(BEHAVIOURS), "scale": _text(["binary"] * 4),
        "description": _text(["Invites the other person to say what worries them.",
                              "Reflects back the feeling behind what was said.",
                              "Checks that they understood before answering.",
                              "Offers concrete support and agrees a next step."]),
        "roles": _text(["all"] * 4),
    })

    cfg = CohortConfig(name=f"Flat-design benchmark cohort (seed {seed})", pilot_start=PILOT_START.date(),
                       pilot_days=90, follow_up_days=180, scale_min=SCALE[0], scale_max=SCALE[1],
                       min_group_size=5, min_raters_per_category=3,
                       targets={**DEFAULT_TARGETS, "empathy_360_change_pct": 10.0, "leaders_improved_pct": 60.0,
                                "hr_incidents_change_pct": -30.0})  # as load_cohort fills them in
    tables = {"leaders": leaders, "ratings": ratings, "observations": observations, "behaviours": behaviours,
              "pulse": pulse, "employees": employees, "incidents": incidents}
    truth = {"generator": "flat", "seed": seed, "n_pilot": n_pilot, "n_comparison": n_comparison,
             **dataclasses.asdict(scenario), "n_units": n_units}
    return Cohort(Path(f"<flat cohort, seed {seed}>"), cfg, tables, {}), truth


def write_flat(cohort: Cohort, folder: str | Path) -> Path:
    """Write a flat cohort as a contract folder (CSV tables + cohort.toml)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cfg = cohort.config
    toml = [f'name = "{cfg.name}"', f"pilot_start = {cfg.pilot_start.isoformat()}",
            f"pilot_days = {cfg.pilot_days}", f"follow_up_days = {cfg.follow_up_days}",
            f"scale_min = {cfg.scale_min}", f"scale_max = {cfg.scale_max}",
            f"min_group_size = {cfg.min_group_size}", f"min_raters_per_category = {cfg.min_raters_per_category}",
            "", "[targets]", *(f"{k} = {v:g}" for k, v in cfg.targets.items())]
    (folder / "cohort.toml").write_text("\n".join(toml) + "\n", encoding="utf-8")
    for name, frame in cohort.tables.items():
        out = frame.copy()
        for col in out.columns:
            if pd.api.types.is_datetime64_any_dtype(out[col]):
                out[col] = out[col].dt.strftime("%Y-%m-%d")
        out.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
    return folder
