"""Rollout sample size: the formula against simulation, and the power table on the sample.

Reference: Monte Carlo simulation of the planned analysis (a Wald test of the
log rate ratio) at the sample size the formula gives; the empirical power
must be close to the requested 80%.  Zhu & Lakkis (2014) report the same
check for their approach 2 (their Table I: simulated power 0.78-0.82).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pilot_eval.data.cohort import load_cohort
from pilot_eval.measures.lagging_outcomes import lagging_outcomes
from pilot_eval.steps.leading_lagging.power import (
    POWER_COLUMNS,
    design_effect,
    nb_sample_size,
    org_unit_icc,
    power_summary_text,
    rollout_power,
)

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def _wald_power(y0: np.ndarray, y1: np.ndarray, alpha: float = 0.05) -> float:
    """Share of simulated trials (rows) where |log(mean1 / mean0)| / se > z (delta-method se)."""
    n = y0.shape[1]
    m0, m1 = y0.mean(axis=1), y1.mean(axis=1)
    se = np.sqrt(y0.var(axis=1, ddof=1) / (n * m0**2) + y1.var(axis=1, ddof=1) / (n * m1**2))
    z = np.abs(np.log(m1 / m0)) / se
    return float(np.mean(z > stats.norm.ppf(1 - alpha / 2)))


@pytest.mark.parametrize("mu0, rr, k", [(2.0, 0.7, 0.5), (0.8, 0.6, 0.0), (5.0, 0.8, 0.3)])
def test_sample_size_gives_80_percent_power_in_simulation(mu0, rr, k):
    n = int(np.ceil(nb_sample_size(mu0, rr, k)))
    rng = np.random.default_rng(42)
    sims = 4000

    def draw(mu: float) -> np.ndarray:
        if k == 0:
            return rng.poisson(mu, (sims, n))
        return rng.negative_binomial(1 / k, 1 / (1 + k * mu), (sims, n))  # mean mu, var mu + k mu^2

    power = _wald_power(draw(mu0), draw(mu0 * rr))
    assert power == pytest.approx(0.80, abs=0.03), (n, power)


def test_sample_size_formula_is_zhu_lakkis_approach_2():
    """Hand evaluation of Zhu & Lakkis (2014) approach 2 with duration t = 1, equal allocation."""
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    mu0, rr, k = 0.8 * 0.75, 0.85, 0.4  # their Table I setting r0 = 0.8, mu_t = 0.75, RR = 0.85, k = 0.4
    hand = z**2 * (1 / mu0 + 1 / (mu0 * rr) + 2 * k) / np.log(rr) ** 2
    assert float(nb_sample_size(mu0, rr, k)) == pytest.approx(hand, rel=1e-12)
    # more events per leader or a larger effect need fewer leaders; dispersion needs more
    assert nb_sample_size(2 * mu0, rr, k) < nb_sample_size(mu0, rr, k) < nb_sample_size(mu0, rr, 2 * k)
    assert nb_sample_size(mu0, 0.7, k) < nb_sample_size(mu0, rr, k)
    assert np.isinf(nb_sample_size(mu0, 1.0, k))


def test_design_effect_gives_80_percent_power_for_whole_units_in_simulation():
    """Clustered simulation: leaders in units of m, unit and leader gamma frailties.

    Var(Y) = mu + mu^2 * k_tot with k_tot = (1 + k)(1 + s2) - 1 and
    ICC = mu^2 s2 / Var(Y); whole units are assigned to arms and analysed by
    unit means.  n = nb_sample_size(mu0, RR, k_tot) * (1 + (m - 1) ICC).
    """
    mu0, rr, k, s2, m = 2.0, 0.75, 0.3, 0.08, 8
    k_tot = (1 + k) * (1 + s2) - 1
    icc = mu0**2 * s2 / (mu0 + mu0**2 * k_tot)
    deff = design_effect(icc, m)
    units = int(np.ceil(nb_sample_size(mu0, rr, k_tot) * deff / m))
    rng = np.random.default_rng(7)
    sims = 3000

    def arm(mu: float) -> np.ndarray:
        unit = rng.gamma(1 / s2, s2, (sims, units, 1))
        leader = rng.gamma(1 / k, k, (sims, units, m))
        y = rng.poisson(mu * unit * leader)
        return y.mean(axis=2)  # unit means

    c0, c1 = arm(mu0), arm(mu0 * rr)
    se = np.sqrt(c0.var(axis=1, ddof=1) / (units * c0.mean(axis=1) ** 2)
                 + c1.var(axis=1, ddof=1) / (units * c1.mean(axis=1) ** 2))
    z = np.abs(np.log(c1.mean(axis=1) / c0.mean(axis=1))) / se
    power = float(np.mean(z > stats.norm.ppf(0.975)))
    assert power == pytest.approx(0.80, abs=0.04), (units, power)
    # without the design effect the same design would be clearly underpowered
    assert deff > 1.4


def test_org_unit_icc_recovers_between_unit_share():
    rng = np.random.default_rng(3)
    units = np.repeat(np.arange(60), 10)
    value = rng.normal(0, 1, 60)[units] * np.sqrt(0.3) + rng.normal(0, np.sqrt(0.7), units.size)
    arm = np.where(units % 2 == 0, "pilot", "comparison")
    value = value + np.where(arm == "pilot", 5.0, 0.0)  # an arm difference is not clustering
    icc = org_unit_icc(pd.DataFrame({"org_unit": units.astype(str), "arm": arm, "value": value}))
    assert icc == pytest.approx(0.3, abs=0.1)


@pytest.fixture(scope="module")
def sample_power() -> pd.DataFrame:
    cohort = load_cohort(SAMPLE)
    return rollout_power(lagging_outcomes(cohort), cohort.leaders, cohort.config)


def test_power_table_on_sample(sample_power):
    p = sample_power
    assert list(p.columns) == list(POWER_COLUMNS)
    target = p[(p["lagging"] == "hr_incidents:follow_up") & (p["effect"] == "target")].iloc[0]
    assert target["rate_ratio"] == pytest.approx(0.7)  # cohort.toml: hr_incidents_change_pct = -30
    ok = p.dropna(subset=["leaders_total"])
    assert (ok["leaders_total"] == 2 * ok["leaders_per_arm"]).all()
    assert (ok["leaders_per_arm"] >= ok["leaders_per_arm_unclustered"]).all()
    assert (ok["design_effect"] >= 1).all()
    # the recomputation from the row's own inputs
    for r in ok.itertuples():
        n = nb_sample_size(r.events_per_leader, r.rate_ratio, r.dispersion)
        assert r.leaders_per_arm == int(np.ceil(n * r.design_effect))
    # voluntary exits in the last pilot month are too few to plan on (7 events)
    vol = p[p["lagging"] == "voluntary_attrition:last_pilot_month"].iloc[0]
    assert pd.isna(vol["leaders_total"]) and "too unstable" in vol["note"]
    text = power_summary_text(p)
    assert "hr_incidents:follow_up (target rate ratio 0.700)" in text


def test_power_without_comparison_group_says_why(sample_power):
    cohort = load_cohort(SAMPLE)
    pilots = cohort.leaders[cohort.leaders["arm"] == "pilot"]
    out = rollout_power(lagging_outcomes(cohort), pilots, cohort.config)
    assert len(out) == 1 and "no comparison group" in out["note"].iloc[0]
