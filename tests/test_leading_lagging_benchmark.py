"""Smoke test of the leading -> lagging benchmark (benchmarks/leading_lagging): small and fast.

One small cohort from each generator design goes through the benchmark's own
code path; the independent generator's tables must pass the data contract
(``Cohort.from_frames`` validates them as a folder would be), and the summary
must count a planted link and a null indicator as the truth says.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "leading_lagging"


def _load(name: str, file: str):
    """A benchmark script as a module of its own name (benchmarks/decision has a run.py too)."""
    spec = importlib.util.spec_from_file_location(name, BENCH / file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


sys.path.insert(0, str(BENCH))  # run.py imports its sibling `independent`
independent = _load("independent", "independent.py")
run = _load("leading_lagging_benchmark_run", "run.py")
sys.path.remove(str(BENCH))

from pilot_eval.data.cohort import Cohort  # noqa: E402


def test_independent_generator_writes_contract_tables_with_planted_truth():
    settings, tables, truth = independent.simulate(independent.Design(n_leaders=40, n_units=8), seed=3)
    cohort = Cohort.from_frames(settings, **tables)  # raises on any contract violation
    assert len(cohort.leaders) == 40 and cohort.observations is None
    assert truth["null_outcomes"] == ["escalations"] and "feedback_within_48h_share" in truth["null_indicators"]
    pilot_units = set(cohort.leaders.loc[cohort.leaders["arm"] == "pilot", "org_unit"])
    comp_units = set(cohort.leaders.loc[cohort.leaders["arm"] == "comparison", "org_unit"])
    assert pilot_units and comp_units and not pilot_units & comp_units  # whole units are assigned


def test_threshold_shape_and_unknown_shape():
    independent.simulate(independent.Design(n_leaders=30, n_units=6, shape="threshold"), seed=1)
    with pytest.raises(ValueError):
        independent.simulate(independent.Design(n_leaders=30, shape="s-curve"), seed=1)


@pytest.mark.slow
def test_benchmark_rows_summary_and_markdown(tmp_path):
    plan = [run.Scenario("project", "default", 40, 1), run.Scenario("independent", "base", 40, 1)]
    raw = pd.concat([run.run_cohort(sc, 1) for sc in plan], ignore_index=True)
    assert list(raw.columns) == list(run.RAW_COLUMNS)
    assert set(raw["verdict"]) <= {"validated", "not validated", "insufficient data"}
    planted = raw[raw["truth"] == "planted"]
    assert set(planted["lagging"]) == {"voluntary_attrition", "hr_incidents"}
    assert (planted["leading"] == "pulse_change_early").all()
    assert (raw.loc[raw["leading"] == "feedback_within_48h_share", "truth"] == "no_link").all()
    oc = run.summarise(raw, plan)
    assert {"power", "false_validation", "false_validation_any_null"} <= set(oc["measure"])
    power = oc[oc["measure"] == "power"]
    assert power["validated"].between(0, 1).all() and (power["mean_rate_ratio"].dropna() > 0).all()
    run.write_markdown(oc, raw, tmp_path / "oc.md")
    text = (tmp_path / "oc.md").read_text()
    assert "False validation" in text and "reaches 80 %" in text
