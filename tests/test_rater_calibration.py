"""Tests of pilot_eval.steps.reliability.calibration (issue 4, item 6: rater and observer calibration).

References used:

* a plain-loop re-implementation of the leave-one-out deviation score (Saal,
  Downey & Lahey 1980) with ``scipy.stats.t.interval`` for the Student t
  interval, run on the hand-written fixture ``tests/fixtures/external_cohort``
  and on a generated cohort;
* planted truth: a rater built here to rate 1 point higher than everyone else,
  a rater-type offset that must not be counted as leniency, and the observer
  severities that :func:`pilot_eval.data.synth.generate_cohort` records in
  ``truth.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pilot_eval.steps.reliability import calibration as rc
from pilot_eval.data.cohort import load_cohort
from pilot_eval.data.synth import generate_cohort

EXTERNAL = Path(__file__).resolve().parent / "fixtures" / "external_cohort"


@pytest.fixture(scope="module")
def external():
    return load_cohort(EXTERNAL)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("calib") / "cohort"
    generate_cohort(out, n_pilot=45, n_comparison=60, seed=20260105)
    return load_cohort(out)


def _loop_reference(data: pd.DataFrame, targets: list[str], raters: list[str], value: str,
                    group: str | None, confidence: float = 0.95) -> pd.DataFrame:
    """Leave-one-out deviations with Python loops, Student t interval from scipy."""
    data = data.dropna(subset=[value])
    devs: list[tuple[tuple, object, float]] = []
    for _, target in data.groupby(targets):
        if len(target) < 2:
            continue
        vals = target[value].astype(float).to_numpy()
        for i, (_, r) in enumerate(target.iterrows()):
            others = np.delete(vals, i)
            key = tuple(r[c] for c in raters)
            devs.append((key, r[group] if group else None, vals[i] - others.mean()))
    if group:
        by_group: dict[object, list[float]] = {}
        for _, g, d in devs:
            by_group.setdefault(g, []).append(d)
        centre = {g: float(np.mean(v)) for g, v in by_group.items()}
        devs = [(k, g, d - centre[g]) for k, g, d in devs]
    per: dict[tuple, list[float]] = {}
    for k, _, d in devs:
        per.setdefault(k, []).append(d)
    rows = []
    for k in sorted(per):
        d = np.asarray(per[k])
        m = d.mean()
        if len(d) >= 2 and d.std(ddof=1) == 0:
            lo = hi = m  # scipy's interval is undefined for scale 0
        elif len(d) >= 2:
            lo, hi = stats.t.interval(confidence, len(d) - 1, loc=m, scale=d.std(ddof=1) / np.sqrt(len(d)))
        else:
            lo = hi = np.nan
        rows.append({**dict(zip(raters, k)), "n_targets": len(d), "leniency": m, "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows)


def _compare(ours: pd.DataFrame, ref: pd.DataFrame, keys: list[str]) -> None:
    ours = ours.astype({k: object for k in keys}).set_index(keys).sort_index()
    ref = ref.astype({k: object for k in keys}).set_index(keys).sort_index()
    assert list(ours.index) == list(ref.index)
    np.testing.assert_array_equal(ours["n_targets"], ref["n_targets"])
    for col in ("leniency", "ci_low", "ci_high"):
        np.testing.assert_allclose(ours[col].to_numpy(dtype=float), ref[col].to_numpy(dtype=float),
                                   rtol=1e-9, atol=1e-12, equal_nan=True)


def test_rater_severity_matches_loop_reference_on_external_fixture(external):
    """360 raters of the hand-written fixture: vectorised = loop reference (rater-type centred)."""
    r = external.ratings
    r = r[r["rater_type"] != "self"].assign(score=lambda d: pd.to_numeric(d["score"]).astype(float))
    rm = r.groupby(["leader_id", "wave", "rater_id", "rater_type"])["score"].mean().dropna().reset_index()
    ref = _loop_reference(rm, ["leader_id", "wave"], ["rater_id", "rater_type"], "score", "rater_type")
    ours = rc.rater_severity(external.ratings)
    assert len(ours) > 20
    _compare(ours, ref, ["rater_id", "rater_type"])


def test_observer_severity_matches_loop_reference(generated):
    """Observers x behaviours of a generated cohort: vectorised = loop reference."""
    obs = generated.observations
    dc = obs[obs.groupby("session_id")["observer_id"].transform("nunique") >= 2]
    dc = dc.assign(value=pd.to_numeric(dc["value"]).astype(float))
    ref = _loop_reference(dc, ["session_id", "behaviour"], ["observer_id", "behaviour"], "value", None)
    ours = rc.observer_severity(generated.observations, generated.behaviours)
    _compare(ours, ref, ["observer_id", "behaviour"])


def _planted_ratings(seed: int = 4) -> pd.DataFrame:
    """40 leaders x 2 waves, each rated by 3 peers (offset 0) and 3 direct reports (offset +0.6)
    from a pool; rater P00 rates 1.0 point higher than anyone else; noise SD 0.15."""
    rng = np.random.default_rng(seed)
    rows = []
    true = rng.normal(3.5, 0.5, 40)
    peers = [f"P{i:02d}" for i in range(25)]
    for li in range(40):
        chosen = list(rng.choice(peers[1:], 3, replace=False))
        if li % 3 == 0:
            chosen[0] = "P00"
        raters = [(p, "peer", 0.0) for p in chosen] + [(f"D{li:02d}{j}", "direct_report", 0.6) for j in range(3)]
        for wave in ("baseline", "endline"):
            for rid, rtype, offset in raters:
                lenient = 1.0 if rid == "P00" else 0.0
                rows.append({"leader_id": f"L{li:02d}", "rater_id": rid, "rater_type": rtype, "wave": wave,
                             "item": "E1", "score": true[li] + offset + lenient + rng.normal(0, 0.15)})
    return pd.DataFrame(rows)


def test_planted_lenient_rater_is_the_only_one_flagged():
    """Planted: P00 rates +1.0; direct reports' shared +0.6 offset is not anyone's leniency."""
    sev = rc.rater_severity(_planted_ratings(), threshold=0.5)
    flagged = sev[sev["flagged"]]
    assert list(flagged["rater_id"]) == ["P00"]
    p00 = flagged.iloc[0]
    assert p00["direction"] == "lenient"
    # +1.0 against the other peers of the same leaders (the direct reports' offset is centred
    # away); the leave-one-out mean of the other peers carries none of P00's leniency
    assert 0.8 < p00["leniency"] < 1.2
    assert p00["ci_low"] > 0.5
    dr = sev[sev["rater_type"] == "direct_report"]
    assert abs(dr["leniency"].mean()) < 1e-9  # centred within rater type
    assert dr["leniency"].abs().mean() < 0.2  # only noise (and -1/5 of P00 where it co-rates)


def test_without_type_centring_the_offset_would_flag_direct_reports():
    """Same data through leniency() without group: direct reports look lenient (the offset)."""
    rm = _planted_ratings().rename(columns={"score": "rater_mean"})
    raw = rc.leniency(rm, ["leader_id", "wave"], ["rater_id", "rater_type"], "rater_mean")
    centred = rc.leniency(rm, ["leader_id", "wave"], ["rater_id", "rater_type"], "rater_mean",
                          group="rater_type")
    dr_raw = raw.loc[raw["rater_type"] == "direct_report", "leniency"].mean()
    dr_centred = centred.loc[centred["rater_type"] == "direct_report", "leniency"].mean()
    # 0.6 offset minus the mean of the 5 others (2 direct reports, 3 peers, sometimes P00):
    # about 0.6 - 1.2/5 - 1/15 = 0.29
    assert dr_raw > 0.25
    assert abs(dr_centred) < 1e-9


@pytest.mark.parametrize("seed", [3, 4])
def test_observer_leniency_recovers_planted_severity(seed, tmp_path):
    """truth.json's observer severity (ordinal codes): estimate tracks s_i - mean of the other observers."""
    generate_cohort(tmp_path / "c", n_pilot=200, n_comparison=200, seed=seed)
    cohort = load_cohort(tmp_path / "c")
    truth = json.loads((tmp_path / "c" / "truth.json").read_text())["behaviours"]["observer_severity"]
    ids = sorted(truth)
    s = np.array([truth[i] for i in ids])
    expected = s - (s.sum() - s) / (len(s) - 1)  # co-coders drawn uniformly from the others
    sev = rc.observer_severity(cohort.observations, cohort.behaviours)
    est = sev[sev["behaviour"] == "warmth_of_tone"].set_index("observer_id").loc[ids, "leniency"].to_numpy()
    assert np.corrcoef(est, expected)[0, 1] > 0.85
    assert 0.6 < np.polyfit(expected, est, 1)[0] < 1.6  # rounding to 1-5 changes the scale a little


