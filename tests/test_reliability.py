"""Tests of pilot_eval.steps.reliability.analysis (issue 4: the inter-rater reliability notebook).

Every statistic is checked against a second, independent implementation on
cohorts written by someone else (the hand-written fixture
``tests/fixtures/external_cohort``) and on generated cohorts:

* unbalanced one-way ICC(1) - statsmodels ``ols`` + ``anova_lm`` mean squares
  with the n0 formula of Searle (1971) / Donner (1986), rater means computed
  here from the raw ratings;
* crossed ICCs - ``pingouin.intraclass_corr`` (0.7) on a coder-slot matrix built
  here from the raw observations;
* Krippendorff's alpha - the ``krippendorff`` package (fast-krippendorff);
* Cohen's kappa - ``sklearn.metrics.cohen_kappa_score``; Fleiss' kappa -
  ``statsmodels.stats.inter_rater.fleiss_kappa``;
* Cronbach's alpha - ``pingouin.cronbach_alpha``;
* minimum raters - the Spearman-Brown formula written out here;
* leader bands / reliable change - the ANOVA within mean square (statsmodels)
  and Jacobson & Truax (1991) written out here;
* planted truth - ``truth.json`` of :func:`pilot_eval.data.synth.generate_cohort`
  (the chance-coded behaviour, the pilot effect).
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import types
import warnings
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.anova import anova_lm
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from pilot_eval.measures import scores as measures
from pilot_eval.steps.reliability import analysis as reliability
from pilot_eval.measures.behaviour_exclusions import behaviour_alphas, excluded_behaviours
from pilot_eval.data.cohort import load_cohort
from pilot_eval.stats.icc import koo_li_band_from_ci
from pilot_eval.stats.kripp_alpha import reliability_verdict
from pilot_eval.data.synth import generate_cohort

from lazy_import import lazy

pg = lazy("pingouin")
smf = lazy("statsmodels.formula.api")

EXTERNAL = Path(__file__).resolve().parent / "fixtures" / "external_cohort"
REPO = Path(__file__).resolve().parents[1]
N_BOOT = 200

ALLOWED_METHODS = {"ICC1", "ICC1k", "ICC2", "ICC2k", "ICC3", "ICC3k", "kripp_alpha",
                   "fleiss_kappa", "cohen_kappa", "cronbach_alpha"}


# --------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[int, Path]:
    """Three generated cohorts of the sample's size (45 pilot, 60 comparison)."""
    root = tmp_path_factory.mktemp("rel")
    out = {}
    for seed in (20260105, 3, 8):
        generate_cohort(root / f"s{seed}", n_pilot=45, n_comparison=60, seed=seed)
        out[seed] = root / f"s{seed}"
    return out


@pytest.fixture(scope="module")
def cohorts(generated):
    loaded = {"external": load_cohort(EXTERNAL)}
    loaded.update({f"seed{s}": load_cohort(p) for s, p in generated.items()})
    return loaded


@pytest.fixture(scope="module")
def results(cohorts):
    return {name: reliability.analyse(c, n_boot=N_BOOT, seed=1) for name, c in cohorts.items()}


def _pingouin_icc(data: pd.DataFrame, **kwargs: object) -> pd.DataFrame:
    """pingouin.intraclass_corr at full precision; pingouin 0.7 itself calls
    ``dropna(inplace=True)``, which pandas 3 deprecates (not our warning)."""
    saved = pg.options["round.column.CI95"]
    pg.options["round.column.CI95"] = None  # pingouin rounds CI95 to 2 decimals by default
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="The inplace keyword in DataFrame.dropna")
            return pg.intraclass_corr(data=data, **kwargs)
    finally:
        pg.options["round.column.CI95"] = saved


def _row(table: pd.DataFrame, measure: str, method: str, wave: str | None = None) -> pd.Series:
    sel = table["measure"].eq(measure) & table["method"].eq(method)
    if wave is not None:
        sel &= table["wave"].eq(wave)
    rows = table[sel.to_numpy(dtype=bool)]
    assert len(rows) == 1, (measure, method, wave, len(rows))
    return rows.iloc[0]


