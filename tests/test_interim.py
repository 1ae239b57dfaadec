"""The interim (monthly) look rule and the final rule's spent harm alpha (issue 16, item 3).

References: the boundaries are checked against published tables in
``test_group_sequential.py``; here the rule built on them is checked on
constructed scorecards - each outcome, never SCALE, the thresholds applied
exactly (a p just below a look's boundary stops, just above does not), and
the final rule's Holm test at ``FINAL_HARM_ALPHA = 0.05 - alpha_OBF(1/3)``
(Lan & DeMets 1983: ``alpha(t) = 2 (1 - Phi(z_0.975 / sqrt(t)))``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pilot_eval.data.config import CohortConfig
from pilot_eval.steps.decision import interim, rule
from pilot_eval.steps.decision.indicators import INDICATORS, probability_target_met, status_from_probability

CFG = CohortConfig(name="x", pilot_start=dt.date(2026, 1, 5))  # 90-day pilot, 180-day follow-up
FR = [1 / 9, 2 / 9, 1 / 3]


def card(p_worse: dict[str, float] | None = None, probability: dict[str, float] | None = None,
         empathy: tuple[float, float, float] = (12.0, 10.5, 13.5)) -> pd.DataFrame:
    """A full scorecard: every indicator "at risk" with a finite estimate, overridable p_worse / probability."""
    p_worse = p_worse or {}
    probability = probability or {}
    rows = []
    for s in INDICATORS:
        v, lo, hi = (empathy if s.key == "empathy_360_change_pct" else (0.0, -1.0, 1.0))
        if s.key == "hr_incidents_change_pct":  # on track for its -30 % target
            v, lo, hi = -60.0, -70.0, -45.0
        if s.key == "promotion_air":
            v, lo, hi = 1.0, 0.9, 1.1
        pr = probability.get(s.key, probability_target_met(v, lo, hi, s.default_target, s.direction, s.scale))
        rows.append({"indicator": s.key, "label": s.label, "unit": s.unit, "target": s.default_target,
                     "value": v, "ci_low": lo, "ci_high": hi, "n": 105, "probability": pr,
                     "status": status_from_probability(pr), "p_worse": p_worse.get(s.key, 0.5),
                     "note": "", "fairness_flag": False})
    return pd.DataFrame(rows)


def look(c: pd.DataFrame, k: int, fair: bool = True, **kw) -> rule.Recommendation:
    return interim.interim_recommendation(c, look=k, n_looks=3, information_fraction=FR[k - 1],
                                          previous_fractions=FR[: k - 1], fair_comparison=fair, **kw)


def test_plan_follows_the_schedule_and_the_final_gets_the_alpha_left() -> None:
    day = lambda d: CFG.pilot_start + dt.timedelta(days=d)  # noqa: E731
    p30, p60, p90 = (interim.interim_plan(CFG, day(d)) for d in (30, 60, 90))
    assert (p30.look, p60.look, p90.look) == (1, 2, 3) and p30.n_looks == 3
    assert p90.fractions == pytest.approx(FR) and p90.pilot_fractions == pytest.approx([1 / 3, 2 / 3, 1])
    assert not p90.is_final and not p90.extra
    p120 = interim.interim_plan(CFG, day(120))
    assert p120.extra and not p120.is_final
    assert interim.interim_plan(CFG, day(270)).is_final and interim.interim_plan(CFG, None).is_final
    # Lan-DeMets OBF spending at t = 1/3, closed form
    spent = 2 * stats.norm.sf(stats.norm.isf(0.025) / np.sqrt(1 / 3))
    assert rule.FINAL_HARM_ALPHA == pytest.approx(0.05 - spent) == pytest.approx(0.0493131, abs=1e-6)
    assert interim.final_harm_alpha(CFG) == pytest.approx(rule.FINAL_HARM_ALPHA)
    assert p90.final_harm_alpha == pytest.approx(rule.FINAL_HARM_ALPHA)
    # without follow-up the final analysis is at the pilot's end and the looks are days 30 and 60
    short = CohortConfig(name="s", pilot_start=CFG.pilot_start, follow_up_days=0)
    assert interim.interim_plan(short, day(60)).n_looks == 2
    assert interim.final_harm_alpha(short) == pytest.approx(0.05 - 2 * stats.norm.sf(1.959964 / np.sqrt(2 / 3)),
                                                            abs=1e-6)


def test_the_interim_looks_plus_the_final_spend_at_most_the_harm_budget() -> None:
    # per outcome, the interim boundaries spend alpha_OBF(t)/3; union over 3 outcomes + final Holm = 0.05
    levels = [interim.harm_threshold(FR[:k]) for k in (1, 2, 3)]
    assert levels[0] < levels[1] < levels[2] < 0.05 / 3
    from pilot_eval.stats.group_sequential import crossing_probabilities
    z = stats.norm.isf(levels)
    per_outcome = crossing_probabilities(FR, z).sum()
    assert 3 * per_outcome + rule.FINAL_HARM_ALPHA == pytest.approx(0.05, abs=1e-6)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_stop_for_harm_exactly_at_the_look_boundary(k: int) -> None:
    bar = interim.harm_threshold(FR[:k])
    below = look(card({"hr_incidents_change_pct": bar * 0.99}), k)
    above = look(card({"hr_incidents_change_pct": bar * 1.01}), k)
    assert below.decision == interim.STOP_HARM and "HR incidents" in below.headline
    assert any(r.startswith("Harm: HR incidents") for r in below.reasons)
    assert above.decision == interim.CONTINUE


def test_each_outcome_and_the_order_of_the_rules() -> None:
    assert look(card(), 2).decision == interim.CONTINUE
    adj = interim.adjust_threshold([1 / 3, 2 / 3])
    off = look(card(probability={"pulse_change": adj * 0.9}), 2)
    assert off.decision == interim.ADJUST and "team pulse" in off.headline.lower()
    assert any(r.startswith("Off track: Team pulse") for r in off.reasons)
    # a leading indicator at the scorecard's usual "off track" (below 10%) but above the looks-adjusted bar
    assert look(card(probability={"pulse_change": 0.05}), 2).decision == interim.CONTINUE
    # harm comes before adjusting
    both = card({"escalations_change_pct": 1e-9}, {"behaviour_index_change": 1e-6})
    assert look(both, 3).decision == interim.STOP_HARM
    # no fair comparison: continue, whatever the numbers
    r = look(both, 3, fair=False, why_not="there is no comparison group")
    assert r.decision == interim.CONTINUE and "no comparison group" in r.headline
    # an outcome without data cannot stop the pilot; it is named
    nd = card({"hr_incidents_change_pct": 1e-12})
    nd.loc[nd["indicator"] == "hr_incidents_change_pct", "status"] = "no data"
    r = look(nd, 3)
    assert r.decision == interim.CONTINUE and any(x.startswith("Not yet judged for harm: HR incidents") for x in r.reasons)
    # an extra look after the pilot's end spends nothing
    assert look(card({"hr_incidents_change_pct": 1e-12}), 3, extra=True).decision == interim.CONTINUE


def test_the_interim_rule_never_says_scale() -> None:
    rng = np.random.default_rng(7)
    seen = set()
    for _ in range(120):
        c = card({k: float(rng.uniform(0, 1) ** 6) for k in interim.HARM_INDICATORS},
                 {k: float(rng.uniform(0, 1) ** 4) for k in interim.LEADING_INDICATORS},
                 empathy=(40.0, 30.0, 50.0))
        k = int(rng.integers(1, 4))
        r = look(c, k, fair=bool(rng.integers(0, 2)))
        assert r.decision in interim.INTERIM_DECISIONS and r.decision != rule.SCALE
        assert "scale" not in r.headline.lower().replace("never to scale", "")
        seen.add(r.decision)
    assert seen == set(interim.INTERIM_DECISIONS)
    assert all(isinstance(s, str) and s.endswith(".") for s in interim.INTERIM_RULE_TEXT)


def test_final_rule_tests_harm_at_the_alpha_left() -> None:
    # Holm's first step: min p x 3 against the level; a p between 0.0493/3 and 0.05/3 stops only at 5 %
    p = (rule.FINAL_HARM_ALPHA + 0.05) / 2 / 3
    c = card({"hr_incidents_change_pct": p})
    assert rule.recommend(c, fair_comparison=True, harm_alpha=0.05).decision == rule.STOP
    assert rule.recommend(c, fair_comparison=True).decision != rule.STOP  # default: FINAL_HARM_ALPHA
    assert rule.recommend(c, fair_comparison=True, harm_alpha=rule.FINAL_HARM_ALPHA).conditions["harm"] is False
    assert rule.recommend(card({"hr_incidents_change_pct": 0.9 * rule.FINAL_HARM_ALPHA / 3}),
                          fair_comparison=True).decision == rule.STOP


def test_spending_alpha_at_the_final_never_changes_scale() -> None:
    rng = np.random.default_rng(3)
    calls = []
    for _ in range(120):
        # p of a rise around the warning (0.10) and harm (0.05 / 3) cut-offs
        ps = {k: float(rng.choice([rng.uniform(0, 0.03), rng.uniform(0.09, 0.6)])) for k in interim.HARM_INDICATORS}
        c = card(ps, empathy=(14.0, 12.5, 15.5))
        old = rule.recommend(c, fair_comparison=True, harm_alpha=0.05).decision
        new = rule.recommend(c, fair_comparison=True).decision
        assert (old == rule.SCALE) == (new == rule.SCALE)
        calls.append((old, new))
    assert {o for o, _ in calls} == {rule.SCALE, rule.ITERATE, rule.STOP}  # every call was reached
    # and a card with no warning sign scales under both
    c = card({k: 0.6 for k in interim.HARM_INDICATORS}, empathy=(14.0, 12.5, 15.5))
    assert rule.recommend(c, fair_comparison=True).decision == rule.SCALE


def test_plan_gives_the_harm_level_of_each_look_for_the_final_rule() -> None:
    day = lambda d: CFG.pilot_start + dt.timedelta(days=d)  # noqa: E731
    p90 = interim.interim_plan(CFG, day(90))
    assert p90.harm_alpha == pytest.approx(3 * interim.harm_threshold(FR))
    assert interim.interim_plan(CFG, day(150)).harm_alpha == 0.0          # extra look: nothing spent
    assert interim.interim_plan(CFG, day(270)).harm_alpha == pytest.approx(rule.FINAL_HARM_ALPHA)
    # the final rule at the pilot's end with plan.harm_alpha stops exactly where the interim rule does
    b = interim.harm_threshold(FR)
    for p in (b * 0.98, b * 1.02):
        c = card({"escalations_change_pct": p})
        final_stop = rule.recommend(c, fair_comparison=True, harm_alpha=p90.harm_alpha).decision == rule.STOP
        assert final_stop == (look(c, 3).decision == interim.STOP_HARM)


def test_final_rule_does_not_scale_while_a_risk_outcome_is_not_yet_measurable() -> None:
    c = card({k: 0.6 for k in interim.HARM_INDICATORS}, empathy=(14.0, 12.5, 15.5))
    assert rule.recommend(c, fair_comparison=True).decision == rule.SCALE
    c.loc[c["indicator"] == "voluntary_attrition_change_pct", ["status", "value", "probability"]] = ["not yet", np.nan,
                                                                                                     np.nan]
    r = rule.recommend(c, fair_comparison=True)
    assert r.decision == rule.ITERATE and r.conditions["risk_not_yet"]
    assert "voluntary attrition" in r.headline and "follow-up" in r.headline
