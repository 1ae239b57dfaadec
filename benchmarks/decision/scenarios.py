"""The five planted-truth scenarios of the decision benchmark, for each generator design.

Targets of every cohort (cohort.toml ``[targets]``, the contract defaults):
360 empathy +10 %, leaders reliably improved 60 %, HR incidents -30 %; the
built-in ones: promotion equity (adverse impact ratio) >= 0.8, no worsening
of escalations and voluntary attrition.

The 360 percent is taken as percent of the scale's range (percent of maximum
possible, POMP: effect / (scale_max - scale_min)); the same effect is a
larger percent of the baseline mean, so an effect that meets the target in
POMP meets it under either definition.

==============  ===================================================================
scenario        planted truth
==============  ===================================================================
no_effect       the training changes nothing (360, behaviours, pulse, exits,
                incidents); promotion rates equal across groups
meets_targets   every target met with room: 360 +12.5 % POMP (synth) / +13.3 %
                (flat), HR incidents -70 % / -45 %, escalations and exits fall,
                behaviours and pulse improve, equal promotion rates
half_target     360 +5 % POMP, HR incidents -15 %, the other effects at about half
harm            the 360 improves as in meets_targets, but HR incidents double in
                pilot teams (rate ratio 2.0 from the pilot on); pulse, escalations
                and exits unchanged
pilot_only      meets_targets' training, no comparison group (n_comparison = 0)
==============  ===================================================================
"""

from __future__ import annotations

import math
from typing import Any

from flat_generator import FlatScenario, simulate_flat

from pilot_eval.data.cohort import Cohort
from pilot_eval.data.synth import simulate_cohort

SCENARIOS: tuple[str, ...] = ("no_effect", "meets_targets", "half_target", "harm", "pilot_only")
GENERATORS: tuple[str, ...] = ("synth", "flat")

EQUAL_PROMOTION = {g: 0.09 for g in ("A", "B", "C", "missing")}
#: synth (scale 1..5): 360 effect in points; pulse_effect drives exits and incidents
#: (HR rate ratio exp(-2.4 * pulse_effect), escalations exp(-1.0 * .), exits exp(-2.0 * .)).
SYNTH: dict[str, dict[str, Any]] = {
    "no_effect": {"effect": 0.0},
    "meets_targets": {"effect": 0.5},  # HR rate ratio exp(-1.2) = 0.30
    "half_target": {"effect": 0.2, "pulse_effect": -math.log(0.85) / 2.4},  # HR rate ratio 0.85
    "harm": {"effect": 0.5, "pulse_effect": 0.0, "pilot_rate_ratio": {"hr_incident": 2.0}},
    "pilot_only": {"effect": 0.5},
}
#: flat (scale 1..7)
FLAT: dict[str, FlatScenario] = {
    "no_effect": FlatScenario(),
    "meets_targets": FlatScenario(effect=0.8, pulse_effect=0.4, behaviour_logit=1.2,
                                  rate_ratio={"hr_incident": 0.55, "escalation": 0.7, "voluntary_exit": 0.75}),
    "half_target": FlatScenario(effect=0.3, pulse_effect=0.15, behaviour_logit=0.5,
                                rate_ratio={"hr_incident": 0.85, "escalation": 0.85, "voluntary_exit": 0.9}),
    "harm": FlatScenario(effect=0.8, pulse_effect=0.0, behaviour_logit=1.2, rate_ratio={"hr_incident": 2.0}),
    "pilot_only": FlatScenario(effect=0.8, pulse_effect=0.4, behaviour_logit=1.2,
                               rate_ratio={"hr_incident": 0.55, "escalation": 0.7, "voluntary_exit": 0.75}),
}


def make_cohort(generator: str, scenario: str, n_pilot: int, n_comparison: int, seed: int) -> tuple[Cohort, dict]:
    """One cohort of ``scenario`` from ``generator`` (pilot_only drops the comparison arm)."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}")
    if scenario == "pilot_only":
        n_comparison = 0
    if generator == "synth":
        return simulate_cohort(n_pilot, n_comparison, seed, promotion_prob=EQUAL_PROMOTION, **SYNTH[scenario])
    if generator == "flat":
        return simulate_flat(n_pilot, n_comparison, seed, FLAT[scenario])
    raise ValueError(f"unknown generator {generator!r}")


def planted_table() -> list[dict[str, Any]]:
    """The planted truth per generator and scenario, for the results page."""
    rows = []
    for s in SCENARIOS:
        k = SYNTH[s]
        pe = k.get("pulse_effect", k["effect"])
        hr = math.exp(-2.4 * pe) * k.get("pilot_rate_ratio", {}).get("hr_incident", 1.0)
        rows.append({"generator": "synth", "scenario": s, "empathy_360_pomp_pct": 100 * k["effect"] / 4,
                     "hr_incidents_change_pct": 100 * (hr - 1), "pulse_points": pe,
                     "comparison_group": s != "pilot_only"})
        f = FLAT[s]
        rows.append({"generator": "flat", "scenario": s, "empathy_360_pomp_pct": 100 * f.effect / 6,
                     "hr_incidents_change_pct": 100 * (f.rate_ratio.get("hr_incident", 1.0) - 1),
                     "pulse_points": f.pulse_effect, "comparison_group": s != "pilot_only"})
    return rows