# --------------------------------------------------------------------------
# nested 360 design: unbalanced one-way ICC
# --------------------------------------------------------------------------
def _independent_icc1(ratings: pd.DataFrame, rater_type: str | None, wave: str) -> dict[str, float]:
    """ICC(1) / ICC(1,k) from statsmodels' one-way ANOVA and the n0 formula.

    Rater means are computed here from the raw ratings (plain groupby mean of
    the non-missing scores); then ``rater_mean ~ C(leader_id)`` gives MSB and
    MSW, ``n0 = (N - sum n_i^2 / N) / (a - 1)`` (Searle 1971; Donner 1986) and
    ``ICC1 = (MSB - MSW) / (MSB + (n0 - 1) MSW)``, ``ICC1k = (MSB - MSW) / MSB``.
    """
    r = ratings[(ratings["wave"] == wave) & (ratings["rater_type"] != "self")]
    if rater_type is not None:
        r = r[r["rater_type"] == rater_type]
    r = r.assign(score=pd.to_numeric(r["score"]).astype(float))
    rm = r.groupby(["leader_id", "rater_id"])["score"].mean().dropna().reset_index()
    df = pd.DataFrame({"y": rm["score"].to_numpy(), "g": rm["leader_id"].astype(object).to_numpy()})
    table = anova_lm(smf.ols("y ~ C(g)", data=df).fit())
    msb, msw = table.loc["C(g)", "mean_sq"], table.loc["Residual", "mean_sq"]
    n_i = df.groupby("g").size().to_numpy(dtype=float)
    a, n = len(n_i), n_i.sum()
    n0 = (n - np.sum(n_i**2) / n) / (a - 1)
    return {"ICC1": (msb - msw) / (msb + (n0 - 1) * msw), "ICC1k": (msb - msw) / msb,
            "F": msb / msw, "a": a, "N": n, "msw": msw, "n0": n0}


@pytest.mark.parametrize("name", ["external", "seed20260105", "seed3", "seed8"])
def test_direct_report_icc1_matches_statsmodels_anova(name, cohorts, results):
    """reliability.csv's unbalanced ICC(1) for direct reports = ANOVA + n0 (statsmodels), 1e-6."""
    cohort, table = cohorts[name], results[name].table
    waves = sorted(set(cohort.ratings["wave"]))
    assert waves
    for wave in waves:
        ref = _independent_icc1(cohort.ratings, "direct_report", wave)
        for method in ("ICC1", "ICC1k"):
            row = _row(table, "empathy_360:direct_report", method, wave)
            assert row["estimate"] == pytest.approx(ref[method], abs=1e-6)
            assert row["f"] == pytest.approx(ref["F"], rel=1e-9)
            assert row["n0"] == pytest.approx(ref["n0"], rel=1e-12)
        # no leader dropped: every leader with a direct-report rating counts
        assert row["n_targets"] == ref["a"]
        assert row["mean_raters"] == pytest.approx(ref["N"] / ref["a"])


def test_external_fixture_keeps_leader_with_one_direct_report(cohorts, results):
    """NW-1002 has a single direct report at midpoint (hand-written fixture): it still counts."""
    ratings = cohorts["external"].ratings
    mid = ratings[(ratings["wave"] == "midpoint") & (ratings["rater_type"] == "direct_report")]
    per_leader = mid.groupby("leader_id")["rater_id"].nunique()
    assert per_leader.min() == 1
    row = _row(results["external"].table, "empathy_360:direct_report", "ICC1", "midpoint")
    assert row["n_targets"] == per_leader.size == 8


@pytest.mark.parametrize("name", ["external", "seed3"])
def test_all_others_and_peer_icc_match_statsmodels(name, cohorts, results):
    """The other nested measures use the same estimator (statsmodels ANOVA reference)."""
    for measure, rater_type in (("empathy_360:all_others", None), ("empathy_360:peer", "peer")):
        ref = _independent_icc1(cohorts[name].ratings, rater_type, "baseline")
        row = _row(results[name].table, measure, "ICC1", "baseline")
        assert row["estimate"] == pytest.approx(ref["ICC1"], abs=1e-6)


def test_manager_icc_not_estimable(results):
    """One manager per leader: no within-leader variance, so no ICC (and it says why)."""
    for res in results.values():
        rows = res.table[res.table["measure"].eq("empathy_360:manager").to_numpy(dtype=bool)]
        assert len(rows) and rows["estimate"].isna().all()
        assert (rows["verdict"] == reliability.NOT_ESTIMABLE).all()
        assert rows["note"].str.contains("cannot be estimated").all()


# --------------------------------------------------------------------------
# observers: crossed ICC, alpha, kappas
# --------------------------------------------------------------------------
def _slot_matrix(obs: pd.DataFrame, behaviour: str) -> pd.DataFrame:
    """Sessions x (coder 1, coder 2) of one behaviour, coder 1 = lower observer id."""
    sub = obs[obs["behaviour"] == behaviour].dropna(subset=["value"])
    sub = sub.sort_values(["session_id", "observer_id"])
    sub = sub[sub.groupby("session_id")["observer_id"].transform("size") >= 2]
    sub = sub.assign(slot=sub.groupby("session_id").cumcount())
    sub = sub[sub["slot"] < 2]
    return sub.pivot(index="session_id", columns="slot", values="value").astype(float)


