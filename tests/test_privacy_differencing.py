"""Privacy across reports (issue 12, item 5): two reports of cohorts that differ by one
leader must not give away that leader's baseline 360 score by subtraction.

The attack (the one the issue demonstrated, generalised): for every published number that
is a group aggregate with its n (a mean of a group, an arm, a month), n * value in the first
report minus n * value in the second is the removed leader's value.  Published values are
rounded (privacy.coarsen_published); the attacker is assumed to know the mechanism, so from
a value r with step q it knows the true mean lies in [r - q/2, r + q/2].  The test computes
the interval of the leader's value consistent with both reports, intersected with the
rating scale, and requires it to be at least 0.5 scale points wide (so no attacker can name
the value to within 0.25).  Reference: the leader's baseline 360 score recomputed by hand
(mean over raters of the mean over items, baseline wave, other raters than self), and the
subtraction attack of Dinur & Nissim (2003) / the "differencing attack" of statistical
disclosure control (Hundepool et al., *Statistical Disclosure Control*, 2012, sec. 4.2).
"""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pilot_eval.privacy import coarsen, coarsen_published, publication_step, variable_span

pytestmark = [pytest.mark.slow, pytest.mark.scenario]

SCALE = (1.0, 5.0)


def _drop_leader(src: Path, dst: Path, leader: str) -> None:
    shutil.copytree(src, dst)
    for path in dst.glob("*.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        if "leader_id" in frame.columns:
            frame[frame["leader_id"] != leader].to_csv(path, index=False, lineterminator="\n")


def _leader_360(cohort: Path, leader: str) -> float:
    r = pd.read_csv(cohort / "ratings.csv")
    r = r[(r["leader_id"] == leader) & (r["wave"] == "baseline") & (r["rater_type"] != "self")]
    return float(r.groupby("rater_id")["score"].mean().mean())


def _interval(rows: list[tuple[float, float, float]]) -> tuple[float, float]:
    """Leader's value from (value, n, step) of report A and of report B: x = S_A - S_B."""
    (ra, na, qa), (rb, nb, qb) = rows
    qa = 0.0 if not math.isfinite(qa) else qa
    qb = 0.0 if not math.isfinite(qb) else qb
    lo = (ra - qa / 2) * na - (rb + qb / 2) * nb
    hi = (ra + qa / 2) * na - (rb - qb / 2) * nb
    return max(lo, SCALE[0]), min(hi, SCALE[1])


@pytest.fixture(scope="module")
def two_reports(tmp_path_factory):
    from pilot_eval.data.synth import generate_cohort
    from pilot_eval.report.build import build_report

    root = tmp_path_factory.mktemp("diff")
    generate_cohort(root / "a", n_pilot=12, n_comparison=12, seed=31, effect=0.4)
    leaders = pd.read_csv(root / "a" / "leaders.csv")
    leader = str(leaders.loc[leaders["arm"] == "pilot", "leader_id"].iloc[0])
    _drop_leader(root / "a", root / "b", leader)
    outs = []
    for name in ("a", "b"):
        out = root / f"report-{name}"
        build_report(root / name, out, progress=False, log=lambda m: None)
        outs.append(out)
    return root, leader, outs


def _pairs(outs: list[Path], file: str, keys: list[str]) -> pd.DataFrame:
    a = pd.read_csv(outs[0] / "results" / file)
    b = pd.read_csv(outs[1] / "results" / file)
    return a.merge(b, on=keys, suffixes=("_a", "_b"))


def test_no_group_mean_gives_the_leaders_baseline_360(two_reports):
    root, leader, outs = two_reports
    truth = _leader_360(root / "a", leader)
    attacks: list[tuple[str, tuple[float, float]]] = []
    # baseline_balance.csv: pilot_mean x n_pilot (the attack), and comparison_mean
    bal = _pairs(outs, "baseline_balance.csv", ["variable"])
    for _, r in bal[bal["variable"] == "empathy_360"].iterrows():
        for arm in ("pilot", "comparison"):
            vals = [(r[f"{arm}_mean_{s}"], r[f"n_{arm}_{s}"],
                     publication_step(variable_span("empathy_360", SCALE), r[f"n_{arm}_{s}"])) for s in "ab"]
            attacks.append((f"baseline_balance {arm}_mean", _interval(vals)))
    # table_one.csv: "mean (SD), n=k" per arm and overall
    t1 = _pairs(outs, "table_one.csv", ["variable", "level", "statistic"])
    for _, r in t1[t1["variable"] == "empathy_360"].iterrows():
        for col in ("pilot", "comparison", "overall"):
            vals = []
            for s in "ab":
                m = re.match(r"([-\d.]+) \(([-\d.]+)\), n=(\d+)", str(r[f"{col}_{s}"]))
                assert m, r[f"{col}_{s}"]
                n = int(m.group(3))
                vals.append((float(m.group(1)), n, publication_step(4.0, n)))
            attacks.append((f"table_one {col}", _interval(vals)))
    # indicator_timecourse.csv and scorecard_trends.csv: every month of the 360 by arm
    for file, n_col in (("indicator_timecourse.csv", "n_leaders"), ("scorecard_trends.csv", "n")):
        keys = ["indicator", "arm", "month"] + (["kind"] if file.startswith("indicator") else [])
        tc = _pairs(outs, file, keys)
        tc = tc[tc["indicator"].astype(str).str.startswith("empathy_360")]
        for _, r in tc.dropna(subset=[f"value_a", f"value_b"]).iterrows():
            vals = [(r[f"value_{s}"], r[f"{n_col}_{s}"],
                     publication_step(variable_span(r["indicator"], SCALE), r[f"{n_col}_{s}"])) for s in "ab"]
            attacks.append((f"{file} {r['arm']} month {r['month']}", _interval(vals)))
    assert len(attacks) >= 5, attacks
    for name, (lo, hi) in attacks:
        assert hi - lo >= 0.5, (name, lo, hi, truth)


def test_effects_do_not_give_the_leaders_baseline_360(two_reports):
    """naive - prepost = difference of the arms' baseline means; with the comparison arm
    unchanged between the reports, n_pilot x that difference differenced across reports
    leaves the leader's baseline plus one comparison mean, published rounded."""
    root, leader, outs = two_reports
    eff = _pairs(outs, "effects.csv", ["outcome", "model", "period"] if "period" in
                 pd.read_csv(outs[0] / "results" / "effects.csv").columns else ["outcome", "model"])
    eff = eff[eff["outcome"] == "empathy_360"].set_index("model")
    if not {"naive", "prepost"} <= set(eff.index):
        pytest.skip("no naive and prepost rows for empathy_360")
    bal = _pairs(outs, "baseline_balance.csv", ["variable"]).set_index("variable").loc["empathy_360"]
    d = {s: float(eff.loc["naive", f"estimate_{s}"]) - float(eff.loc["prepost", f"estimate_{s}"]) for s in "ab"}
    n = {s: float(bal[f"n_pilot_{s}"]) for s in "ab"}
    # each estimate is published rounded to span / (smallest arm in its contrast)
    q_e = {s: publication_step(variable_span("empathy_360", SCALE), float(eff.loc["prepost", f"n_pilot_{s}"]))
           for s in "ab"}
    mc, qc = float(bal["comparison_mean_a"]), publication_step(4.0, float(bal["n_comparison_a"]))
    # x = n_a (d_a + m_c) - n_b (d_b + m_c); d has the rounding error of two estimates
    centre = n["a"] * d["a"] - n["b"] * d["b"] + (n["a"] - n["b"]) * mc
    half = (n["a"] - n["b"]) * qc / 2 + n["a"] * q_e["a"] + n["b"] * q_e["b"]  # two estimates, q/2 each
    lo, hi = max(centre - half, SCALE[0]), min(centre + half, SCALE[1])
    assert hi - lo >= 0.5, (lo, hi, _leader_360(root / "a", leader))


def test_coarsening_is_idempotent_and_published_through_write_result(tmp_path):
    from pilot_eval.steps.results import write_result

    df = pd.DataFrame({"variable": ["empathy_360", "tenure_years"], "pilot_mean": [3.4387, 6.123],
                       "comparison_mean": [3.11, 5.5], "smd": [0.1, 0.2], "wwc_rating": ["x", "y"],
                       "n_pilot": [45, 45], "n_comparison": [6, 60]})
    once = coarsen_published(df, "baseline_balance", scale=SCALE)
    assert once["pilot_mean"].tolist() == [3.4, 6.0]     # steps 0.1 (4/45) and 2 (50/45 -> 2)
    assert once["comparison_mean"].tolist() == [3.0, 6.0]  # steps 1 (4/6) and 1 (50/60 -> 1), half up
    assert coarsen_published(once, "baseline_balance", scale=SCALE).equals(once)
    text = write_result(df, tmp_path, "baseline_balance").read_text()
    assert "3.4387" not in text and "3.4," in text
    assert coarsen(3.4387, 4.0, 45) == 3.4


def test_coarsening_keeps_missing_and_nullable_values():
    df = pd.DataFrame({"outcome": ["empathy_360"] * 3, "estimate": [0.3712, None, 0.5],
                       "n_pilot": pd.array([6, pd.NA, 45], dtype="Int64"),
                       "n_comparison": pd.array([0, 6, pd.NA], dtype="Int64")})
    out = coarsen_published(df, "effects", scale=SCALE)
    assert out["estimate"].iloc[0] == 0.0 and pd.isna(out["estimate"].iloc[1])  # step 1 for 6 leaders
    assert out["estimate"].iloc[2] == 0.5  # n_comparison missing: the pilot arm's 45 set the step 0.1
    assert publication_step(4, pd.NA) != publication_step(4, pd.NA)  # NaN, no exception
