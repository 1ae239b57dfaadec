"""Step 5 (scorecard): probability of meeting the target, statuses, POMP, excess share, AIR, rule.

References named per test: the normal distribution (scipy) for the probability of meeting a
target; Newcombe (1998) Table II and statsmodels ``confint_proportions_2indep(method="newcomb")``
for the excess share; statsmodels ``Table2x2.riskratio_confint`` (Katz) for the adverse impact
ratio; statsmodels ``multipletests(method="holm")`` for the harm rule; Cohen et al. (1999) for POMP.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pilot_eval.data.config import CohortConfig
from pilot_eval.stats.proportions import newcombe_difference, wilson_interval
from pilot_eval.steps.decision import indicators as ind
from pilot_eval.steps.decision import rule
from pilot_eval.steps.decision import scorecard as sc


@pytest.mark.parametrize("value,lo,hi,target,direction,scale,expected", [
    (12.0, 11.0, 13.0, 10.0, +1, "identity", ind.ON_TRACK),   # whole interval above the target
    (10.25, 8.5, 12.0, 10.0, +1, "identity", ind.AT_RISK),    # issue 11: point estimate alone is not enough
    (4.0, 1.0, 7.0, 10.0, +1, "identity", ind.OFF_TRACK),     # far below: p < 0.10
    (-40.0, -55.0, -20.0, -30.0, -1, "pct_log", ind.AT_RISK),
    (-60.0, -75.0, -40.0, -30.0, -1, "pct_log", ind.ON_TRACK),
    (-54.0, -70.0, -29.0, 0.0, -1, "pct_log", ind.ON_TRACK),  # interval wholly on the improving side
    (-20.0, -45.0, 15.0, 0.0, -1, "pct_log", ind.AT_RISK),    # interval covers no change
    (0.5, 0.3, 0.7, 0.8, +1, "log", ind.OFF_TRACK),
    (np.nan, np.nan, np.nan, 10.0, +1, "identity", ind.NO_DATA),
])
def test_status_from_probability(value, lo, hi, target, direction, scale, expected):
    p = ind.probability_target_met(value, lo, hi, target, direction, scale)
    assert ind.status_from_probability(p) == expected


def test_probability_is_the_normal_approximation_of_the_interval():
    """p = Phi(1.96 (e - T) / half-width), written out with scipy; on the log scale for rate changes;
    p = 0.975 exactly when the interval's worst end touches the target."""
    p = ind.probability_target_met(10.25, 8.5, 12.0, 10.0, +1)
    assert p == pytest.approx(stats.norm.cdf(1.959963984540054 * 0.25 / 1.75), rel=1e-12)
    lo, hi, e = np.log(0.3), np.log(0.8), np.log(0.5)
    p = ind.probability_target_met(-50.0, -70.0, -20.0, -30.0, -1, "pct_log")
    assert p == pytest.approx(stats.norm.cdf(1.959963984540054 * (np.log(0.7) - e) / ((hi - lo) / 2)), rel=1e-12)
    assert ind.probability_target_met(10.0, 8.0, 12.0, 8.0, +1) == pytest.approx(0.975, abs=1e-9)


def test_pomp_does_not_depend_on_the_scale_origin():
    """Cohen et al. (1999): relabelling a 1-5 scale as 0-4 leaves the percent of maximum possible unchanged."""
    assert ind.pomp(0.4, 1, 5) == ind.pomp(0.4, 0, 4) == pytest.approx(10.0)
    assert ind.pomp(0.4, 1, 7) == pytest.approx(100 * 0.4 / 6)


def test_newcombe_matches_the_published_example_and_statsmodels():
    from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

    d, lo, hi = newcombe_difference(56, 70, 48, 80)  # Newcombe (1998), Table II, example (a)
    assert (round(d, 4), round(lo, 4), round(hi, 4)) == (0.2, 0.0524, 0.3339)
    for k1, n1, k2, n2 in [(9, 10, 3, 10), (36, 45, 9, 60), (0, 12, 0, 15), (5, 5, 0, 7)]:
        ref = confint_proportions_2indep(k1, n1, k2, n2, method="newcomb", compare="diff")
        assert newcombe_difference(k1, n1, k2, n2)[1:] == pytest.approx(ref, abs=1e-12)
        assert wilson_interval(k1, n1) == pytest.approx(proportion_confint(k1, n1, method="wilson"), abs=1e-12)


def test_air_interval_matches_katz_riskratio():
    from statsmodels.stats.contingency_tables import Table2x2

    cfg = CohortConfig(name="t", pilot_start=dt.date(2026, 1, 5), min_group_size=5)
    start = pd.Timestamp("2025-06-01")
    rows = []
    for group, n, promoted in (("A", 40, 8), ("B", 30, 3)):
        for i in range(n):
            rows.append({"employee_id": f"{group}{i}", "leader_id": "L1", "group": group, "start_date": start,
                         "end_date": pd.NaT, "exit_type": None,
                         "promoted_date": pd.Timestamp("2026-02-01") if i < promoted else pd.NaT})
    employees = pd.DataFrame(rows)
    leaders = pd.DataFrame({"leader_id": ["L1"], "arm": ["pilot"]})
    got = sc._air_with_ci(employees, leaders, cfg)
    assert got["value"] == pytest.approx((3 / 30) / (8 / 40))
    ref = Table2x2(np.array([[3, 27], [8, 32]])).riskratio_confint(alpha=0.05, method="normal")
    assert (got["ci_low"], got["ci_high"]) == pytest.approx(ref, rel=1e-9)
    assert not sc.fairness(got)  # 0.5 < 0.8, but Fisher p = 0.49: not enough data to tell
    assert sc.fairness({"value": 0.5, "p_value": 0.01})


