"""The leading -> lagging verdict rule: primary test, verdicts, minimal detectable effect.

References named by the tests:

* the primary test's rate ratio against statsmodels' negative binomial
  maximum-likelihood fit (``statsmodels.discrete.discrete_model.NegativeBinomial``,
  NB2, offset log(exposure), dispersion estimated jointly: an implementation
  independent of the project's profile-likelihood + GLM route), and its
  standard error against the CR1 sandwich and the model-based error computed by hand from the
  reference fit (the larger of the two, Angrist & Pischke 2009, 8.2);
* the verdict rule on constructed pair results (each of the three verdicts,
  Holm within a window, supporting methods cannot change a verdict);
* the minimal detectable effect against a direct Monte Carlo simulation of the
  planned one-sided Wald test (the empirical power at the MDE must be close to 80 %);
* the Scott & Holt (1982) design effect formula by hand, and the ANOVA ICC
  against :func:`pilot_eval.stats.icc.icc_oneway_unbalanced` (itself checked against R psych).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.discrete.discrete_model import NegativeBinomial

from pilot_eval.data.config import CohortConfig
from pilot_eval.stats.detectable import (icc_anova, minimal_detectable_log_effect, minimal_detectable_rate_ratio,
                                         one_sided_p, regression_design_effect, slope_standard_error)
from pilot_eval.stats.icc import icc_oneway_unbalanced
from pilot_eval.steps.leading_lagging import oc, rule
from pilot_eval.steps.leading_lagging import validation as ll

from lazy_import import lazy

sm = lazy("statsmodels.api")


# ---------------------------------------------------------------------------
# constructed leader-level data
# ---------------------------------------------------------------------------
def _frames(n: int = 240, beta: float = -0.35, k: float = 0.8, seed: int = 7, n_units: int = 20):
    rng = np.random.default_rng(seed)
    unit = rng.integers(0, n_units, n)
    role = rng.choice(["lead", "manager", "head"], n, p=[0.5, 0.3, 0.2])
    culture = rng.choice(["north", "south"], n)
    x = rng.normal(0.1, 0.25, n) + rng.normal(0, 0.1, n_units)[unit]
    exposure = rng.uniform(800, 2400, n)
    pre_rate = rng.gamma(2.0, 3.0, n)
    z = (x - x.mean()) / x.std(ddof=1)
    mu = exposure * 0.0012 * np.exp(beta * z + 0.2 * (role == "manager") + 0.02 * pre_rate)
    y = rng.negative_binomial(1 / k, 1 / (1 + k * mu))
    ids = [f"L{i:04d}" for i in range(n)]
    ind = pd.DataFrame({"leader_id": ids, "arm": "pilot", "role": role, "culture": culture,
                        "org_unit": [f"u{u}" for u in unit], "pulse_change_early": x})
    lag = pd.DataFrame({"leader_id": ids, "outcome": "hr_incidents", "period": "follow_up",
                        "events": y.astype(float), "person_days": exposure, "rate": np.nan,
                        "pre_events": np.nan, "pre_person_days": np.nan, "pre_rate": pre_rate})
    return ind, lag


def _config() -> CohortConfig:
    import datetime as dt
    return CohortConfig(name="t", pilot_start=dt.date(2026, 1, 5))


def _design(ind: pd.DataFrame, lag: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = ind["pulse_change_early"].to_numpy()
    z = (x - x.mean()) / x.std(ddof=1)
    dummies = pd.get_dummies(ind[["role", "culture"]], drop_first=True).to_numpy(dtype=float)
    X = sm.add_constant(np.column_stack([z, dummies, lag["pre_rate"].to_numpy()]))
    return X, lag["events"].to_numpy(), np.log(lag["person_days"].to_numpy())


def test_primary_test_matches_statsmodels_negative_binomial_mle():
    ind, lag = _frames()
    res = ll.validate_pairs(ind, lag, _config(), supporting=False)
    row = res[res["method"] == "count_model"].iloc[0]
    assert row["evidence"] == "primary" and "negative binomial" in row["note"]
    X, y, off = _design(ind, lag)
    ref = NegativeBinomial(y, X, offset=off, loglike_method="nb2").fit(disp=0, maxiter=500, method="bfgs")
    assert row["estimate"] == pytest.approx(np.exp(ref.params[1]), rel=2e-4)
    # cluster-robust SE (CR1, Cameron & Miller 2015) by hand at the reference fit: bread = expected
    # information, meat = cluster sums of the NB2 scores, c = G / (G - 1) * (N - 1) / (N - K)
    alpha, b = float(ref.params[-1]), ref.params[:-1]
    mu = np.exp(X @ b + off)
    bread = np.linalg.inv(X.T @ (X * (mu / (1 + alpha * mu))[:, None]))
    g = pd.factorize(ind["org_unit"])[0]
    sums = np.zeros((g.max() + 1, X.shape[1]))
    np.add.at(sums, g, X * ((y - mu) / (1 + alpha * mu))[:, None])
    G, N, K = g.max() + 1, len(y), X.shape[1]
    cov = G / (G - 1) * (N - 1) / (N - K) * bread @ (sums.T @ sums) @ bread
    n_units = ind["org_unit"].nunique()
    se = (np.log(row["ci_high"]) - np.log(row["ci_low"])) / (2 * stats.t.ppf(0.975, n_units - 1))
    # the test uses the larger of the cluster-robust and the model-based (expected information) error
    assert se == pytest.approx(max(np.sqrt(cov[1, 1]), np.sqrt(bread[1, 1])), rel=2e-3)
    # one-sided p in the hypothesised direction (fewer events), t with units - 1 df
    assert row["p_value"] == pytest.approx(stats.t.cdf(np.log(row["estimate"]) / se, n_units - 1), rel=1e-3)


def test_one_sided_p_and_direction():
    assert float(one_sided_p(-2.0, -1)) == pytest.approx(stats.norm.cdf(-2.0))
    assert float(one_sided_p(-2.0, +1)) == pytest.approx(stats.norm.sf(-2.0))
    assert float(one_sided_p(2.0, +1, df=9)) == pytest.approx(stats.t.sf(2.0, 9))
    with pytest.raises(ValueError):
        one_sided_p(1.0, 0)


def test_wrong_direction_is_not_validated_however_strong():
    ind, lag = _frames(beta=+0.6)  # a better signal with MORE events
    res = ll.validate_pairs(ind, lag, _config(), supporting=False)
    row = res[res["method"] == "count_model"].iloc[0]
    assert row["estimate"] > 1.3 and row["p_value"] > 0.99
    assert row["verdict"] == "not validated" and "not in the expected direction" in row["note"]


# ---------------------------------------------------------------------------
# the verdict rule on constructed pair results
# ---------------------------------------------------------------------------
def _pair(leading: str, rr: float, p1: float, period: str = "follow_up", reason: str = "",
          cv_p: float = 0.5, outcome: str = "hr_incidents") -> dict:
    out = {"leading": leading, "outcome": outcome, "period": period, "n": 120, "events": 150.0,
           "scale": "yes vs no" if ll.INDICATORS[leading].binary else "per SD", "reason": reason, "x_sd": 0.2}
    if reason:
        return out
    out["count"] = pd.Series({"rate_ratio": rr, "rr_ci_low": rr * 0.8, "rr_ci_high": rr * 1.2, "p_one_sided": p1,
                              "family": "poisson", "dispersion_p": 0.5, "alpha": 0.0, "cov_type": "cluster",
                              "n_clusters": 16, "df": 15.0, "converged": True, "se_planned": 0.1,
                              "design_effect": 1.1})
    out["partial"] = pd.Series({"r": -0.3, "ci_low": -0.5, "ci_high": -0.1, "p_value": 0.01, "k": 7})
    out["cv"] = pd.Series({"gain": 0.05, "p_value": cv_p, "deviance_full": 1.0, "deviance_controls": 1.1,
                           "n_folds": 5, "n_permutations": 999})
    return out


def _verdicts(pairs: list[dict], **kw) -> pd.Series:
    res = ll.verdicts(pairs, **kw)
    return res[res["method"] == "count_model"].set_index(["leading", "lagging"])


def test_each_of_the_three_verdicts():
    out = _verdicts([
        _pair("pulse_change_early", 0.6, 0.001),
        _pair("behaviour_index_change", 0.95, 0.30),
        _pair("practice_sessions", np.nan, np.nan, reason="12 events, fewer than the 40 needed"),
    ])
    v = out["verdict"].droplevel(1).to_dict()
    assert v == {"pulse_change_early": "validated", "behaviour_index_change": "not validated",
                 "practice_sessions": "insufficient data"}
    text = out["verdict_text"].droplevel(1)
    assert text["pulse_change_early"] == "validated"
    # MDE: one-sided level 0.05 / 2 tested pairs, t(15), se 0.1
    mde = np.exp(-(stats.t.ppf(1 - 0.025, 15) + stats.t.ppf(0.8, 15)) * 0.1)
    assert out["mde"].droplevel(1)["behaviour_index_change"] == pytest.approx(mde)
    assert text["behaviour_index_change"] == (
        f"not validated (this pilot could detect a link of at least {100 * (1 - mde):.0f}% fewer events per "
        "0.2-point larger change in the behaviour index (0 to 1 scale) (one standard deviation))")
    assert text["practice_sessions"] == "insufficient data (12 events, fewer than the 40 needed)"
    assert np.isnan(out["mde"].droplevel(1)["practice_sessions"])
    assert set(out["verdict"]) <= set(rule.VERDICTS)


def test_binary_indicator_mde_says_times_the_events():
    out = _verdicts([_pair("practice_plateau", 1.1, 0.3)])
    txt = out["verdict_text"].iloc[0]
    assert out["mde"].iloc[0] > 1 and "times the events for leaders whose practice scores stalled" in txt


def test_holm_within_each_window_and_windows_do_not_interact():
    three = [_pair(name, 0.8, 0.02) for name in ("pulse_change_early", "behaviour_index_change",
                                                 "empathy_360_midpoint_change")]
    out = _verdicts(three)
    assert (out["verdict"] == "not validated").all()
    assert out["p_adjusted"].to_numpy() == pytest.approx([0.06] * 3)
    alone = _verdicts([_pair("pulse_change_early", 0.8, 0.02),
                       _pair("behaviour_index_change", 0.8, 0.02, period="last_pilot_month"),
                       _pair("empathy_360_midpoint_change", 0.8, 0.02, period="last_pilot_month", outcome="escalations")])
    assert alone["p_adjusted"].to_numpy() == pytest.approx([0.02, 0.04, 0.04])
    assert (alone["verdict"] == "validated").all()
    assert (_verdicts(three, p_adjust="fdr_bh")["verdict"] == "validated").all()


def test_supporting_methods_never_change_the_verdict():
    for p1 in (0.001, 0.2):
        a = _verdicts([_pair("pulse_change_early", 0.7, p1, cv_p=0.001)])["verdict"].iloc[0]
        b = _verdicts([_pair("pulse_change_early", 0.7, p1, cv_p=0.99)])["verdict"].iloc[0]
        assert a == b
    res = ll.verdicts([_pair("pulse_change_early", 0.7, 0.2, cv_p=0.001)])
    sup = res[res["evidence"] == "supporting"].set_index("method")
    assert bool(sup.loc["cv_permutation", "criterion_met"]) and res["verdict"].eq("not validated").all()


def test_rule_text_and_vocabulary():
    md = rule.rule_markdown()
    assert "Holm" in md and "supporting evidence" in md
    for v in rule.VERDICTS:
        assert f"**{v}**" in md
    with pytest.raises(ValueError):
        rule.verdict_text("maybe")
    assert "_" not in "".join(rule.RULE_TEXT)


# ---------------------------------------------------------------------------
# minimal detectable effect
# ---------------------------------------------------------------------------
@pytest.mark.slow
def test_mde_gives_80_percent_power_in_direct_simulation():
    """Monte Carlo of the planned test (NB2 GLM at known dispersion, one-sided Wald, alpha 0.05 / 6)."""
    n, mu0, k, level = 200, 1.2, 0.6, 0.05 / 6
    se = slope_standard_error(mu0, k, 1.0, n=n)
    log_rr = -minimal_detectable_log_effect(se, level, 0.8)
    rng = np.random.default_rng(2026)
    hits, sims = 0, 500
    for _ in range(sims):  # 500 small GLM fits
        x = rng.normal(size=n)
        x = (x - x.mean()) / x.std(ddof=1)
        mu = mu0 * np.exp(log_rr * x)
        y = rng.negative_binomial(1 / k, 1 / (1 + k * mu))
        fit = sm.GLM(y, sm.add_constant(x), family=sm.families.NegativeBinomial(alpha=k)).fit()
        hits += fit.params[1] / fit.bse[1] < stats.norm.ppf(level)
    power = hits / sims
    assert power == pytest.approx(0.80, abs=0.05), power  # MC SE 0.018


def test_mde_formula_by_hand():
    # Poisson, 100 leaders with 1 expected event, standardised covariate: se = 0.1
    assert slope_standard_error(1.0, 0.0, 1.0, n=100) == pytest.approx(0.1)
    assert slope_standard_error(np.full(50, 2.0), 0.5, 0.25) == pytest.approx(np.sqrt(1 / (0.25 * 50 * 1.0)))
    assert minimal_detectable_rate_ratio(0.1) == pytest.approx(np.exp(-(1.644854 + 0.841621) * 0.1), rel=1e-5)
    assert minimal_detectable_rate_ratio(0.1, +1, df=15) == pytest.approx(
        np.exp((stats.t.ppf(0.95, 15) + stats.t.ppf(0.8, 15)) * 0.1))
    assert regression_design_effect(11.0, 0.5, 0.2) == pytest.approx(2.0)  # Scott & Holt: 1 + 10 * 0.1
    assert regression_design_effect(11.0, -0.1, np.nan) == 1.0


def test_icc_anova_matches_the_project_icc():
    rng = np.random.default_rng(3)
    g = rng.integers(0, 15, 130)
    y = rng.normal(size=130) + 0.6 * rng.normal(size=15)[g]
    ref = icc_oneway_unbalanced(pd.DataFrame({"g": g.astype(str), "y": y}), "g", "y")
    assert icc_anova(g, y) == pytest.approx(float(ref.loc[ref["method"] == "ICC1", "estimate"].iloc[0]))
    assert np.isnan(icc_anova(np.zeros(5), np.arange(5.0)))


# ---------------------------------------------------------------------------
# the packaged error rates
# ---------------------------------------------------------------------------
def test_packaged_oc_table_is_read_and_quoted():
    table = oc.load_oc()
    assert table is not None, "leading_lagging_oc.csv missing from the package"
    assert set(table["measure"]) >= {"power", "false_validation"}
    assert set(table["generator"]) == {"project", "independent"}
    text = oc.error_rate_sentence(150, table)
    assert text.startswith("Measured by simulation on") and "nan" not in text.lower()
    assert "_" not in text


def test_too_few_org_units_is_insufficient_data():
    ind, lag = _frames(n=120, n_units=4)
    res = ll.validate_pairs(ind, lag, _config(), supporting=False)
    row = res[res["method"] == "count_model"].iloc[0]
    assert row["verdict"] == "insufficient data"
    assert row["verdict_text"] == ("insufficient data (leaders in fewer than 5 org units: too few to allow for "
                                   "leaders of the same unit being alike)")
