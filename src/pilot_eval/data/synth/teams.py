"""Team rosters, pulse surveys, incidents and the training log of a synthetic cohort."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from pilot_eval.data.config import MONTH_DAYS, CohortConfig
from pilot_eval.data.synth.columns import _Col, _ids, _lookup, _round_clip, _str_col
from pilot_eval.data.synth.params import *  # noqa: F403 (the planted parameters)
from pilot_eval.data.synth.people import _Leaders


def _ramp(day: np.ndarray | float) -> np.ndarray:
    start, full = PULSE_RAMP_DAYS
    return np.clip((np.asarray(day, dtype=np.float64) - start) / (full - start), 0.0, 1.0)


def _pulse_change(lead: _Leaders, pulse_effect: float, day: np.ndarray, leader: np.ndarray) -> np.ndarray:
    """True change of the leader's team pulse on ``day`` (scale points)."""
    return (lead.pilot[leader] * pulse_effect + lead.pulse_trend[leader]) * _ramp(day)


def _pilot_multiplier(lead: _Leaders, m_start: np.ndarray, ratio: float) -> np.ndarray:
    """Leader x month factor: ``ratio`` for pilot teams from month 0 (pilot_start) on, else 1.

    Multiplying a rate by it is exact when ``ratio == 1`` (the default cohort is unchanged).
    """
    return np.where(lead.pilot[:, None] & (m_start[None, :] >= 0), float(ratio), 1.0)


@dataclasses.dataclass
class _Roster:
    leader: np.ndarray
    start: np.ndarray  # int day from pilot_start
    end: np.ndarray  # float day, NaN = still there
    exit_type: np.ndarray  # codes into EXIT_TYPES, -1 none
    generation: np.ndarray


