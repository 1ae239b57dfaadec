"""Tests of pilot_eval.stats.balance (WWC baseline equivalence).

References used:
- Borenstein, Hedges, Higgins & Rothstein (2009), *Introduction to
  Meta-Analysis*, ch. 4 worked example: means 103 / 100, SD 5.5 / 4.5,
  n 50 / 50 -> d = 0.5970, V_d = 0.0418, J = 0.9923, g = 0.5924, V_g = 0.0411.
- pingouin 0.7.0 ``compute_effsize(eftype="hedges")`` (second implementation;
  it uses the same ω = 1 − 3/(4N − 9) as the WWC).
- Hedges (1981) exact bias correction Γ(df/2) / (sqrt(df/2) Γ((df−1)/2)).
- statsmodels ``Table2x2`` log odds ratio and its SE (second implementation of
  the Cox index's ingredients).
- WWC Procedures Handbook v4.1 Appendix E / v5.0 formulas, evaluated by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.special import gammaln
from statsmodels.stats.contingency_tables import Table2x2

from pilot_eval.stats.balance import (
    BALANCE_COLUMNS,
    NOT_SATISFIED,
    REQUIRES_ADJUSTMENT,
    SATISFIED,
    baseline_balance,
    cox_index,
    hedges_g,
    hedges_g_from_stats,
    small_sample_correction,
    wwc_rating,
)

from lazy_import import lazy

pg = lazy("pingouin")


def sample_with(mean: float, sd: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """A sample whose mean and SD (ddof=1) are exactly ``mean`` and ``sd``."""
    x = rng.normal(size=n)
    return mean + sd * (x - x.mean()) / x.std(ddof=1)


# ---------------------------------------------------------------------------
# Hedges' g
# ---------------------------------------------------------------------------
def test_hedges_g_borenstein_worked_example():
    """Borenstein et al. (2009), ch. 4: d = 0.5970, V_d = 0.0418, g = 0.5924."""
    d = hedges_g_from_stats(103, 5.5, 50, 100, 4.5, 50, small_sample=False)
    # pooled SD = sqrt((49*5.5^2 + 49*4.5^2)/98) = sqrt(25.25) = 5.02494; d = 3/5.02494
    assert round(d.estimate, 4) == 0.5970
    # V_d = (n1+n2)/(n1 n2) + d^2/(2(n1+n2)) = 0.04 + 0.5970^2/200 = 0.0418
    assert round(d.se**2, 4) == 0.0418
    g = hedges_g_from_stats(103, 5.5, 50, 100, 4.5, 50)
    assert round(g.estimate, 4) == 0.5924
    # J = 1 - 3/(4*98 - 1) = 1 - 3/391 = ω = 1 - 3/(4*100 - 9): the same number
    assert small_sample_correction(100) == pytest.approx(1 - 3 / 391, abs=1e-15)
    assert g.estimate == pytest.approx(d.estimate * (1 - 3 / 391), rel=1e-12)
    # WWC SE(g) = sqrt(0.04 + g^2/200) = sqrt(0.04 + 0.350987/200) = 0.20434.
    # (Borenstein's SE_g = J * SE_d = sqrt(0.0411) = 0.2028 differs in the 3rd
    # decimal: the WWC evaluates the Hedges-Olkin variance at g instead of
    # multiplying it by J^2.)
    assert g.se == pytest.approx(math.sqrt(0.04 + g.estimate**2 / 200), rel=1e-12)
    assert round(g.se, 4) == 0.2043


def test_hedges_g_raw_data_matches_summary_and_pingouin():
    """Raw-data g equals the summary-statistic g and pingouin's hedges g."""
    rng = np.random.default_rng(1)
    t = sample_with(103, 5.5, 50, rng)
    c = sample_with(100, 4.5, 50, rng)
    es = hedges_g(t, c)
    assert round(es.estimate, 4) == 0.5924  # the Borenstein example again, from data
    assert es.estimate == pytest.approx(pg.compute_effsize(t, c, eftype="hedges"), rel=1e-10)
    # unequal groups, skewed data
    t2 = rng.gamma(2.0, size=13)
    c2 = rng.gamma(2.5, size=29)
    assert hedges_g(t2, c2).estimate == pytest.approx(
        pg.compute_effsize(t2, c2, eftype="hedges"), rel=1e-10
    )
    assert hedges_g(t2, c2).n_treat == 13 and hedges_g(t2, c2).n_comp == 29


