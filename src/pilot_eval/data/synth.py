"""Synthetic pilot cohorts with a planted, recorded ground truth.

:func:`generate_cohort` writes a cohort folder that follows the data contract
(v1): ``cohort.toml`` plus the tables leaders, ratings, pulse, employees,
observations, behaviours, incidents and sessions, as CSV or Parquet, and a
``truth.json`` that records every planted number.  The planted structure is
built so that the naive analyses are wrong in known ways:

* **Selection** into the pilot depends on role and culture (weighted sampling
  without replacement, Gumbel top-k on a logit propensity).
* **Rating styles**: 360 scores carry a role-of-leader and a culture offset and
  a **drift** over the survey waves by culture and role that hits both arms.
  Because the pilot over-represents the drifting groups, the naive endline
  difference, the pilot's pre/post change and the unadjusted
  difference-in-differences are biased; models with role and culture controls
  (role x wave, culture x wave) recover the planted ``effect``.
* A training **effect** on the 360 empathy score (``effect / 2`` at midpoint,
  ``effect`` at endline), on observed behaviours (lagged by month), and on the
  team pulse (from day 21, ramping to a plateau).  Exits and HR incidents depend
  on the pulse change through ``exp(-beta * pulse_change)``.  Every training
  effect scales with ``effect``: ``effect=0`` is a true null pilot.
* Decoys: one observed behaviour that observers code at chance
  (``chance_behaviour``) and a training-log indicator that predicts nothing
  (``null_indicator``: each pilot leader's share of feedback given within 48
  hours).

Latent effects and offsets are in scale points *before* scores are rounded and
clipped to the rating scale, so observed differences are slightly attenuated
near the scale ends.

Everything is vectorised with NumPy (one ``default_rng(seed)``); the same
arguments give byte-identical files.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import secrets
import shutil
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pilot_eval.data.config import MONTH_DAYS, CohortConfig

__all__ = ["generate_cohort", "TABLES", "GENERATOR", "KEPT_FILES"]

#: Marker written to ``truth.json``; a folder holding it may be overwritten.
GENERATOR = "pilot_eval.synth"  # kept: the marker older folders carry
GENERATOR_VERSION = 2

#: Table stems the generator writes (every one of them, always).
TABLES: tuple[str, ...] = (
    "leaders",
    "ratings",
    "pulse",
    "employees",
    "observations",
    "behaviours",
    "incidents",
    "sessions",
)
_OTHER_FILES = ("cohort.toml", "truth.json")
#: Files in a cohort folder the generator never writes, deletes or counts
#: against reuse: the hand-maintained data dictionary of data/sample.
KEPT_FILES: frozenset[str] = frozenset({"README.md"})

# --------------------------------------------------------------------------
# Planted parameters.  All are copied into truth.json.
# --------------------------------------------------------------------------
ROLES: tuple[str, ...] = ("team_lead", "manager", "senior_manager", "director")
ROLE_SHARE = (0.40, 0.30, 0.18, 0.12)
CULTURES: tuple[str, ...] = ("americas", "emea", "apac", "nordics")
CULTURE_SHARE = (0.30, 0.30, 0.25, 0.15)
UNITS_PER_CULTURE = (4, 5, 4, 3)  # 16 org units, nested in cultures
UNIT_WEIGHT_SHAPE = 1.5  # gamma shape of the unit size weights (unequal units)
MIN_LEADERS_PER_UNIT = 2  # when the culture has enough leaders

TENURE_GAMMA = (2.0, 3.0)  # shape, scale in years
TENURE_MISSING = 0.04

#: Logit propensity to be chosen for the pilot (additive, no intercept needed
#: for top-k sampling).  Managers and apac/americas are favoured.
SELECTION_ROLE_LOGIT = {"team_lead": 0.0, "manager": 0.9, "senior_manager": 0.3, "director": -0.6}
SELECTION_CULTURE_LOGIT = {"americas": 0.6, "emea": 0.0, "apac": 0.8, "nordics": -0.5}

THETA_SD = 0.45  # latent leader empathy, scale points

WAVES: tuple[str, ...] = ("baseline", "midpoint", "endline")
WAVE_FRACTION = (0.0, 0.5, 1.0)  # share of the training effect and of the drift
#: (first day, last day) of each wave's responses, in days from pilot_start.
WAVE_DAYS = ((-19, -9), (42, 48), (85, 89))
RATER_TYPES: tuple[str, ...] = ("self", "manager", "peer", "direct_report")
ITEMS: tuple[str, ...] = tuple(f"E{k}" for k in range(1, 9))
ITEM_OFFSET = (0.15, -0.10, 0.05, -0.20, 0.10, 0.00, -0.05, 0.05)
RATING_MEAN = 3.3
RATER_TYPE_OFFSET = {"self": 0.30, "manager": -0.10, "peer": 0.0, "direct_report": 0.10}
RATER_SEVERITY_SD = 0.35  # rater-level random severity (shared across leaders)
RATER_LEADER_SD = 0.25  # rater x leader relationship effect, constant over waves
RATING_NOISE_SD = 0.55  # item-level residual
PEERS_RANGE = (2, 5)
DIRECT_REPORTS_RANGE = (3, 9)
LEADERS_PER_MANAGER = 4  # size of the unit's pool of managers-of-leaders
PEER_POOL_FACTOR = 1.5  # unit peer pool = max(8, ceil(factor * leaders in unit))
RESPONSE_PROB = 0.85
DONT_KNOW_PROB = 0.025
#: Rating style: constant offsets by role of the leader and by culture.
STYLE_ROLE_OFFSET = {"team_lead": -0.10, "manager": 0.20, "senior_manager": 0.10, "director": 0.0}
STYLE_CULTURE_OFFSET = {"americas": 0.20, "emea": 0.0, "apac": -0.30, "nordics": 0.10}
#: Rating drift by endline (times WAVE_FRACTION), in both arms.
DRIFT_ROLE = {"team_lead": 0.0, "manager": 0.10, "senior_manager": 0.0, "director": -0.10}
DRIFT_CULTURE = {"americas": 0.20, "emea": 0.0, "apac": 0.20, "nordics": -0.10}

# Observations ----------------------------------------------------------------
OBS_MONTHS = (-3, -2, -1, 0, 1, 2)
SESSION_MISSED_PROB = 0.10
DOUBLE_CODED_SHARE = 0.30
N_OBSERVERS = 8
OBSERVER_SEVERITY_SD = 0.10  # ordinal items only
BINARY_CODING_ERROR = 0.03  # observer flips the true binary state
ORDINAL_SESSION_SD = 0.70
ORDINAL_CODING_SD = 0.20
#: Share of the full behaviour training effect reached by month (lagging).
BEHAVIOUR_LAG = {-3: 0.0, -2: 0.0, -1: 0.0, 0: 0.1, 1: 0.5, 2: 1.0}
BEHAVIOUR_BINARY_GAIN_PER_EFFECT = 4.0  # logit gain at full effect = 4.0 * effect
BEHAVIOUR_ORDINAL_GAIN_PER_EFFECT = 2.0  # scale points at full effect = 2.0 * effect
BEHAVIOUR_THETA_SLOPE_BINARY = 2.0  # logit per scale point of theta
BEHAVIOUR_THETA_SLOPE_ORDINAL = 1.0  # scale points per scale point of theta


@dataclasses.dataclass(frozen=True)
class _Behaviour:
    code: str
    scale: str
    roles: str
    description: str
    base: float  # logit (binary) or latent mean (ordinal)
    chance: bool = False


BEHAVIOURS: tuple[_Behaviour, ...] = (
    _Behaviour("asked_clarifying_question", "binary", "all",
               "Asks at least one open question to understand the other person's situation before responding.",
               -0.3),
    _Behaviour("named_the_emotion", "binary", "all",
               "Names or acknowledges the emotion the other person expresses (e.g. 'that sounds frustrating').",
               -0.8),
    _Behaviour("paraphrased_before_advising", "binary", "all",
               "Restates the other person's concern in own words before offering advice or a solution.",
               -0.5),
    _Behaviour("warmth_of_tone", "ordinal", "all",
               "Warmth and calm of voice and wording, 1 = cold or dismissive, 5 = consistently warm.",
               3.0),
    _Behaviour("explored_workload_and_wellbeing", "ordinal", "manager;senior_manager;director",
               "Explores the team member's workload and wellbeing and agrees a concrete adjustment (people managers).",
               2.8),
    _Behaviour("open_body_language", "binary", "all",
               "Open posture and eye contact throughout the interaction.",
               0.0, chance=True),
)

# Employees, pulse, incidents --------------------------------------------------
TEAM_SIZE_RANGE = (5, 12)
INITIAL_TENURE_DAYS = (30, 3000)  # initial members joined this many days before the pre window
GROUPS = ("A", "B", "C")
GROUP_SHARE = {"A": 0.50, "B": 0.30, "C": 0.15, "missing": 0.05}
#: Probability of a promotion while observed (pre + pilot + follow-up), by group.
PROMOTION_PROB = {"A": 0.10, "B": 0.09, "C": 0.06, "missing": 0.08}
#: Exit hazards per member per 90 days (voluntary is multiplied by exp(-beta * pulse_change)).
EXIT_RATE_PER_90D = {"voluntary": 0.06, "involuntary": 0.01, "transfer": 0.015}
REPLACEMENT_PROB = 0.85
REPLACEMENT_DELAY_DAYS = (14, 60)
MAX_GENERATIONS = 4
#: Incidents per 100 team members per 90 days (multiplied by exp(-beta * pulse_change)).
INCIDENT_RATE_PER_100_90D = {"escalation": 15.0, "hr_incident": 9.0}
HAZARD_BETA = {"voluntary_exit": 2.0, "hr_incident": 2.4, "escalation": 1.0}

PULSE_MONTHS = tuple(range(-3, 9))
PULSE_DAY_IN_MONTH = 28  # survey date = pilot_start + 30 * month + 28 (late in the month: month 0 sees the first week of the gain)
PULSE_ITEMS = ("P1", "P2", "P3", "P4")
PULSE_ITEM_OFFSET = (0.10, -0.10, 0.0, -0.15)
PULSE_MEAN = 3.5
PULSE_CLIMATE_SD = 0.35  # leader's team climate
PULSE_RESPONDENT_SD = 0.40
PULSE_NOISE_SD = 0.60
PULSE_RESPONSE_PROB = 0.75
PULSE_MISSING_PROB = 0.02
PULSE_STYLE_ROLE_OFFSET = {"team_lead": 0.05, "manager": 0.0, "senior_manager": -0.05, "director": -0.10}
PULSE_STYLE_CULTURE_OFFSET = {"americas": 0.15, "emea": 0.0, "apac": -0.20, "nordics": 0.10}
PULSE_EFFECT_PER_EFFECT = 1.0  # plateau of the pilot's pulse gain = 1.0 * effect
PULSE_RAMP_DAYS = (21, 60)  # the gain starts on day 21 and reaches its plateau on day 60
PULSE_TREND_SD = 0.35  # leader-level climate change over the same ramp, both arms

# Training log ------------------------------------------------------------------
PRACTICE_WEEKS = 13
PRACTICE_ATTEND_PROB = 0.90
PRACTICE_START = (45.0, 10.0)  # mean, sd of the first practice score
PRACTICE_GAIN = (30.0, 8.0)  # mean, sd of the total gain over 12 weeks if no plateau
PRACTICE_NOISE_SD = 2.0
PRACTICE_PLATEAU_SHARE = 0.25
PRACTICE_PLATEAU_AFTER = (3, 6)  # plateauing leaders stop improving after this session
PRACTICE_SCORE_MISSING = 0.03
FEEDBACK_SESSIONS = 6
FEEDBACK_ATTEND_PROB = 0.90
NULL_INDICATOR_BETA = (3.0, 2.0)
COACHING_RANGE = (1, 3)


# --------------------------------------------------------------------------
# Column containers: one representation, written as CSV or Parquet.
# --------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class _Col:
    """A column: ``kind`` str (codes into ``labels``, -1 missing), int/float
    (float array, NaN missing), or date (days from pilot_start, NaN missing)."""

    kind: Literal["str", "int", "float", "date"]
    values: np.ndarray
    labels: np.ndarray | None = None


def _str_col(codes: np.ndarray, labels: np.ndarray | list[str] | tuple[str, ...]) -> _Col:
    return _Col("str", np.asarray(codes, dtype=np.int64), np.asarray(labels, dtype=object))


def _ids(prefix: str, n: int, min_width: int = 4) -> np.ndarray:
    """``prefix`` + zero-padded 1..n; string order equals numeric order."""
    width = max(min_width, len(str(max(n, 1))))
    digits = np.strings.zfill(np.arange(1, n + 1).astype(np.str_), width)
    return np.strings.add(prefix, digits).astype(object)


def _to_arrow(cols: dict[str, _Col], pilot_start: dt.date) -> pa.Table:
    arrays = {}
    origin = np.datetime64(pilot_start, "D")
    for name, col in cols.items():
        if col.kind == "str":
            assert col.labels is not None
            missing = col.values < 0
            idx = pa.array(np.where(missing, 0, col.values).astype(np.int32), mask=missing)
            dictionary = pa.array(list(col.labels) if len(col.labels) else [""], type=pa.string())
            arrays[name] = pa.DictionaryArray.from_arrays(idx, dictionary).cast(pa.string())
        elif col.kind == "int":
            missing = np.isnan(col.values)
            arrays[name] = pa.array(np.where(missing, 0, col.values).astype(np.int64), mask=missing)
        elif col.kind == "float":
            arrays[name] = pa.array(col.values.astype(np.float64), mask=np.isnan(col.values))
        else:
            missing = np.isnan(col.values)
            days = np.where(missing, 0, col.values).astype(np.int64)
            arrays[name] = pa.array(origin + days, mask=missing, type=pa.date32())
    return pa.table(arrays)


def _to_pandas(cols: dict[str, _Col], pilot_start: dt.date) -> pd.DataFrame:
    """DataFrame for CSV writing: text and dates as object columns of str, scores Int64."""
    data: dict[str, Any] = {}
    origin = np.datetime64(pilot_start, "D")
    for name, col in cols.items():
        if col.kind in ("str", "date"):
            if col.kind == "str":
                assert col.labels is not None
                missing = col.values < 0
                codes, labels = np.where(missing, 0, col.values), col.labels
            else:
                missing = np.isnan(col.values)
                days = np.where(missing, 0, col.values).astype(np.int64)
                lo = int(days.min()) if len(days) else 0
                hi = int(days.max()) if len(days) else 0
                labels = np.datetime_as_string(origin + np.arange(lo, hi + 1), unit="D").astype(object)
                codes = days - lo
            values = labels[codes] if len(labels) else np.empty(len(codes), dtype=object)
            values[missing] = None
            data[name] = pd.Series(values, dtype=object)
        elif col.kind == "int":
            missing = np.isnan(col.values)
            data[name] = pd.arrays.IntegerArray(np.where(missing, 0, col.values).astype(np.int64), missing)
        else:
            data[name] = col.values.astype(np.float64)
    return pd.DataFrame(data)


def _write_table(cols: dict[str, _Col], path: Path, file_format: str, pilot_start: dt.date) -> None:
    if file_format == "csv":
        frame = _to_pandas(cols, pilot_start)
        frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
    else:
        pq.write_table(_to_arrow(cols, pilot_start), path, compression="zstd")


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------
def _quota(n: int, shares: tuple[float, ...]) -> np.ndarray:
    """Largest-remainder allocation of ``n`` units to ``shares``."""
    raw = n * np.asarray(shares) / np.sum(shares)
    counts = np.floor(raw).astype(np.int64)
    remainder = n - counts.sum()
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[:remainder]] += 1
    return counts


def _round_clip(latent: np.ndarray, lo: int, hi: int) -> np.ndarray:
    return np.clip(np.rint(latent), lo, hi)


def _lookup(mapping: dict[str, float], keys: tuple[str, ...]) -> np.ndarray:
    return np.array([mapping[k] for k in keys], dtype=np.float64)


def _r(x: Any, digits: int = 6) -> Any:
    """Round floats / arrays for JSON (stable text)."""
    if isinstance(x, np.ndarray):
        return np.round(x.astype(np.float64), digits).tolist()
    return round(float(x), digits)


def _r_nullable(x: np.ndarray, digits: int = 6) -> list[float | None]:
    """Rounded floats for JSON with NaN as null."""
    rounded = np.round(x.astype(np.float64), digits).astype(object)
    rounded[np.isnan(x)] = None
    return rounded.tolist()


def _ramp(day: np.ndarray | float) -> np.ndarray:
    start, full = PULSE_RAMP_DAYS
    return np.clip((np.asarray(day, dtype=np.float64) - start) / (full - start), 0.0, 1.0)


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


def _pulse_change(lead: _Leaders, pulse_effect: float, day: np.ndarray, leader: np.ndarray) -> np.ndarray:
    """True change of the leader's team pulse on ``day`` (scale points)."""
    return (lead.pilot[leader] * pulse_effect + lead.pulse_trend[leader]) * _ramp(day)


