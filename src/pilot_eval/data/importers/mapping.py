"""Turn an export read as text into one contract table, following its SPEC section.

Columns are mapped (source column, constant, or the contract name when the
export uses it), wide exports are melted to one row per item, values are
recoded, dates are parsed to ISO dates.  Every problem is collected with the
SPEC key or the source file, column and lines, so the user sees all of them at once.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from typing import Iterable

from pilot_eval.data.contract import TABLES_BY_NAME, Table
from pilot_eval.data.importers.history import stints_from_events
from pilot_eval.data.importers.readers import SourceTable
from pilot_eval.data.importers.spec import HISTORY_TABLE, WIDE_TARGETS, Problem, Source, TableSpec

MAX_LINES_SHOWN = 5
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$")
_SLASH_ISO = re.compile(r"^(\d{4})/(\d{2})/(\d{2})$")


def _lines(lines: Iterable[int]) -> str:
    ls = sorted(set(lines))
    shown = ", ".join(str(n) for n in ls[:MAX_LINES_SHOWN])
    more = f" and {len(ls) - MAX_LINES_SHOWN} more" if len(ls) > MAX_LINES_SHOWN else ""
    return f"line{'s' if len(ls) > 1 else ''} {shown}{more}"


def _suggest(name: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(options), n=3, cutoff=0.6)
    return f" (did you mean {', '.join(map(repr, close))}?)" if close else ""


def parse_date(text: str, date_format: str | None) -> str | None:
    """ISO date of a source date text, or None when it does not parse.

    With ``date_format`` (a :func:`datetime.datetime.strptime` format) the
    text must match it; a date-time is cut to its date.  Without it, ISO dates
    and date-times (``2026-01-05``, ``2026-01-05 14:03:11``, ``2026-01-05T14:03Z``)
    and ``2026/01/05`` are accepted.
    """
    text = text.strip()
    if date_format:
        try:
            return dt.datetime.strptime(text, date_format).date().isoformat()
        except ValueError:
            return None
    m = _ISO.match(text) or _SLASH_ISO.match(text)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        return None


def _resolve_sources(ts: TableSpec, table: Table, src: SourceTable,
                     melted: tuple[str, str] | None) -> tuple[dict[str, Source | None], list[Problem], list[str]]:
    problems: list[Problem] = []
    notes: list[str] = []
    header = src.header
    out: dict[str, Source | None] = {}
    for col in table.columns:
        if melted and col.name in melted:
            continue
        given = ts.columns.get(col.name)
        if given is not None:
            if given.column is not None and given.column not in header:
                problems.append(Problem(
                    f"SPEC key {ts.key}.columns.{col.name}",
                    f"source column {given.column!r} is not in {ts.file_text}{_suggest(given.column, header)}; "
                    f"its columns are {', '.join(map(repr, header[:30]))}{' ...' if len(header) > 30 else ''}"))
                out[col.name] = None
            else:
                out[col.name] = given
        elif col.name in header:
            out[col.name] = Source(column=col.name)
        elif col.nullable:
            out[col.name] = Source(constant="")
            notes.append(f"{ts.name}.{col.name}: no source column, left empty")
        else:
            problems.append(Problem(
                f"SPEC key {ts.key}.columns.{col.name}",
                f"{ts.file_text} has no column {col.name!r}{_suggest(col.name, header)}: map it, e.g. "
                f"{col.name} = \"<source column>\", or give a constant {col.name} = {{ value = \"...\" }}"))
            out[col.name] = None
    for item, column in ts.items.items():
        if column not in header:
            problems.append(Problem(f"SPEC key {ts.key}.items.{item}",
                                    f"source column {column!r} is not in {ts.file_text}{_suggest(column, header)}"))
    return out, problems, notes


def map_table(ts: TableSpec, src: SourceTable) -> tuple[list[dict[str, str]], list[int], list[Problem], list[str]]:
    """Rows of the contract table ``ts.name`` built from ``src``.

    Returns
    -------
    rows
        One dict per contract row (contract column -> text).
    lines
        For each row, the source line it came from.
    problems
        Everything that stops the import (all of them).
    notes
        What was assumed (e.g. a nullable column left empty).

    With ``format = "history"`` (employees only) the export's rows are HR
    events mapped onto :data:`~pilot_eval.data.importers.spec.HISTORY_TABLE`,
    and the rows returned are the stints built from them
    (:func:`pilot_eval.data.importers.history.stints_from_events`).
    """
    if ts.format == "history":
        events, ev_lines, problems, notes = _map_rows(ts, src, HISTORY_TABLE)
        if problems:
            return [], [], problems, notes
        rows, lines, more, more_notes = stints_from_events(events, ev_lines, ts.file_text)
        return rows, lines, more, notes + more_notes
    return _map_rows(ts, src, TABLES_BY_NAME[ts.name])


def _map_rows(ts: TableSpec, src: SourceTable, table: Table,
              ) -> tuple[list[dict[str, str]], list[int], list[Problem], list[str]]:
    wide = ts.format in ("wide", "qualtrics")
    melted: tuple[str, str] | None = None
    if wide:
        melted = (ts.item_column, ts.value_column) if ts.item_column and ts.value_column else WIDE_TARGETS.get(ts.name)
    sources, problems, notes = _resolve_sources(ts, table, src, melted)
    problems += [Problem(f"{ts.file_text}", p) for p in src.problems]
    # an unresolved column is left empty so that every other column is still checked
    index = {h: i for i, h in enumerate(src.header)}
    rows: list[dict[str, str]] = []
    lines: list[int] = []
    for cells, line in zip(src.rows, src.lines):
        base = {}
        for name, s in sources.items():
            if s is None:
                base[name] = ""
            else:
                base[name] = (s.constant or "") if s.column is None else cells[index[s.column]].strip()
        if melted:
            for item, column in ts.items.items():
                if column not in index:
                    continue
                r = dict(base)
                r[melted[0]] = item
                r[melted[1]] = cells[index[column]].strip()
                rows.append(r)
                lines.append(line)
        else:
            rows.append(base)
            lines.append(line)
    # recode values, then check controlled vocabularies
    for col in table.columns:
        mapping = ts.values.get(col.name)
        if mapping:
            for r in rows:
                v = r[col.name]
                if v in mapping:
                    r[col.name] = mapping[v]
        if col.allowed is None:
            continue
        bad: dict[str, list[int]] = {}
        for r, line in zip(rows, lines):
            v = r[col.name]
            if v != "" and v not in col.allowed:
                bad.setdefault(v, []).append(line)
        s = sources.get(col.name)
        if s is None and col.name in sources:
            continue
        where_col = s.column if s is not None and s.column else col.name
        for v, ls in bad.items():
            norm = re.sub(r"[\s\-]+", "_", v.strip().lower())
            hint = f" = \"{norm}\"" if norm in col.allowed else " = \"<one of the allowed values>\""
            problems.append(Problem(
                f"{ts.file_text}, column {where_col!r}, {_lines(ls)}",
                f"value {v!r} is not one of {', '.join(col.allowed)}: map it under "
                f"[{ts.key}.values.{col.name}] as \"{v}\"{hint}"))
    # dates
    for col in table.columns:
        if col.type != "date":
            continue
        if col.name in sources and sources[col.name] is None:
            continue
        bad_dates: list[tuple[str, int]] = []
        for r, line in zip(rows, lines):
            v = r[col.name]
            if v == "":
                continue
            iso = parse_date(v, ts.date_format)
            if iso is None:
                bad_dates.append((v, line))
            else:
                r[col.name] = iso
        if bad_dates:
            s = sources.get(col.name)
            where_col = s.column if s is not None and s.column else col.name
            fmt = (f"date_format {ts.date_format!r}" if ts.date_format
                   else "an ISO date (YYYY-MM-DD); set date_format, e.g. \"%d.%m.%Y\"")
            problems.append(Problem(
                f"{ts.file_text}, column {where_col!r}, {_lines(l for _, l in bad_dates)}",
                f"{len(bad_dates)} value(s) do not match {fmt}, e.g. {bad_dates[0][0]!r} "
                f"(SPEC key {ts.key}.date_format)"))
    return rows, lines, problems, notes
