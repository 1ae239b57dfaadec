"""The generator's entry point, :func:`generate_cohort`, and its ``truth.json``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import secrets
import shutil
from pathlib import Path
from typing import Any, Literal, Mapping

import numpy as np

from pilot_eval.data.config import DEFAULT_TARGETS, MONTH_DAYS, CohortConfig
from pilot_eval.data.cohort import Cohort
from pilot_eval.data.contract import TABLES as CONTRACT_TABLES
from pilot_eval.data.synth.columns import _Col, _r, _r_nullable, _to_typed, _write_table
from pilot_eval.data.synth.files import _cohort_toml, _install, _prepare_out_dir
from pilot_eval.data.synth.params import *  # noqa: F403 (the planted parameters)
from pilot_eval.data.synth.people import (_behaviours_table, _Leaders, _leaders_table, _simulate_leaders,
                                          _simulate_observations, _simulate_ratings)
from pilot_eval.data.synth.teams import (_employees_table, _ramp, _simulate_incidents, _simulate_pulse,
                                         _simulate_roster, _simulate_sessions)

#: Table order of a loaded cohort (the contract's).
CONTRACT_ORDER: tuple[str, ...] = tuple(t.name for t in CONTRACT_TABLES)


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------
#: Follow-up window of generated cohorts (days after the pilot's end); 270 or more reaches month 12.
FOLLOW_UP_DAYS = 180


def generate_cohort(
    out_dir: str | os.PathLike[str],
    n_pilot: int = 45,
    n_comparison: int = 60,
    seed: int = 0,
    effect: float = 0.3,
    file_format: Literal["csv", "parquet"] = "csv",
    pilot_start: dt.date = dt.date(2026, 1, 5),
    *,
    pulse_effect: float | None = None,
    pilot_rate_ratio: Mapping[str, float] | None = None,
    promotion_prob: Mapping[str, float] | None = None,
    transfer_share: float = TRANSFER_SHARE,
    follow_up_days: int = FOLLOW_UP_DAYS,
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
    pulse_effect
        Scenario knob: plateau of the pilot teams' pulse gain in scale points
        (default ``None``: ``effect``, the pulse and through it exits and
        incidents move with the 360).  ``0`` keeps team climate, exits and
        incidents untouched by the training while the 360 still improves.
    pilot_rate_ratio
        Scenario knob: a multiplier of the pilot teams' rate of
        ``"hr_incident"``, ``"escalation"`` or ``"voluntary_exit"`` from
        ``pilot_start`` on, on top of the pulse link (e.g.
        ``{"hr_incident": 2.0}`` plants harm: twice the HR incidents while the
        360 improves).  Default ``None``: no extra change.
    promotion_prob
        Scenario knob: promotion probabilities by employee group (``"A"``,
        ``"B"``, ``"C"``, ``"missing"``) replacing the planted ones (which give
        an adverse impact ratio of 0.6), e.g. all ``0.09`` for no adverse impact.
    transfer_share
        Team moves (contract v1.1 team history): the share of the stints on a
        roster in the observed window (and not ending in a voluntary or
        involuntary exit, which stay with the leader whose hazard drew them)
        whose employee moves to another leader's
        team (pilot or comparison alike) on a random day, written as a stint
        ending with ``exit_type = "transfer"`` plus a new stint under the new
        leader.  Default 0.04; ``0`` plants none.  The moves are drawn from
        their own random stream (``default_rng([seed, TRANSFER_STREAM])``), so
        every table but ``employees.csv`` is the same for any share; the
        moves are listed in ``truth.json`` (``team_moves``).
    follow_up_days
        Length of the follow-up window after the pilot (default 180 days;
        270 or more reaches month 12, for the 12-month view of the report).
        Exits, incidents and pulse answers are simulated to its end.

    Returns
    -------
    dict
        The ground truth, as also written to ``truth.json``.

    Notes
    -----
    The scenario knobs draw no extra random numbers, and their defaults write
    exactly the files of earlier versions (``truth.json`` records a knob only
    when it is set).

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
    pilot_start = _as_date(pilot_start)
    if file_format not in ("csv", "parquet"):
        raise ValueError(f"file_format must be 'csv' or 'parquet', got {file_format!r}")
    args = _checked(n_pilot, n_comparison, seed, effect, pulse_effect, pilot_rate_ratio, promotion_prob,
                    transfer_share, follow_up_days)
    out = Path(out_dir).absolute()
    _prepare_out_dir(out)
    cfg, tables, truth = _build(*args, file_format, pilot_start)  # type: ignore[call-arg]  # args is the checked tuple

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


def simulate_cohort(
    n_pilot: int = 45,
    n_comparison: int = 60,
    seed: int = 0,
    effect: float = 0.3,
    pilot_start: dt.date = dt.date(2026, 1, 5),
    *,
    pulse_effect: float | None = None,
    pilot_rate_ratio: Mapping[str, float] | None = None,
    promotion_prob: Mapping[str, float] | None = None,
    transfer_share: float = TRANSFER_SHARE,
    follow_up_days: int = FOLLOW_UP_DAYS,
) -> tuple[Cohort, dict[str, Any]]:
    """The cohort :func:`generate_cohort` would write, in memory, without files.

    For simulations that run thousands of cohorts (the decision benchmark):
    the tables are the same numbers as the files, typed as
    :func:`pilot_eval.data.cohort.load_cohort` types them (text ``str``,
    scores ``Int64``, dates ``datetime64[ns]``, other numbers ``float64``),
    so an analysis gives the same result on both; the smoke test of the
    benchmark checks the equality table by table.

    Parameters
    ----------
    n_pilot, n_comparison, seed, effect, pilot_start, pulse_effect, pilot_rate_ratio, promotion_prob, transfer_share, follow_up_days
        As for :func:`generate_cohort`.

    Returns
    -------
    (Cohort, dict)
        The cohort (``path`` is a placeholder, ``files`` empty) and its ground
        truth (``arguments.file_format`` is ``"memory"``).

    Examples
    --------
    >>> cohort, truth = simulate_cohort(8, 8, seed=1)
    >>> len(cohort.leaders), truth["arguments"]["file_format"]
    (16, 'memory')
    """
    pilot_start = _as_date(pilot_start)
    args = _checked(n_pilot, n_comparison, seed, effect, pulse_effect, pilot_rate_ratio, promotion_prob,
                    transfer_share, follow_up_days)
    cfg, tables, truth = _build(*args, "memory", pilot_start)  # type: ignore[call-arg]  # args is the checked tuple
    typed = {name: _to_typed(tables[name], pilot_start) for name in CONTRACT_ORDER if name in tables}
    # as load_cohort reads cohort.toml: every indicator's target, the file's over the defaults
    loaded = dataclasses.replace(cfg, targets={k: float(v) for k, v in {**DEFAULT_TARGETS, **cfg.targets}.items()})
    return Cohort(Path(f"<simulated cohort, seed {args[2]}>"), loaded, typed, {}), truth


def _as_date(pilot_start: Any) -> dt.date:
    if isinstance(pilot_start, str):
        pilot_start = dt.date.fromisoformat(pilot_start)
    if isinstance(pilot_start, dt.datetime):
        pilot_start = pilot_start.date()
    return pilot_start


def _checked(n_pilot: int, n_comparison: int, seed: int, effect: float, pulse_effect: float | None,
             pilot_rate_ratio: Mapping[str, float] | None,
             promotion_prob: Mapping[str, float] | None = None,
             transfer_share: float = TRANSFER_SHARE,
             follow_up_days: int = FOLLOW_UP_DAYS) -> tuple[Any, ...]:
    """The arguments, checked and normalised (ValueError otherwise)."""
    if int(n_pilot) != n_pilot or n_pilot < 1:
        raise ValueError(f"n_pilot must be a positive integer, got {n_pilot!r}")
    if int(n_comparison) != n_comparison or n_comparison < 0:
        raise ValueError(f"n_comparison must be a non-negative integer, got {n_comparison!r}")
    if not np.isfinite(effect):
        raise ValueError(f"effect must be finite, got {effect!r}")
    if pulse_effect is not None and not np.isfinite(pulse_effect):
        raise ValueError(f"pulse_effect must be finite, got {pulse_effect!r}")
    rate_ratio = {k: float(v) for k, v in (pilot_rate_ratio or {}).items()}
    for key, value in rate_ratio.items():
        if key not in RATE_RATIO_KEYS:
            raise ValueError(f"pilot_rate_ratio keys must be among {RATE_RATIO_KEYS}, got {key!r}")
        if not (np.isfinite(value) and value > 0):
            raise ValueError(f"pilot_rate_ratio[{key!r}] must be a positive number, got {value!r}")
    promotion = {k: float(v) for k, v in (promotion_prob or {}).items()}
    for key, value in promotion.items():
        if key not in PROMOTION_PROB:
            raise ValueError(f"promotion_prob keys must be among {tuple(PROMOTION_PROB)}, got {key!r}")
        if not (np.isfinite(value) and 0 <= value <= 1):
            raise ValueError(f"promotion_prob[{key!r}] must be a probability, got {value!r}")
    if not (isinstance(transfer_share, (int, float)) and np.isfinite(transfer_share)
            and 0 <= transfer_share <= 0.5):
        raise ValueError(f"transfer_share must be a number in [0, 0.5], got {transfer_share!r}")
    if isinstance(follow_up_days, bool) or int(follow_up_days) != follow_up_days or not 0 <= follow_up_days <= 730:
        raise ValueError(f"follow_up_days must be a whole number of days in [0, 730], got {follow_up_days!r}")
    return (int(n_pilot), int(n_comparison), int(seed), float(effect),
            None if pulse_effect is None else float(pulse_effect), rate_ratio, promotion,
            float(transfer_share), int(follow_up_days))


def _build(n_pilot: int, n_comparison: int, seed: int, effect: float, pulse_effect: float | None,
           rate_ratio: dict[str, float], promotion: dict[str, float], transfer_share: float,
           follow_up_days: int, file_format: str, pilot_start: dt.date,
           ) -> tuple[CohortConfig, dict[str, dict[str, _Col]], dict[str, Any]]:
    """Simulate every table (one ``default_rng(seed)``; the team moves their own stream) and the truth."""
    cfg = CohortConfig(
        name=f"Synthetic pilot cohort (seed {seed}, effect {effect:g})",
        pilot_start=pilot_start,
        pilot_days=90,
        follow_up_days=follow_up_days,
        scale_min=1,
        scale_max=5,
        min_group_size=5,
        min_raters_per_category=3,
        targets={"empathy_360_change_pct": 10, "leaders_improved_pct": 60,
                 "hr_incidents_change_pct": -30},
    )
    scale = (cfg.scale_min, cfg.scale_max)
    knobs: dict[str, Any] = {}
    if pulse_effect is not None:
        knobs["pulse_effect"] = _r(float(pulse_effect))
    if rate_ratio:
        knobs["pilot_rate_ratio"] = {k: _r(rate_ratio[k]) for k in sorted(rate_ratio)}
    if promotion:
        knobs["promotion_prob"] = {k: _r(promotion[k]) for k in sorted(promotion)}
    if transfer_share != TRANSFER_SHARE:
        knobs["transfer_share"] = _r(transfer_share)
    if follow_up_days != FOLLOW_UP_DAYS:
        knobs["follow_up_days"] = int(follow_up_days)
    pulse_effect = PULSE_EFFECT_PER_EFFECT * effect if pulse_effect is None else float(pulse_effect)
    rng = np.random.default_rng(seed)

    lead = _simulate_leaders(rng, n_pilot, n_comparison)
    ratings, r_info = _simulate_ratings(rng, lead, effect, scale)
    observations, o_info = _simulate_observations(rng, lead, effect, scale)
    roster = _simulate_roster(rng, lead, pulse_effect, cfg, rate_ratio)
    employees, emp_code, e_info = _employees_table(
        rng, lead, roster, cfg, promotion,
        transfers=(np.random.default_rng([seed, TRANSFER_STREAM]), transfer_share))
    pulse = _simulate_pulse(rng, lead, roster, emp_code, pulse_effect, scale)
    incidents = _simulate_incidents(rng, lead, roster, pulse_effect, cfg, rate_ratio)
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
                   r_info, o_info, e_info, s_info, knobs, transfer_share)
    return cfg, tables, truth


def _truth(cfg: CohortConfig, lead: _Leaders, effect: float, pulse_effect: float, seed: int,
           n_pilot: int, n_comparison: int, file_format: str, r_info: dict[str, Any],
           o_info: dict[str, Any], e_info: dict[str, Any], s_info: dict[str, Any],
           knobs: dict[str, Any] | None = None, transfer_share: float = 0.0) -> dict[str, Any]:
    knobs = knobs or {}
    rr = knobs.get("pilot_rate_ratio", {})
    promotion_rates = {**PROMOTION_PROB, **knobs.get("promotion_prob", {})}
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
    truth = {
        "generator": GENERATOR,
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "arguments": {
            "n_pilot": n_pilot, "n_comparison": n_comparison, "seed": seed, "effect": _r(effect),
            "file_format": file_format, "pilot_start": cfg.pilot_start.isoformat(), **knobs,
        },
        # empty v1.1 settings (costs) left out: the truth.json of earlier versions, byte for byte
        # (and an undeclared contract_version)
        "cohort": {k: v for k, v in cfg.as_dict().items()
                   if not (k == "costs" and not v) and not (k == "contract_version" and v is None)},
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
                _r(np.exp(-HAZARD_BETA["voluntary_exit"] * pulse_effect) * rr.get("voluntary_exit", 1.0)),
            "hr_incidents_rate_ratio_at_plateau":
                _r(np.exp(-HAZARD_BETA["hr_incident"] * pulse_effect) * rr.get("hr_incident", 1.0)),
            "escalations_rate_ratio_at_plateau":
                _r(np.exp(-HAZARD_BETA["escalation"] * pulse_effect) * rr.get("escalation", 1.0)),
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
        "promotion_rates": dict(promotion_rates),
        "group_shares": dict(GROUP_SHARE),
        "planted_adverse_impact_ratio": _r(min(promotion_rates[g] for g in GROUPS)
                                           / max(promotion_rates[g] for g in GROUPS)),
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
    if transfer_share > 0:
        moves = [{**m, "date": (cfg.pilot_start + dt.timedelta(days=m["date"])).isoformat()}
                 for m in e_info["moves"]]
        truth["team_moves"] = {
            "share": _r(transfer_share),
            "stream": f"numpy.random.default_rng([seed, {TRANSFER_STREAM}])",
            "note": "each move: the employee's stint under from_leader ends the day before date with "
                    "exit_type transfer, a new stint under to_leader starts on date (and keeps the "
                    "original end and exit). Only stints without a voluntary or involuntary exit move "
                    "(every exit stays with the leader whose pulse-linked hazard drew it); pulse answers "
                    "and incidents were simulated before the moves, so a moved employee's pulse "
                    "answers stay with from_leader",
            "n_moves": len(moves),
            "n_between_arms": sum(m["from_arm"] != m["to_arm"] for m in moves),
            "moves": moves,
        }
    if rr:
        truth["effects"]["pilot_rate_ratio"] = {
            "ratio": dict(rr),
            "note": "extra multiplier of the pilot teams' rate from pilot_start on, on top of the pulse link",
        }
    return truth
