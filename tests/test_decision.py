"""The decision from Python (issue 11): evaluate(), its agreement with the report path, and the
cases where no firm call may be made.

References: the planted truth of ``pilot_eval.data.synth`` (effect, no effect, pilot-only);
statsmodels' Poisson GLM with an exposure offset and cluster-robust covariance for the count
model behind the Risk panel; the report path (effects.csv and reliability.csv written and read
back, as notebooks 02, 03 and 05 do) for the agreement of evaluate() with the report.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pilot_eval.data.cohort import load_cohort
from pilot_eval.data.synth import generate_cohort
from pilot_eval.errors import MissingResultError
from pilot_eval.measures.behaviour_exclusions import excluded_behaviours
from pilot_eval.steps.decision import DecisionResult, evaluate
from pilot_eval.steps.decision.evaluate import decide_from_results
from pilot_eval.steps.decision.scorecard import load_results
from pilot_eval.steps.effects.count import count_effect, count_frame
from pilot_eval.steps.effects.models import adjustment_covariates, estimate_effects
from pilot_eval.steps.reliability.analysis import reliability_table
from pilot_eval.steps.results import write_result

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
SNAKE = r"\b[a-z]+_[a-z_]+\b"


@pytest.fixture(scope="module")
def sample():
    return load_cohort(SAMPLE)


@pytest.fixture(scope="module")
def sample_result(sample):
    return evaluate(sample, n_boot=199, seed=7)


def test_evaluate_returns_a_decision_with_reasons_and_a_sourced_scorecard(sample, sample_result):
    res = sample_result
    assert isinstance(res, DecisionResult)
    assert res.recommendation in {"scale", "iterate", "stop"}
    assert res.reasons and all(isinstance(r, str) for r in res.reasons)
    card = res.scorecard.set_index("indicator")
    assert len(card) == 8
    assert card.loc["empathy_360_change_pct", "source_model"] == "ancova"
    for key in ("hr_incidents_change_pct", "escalations_change_pct", "voluntary_attrition_change_pct"):
        assert card.loc[key, "source_model"] == "count"
        assert "follow-up window" in card.loc[key, "source_period"]
    assert card.loc["leaders_improved_pct", "source_model"] == "" and card.loc["leaders_improved_pct", "note"]
    # every at-risk / off-track / no-data indicator is named in the reasons
    text = " ".join(res.reasons)
    for _, r in res.scorecard.iterrows():
        if r["status"] != "on track":
            assert r["label"] in text, r["label"]
    assert "nan" not in text.lower()


# evaluate()'s speed is measured by the decision benchmark (median seconds per cohort in
# benchmarks/results/decision_oc.md), not asserted here: a timed assertion fails on a loaded machine.


def test_report_path_agrees_with_evaluate(sample, sample_result, tmp_path):
    """Notebooks 02/03 write their results, notebook 05 reads them back: the same decision,
    statuses and numbers as evaluate() with the same bootstrap settings."""
    excluded = excluded_behaviours(sample, True, "")
    run = estimate_effects(sample, exclude=excluded, covariates=adjustment_covariates(sample, excluded),
                           n_boot=199, seed=7)
    write_result(run.table, tmp_path, "effects")
    write_result(reliability_table(sample, excluded, 0.95, 20, 1), tmp_path, "reliability")
    report = decide_from_results(sample, load_results(tmp_path), excluded, n_boot=199, seed=7)
    assert report.recommendation == sample_result.recommendation
    a, b = report.scorecard.set_index("indicator"), sample_result.scorecard.set_index("indicator")
    assert (a["status"] == b["status"]).all()
    assert (a[["source_outcome", "source_model", "source_period"]] == b[["source_outcome", "source_model",
                                                                            "source_period"]]).all().all()
    for col in ("value", "ci_low", "ci_high", "probability"):
        np.testing.assert_allclose(a[col].to_numpy(float), b[col].to_numpy(float), rtol=1e-7, equal_nan=True)


def test_scorecard_shows_the_effects_row_it_names(sample, sample_result):
    """One estimate per quantity: each effect indicator equals its effects.csv row (POMP for the 360)."""
    eff = sample_result.effects
    cfg = sample.config
    for _, r in sample_result.scorecard.iterrows():
        if not r["source_model"]:
            continue
        row = eff[(eff["outcome"] == r["source_outcome"]) & (eff["model"] == r["source_model"])].iloc[0]
        assert row["period"] == r["source_period"]
        f = 100 / (cfg.scale_max - cfg.scale_min) if r["indicator"] == "empathy_360_change_pct" else 1.0
        assert r["value"] == pytest.approx(f * row["estimate"], rel=1e-12)
        assert r["ci_low"] == pytest.approx(f * row["ci_low"], rel=1e-12)


def test_count_effect_matches_a_statsmodels_poisson_glm(sample):
    """The Risk panel's count model: statsmodels GLM (Poisson, log person-days offset, role/culture
    dummies and pre-window rate) with the larger of its cluster-robust (by org unit) and model-based
    standard errors and t(G-1) intervals."""
    import statsmodels.api as sm
    from scipy import stats

    from pilot_eval.stats.design import control_design

    frame = count_frame(sample, "hr_incidents")
    row = count_effect(frame, sample.config.min_group_size)
    assert row["ci_method"].startswith("Poisson")  # no overdispersion found in this outcome
    C, _ = control_design(frame, ("role", "culture"), ("pre_rate",), min_level_size=sample.config.min_group_size)
    X = sm.add_constant(np.column_stack([frame["arm"].eq("pilot").to_numpy(float), C]))
    groups = pd.factorize(frame["org_unit"])[0]
    fit = sm.GLM(frame["events"].to_numpy(float), X, family=sm.families.Poisson(),
                 offset=np.log(frame["person_days"].to_numpy(float))).fit(
        cov_type="cluster", cov_kwds={"groups": groups}, tol=1e-12)
    plain = sm.GLM(frame["events"].to_numpy(float), X, family=sm.families.Poisson(),
                   offset=np.log(frame["person_days"].to_numpy(float))).fit(tol=1e-12)
    # the larger of the cluster-robust and the model-based error (Angrist & Pischke 2009, 8.2.3)
    b, se = fit.params[1], max(fit.bse[1], plain.bse[1])
    g = len(np.unique(groups))
    crit = stats.t.ppf(0.975, g - 1)
    assert row["estimate"] == pytest.approx(100 * (np.exp(b) - 1), rel=1e-6)
    assert row["std_error"] == pytest.approx(se, rel=1e-6)
    assert row["ci_low"] == pytest.approx(100 * (np.exp(b - crit * se) - 1), rel=1e-6)
    assert row["ci_high"] == pytest.approx(100 * (np.exp(b + crit * se) - 1), rel=1e-6)


def test_excess_share_is_the_pilot_coefficient_of_a_linear_probability_model(sample):
    """statsmodels OLS of improved (0/1) on pilot, baseline 360, tenure, role and culture: the same
    coefficient (x 100) as the scorecard's excess share; raw shares beside it."""
    import statsmodels.formula.api as smf

    from pilot_eval.steps.effects.improved import excess_improved, improved_frame
    from pilot_eval.steps.reliability.change import leader_reliable_change

    rc = leader_reliable_change(sample)
    got = excess_improved(sample, rc, n_boot=99, seed=1)
    f = improved_frame(sample, rc).assign(pilot=lambda d: d["arm"].eq("pilot").astype(float))
    miss = f["tenure_years"].isna()  # the indicator method for unknown tenure, as in the ANCOVA
    f = f.assign(tenure=f["tenure_years"].fillna(f["tenure_years"].mean()), tenure_missing=miss.astype(float))
    fit = smf.ols("endline ~ pilot + baseline + tenure + tenure_missing + C(role) + C(culture)", data=f).fit()
    assert got["estimate"] == pytest.approx(100 * fit.params["pilot"], rel=1e-8)
    assert got["pilot_share"] == pytest.approx(100 * f.loc[f["pilot"] == 1, "endline"].mean())
    assert got["ci_low"] < got["estimate"] < got["ci_high"]


