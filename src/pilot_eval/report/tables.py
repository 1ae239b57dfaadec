"""Tables a reader can scan: what a step page shows instead of raw pandas output.

:func:`show` turns a results table into an HTML table with human labels (one
vocabulary, :mod:`pilot_eval.data.vocabulary`), numbers rounded for reading
(``p < 0.001``, integers as integers, no e-notation), a dash and a footnote
for a missing value, no index column, and a width that fits the page.  The
DataFrame itself is not changed: ``results/*.csv`` keep full precision.
"""

from __future__ import annotations

import html
import math
import numbers
import re
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from pilot_eval.data.vocabulary import label

DASH = "–"
#: Columns whose values are codes to label.
CODE_COLUMNS = frozenset({"measure", "method", "outcome", "model", "arm", "wave", "rater_type", "variable",
                          "leading", "lagging", "table", "column", "status", "verdict", "window", "panel",
                          "indicator", "kind", "level", "statistic", "behaviour", "group"})
#: A cell that is a code, not free text (``follow_up``, ``empathy_360:peer``): labelled in any column.
_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:[_:][A-Za-z0-9]+)+$")
#: A dummy of a categorical variable: ``role=senior_manager``.
_CODE_LEVEL = re.compile(r"^[a-z][a-z0-9_]*=[^=\s]+$")
#: A code inside free text (``direct_report raters per leader``).
_WORD_CODE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
#: Above this many columns a table is set in smaller type with breakable headers.
WIDE_COLUMNS = 9

#: What a table without rows shows instead of a bare header (the text beside it says why).
EMPTY_TEXT = "No rows to show here (see the text above for why)."
P_COLUMNS = frozenset({"p_value", "p_adjusted", "p", "p_perm", "p_permutation", "fisher_p"})
INT_HINTS = ("n", "n_", "df", "count", "expected", "observed", "min_raters", "events")

TABLE_CSS = (
    "<style>"
    ".pe-table{border-collapse:collapse;width:auto;max-width:100%;font-size:.86rem;margin:.4rem 0 .3rem;"
    "table-layout:auto}"
    ".pe-table th,.pe-table td{padding:.25rem .55rem;border-bottom:1px solid #d9e2ec;text-align:left;"
    "vertical-align:top;overflow-wrap:break-word;word-break:normal;white-space:normal}"
    ".pe-table td.num{text-align:right !important;font-variant-numeric:tabular-nums;white-space:nowrap}"
    ".pe-table td.txt{text-align:left !important}"
    ".pe-table th{background:#f0f4f8;font-weight:600;text-align:left !important;overflow-wrap:normal;"
    "word-break:normal;hyphens:auto}"
    ".pe-table.pe-wide{font-size:.74rem}.pe-table.pe-wide th,.pe-table.pe-wide td{padding:.2rem .3rem}"
    ".pe-table.pe-wide th{overflow-wrap:break-word;hyphens:auto}"
    ".pe-wrap{max-width:100%;overflow-x:auto}"
    ".pe-foot{font-size:.8rem;color:#52606d;margin:.1rem 0 1rem}"
    "</style>"
)


def format_p(p: float) -> str:
    """A p-value for reading: ``p < 0.001``, else three decimals (two above 0.1).

    Examples
    --------
    >>> format_p(1.346e-48), format_p(0.0123), format_p(0.5)
    ('< 0.001', '0.012', '0.50')
    """
    if p < 0.001:
        return "< 0.001"
    return f"{p:.3f}" if p < 0.1 else f"{p:.2f}"


def format_number(x: float, digits: int = 2) -> str:
    """A number for reading: integers as integers, others rounded, thousands separated, never e-notation.

    Examples
    --------
    >>> format_number(173.0), format_number(0.123456), format_number(12345.678), format_number(2.5e-7)
    ('173', '0.12', '12,346', '0.00')
    """
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 100:
        return f"{x:,.1f}"
    return f"{x:.{digits}f}"


def readable(value: object, labels: Mapping[str, str] | None = None, code: bool = False) -> str:
    """A cell's text for reading: a code (or ``code=True``) as its label, code names inside text as words.

    ``variable=level`` codes (a dummy of a baseline table) read ``variable: level``.

    Examples
    --------
    >>> readable("empathy_360:peer"), readable("role=senior_manager"), readable("see hr_incidents above")
    ('360 empathy score, peers', 'role: senior manager', 'see HR incidents above')
    """
    text = str(value)
    if "=" in text and _CODE_LEVEL.match(text):
        head, _, tail = text.partition("=")
        return f"{label(head, labels)}: {label(tail, labels)}"
    if code or _CODE.match(text):
        return label(text, labels)
    return _WORD_CODE.sub(lambda m: label(m.group(0), labels), text)