def test_observer_icc_matches_pingouin(cohorts, results):
    """All six crossed ICCs of an ordinal behaviour = pingouin.intraclass_corr on coder slots."""
    cohort, table = cohorts["seed20260105"], results["seed20260105"].table
    wide = _slot_matrix(cohort.observations, "warmth_of_tone")
    long = wide.reset_index().melt(id_vars="session_id", var_name="slot", value_name="value")
    pgi = _pingouin_icc(long, targets="session_id", raters="slot", ratings="value")
    # pingouin 0.7 labels the forms by their McGraw & Wong / Shrout & Fleiss names
    names = {"ICC1": "ICC(1,1)", "ICC2": "ICC(A,1)", "ICC3": "ICC(C,1)", "ICC1k": "ICC(1,k)",
             "ICC2k": "ICC(A,k)", "ICC3k": "ICC(C,k)"}
    for method, pg_name in names.items():
        ref = pgi.set_index("Type").loc[pg_name]
        row = _row(table, "behaviour:warmth_of_tone", method)
        assert row["estimate"] == pytest.approx(ref["ICC"], abs=1e-9)
        assert row["ci_low"] == pytest.approx(ref["CI95"][0], abs=1e-9)
        assert row["ci_high"] == pytest.approx(ref["CI95"][1], abs=1e-9)
        assert row["n_targets"] == len(wide)
        assert row["mean_raters"] == 2
        assert "coder slots" in row["design"]
        assert row["verdict"] == koo_li_band_from_ci(row["ci_low"], row["ci_high"])
        probs = row[["p_poor", "p_moderate", "p_good", "p_excellent"]]
        if method in ("ICC1", "ICC1k"):
            assert probs.sum() == pytest.approx(1.0)
        else:  # coder slots: ICC2/ICC3 describe slots, not observers; no band probabilities
            assert probs.isna().all()


def test_session_score_per_observer_follows_measures_definition(cohorts):
    """The per-observer session score averages (over observers) to measures.behaviour_session_scores."""
    cohort = cohorts["seed3"]
    per_obs = reliability._per_observer_session_scores(cohort, exclude=())
    ref = measures.behaviour_session_scores(cohort.observations, cohort.behaviours, cohort.leaders,
                                            cohort.config)
    mean = per_obs.groupby("session_id")["session_score"].mean()
    got = mean.reindex(ref["session_id"]).to_numpy()
    np.testing.assert_allclose(got, ref["session_score"].to_numpy(), rtol=0, atol=1e-12)
    n = per_obs.groupby("session_id").size().reindex(ref["session_id"]).to_numpy()
    np.testing.assert_array_equal(n, ref["n_observers"].to_numpy())


def test_behaviour_index_icc_uses_the_exclusions(cohorts, results):
    """behaviour_index ICC is of the score without the excluded (chance) behaviour."""
    cohort, res = cohorts["seed8"], results["seed8"]
    row = _row(res.table, "behaviour_index", "ICC1")
    assert res.excluded and row["note"] == "session score without " + ", ".join(res.excluded)
    scores = reliability._per_observer_session_scores(cohort, res.excluded)
    both = scores[scores.groupby("session_id")["observer_id"].transform("size") >= 2]
    both = both.sort_values(["session_id", "observer_id"]).assign(
        slot=lambda d: d.groupby("session_id").cumcount())
    pgi = _pingouin_icc(both, targets="session_id", raters="slot", ratings="session_score")
    assert row["estimate"] == pytest.approx(pgi.set_index("Type").loc["ICC(1,1)", "ICC"], abs=1e-9)


def _reliability_matrix(obs: pd.DataFrame, behaviour: str) -> np.ndarray:
    sub = obs[obs["behaviour"] == behaviour]
    sub = sub[sub.groupby("session_id")["observer_id"].transform("nunique") >= 2]
    wide = sub.pivot(index="observer_id", columns="session_id", values="value")
    return wide.astype(float).to_numpy()