def test_binary_threshold_is_the_same_share_of_the_scale(generated):
    sev = rc.observer_severity(generated.observations, generated.behaviours, threshold=0.4, scale_span=4)
    scale = dict(zip(generated.behaviours["behaviour"], generated.behaviours["scale"]))
    binary = sev["behaviour"].map(scale) == "binary"
    assert binary.any() and (~binary).any()
    np.testing.assert_allclose(sev.loc[binary, "threshold"], 0.1)
    np.testing.assert_allclose(sev.loc[~binary, "threshold"], 0.4)
    assert (sev.loc[binary, "unit"] == "share points").all()
    assert (sev.loc[~binary, "unit"] == "scale points").all()


def test_flag_rule_needs_interval_excluding_zero_and_size():
    sev = pd.DataFrame({
        "leniency": [0.8, 0.8, 0.3, -0.9, -0.9, 0.6],
        "ci_low": [0.2, -0.1, 0.1, -1.5, -1.5, np.nan],
        "ci_high": [1.4, 1.7, 0.5, -0.3, -0.3, np.nan],
    })
    flags = rc.flag_for_recalibration(sev, [0.5, 0.5, 0.5, 0.5, 1.0, 0.5])
    assert flags.tolist() == [True, False, False, True, False, False]


def test_summary_counts_and_text_show_no_ids(generated):
    rater_sev = rc.rater_severity(generated.ratings)
    obs_sev = rc.observer_severity(generated.observations, generated.behaviours)
    summ = rc.calibration_summary(rater_sev, obs_sev).set_index("who")
    for rater_type in ("manager", "peer", "direct_report"):
        sub = rater_sev[rater_sev["rater_type"] == rater_type]
        assert summ.loc[f"360 {rater_type}", "raters"] == len(sub)
        assert summ.loc[f"360 {rater_type}", "flagged"] == int(sub["flagged"].sum())
        assert summ.loc[f"360 {rater_type}", "flagged"] == (
            summ.loc[f"360 {rater_type}", "flagged_lenient"] + summ.loc[f"360 {rater_type}", "flagged_severe"])
    any_obs = obs_sev.groupby("observer_id")["flagged"].any()
    assert summ.loc["observers (any behaviour)", "raters"] == len(any_obs) == 8
    assert summ.loc["observers (any behaviour)", "flagged"] == int(any_obs.sum())
    text = rc.calibration_text(rater_sev, obs_sev)
    assert f"{int(rater_sev['flagged'].sum())} of {len(rater_sev)} raters in the 360 survey" in text
    assert f"{int(any_obs.sum())} of 8 observers" in text
    ids = set(generated.ratings["rater_id"]) | set(generated.observations["observer_id"])
    shown = " ".join(summ.index) + text + rc.leniency_distribution(rater_sev).to_string()
    assert not [i for i in ids if i in shown]


def test_leniency_distribution_counts_every_rater(generated):
    sev = rc.rater_severity(generated.ratings)
    dist = rc.leniency_distribution(sev, bin_width=0.1)
    assert dist["raters"].sum() == len(sev)
    assert dist.loc[dist["flagged"], "raters"].sum() == int(sev["flagged"].sum())
    assert np.allclose(dist["bin_end"] - dist["bin_start"], 0.1)


def test_flagged_raters_lists_every_flag(generated):
    rater_sev = rc.rater_severity(generated.ratings)
    obs_sev = rc.observer_severity(generated.observations, generated.behaviours)
    out = rc.flagged_raters(rater_sev, obs_sev)
    assert len(out) == int(rater_sev["flagged"].sum()) + int(obs_sev["flagged"].sum())
    assert out["leniency"].abs().min() > 0.5 / 4 - 1e-12