def test_pomp_is_the_same_on_a_relabelled_scale(tmp_path):
    """Relabelling a 1-5 cohort as 0-4 gives the same 360 % change and the same decision."""
    src = tmp_path / "a"
    generate_cohort(src, n_pilot=20, n_comparison=20, seed=3, effect=0.4)
    dst = tmp_path / "b"
    shutil.copytree(src, dst)
    r = pd.read_csv(dst / "ratings.csv", dtype=str, keep_default_na=False)
    r["score"] = [str(int(s) - 1) if s else "" for s in r["score"]]
    r.to_csv(dst / "ratings.csv", index=False)
    toml = (dst / "cohort.toml").read_text()
    toml = toml.replace("scale_min = 1", "scale_min = 0").replace("scale_max = 5", "scale_max = 4")
    (dst / "cohort.toml").write_text(toml)
    obs = pd.read_csv(dst / "observations.csv", dtype=str, keep_default_na=False)  # so do ordinal behaviours
    book = pd.read_csv(dst / "behaviours.csv", dtype=str).set_index("behaviour")["scale"]
    ordinal = obs["behaviour"].map(book).eq("ordinal") & obs["value"].ne("")
    obs.loc[ordinal, "value"] = (obs.loc[ordinal, "value"].astype(int) - 1).astype(str)
    obs.to_csv(dst / "observations.csv", index=False)
    p = pd.read_csv(dst / "pulse.csv", dtype=str, keep_default_na=False)  # pulse shares the scale
    p["score"] = [str(int(s) - 1) if s else "" for s in p["score"]]
    p.to_csv(dst / "pulse.csv", index=False)
    a, b = evaluate(load_cohort(src), n_boot=99), evaluate(load_cohort(dst), n_boot=99)
    ea = a.scorecard.set_index("indicator").loc["empathy_360_change_pct"]
    eb = b.scorecard.set_index("indicator").loc["empathy_360_change_pct"]
    assert ea["value"] == pytest.approx(eb["value"], rel=1e-9)
    assert ea["ci_low"] == pytest.approx(eb["ci_low"], rel=1e-6)
    assert a.recommendation == b.recommendation