@pytest.mark.parametrize("name", ["seed20260105", "seed3"])
def test_alpha_and_kappas_match_second_implementations(name, cohorts, results):
    """kripp_alpha = krippendorff package; cohen = sklearn; fleiss = statsmodels."""
    cohort, table = cohorts[name], results[name].table
    for code, scale in zip(cohort.behaviours["behaviour"], cohort.behaviours["scale"]):
        level = "ordinal" if scale == "ordinal" else "nominal"
        alpha = krippendorff.alpha(reliability_data=_reliability_matrix(cohort.observations, code),
                                   level_of_measurement=level)
        row = _row(table, f"behaviour:{code}", "kripp_alpha")
        assert row["estimate"] == pytest.approx(alpha, abs=1e-9)
        assert row["ci_low"] <= row["estimate"] <= row["ci_high"]
        assert row["verdict"] == reliability_verdict(row["estimate"])

        wide = _slot_matrix(cohort.observations, code)
        labels = list(range(1, 6)) if scale == "ordinal" else [0, 1]
        kappa = cohen_kappa_score(wide[0].astype(int), wide[1].astype(int), labels=labels,
                                  weights="quadratic" if scale == "ordinal" else None)
        assert _row(table, f"behaviour:{code}", "cohen_kappa")["estimate"] == pytest.approx(kappa, abs=1e-9)

        counts = np.stack([(wide.to_numpy() == c).sum(axis=1) for c in labels], axis=1)
        counts = counts[:, counts.sum(axis=0) > 0]
        fk = sm_fleiss_kappa(counts, method="fleiss")
        assert _row(table, f"behaviour:{code}", "fleiss_kappa")["estimate"] == pytest.approx(fk, abs=1e-9)


def test_alpha_rows_agree_with_the_exclusion_rule(cohorts, results):
    """The same alpha decides the verdict shown and the exclusion from behaviour_index."""
    for name, res in results.items():
        cohort = cohorts[name]
        ba = behaviour_alphas(cohort).set_index("behaviour")
        for code in ba.index:
            row = _row(res.table, f"behaviour:{code}", "kripp_alpha")
            if np.isnan(ba.loc[code, "alpha"]):
                assert np.isnan(row["estimate"]) and row["verdict"] == "insufficient data"
            else:
                assert row["estimate"] == pytest.approx(ba.loc[code, "alpha"], abs=1e-12)
                assert row["verdict"] == ba.loc[code, "verdict"]
            assert bool(row["in_behaviour_index"]) == (code not in res.excluded)
        assert res.excluded == excluded_behaviours(cohort)


@pytest.mark.parametrize("seed", [20260105, 3, 8])
def test_chance_behaviour_is_unreliable_and_the_others_are_not(seed, generated, results):
    """Planted truth: the behaviour observers code at chance is unreliable and excluded.

    truth.json's ``chance_behaviour`` is coded by coin flips, so its alpha is ~0;
    every other behaviour is coded from the session's true state with a small
    coding error and must not be marked unreliable.
    """
    truth = json.loads((generated[seed] / "truth.json").read_text())
    chance = truth["chance_behaviour"]
    res = results[f"seed{seed}"]
    view = reliability.behaviour_view(res.table).set_index("behaviour")
    assert view.loc[chance, "verdict"] == "unreliable"
    assert view.loc[chance, "in_behaviour_index"] == "no (excluded)"
    others = view.drop(index=chance)
    assert len(others) == 5
    assert (others["verdict"] != "unreliable").all(), others[["kripp_alpha", "verdict"]]
    assert res.excluded == [chance]


def test_external_fixture_too_few_double_coded_sessions(results):
    """2 double-coded sessions (hand-written fixture): every behaviour row says insufficient data."""
    t = results["external"].table
    beh = t[t["measure"].str.startswith("behaviour").to_numpy(dtype=bool)]
    assert len(beh) and beh["estimate"].isna().all()
    assert set(beh["verdict"]) == {"insufficient data"}
    assert results["external"].excluded == []


# --------------------------------------------------------------------------
# Cronbach's alpha
# --------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["external", "seed3"])
def test_cronbach_alpha_matches_pingouin(name, cohorts, results):
    """Cronbach's alpha of the non-self responses = pingouin.cronbach_alpha (complete responses)."""
    r = cohorts[name].ratings
    r = r[r["rater_type"] != "self"].assign(score=lambda d: pd.to_numeric(d["score"]).astype(float))
    wide = r.pivot_table(index=["leader_id", "rater_id", "wave"], columns="item", values="score",
                         aggfunc="first", dropna=False).dropna()
    ref, _ = pg.cronbach_alpha(data=wide)
    row = _row(results[name].table, "empathy_360:items", "cronbach_alpha")
    assert row["estimate"] == pytest.approx(ref, abs=1e-9)
    assert row["n_targets"] == len(wide)
    assert row["mean_raters"] == wide.shape[1]


