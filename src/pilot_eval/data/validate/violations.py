"""What validation reports: :class:`Violation`, :class:`ValidationResult` and the collector.

A violation is a broken rule of the data contract (the cohort is invalid); a
warning has the same shape but does not make the cohort invalid (e.g. the
categories ``Manager`` and ``manager`` that probably mean the same).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from pilot_eval.data.config import CohortConfig
from pilot_eval.data.contract import CONFIG_FILE

#: Pseudo file name of violations caused by command-line/notebook overrides and ``-p`` values.
OVERRIDES = "overrides"
#: Rows listed by :meth:`Violation.format` before "and N more".
MAX_ROWS_SHOWN = 10


def quote(value: str, width: int = 40) -> str:
    """``'value'``, cut to ``width`` characters with an ellipsis."""
    text = value if len(value) <= width else value[: width - 1] + "…"
    return f"'{text}'"


@dataclasses.dataclass(frozen=True)
class Violation:
    """One broken rule of the data contract (or one warning).

    Attributes
    ----------
    file
        File name inside the cohort folder (``"ratings.csv"``,
        ``"cohort.toml"``), or ``"overrides"`` for a bad setting override or
        ``-p`` value.
    column
        Column (or ``cohort.toml`` key, or ``-p`` name) concerned, a
        comma-separated list for a multi-column key, or ``None`` for a
        file-level problem.
    rows
        1-based data-row numbers (header not counted); empty for file- or
        column-level problems.  CSV line = row + 1 (exact unless a quoted
        cell spans several lines).
    values
        Offending values as text, aligned with ``rows``; for a ``cohort.toml``
        key (no rows) the offending setting value.
    rule
        The rule, in plain English, with the fix where there is one.

    Examples
    --------
    >>> v = Violation("ratings.csv", "score", (4,), ("7",), "score must be an integer in [1, 5]")
    >>> v.format()
    "ratings.csv, column 'score', row 4 (line 5 of the CSV): value '7' — score must be an integer in [1, 5]"
    """

    file: str
    column: str | None
    rows: tuple[int, ...]
    values: tuple[str, ...]
    rule: str

    def format(self, max_rows: int = MAX_ROWS_SHOWN) -> str:
        """One human-readable line, listing at most ``max_rows`` rows."""
        head = self.file
        if self.column is not None:
            label = "key" if self.file in (CONFIG_FILE, OVERRIDES) else "column"
            head += f", {label} '{self.column}'"
        if self.rows:
            shown = self.rows[:max_rows]
            more = len(self.rows) - len(shown)
            tail = f" and {more} more" if more else ""
            word = "row" if len(self.rows) == 1 else "rows"
            head += f", {word} {', '.join(map(str, shown))}{tail}"
            if self.file.endswith(".csv"):
                head += f" (line {', '.join(str(r + 1) for r in shown)} of the CSV)"
        if self.values:
            shown_values = self.values[:max_rows]
            word = "value" if len(self.values) == 1 else "values"
            extra = " …" if len(self.values) > len(shown_values) else ""
            head += f": {word} {', '.join(quote(v) for v in shown_values)}{extra}"
        return f"{head} — {self.rule}"

    def __str__(self) -> str:
        return self.format()


@dataclasses.dataclass
class ValidationResult:
    """Outcome of :func:`pilot_eval.data.validate.validate_cohort`.

    Attributes
    ----------
    path
        The cohort folder.
    violations
        Every violation found, in file order (cohort.toml first, then the
        tables in contract order, then ``-p`` values).
    config
        The parsed settings (overrides applied), or ``None`` if ``cohort.toml``
        is invalid.
    tables
        Typed tables by name when the cohort is valid; empty otherwise.
    files
        The input files read, by table name (plus ``"cohort"`` for
        ``cohort.toml``), e.g. for checksums in a manifest.
    warnings
        Findings that do not make the cohort invalid but probably are
        mistakes (near-duplicate categories), same shape as violations.
    """

    path: Path
    violations: tuple[Violation, ...]
    config: CohortConfig | None
    tables: dict[str, pd.DataFrame]
    files: dict[str, Path]
    warnings: tuple[Violation, ...] = ()

    @property
    def ok(self) -> bool:
        """True when there is no violation (warnings do not count)."""
        return not self.violations

    def format(self, max_rows: int = MAX_ROWS_SHOWN) -> str:
        """All violations, one per line, after a one-line summary; then the warnings."""
        if self.ok:
            lines = [f"{self.path}: valid cohort"]
        else:
            n = len(self.violations)
            lines = [f"{self.path}: {n} violation{'s' if n != 1 else ''} of the data contract"]
            lines += [v.format(max_rows) for v in self.violations]
        lines += [f"warning: {w.format(max_rows)}" for w in self.warnings]
        return "\n".join(lines)


class Collector:
    """Accumulates violations and warnings."""

    def __init__(self) -> None:
        self.items: list[Violation] = []
        self.warnings: list[Violation] = []

    def add(self, file: str, column: str | None, rule: str,
            rows: tuple[int, ...] = (), values: tuple[str, ...] = ()) -> None:
        self.items.append(Violation(file, column, rows, values, rule))

    def warn(self, file: str, column: str | None, rule: str,
             rows: tuple[int, ...] = (), values: tuple[str, ...] = ()) -> None:
        self.warnings.append(Violation(file, column, rows, values, rule))
