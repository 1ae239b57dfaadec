"""The executive page's parts that need no browser: colour contrast (WCAG 2.1), the error-rate
sentence read from decision_oc.csv, and plain words without code identifiers.

References: WCAG 2.1 success criterion 1.4.3 (contrast ratio, relative luminance formula).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from pilot_eval.report.html import scorecard as page
from pilot_eval.steps.decision import oc


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_formula_matches_wcag_examples():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the well-known AA grey


@pytest.mark.parametrize("colour", sorted(set(page.STATUS_COLOUR.values()) | set(page.DECISION_COLOUR.values())))
def test_badges_and_banner_are_legible_on_white_text(colour):
    assert contrast(colour, "#ffffff") >= 4.5


def test_error_rate_sentence_quotes_the_matching_design(tmp_path):
    path = tmp_path / "decision_oc.csv"
    pd.DataFrame({"scenario": ["no_effect", "meets_targets", "harm", "no_effect"],
                  "n_pilot": [45, 45, 45, 90], "n_comparison": [60, 60, 60, 120],
                  "n_cohorts": [200, 200, 200, 200], "scale": [0.03, 0.8, 0.02, 0.01],
                  "iterate": [0.5, 0.2, 0.3, 0.4], "stop": [0.47, 0.0, 0.68, 0.59]}).to_csv(path, index=False)
    text = oc.error_rate_sentence(45, 60, path=path)
    assert "about 3 in 100 cases where the training does nothing" in text
    assert "stop in about 0 in 100" in text and "say scale in about 2 in 100" in text.replace("says", "say")
    assert "not yet been tested" in oc.error_rate_sentence(30, 60, path=path)
    assert "not yet been tested" in oc.error_rate_sentence(45, 60, path=tmp_path / "absent.csv")
    assert not re.findall(r"\b[a-z]+_[a-z_]+\b", text)


@pytest.mark.parametrize("indicator, who", [("promotion_air", "260 employees"), ("pulse_change", "260 leaders")])
def test_card_says_who_its_n_counts(indicator, who):
    """The promotion-equity card counts employees (the groups' people), the others leaders,
    as the 'why' sentences of steps.decision.rule.describe do."""
    row = pd.Series({"indicator": indicator, "label": "x", "status": "at risk", "unit": "ratio", "value": 0.5,
                     "ci_low": 0.0, "ci_high": 2.0, "target": 0.8, "probability": 0.2, "n": 260,
                     "kind": "lagging", "cadence": "quarterly", "note": "", "period": "", "step": ""})
    html = page._indicator(row, None, [])
    assert who in html
    assert ("260 leaders" in html) == (who == "260 leaders")


def test_trends_table_names_levels_in_words_not_codes():
    """The monthly-trends table on the scorecard step: rows say what the monthly value is (a level
    with its unit), months are named in words, no code is left (issue 15 review)."""
    import datetime as dt

    from pilot_eval.data.config import CohortConfig
    from pilot_eval.steps.decision.trends import trends_table

    cfg = CohortConfig(name="x", pilot_start=dt.date(2026, 1, 5), pilot_days=90, follow_up_days=30)
    trends = pd.DataFrame({"indicator": ["escalations_change_pct", "pulse_change", "pulse_change"],
                           "arm": ["pilot", "comparison", "pilot"], "month": [3, -1, 0],
                           "value": [12.0, 3.4, 3.6], "n": [9, 9, 9]})
    table = trends_table(trends, cfg)
    assert list(table.columns) == ["Monthly value", "Group", "1 month before", "pilot month 1",
                                   "follow-up month 1"]
    assert table["Monthly value"].tolist() == ["Team pulse (points)", "Team pulse (points)",
                                               "Escalations (escalations per 100 team members per 90 days)"]
    assert table["Group"].tolist() == ["pilot", "comparison", "pilot"]
    assert table.iloc[2]["follow-up month 1"] == 12.0 and np.isnan(table.iloc[2]["pilot month 1"])
    assert not any("_" in str(v) for v in table.to_numpy().ravel())