# --------------------------------------------------------------------------
# reliability.csv labels
# --------------------------------------------------------------------------
def test_reliability_table_labels_and_verdicts(cohorts, results):
    """Contract columns first; labels as documented; verdict rule per method."""
    for name, res in results.items():
        t = res.table
        assert tuple(t.columns[:8]) == reliability.CONTRACT_COLUMNS
        assert set(t["method"]) <= ALLOWED_METHODS
        codes = set(cohorts[name].behaviours["behaviour"])
        allowed_measures = set(reliability.NESTED_MEASURES) | {"empathy_360:items", "behaviour_index"} | {
            f"behaviour:{c}" for c in codes}
        assert set(t["measure"]) <= allowed_measures
        icc = t["method"].str.startswith("ICC").to_numpy(dtype=bool) & t["estimate"].notna().to_numpy(dtype=bool)
        expected = koo_li_band_from_ci(t.loc[icc, "ci_low"], t.loc[icc, "ci_high"])
        assert (t.loc[icc, "verdict"] == expected).all()
        agree = t["method"].isin(["kripp_alpha", "cohen_kappa", "fleiss_kappa"]).to_numpy(dtype=bool) & \
            t["estimate"].notna().to_numpy(dtype=bool)
        assert (t.loc[agree, "verdict"] == reliability_verdict(t.loc[agree, "estimate"])).all()
        assert t["verdict"].notna().all()


def test_analyse_is_deterministic(cohorts):
    a = reliability.analyse(cohorts["seed3"], n_boot=20, seed=5)
    b = reliability.analyse(cohorts["seed3"], n_boot=20, seed=5)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert reliability.summary_text(a) == reliability.summary_text(b)


# --------------------------------------------------------------------------
# minimum raters (Spearman-Brown)
# --------------------------------------------------------------------------
@pytest.mark.parametrize("target", [0.75, 0.9])
def test_min_raters_follow_spearman_brown(target, cohorts, results):
    """min_raters = ceil(rho*(1 - rho1) / (rho1 (1 - rho*))) from single_rater_reliability."""
    for name, res in results.items():
        mins = reliability.min_raters(res.table, cohorts[name].ratings, target)
        ok = mins["single_rater_reliability"].notna() & (mins["single_rater_reliability"] > 0)
        assert ok.sum() >= 3
        rho1 = mins.loc[ok, "single_rater_reliability"].to_numpy()
        expected = np.maximum(np.ceil(target * (1 - rho1) / (rho1 * (1 - target)) - 1e-9), 1)
        np.testing.assert_array_equal(mins.loc[ok, "min_raters"].to_numpy(), expected)
        assert (mins["target_reliability"] == target).all()
        # reaching the target: k raters suffice, k - 1 do not (Spearman-Brown step-up)
        k = mins.loc[ok, "min_raters"].to_numpy()
        assert np.all(k * rho1 / (1 + (k - 1) * rho1) >= target - 1e-12)
        km = k - 1
        assert np.all((km == 0) | (km * rho1 / (1 + (km - 1) * rho1) < target))


def test_min_raters_use_baseline_icc_and_actual_counts(cohorts, results):
    """single_rater_reliability is the baseline ICC1; actual counts recounted from the raw ratings."""
    cohort, res = cohorts["seed20260105"], results["seed20260105"]
    mins = res.min_raters.set_index("measure")
    assert tuple(res.min_raters.columns[:4]) == ("measure", "target_reliability",
                                                 "single_rater_reliability", "min_raters")
    r = cohort.ratings[(cohort.ratings["wave"] == "baseline") & (cohort.ratings["rater_type"] != "self")]
    r = r[r.groupby(["leader_id", "rater_id"])["score"].transform("count") > 0]
    leaders = r["leader_id"].unique()
    for rater_type in ("peer", "direct_report"):
        measure = f"empathy_360:{rater_type}"
        assert mins.loc[measure, "single_rater_reliability"] == _row(res.table, measure, "ICC1", "baseline")["estimate"]
        counts = (r[r["rater_type"] == rater_type].groupby("leader_id")["rater_id"].nunique()
                  .reindex(leaders, fill_value=0))
        assert mins.loc[measure, "median_raters_actual"] == np.median(counts)
        assert mins.loc[measure, "fewest_raters_actual"] == counts.min()
        assert mins.loc[measure, "share_meeting"] == pytest.approx(np.mean(counts >= mins.loc[measure, "min_raters"]))
    assert np.isnan(mins.loc["empathy_360:manager", "min_raters"])
    assert mins.loc["behaviour_index", "rater_unit"] == "observers per session"