@dataclasses.dataclass
class _Roster:
    leader: np.ndarray
    start: np.ndarray  # int day from pilot_start
    end: np.ndarray  # float day, NaN = still there
    exit_type: np.ndarray  # codes into EXIT_TYPES, -1 none
    generation: np.ndarray


EXIT_TYPES: tuple[str, ...] = ("voluntary", "involuntary", "transfer")


def _simulate_roster(rng: np.random.Generator, lead: _Leaders, pulse_effect: float,
                     cfg: CohortConfig) -> _Roster:
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
                     cfg: CohortConfig) -> tuple[dict[str, _Col], np.ndarray, dict[str, Any]]:
    n_emp = len(roster.leader)
    horizon = cfg.pilot_days + cfg.follow_up_days
    group_keys = (*GROUPS, "missing")
    cum = np.cumsum([GROUP_SHARE[g] for g in group_keys])
    group = np.minimum(np.searchsorted(cum / cum[-1], rng.random(n_emp), side="right"), len(group_keys) - 1)
    promo_p = np.array([PROMOTION_PROB[g] for g in group_keys])[group]
    lo = np.maximum(roster.start, -cfg.pilot_days).astype(np.float64)
    hi = np.where(np.isnan(roster.end), horizon, roster.end)
    promoted = (rng.random(n_emp) < promo_p) & (hi > lo)
    promo_day = np.where(promoted, lo + np.floor(rng.random(n_emp) * (hi - lo)), np.nan)
    pseudonym = rng.permutation(n_emp)  # employee -> code into employee labels
    labels = _ids("E", n_emp, 6)
    order = np.lexsort((pseudonym, roster.start, roster.leader))
    cols = {
        "employee_id": _str_col(pseudonym[order], labels),
        "leader_id": _str_col(roster.leader[order], lead.ids),
        "group": _str_col(np.where(group == len(GROUPS), -1, group)[order], GROUPS),
        "start_date": _Col("date", roster.start[order].astype(np.float64)),
        "end_date": _Col("date", roster.end[order]),
        "exit_type": _str_col(roster.exit_type[order], EXIT_TYPES),
        "promoted_date": _Col("date", promo_day[order]),
    }
    info = {"n_employees": n_emp,
            "team_size_at_pre_start": np.bincount(roster.leader[roster.generation == 0], minlength=lead.n)}
    return cols, pseudonym, info


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
                        pulse_effect: float, cfg: CohortConfig) -> dict[str, _Col]:
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


