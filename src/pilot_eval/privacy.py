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


def _complement(hidden: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    """Complementary (secondary) suppression of a levels x (arms, overall) count table.

    Rows add up (pilot + comparison = overall) and columns add up to the arm
    sizes, which are shown.  A line (row or column) with exactly one hidden
    cell would give it away by subtraction, so the smallest visible cell of
    that line is hidden too; repeated until no line has exactly one hidden cell.
    """
    hidden = hidden.copy()
    changed = True
    while changed:
        changed = False
        for col in hidden.columns:
            visible = counts.loc[~hidden[col], col]
            if int(hidden[col].sum()) == 1 and len(visible) > 0:
                hidden.loc[visible.idxmin(), col] = True
                changed = True
        for level in hidden.index:
            row = hidden.loc[level]
            visible = counts.loc[level, ~row]
            if int(row.sum()) == 1 and len(visible) > 0:
                hidden.loc[level, visible.astype(float).idxmin()] = True
                changed = True
    return hidden


def hidden_cells(baseline: pd.DataFrame, var: str, k: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts of ``var`` levels by arm and which of them must not be shown.

    The one suppression pattern used by Table 1, the balance table and the
    group summaries, so that no table reveals what another hides.

    Returns
    -------
    counts
        Levels x (arms present, ``overall``) leader counts.
    hidden
        Same shape, True where the count (and any aggregate of that group)
        is hidden: cells under ``k`` leaders, the overall of a row with a
        hidden arm cell, whole rows of levels under ``k`` leaders in total,
        and complementary cells so that no hidden count equals a column
        total minus the visible counts.
    """
    arms = [a for a in ("pilot", "comparison") if (baseline["arm"] == a).any()]
    counts = pd.crosstab(baseline[var].astype(str), baseline["arm"].astype(str))
    counts = counts.reindex(columns=arms, fill_value=0)
    counts["overall"] = counts.sum(axis=1)
    counts = counts.sort_index()
    hidden = counts < k
    hidden.loc[counts["overall"] < k, :] = True
    hidden.loc[hidden[arms].any(axis=1), "overall"] = True
    return counts, _complement(hidden, counts)