# --------------------------------------------------------------------------
# leader bands and reliable change
# --------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["external", "seed8"])
def test_leader_bands_se_is_sqrt_msw_over_k(name, cohorts, results):
    """SE of a leader's empathy_360 = sqrt(MSW / k), MSW of the baseline one-way ANOVA (statsmodels)."""
    cohort, res = cohorts[name], results[name]
    ref = _independent_icc1(cohort.ratings, None, "baseline")
    b = res.leader_bands
    assert res.reference["wave"] == "baseline"
    np.testing.assert_allclose(b["se"], np.sqrt(ref["msw"] / b["k"]), rtol=1e-9)
    np.testing.assert_allclose(b["ci_high"] - b["value"], stats.norm.isf(0.025) * b["se"], rtol=1e-9)
    emp = measures.empathy_360(cohort.ratings)
    assert len(b) == len(emp)


@pytest.mark.parametrize("name", ["external", "seed8"])
def test_leader_reliable_change_same_raters(name, cohorts, results):
    """Written out here with pandas: the change's error variance for shared raters,
    P (1/kb + 1/ke - 2 m/(kb ke)) + E (1/kb + 1/ke), E = half the pooled within-leader variance
    of the raters' own changes, P = pooled within-leader variance (both waves) - E;
    improved iff change > 1.96 SE (Jacobson & Truax 1991 with the same-rater error)."""
    cohort = cohorts[name]
    rc = reliability.leader_reliable_change(cohort)
    assert list(rc.columns[:7]) == ["leader_id", "arm", "baseline", "endline", "change", "threshold", "status"]
    assert set(rc["leader_id"]) == set(cohort.leaders["leader_id"])
    r = cohort.ratings[cohort.ratings["rater_type"] != "self"].assign(
        score=lambda d: pd.to_numeric(d["score"]).astype(float))
    rm = r.groupby(["leader_id", "wave", "rater_id"])["score"].mean().dropna().reset_index()
    rm = rm[rm["wave"].isin(["baseline", "endline"])]
    dev = rm["score"] - rm.groupby(["leader_id", "wave"])["score"].transform("mean")
    within = (dev ** 2).sum() / (len(rm) - rm.groupby(["leader_id", "wave"]).ngroups)
    wide = rm.pivot_table(index=["leader_id", "rater_id"], columns="wave", values="score").dropna()
    d = (wide["endline"] - wide["baseline"]).rename("d").reset_index()
    dd = d["d"] - d.groupby("leader_id")["d"].transform("mean")
    transient = (dd ** 2).sum() / (len(d) - d["leader_id"].nunique()) / 2
    persistent = within - transient
    per = rm.groupby(["leader_id", "wave"])["score"].agg(["mean", "size"]).unstack("wave")
    per.columns = [f"{stat}_{wave}" for stat, wave in per.columns]
    per["m"] = d.groupby("leader_id").size()
    both = rc.set_index("leader_id").join(per)
    kb, ke, m = both["size_baseline"], both["size_endline"], both["m"].fillna(0)
    var = persistent * (1 / kb + 1 / ke - 2 * m / (kb * ke)) + transient * (1 / kb + 1 / ke)
    z = stats.norm.isf(0.025)
    thr = z * np.sqrt(var)
    np.testing.assert_allclose(both["threshold"], thr, rtol=1e-9)
    change = both["mean_endline"] - both["mean_baseline"]
    np.testing.assert_allclose(both["change"], change, rtol=1e-12, atol=1e-12)
    expected = np.where(change > thr, "improved", np.where(change < -thr, "deteriorated", "no reliable change"))
    has = change.notna().to_numpy()
    assert (both["status"].to_numpy()[has] == expected[has]).all()
    assert both["status"][~has].isna().all()
    # the independent-errors threshold of Jacobson & Truax is wider when raters are shared
    msw = _independent_icc1(cohort.ratings, None, "baseline")["msw"]
    assert (z * np.sqrt(msw / kb + msw / ke) > thr)[has].mean() > 0.9


