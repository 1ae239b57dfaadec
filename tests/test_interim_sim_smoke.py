"""Smoke test of the interim looks benchmark (benchmarks/decision/looks.py, ``run.py --looks``).

Checks that keep the harness honest: on constructed per-cohort p-values each
method stops where its thresholds say (the project's method through
``interim_recommendation``; naive = Holm at 5 % at each look); the project's
method never stops where naive looking would not (its thresholds are all
below naive's), so its false-stop share can never exceed naive's; and, on a
couple of real cohorts (slow), that ``run.py --looks`` writes
``interim_oc.csv`` with the columns ``oc.py`` reads and a sentence for the
page, deterministically.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pilot_eval.steps.decision import interim, oc, rule
from pilot_eval.steps.decision.indicators import HARM_INDICATORS

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "decision"


@pytest.fixture(scope="module")
def looks():
    sys.path.insert(0, str(BENCH))
    try:
        yield importlib.import_module("looks")
    finally:
        sys.path.remove(str(BENCH))


def _row(ps: dict[str, float]) -> pd.Series:
    """A record: every p of a rise 0.5 unless given (``{"look2": 1e-6, "final": 0.01}`` sets HR incidents)."""
    r: dict[str, object] = {"look_days": "30;60;90", "horizon_days": 270, "error": ""}
    for tag in ("look1", "look2", "look3", "final"):
        for i, ind in enumerate(HARM_INDICATORS):
            r[f"p_{ind}_{tag}"] = ps.get(tag, 0.5) if i == 0 else 0.5
    return pd.Series(r)


def test_methods_stop_where_their_thresholds_say(looks) -> None:
    b2 = interim.harm_threshold([1 / 9, 2 / 9])
    assert looks.first_stop(_row({"look2": b2 * 0.9}), "spending_obf") == 2
    assert looks.first_stop(_row({"look2": b2 * 1.1}), "spending_obf") == 0
    assert looks.first_stop(_row({"look2": 0.01}), "naive") == 2          # 3 x 0.01 < 0.05
    assert looks.first_stop(_row({"look2": 0.01}), "spending_obf") == 0
    assert looks.first_stop(_row({"look2": 0.01}), "final_only") == 0
    p = (rule.FINAL_HARM_ALPHA + 0.05) / 6  # between the two final levels (Holm's first step)
    assert looks.first_stop(_row({"final": p}), "final_only") == 4
    assert looks.first_stop(_row({"final": p}), "spending_obf") == 0
    assert looks.first_stop(_row({"final": 0.001}), "spending_obf") == 4
    nan = _row({"look1": np.nan, "look2": np.nan, "look3": np.nan})
    assert looks.first_stop(nan, "spending_obf") == 0


def test_the_rule_never_stops_where_naive_looking_would_not(looks) -> None:
    rng = np.random.default_rng(11)
    for _ in range(40):
        r = _row({t: float(rng.uniform(0, 0.03) ** 2) for t in ("look1", "look2", "look3", "final")})
        obf, naive = looks.first_stop(r, "spending_obf"), looks.first_stop(r, "naive")
        assert obf == 0 or 0 < naive <= obf


@pytest.mark.slow
def test_run_looks_writes_the_table_oc_reads(looks, tmp_path: Path) -> None:
    run = importlib.import_module("run")
    args = ["--looks", "--cohorts", "1", "--sizes", "45x60", "--scenarios", "no_effect,harm", "--out", str(tmp_path),
            "--records", str(tmp_path / "rec.csv"), "--partial", str(tmp_path / "part.csv"),
            "--copy-to", str(tmp_path / "copy.csv"), "--quiet"]
    assert run.main(args) == 0
    table = pd.read_csv(tmp_path / "interim_oc.csv")
    assert tuple(table.columns) == looks.OC_COLUMNS
    assert set(table["method"]) == set(looks.METHODS) and set(table["scenario"]) == {"no_effect", "harm"}
    assert (table["stop_overall"] >= table["stop_by_look_3"]).all()
    assert (tmp_path / "interim_oc.md").read_text(encoding="utf-8").startswith("# Interim looks")
    rec = pd.read_csv(tmp_path / "rec.csv")
    assert len(rec) == 4 and rec["error"].isna().all()
    text = oc.interim_error_rate_sentence(45, 60, path=tmp_path / "copy.csv")
    assert text.startswith("For a pilot like this one (45 pilot and 60 comparison leaders)")
    # deterministic: the same task gives the same p-values
    task = looks.make_look_tasks(1, [(45, 60)], ["synth"], ["harm"], 20261201)[0]
    a, b = looks.run_look_task(task), looks.run_look_task(task)
    keys = [k for k in a if k.startswith("p_")]
    assert [a[k] for k in keys] == pytest.approx([b[k] for k in keys], nan_ok=True)


def test_adjust_call_uses_the_looks_adjusted_bar(looks) -> None:
    bar = interim.adjust_threshold([1 / 3, 2 / 3])
    row = pd.Series({f"prob_{i}_look{k}": 0.5 for i in interim.LEADING_INDICATORS for k in (1, 2, 3)})
    row["prob_pulse_change_look2"] = bar * 0.9
    assert looks.first_adjust(row, "spending_pocock") == 2
    row["prob_pulse_change_look2"] = bar * 1.1
    assert looks.first_adjust(row, "spending_pocock") == 0
    row["prob_pulse_change_look2"] = 0.08  # the scorecard's "off track" (< 10 %), not below the adjusted bar
    assert looks.first_adjust(row, "naive_off_track") == 2 and looks.first_adjust(row, "spending_pocock") == 0


def test_packaged_tables_are_the_benchmark_results_and_the_page_quotes_them() -> None:
    root = Path(__file__).resolve().parents[1]
    for name in ("interim_oc.csv", "interim_adjust_oc.csv"):
        assert (root / "benchmarks" / "results" / name).read_bytes() == (
            root / "src" / "pilot_eval" / "steps" / "decision" / name).read_bytes()
    t = oc.load_interim_oc()
    assert t is not None
    row = t[(t["method"] == "spending_obf") & (t["scenario"] == "no_effect") & (t["generator"] == "pooled")
            & (t["n_pilot"] == 45)].iloc[0]
    text = oc.interim_error_rate_sentence(45, 60)
    assert f"in about {100 * row['stop_overall']:.0f} in 100 simulated cases" in text
    assert "adjust the coaching" in text and "nan" not in text.lower()