def _is_int_column(name: object, values: pd.Series) -> bool:
    name = str(name)  # pivots have integer (month) column names
    finite = pd.to_numeric(values, errors="coerce").dropna()
    if not len(finite) or not np.all(np.isclose(finite % 1, 0)):
        return False
    return name == "n" or name.startswith(INT_HINTS) or pd.api.types.is_integer_dtype(values)


def _missing(v: object) -> bool:
    if v is None:
        return True
    try:
        return bool(pd.isna(v))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False


class Table:
    """A formatted table; displays as HTML in a notebook, and its cells are plain text."""

    def __init__(self, cells: pd.DataFrame, numeric: set[str], footnotes: list[str], caption: str | None):
        self.cells = cells
        self.numeric = numeric
        self.footnotes = footnotes
        self.caption = caption

    def _repr_html_(self) -> str:
        if self.cells.empty:  # a header without rows says nothing: say so in words
            return f"<p class=\"pe-foot\">{html.escape(EMPTY_TEXT)}</p>"
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in self.cells.columns)
        body = []
        for _, row in self.cells.iterrows():
            tds = "".join(
                f"<td class=\"{'num' if c in self.numeric else 'txt'}\">{html.escape(str(v))}</td>"
                for c, v in row.items())
            body.append(f"<tr>{tds}</tr>")
        cap = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        foot = "".join(f"<p class=\"pe-foot\">{html.escape(f)}</p>" for f in self.footnotes)
        # a table of many columns gets smaller type and breaks its headers, so it fits a page
        cls = "pe-table pe-wide" if len(self.cells.columns) > WIDE_COLUMNS else "pe-table"
        return (f"{TABLE_CSS}<div class=\"pe-wrap\"><table class=\"{cls}\">{cap}<thead><tr>{head}</tr></thead>"
                f"<tbody>{''.join(body)}</tbody></table></div>{foot}")

    def __repr__(self) -> str:  # plain-text fallback (nbval, terminals)
        return EMPTY_TEXT if self.cells.empty else self.cells.to_string(index=False)


def show(df: pd.DataFrame, *, columns: Iterable[str] | Mapping[str, str] | None = None,
         labels: Mapping[str, str] | None = None, digits: int = 2, caption: str | None = None,
         missing_note: str | None = None, percent: Iterable[str] = ()) -> Table:
    """A results table formatted for a step page.

    Parameters
    ----------
    df
        The table (not modified).
    columns
        Columns to show, in order; a mapping gives their headers too.
        Default: every column, headed by its label.
    labels
        Extra code -> label pairs (e.g. the behaviour codebook's descriptions).
    digits
        Decimals of non-integer numbers.
    caption
        Optional caption.
    missing_note
        Footnote for the dash of a missing value (default: a generic one).
    percent
        Columns holding shares in [0, 1], shown as percentages.

    Examples
    --------
    >>> t = show(pd.DataFrame({"measure": ["empathy_360:peer"], "p_value": [3e-9], "n": [173.0],
    ...                        "estimate": [float("nan")]}))
    >>> t.cells.to_dict("records")
    [{'measure': '360 empathy score, peers', 'p': '< 0.001', 'n': '173', 'estimate': '–'}]
    """
    if isinstance(columns, Mapping):
        order, headers = list(columns), dict(columns)
    else:
        order = list(columns) if columns is not None else list(df.columns)
        headers = {c: label(c) for c in order}
    percent = set(percent)
    out = pd.DataFrame(index=range(len(df)))
    numeric: set[str] = set()
    any_missing = False
    for col in order:
        values = df[col].reset_index(drop=True)
        head = headers[col]
        texts: list[str] = []
        is_num = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        as_int = is_num and _is_int_column(col, values)
        for v in values:
            if _missing(v) or (isinstance(v, str) and v.strip() in {"", "nan", "NaN", "<NA>", "NaT", "None"}):
                texts.append(DASH)
                any_missing = True
            elif is_num and isinstance(v, numbers.Number):
                fv = float(v)  # type: ignore[arg-type]
                if not math.isfinite(fv):
                    texts.append(DASH)
                    any_missing = True
                elif col in P_COLUMNS:
                    texts.append(format_p(fv))
                elif col in percent:
                    texts.append(f"{100 * fv:.0f}%")
                elif as_int:
                    texts.append(f"{int(round(fv)):,}")
                else:
                    texts.append(format_number(fv, digits))
            elif isinstance(v, pd.Timestamp):
                texts.append(v.date().isoformat())
            else:
                texts.append(readable(v, labels, code=col in CODE_COLUMNS))
        if is_num:
            numeric.add(head)
        out[head] = texts
    notes = [f"{DASH} {missing_note or 'no value: not estimable, not applicable, or hidden for privacy (see the note column or the text above)'}."] \
        if any_missing else []
    return Table(out, numeric, notes, caption)