def _simulate_roster(rng: np.random.Generator, lead: _Leaders, pulse_effect: float,
                     cfg: CohortConfig, rate_ratio: dict[str, float] | None = None) -> _Roster:
    horizon = cfg.pilot_days + cfg.follow_up_days  # end of follow-up, days from pilot_start
    m_start = MONTH_DAYS * np.arange(-(cfg.pilot_days // MONTH_DAYS), horizon // MONTH_DAYS)
    pre_start = -cfg.pilot_days
    team0 = rng.integers(TEAM_SIZE_RANGE[0], TEAM_SIZE_RANGE[1] + 1, lead.n)
    leader = np.repeat(np.arange(lead.n), team0)
    start = pre_start - rng.integers(INITIAL_TENURE_DAYS[0], INITIAL_TENURE_DAYS[1] + 1, len(leader))
    # voluntary hazard per day by leader x month (pulse change at mid-month)
    mid = m_start + MONTH_DAYS / 2
    pc = _pulse_change(lead, pulse_effect, mid[None, :], np.arange(lead.n)[:, None])
    h_vol = EXIT_RATE_PER_90D["voluntary"] / 90 * np.exp(-HAZARD_BETA["voluntary_exit"] * pc)
    h_vol = h_vol * _pilot_multiplier(lead, m_start, (rate_ratio or {}).get("voluntary_exit", 1.0))
    h_inv = EXIT_RATE_PER_90D["involuntary"] / 90
    h_tr = EXIT_RATE_PER_90D["transfer"] / 90

    out: list[_Roster] = []
    for gen in range(MAX_GENERATIONS):
        if len(leader) == 0:
            break
        lo = np.maximum(m_start[None, :], start[:, None])
        exposure = np.clip(m_start[None, :] + MONTH_DAYS - lo, 0, MONTH_DAYS)
        hv = h_vol[leader]
        total = hv + h_inv + h_tr
        p_exit = 1.0 - np.exp(-total * exposure)
        hit = rng.random(p_exit.shape) < p_exit
        exited = hit.any(axis=1)
        first = np.argmax(hit, axis=1)
        rows = np.arange(len(leader))
        e_lo = lo[rows, first]
        e_len = exposure[rows, first]
        day = e_lo + np.floor(rng.random(len(leader)) * e_len)
        r = rng.random(len(leader)) * total[rows, first]
        kind = np.where(r < hv[rows, first], 0, np.where(r < hv[rows, first] + h_inv, 1, 2))
        end = np.where(exited, day, np.nan)
        out.append(_Roster(leader, start, end, np.where(exited, kind, -1),
                           np.full(len(leader), gen)))
        # replacement hires
        replace = exited & (rng.random(len(leader)) < REPLACEMENT_PROB)
        new_start = (end[replace] + rng.integers(REPLACEMENT_DELAY_DAYS[0],
                                                 REPLACEMENT_DELAY_DAYS[1] + 1, int(replace.sum())))
        keep = new_start < horizon
        leader = leader[replace][keep]
        start = new_start[keep].astype(np.int64)
    return _Roster(*(np.concatenate([getattr(o, f.name) for o in out])
                     for f in dataclasses.fields(_Roster)))


def _employees_table(rng: np.random.Generator, lead: _Leaders, roster: _Roster,
                     cfg: CohortConfig, promotion_prob: dict[str, float] | None = None,
                     transfers: tuple[np.random.Generator, float] | None = None,
                     ) -> tuple[dict[str, _Col], np.ndarray, dict[str, Any]]:
    n_emp = len(roster.leader)
    horizon = cfg.pilot_days + cfg.follow_up_days
    group_keys = (*GROUPS, "missing")
    cum = np.cumsum([GROUP_SHARE[g] for g in group_keys])
    group = np.minimum(np.searchsorted(cum / cum[-1], rng.random(n_emp), side="right"), len(group_keys) - 1)
    rates = {**PROMOTION_PROB, **(promotion_prob or {})}
    promo_p = np.array([rates[g] for g in group_keys])[group]
    lo = np.maximum(roster.start, -cfg.pilot_days).astype(np.float64)
    hi = np.where(np.isnan(roster.end), horizon, roster.end)
    promoted = (rng.random(n_emp) < promo_p) & (hi > lo)
    promo_day = np.where(promoted, lo + np.floor(rng.random(n_emp) * (hi - lo)), np.nan)
    pseudonym = rng.permutation(n_emp)  # employee -> code into employee labels
    labels = _ids("E", n_emp, 6)
    # stints: one per roster row, then the planted moves split some in two (own random stream)
    person = np.arange(n_emp)
    leader, start = roster.leader, roster.start.astype(np.float64)
    end, exit_type, promo = roster.end, roster.exit_type, promo_day
    moves: list[dict[str, Any]] = []
    if transfers is not None and transfers[1] > 0:
        person, leader, start, end, exit_type, promo, moves = _plant_transfers(
            transfers[0], transfers[1], lead, roster, promo_day, cfg)
    order = np.lexsort((pseudonym[person], start, leader))
    cols = {
        "employee_id": _str_col(pseudonym[person][order], labels),
        "leader_id": _str_col(leader[order], lead.ids),
        "group": _str_col(np.where(group == len(GROUPS), -1, group)[person][order], GROUPS),
        "start_date": _Col("date", start[order]),
        "end_date": _Col("date", end[order]),
        "exit_type": _str_col(exit_type[order], EXIT_TYPES),
        "promoted_date": _Col("date", promo[order]),
    }
    info: dict[str, Any] = {
        "n_employees": n_emp,
        "team_size_at_pre_start": np.bincount(roster.leader[roster.generation == 0], minlength=lead.n)}
    if transfers is not None:
        for m in moves:
            m["employee_id"] = str(labels[pseudonym[m.pop("person")]])
        info["moves"] = sorted(moves, key=lambda m: (m["date"], m["employee_id"]))
    return cols, pseudonym, info


def _plant_transfers(rng: np.random.Generator, share: float, lead: _Leaders, roster: _Roster,
                     promo_day: np.ndarray, cfg: CohortConfig,
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                list[dict[str, Any]]]:
    """Split ``share`` of the observed stints at a random day into a transfer stint + a new stint.

    Only stints that do not end in a voluntary or involuntary exit are moved
    (open stints and transfers out of the cohort): the exits were drawn from
    the first leader's pulse-linked hazard, so they stay with that leader.  A
    chosen stint ``[start, end]`` of leader A becomes ``[start, d - 1]`` with
    exit ``transfer`` and ``[d, end]`` (the original end and exit, if any)
    under a leader B != A drawn uniformly (so moves between arms happen at about the
    share of the other arm's leaders); ``d`` is uniform over the days that
    leave both stints at least one day inside the observed window.  A
    promotion stays on the stint whose days hold it.  Every draw comes from
    ``rng`` (the transfer stream), none from the cohort's main stream.
    """
    n = len(roster.leader)
    horizon = cfg.pilot_days + cfg.follow_up_days
    lo = np.maximum(roster.start, -cfg.pilot_days).astype(np.float64)  # first observed day
    last = np.where(np.isnan(roster.end), horizon - 1, np.minimum(roster.end, horizon - 1))
    # only stints that do not end in attrition: the exits were drawn from the first leader's hazard
    # (pulse-linked), so they stay with that leader and the planted links are not diluted
    stays = ~np.isin(roster.exit_type, [EXIT_TYPES.index("voluntary"), EXIT_TYPES.index("involuntary")])
    can = np.flatnonzero((last - lo >= 1) & stays & (lead.n > 1))
    k = int(round(share * len(can)))
    chosen = np.sort(rng.choice(can, size=k, replace=False)) if k else np.zeros(0, dtype=np.int64)
    day = lo[chosen] + 1 + np.floor(rng.random(k) * (last[chosen] - lo[chosen])).astype(np.int64)
    draw = rng.integers(0, max(lead.n - 1, 1), size=k)
    new_leader = draw + (draw >= roster.leader[chosen])
    transfer = EXIT_TYPES.index("transfer")
    # the old stint ends the day before the move; the new one runs to the original end
    old_end = roster.end.copy()
    old_end[chosen] = day - 1
    old_exit = roster.exit_type.copy()
    old_exit[chosen] = transfer
    later = promo_day[chosen] >= day  # the promotion happened in the new team
    old_promo = promo_day.copy()
    old_promo[chosen[later]] = np.nan
    new_promo = np.where(later, promo_day[chosen], np.nan)
    person = np.concatenate([np.arange(n), chosen])
    leader = np.concatenate([roster.leader, new_leader])
    start = np.concatenate([roster.start.astype(np.float64), day.astype(np.float64)])
    end = np.concatenate([old_end, roster.end[chosen]])
    exit_type = np.concatenate([old_exit, roster.exit_type[chosen]])
    promo = np.concatenate([old_promo, new_promo])
    arm = np.where(lead.pilot, "pilot", "comparison")
    moves = [{"person": int(p), "from_leader": str(lead.ids[a]), "to_leader": str(lead.ids[b]),
              "from_arm": str(arm[a]), "to_arm": str(arm[b]), "date": int(d)}
             for p, a, b, d in zip(chosen, roster.leader[chosen], new_leader, day)]
    return person, leader, start, end, exit_type, promo, moves


def _simulate_pulse(rng: np.random.Generator, lead: _Leaders, roster: _Roster, emp_code: np.ndarray,
                    pulse_effect: float, scale: tuple[int, int]) -> dict[str, _Col]:
    days = MONTH_DAYS * np.asarray(PULSE_MONTHS) + PULSE_DAY_IN_MONTH
    end = np.where(np.isnan(roster.end), np.inf, roster.end)
    active = (roster.start[:, None] <= days[None, :]) & (end[:, None] > days[None, :])
    answered = active & (rng.random(active.shape) < PULSE_RESPONSE_PROB)
    emp, mon = np.nonzero(answered)
    n_emp = len(roster.leader)
    resp_effect = rng.normal(0.0, PULSE_RESPONDENT_SD, n_emp)
    n_items = len(PULSE_ITEMS)
    r_emp = np.repeat(emp, n_items)
    r_mon = np.repeat(mon, n_items)
    r_item = np.tile(np.arange(n_items), len(emp))
    ldr = roster.leader[r_emp]
    day = days[r_mon]
    style = (_lookup(PULSE_STYLE_ROLE_OFFSET, ROLES)[lead.role]
             + _lookup(PULSE_STYLE_CULTURE_OFFSET, CULTURES)[lead.culture])
    latent = (PULSE_MEAN + lead.climate[ldr] + style[ldr] + _pulse_change(lead, pulse_effect, day, ldr)
              + resp_effect[r_emp] + np.asarray(PULSE_ITEM_OFFSET)[r_item]
              + rng.normal(0.0, PULSE_NOISE_SD, len(r_emp)))
    score = _round_clip(latent, *scale)
    score[rng.random(len(score)) < PULSE_MISSING_PROB] = np.nan
    code = emp_code[r_emp]
    order = np.lexsort((r_item, code, r_mon, ldr))
    return {
        "leader_id": _str_col(ldr[order], lead.ids),
        "respondent_id": _str_col(code[order], _ids("E", n_emp, 6)),
        "date": _Col("date", day[order].astype(np.float64)),
        "item": _str_col(r_item[order], PULSE_ITEMS),
        "score": _Col("int", score[order]),
    }


def _simulate_incidents(rng: np.random.Generator, lead: _Leaders, roster: _Roster,
                        pulse_effect: float, cfg: CohortConfig,
                        rate_ratio: dict[str, float] | None = None) -> dict[str, _Col]:
    horizon = cfg.pilot_days + cfg.follow_up_days
    m_start = MONTH_DAYS * np.arange(-(cfg.pilot_days // MONTH_DAYS), horizon // MONTH_DAYS)
    n_m = len(m_start)
    end = np.where(np.isnan(roster.end), np.inf, roster.end)
    lo = np.maximum(m_start[None, :], roster.start[:, None])
    hi = np.minimum(m_start[None, :] + MONTH_DAYS, end[:, None])
    member_days = np.clip(hi - lo, 0, MONTH_DAYS)
    flat = (roster.leader[:, None] * n_m + np.arange(n_m)[None, :]).ravel()
    person_days = np.bincount(flat, weights=member_days.ravel(), minlength=lead.n * n_m).reshape(lead.n, n_m)
    pc = _pulse_change(lead, pulse_effect, (m_start + MONTH_DAYS / 2)[None, :], np.arange(lead.n)[:, None])
    kinds = ("escalation", "hr_incident")
    beta = {"escalation": HAZARD_BETA["escalation"], "hr_incident": HAZARD_BETA["hr_incident"]}
    leaders, days, kind_codes = [], [], []
    for k_idx, kind in enumerate(kinds):
        lam = person_days * INCIDENT_RATE_PER_100_90D[kind] / 100 / 90 * np.exp(-beta[kind] * pc)
        lam = lam * _pilot_multiplier(lead, m_start, (rate_ratio or {}).get(kind, 1.0))
        counts = rng.poisson(lam).ravel()
        cell = np.repeat(np.arange(lead.n * n_m), counts)
        leaders.append(cell // n_m)
        days.append(m_start[cell % n_m] + rng.integers(0, MONTH_DAYS, len(cell)))
        kind_codes.append(np.full(len(cell), k_idx))
    ldr, day, kind_code = (np.concatenate(x) for x in (leaders, days, kind_codes))
    order = np.lexsort((kind_code, day, ldr))
    return {
        "leader_id": _str_col(ldr[order], lead.ids),
        "date": _Col("date", day[order].astype(np.float64)),
        "kind": _str_col(kind_code[order], kinds),
    }


def _simulate_sessions(rng: np.random.Generator, lead: _Leaders,
                       cfg: CohortConfig) -> tuple[dict[str, _Col], dict[str, Any]]:
    pil = np.flatnonzero(lead.pilot)
    n_p = len(pil)
    # practice: weekly, score rises; some leaders plateau after a few sessions
    weeks = PRACTICE_WEEKS
    p_leader = np.repeat(np.arange(n_p), weeks)
    p_week = np.tile(np.arange(weeks), n_p)
    p_day = 7 * p_week + rng.integers(0, 5, len(p_week))
    start = rng.normal(*PRACTICE_START, n_p)
    gain = np.maximum(rng.normal(*PRACTICE_GAIN, n_p), 5.0)
    plateau = rng.random(n_p) < PRACTICE_PLATEAU_SHARE
    plateau_after = rng.integers(PRACTICE_PLATEAU_AFTER[0], PRACTICE_PLATEAU_AFTER[1] + 1, n_p)
    limit = np.where(plateau, plateau_after, weeks - 1)
    progress = np.minimum(p_week, limit[p_leader]) / (weeks - 1)
    p_score = np.clip(np.round(start[p_leader] + gain[p_leader] * progress
                               + rng.normal(0, PRACTICE_NOISE_SD, len(p_week)), 1), 0, 100)
    p_score[rng.random(len(p_score)) < PRACTICE_SCORE_MISSING] = np.nan
    attend = rng.random(len(p_week)) < PRACTICE_ATTEND_PROB
    p_leader, p_day, p_score = p_leader[attend], p_day[attend], p_score[attend]

    # feedback: fortnightly; share within 48 h is the null indicator
    q = rng.beta(*NULL_INDICATOR_BETA, n_p)
    f_leader = np.repeat(np.arange(n_p), FEEDBACK_SESSIONS)
    f_k = np.tile(np.arange(FEEDBACK_SESSIONS), n_p)
    f_day = 14 * f_k + rng.integers(0, 11, len(f_k))
    fast = rng.random(len(f_k)) < q[f_leader]
    latency = np.where(fast, np.round(rng.uniform(0.5, 47.9, len(f_k)), 1),
                       np.round(48.1 + rng.exponential(36.0, len(f_k)), 1))
    attend = rng.random(len(f_k)) < FEEDBACK_ATTEND_PROB
    f_leader, f_day, latency, fast = f_leader[attend], f_day[attend], latency[attend], fast[attend]

    # coaching: a few per leader, anywhere in the pilot window
    n_c = rng.integers(COACHING_RANGE[0], COACHING_RANGE[1] + 1, n_p)
    c_leader = np.repeat(np.arange(n_p), n_c)
    c_day = rng.integers(0, cfg.pilot_days, len(c_leader))

    leader = np.concatenate([p_leader, f_leader, c_leader])
    day = np.concatenate([p_day, f_day, c_day])
    kind = np.concatenate([np.zeros(len(p_leader), np.int64), np.ones(len(f_leader), np.int64),
                           np.full(len(c_leader), 2)])
    score = np.concatenate([p_score, np.full(len(f_leader) + len(c_leader), np.nan)])
    lat = np.concatenate([np.full(len(p_leader), np.nan), latency, np.full(len(c_leader), np.nan)])
    order = np.lexsort((np.nan_to_num(lat, nan=-1), np.nan_to_num(score, nan=-1), kind, day, leader))
    cols = {
        "leader_id": _str_col(pil[leader[order]], lead.ids),
        "date": _Col("date", day[order].astype(np.float64)),
        "kind": _str_col(kind[order], ("practice", "feedback", "coaching")),
        "score": _Col("float", score[order]),
        "feedback_latency_hours": _Col("float", lat[order]),
    }
    n_fb = np.bincount(f_leader, minlength=n_p)
    realised = np.bincount(f_leader, weights=fast, minlength=n_p) / np.maximum(n_fb, 1)
    info = {
        "pilot_index": pil,
        "plateau": plateau,
        "plateau_after_session": np.where(plateau, plateau_after, -1),
        "fast_feedback_prob": q,
        "fast_feedback_share": np.where(n_fb > 0, realised, np.nan),
    }
    return cols, info