def _simulated_ratings(rng, n_leaders=200, k=8, persistent=0.18, transient=0.05, keep=0.85, change=0.0):
    """Planted truth: rating = T_i (+ change at endline) + u_ir (both waves) + e_irw; some raters drop out."""
    rows = []
    for i in range(n_leaders):
        t = rng.normal(3.5, 0.4)
        u = rng.normal(0, np.sqrt(persistent), k)
        for w, shift in (("baseline", 0.0), ("endline", change)):
            present = np.ones(k, bool) if w == "baseline" else rng.random(k) < keep
            present[:2] = True
            e = rng.normal(0, np.sqrt(transient), k)
            for r in np.flatnonzero(present):
                rows.append((f"L{i:04d}", f"R{i:04d}_{r}", "peer", w, "2026-01-01", "E1", t + shift + u[r] + e[r]))
    ratings = pd.DataFrame(rows, columns=["leader_id", "rater_id", "rater_type", "wave", "date", "item", "score"])
    leaders = pd.DataFrame({"leader_id": [f"L{i:04d}" for i in range(n_leaders)], "arm": "comparison"})
    return types.SimpleNamespace(ratings=ratings, leaders=leaders)


def test_reliable_change_flags_unchanged_leaders_at_the_nominal_rate():
    """Simulation with planted truth (no leader changes; raters keep their view of a leader across
    waves, as in the 360 design): about 5 % of leaders are flagged (2.5 % each way) at 95 %, where
    the independent-errors threshold flags far fewer; a planted change of 0.3 is flagged often."""
    rng = np.random.default_rng(11)
    flagged, old_flagged = [], []
    for _ in range(10):
        sim = _simulated_ratings(rng)
        rc = reliability.leader_reliable_change(sim)
        flagged.append(rc["status"].isin(["improved", "deteriorated"]).mean())
        old = 1.96 * np.sqrt(rc["sem_baseline"] ** 2 + rc["sem_endline"] ** 2)
        old_flagged.append((rc["change"].abs() > old).mean())
    rate = float(np.mean(flagged))  # 2,000 leaders: binomial SE about 0.5 %
    assert 0.035 < rate < 0.065, rate
    assert np.mean(old_flagged) < 0.02
    sim = _simulated_ratings(np.random.default_rng(12), change=0.3)
    assert (reliability.leader_reliable_change(sim)["status"] == "improved").mean() > 0.5


def test_supplied_rho1_uses_the_classical_sem(cohorts):
    """rho1 given (e.g. from an earlier cohort): SEM = SD_1 sqrt((1 - rho1) / k), Lord & Novick,
    with the single-rating variance SD_1^2 = (MSB - MSW) / n0 + MSW of the statsmodels ANOVA."""
    cohort = cohorts["seed3"]
    ref = _independent_icc1(cohort.ratings, None, "baseline")
    msb = ref["F"] * ref["msw"]
    sd1 = np.sqrt((msb - ref["msw"]) / ref["n0"] + ref["msw"])
    b = reliability.leader_bands_360(cohort.ratings, rho1=0.3)
    np.testing.assert_allclose(b["se"], sd1 * np.sqrt(0.7 / b["k"]), rtol=1e-9)
    np.testing.assert_allclose(b["rho_k"], b["k"] * 0.3 / (1 + (b["k"] - 1) * 0.3), rtol=1e-12)
    rc = reliability.leader_reliable_change(cohort, rho1=0.3)
    np.testing.assert_allclose(rc["sem_baseline"], sd1 * np.sqrt(0.7 / rc["k_baseline"]), rtol=1e-9)


def test_pilot_improves_more_often_than_comparison(results):
    """Planted truth (effect 0.3 at endline in the pilot): more pilot than comparison leaders improve."""
    for seed in (20260105, 3, 8):
        summ = reliability.reliable_change_summary(results[f"seed{seed}"].reliable_change,
                                                   results[f"seed{seed}"].config)
        improved = summ[summ["status"] == "improved"].set_index("arm")["share"]
        assert improved["pilot"] > improved["comparison"] + 0.2


def test_reliable_change_summary_suppresses_small_arms(cohorts, results):
    """An arm under min_group_size shows no counts (privacy)."""
    cfg = cohorts["external"].config.with_overrides(min_group_size=6)
    summ = reliability.reliable_change_summary(results["external"].reliable_change, cfg)
    n = results["external"].reliable_change["arm"].value_counts()
    small = [a for a in n.index if n[a] < 6]
    assert small
    sub = summ[summ["arm"].isin(small)]
    assert sub["leaders"].isna().all() and sub["share"].isna().all()
    assert sub["suppressed"].str.contains("min_group_size").all()