def test_hedges_omega_vs_exact_correction():
    """ω approximates Hedges' (1981) exact gamma-function correction closely."""
    for n in (10, 20, 100, 1000):
        df = n - 2
        exact = math.exp(gammaln(df / 2) - 0.5 * math.log(df / 2) - gammaln((df - 1) / 2))
        omega = small_sample_correction(n)
        # N = 20: exact 0.9576464, ω = 0.9577465; N = 100: 0.9923241 vs 0.9923274.
        # ω is a hair above the exact factor (shrinks d a little less); gap ~ 0.03-0.05 / N^2
        assert 0 < omega - exact < 0.06 / n**2


def test_hedges_g_missing_and_degenerate():
    es = hedges_g([1.0, 2.0, np.nan, 3.0], [2.0, None, 3.0, 4.0])
    # drops the missing values: t = [1, 2, 3], c = [2, 3, 4], pooled SD 1, d = -1,
    # ω = 1 - 3/(24 - 9) = 0.8 -> g = -0.8
    assert es.estimate == pytest.approx(-0.8)
    assert (es.n_treat, es.n_comp) == (3, 3)
    assert np.isnan(hedges_g([1.0], [2.0, 3.0]).estimate)        # n < 2
    assert np.isnan(hedges_g([1.0, 1.0], [1.0, 1.0]).estimate)   # zero SD


# ---------------------------------------------------------------------------
# Cox index
# ---------------------------------------------------------------------------
def test_cox_index_hand_computed():
    """WWC Cox index, v4.1 Appendix E formula, evaluated by hand."""
    es = cox_index(0.6, 0.4, 50, 50)
    # ln(0.6/0.4) - ln(0.4/0.6) = 2 ln 1.5 = 0.8109302; / 1.65 = 0.4914728;
    # ω = 1 - 3/391 = 0.9923274 -> 0.4877020
    assert es.estimate == pytest.approx(0.4877020, abs=1e-7)
    # cells 30, 20, 20, 30: sum 1/cell = 1/6; sqrt = 0.4082483; /1.65 * ω = 0.2455248
    assert es.se == pytest.approx(0.2455248, abs=1e-7)
    raw = cox_index(0.6, 0.4, 50, 50, small_sample=False)
    assert raw.estimate == pytest.approx(0.4914728, abs=1e-7)


def test_cox_index_vs_statsmodels_log_odds_ratio():
    """Cox index = ω * log OR / 1.65 with statsmodels' log OR and SE."""
    table = Table2x2(np.array([[18, 7], [11, 14]]))  # pilot 18/25, comparison 11/25
    es = cox_index(18 / 25, 11 / 25, 25, 25)
    omega = small_sample_correction(50)
    assert es.estimate == pytest.approx(omega * table.log_oddsratio / 1.65, rel=1e-12)
    assert es.se == pytest.approx(omega * table.log_oddsratio_se / 1.65, rel=1e-12)


def test_cox_index_zero_cell():
    """p = 0: 0.5 added to every cell (Haldane-Anscombe), by hand."""
    es = cox_index(0.0, 0.4, 10, 10)
    # cells 0, 10, 4, 6 -> 0.5, 10.5, 4.5, 6.5
    # ln(0.5/10.5) - ln(4.5/6.5) = -3.0445224 + 0.3677248 = -2.6767976
    # / 1.65 = -1.6223016; ω = 1 - 3/71 = 0.9577465 -> -1.5537537
    assert es.estimate == pytest.approx(-1.5537537, abs=1e-7)
    assert np.isfinite(es.se)
    assert np.isnan(cox_index(1.0, 0.4, 10, 10, zero_cell=None).estimate)
    assert np.isnan(cox_index(0.5, 0.4, 0, 10).estimate)


# ---------------------------------------------------------------------------
# WWC thresholds
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "effect, expected",
    [
        (0.0, SATISFIED),
        (0.05, SATISFIED),            # boundary belongs to "satisfied"
        (-0.05, SATISFIED),
        (0.0501, REQUIRES_ADJUSTMENT),
        (0.25, REQUIRES_ADJUSTMENT),  # boundary belongs to "requires adjustment"
        (-0.25, REQUIRES_ADJUSTMENT),
        (0.2501, NOT_SATISFIED),
        (-1.3, NOT_SATISFIED),
        (float("nan"), None),
    ],
)
def test_wwc_rating_boundaries(effect, expected):
    """WWC Procedures and Standards Handbook v5.0: <= 0.05 / (0.05, 0.25] / > 0.25."""
    assert wwc_rating(effect) == expected


