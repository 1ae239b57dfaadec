"""Effect models of the controls step (notebook 03): naive, prepost, ANCOVA, mixed.

Reference implementations and values:
- Welch and paired t: ``scipy.stats.ttest_ind(equal_var=False)`` / ``ttest_rel``;
- ANCOVA point estimate and cluster-robust SE: R 4.2.2 ``lm`` + ``sandwich::vcovCL(type="HC1")``
  (sandwich 3.0.2), values hard-coded below from a one-off run (see REFERENCE_R);
- mixed model: R 4.2.2 ``lme4::lmer(..., REML = TRUE)`` (lme4 1.1.31), hard-coded;
- also statsmodels formula OLS with ``cov_type="cluster"`` at run time.

The reference data (45 leaders, 16 org units, three 360 waves) is a synthetic
cohort (``generate_cohort(n_pilot=20, n_comparison=25, seed=11, effect=0.3)``)
rounded to 4 decimals and inlined, so the test does not depend on the generator.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pilot_eval.steps.effects import models as effects
from pilot_eval.steps.effects import text as effects_text
from pilot_eval.stats.cluster_ols import fit_cluster_ols
from pilot_eval.data.cohort import load_cohort
from pilot_eval.steps.results import write_result
from pilot_eval.data.synth import generate_cohort

from lazy_import import lazy

smf = lazy("statsmodels.formula.api")

REFERENCE_DATA = """\
leader_id,arm,role,culture,org_unit,tenure_years,baseline,midpoint,endline
L0001,pilot,manager,americas,americas-03,7.6,3.9985,4.2711,4.4135
L0002,comparison,team_lead,apac,apac-01,9.3,3.5833,3.4263,3.748
L0003,comparison,team_lead,americas,americas-01,2.7,4.2732,4.3075,4.5429
L0004,comparison,director,americas,americas-02,3.1,4.2937,4.1464,4.2877
L0005,pilot,team_lead,americas,americas-03,3.1,2.9464,3.1732,3.4911
L0006,comparison,senior_manager,americas,americas-02,2.4,2.8631,2.6503,2.9692
L0007,pilot,senior_manager,emea,emea-03,5.2,3.5633,3.7646,4.1375
L0008,comparison,team_lead,emea,emea-04,5.0,2.8571,2.8869,2.7664
L0009,comparison,team_lead,emea,emea-05,15.6,3.6688,3.6082,3.7662
L0010,pilot,team_lead,apac,apac-01,7.1,2.8135,3.2922,3.4841
L0011,pilot,manager,emea,emea-01,,3.5556,3.8117,3.9571
L0012,comparison,senior_manager,nordics,nordics-01,9.9,2.6881,2.6658,2.6214
L0013,pilot,manager,apac,apac-02,6.1,3.6508,4.0582,4.3849
L0014,comparison,team_lead,apac,apac-03,5.3,2.756,2.9167,3.1875
L0015,comparison,team_lead,apac,apac-03,6.4,3.3705,3.2679,3.4075
L0016,comparison,director,apac,apac-04,7.9,3.1756,3.3091,3.4205
L0017,comparison,director,emea,emea-03,8.7,3.2664,3.1819,3.0373
L0018,comparison,team_lead,emea,emea-02,1.9,3.4847,3.4308,3.3849
L0019,pilot,manager,americas,americas-01,14.8,3.6696,4.1473,4.275
L0020,comparison,senior_manager,emea,emea-04,3.3,3.9702,3.9663,3.7568
L0021,comparison,team_lead,apac,apac-04,3.4,3.1,3.2806,3.3661
L0022,comparison,senior_manager,nordics,nordics-03,5.4,3.3446,3.0974,3.1944
L0023,comparison,team_lead,nordics,nordics-02,5.8,2.7526,2.8208,2.7824
L0024,comparison,manager,apac,apac-03,2.8,4.1412,4.1591,4.5516
L0025,pilot,senior_manager,americas,americas-04,1.1,3.5617,3.7018,4.349
L0026,pilot,team_lead,americas,americas-02,,3.9762,4.1406,4.2656
L0027,pilot,manager,apac,apac-02,4.9,3.4345,3.8016,4.102
L0028,comparison,manager,nordics,nordics-02,4.0,3.375,3.4313,3.378
L0029,pilot,manager,americas,americas-02,5.6,3.4167,3.6806,4.2183
L0030,comparison,director,nordics,nordics-02,3.5,3.0918,3.25,3.3818
L0031,pilot,manager,americas,americas-03,7.6,3.8827,3.9978,4.3444
L0032,comparison,team_lead,nordics,nordics-01,1.2,3.8318,3.8852,3.7718
L0033,pilot,team_lead,americas,americas-04,,2.7906,2.9118,3.1944
L0034,pilot,manager,apac,apac-03,9.9,3.125,3.2363,3.6264
L0035,pilot,senior_manager,americas,americas-03,3.6,3.6406,3.6679,3.7902
L0036,pilot,director,apac,apac-04,9.6,3.5551,3.8552,3.8681
L0037,comparison,manager,americas,americas-01,10.3,2.6185,2.6948,2.9286
L0038,comparison,manager,emea,emea-01,8.4,3.9107,3.8192,4.0
L0039,comparison,team_lead,emea,emea-05,,2.8138,2.8611,2.9643
L0040,pilot,manager,emea,emea-03,,3.6709,3.7835,4.1829
L0041,comparison,manager,nordics,nordics-03,7.7,3.3542,3.6696,3.3353
L0042,comparison,team_lead,emea,emea-05,6.6,3.4315,3.4133,3.5503
L0043,pilot,senior_manager,emea,emea-01,13.7,4.1414,4.5074,4.4866
L0044,pilot,team_lead,emea,emea-02,7.2,3.5429,3.8304,4.1071
L0045,pilot,team_lead,americas,americas-03,1.7,3.4598,3.8129,3.9742
"""

#: R 4.2.2, lme4 1.1.31, sandwich 3.0.2, on REFERENCE_DATA with tenure_f = tenure (missing -> mean),
#: tenure_m = missing indicator:
#:   fit <- lm(endline ~ pilot + baseline + tenure_f + tenure_m + factor(role) + factor(culture), data = d)
#:   V <- vcovCL(fit, cluster = ~org_unit, type = "HC1")
#:   m <- lmer(value ~ pilot * wave + tenure_f + tenure_m + factor(role) * wave + factor(culture) * wave
#:             + (1 | leader_id), data = long, REML = TRUE)   # wave levels: baseline, endline, midpoint
REFERENCE_R = {
    "ancova_pilot": 0.389939606251,
    "ancova_pilot_se_cl": 0.068654062297,
    "ancova_baseline": 0.919741100031,
    "ancova_baseline_se_cl": 0.038373286387,
    "mixed_pilot_endline": 0.364847251256,
    "mixed_pilot_endline_se": 0.053254264471,
    "mixed_leader_var": 0.19475911,
    "mixed_residual_var": 0.01090203,
}


@pytest.fixture(scope="module")
def ref() -> pd.DataFrame:
    df = pd.read_csv(io.StringIO(REFERENCE_DATA))
    df.attrs.update(outcome="empathy_360", baseline_period="baseline wave", endline_period="endline wave")
    return df


@pytest.fixture(scope="module")
def ref_waves(ref) -> pd.DataFrame:
    cols = ["leader_id", "arm", "role", "culture", "org_unit", "tenure_years"]
    return pd.concat([ref[cols].assign(wave=w, value=ref[w]) for w in ("baseline", "midpoint", "endline")],
                     ignore_index=True)


# ---------------------------------------------------------------------------
# naive and prepost
# ---------------------------------------------------------------------------
def test_naive_difference_equals_scipy_welch(ref):
    # reference: scipy.stats.ttest_ind(equal_var=False) and its confidence_interval
    row = effects.naive_difference(ref)
    a = ref.loc[ref.arm == "pilot", "endline"]
    b = ref.loc[ref.arm == "comparison", "endline"]
    t = stats.ttest_ind(a, b, equal_var=False)
    ci = t.confidence_interval(0.95)
    assert row["estimate"] == pytest.approx(a.mean() - b.mean())
    assert row["p_value"] == pytest.approx(t.pvalue, rel=1e-10)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((ci.low, ci.high), rel=1e-10)
    assert (row["n_pilot"], row["n_comparison"]) == (20, 25)


def test_prepost_change_equals_scipy_paired_t(ref):
    # reference: scipy.stats.ttest_rel on the pilot leaders
    row = effects.prepost_change(ref)
    p = ref[ref.arm == "pilot"]
    t = stats.ttest_rel(p["endline"], p["baseline"])
    ci = t.confidence_interval(0.95)
    assert row["estimate"] == pytest.approx((p["endline"] - p["baseline"]).mean())
    assert row["p_value"] == pytest.approx(t.pvalue, rel=1e-10)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((ci.low, ci.high), rel=1e-10)
    assert "not a causal estimate" in row["note"]


# ---------------------------------------------------------------------------
# ANCOVA
# ---------------------------------------------------------------------------
def test_ancova_matches_r_lm_vcovcl(ref):
    # reference: R lm + sandwich::vcovCL(type="HC1") (REFERENCE_R)
    design = effects.ancova_design(ref)
    assert design.names[:5] == ("const", "pilot", "baseline", "tenure_years", "tenure_years[missing]")
    fit = fit_cluster_ols(ref["endline"].to_numpy(), design, ref["org_unit"])
    assert fit.estimate("pilot") == pytest.approx(REFERENCE_R["ancova_pilot"], abs=1e-10)
    assert fit.se("pilot") == pytest.approx(REFERENCE_R["ancova_pilot_se_cl"], abs=1e-10)
    assert fit.estimate("baseline") == pytest.approx(REFERENCE_R["ancova_baseline"], abs=1e-10)
    assert fit.se("baseline") == pytest.approx(REFERENCE_R["ancova_baseline_se_cl"], abs=1e-10)


def test_ancova_matches_statsmodels_formula(ref):
    # reference: statsmodels formula OLS with cov_type="cluster"
    d = ref.assign(pilot=(ref.arm == "pilot").astype(float),
                   tenure_m=ref.tenure_years.isna().astype(float),
                   tenure_f=ref.tenure_years.fillna(ref.tenure_years.mean()))
    m = smf.ols("endline ~ pilot + baseline + tenure_f + tenure_m + C(role) + C(culture)", d).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(d.org_unit)[0]})
    row = effects.ancova_effect(ref, n_boot=199, seed=1)
    assert row["estimate"] == pytest.approx(m.params["pilot"], rel=1e-10)
    assert row["std_error"] == pytest.approx(m.bse["pilot"], rel=1e-8)
    # 16 org units < 30: p-value and CI from the wild cluster bootstrap, flagged in the note
    assert row["n_clusters"] == 16
    assert "wild cluster bootstrap" in row["ci_method"] and "only 16 org units" in row["note"]
    assert row["ci_low"] < row["estimate"] < row["ci_high"]
    assert (row["n"], row["n_pilot"], row["n_comparison"]) == (45, 20, 25)


def test_ancova_drops_extra_covariates_when_too_few_leaders(ref):
    rng = np.random.default_rng(0)
    extra = {f"pre_x{i}": rng.normal(size=len(ref)) for i in range(30)}
    wide = ref.assign(**extra)
    row = effects.ancova_effect(wide, covariates=list(extra), n_boot=99)
    assert "too few leaders to also adjust for" in row["note"]
    assert row["estimate"] == pytest.approx(REFERENCE_R["ancova_pilot"], abs=1e-10)
    some = effects.ancova_effect(wide, covariates=["pre_x0"], n_boot=99)
    assert "also adjusted for x0" in some["note"]


# ---------------------------------------------------------------------------
# mixed model
# ---------------------------------------------------------------------------
def test_mixed_model_matches_r_lmer(ref_waves):
    # reference: R lme4::lmer REML (REFERENCE_R); statsmodels MixedLM is the implementation
    row = effects.mixed_effect(ref_waves)
    assert row["estimate"] == pytest.approx(REFERENCE_R["mixed_pilot_endline"], abs=1e-6)
    assert row["std_error"] == pytest.approx(REFERENCE_R["mixed_pilot_endline_se"], rel=1e-5)
    assert row["n"] == 45 and row["n_obs"] == 135
    assert "fit warnings" not in row["note"]


def test_mixed_reml_start_values_match_r_lmer_variances(ref_waves):
    # reference: R lme4::lmer REML variance components (REFERENCE_R, printed to 8 digits)
    from pilot_eval.steps.effects.models import _random_intercept_reml_start

    X = effects.mixed_design(ref_waves)
    start = _random_intercept_reml_start(ref_waves["value"].to_numpy(float), X.to_numpy(float),
                                         ref_waves["leader_id"].astype(object).to_numpy())
    ratio = REFERENCE_R["mixed_leader_var"] / REFERENCE_R["mixed_residual_var"]
    assert float(start.cov_re[0, 0]) == pytest.approx(ratio, rel=1e-6)
    i = list(X.columns).index(effects.MIXED_EFFECT)
    assert start.fe_params[i] == pytest.approx(REFERENCE_R["mixed_pilot_endline"], abs=1e-9)


def test_mixed_model_equals_tightly_converged_statsmodels_on_unbalanced_waves(ref_waves):
    # reference: statsmodels MixedLM from its own default start with BFGS gtol = 1e-10 (the
    # library starts at the exact REML optimum instead, so it converges in one step)
    import warnings

    import statsmodels.api as sm

    rng = np.random.default_rng(4)
    panel = ref_waves.drop(index=rng.choice(len(ref_waves), 20, replace=False)).reset_index(drop=True)
    row = effects.mixed_effect(panel)
    X = effects.mixed_design(panel)
    model = sm.MixedLM(panel["value"].to_numpy(float), X, groups=panel["leader_id"].astype(object).to_numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels' own convergence chatter
        ref = model.fit(reml=True, method="bfgs", gtol=1e-10)
    i = list(X.columns).index(effects.MIXED_EFFECT)
    # The REML surface is flat in the variance ratio (45 leaders): statsmodels' own BFGS
    # (gtol 1e-10) and L-BFGS (pgtol 1e-14) optima differ by 1e-8 in the estimate and
    # 6e-7 (relative) in its SE, so that is the precision of "the optimum" here.
    assert row["estimate"] == pytest.approx(ref.fe_params.iloc[i], abs=5e-8)
    assert row["std_error"] == pytest.approx(ref.bse_fe.iloc[i], rel=1e-6)
    assert "fit warnings" not in row["note"]


def test_mixed_design_reference_levels(ref_waves):
    X = effects.mixed_design(ref_waves)
    assert {"pilot x wave[endline]", "pilot x wave[midpoint]", "wave[endline]", "wave[midpoint]"} <= set(X.columns)
    assert "wave[baseline]" not in X.columns  # baseline wave is the reference
    assert any(c.startswith("role[") and c.endswith(" x wave[endline]") for c in X.columns)


# ---------------------------------------------------------------------------
# all models on synthetic cohorts
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_cohort(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("eff") / "cohort"
    generate_cohort(out, n_pilot=25, n_comparison=30, seed=21, effect=0.3)
    return out


@pytest.fixture(scope="module")
def small_run(small_cohort):
    cohort = load_cohort(small_cohort)
    cov = effects.adjustment_covariates(cohort)
    return cohort, effects.estimate_effects(cohort, covariates=cov, n_boot=199, seed=3)


def test_estimate_effects_rows_and_contract(small_run, tmp_path):
    cohort, run = small_run
    t = run.table
    assert list(t.columns[:8]) == ["outcome", "model", "estimate", "std_error", "ci_low", "ci_high", "p_value", "n"]
    got = set(zip(t.outcome, t.model))
    for o in ("empathy_360", "behaviour_index", "pulse", "voluntary_attrition", "hr_incidents", "escalations"):
        for m in ("naive", "prepost", "ancova", "matched"):
            assert (o, m) in got
    assert ("empathy_360", "mixed") in got and ("pulse", "did") in got and ("hr_incidents", "did") in got
    assert not any(m == "mixed" for o, m in got if o != "empathy_360")
    assert set(t.model) <= set(effects.MODELS)
    assert (t.loc[t.model == "prepost", "causal"] == False).all()  # noqa: E712
    assert t.loc[t.model != "prepost", "causal"].all()
    assert (t.ci_low <= t.estimate).all() and (t.estimate <= t.ci_high).all()
    assert run.skipped.empty
    path = write_result(t, tmp_path, "effects")
    header = path.read_text().splitlines()[0].split(",")
    assert header[:8] == ["outcome", "model", "estimate", "std_error", "ci_low", "ci_high", "p_value", "n"]


def test_estimate_effects_is_deterministic(small_run):
    cohort, run = small_run
    again = effects.estimate_effects(cohort, covariates=run.covariates, n_boot=199, seed=3)
    pd.testing.assert_frame_equal(run.table, again.table)


def test_summary_and_adjustment_text(small_run):
    cohort, run = small_run
    text = effects_text.summary_text(run)
    anc = run.table[(run.table.outcome == "empathy_360") & (run.table.model == "ancova")].iloc[0]
    assert f"ancova {anc.estimate:.3f}" in text
    assert "org units (clusters): 16" in text
    para = effects_text.adjustment_text(run.table, run.covariates)
    assert para.startswith("360 empathy score:")
    assert f"{anc.estimate:+.3f}" in para and f"{anc.ci_low:+.3f}" in para
    naive = run.table[(run.table.outcome == "empathy_360") & (run.table.model == "naive")].iloc[0]
    assert f"{naive.estimate:+.3f}" in para


def test_no_comparison_group_gives_prepost_only(tmp_path):
    generate_cohort(tmp_path / "c", n_pilot=20, n_comparison=0, seed=5)
    cohort = load_cohort(tmp_path / "c")
    assert effects.adjustment_covariates(cohort) == []
    run = effects.estimate_effects(cohort, n_boot=99)
    assert set(run.table.model) == {"prepost"}
    assert not run.table.causal.any()
    assert run.table.note.str.contains("not a causal estimate").all()
    assert set(run.skipped.model) == {"naive", "ancova", "mixed", "did", "matched", "count"}
    assert run.skipped.reason.str.contains("no comparison group").all()
    assert "not causal" in effects_text.summary_text(run)
    assert "is not a training effect" in effects_text.adjustment_text(run.table)


def test_missing_optional_tables_are_skipped_with_reason(tmp_path):
    generate_cohort(tmp_path / "c", n_pilot=20, n_comparison=20, seed=6)
    for f in ("observations.csv", "behaviours.csv", "incidents.csv"):
        os.remove(tmp_path / "c" / f)
    cohort = load_cohort(tmp_path / "c")
    run = effects.estimate_effects(cohort, n_boot=99)
    assert set(run.table.outcome) == {"empathy_360", "pulse", "voluntary_attrition"}
    sk = run.skipped.set_index("outcome")
    assert set(sk.index) == {"behaviour_index", "hr_incidents", "escalations"}
    assert "no observations / behaviours table" in sk.loc["behaviour_index", "reason"]
    assert "no incidents table" in sk.loc["hr_incidents", "reason"]
    assert "skipped outcomes: behaviour_index, hr_incidents, escalations" in effects_text.summary_text(run)


# ---------------------------------------------------------------------------
# the notebook runs on the edge cases (papermill, fresh kernel)
# ---------------------------------------------------------------------------
NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "03_controls.ipynb"


def _run_notebook(cohort_dir: Path, out: Path) -> nbformat.NotebookNode:
    import papermill as pm

    pm.execute_notebook(str(NOTEBOOK), str(out / "nb.ipynb"), cwd=str(NOTEBOOK.parent), progress_bar=False,
                        parameters={"data_dir": str(cohort_dir), "out_dir": str(out / "run"),
                                    "n_boot": 99, "n_permutations": 99}, kernel_name="python3")
    return nbformat.read(out / "nb.ipynb", as_version=4)


def _stdout(nb) -> str:
    """The text a reader sees: printed streams and the plain-text form of displayed sentences."""
    parts = []
    for c in nb.cells:
        for o in c.get("outputs", []) if c.cell_type == "code" else []:
            if o.get("output_type") == "stream":
                parts.append(o.get("text", ""))
            elif o.get("output_type") in ("display_data", "execute_result"):
                parts.append(str(o.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


@pytest.mark.scenario
def test_notebook_runs_without_comparison_group(tmp_path):
    generate_cohort(tmp_path / "c", n_pilot=20, n_comparison=0, seed=8)
    nb = _run_notebook(tmp_path / "c", tmp_path)
    assert "no comparison group: within-leader change only (not causal)" in _stdout(nb)
    res = pd.read_csv(tmp_path / "run" / "results" / "effects.csv")
    assert set(res.model) == {"prepost"}


@pytest.mark.scenario
def test_notebook_runs_without_optional_tables(tmp_path):
    generate_cohort(tmp_path / "c", n_pilot=20, n_comparison=20, seed=9)
    for f in ("observations.csv", "behaviours.csv", "incidents.csv", "sessions.csv"):
        os.remove(tmp_path / "c" / f)
    nb = _run_notebook(tmp_path / "c", tmp_path)
    assert "skipped outcomes: behaviour_index, hr_incidents, escalations" in _stdout(nb)
    res = pd.read_csv(tmp_path / "run" / "results" / "effects.csv")
    assert set(res.outcome) == {"empathy_360", "pulse", "voluntary_attrition"}
