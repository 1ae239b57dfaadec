"""Privacy rules every table in a report goes through.

* No aggregate for a group under ``min_group_size`` (cells are emptied and the
  reason kept in a ``suppressed`` column, never shown as a number).
* Peer and direct-report categories only with ``min_raters_per_category``.
* User-supplied text is escaped in HTML and neutralised against formula
  injection in CSV (a cell starting with ``= + - @`` or a tab / carriage
  return is run as a formula by spreadsheet programs).

References
----------
OWASP, "CSV Injection" (formula injection) guidance.
"""

from __future__ import annotations

import html
from typing import Iterable

import pandas as pd

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralise_csv_text(value: object) -> object:
    """Prefix a text value a spreadsheet would treat as a formula with ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_csv_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``df`` with every text cell (and column name) neutralised."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_string_dtype(s) or s.dtype == object:
            mask = s.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_PREFIXES))
            if bool(mask.any()):
                out[col] = s.astype(object).where(~mask, "'" + s.astype(str))
    out.columns = [neutralise_csv_text(str(c)) for c in out.columns]
    return out


def escape_html(value: object) -> str:
    """HTML-escape user text (quotes included)."""
    return html.escape("" if value is None else str(value), quote=True)


def suppress_small_groups(
    df: pd.DataFrame,
    n_column: str,
    min_n: int,
    value_columns: Iterable[str],
    reason: str | None = None,
) -> pd.DataFrame:
    """Empty the value cells of rows whose group size is under ``min_n``.

    Parameters
    ----------
    df
        One row per group, with its size in ``n_column``.
    n_column
        Column holding the group's n (leaders, respondents, raters, ...).
    min_n
        Smallest n shown (``min_group_size`` or ``min_raters_per_category``).
    value_columns
        Columns emptied for small groups.  The n itself is also emptied when it
        is listed here.
    reason
        Text placed in the ``suppressed`` column; default names the rule.

    Returns
    -------
    A copy with a ``suppressed`` column (empty string when shown).
    """
    out = df.copy()
    small = out[n_column].fillna(0) < min_n
    why = reason or f"fewer than {min_n} ({n_column}); not shown to protect anonymity"
    for col in value_columns:
        if col in out.columns:
            out[col] = out[col].astype(object).where(~small, None)
    out["suppressed"] = pd.Series("", index=out.index, dtype=object).where(~small, why)
    return out
