"""Result files: contract columns, determinism, CSV formula neutralisation, HTML escaping."""

from __future__ import annotations

import pandas as pd
import pytest

from pilot_eval.privacy import escape_html, neutralise_csv_frame, suppress_small_groups
from pilot_eval.steps.results import RESULT_COLUMNS, write_result


def test_formula_cells_are_neutralised():
    # OWASP CSV injection: cells starting with = + - @ TAB CR are formulas in spreadsheets
    df = pd.DataFrame({"role": ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "\tx", "manager"],
                       "value": [1.0, -2.0, 3.0, 4.0, 5.0, 6.0]})
    out = neutralise_csv_frame(df)
    assert out["role"].tolist() == ["'=HYPERLINK(\"http://x\",\"y\")", "'+1", "'-2", "'@SUM(A1)", "'\tx", "manager"]
    assert out["value"].tolist() == [1.0, -2.0, 3.0, 4.0, 5.0, 6.0]  # numbers untouched


def test_html_escape():
    assert escape_html("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert escape_html('a"b') == "a&quot;b"


def test_write_result_orders_contract_columns_and_is_deterministic(tmp_path):
    df = pd.DataFrame({"extra": ["x"], "completeness": [1 / 3], "observed": [1], "expected": [3],
                       "measure": ["m"], "table": ["=t"]})
    p1 = write_result(df, tmp_path / "a", "completeness")
    p2 = write_result(df, tmp_path / "b", "completeness")
    text = p1.read_text()
    assert text.splitlines()[0] == "table,measure,expected,observed,completeness,extra"
    assert text.splitlines()[1] == "'=t,m,3,1,0.3333333333,x"
    assert p1.read_bytes() == p2.read_bytes()
    with pytest.raises(ValueError, match="missing contract columns"):
        write_result(df.drop(columns="measure"), tmp_path, "completeness")
    assert set(RESULT_COLUMNS) >= {"completeness", "baseline_balance", "reliability", "effects", "scorecard"}


def test_suppress_small_groups_empties_values_and_gives_reason():
    df = pd.DataFrame({"culture": ["a", "b"], "n": [3, 12], "mean": [3.2, 4.1]})
    out = suppress_small_groups(df, "n", 5, ["mean", "n"])
    assert out.loc[0, "mean"] is None and out.loc[0, "n"] is None
    assert out.loc[1, "mean"] == 4.1
    assert "fewer than 5" in out.loc[0, "suppressed"] and out.loc[1, "suppressed"] == ""
