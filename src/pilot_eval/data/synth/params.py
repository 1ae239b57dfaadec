"""Planted parameters of the synthetic generator; all are copied into ``truth.json``."""

from __future__ import annotations

import dataclasses

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
#: Team moves (contract v1.1 team history): share of the stints on a roster in the observed
#: window (pre + pilot + follow-up) and not ending in attrition whose employee moves to another cohort leader's team on a
#: random day, recorded as a ``transfer`` stint plus a new stint.  Drawn from their own random
#: stream, ``default_rng([seed, TRANSFER_STREAM])``, so every other table of a seed is unchanged.
TRANSFER_SHARE = 0.04
TRANSFER_STREAM = 0x7EA4
REPLACEMENT_DELAY_DAYS = (14, 60)
MAX_GENERATIONS = 4
#: Incidents per 100 team members per 90 days (multiplied by exp(-beta * pulse_change)).
INCIDENT_RATE_PER_100_90D = {"escalation": 15.0, "hr_incident": 9.0}
HAZARD_BETA = {"voluntary_exit": 2.0, "hr_incident": 2.4, "escalation": 1.0}
#: Outcomes whose pilot-team rate the ``pilot_rate_ratio`` scenario knob can multiply.
RATE_RATIO_KEYS: tuple[str, ...] = ("voluntary_exit", "hr_incident", "escalation")

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

EXIT_TYPES: tuple[str, ...] = ("voluntary", "involuntary", "transfer")

__all__ = [  # explicit, so type checkers can follow the star imports of the generator modules
    "BEHAVIOURS",
    "BEHAVIOUR_BINARY_GAIN_PER_EFFECT",
    "BEHAVIOUR_LAG",
    "BEHAVIOUR_ORDINAL_GAIN_PER_EFFECT",
    "BEHAVIOUR_THETA_SLOPE_BINARY",
    "BEHAVIOUR_THETA_SLOPE_ORDINAL",
    "BINARY_CODING_ERROR",
    "COACHING_RANGE",
    "CULTURES",
    "CULTURE_SHARE",
    "DIRECT_REPORTS_RANGE",
    "DONT_KNOW_PROB",
    "DOUBLE_CODED_SHARE",
    "DRIFT_CULTURE",
    "DRIFT_ROLE",
    "EXIT_RATE_PER_90D",
    "TRANSFER_SHARE",
    "TRANSFER_STREAM",
    "EXIT_TYPES",
    "FEEDBACK_ATTEND_PROB",
    "FEEDBACK_SESSIONS",
    "GENERATOR",
    "GENERATOR_VERSION",
    "GROUPS",
    "GROUP_SHARE",
    "HAZARD_BETA",
    "INCIDENT_RATE_PER_100_90D",
    "INITIAL_TENURE_DAYS",
    "ITEMS",
    "ITEM_OFFSET",
    "KEPT_FILES",
    "LEADERS_PER_MANAGER",
    "MAX_GENERATIONS",
    "MIN_LEADERS_PER_UNIT",
    "NULL_INDICATOR_BETA",
    "N_OBSERVERS",
    "OBSERVER_SEVERITY_SD",
    "OBS_MONTHS",
    "ORDINAL_CODING_SD",
    "ORDINAL_SESSION_SD",
    "PEERS_RANGE",
    "PEER_POOL_FACTOR",
    "PRACTICE_ATTEND_PROB",
    "PRACTICE_GAIN",
    "PRACTICE_NOISE_SD",
    "PRACTICE_PLATEAU_AFTER",
    "PRACTICE_PLATEAU_SHARE",
    "PRACTICE_SCORE_MISSING",
    "PRACTICE_START",
    "PRACTICE_WEEKS",
    "PROMOTION_PROB",
    "PULSE_CLIMATE_SD",
    "PULSE_DAY_IN_MONTH",
    "PULSE_EFFECT_PER_EFFECT",
    "PULSE_ITEMS",
    "PULSE_ITEM_OFFSET",
    "PULSE_MEAN",
    "PULSE_MISSING_PROB",
    "PULSE_MONTHS",
    "PULSE_NOISE_SD",
    "PULSE_RAMP_DAYS",
    "PULSE_RESPONDENT_SD",
    "PULSE_RESPONSE_PROB",
    "PULSE_STYLE_CULTURE_OFFSET",
    "PULSE_STYLE_ROLE_OFFSET",
    "PULSE_TREND_SD",
    "RATER_LEADER_SD",
    "RATER_SEVERITY_SD",
    "RATER_TYPES",
    "RATER_TYPE_OFFSET",
    "RATE_RATIO_KEYS",
    "RATING_MEAN",
    "RATING_NOISE_SD",
    "REPLACEMENT_DELAY_DAYS",
    "REPLACEMENT_PROB",
    "RESPONSE_PROB",
    "ROLES",
    "ROLE_SHARE",
    "SELECTION_CULTURE_LOGIT",
    "SELECTION_ROLE_LOGIT",
    "SESSION_MISSED_PROB",
    "STYLE_CULTURE_OFFSET",
    "STYLE_ROLE_OFFSET",
    "TABLES",
    "TEAM_SIZE_RANGE",
    "TENURE_GAMMA",
    "TENURE_MISSING",
    "THETA_SD",
    "UNITS_PER_CULTURE",
    "UNIT_WEIGHT_SHAPE",
    "WAVES",
    "WAVE_DAYS",
    "WAVE_FRACTION",
    "_OTHER_FILES",
]
