"""Smoke test of the decision benchmark (benchmarks/decision/, issue 11 item 6), a few cohorts.

It keeps the harness from rotting: the second generator design writes
cohorts the project's contract validator accepts and its loader reads to the
very frames the benchmark evaluates (reference: ``validate_cohort`` and
``load_cohort``); every scenario builds; ``run.py`` runs the real
``evaluate()`` end to end and writes ``decision_oc.csv`` with exactly the
contract columns; a task is deterministic; the Clopper-Pearson bound matches
its closed form for zero events (1 - 0.05 ** (1 / n)).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pandas as pd
import pytest

from pilot_eval.data.cohort import load_cohort
from pilot_eval.data.validate import validate_cohort

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "decision"


@pytest.fixture(scope="module")
def bench():
    """benchmarks/decision/{run,scenarios,flat_generator}.py (benchmarks/ is not a package)."""
    sys.path.insert(0, str(BENCH))
    try:
        yield {name: importlib.import_module(name) for name in ("flat_generator", "scenarios", "run")}
    finally:
        sys.path.remove(str(BENCH))


def test_flat_cohort_files_validate_and_load_to_the_same_frames(bench, tmp_path: Path) -> None:
    flat = bench["flat_generator"]
    cohort, truth = flat.simulate_flat(14, 16, 3, bench["scenarios"].FLAT["harm"])
    folder = flat.write_flat(cohort, tmp_path / "flat")
    result = validate_cohort(folder)
    assert result.ok, result.format()
    loaded = load_cohort(folder)
    assert list(loaded.tables) == list(cohort.tables)
    for name, frame in loaded.tables.items():
        pd.testing.assert_frame_equal(cohort.tables[name], frame, check_exact=True)
    assert loaded.config == cohort.config
    assert truth["rate_ratio"] == {"hr_incident": 2.0}
    # crossed, not nested: some org unit mixes cultures
    assert (cohort.leaders.groupby("org_unit")["culture"].nunique() > 1).any()


@pytest.mark.parametrize("generator", ["synth", "flat"])
def test_every_scenario_builds(bench, generator: str) -> None:
    sc = bench["scenarios"]
    for scenario in sc.SCENARIOS:
        cohort, _ = sc.make_cohort(generator, scenario, 10, 12, 1)
        arms = cohort.leaders["arm"].value_counts()
        assert arms["pilot"] == 10
        assert arms.get("comparison", 0) == (0 if scenario == "pilot_only" else 12)
    planted = pd.DataFrame(sc.planted_table())
    assert set(planted["scenario"]) == set(sc.SCENARIOS)
    meets = planted[planted["scenario"] == "meets_targets"]
    assert (meets["empathy_360_pomp_pct"] > 10).all() and (meets["hr_incidents_change_pct"] < -30).all()
    assert (planted.loc[planted["scenario"] == "harm", "hr_incidents_change_pct"] > 0).all()


def test_upper_bound_matches_the_closed_form(bench) -> None:
    run = bench["run"]
    assert run.upper_95(0, 200) == pytest.approx(1 - 0.05 ** (1 / 200), rel=1e-9)
    assert run.upper_95(5, 5) == 1.0
    assert run.mc_se(0.05, 200) == pytest.approx(0.0154, abs=1e-4)


@pytest.fixture(scope="module")
def small_run(bench, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """run.py on 4 cohorts (no_effect and pilot_only, one per design), the real evaluate()."""
    tmp = tmp_path_factory.mktemp("decision_sim")
    paths = {"out": tmp / "results", "copy": tmp / "copy.csv", "records": tmp / "cohorts.csv",
             "partial": tmp / "partial.csv"}
    assert bench["run"].main(["--cohorts", "2", "--sizes", "20x25", "--scenarios", "no_effect,pilot_only",
                              "--processes", "1", "--n-boot", "19", "--rule", "real", "--out", str(paths["out"]),
                              "--records", str(paths["records"]), "--partial", str(paths["partial"]),
                              "--copy-to", str(paths["copy"]), "--quiet"]) == 0
    return paths


def test_run_writes_the_oc_table(bench, small_run: dict[str, Path]) -> None:
    run = bench["run"]
    out = small_run["out"]
    oc = pd.read_csv(out / "decision_oc.csv")
    assert tuple(oc.columns) == run.OC_COLUMNS
    assert oc["scenario"].tolist() == ["no_effect", "pilot_only"]
    assert oc["n_comparison"].tolist() == [25, 0]
    assert (oc["n_cohorts"] == 2).all()
    assert ((oc[["scale", "iterate", "stop"]].sum(axis=1) - 1).abs() < 1e-9).all()
    assert (oc.loc[oc["scenario"] == "pilot_only", "iterate"] == 1.0).all()  # no call without a comparison
    assert small_run["copy"].read_bytes() == (out / "decision_oc.csv").read_bytes()
    rows = pd.read_csv(small_run["records"])
    assert len(rows) == 4 and set(rows["generator"]) == {"synth", "flat"}
    assert (rows["recommendation"] != "error").all(), rows["error"].tolist()
    assert len(pd.read_csv(small_run["partial"])) == 4  # rows were kept as they came
    md = (out / "decision_oc.md").read_text(encoding="utf-8")
    assert "real `evaluate()`" in md and "| no_effect |" in md


def test_a_task_is_deterministic(bench, small_run: dict[str, Path]) -> None:
    """Re-running a cohort of the run in this process gives the run's answer."""
    run = bench["run"]
    rows = pd.read_csv(small_run["records"], keep_default_na=False)
    first = rows[rows["scenario"] == "pilot_only"].iloc[0]  # the cheapest to re-run
    tasks = run.make_tasks(2, [(20, 25)], ["synth", "flat"], ["no_effect", "pilot_only"], seed=20261201)
    task = tasks[int(first["index"])]
    assert (task.generator, task.scenario, task.seed) == (first["generator"], first["scenario"], first["seed"])
    run._init("real", 19)
    again = run.run_task(task)
    for key in ("recommendation", "headline", "conditions", "statuses"):
        assert str(again[key]) == str(first[key]), key


def test_also_require_turns_only_scale_into_iterate(bench) -> None:
    """The rule-update recomputation: SCALE with HR incidents off track becomes ITERATE; nothing else moves."""
    run = bench["run"]
    rows = pd.DataFrame({
        "recommendation": ["scale", "scale", "stop", "iterate"],
        "statuses": ["hr_incidents_change_pct=off track;x=on track", "hr_incidents_change_pct=at risk",
                     "hr_incidents_change_pct=off track", "hr_incidents_change_pct=off track"],
    })
    out = run.apply_also_require(rows, ["hr_incidents_change_pct"])
    assert out["recommendation"].tolist() == ["iterate", "scale", "stop", "iterate"]
    assert out["recommendation_as_run"].tolist() == rows["recommendation"].tolist()
    assert run.apply_also_require(rows, [])["recommendation"].tolist() == rows["recommendation"].tolist()