def test_pilot_only_and_small_arm_get_no_firm_call_and_no_group_numbers(tmp_path):
    generate_cohort(tmp_path / "solo", n_pilot=30, n_comparison=0, seed=4, effect=0.4)
    res = evaluate(load_cohort(tmp_path / "solo"), n_boot=99)
    assert res.recommendation == "iterate"
    card = res.scorecard.set_index("indicator")
    assert card.loc["empathy_360_change_pct", "source_model"] == "prepost"
    assert card.loc["hr_incidents_change_pct", "status"] == "no data"

    generate_cohort(tmp_path / "small", n_pilot=40, n_comparison=4, seed=4, effect=0.4)
    cohort = load_cohort(tmp_path / "small")
    assert cohort.config.min_group_size > 4
    res = evaluate(cohort, n_boot=99)
    assert res.recommendation == "iterate"
    assert set(res.effects["model"]) <= {"prepost"}  # nothing compares with the 4 comparison leaders
    card = res.scorecard.set_index("indicator")
    assert card.loc["leaders_improved_pct", "status"] == "no data"
    assert np.isnan(card.loc["leaders_improved_pct", "comparison_share"])
    assert "comparison group has fewer than" in " ".join(res.reasons)


def test_missing_incidents_table_gives_no_data(tmp_path):
    generate_cohort(tmp_path / "c", n_pilot=20, n_comparison=20, seed=6, effect=0.3)
    (tmp_path / "c" / "incidents.csv").unlink()
    res = evaluate(load_cohort(tmp_path / "c"), n_boot=99)
    card = res.scorecard.set_index("indicator")
    for key in ("hr_incidents_change_pct", "escalations_change_pct"):
        assert card.loc[key, "status"] == "no data" and np.isnan(card.loc[key, "value"])
        assert "incidents" in card.loc[key, "note"]


