"""What every step page carries besides its notebook: a one-line verdict and the navigation.

The verdict is read from the step's own ``results/*.csv`` (the numbers the
report publishes), so it says the same as the tables under it.  Under it, one
line says which windows the look sees complete, in part or not yet
(:func:`look_line`; the same for every step, no step's own logic).  The
navigation links the previous and next steps and the scorecard (index.html).
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import Callable, Sequence

import pandas as pd

from pilot_eval.data.as_of import COMPLETE, PARTIAL, window_status
from pilot_eval.data.config import MONTH_DAYS, CohortConfig
from pilot_eval.report.html.index import NOTEBOOK_TITLES

NAV_CSS = (
    "<style>.pe-nav{display:flex;flex-wrap:wrap;gap:.4rem 1.2rem;font:0.95rem system-ui,sans-serif;"
    "margin:.6rem auto;max-width:1100px;padding:.4rem 1rem;border-bottom:1px solid #d9e2ec}"
    ".pe-nav a{color:#1f4e8c}.pe-look{max-width:1100px;margin:-.4rem auto 1rem;padding:.3rem 1rem;"
    "font:.92rem system-ui,sans-serif;color:#334e68}.pe-verdict{max-width:1100px;margin:.6rem auto 1rem;padding:.6rem 1rem;"
    "background:#f0f4f8;border-left:4px solid #1f4e8c;font:1rem system-ui,sans-serif;color:#1f2933}"
    ".jp-Notebook{max-width:1100px;margin:0 auto}"
    ".jp-RenderedHTMLCommon table:not(.pe-table){max-width:100%;display:block;overflow-x:auto}"
    ".jp-OutputArea-output pre{white-space:pre-wrap;word-break:break-word}"
    "@media print{.pe-nav{display:none}}</style>"
)


def _read(results: Path, name: str) -> pd.DataFrame | None:
    path = results / f"{name}.csv"
    if not path.is_file():
        return None
    try:
        return pd.read_csv(path)
    except (pd.errors.EmptyDataError, pd.errors.ParserError):
        return None


def _data_quality(r: Path) -> str:
    c = _read(r, "completeness")
    if c is None or not len(c):
        return "Data quality: no completeness figures were produced."
    tables = c[c["measure"] == "table_present"]
    missing = int((tables["observed"] < tables["expected"]).sum()) if len(tables) else 0
    rates = c[(c["measure"] != "table_present") & c["completeness"].notna()]
    low = rates[rates["completeness"] < 0.8]
    text = f"Data quality: {len(tables) - missing} of {len(tables)} tables present"
    if len(rates):
        text += f"; {len(rates) - len(low)} of {len(rates)} completeness checks at 80% or more"
    return text + (f" ({len(low)} below: see the table)." if len(low) else ".")


def _baseline(r: Path) -> str:
    b = _read(r, "baseline_balance")
    if b is None or not len(b) or "wwc_rating" not in b:
        return "Baseline: no comparison of pilot and comparison leaders (no comparison group)."
    rated = b["wwc_rating"].dropna()
    ok = int((rated == "satisfied").sum())
    return (f"Baseline: {ok} of {len(rated)} characteristics were alike before training; the others are "
            "adjusted for in the effect models of step 3.")


def _reliability(r: Path) -> str:
    t = _read(r, "reliability")
    if t is None or not len(t):
        return "Reliability: not estimable on this cohort."
    sel = t[(t["measure"] == "empathy_360:all_others") & (t["method"] == "ICC1k") & t["estimate"].notna()]
    if not len(sel):
        return "Reliability: the 360 raters' agreement could not be estimated."
    row = sel.iloc[0]
    good = float(row["estimate"]) >= 0.5
    return (f"Reliability: a leader's average 360 rating has a reliability of {float(row['estimate']):.2f} "
            f"({row['verdict']}); {'good enough' if good else 'not good enough'} to report leader averages.")


def _effects(r: Path) -> str:
    e = _read(r, "effects")
    if e is None or not len(e):
        return "Effects: no effect could be estimated."
    for model, words in (("ancova", "adjusted for role, culture and the starting score"),
                         ("prepost", "a before/after change of pilot leaders only, not a causal effect")):
        sel = e[(e["outcome"] == "empathy_360") & (e["model"] == model) & e["estimate"].notna()]
        if len(sel):
            row = sel.iloc[0]
            vs = " more than comparison leaders'" if model == "ancova" else ""
            return (f"Effect: pilot leaders' 360 empathy score rose {float(row['estimate']):+.2f} scale points{vs} "
                    f"(95% CI {float(row['ci_low']):+.2f} to {float(row['ci_high']):+.2f}), {words}.")
    return "Effect: the 360 empathy effect could not be estimated (see the notes below)."


def _leading_lagging(r: Path) -> str:
    ll = _read(r, "leading_lagging")
    if ll is None or not len(ll) or "verdict" not in ll:
        return "Leading to lagging: no pair of indicators could be tested."
    pairs = ll.drop_duplicates(["leading", "lagging"])
    n_valid = int(pairs["verdict"].eq("validated").sum())
    n_ins = int(pairs["verdict"].eq("insufficient data").sum())
    return (f"Leading to lagging: {n_valid} of {len(pairs)} pairs of an early signal and a later outcome "
            "were validated by their pre-declared primary test (the early signal predicted the outcome)"
            + (f"; {n_ins} could not be tested (insufficient data)" if n_ins else "") + ".")


def _scorecard(r: Path) -> str:
    return "Scorecard: the recommendation, its reasons and the rule it follows are on the executive page."


VERDICTS: dict[str, Callable[[Path], str]] = {
    "00_data_quality": _data_quality, "01_baseline": _baseline, "02_reliability": _reliability,
    "03_controls": _effects, "04_leading_lagging": _leading_lagging, "05_scorecard": _scorecard,
}


def verdict(stem: str, results_dir: str | Path) -> str:
    """The one-line verdict of step ``stem`` from its results (empty for an unknown step)."""
    fn = VERDICTS.get(stem)
    if fn is None:
        return ""
    try:
        return fn(Path(results_dir))
    except (KeyError, ValueError, TypeError):
        return ""


def navigation(stem: str, stems: Sequence[str]) -> str:
    """HTML of the previous / index / next links of a step page."""
    stems = list(stems)
    links = ['<a href="../index.html">&larr; Scorecard (index)</a>']
    if stem in stems:
        i = stems.index(stem)
        if i > 0:
            prev = stems[i - 1]
            links.append(f'<a href="{prev}.html">&larr; Previous: {html.escape(NOTEBOOK_TITLES.get(prev, prev))}</a>')
        if i + 1 < len(stems):
            nxt = stems[i + 1]
            links.append(f'<a href="{nxt}.html">Next: {html.escape(NOTEBOOK_TITLES.get(nxt, nxt))} &rarr;</a>')
    return f'<nav class="pe-nav">{"".join(links)}</nav>'


_WINDOW_WORDS = {"pre": "before the pilot", "pilot": "the pilot", "follow_up": "the follow-up"}


def look_line(config: CohortConfig, as_of: dt.date | None) -> str:
    """Which windows this look sees complete, in part or not yet, in one sentence.

    Examples
    --------
    >>> cfg = CohortConfig(name="x", pilot_start=dt.date(2026, 1, 5))
    >>> print(look_line(cfg, dt.date(2026, 2, 4)))
    Data as of 2026-02-04 (day 30 of the 90-day pilot): before the pilot complete; the pilot partial (1 of 3 months complete); the follow-up not yet reached (from 2026-04-05).
    >>> print(look_line(cfg, None))
    All data: before the pilot, the pilot and the follow-up are complete.
    """
    if as_of is None:
        return "All data: before the pilot, the pilot and the follow-up are complete."
    status = window_status(config, as_of)
    day = (as_of - config.pilot_start).days
    parts = []
    for name, words in _WINDOW_WORDS.items():
        st = status[name]
        if name == "follow_up" and config.follow_up_days <= 0:
            continue
        if st == COMPLETE:
            parts.append(f"{words} complete")
        elif st == PARTIAL:
            start, end = config.window_bounds()[name]
            n = max(1, -(-(end - start).days // MONTH_DAYS))
            done = max(0, (as_of - start).days // MONTH_DAYS)
            parts.append(f"{words} partial ({done} of {n} months complete)")
        else:
            parts.append(f"{words} not yet reached (from {config.window_bounds()[name][0].isoformat()})")
    return (f"Data as of {as_of.isoformat()} (day {day} of the {config.pilot_days}-day pilot): "
            + "; ".join(parts) + ".")


def page_header(stem: str, stems: Sequence[str], results_dir: str | Path, look: str = "") -> str:
    """Style, navigation, verdict and the look's windows (:func:`look_line`) for the top of a step page."""
    v = verdict(stem, results_dir)
    box = f'<p class="pe-verdict"><strong>Verdict.</strong> {html.escape(v)}</p>' if v else ""
    line = f'<p class="pe-look"><strong>Windows.</strong> {html.escape(look)}</p>' if look else ""
    return NAV_CSS + navigation(stem, stems) + box + line
