"""Difference-in-differences and the event study (pilot_eval.steps.effects.did).

Reference: statsmodels formula OLS with explicit leader dummies (``C(leader_id)``)
and ``cov_type="cluster"``, i.e. the least-squares dummy-variable model that the
within-leader transformation reproduces (Frisch-Waugh-Lovell).  Only the small-
sample factor differs: statsmodels counts the leader dummies in K, we do not
(leaders are nested in org units; Stata ``xtreg, fe vce(cluster)``, R ``fixest``),
so our SEs are the statsmodels ones times sqrt((N - K_dummies) / (N - K_within)).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pilot_eval.data.cohort import load_cohort
from pilot_eval.measures.outcome_frames import monthly_panel
from pilot_eval.steps.effects.did import did_effect, event_studies, event_study

from lazy_import import lazy

smf = lazy("statsmodels.formula.api")


@pytest.fixture(scope="module")
def panel(tiny_cohort) -> pd.DataFrame:
    return monthly_panel(load_cohort(tiny_cohort), "pulse")


def _lsdv(panel: pd.DataFrame, formula: str):
    d = panel.assign(pilot=(panel.arm == "pilot").astype(float), post=panel.post.astype(float),
                     month=panel.month.astype(str))
    for var in ("role", "culture"):
        for lv in sorted(d[var].unique())[1:]:
            d[f"{var}_{lv}_post"] = (d[var] == lv) * d["post"]
    controls = " + ".join(c for c in d.columns if c.endswith("_post"))
    formula = formula.replace("CONTROLS", controls)
    return d, smf.ols(formula, d).fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(d.org_unit)[0]})


def test_did_equals_dummy_variable_regression(panel):
    row = did_effect(panel, controls=True, min_clusters=1)  # CRV1 path
    d, m = _lsdv(panel, "value ~ pilot:post + C(leader_id) + C(month) + CONTROLS")
    assert row["estimate"] == pytest.approx(m.params["pilot:post"], rel=1e-8)
    n = len(d)
    k_lsdv = int(m.df_model) + 1
    k_within = k_lsdv - d.leader_id.nunique()  # slopes only (intercept + leader dummies absorbed)
    scale = np.sqrt((n - k_lsdv) / (n - k_within))
    # our factor (N-1)/(N-K_within) is smaller: se_ours = se_statsmodels * scale
    assert row["std_error"] / scale == pytest.approx(m.bse["pilot:post"], rel=1e-6)
    assert row["n"] == panel.leader_id.nunique() and row["n_obs"] == len(panel)
    assert row["ci_method"].startswith("cluster-robust (CRV1)")


def test_did_without_controls_is_the_classic_2x2_on_a_balanced_panel():
    # balanced panel, pre/post means: DiD = (pilot post - pilot pre) - (comp post - comp pre)
    rng = np.random.default_rng(3)
    leaders = pd.DataFrame({"leader_id": [f"L{i}" for i in range(12)],
                            "arm": ["pilot"] * 6 + ["comparison"] * 6,
                            "role": "r", "culture": "c", "org_unit": [f"u{i % 4}" for i in range(12)],
                            "tenure_years": 1.0})
    months = pd.DataFrame({"month": [-2, -1, 0, 1]})
    p = leaders.merge(months, how="cross")
    p["post"] = p.month >= 0
    p["value"] = rng.normal(size=len(p)) + 0.5 * ((p.arm == "pilot") & p.post)
    row = did_effect(p, controls=False, min_clusters=1)
    g = p.groupby(["arm", "post"]).value.mean()
    classic = (g["pilot", True] - g["pilot", False]) - (g["comparison", True] - g["comparison", False])
    assert row["estimate"] == pytest.approx(classic, rel=1e-10)


def test_event_study_and_pretrend_test_equal_dummy_regression(panel):
    coefs, test = event_study(panel, controls=False)
    d = panel.assign(pilot=(panel.arm == "pilot").astype(float))
    for m in sorted(d.month.unique()):
        if m != -1:
            d[f"lead_{m + 10}"] = d.pilot * (d.month == m)
    leads = [c for c in d.columns if c.startswith("lead_")]
    fit = smf.ols("value ~ " + " + ".join(leads) + " + C(leader_id) + C(month)", d).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(d.org_unit)[0]})
    n, k_lsdv = len(d), int(fit.df_model) + 1
    k_within = k_lsdv - d.leader_id.nunique()
    scale = np.sqrt((n - k_lsdv) / (n - k_within))
    for r in coefs.itertuples():
        if r.month == -1:
            assert r.estimate == 0 and np.isnan(r.std_error)
            continue
        name = f"lead_{r.month + 10}"
        assert r.estimate == pytest.approx(fit.params[name], rel=1e-8)
        assert r.std_error / scale == pytest.approx(fit.bse[name], rel=1e-6)
    # pre-trend: joint test of the leads before month -1 (months -3, -2)
    pre = [f"lead_{m + 10}" for m in (-3, -2)]
    R = np.zeros((2, len(fit.params)))
    for i, name in enumerate(pre):
        R[i, list(fit.params.index).index(name)] = 1
    w = fit.wald_test(R, use_f=True, scalar=True)
    # our covariance is the statsmodels one times scale^2, so F is divided by scale^2
    assert test["statistic"] == pytest.approx(float(w.statistic) / scale ** 2, rel=1e-6)
    assert test["df1"] == 2 and test["df2"] == d.org_unit.nunique() - 1
    assert set(coefs.window) == {"pre", "pilot"}


def test_event_studies_skip_and_no_comparison(tmp_path, tiny_cohort):
    from pilot_eval.data.synth import generate_cohort

    es = event_studies(load_cohort(tiny_cohort), outcomes=("pulse", "hr_incidents"))
    assert set(es.coefs.outcome) == {"pulse", "hr_incidents"} and len(es.pretrends) == 2
    generate_cohort(tmp_path / "c", n_pilot=12, n_comparison=0, seed=2)
    es = event_studies(load_cohort(tmp_path / "c"), outcomes=("pulse",))
    assert es.coefs.empty and es.pretrends.empty
    assert "no comparison group" in es.skipped.reason.iloc[0]


def test_pretrend_test_has_roughly_nominal_size_on_synthetic_cohorts(tmp_path):
    # no pre-period effect is planted: the joint lead test should rarely reject
    from pilot_eval.data.synth import generate_cohort

    rejections = []
    for s in range(8):
        generate_cohort(tmp_path / f"c{s}", n_pilot=25, n_comparison=30, seed=300 + s)
        _, test = event_study(monthly_panel(load_cohort(tmp_path / f"c{s}"), "pulse"))
        rejections.append(test["p_value"] < 0.05)
    assert sum(rejections) <= 2