def test_wwc_rating_vectorised():
    out = wwc_rating(np.array([0.01, 0.1, 0.3]))
    assert list(out) == [SATISFIED, REQUIRES_ADJUSTMENT, NOT_SATISFIED]


# ---------------------------------------------------------------------------
# baseline_balance
# ---------------------------------------------------------------------------
def leaders_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "leader_id": pd.Series([f"L{i}" for i in range(8)], dtype="str"),
        "arm": pd.Series(["pilot"] * 4 + ["comparison"] * 4, dtype="str"),
        "tenure_years": [1.0, 2.0, 3.0, 4.0, 2.0, 3.0, 4.0, 5.0],
        "empathy_360": [3.0, 3.0, 3.0, 3.5, 3.0, 3.0, 3.5, np.nan],
        "is_remote": pd.array([1, 0, 1, 1, 0, 0, 1, 0], dtype="Int64"),
        "role": pd.Series(["manager", "team_lead", "manager", None,
                           "manager", "manager", "team_lead", "team_lead"], dtype="str"),
    })


def test_baseline_balance_table():
    df = leaders_frame()
    out = baseline_balance(df, variables=["tenure_years", "empathy_360", "role"],
                           binary=["is_remote"])
    assert tuple(out.columns) == BALANCE_COLUMNS
    rows = out.set_index("variable")
    # tenure: pilot [1,2,3,4] mean 2.5, comparison [2,3,4,5] mean 3.5, both SD 1.2910;
    # d = -1/1.2910 = -0.7745967; ω = 1 - 3/(32-9) = 20/23 -> g = -0.6735623
    # (pingouin.compute_effsize([1,2,3,4],[2,3,4,5], eftype="hedges") = -0.6735623)
    t = rows.loc["tenure_years"]
    assert t.smd == pytest.approx(-0.6735623, abs=1e-7)
    assert (t.pilot_mean, t.comparison_mean) == (2.5, 3.5)
    assert t.method == "hedges_g" and t.wwc_rating == NOT_SATISFIED
    # empathy_360: the missing comparison value is dropped -> n 4 vs 3
    e = rows.loc["empathy_360"]
    assert (e.n_pilot, e.n_comparison) == (4, 3)
    assert e.smd == pytest.approx(
        hedges_g([3.0, 3.0, 3.0, 3.5], [3.0, 3.0, 3.5]).estimate, rel=1e-12)
    # is_remote: pilot 3/4, comparison 1/4 -> cells 3,1,1,3: ln 9 / 1.65 * 20/23
    r = rows.loc["is_remote"]
    assert r.method == "cox_index"
    assert (r.pilot_mean, r.comparison_mean) == (0.75, 0.25)
    assert r.smd == pytest.approx(math.log(9) / 1.65 * 20 / 23, rel=1e-12)
    # role: one row per level; the missing role is dropped (pilot n = 3).
    # role=manager: pilot 2/3, comparison 2/4; ω = 1 - 3/(28-9) = 16/19
    m = rows.loc["role=manager"]
    assert (m.n_pilot, m.n_comparison) == (3, 4)
    assert m.smd == pytest.approx((math.log(2) - math.log(1)) / 1.65 * 16 / 19, rel=1e-12)
    assert rows.loc["role=team_lead"].smd == pytest.approx(-m.smd, rel=1e-12)
    assert list(out["variable"]) == ["tenure_years", "empathy_360",
                                     "role=manager", "role=team_lead", "is_remote"]


def test_baseline_balance_no_comparison_group():
    df = leaders_frame()
    df = df[df["arm"] == "pilot"]
    with pytest.raises(ValueError, match="cannot be assessed.*comparison"):
        baseline_balance(df, variables=["tenure_years"])


def test_baseline_balance_rejects_non_binary_values():
    df = leaders_frame()
    with pytest.raises(ValueError, match="other than 0/1"):
        baseline_balance(df, binary=["tenure_years"])
