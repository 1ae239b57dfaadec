"""Return on investment (issue 17).

References: a hand computation (the Phillips ROI formula, ROI % = 100 x
(benefit - cost) / cost, with events averted = E (1/RR - 1)); the planted
truth of the project's generator for the no-effect check.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from pilot_eval.steps.roi import ROI_COLUMNS, Costs, roi, summary_sentence


def _effects(**pct: float) -> pd.DataFrame:
    return pd.DataFrame({"outcome": list(pct), "model": "count", "estimate": list(pct.values()),
                         "std_error": 1e-9})


COSTS = Costs(cost_per_participant=2000, cost_per_voluntary_exit=30000, cost_per_hr_incident=5000,
              cost_per_escalation=1000)


def test_money_conversion_equals_a_hand_computation():
    # 180-day window: 6 exits -> 12.167 a year; RR 0.75 -> 12.167 * (1/0.75 - 1) = 4.056 averted
    # 9 incidents -> 18.25 a year; RR 0.6 -> 18.25 * (1/0.6 - 1) = 12.167 averted
    eff = _effects(voluntary_attrition=-25.0, hr_incidents=-40.0)
    res = roi(eff, {"voluntary_attrition": 6, "hr_incidents": 9}, {"voluntary_attrition": 180, "hr_incidents": 180},
              COSTS, n_pilot=20, rollout_leaders=100, n_draws=2000)
    exits = 6 * 365 / 180 * (1 / 0.75 - 1) * 30000
    incidents = 9 * 365 / 180 * (1 / 0.6 - 1) * 5000
    benefit, cost = exits + incidents, 20 * 2000
    t = res.table.set_index(["scope", "measure"])["estimate"]
    assert t["pilot", "benefit"] == pytest.approx(benefit, rel=1e-9)
    assert t["pilot", "cost"] == cost
    assert t["pilot", "net_benefit"] == pytest.approx(benefit - cost, rel=1e-9)
    assert t["pilot", "benefit_cost_ratio"] == pytest.approx(benefit / cost, rel=1e-9)
    assert t["pilot", "roi_pct"] == pytest.approx(100 * (benefit - cost) / cost, rel=1e-9)
    # the rollout scales events and cost by 100 / 20: same ROI %, five times the money
    assert t["rollout", "benefit"] == pytest.approx(5 * benefit, rel=1e-9)
    assert t["rollout", "roi_pct"] == pytest.approx(t["pilot", "roi_pct"], rel=1e-9)
    assert t["pilot", "p_roi_positive"] == 1.0
    assert list(res.table.columns) == list(ROI_COLUMNS)
    assert "escalations" in res.not_monetised  # no estimate: no benefit claimed


def test_roi_pct_is_consistent_and_intervals_bracket_the_estimate():
    eff = pd.DataFrame({"outcome": ["voluntary_attrition", "hr_incidents", "escalations"], "model": "count",
                        "estimate": [-20.0, 10.0, -5.0], "std_error": [0.3, 0.25, 0.2]})
    ev = {"voluntary_attrition": 10, "hr_incidents": 20, "escalations": 40}
    days = dict.fromkeys(ev, 180)
    res = roi(eff, ev, days, COSTS, n_pilot=30, rollout_leaders=300, seed=3)
    for scope, g in res.table.groupby("scope"):
        t = g.set_index("measure")
        b, c = t.loc["benefit", "estimate"], t.loc["cost", "estimate"]
        assert t.loc["roi_pct", "estimate"] == pytest.approx(100 * (b - c) / c)
        for m in ("benefit", "net_benefit", "roi_pct", "benefit_cost_ratio"):
            assert t.loc[m, "ci_low"] <= t.loc[m, "estimate"] <= t.loc[m, "ci_high"], (scope, m)
        assert 0 < t.loc["p_roi_positive", "estimate"] < 1
    # harm counts: HR incidents rose 10 %, so their benefit is negative (no truncation at zero)
    only_harm = roi(_effects(hr_incidents=10.0), {"hr_incidents": 20}, {"hr_incidents": 180}, COSTS, n_pilot=30)
    assert only_harm.table.set_index(["scope", "measure"]).loc[("pilot", "benefit"), "estimate"] < 0


def test_simulated_interval_matches_the_delta_method_for_one_outcome():
    # benefit = E c (exp(-log RR) - 1) with log RR ~ N(m, s^2): its quantiles are exact transforms
    m, s = math.log(0.7), 0.2
    eff = _effects(hr_incidents=100 * (math.exp(m) - 1))
    eff["std_error"] = s
    res = roi(eff, {"hr_incidents": 50}, {"hr_incidents": 365}, COSTS, n_pilot=10, n_draws=200_000, seed=1)
    t = res.table.set_index(["scope", "measure"])
    # back to the log rate-ratio scale: the 2.5 / 97.5 % benefit quantiles are at m +/- 1.96 s
    to_log_rr = lambda b: -math.log1p(b / (50 * 5000))  # noqa: E731
    assert to_log_rr(t.loc[("pilot", "benefit"), "ci_low"]) == pytest.approx(m + 1.959964 * s, abs=0.004)
    assert to_log_rr(t.loc[("pilot", "benefit"), "ci_high"]) == pytest.approx(m - 1.959964 * s, abs=0.004)


def test_sensitivity_moves_the_right_way_with_the_exit_cost():
    costs = Costs(cost_per_participant=2000, average_salary=60000, exit_cost_share_of_salary=0.5)
    eff = pd.DataFrame({"outcome": ["voluntary_attrition"], "model": "count", "estimate": [-30.0],
                        "std_error": [0.25]})
    res = roi(eff, {"voluntary_attrition": 8}, {"voluntary_attrition": 180}, costs, n_pilot=25)
    s = res.sensitivity
    assert list(s["assumption"]) == ["20% of salary", "50% of salary", "100% of salary", "150% of salary",
                                     "200% of salary"]
    assert s["roi_pct"].is_monotonic_increasing and s["p_roi_positive"].is_monotonic_increasing
    # and the other way when the training made exits more frequent
    eff["estimate"] = 30.0
    worse = roi(eff, {"voluntary_attrition": 8}, {"voluntary_attrition": 180}, costs, n_pilot=25).sensitivity
    assert worse["roi_pct"].is_monotonic_decreasing


def test_without_costs_the_page_says_what_to_supply():
    res = roi(_effects(hr_incidents=-30.0), {"hr_incidents": 10}, {"hr_incidents": 180}, Costs(), n_pilot=10)
    assert not res.computed
    text = summary_sentence(res)
    assert "program cost per pilot leader" in text and "[costs]" in text and "HR incident" in text
    assert not re.findall(r"\b[a-z0-9]+_[a-z0-9_]+\b", text)  # plain words on the page


def test_no_comparison_group_no_roi():
    res = roi(_effects(hr_incidents=-30.0), {"hr_incidents": 10}, {"hr_incidents": 180}, COSTS, n_pilot=10,
              has_comparison=False)
    assert not res.computed and "comparison" in summary_sentence(res)


def test_bad_cost_settings_are_refused():
    with pytest.raises(ValueError, match="unknown"):
        Costs.from_mapping({"cost_per_particpant": 1})
    with pytest.raises(ValueError, match=">= 0"):
        Costs.from_mapping({"cost_per_participant": -5})
    assert Costs.from_mapping({"average_salary": 50000, "exit_cost_share_of_salary": 0.4}).per_event(
        "voluntary_attrition") == pytest.approx(20000)


def test_cost_settings_are_the_contracts():
    """One definition: the ROI's cost settings are the [costs] keys of the data contract."""
    from pilot_eval.data.config import COST_KEYS
    from pilot_eval.steps.roi import COST_SETTINGS

    assert set(COST_SETTINGS) == set(COST_KEYS)


def test_uncertainty_comes_from_the_published_interval():
    """The scorecard's numbers: the SE of log RR implied by the row's 95% interval, not a rounded std_error."""
    m, s = math.log(0.6), 0.3
    lo, hi = 100 * (math.exp(m - 1.959964 * s) - 1), 100 * (math.exp(m + 1.959964 * s) - 1)
    base = pd.DataFrame({"outcome": ["hr_incidents"], "model": "count", "estimate": [100 * (math.exp(m) - 1)],
                         "ci_low": [lo], "ci_high": [hi]})
    a = roi(base.assign(std_error=s), {"hr_incidents": 30}, {"hr_incidents": 365}, COSTS, n_pilot=10, seed=2)
    b = roi(base.assign(std_error=2.5), {"hr_incidents": 30}, {"hr_incidents": 365}, COSTS, n_pilot=10, seed=2)
    pd.testing.assert_frame_equal(a.table, b.table)
