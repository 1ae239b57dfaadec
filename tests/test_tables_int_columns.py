"""report.tables copes with non-text column names (a pivot of months gives integer columns).

Reference: the expected text is written by hand: integers without decimals, the index kept as
the row label, no exception."""

import pandas as pd

from pilot_eval.report import tables


def test_pivot_with_integer_month_columns_formats():
    pivot = pd.DataFrame({1: [3.0, 4.0], 2: [0.5, 0.25]}, index=["pilot", "comparison"])
    html = tables.show(pivot)._repr_html_() if hasattr(tables.show(pivot), "_repr_html_") else str(tables.show(pivot))
    assert "0.25" in html and "nan" not in html.lower()
