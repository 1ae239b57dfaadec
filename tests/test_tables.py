"""Step-page tables (issue 15, item 1): human labels, rounded numbers, no missing-value markers.

Reference: the acceptance rules of issue 15 (no NaN / NaT / <NA>, no e-notation, no snake_case code
names) checked on every results table of a real report, and the doctests of the formatting helpers.
"""

from __future__ import annotations

import doctest
import re

import pandas as pd
import pytest

import pilot_eval.data.vocabulary as vocabulary
import pilot_eval.report.tables as tables
from pilot_eval.report.tables import show

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
E_NOTATION = re.compile(r"\d[eE][+-]?\d")
MARKERS = re.compile(r"\b(?:NaN|nan|NaT|None)\b|<NA>")


@pytest.mark.parametrize("module", [tables, vocabulary], ids=lambda m: m.__name__)
def test_doctests(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


def test_every_results_table_reads_cleanly(built_report):
    _, out, _ = built_report
    checked = 0
    for path in sorted((out / "results").glob("*.csv")):
        df = pd.read_csv(path)
        if not len(df):
            continue
        text_cols = [c for c in df.columns if c not in {"note", "suppressed", "description", "design", "ci_method"}]
        t = show(df[text_cols])
        html = t._repr_html_()
        cells = " ".join(" ".join(map(str, r)) for r in t.cells.itertuples(index=False)) + " " + " ".join(t.cells.columns)
        assert not MARKERS.search(cells), (path.name, MARKERS.search(cells).group(0))
        assert not E_NOTATION.search(cells), (path.name, E_NOTATION.search(cells).group(0))
        leftover = {m for m in SNAKE.findall(cells)}
        assert not leftover, (path.name, sorted(leftover)[:5])
        assert "<script" not in html
        checked += 1
    assert checked >= 8


def test_user_text_is_escaped():
    t = show(pd.DataFrame({"role": ["<script>alert(1)</script>"], "n": [6]}))
    assert "<script>" not in t._repr_html_() and "&lt;script&gt;" in t._repr_html_()