def test_holm_matches_statsmodels():
    from statsmodels.stats.multitest import multipletests

    for p in ([0.01, 0.04, 0.03], [0.2, 0.001, 0.02], [0.5, 0.5, 0.5]):
        assert rule.holm(p) == pytest.approx(multipletests(p, method="holm")[1].tolist(), abs=1e-15)
    assert np.isnan(rule.holm([np.nan, 0.01])[0]) and rule.holm([np.nan, 0.01])[1] == pytest.approx(0.01)


def _card(**over):
    """A scorecard with the 360 effect well above zero and its target in reach, no harm."""
    base = {
        "empathy_360_change_pct": (11.0, 8.0, 14.0, 10.0, 0.5),
        "pulse_change": (0.2, 0.1, 0.3, 0.0, 0.5),
        "leaders_improved_pct": (40.0, 25.0, 55.0, 60.0, np.nan),
        "behaviour_index_change": (0.1, 0.05, 0.15, 0.0, 0.5),
        "hr_incidents_change_pct": (-35.0, -60.0, 5.0, -30.0, 0.9),
        "escalations_change_pct": (-10.0, -30.0, 15.0, 0.0, 0.8),
        "voluntary_attrition_change_pct": (-5.0, -25.0, 20.0, 0.0, 0.7),
        "promotion_air": (0.9, 0.7, 1.2, 0.8, np.nan),
    }
    base.update(over)
    rows = []
    for key, (v, lo, hi, t, p_worse) in base.items():
        spec = ind.SPECS[key]
        p = ind.probability_target_met(v, lo, hi, t, spec.direction, spec.scale)
        rows.append({"indicator": key, "label": spec.label, "unit": spec.unit, "value": v, "ci_low": lo,
                     "ci_high": hi, "target": t, "probability": p, "status": ind.status_from_probability(p),
                     "n": 105, "p_worse": p_worse, "fairness_flag": False, "note": ""})
    return pd.DataFrame(rows)


def test_rule_scales_a_working_pilot_and_names_every_indicator_at_risk():
    rec = rule.recommend(_card(), fair_comparison=True, icc1k=0.9)
    assert rec.decision == rule.SCALE
    text = " ".join(rec.reasons)
    for label in ("Leaders reliably improved", "HR incidents", "Escalations", "Voluntary attrition"):
        assert label in text
    assert "_" not in text and "nan" not in text.lower()


def test_rule_never_scales_or_stops_without_a_fair_comparison():
    rec = rule.recommend(_card(hr_incidents_change_pct=(80.0, 40.0, 130.0, -30.0, 1e-5)), fair_comparison=False,
                         why_not="there is no comparison group")
    assert rec.decision == rule.ITERATE and "no comparison group" in rec.headline


def test_harm_is_judged_with_holm_over_the_three_risk_outcomes():
    # one-sided p of a rise 0.02: below 0.05 alone, but Holm needs 3 x 0.02 = 0.06 -> no stop
    p_rise = 0.02
    card = _card(escalations_change_pct=(30.0, 2.0, 65.0, 0.0, p_rise))
    rec = rule.recommend(card, fair_comparison=True, icc1k=0.9)
    assert rec.decision == rule.ITERATE and not rec.conditions["harm"] and rec.conditions["harm_warning"]
    card = _card(escalations_change_pct=(60.0, 25.0, 100.0, 0.0, 0.001))
    rec = rule.recommend(card, fair_comparison=True, icc1k=0.9)
    assert rec.decision == rule.STOP and "Escalations" in rec.headline


def test_fairness_flag_blocks_scale_and_futility_stops():
    card = _card()
    card.loc[card["indicator"] == "promotion_air", "fairness_flag"] = True
    assert rule.recommend(card, fair_comparison=True, icc1k=0.9).decision == rule.ITERATE
    rec = rule.recommend(_card(empathy_360_change_pct=(1.0, -1.0, 3.0, 10.0, 0.5)), fair_comparison=True)
    assert rec.decision == rule.STOP
    rec = rule.recommend(_card(empathy_360_change_pct=(6.0, 4.0, 8.0, 10.0, 0.5)), fair_comparison=True)
    assert rec.decision == rule.ITERATE and not rec.conditions["target_in_reach"]
    assert rule.recommend(_card(), fair_comparison=True, icc1k=0.3).decision == rule.ITERATE


def test_hr_incidents_off_track_blocks_scale():
    """Decision benchmark (harm scenario, HR incidents doubled): SCALE needs HR incidents not off track."""
    rec = rule.recommend(_card(hr_incidents_change_pct=(40.0, -30.0, 180.0, -30.0, 0.2)), fair_comparison=True,
                         icc1k=0.9)
    assert rec.conditions["risk_target_off_track"] and rec.decision == rule.ITERATE
    assert "HR incidents" in " ".join(rec.reasons)


def test_futility_when_the_rounded_top_of_the_interval_equals_half_the_target():
    """Published bounds are rounded outwards (privacy), so a top equal to half the target (5 of 10)
    means the computed interval lay below it: stop for futility (rule 3, 'at or below'); a top just
    above half the target is not futile.  Reference: the rule's text."""
    at = rule.recommend(_card(empathy_360_change_pct=(0.0, -2.5, 5.0, 10.0, 0.5)), fair_comparison=True, icc1k=0.9)
    above = rule.recommend(_card(empathy_360_change_pct=(0.0, -2.5, 7.5, 10.0, 0.5)), fair_comparison=True,
                           icc1k=0.9)
    assert at.decision == rule.STOP and at.conditions["futile"]
    assert above.decision == rule.ITERATE and not above.conditions["futile"]