def test_constant_behaviour_and_truly_crossed_observers(generated, tmp_path):
    """A behaviour always coded 1 has no defined agreement; the same two observers on every
    double-coded session make the design truly crossed (pingouin reference, observers as raters)."""
    dst = tmp_path / "edge"
    shutil.copytree(generated[3], dst)
    obs = pd.read_csv(dst / "observations.csv")
    obs.loc[obs["behaviour"] == "named_the_emotion", "value"] = 1
    double = (obs.groupby("session_id")["observer_id"].transform("nunique") >= 2).to_numpy()
    rank = obs[double].groupby("session_id")["observer_id"].rank(method="dense").astype(int)
    obs.loc[double, "observer_id"] = rank.map({1: "OA", 2: "OB"}).to_numpy()
    obs.to_csv(dst / "observations.csv", index=False)
    cohort = load_cohort(dst)
    res = reliability.analyse(cohort, n_boot=50, seed=1)
    const = res.table[res.table["measure"].eq("behaviour:named_the_emotion").to_numpy(dtype=bool)]
    assert const["estimate"].isna().all() and (const["verdict"] == "insufficient data").all()
    assert "named_the_emotion" not in res.excluded
    row = _row(res.table, "behaviour:warmth_of_tone", "ICC3")
    assert row["design"].startswith("crossed: the same 2 observers")
    wide = _slot_matrix(cohort.observations, "warmth_of_tone")  # slot 0 = OA, slot 1 = OB here
    long = wide.reset_index().melt(id_vars="session_id", var_name="slot", value_name="value")
    ref = _pingouin_icc(long, targets="session_id", raters="slot", ratings="value").set_index("Type")
    assert row["estimate"] == pytest.approx(ref.loc["ICC(C,1)", "ICC"], abs=1e-9)
    assert row[["p_poor", "p_moderate", "p_good", "p_excellent"]].sum() == pytest.approx(1.0)


# --------------------------------------------------------------------------
# no observations table
# --------------------------------------------------------------------------
def test_cohort_without_observations(generated, tmp_path):
    src = generated[3]
    dst = tmp_path / "noobs"
    shutil.copytree(src, dst)
    (dst / "observations.csv").unlink()
    (dst / "behaviours.csv").unlink()
    res = reliability.analyse(load_cohort(dst), n_boot=20, seed=1)
    assert not res.table["measure"].str.startswith("behaviour").any()
    assert res.observer_severity.empty
    assert "no observations table" in reliability.summary_text(res)
    assert "behaviour_index" not in set(res.min_raters["measure"])


# --------------------------------------------------------------------------
# the notebook, end to end
# --------------------------------------------------------------------------
def _visible_text(html: str) -> str:
    """HTML with base64 data URIs replaced by their decoded content (SVG charts)."""
    def decode(m: re.Match) -> str:
        try:
            return base64.b64decode(m.group(2)).decode("utf-8", errors="replace")
        except ValueError:
            return ""
    return re.sub(r"data:([\w/+.-]+);base64,([A-Za-z0-9+/=]+)", decode, html)


@pytest.mark.scenario
def test_notebook_pipeline_writes_contract_results_and_no_ids(generated, tmp_path):
    """Run 02_reliability through build_report (papermill + HTML export) on a generated cohort."""
    from pilot_eval.report.build import build_report

    cohort_dir = tmp_path / "cohort"
    generate_cohort(cohort_dir, n_pilot=20, n_comparison=20, seed=17)
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    shutil.copy(REPO / "notebooks" / "02_reliability.ipynb", nbs / "02_reliability.ipynb")
    out = tmp_path / "report"
    build_report(cohort_dir, out, params={"n_boot": 100}, notebooks_dir=nbs, progress=False,
                 log=lambda msg: None)

    rel = pd.read_csv(out / "results" / "reliability.csv")
    assert list(rel.columns[:8]) == list(reliability.CONTRACT_COLUMNS)
    assert set(rel["method"]) <= ALLOWED_METHODS
    assert {"empathy_360:peer", "empathy_360:direct_report", "empathy_360:all_others",
            "empathy_360:manager", "empathy_360:items", "behaviour_index"} <= set(rel["measure"])
    assert set(rel["method"]) >= {"ICC1", "ICC1k", "ICC2", "ICC3k", "kripp_alpha", "cohen_kappa",
                                  "fleiss_kappa", "cronbach_alpha"}
    mins = pd.read_csv(out / "results" / "min_raters.csv")
    assert list(mins.columns[:4]) == ["measure", "target_reliability", "single_rater_reliability", "min_raters"]

    html = _visible_text((out / "html" / "02_reliability.html").read_text(encoding="utf-8"))
    cohort = load_cohort(cohort_dir)
    ids = (set(cohort.ratings["rater_id"]) | set(cohort.observations["observer_id"])
           | set(cohort.leaders["leader_id"]))
    leaked = sorted(i for i in ids if i in html)
    assert not leaked, leaked[:10]
    assert "flagged for recalibration" in html
    assert html.count("<svg") >= 6  # the program owner's charts, inline