# --------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------
def _cohort_toml(cfg: CohortConfig) -> str:
    def num(x: float) -> str:
        return str(int(x)) if float(x).is_integer() else repr(float(x))

    lines = [
        f'name = "{cfg.name}"',
        f"pilot_start = {cfg.pilot_start.isoformat()}",
        f"pilot_days = {cfg.pilot_days}",
        f"follow_up_days = {cfg.follow_up_days}",
        f"scale_min = {cfg.scale_min}",
        f"scale_max = {cfg.scale_max}",
        f"min_group_size = {cfg.min_group_size}",
        f"min_raters_per_category = {cfg.min_raters_per_category}",
        "",
        "[targets]",
        *(f"{k} = {num(v)}" for k, v in cfg.targets.items()),
    ]
    return "\n".join(lines) + "\n"


def _synth_names() -> set[str]:
    """Every file name the generator may have written into a cohort folder."""
    return {f"{t}.{ext}" for t in TABLES for ext in ("csv", "parquet")} | set(_OTHER_FILES)


def _is_previous_output(folder: Path) -> bool:
    """True if ``folder`` holds only an earlier synth output (plus kept files)."""
    names = _synth_names()
    entries = [e for e in folder.iterdir() if e.name not in KEPT_FILES]
    if any(not e.is_file() or e.name not in names for e in entries):
        return False
    truth = folder / "truth.json"
    if not truth.is_file():
        return False
    try:
        return json.loads(truth.read_text(encoding="utf-8")).get("generator") == GENERATOR
    except (ValueError, OSError, AttributeError):
        return False


