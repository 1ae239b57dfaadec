"""Leaders, the 360 ratings and the observed behaviours of a synthetic cohort."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from pilot_eval.data.config import MONTH_DAYS
from pilot_eval.data.synth.columns import _Col, _ids, _lookup, _quota, _r, _round_clip, _str_col
from pilot_eval.data.synth.params import *  # noqa: F403 (the planted parameters)


# --------------------------------------------------------------------------
# Simulation steps
# --------------------------------------------------------------------------
@dataclasses.dataclass
class _Leaders:
    n: int
    role: np.ndarray  # codes into ROLES
    culture: np.ndarray  # codes into CULTURES
    unit: np.ndarray  # codes into unit_labels
    unit_labels: np.ndarray
    tenure: np.ndarray
    pilot: np.ndarray  # bool
    logit: np.ndarray
    theta: np.ndarray
    climate: np.ndarray
    pulse_trend: np.ndarray
    ids: np.ndarray


def _simulate_leaders(rng: np.random.Generator, n_pilot: int, n_comparison: int) -> _Leaders:
    n = n_pilot + n_comparison
    role = rng.permutation(np.repeat(np.arange(len(ROLES)), _quota(n, ROLE_SHARE)))
    culture = rng.permutation(np.repeat(np.arange(len(CULTURES)), _quota(n, CULTURE_SHARE)))

    # org units nested in cultures, unequal sizes (gamma weights)
    n_units = np.asarray(UNITS_PER_CULTURE)
    first_unit = np.concatenate([[0], np.cumsum(n_units)[:-1]])
    weights = np.zeros((len(CULTURES), n_units.max()))
    mask = np.arange(n_units.max())[None, :] < n_units[:, None]
    weights[mask] = rng.gamma(UNIT_WEIGHT_SHAPE, 1.0, size=int(mask.sum()))
    cum = np.cumsum(weights, axis=1) / weights.sum(axis=1, keepdims=True)
    u = rng.random(n)
    within = (u[:, None] > cum[culture]).sum(axis=1)
    within = np.minimum(within, n_units[culture] - 1)
    # every unit first gets up to MIN_LEADERS_PER_UNIT leaders (round robin over a
    # random order within the culture), the rest follow the unequal weights
    n_cult = np.bincount(culture, minlength=len(CULTURES))
    order = np.lexsort((rng.random(n), culture))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - np.concatenate([[0], np.cumsum(n_cult)[:-1]])[culture[order]]
    guaranteed = np.minimum(MIN_LEADERS_PER_UNIT, n_cult // n_units) * n_units
    fixed = rank < guaranteed[culture]
    within = np.where(fixed, rank % n_units[culture], within)
    unit = first_unit[culture] + within
    unit_labels = np.concatenate(
        [np.strings.add(f"{c}-", np.strings.zfill(np.arange(1, k + 1).astype(np.str_), 2))
         for c, k in zip(CULTURES, UNITS_PER_CULTURE)]
    ).astype(object)

    tenure = np.round(rng.gamma(TENURE_GAMMA[0], TENURE_GAMMA[1], size=n), 1)
    tenure[rng.random(n) < TENURE_MISSING] = np.nan

    # selection: Gumbel top-k on the logit propensity = weighted sampling
    # without replacement with weights exp(logit)
    logit = (_lookup(SELECTION_ROLE_LOGIT, ROLES)[role]
             + _lookup(SELECTION_CULTURE_LOGIT, CULTURES)[culture])
    keys = logit + rng.gumbel(size=n)
    pilot = np.zeros(n, dtype=bool)
    pilot[np.argsort(-keys, kind="stable")[:n_pilot]] = True

    theta = rng.normal(0.0, THETA_SD, n)
    climate = rng.normal(0.0, PULSE_CLIMATE_SD, n)
    pulse_trend = rng.normal(0.0, PULSE_TREND_SD, n)
    return _Leaders(n, role, culture, unit, unit_labels, tenure, pilot, logit, theta,
                    climate, pulse_trend, _ids("L", n))


def _leaders_table(lead: _Leaders) -> dict[str, _Col]:
    return {
        "leader_id": _str_col(np.arange(lead.n), lead.ids),
        "arm": _str_col(np.where(lead.pilot, 0, 1), ("pilot", "comparison")),
        "role": _str_col(lead.role, ROLES),
        "culture": _str_col(lead.culture, CULTURES),
        "org_unit": _str_col(lead.unit, lead.unit_labels),
        "tenure_years": _Col("float", lead.tenure),
    }


def _simulate_ratings(rng: np.random.Generator, lead: _Leaders, effect: float,
                      scale: tuple[int, int]) -> tuple[dict[str, _Col], dict[str, Any]]:
    n = lead.n
    n_unit_labels = len(lead.unit_labels)
    unit_size = np.bincount(lead.unit, minlength=n_unit_labels)

    # rater entities: self (one per leader), unit manager pools, unit peer pools, direct reports
    n_peer = rng.integers(PEERS_RANGE[0], PEERS_RANGE[1] + 1, n)
    n_dr = rng.integers(DIRECT_REPORTS_RANGE[0], DIRECT_REPORTS_RANGE[1] + 1, n)
    n_mgr_u = np.maximum(1, -(-unit_size // LEADERS_PER_MANAGER))
    pool_u = np.maximum(8, np.ceil(PEER_POOL_FACTOR * unit_size).astype(np.int64))
    mgr_base = n
    mgr_first = mgr_base + np.concatenate([[0], np.cumsum(n_mgr_u)[:-1]])
    peer_base = mgr_base + int(n_mgr_u.sum())
    peer_first = peer_base + np.concatenate([[0], np.cumsum(pool_u)[:-1]])
    dr_base = peer_base + int(pool_u.sum())
    n_entities = dr_base + int(n_dr.sum())

    mgr = mgr_first[lead.unit] + np.floor(rng.random(n) * n_mgr_u[lead.unit]).astype(np.int64)
    # peers: n_peer distinct members of the unit's pool, by Floyd's algorithm run
    # for all leaders at once (a loop over the <= 5 draws, memory O(leaders))
    kmax = PEERS_RANGE[1]
    pool = pool_u[lead.unit]
    pick = np.full((n, kmax), -1, dtype=np.int64)
    for step in range(kmax):
        j = pool - kmax + step  # Floyd: j runs over pool - k .. pool - 1
        t = np.floor(rng.random(n) * (j + 1)).astype(np.int64)
        taken = (pick == t[:, None]).any(axis=1)
        pick[:, step] = np.where(step >= kmax - n_peer, np.where(taken, j, t), -1)
    use = pick >= 0
    peer_leader = np.broadcast_to(np.arange(n)[:, None], (n, kmax))[use]
    peer_entity = (peer_first[lead.unit][:, None] + pick)[use]
    dr_leader = np.repeat(np.arange(n), n_dr)
    dr_entity = dr_base + np.arange(int(n_dr.sum()))

    pair_leader = np.concatenate([np.arange(n), np.arange(n), peer_leader, dr_leader])
    pair_entity = np.concatenate([np.arange(n), mgr, peer_entity, dr_entity])
    pair_type = np.concatenate([np.zeros(n, np.int64), np.ones(n, np.int64),
                                np.full(len(peer_leader), 2), np.full(len(dr_leader), 3)])
    n_pairs = len(pair_leader)
    severity = rng.normal(0.0, RATER_SEVERITY_SD, n_entities)
    pair_effect = rng.normal(0.0, RATER_LEADER_SD, n_pairs)
    pseudonym = rng.permutation(n_entities)  # entity -> code into rater labels
    rater_labels = _ids("R", n_entities, 5)

    # responses: pair x wave
    n_waves = len(WAVES)
    resp_pair = np.repeat(np.arange(n_pairs), n_waves)
    resp_wave = np.tile(np.arange(n_waves), n_pairs)
    answered = (pair_type[resp_pair] == 0) | (rng.random(len(resp_pair)) < RESPONSE_PROB)
    # every invited rater answers at least one wave: a rater who would miss all
    # three answers a randomly chosen one, so the data show the whole rater panel
    silent = ~answered.reshape(n_pairs, n_waves).any(axis=1)
    fallback = rng.integers(0, n_waves, n_pairs)
    answered |= (silent[:, None] & (np.arange(n_waves)[None, :] == fallback[:, None])).ravel()
    resp_pair, resp_wave = resp_pair[answered], resp_wave[answered]
    lo = np.array([w[0] for w in WAVE_DAYS])
    hi = np.array([w[1] for w in WAVE_DAYS])
    resp_day = rng.integers(lo[resp_wave], hi[resp_wave] + 1)

    # rows: response x item
    n_items = len(ITEMS)
    row_resp = np.repeat(np.arange(len(resp_pair)), n_items)
    row_item = np.tile(np.arange(n_items), len(resp_pair))
    p = resp_pair[row_resp]
    w = resp_wave[row_resp]
    ldr = pair_leader[p]
    frac = np.asarray(WAVE_FRACTION)[w]
    style = (_lookup(STYLE_ROLE_OFFSET, ROLES)[lead.role]
             + _lookup(STYLE_CULTURE_OFFSET, CULTURES)[lead.culture])
    drift = (_lookup(DRIFT_ROLE, ROLES)[lead.role] + _lookup(DRIFT_CULTURE, CULTURES)[lead.culture])
    latent = (RATING_MEAN + lead.theta[ldr] + np.asarray(ITEM_OFFSET)[row_item] + style[ldr]
              + drift[ldr] * frac + _lookup(RATER_TYPE_OFFSET, RATER_TYPES)[pair_type[p]]
              + severity[pair_entity[p]] + pair_effect[p] + effect * frac * lead.pilot[ldr]
              + rng.normal(0.0, RATING_NOISE_SD, len(row_resp)))
    score = _round_clip(latent, *scale)
    score[rng.random(len(score)) < DONT_KNOW_PROB] = np.nan

    rater_code = pseudonym[pair_entity[p]]
    order = np.lexsort((row_item, rater_code, w, ldr))
    cols = {
        "leader_id": _str_col(ldr[order], lead.ids),
        "rater_id": _str_col(rater_code[order], rater_labels),
        "rater_type": _str_col(pair_type[p][order], RATER_TYPES),
        "wave": _str_col(w[order], WAVES),
        "date": _Col("date", resp_day[row_resp][order].astype(np.float64)),
        "item": _str_col(row_item[order], ITEMS),
        "score": _Col("int", score[order]),
    }

    # expected biases (latent scale, this sample's arm composition)
    if lead.pilot.all():
        comp_style = comp_drift = float("nan")
    else:
        comp_style = float(style[~lead.pilot].mean())
        comp_drift = float(drift[~lead.pilot].mean())
    pil_style, pil_drift = float(style[lead.pilot].mean()), float(drift[lead.pilot].mean())
    has_comp = not lead.pilot.all()
    bias = {
        "note": ("latent scale points before rounding/clipping, from this sample's arm "
                 "composition (role and culture only; chance differences in theta excluded)"),
        "naive_endline": _r(pil_style + pil_drift - comp_style - comp_drift) if has_comp else None,
        "naive_midpoint": _r(pil_style + pil_drift / 2 - comp_style - comp_drift / 2) if has_comp else None,
        "naive_baseline": _r(pil_style - comp_style) if has_comp else None,
        "prepost_endline": _r(pil_drift),
        "prepost_midpoint": _r(pil_drift / 2),
        "did_endline": _r(pil_drift - comp_drift) if has_comp else None,
        "did_midpoint": _r((pil_drift - comp_drift) / 2) if has_comp else None,
        "mean_drift_pilot": _r(pil_drift),
        "mean_drift_comparison": _r(comp_drift) if has_comp else None,
        "theta_difference_pilot_minus_comparison": (
            _r(lead.theta[lead.pilot].mean() - lead.theta[~lead.pilot].mean()) if has_comp else None),
    }
    info = {
        "n_raters": int(n_entities),
        "peers_per_leader": n_peer,
        "direct_reports_per_leader": n_dr,
        "expected_bias": bias,
        "style": style,
        "drift": drift,
    }
    return cols, info


def _simulate_observations(rng: np.random.Generator, lead: _Leaders, effect: float,
                           scale: tuple[int, int]) -> tuple[dict[str, _Col], dict[str, Any]]:
    n = lead.n
    months = np.asarray(OBS_MONTHS)
    s_leader = np.repeat(np.arange(n), len(months))
    s_month = np.tile(months, n)
    held = rng.random(len(s_leader)) >= SESSION_MISSED_PROB
    s_leader, s_month = s_leader[held], s_month[held]
    n_sess = len(s_leader)
    s_day = MONTH_DAYS * s_month + rng.integers(0, MONTH_DAYS, n_sess)
    session_labels = _ids("S", n_sess, 5)  # sessions are in (leader, month) order already

    primary = rng.integers(0, N_OBSERVERS, n_sess)
    n_double = int(round(DOUBLE_CODED_SHARE * n_sess))
    double = np.sort(rng.permutation(n_sess)[:n_double])
    second = (primary[double] + 1 + rng.integers(0, N_OBSERVERS - 1, n_double)) % N_OBSERVERS
    c_sess = np.concatenate([np.arange(n_sess), double])
    c_obs = np.concatenate([primary, second])
    n_cod = len(c_sess)
    obs_severity = rng.normal(0.0, OBSERVER_SEVERITY_SD, N_OBSERVERS)
    lag = np.array([BEHAVIOUR_LAG[m] for m in OBS_MONTHS])[s_month - months[0]]
    train = lead.pilot[s_leader] * lag  # share of the full training effect, per session

    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for b_idx, beh in enumerate(BEHAVIOURS):
        if beh.roles == "all":
            applies = np.ones(len(ROLES), dtype=bool)
        else:
            applies = np.isin(np.asarray(ROLES), beh.roles.split(";"))
        sess_ok = applies[lead.role[s_leader]]
        cod_ok = sess_ok[c_sess]
        if beh.chance:
            value = rng.integers(0, 2, n_cod).astype(np.float64)
        elif beh.scale == "binary":
            logit = (beh.base + BEHAVIOUR_THETA_SLOPE_BINARY * lead.theta[s_leader]
                     + BEHAVIOUR_BINARY_GAIN_PER_EFFECT * effect * train)
            state = rng.random(n_sess) < 1.0 / (1.0 + np.exp(-logit))
            flip = rng.random(n_cod) < BINARY_CODING_ERROR
            value = (state[c_sess] ^ flip).astype(np.float64)
        else:
            latent = (beh.base + BEHAVIOUR_THETA_SLOPE_ORDINAL * lead.theta[s_leader]
                      + BEHAVIOUR_ORDINAL_GAIN_PER_EFFECT * effect * train
                      + rng.normal(0.0, ORDINAL_SESSION_SD, n_sess))
            coded = latent[c_sess] + obs_severity[c_obs] + rng.normal(0.0, ORDINAL_CODING_SD, n_cod)
            value = _round_clip(coded, *scale)
        idx = np.flatnonzero(cod_ok)
        parts.append((idx, np.full(len(idx), b_idx), value[idx]))

    cod = np.concatenate([p[0] for p in parts])
    beh_code = np.concatenate([p[1] for p in parts])
    value = np.concatenate([p[2] for p in parts])
    sess = c_sess[cod]
    obs = c_obs[cod]
    order = np.lexsort((beh_code, obs, sess))
    cols = {
        "session_id": _str_col(sess[order], session_labels),
        "leader_id": _str_col(s_leader[sess][order], lead.ids),
        "observer_id": _str_col(obs[order], _ids("OBS", N_OBSERVERS, 2)),
        "date": _Col("date", s_day[sess][order].astype(np.float64)),
        "behaviour": _str_col(beh_code[order], [b.code for b in BEHAVIOURS]),
        "value": _Col("int", value[order]),
    }
    info = {
        "n_sessions": n_sess,
        "n_double_coded": n_double,
        "observer_severity": dict(zip(_ids("OBS", N_OBSERVERS, 2).tolist(), _r(obs_severity))),
    }
    return cols, info


def _behaviours_table() -> dict[str, _Col]:
    k = len(BEHAVIOURS)
    return {
        "behaviour": _str_col(np.arange(k), [b.code for b in BEHAVIOURS]),
        "scale": _str_col(np.arange(k), [b.scale for b in BEHAVIOURS]),
        "description": _str_col(np.arange(k), [b.description for b in BEHAVIOURS]),
        "roles": _str_col(np.arange(k), [b.roles for b in BEHAVIOURS]),
    }