def test_scorecard_without_earlier_results_names_the_step_to_run(tmp_path):
    with pytest.raises(MissingResultError, match="03_controls"):
        load_results(tmp_path)


@pytest.mark.parametrize("case", ["no_incidents", "no_exits", "all_scores_equal", "one_pilot_one_comparison",
                                  "single_org_unit", "min_group_above_every_team"])
def test_degenerate_cohorts_get_a_decision(case, tmp_path):
    """Issue 12: valid but degenerate cohorts get a recommendation, with the reasons saying what is missing."""
    from degenerate import CASES

    CASES[case](tmp_path / case)
    res = evaluate(load_cohort(tmp_path / case), n_boot=49)
    assert res.recommendation in {"scale", "iterate", "stop"}
    card = res.scorecard
    # a number or "no data"; a ratio from small numbers is published as its side of 0.8 (value_text)
    shown = card["value"].notna() | card["value_text"].astype(str).ne("")
    assert ((card["status"] == "no data") == ~shown).all()
    assert (card.loc[card["value"].isna() & shown, "indicator"] == "promotion_air").all()
    if case in ("one_pilot_one_comparison", "min_group_above_every_team"):
        assert res.recommendation == "iterate"
        assert (card["status"] == "no data").all()


def test_small_comparison_arm_gets_no_numbers_in_any_effects_output(tmp_path):
    """An arm under min_group_size: no event study, placebo, permutation check or heterogeneity
    numbers either (privacy), not only no effects.csv rows."""
    from pilot_eval.steps.effects import did, heterogeneity, refutation

    generate_cohort(tmp_path / "small", n_pilot=40, n_comparison=4, seed=4, effect=0.4)
    cohort = load_cohort(tmp_path / "small")
    run = estimate_effects(cohort, n_boot=49)
    assert set(run.table["model"]) <= {"prepost"}
    assert refutation.placebo_tests(cohort, n_boot=49).empty
    assert not refutation.permutation_checks(run.frames, run.covariate_columns, n_perm=19)
    assert did.event_studies(cohort).coefs.empty
    assert heterogeneity.heterogeneity_table(run.frames, cohort.config.min_group_size)["estimate"].isna().all()
    assert all(not f["arm"].eq("comparison").any() for f in run.frames.values())


def test_count_model_se_is_the_larger_of_cluster_robust_and_model_based():
    """Reference: statsmodels GLM Poisson, fitted twice (cluster-robust by cluster, and model-based);
    underdispersed counts, so the model-based error is the larger one and the option matters."""
    import statsmodels.api as sm

    from pilot_eval.stats.count_models import fit_count_model

    rng = np.random.default_rng(4)
    n = 80
    x = rng.normal(size=n)
    expo = np.full(n, 100.0)
    y = np.round(np.exp(-3 + 0.3 * x) * expo + rng.normal(0, 0.5, n)).clip(0)  # underdispersed counts
    cl = np.arange(n) % 8
    X = sm.add_constant(x[:, None])
    robust = sm.GLM(y, X, family=sm.families.Poisson(), offset=np.log(expo)).fit(
        cov_type="cluster", cov_kwds={"groups": cl}, tol=1e-12)
    plain = sm.GLM(y, X, family=sm.families.Poisson(), offset=np.log(expo)).fit(tol=1e-12)
    got = fit_count_model(y, expo, x[:, None], ["x"], clusters=cl, family="poisson", min_clusters=4,
                          conservative=True)
    want = max(robust.bse[1], plain.bse[1])
    assert plain.bse[1] > 1.5 * robust.bse[1]  # the case the option exists for
    assert got.loc[got.term == "x", "std_error"].iloc[0] == pytest.approx(want, rel=1e-5)
    plain_only = fit_count_model(y, expo, x[:, None], ["x"], clusters=cl, family="poisson", min_clusters=4)
    assert plain_only.loc[plain_only.term == "x", "std_error"].iloc[0] == pytest.approx(robust.bse[1], rel=1e-5)
