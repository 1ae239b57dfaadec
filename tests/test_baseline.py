"""Step 1 (baseline): Table 1, WWC baseline equivalence and small-group suppression.

References
----------
What Works Clearinghouse Procedures and Standards Handbook v5.0: Hedges' g with
omega = 1 - 3/(4N - 9), pooled SD with n - 1 weights; ratings at 0.05 / 0.25.
"""

from __future__ import annotations

import csv
import math
import shutil
import statistics
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from pilot_eval.privacy import publication_step, round_to_step
from pilot_eval.stats.balance import baseline_balance

from pilot_eval import privacy
from pilot_eval.steps import baseline
from pilot_eval.data.cohort import load_cohort

EXTERNAL = Path(__file__).resolve().parent / "fixtures" / "external_cohort"


def _independent_baseline_empathy(folder: Path) -> dict[str, float]:
    """empathy_360 at the baseline wave from the raw CSV with the stdlib only.

    Contract: mean over the leader's non-self raters of each rater's mean item score
    (missing score = "don't know", skipped).
    """
    per_rater: dict[tuple[str, str], list[int]] = defaultdict(list)
    with open(folder / "ratings.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["wave"] != "baseline" or row["rater_type"] == "self" or row["score"] == "":
                continue
            per_rater[(row["leader_id"], row["rater_id"])].append(int(row["score"]))
    per_leader: dict[str, list[float]] = defaultdict(list)
    for (leader, _), scores in per_rater.items():
        per_leader[leader].append(sum(scores) / len(scores))
    return {leader: sum(v) / len(v) for leader, v in per_leader.items()}


def _hedges_g_by_hand(t: list[float], c: list[float]) -> float:
    nt, nc = len(t), len(c)
    sp = math.sqrt(((nt - 1) * statistics.variance(t) + (nc - 1) * statistics.variance(c)) / (nt + nc - 2))
    omega = 1 - 3 / (4 * (nt + nc) - 9)
    return omega * (statistics.mean(t) - statistics.mean(c)) / sp


def test_baseline_empathy_g_matches_independent_computation_on_external_cohort():
    cohort = load_cohort(EXTERNAL)
    bal = baseline.balance_table(baseline.leader_baseline(cohort), cohort.config)
    row = bal[bal["variable"] == "empathy_360"].iloc[0]

    emp = _independent_baseline_empathy(EXTERNAL)
    with open(EXTERNAL / "leaders.csv", newline="", encoding="utf-8") as fh:
        arms = {r["leader_id"]: r["arm"] for r in csv.DictReader(fh)}
    t = [v for k, v in emp.items() if arms[k] == "pilot"]
    c = [v for k, v in emp.items() if arms[k] == "comparison"]
    g = _hedges_g_by_hand(t, c)
    # the statistic at full precision (what researcher-only cells see)
    df = baseline.leader_baseline(cohort)
    full = baseline_balance(df, arm="arm", variables=["empathy_360"]).iloc[0]
    assert full["smd"] == pytest.approx(g, abs=1e-6)
    assert full["pilot_mean"] == pytest.approx(statistics.mean(t), abs=1e-9)
    assert full["comparison_mean"] == pytest.approx(statistics.mean(c), abs=1e-9)
    # published: rounded to what one leader can change, span / n on the 1-2-2.5-5 grid
    # (scale 1..5: span 4), g to max(step) / pooled SD (privacy across reports)
    span = cohort.config.scale_max - cohort.config.scale_min
    step_t, step_c = publication_step(span, len(t)), publication_step(span, len(c))
    sp = math.sqrt(((len(t) - 1) * statistics.variance(t) + (len(c) - 1) * statistics.variance(c))
                   / (len(t) + len(c) - 2))
    assert row["pilot_mean"] == pytest.approx(round_to_step(statistics.mean(t), step_t), abs=1e-12)
    assert row["comparison_mean"] == pytest.approx(round_to_step(statistics.mean(c), step_c), abs=1e-12)
    assert row["smd"] == pytest.approx(round_to_step(g, publication_step(max(step_t, step_c) / sp, 1)),
                                       abs=1e-12)
    expected_rating = ("satisfied" if abs(g) <= 0.05 else
                       "requires statistical adjustment" if abs(g) <= 0.25 else "not satisfied")
    assert row["wwc_rating"] == expected_rating


def _cohort_with_small_culture(tmp_path: Path, tiny_cohort: Path, name: str, n: int = 3) -> Path:
    folder = tmp_path / "cohort"
    shutil.copytree(tiny_cohort, folder)
    leaders = pd.read_csv(folder / "leaders.csv", dtype=str, keep_default_na=False)
    leaders.loc[leaders.index[:n], "culture"] = name
    leaders.to_csv(folder / "leaders.csv", index=False)
    return folder


def test_small_culture_gets_no_number_anywhere(tmp_path, tiny_cohort):
    secret = "Atlantis"
    folder = _cohort_with_small_culture(tmp_path, tiny_cohort, secret, n=3)
    cohort = load_cohort(folder)
    lb = baseline.leader_baseline(cohort)
    t1 = baseline.table_one(lb, cohort.config)
    assert secret not in t1.to_csv()
    bal = baseline.balance_table(lb, cohort.config)
    assert not bal["variable"].str.contains(secret).any()
    summ = baseline.group_summaries(lb, cohort.config, by=("culture",))
    assert secret not in set(summ["culture"])


def test_complementary_suppression_hides_enough_to_block_subtraction():
    # pilot: a=10, b=3 (small), c=8; comparison: a=9, b=7, c=6
    df = pd.DataFrame({
        "leader_id": [f"L{i}" for i in range(43)],
        "arm": ["pilot"] * 21 + ["comparison"] * 22,
        "culture": ["a"] * 10 + ["b"] * 3 + ["c"] * 8 + ["a"] * 9 + ["b"] * 7 + ["c"] * 6,
    })
    counts, hidden = privacy.hidden_cells(df, "culture", 5)
    assert hidden.loc["b", "pilot"]  # primary: 3 < 5
    assert hidden.loc["b", "overall"]  # overall - comparison would reveal it
    # every row and column has 0 or >= 2 hidden cells
    assert all(int(hidden[c].sum()) != 1 for c in hidden.columns)
    assert all(int(hidden.loc[r].sum()) != 1 for r in hidden.index)


def test_table_one_suppresses_small_cells_with_reason(tmp_path, tiny_cohort):
    folder = _cohort_with_small_culture(tmp_path, tiny_cohort, "tiny", n=3)
    cohort = load_cohort(folder)
    t1 = baseline.table_one(baseline.leader_baseline(cohort), cohort.config)
    suppressed = t1[t1["suppressed"] != ""]
    assert len(suppressed) >= 1
    for _, row in suppressed.iterrows():
        assert "min_group_size" in row["suppressed"] or "worked out" in row["suppressed"] or "fewer than" in row["suppressed"]
    assert (t1["level"] == "(suppressed group)").any()


def test_no_comparison_group_cannot_assess_equivalence(tmp_path):
    from pilot_eval.data.synth import generate_cohort

    generate_cohort(tmp_path / "c", n_pilot=12, n_comparison=0, seed=3, effect=0.3)
    cohort = load_cohort(tmp_path / "c")
    lb = baseline.leader_baseline(cohort)
    with pytest.raises(ValueError, match="cannot be assessed"):
        baseline.balance_table(lb, cohort.config)
    text = baseline.balance_summary_text(lb, None)
    assert "cannot be assessed" in text
    t1 = baseline.table_one(lb, cohort.config)
    assert "comparison" not in t1.columns and "pilot" in t1.columns


def test_covariates_to_adjust_always_role_and_culture():
    bal = pd.DataFrame({"variable": ["tenure_years", "pulse", "empathy_360"],
                        "wwc_rating": ["satisfied", "requires statistical adjustment", "not satisfied"]})
    assert baseline.covariates_to_adjust(bal) == ["role", "culture", "empathy_360", "pulse"]


def test_group_summaries_when_every_group_is_hidden(tmp_path, tiny_cohort):
    """10 + 10 leaders over four cultures: every culture x arm cell is small; the
    summary is empty (no numbers), not an error."""
    cohort = load_cohort(tiny_cohort)
    lb = baseline.leader_baseline(cohort)
    cfg = cohort.config.with_overrides(min_group_size=50)
    out = baseline.group_summaries(lb, cfg, by=("culture",))
    assert len(out) == 0 and "culture" in out.columns