def _prepare_out_dir(out: Path) -> None:
    if out.exists():
        if not out.is_dir():
            raise FileExistsError(f"{out} exists and is not a folder")
        others = [e for e in out.iterdir() if e.name not in KEPT_FILES]
        if others and not _is_previous_output(out):
            raise FileExistsError(
                f"{out} is not empty and is not an earlier output of {GENERATOR}; "
                "refusing to write into it")
    out.parent.mkdir(parents=True, exist_ok=True)


def _install(tmp: Path, out: Path) -> None:
    """Move the finished files of ``tmp`` into ``out``.

    Stale synth files of an earlier run (e.g. the other file format) are
    removed; files in :data:`KEPT_FILES` are left untouched.
    """
    if not out.exists():
        os.replace(tmp, out)
        return
    new = {e.name for e in tmp.iterdir()}
    for entry in out.iterdir():
        if entry.name in _synth_names() and entry.name not in new:
            entry.unlink()
    for name in sorted(new):
        os.replace(tmp / name, out / name)
    tmp.rmdir()


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------
def generate_cohort(
    out_dir: str | os.PathLike[str],
    n_pilot: int = 45,
    n_comparison: int = 60,
    seed: int = 0,
    effect: float = 0.3,
    file_format: Literal["csv", "parquet"] = "csv",
    pilot_start: dt.date = dt.date(2026, 1, 5),
) -> dict[str, Any]:
    """Write a synthetic pilot cohort with planted ground truth.

    Parameters
    ----------
    out_dir
        Cohort folder to write.  It must not exist, be empty, or hold an earlier
        output of this generator (whose files are replaced; stale ones, e.g. of
        the other file format, are removed); anything else raises
        :class:`FileExistsError`.  A ``README.md`` (the data dictionary kept
        in ``data/sample``) is allowed and left untouched; the generator itself
        writes no README.
    n_pilot, n_comparison
        Number of pilot and comparison leaders.  Pilot leaders are chosen from
        the ``n_pilot + n_comparison`` leaders by weighted sampling without
        replacement on a role and culture propensity.  ``n_comparison`` may be 0.
    seed
        Seed of the one :func:`numpy.random.default_rng` used for everything.
    effect
        Training effect on the 360 empathy score at endline, in scale points
        (half of it at midpoint).  Every other training effect (behaviours,
        pulse and, through the pulse, exits and incidents) scales with it;
        ``effect=0`` is a null pilot.
    file_format
        ``"csv"`` or ``"parquet"`` for the tables.
    pilot_start
        Day 0 of the 90-day pilot.

    Returns
    -------
    dict
        The ground truth, as also written to ``truth.json``.

    Notes
    -----
    Same arguments give byte-identical files: rows are sorted, columns in a
    fixed order, floats rounded to fixed decimals, JSON written with sorted keys.
    Files are written to a temporary sibling folder and moved into place only
    when all are written, so a failed run leaves an earlier cohort untouched.

    References
    ----------
    .. [1] Efraimidis, P. S. & Spirakis, P. G. (2006). Weighted random sampling
       with a reservoir. *Information Processing Letters*, 97(5), 181-185.
    .. [2] Kool, W., van Hoof, H. & Welling, M. (2019). Stochastic beams and where
       to find them: the Gumbel-top-k trick for sampling sequences without
       replacement. *ICML* (sampling k without replacement with weights
       ``exp(logit)`` = the top k of ``logit + Gumbel(0, 1)`` noise).
    .. [3] Bentley, J. & Floyd, R. (1987). Programming pearls: a sample of
       brilliance. *Communications of the ACM*, 30(9), 754-757 (Floyd's
       algorithm: k distinct draws from a pool, used for the peer raters).
    """
    if isinstance(pilot_start, str):
        pilot_start = dt.date.fromisoformat(pilot_start)
    if isinstance(pilot_start, dt.datetime):
        pilot_start = pilot_start.date()
    if int(n_pilot) != n_pilot or n_pilot < 1:
        raise ValueError(f"n_pilot must be a positive integer, got {n_pilot!r}")
    if int(n_comparison) != n_comparison or n_comparison < 0:
        raise ValueError(f"n_comparison must be a non-negative integer, got {n_comparison!r}")
    if file_format not in ("csv", "parquet"):
        raise ValueError(f"file_format must be 'csv' or 'parquet', got {file_format!r}")
    if not np.isfinite(effect):
        raise ValueError(f"effect must be finite, got {effect!r}")
    n_pilot, n_comparison, seed, effect = int(n_pilot), int(n_comparison), int(seed), float(effect)
    out = Path(out_dir).absolute()
    _prepare_out_dir(out)

    cfg = CohortConfig(
        name=f"Synthetic pilot cohort (seed {seed}, effect {effect:g})",
        pilot_start=pilot_start,
        pilot_days=90,
        follow_up_days=180,
        scale_min=1,
        scale_max=5,
        min_group_size=5,
        min_raters_per_category=3,
        targets={"empathy_360_change_pct": 10, "leaders_improved_pct": 60,
                 "hr_incidents_change_pct": -30},
    )
    scale = (cfg.scale_min, cfg.scale_max)
    pulse_effect = PULSE_EFFECT_PER_EFFECT * effect
    rng = np.random.default_rng(seed)

    lead = _simulate_leaders(rng, n_pilot, n_comparison)
    ratings, r_info = _simulate_ratings(rng, lead, effect, scale)
    observations, o_info = _simulate_observations(rng, lead, effect, scale)
    roster = _simulate_roster(rng, lead, pulse_effect, cfg)
    employees, emp_code, e_info = _employees_table(rng, lead, roster, cfg)
    pulse = _simulate_pulse(rng, lead, roster, emp_code, pulse_effect, scale)
    incidents = _simulate_incidents(rng, lead, roster, pulse_effect, cfg)
    sessions, s_info = _simulate_sessions(rng, lead, cfg)

    tables = {
        "leaders": _leaders_table(lead),
        "ratings": ratings,
        "pulse": pulse,
        "employees": employees,
        "observations": observations,
        "behaviours": _behaviours_table(),
        "incidents": incidents,
        "sessions": sessions,
    }
    truth = _truth(cfg, lead, effect, pulse_effect, seed, n_pilot, n_comparison, file_format,
                   r_info, o_info, e_info, s_info)

    tmp = out.parent / f".{out.name}.synth-{os.getpid()}-{secrets.token_hex(4)}"
    tmp.mkdir()  # honours the umask, unlike tempfile.mkdtemp
    try:
        for stem, cols in tables.items():
            _write_table(cols, tmp / f"{stem}.{file_format}", file_format, pilot_start)
        (tmp / "cohort.toml").write_text(_cohort_toml(cfg), encoding="utf-8", newline="\n")
        (tmp / "truth.json").write_text(json.dumps(truth, sort_keys=True, indent=2) + "\n",
                                        encoding="utf-8", newline="\n")
        _install(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return truth


def _truth(cfg: CohortConfig, lead: _Leaders, effect: float, pulse_effect: float, seed: int,
           n_pilot: int, n_comparison: int, file_format: str, r_info: dict[str, Any],
           o_info: dict[str, Any], e_info: dict[str, Any], s_info: dict[str, Any]) -> dict[str, Any]:
    chance = next(b.code for b in BEHAVIOURS if b.chance)
    pulse_days = MONTH_DAYS * np.asarray(PULSE_MONTHS) + PULSE_DAY_IN_MONTH
    pulse_by_month = {str(m): _r(pulse_effect * _ramp(d)) for m, d in zip(PULSE_MONTHS, pulse_days)}
    behaviour_effects = {}
    for b in BEHAVIOURS:
        if b.chance:
            per_month = {str(m): 0.0 for m in OBS_MONTHS}
            unit = "none (coded at chance)"
        elif b.scale == "binary":
            per_month = {str(m): _r(BEHAVIOUR_BINARY_GAIN_PER_EFFECT * effect * BEHAVIOUR_LAG[m])
                         for m in OBS_MONTHS}
            unit = "logit of the session's true presence"
        else:
            per_month = {str(m): _r(BEHAVIOUR_ORDINAL_GAIN_PER_EFFECT * effect * BEHAVIOUR_LAG[m])
                         for m in OBS_MONTHS}
            unit = "latent scale points"
        behaviour_effects[b.code] = {"unit": unit, "by_month": per_month}
    pil_idx = s_info["pilot_index"]
    per_leader_null = np.full(lead.n, np.nan)
    per_leader_null[pil_idx] = s_info["fast_feedback_share"]
    plateau = np.zeros(lead.n, dtype=bool)
    plateau[pil_idx] = s_info["plateau"]

    def by(names: tuple[str, ...], values: np.ndarray) -> dict[str, float]:
        return dict(zip(names, _r(values)))

    n_roles = np.bincount(lead.role, minlength=len(ROLES))
    n_cult = np.bincount(lead.culture, minlength=len(CULTURES))
    return {
        "generator": GENERATOR,
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "arguments": {
            "n_pilot": n_pilot, "n_comparison": n_comparison, "seed": seed, "effect": _r(effect),
            "file_format": file_format, "pilot_start": cfg.pilot_start.isoformat(),
        },
        "cohort": cfg.as_dict(),
        "scale_note": "effects and offsets are latent scale points before rounding and clipping to 1..5",
        "effects": {
            "empathy_360": {w: _r(effect * f) for w, f in zip(WAVES, WAVE_FRACTION)},
            "behaviour": behaviour_effects,
            "behaviour_lag": {str(m): v for m, v in BEHAVIOUR_LAG.items()},
            "pulse": {"by_month": pulse_by_month, "plateau": _r(pulse_effect),
                      "ramp_days": list(PULSE_RAMP_DAYS),
                      "note": "pilot leaders' team pulse gain; starts on day 21 (week 3), "
                              "plateau from day 60; survey on day 30*month+" + str(PULSE_DAY_IN_MONTH)},
            "voluntary_attrition_rate_ratio_at_plateau":
                _r(np.exp(-HAZARD_BETA["voluntary_exit"] * pulse_effect)),
            "hr_incidents_rate_ratio_at_plateau": _r(np.exp(-HAZARD_BETA["hr_incident"] * pulse_effect)),
            "escalations_rate_ratio_at_plateau": _r(np.exp(-HAZARD_BETA["escalation"] * pulse_effect)),
        },
        "pulse_effect": _r(pulse_effect),
        "selection": {
            "method": "Gumbel top-k on logit = role_logit + culture_logit (weighted sampling "
                      "without replacement, weights exp(logit))",
            "role_logit": dict(SELECTION_ROLE_LOGIT),
            "culture_logit": dict(SELECTION_CULTURE_LOGIT),
            "favoured_roles": ["manager"],
            "favoured_cultures": ["apac", "americas"],
        },
        "composition": {
            "role_counts": dict(zip(ROLES, n_roles.tolist())),
            "culture_counts": dict(zip(CULTURES, n_cult.tolist())),
            "pilot_role_counts": dict(zip(ROLES, np.bincount(lead.role[lead.pilot],
                                                             minlength=len(ROLES)).tolist())),
            "pilot_culture_counts": dict(zip(CULTURES, np.bincount(lead.culture[lead.pilot],
                                                                   minlength=len(CULTURES)).tolist())),
            "org_units": len(np.unique(lead.unit)),
        },
        "rating_style": {
            "mean": RATING_MEAN,
            "theta_sd": THETA_SD,
            "role_offset": dict(STYLE_ROLE_OFFSET),
            "culture_offset": dict(STYLE_CULTURE_OFFSET),
            "drift_role": dict(DRIFT_ROLE),
            "drift_culture": dict(DRIFT_CULTURE),
            "drift_note": "drift by endline = drift_role + drift_culture, times wave_fraction; both arms",
            "wave_fraction": dict(zip(WAVES, WAVE_FRACTION)),
            "wave_days": {w: list(d) for w, d in zip(WAVES, WAVE_DAYS)},
            "rater_type_offset": dict(RATER_TYPE_OFFSET),
            "item_offset": dict(zip(ITEMS, ITEM_OFFSET)),
            "rater_severity_sd": RATER_SEVERITY_SD,
            "rater_leader_sd": RATER_LEADER_SD,
            "noise_sd": RATING_NOISE_SD,
            "response_prob": RESPONSE_PROB,
            "dont_know_prob": DONT_KNOW_PROB,
            "response_note": "self always answers; others answer each wave with response_prob, "
                             "and a rater who would miss every wave answers one random wave",
            "peers_range": list(PEERS_RANGE),
            "direct_reports_range": list(DIRECT_REPORTS_RANGE),
            "n_raters": r_info["n_raters"],
        },
        "expected_bias": r_info["expected_bias"],
        "behaviours": {
            "chance_behaviour": chance,
            "model": {b.code: {"scale": b.scale, "roles": b.roles, "base": b.base, "chance": b.chance}
                      for b in BEHAVIOURS},
            "model_note": "binary: session state ~ Bernoulli(sigmoid(base + theta_slope_binary * theta "
                          "+ binary_gain_per_effect * effect * lag[month] * pilot)), each observer "
                          "flips it with binary_coding_error; ordinal: latent base + theta_slope_ordinal "
                          "* theta + ordinal_gain_per_effect * effect * lag * pilot + N(0, "
                          "ordinal_session_sd), each observer adds severity + N(0, ordinal_coding_sd), "
                          "rounded and clipped; chance: each observer codes a fair coin flip",
            "theta_slope_binary": BEHAVIOUR_THETA_SLOPE_BINARY,
            "theta_slope_ordinal": BEHAVIOUR_THETA_SLOPE_ORDINAL,
            "binary_gain_per_effect": BEHAVIOUR_BINARY_GAIN_PER_EFFECT,
            "ordinal_gain_per_effect": BEHAVIOUR_ORDINAL_GAIN_PER_EFFECT,
            "ordinal_session_sd": ORDINAL_SESSION_SD,
            "ordinal_coding_sd": ORDINAL_CODING_SD,
            "lag": {str(m): v for m, v in BEHAVIOUR_LAG.items()},
            "binary_coding_error": BINARY_CODING_ERROR,
            "observer_severity_sd": OBSERVER_SEVERITY_SD,
            "observer_severity": o_info["observer_severity"],
            "double_coded_share": DOUBLE_CODED_SHARE,
            "n_sessions": o_info["n_sessions"],
            "n_double_coded": o_info["n_double_coded"],
            "session_missed_prob": SESSION_MISSED_PROB,
        },
        "chance_behaviour": chance,
        "null_indicator": {
            "name": "feedback_within_48h_share",
            "definition": "per pilot leader, share of feedback sessions with feedback_latency_hours < 48",
            "generated_by": f"Beta{NULL_INDICATOR_BETA} per leader, independent of everything else",
        },
        "hazard_betas": dict(HAZARD_BETA),
        "hazard_note": "rate multiplied by exp(-beta * pulse_change); pulse_change = "
                       "(pilot * pulse_effect + pulse_trend) * ramp(day)",
        "base_rates": {
            "exits_per_member_per_90d": dict(EXIT_RATE_PER_90D),
            "incidents_per_100_members_per_90d": dict(INCIDENT_RATE_PER_100_90D),
            "replacement_prob": REPLACEMENT_PROB,
        },
        "pulse": {
            "mean": PULSE_MEAN, "climate_sd": PULSE_CLIMATE_SD, "respondent_sd": PULSE_RESPONDENT_SD,
            "noise_sd": PULSE_NOISE_SD, "response_prob": PULSE_RESPONSE_PROB,
            "role_offset": dict(PULSE_STYLE_ROLE_OFFSET), "culture_offset": dict(PULSE_STYLE_CULTURE_OFFSET),
            "trend_sd": PULSE_TREND_SD, "survey_day_in_month": PULSE_DAY_IN_MONTH,
        },
        "promotion_rates": dict(PROMOTION_PROB),
        "group_shares": dict(GROUP_SHARE),
        "planted_adverse_impact_ratio": _r(min(PROMOTION_PROB[g] for g in GROUPS)
                                           / max(PROMOTION_PROB[g] for g in GROUPS)),
        "training_log": {
            "practice_weeks": PRACTICE_WEEKS,
            "practice_start_mean_sd": list(PRACTICE_START),
            "practice_gain_mean_sd": list(PRACTICE_GAIN),
            "practice_noise_sd": PRACTICE_NOISE_SD,
            "practice_plateau_share": PRACTICE_PLATEAU_SHARE,
            "practice_plateau_after": list(PRACTICE_PLATEAU_AFTER),
            "note": "practice scores rise linearly over the 13 weeks; plateauing leaders stop "
                    "improving after session practice_plateau_after (per-leader flag in leaders."
                    "practice_plateau); the training log is not linked to any outcome",
        },
        "leaders": {
            "leader_id": lead.ids.tolist(),
            "arm": np.where(lead.pilot, "pilot", "comparison").tolist(),
            "selection_logit": _r(lead.logit),
            "theta": _r(lead.theta),
            "rating_style_offset": _r(r_info["style"]),
            "rating_drift_endline": _r(r_info["drift"]),
            "climate": _r(lead.climate),
            "pulse_trend": _r(lead.pulse_trend),
            "team_size_at_pre_start": e_info["team_size_at_pre_start"].tolist(),
            "peers": r_info["peers_per_leader"].tolist(),
            "direct_reports": r_info["direct_reports_per_leader"].tolist(),
            "practice_plateau": plateau.tolist(),
            "feedback_within_48h_share": _r_nullable(per_leader_null),
        },
    }
