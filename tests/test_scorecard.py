"""Step 5 (scorecard): statuses, bands, early warnings, recommendation.

References named per test: Wilson (1927) interval vs statsmodels
``proportion_confint(method="wilson")``; ratio of Poisson rate ratios vs a
statsmodels Poisson GLM with exposure fitted directly; Katz log interval of
a ratio of proportions vs statsmodels ``Table2x2.riskratio_confint``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pilot_eval.steps.decision import scorecard as sc


@pytest.mark.parametrize("value,lo,hi,target,direction,level,expected", [
    (12.0, 5.0, 19.0, 10.0, +1, False, sc.ON_TRACK),     # meets target, band above zero
    (12.0, -1.0, 25.0, 10.0, +1, False, sc.AT_RISK),     # meets target, band includes no change
    (4.0, 1.0, 7.0, 10.0, +1, False, sc.OFF_TRACK),      # even the best end misses +10
    (-35.0, -50.0, -20.0, -30.0, -1, False, sc.ON_TRACK),  # lower is better
    (-35.0, -60.0, 5.0, -30.0, -1, False, sc.AT_RISK),
    (-5.0, -15.0, 20.0, -30.0, -1, False, sc.OFF_TRACK),   # best end -15% misses -30%
    (0.9, 0.82, 0.98, 0.8, +1, True, sc.ON_TRACK),         # level: worst end meets 0.8
    (0.79, 0.6, 0.95, 0.8, +1, True, sc.AT_RISK),
    (0.5, 0.3, 0.7, 0.8, +1, True, sc.OFF_TRACK),
    (np.nan, np.nan, np.nan, 10.0, +1, False, sc.NO_DATA),
])
def test_status_rule(value, lo, hi, target, direction, level, expected):
    assert sc.indicator_status(value, lo, hi, target, direction, level) == expected


def test_wilson_interval_matches_statsmodels():
    from statsmodels.stats.proportion import proportion_confint

    for k, n in [(22, 45), (0, 10), (10, 10), (3, 7)]:
        lo, hi = sc._wilson(k, n)
        ref = proportion_confint(k, n, alpha=0.05, method="wilson")
        assert (lo, hi) == pytest.approx(ref, abs=1e-12)


def test_ratio_of_rate_ratios_matches_poisson_glm():
    """The difference-in-differences rate change equals exp(interaction) of a Poisson GLM
    with log exposure offset on the four aggregated cells, and its Wald interval."""
    import statsmodels.api as sm

    rates = pd.DataFrame({
        "leader_id": ["p1", "p1", "p2", "p2", "c1", "c1", "c2", "c2"],
        "window": ["pre", "follow_up"] * 4,
        "avg_headcount": [10.0, 9.0, 8.0, 8.0, 12.0, 11.0, 9.0, 10.0],
        "window_days": [90, 180] * 4,
        "hr_incidents_n": [6, 4, 5, 3, 7, 12, 4, 9],
    })
    got = sc._pooled_rate_change(rates, "hr_incidents_n", {"p1", "p2"}, {"c1", "c2"}, "follow_up")
    r = rates.assign(pilot=rates["leader_id"].str.startswith("p").astype(int),
                     post=(rates["window"] == "follow_up").astype(int),
                     exposure=rates["avg_headcount"] * rates["window_days"] / 90)
    # leader-level rows: the Poisson MLE depends on the cell sums only, so this equals the
    # four-cell model, without a saturated fit
    X = sm.add_constant(np.column_stack([r["pilot"], r["post"], r["pilot"] * r["post"]]).astype(float))
    fit = sm.GLM(r["hr_incidents_n"].astype(float), X, family=sm.families.Poisson(),
                 offset=np.log(r["exposure"])).fit(tol=1e-13)
    b, (lo, hi) = fit.params.iloc[3], fit.conf_int().iloc[3]
    assert got["value"] == pytest.approx(100 * (np.exp(b) - 1), rel=1e-8)
    assert got["ci_low"] == pytest.approx(100 * (np.exp(lo) - 1), rel=1e-6)
    assert got["ci_high"] == pytest.approx(100 * (np.exp(hi) - 1), rel=1e-6)


def test_air_interval_matches_katz_riskratio():
    from statsmodels.stats.contingency_tables import Table2x2

    from pilot_eval.data.config import CohortConfig
    import datetime as dt

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
    assert got["ci_low"] == pytest.approx(ref[0], rel=1e-9)
    assert got["ci_high"] == pytest.approx(min(ref[1], 1.0), rel=1e-9)
