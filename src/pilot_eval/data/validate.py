"""Check a cohort folder against the data contract and report every violation.

:func:`validate_cohort` reads ``cohort.toml`` and every table of
:mod:`pilot_eval.data.contract`, checks all of the contract's rules and returns a
:class:`ValidationResult` holding **all** violations (it never stops at the
first), the parsed :class:`~pilot_eval.data.config.CohortConfig` and, when the
cohort is valid, the typed tables.

Reading rules
-------------
* CSV files are read with every column as text (``dtype=str,
  keep_default_na=False``) so that the raw offending text can be reported; an
  empty (or all-blank) cell is missing.  Parquet files are read with pyarrow;
  native integer, float and date/timestamp columns are accepted, text columns
  are parsed like CSV.
* Dates must be ISO ``YYYY-MM-DD`` and exist in the calendar.
* Rows whose value failed to parse are skipped by the later row-level checks of
  that column, so a bad cell is reported once.
* Input files are only read, never written.

Typed output: text columns have pandas' string dtype (``str``; missing =
``NaN``), dates ``datetime64[ns]`` (normalized to midnight), integer columns
the nullable ``Int64`` and float columns ``float64``.  Only contract columns
are kept, in contract order; extra columns are ignored.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import math
import re
import tomllib
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from pilot_eval.data.config import DEFAULT_TARGETS, CohortConfig
from pilot_eval.data.contract import (
    ALL_ROLES,
    CONFIG_FILE,
    CONFIG_KEYS,
    ROLES_SEPARATOR,
    TABLE_SUFFIXES,
    TABLES,
    Column,
    Table,
)

#: Pseudo file name of violations caused by command-line/notebook overrides.
OVERRIDES = "overrides"
#: Rows listed by :meth:`Violation.format` before "and N more".
MAX_ROWS_SHOWN = 10

_INT_RE = r"[+-]?\d{1,18}"
_DATE_RE = r"\d{4}-\d{2}-\d{2}"
_ISO_DATE = re.compile(_DATE_RE)
# a role token: no ';', no leading/trailing blanks, non-empty
_ROLE = r"[^;\s](?:[^;]*[^;\s])?"
_ROLES_RE = rf"{_ROLE}(?:;{_ROLE})*"
_MIN_TS = pd.Timestamp("1678-01-01")
_MAX_TS = pd.Timestamp("2262-04-11")


# ---- violations -----------------------------------------------------------------
def _quote(value: str, width: int = 40) -> str:
    text = value if len(value) <= width else value[: width - 1] + "…"
    return f"'{text}'"


@dataclasses.dataclass(frozen=True)
class Violation:
    """One broken rule of the data contract.

    Attributes
    ----------
    file
        File name inside the cohort folder (``"ratings.csv"``,
        ``"cohort.toml"``), or ``"overrides"`` for a bad setting override.
    column
        Column (or ``cohort.toml`` key) concerned, a comma-separated list for
        a multi-column key, or ``None`` for a file-level problem.
    rows
        1-based data-row numbers (header not counted); empty for file- or
        column-level problems.  CSV line = row + 1 (exact unless a quoted
        cell spans several lines).
    values
        Offending values as text, aligned with ``rows``; for a ``cohort.toml``
        key (no rows) the offending setting value.
    rule
        The rule, in plain English.
    """

    file: str
    column: str | None
    rows: tuple[int, ...]
    values: tuple[str, ...]
    rule: str

    def format(self, max_rows: int = MAX_ROWS_SHOWN) -> str:
        """One human-readable line, listing at most ``max_rows`` rows.

        Examples
        --------
        ``ratings.csv, column 'score', rows 4, 17 (line 5, 18 of the CSV):
        values '7', '0' — score must be an integer in [1, 5] ...``
        """
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
            head += f": {word} {', '.join(_quote(v) for v in shown_values)}{extra}"
        return f"{head} — {self.rule}"

    def __str__(self) -> str:
        return self.format()


@dataclasses.dataclass
class ValidationResult:
    """Outcome of :func:`validate_cohort`.

    Attributes
    ----------
    path
        The cohort folder.
    violations
        Every violation found, in file order (cohort.toml first, then the
        tables in contract order).
    config
        The parsed settings (overrides applied), or ``None`` if ``cohort.toml``
        is invalid.
    tables
        Typed tables by name when the cohort is valid; empty otherwise.
    files
        The input files read, by table name (plus ``"cohort"`` for
        ``cohort.toml``), e.g. for checksums in a manifest.
    """

    path: Path
    violations: tuple[Violation, ...]
    config: CohortConfig | None
    tables: dict[str, pd.DataFrame]
    files: dict[str, Path]

    @property
    def ok(self) -> bool:
        """True when there is no violation."""
        return not self.violations

    def format(self, max_rows: int = MAX_ROWS_SHOWN) -> str:
        """All violations, one per line, after a one-line summary."""
        if self.ok:
            return f"{self.path}: valid cohort"
        n = len(self.violations)
        lines = [f"{self.path}: {n} violation{'s' if n != 1 else ''} of the data contract"]
        lines += [v.format(max_rows) for v in self.violations]
        return "\n".join(lines)


class _Collector:
    """Accumulates violations."""

    def __init__(self) -> None:
        self.items: list[Violation] = []

    def add(self, file: str, column: str | None, rule: str,
            rows: tuple[int, ...] = (), values: tuple[str, ...] = ()) -> None:
        self.items.append(Violation(file, column, rows, values, rule))


# ---- cohort.toml ------------------------------------------------------------------
_TOP_KEYS = {k.name: k for k in CONFIG_KEYS if not k.name.startswith("targets.")}
_TARGET_KEYS = {
    k.name.split(".", 1)[1]: k for k in CONFIG_KEYS if k.name.startswith("targets.")
}


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return repr(value)
    return str(value)


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def _check_settings(raw: Mapping[str, Any], file: str, out: _Collector,
                    ) -> tuple[dict[str, Any] | None, tuple[int, int] | None]:
    """Check a settings mapping (cohort.toml layout).

    Returns the normalized keyword arguments of :class:`CohortConfig` (``None``
    if anything is wrong) and the rating scale if that part alone is usable.
    """
    n_before = len(out.items)
    settings: dict[str, Any] = {}
    for key in raw:
        if key not in _TOP_KEYS and key != "targets":
            out.add(file, key, f"unknown setting '{key}' (known: "
                    f"{', '.join(list(_TOP_KEYS) + ['[targets]'])})", values=(_show(raw[key]),))
    for name, spec in _TOP_KEYS.items():
        if name not in raw:
            if spec.required:
                out.add(file, name, f"required setting '{name}' is missing")
            else:
                settings[name] = spec.default
            continue
        value = raw[name]
        if spec.type == "str":
            if not isinstance(value, str) or not value.strip():
                out.add(file, name, f"{name} must be non-empty text", values=(_show(value),))
                continue
            settings[name] = value
        elif spec.type == "date":
            date = _as_date(value)
            if date is None:
                out.add(file, name, f"{name} must be a date YYYY-MM-DD (e.g. {name} = 2026-01-05)",
                        values=(_show(value),))
                continue
            settings[name] = date
        elif spec.type == "int":
            if not _is_int(value):
                out.add(file, name, f"{name} must be a whole number", values=(_show(value),))
                continue
            settings[name] = value
    # value rules
    for name, low, text in (
        ("pilot_days", 1, "pilot_days must be positive (> 0)"),
        ("follow_up_days", 0, "follow_up_days must be >= 0"),
        ("min_group_size", 1, "min_group_size must be >= 1"),
        ("min_raters_per_category", 1, "min_raters_per_category must be >= 1"),
    ):
        if name in settings and settings[name] < low:
            out.add(file, name, text, values=(_show(settings[name]),))
            del settings[name]
    scale: tuple[int, int] | None = None
    if "scale_min" in settings and "scale_max" in settings:
        if settings["scale_min"] >= settings["scale_max"]:
            out.add(file, "scale_min",
                    f"scale_min must be less than scale_max (scale_min = {settings['scale_min']},"
                    f" scale_max = {settings['scale_max']})",
                    values=(_show(settings["scale_min"]),))
        else:
            scale = (settings["scale_min"], settings["scale_max"])
    # targets
    targets = dict(DEFAULT_TARGETS)
    raw_targets = raw.get("targets", {})
    if not isinstance(raw_targets, Mapping):
        out.add(file, "targets", "targets must be a table ([targets]) of numbers",
                values=(_show(raw_targets),))
        raw_targets = {}
    for key, value in raw_targets.items():
        qualified = f"targets.{key}"
        if key not in _TARGET_KEYS:
            out.add(file, qualified, f"unknown target '{key}' (known: {', '.join(_TARGET_KEYS)})",
                    values=(_show(value),))
        elif not _is_number(value):
            out.add(file, qualified, f"{qualified} must be a number", values=(_show(value),))
        elif key == "leaders_improved_pct" and not 0 <= value <= 100:
            out.add(file, qualified, f"{qualified} must be in [0, 100]", values=(_show(value),))
        else:
            targets[key] = float(value)
    settings["targets"] = targets
    if len(out.items) > n_before:
        return None, scale
    return settings, scale


def _check_overrides(config: CohortConfig, overrides: Mapping[str, Any],
                     out: _Collector) -> CohortConfig | None:
    fields = {f.name for f in dataclasses.fields(CohortConfig)}
    usable: dict[str, Any] = {}
    for key, value in overrides.items():
        known = (key in fields or
                 (key.startswith("target_") and key[len("target_"):] in _TARGET_KEYS))
        if not known:
            out.add(OVERRIDES, key, f"unknown setting '{key}'", values=(_show(value),))
        else:
            usable[key] = value
    try:
        changed = config.with_overrides(**usable)
    except (TypeError, ValueError) as err:
        out.add(OVERRIDES, None, f"overrides cannot be applied: {err}")
        return None
    raw = dataclasses.asdict(changed)
    settings, _ = _check_settings(raw, OVERRIDES, out)
    return None if settings is None else CohortConfig(**settings)


def _read_config(folder: Path, out: _Collector, overrides: Mapping[str, Any] | None,
                 files: dict[str, Path]) -> tuple[CohortConfig | None, tuple[int, int] | None]:
    path = folder / CONFIG_FILE
    if not path.is_file():
        out.add(CONFIG_FILE, None, f"{CONFIG_FILE} is missing: every cohort folder needs one "
                "(at least name and pilot_start)")
        return None, None
    files["cohort"] = path
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except UnicodeDecodeError:
        out.add(CONFIG_FILE, None, f"{CONFIG_FILE} is not UTF-8 text")
        return None, None
    except tomllib.TOMLDecodeError as err:
        out.add(CONFIG_FILE, None, f"{CONFIG_FILE} is not valid TOML: {err}")
        return None, None
    settings, scale = _check_settings(raw, CONFIG_FILE, out)
    if settings is None:
        return None, scale
    config = CohortConfig(**settings)
    if overrides:
        changed = _check_overrides(config, overrides, out)
        if changed is None:
            return None, scale
        config = changed
    return config, (config.scale_min, config.scale_max)


# ---- reading and parsing tables -----------------------------------------------------
@dataclasses.dataclass
class _Parsed:
    """One column parsed to its contract type."""

    raw: pd.Series          # as read (text for CSV), for reporting
    values: pd.Series       # typed, missing where missing or unparsable
    missing: np.ndarray     # empty cell
    bad: np.ndarray         # non-empty but not parsable as the contract type

    @property
    def valid(self) -> np.ndarray:
        return ~(self.missing | self.bad)


@dataclasses.dataclass
class _Table:
    spec: Table
    file: str
    path: Path
    n_rows: int
    columns: dict[str, _Parsed]

    def has(self, *names: str) -> bool:
        return all(n in self.columns for n in names)


def _mask(series: pd.Series) -> np.ndarray:
    return series.fillna(False).to_numpy(dtype=bool)


def _texts(series: pd.Series) -> pd.Series:
    """A column as pandas text (``str`` dtype, ``NaN`` for missing)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(object)
    return series.astype("str")


def _parse_text(raw: pd.Series, text: pd.Series, ctype: str) -> _Parsed:
    stripped = text.str.strip()
    missing = (stripped.isna() | (stripped == "")).to_numpy(dtype=bool)
    if ctype == "str":
        values = text.where(~missing).astype("str")
        return _Parsed(raw, values, missing, np.zeros(len(text), dtype=bool))
    if ctype == "int":
        ok = _mask(stripped.str.fullmatch(_INT_RE))
        values = stripped.where(ok).str.lstrip("+").astype("Int64")
        return _Parsed(raw, values, missing, ~missing & ~ok)
    if ctype == "float":
        number = pd.to_numeric(stripped.where(~missing), errors="coerce").astype("float64")
        ok = np.isfinite(number.to_numpy())
        return _Parsed(raw, number.where(ok), missing, ~missing & ~ok)
    # date
    ok = _mask(stripped.str.fullmatch(_DATE_RE))
    dates = pd.to_datetime(stripped.where(ok), format="%Y-%m-%d", errors="coerce")
    good = dates.notna().to_numpy()
    return _Parsed(raw, dates.astype("datetime64[ns]"), missing, ~missing & ~good)


def _float_array(series: pd.Series) -> np.ndarray:
    return series.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)


def _parse_column(raw: pd.Series, ctype: str) -> _Parsed:
    """Parse one column (text from CSV, or a native Parquet column)."""
    dtype = raw.dtype
    n = len(raw)
    index = raw.index
    is_text = (pd.api.types.is_string_dtype(dtype) or dtype == object
               or isinstance(dtype, pd.CategoricalDtype))
    if is_text:
        return _parse_text(raw, _texts(raw), ctype)
    missing = raw.isna().to_numpy(dtype=bool)
    nothing = np.zeros(n, dtype=bool)
    if pd.api.types.is_bool_dtype(dtype):
        return _Parsed(raw, _empty_typed(ctype, index), missing, ~missing)
    if pd.api.types.is_integer_dtype(dtype):
        if ctype == "str":
            return _parse_text(raw, raw.astype("Int64").astype("str"), ctype)
        if ctype == "int":
            return _Parsed(raw, raw.astype("Int64"), missing, nothing)
        if ctype == "float":
            return _Parsed(raw, pd.Series(_float_array(raw), index=index), missing, nothing)
        return _Parsed(raw, _empty_typed(ctype, index), missing, ~missing)
    if pd.api.types.is_float_dtype(dtype):
        arr = _float_array(raw)
        finite = np.isfinite(arr)
        if ctype == "float":
            return _Parsed(raw, pd.Series(np.where(finite, arr, np.nan), index=index),
                           missing, ~missing & ~finite)
        if ctype == "int":
            whole = finite & (np.abs(arr) < 2.0**53)
            whole[whole] = arr[whole] == np.round(arr[whole])
            values = pd.Series(np.where(whole, arr, np.nan), index=index).astype("Int64")
            return _Parsed(raw, values, missing, ~missing & ~whole)
        return _Parsed(raw, _empty_typed(ctype, index), missing, ~missing)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        if ctype != "date":
            return _Parsed(raw, _empty_typed(ctype, index), missing, ~missing)
        stamps = raw
        if getattr(dtype, "tz", None) is not None:
            stamps = stamps.dt.tz_localize(None)
        in_range = _mask((stamps >= _MIN_TS) & (stamps < _MAX_TS))
        values = stamps.where(in_range).dt.normalize().astype("datetime64[ns]")
        return _Parsed(raw, values, missing, ~missing & ~in_range)
    return _Parsed(raw, _empty_typed(ctype, index), missing, ~missing)


def _empty_typed(ctype: str, index: pd.Index) -> pd.Series:
    dtype = {"str": "str", "int": "Int64", "float": "float64", "date": "datetime64[ns]"}[ctype]
    return pd.Series(pd.NA if ctype == "int" else None, index=index, dtype=dtype)


def _csv_header(path: Path) -> list[str] | None:
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        return next(csv.reader(fh), None)


def _read_frame(path: Path, file: str, out: _Collector) -> pd.DataFrame | None:
    if path.suffix == ".csv":
        try:
            header = _csv_header(path)
            if header is None:
                out.add(file, None, "file is empty: expected a header row with the column names")
                return None
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False,
                                encoding="utf-8-sig", index_col=False)
        except UnicodeDecodeError:
            out.add(file, None, "file cannot be read: it is not UTF-8 text")
            return None
        except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error, OSError) as err:
            out.add(file, None, f"file cannot be read as a comma-separated table: "
                    f"{str(err).strip()}")
            return None
        seen: set[str] = set()
        for name in header:
            if name in seen:
                out.add(file, name, f"column name '{name}' appears more than once in the header")
            seen.add(name)
        return frame
    try:
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pandas(date_as_object=False)
    except Exception as err:  # noqa: BLE001 - any pyarrow failure means unreadable
        out.add(file, None, f"file cannot be read as Parquet: {str(err).strip()}")
        return None


def _load_table(folder: Path, spec: Table, out: _Collector,
                files: dict[str, Path]) -> _Table | None | bool:
    """Read and parse one table; ``False`` if the file is absent."""
    found = [folder / f"{spec.name}{s}" for s in TABLE_SUFFIXES
             if (folder / f"{spec.name}{s}").is_file()]
    if not found:
        return False
    if len(found) > 1:
        out.add(found[0].name, None,
                f"ambiguous table: both {' and '.join(p.name for p in found)} exist; "
                "keep exactly one")
        return None
    path = found[0]
    file = path.name
    files[spec.name] = path
    frame = _read_frame(path, file, out)
    if frame is None:
        return None
    present = [str(c) for c in frame.columns]
    for col in spec.columns:
        if col.name not in present:
            near = [p for p in present if p.strip().lower() == col.name]
            hint = (f"; found {', '.join(repr(p) for p in near)}: column names are case- "
                    "and space-sensitive" if near else "")
            out.add(file, col.name, f"required column '{col.name}' is missing "
                    f"(the file has: {', '.join(present) or 'no columns'}){hint}")
    if spec.required and len(frame) == 0:
        out.add(file, None, f"table {spec.name} has no data rows")
    columns = {}
    for col in spec.columns:
        if col.name in present:
            raw = frame[col.name].reset_index(drop=True)
            columns[col.name] = _parse_column(raw, col.type)
    return _Table(spec, file, path, len(frame), columns)


# ---- row-level checks ---------------------------------------------------------------
def _report(out: _Collector, table: _Table, column: str, mask: np.ndarray, rule: str,
            show: pd.Series | None = None) -> None:
    """Add one violation for the rows where ``mask`` is true.

    ``column`` names a parsed column (whose raw text is reported) unless
    ``show`` gives the texts to report.
    """
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return
    source = table.columns[column].raw if show is None else show
    values = source.iloc[idx].astype("str").fillna("")
    out.add(table.file, column, rule, tuple((idx + 1).tolist()), tuple(values.tolist()))


_TYPE_RULE = {
    "int": "{c} must be a whole number (integer)",
    "float": "{c} must be a number",
    "date": "{c} must be a date written YYYY-MM-DD that exists in the calendar",
    "str": "{c} must be text",
}


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _check_column(table: _Table, col: Column, out: _Collector,
                  scale: tuple[int, int] | None) -> None:
    parsed = table.columns[col.name]
    _report(out, table, col.name, parsed.bad, _TYPE_RULE[col.type].format(c=col.name))
    if not col.nullable:
        _report(out, table, col.name, parsed.missing, f"{col.name} must not be empty")
    valid = parsed.valid
    values = parsed.values
    if col.allowed is not None:
        outside = valid & ~values.isin(col.allowed).to_numpy(dtype=bool)
        _report(out, table, col.name, outside,
                f"{col.name} must be one of {', '.join(repr(a) for a in col.allowed)}")
    kind = "an integer" if col.type == "int" else "a number"
    if col.range_kind == "scale" and scale is not None:
        low, high = scale
        number = _float_array(values)
        outside = valid & ((number < low) | (number > high))
        _report(out, table, col.name, outside,
                f"{col.name} must be {kind} in [{low}, {high}] "
                "(scale_min..scale_max from cohort.toml)")
    elif col.range_kind == "fixed":
        number = _float_array(values)
        outside = np.zeros(len(number), dtype=bool)
        if col.min_value is not None:
            outside |= number < col.min_value
        if col.max_value is not None:
            outside |= number > col.max_value
        outside &= valid
        if col.max_value is None:
            bound = f">= {_fmt(col.min_value)}"  # type: ignore[arg-type]
        else:
            bound = f"in [{_fmt(col.min_value)}, {_fmt(col.max_value)}]"  # type: ignore[arg-type]
        _report(out, table, col.name, outside, f"{col.name} must be {kind} {bound}")


def _check_unique(table: _Table, key: tuple[str, ...], out: _Collector) -> None:
    if not table.has(*key):
        return
    valid = np.logical_and.reduce([table.columns[c].valid for c in key])
    frame = pd.DataFrame({c: table.columns[c].values for c in key})
    dup = np.zeros(table.n_rows, dtype=bool)
    dup[valid] = frame[valid].duplicated(keep=False).to_numpy(dtype=bool)
    if len(key) == 1:
        _report(out, table, key[0], dup,
                f"{key[0]} must be unique: each value on one row only")
        return
    show = table.columns[key[0]].raw.astype("str").fillna("")
    for c in key[1:]:
        show = show + " / " + table.columns[c].raw.astype("str").fillna("")
    cols = ", ".join(key)
    _report(out, table, cols, dup,
            f"({cols}) must be unique: the same combination appears on more than one row",
            show=show)


def _check_foreign_key(table: _Table, column: str, ref: _Table | None, ref_column: str,
                       out: _Collector) -> None:
    if ref is None or column not in table.columns or ref_column not in ref.columns:
        return
    known = ref.columns[ref_column].values[ref.columns[ref_column].valid]
    parsed = table.columns[column]
    unknown = parsed.valid & ~parsed.values.isin(known.unique()).to_numpy(dtype=bool)
    _report(out, table, column, unknown,
            f"{column} must exist in {ref.file} ({ref_column})")


def _group_conflicts(table: _Table, keys: list[str], target: str,
                     rows: np.ndarray) -> np.ndarray:
    """Rows (among ``rows``) whose ``keys`` group has more than one ``target`` value."""
    conflict = np.zeros(table.n_rows, dtype=bool)
    if not rows.any():
        return conflict
    frame = pd.DataFrame({c: table.columns[c].values for c in keys + [target]})[rows]
    pairs = frame.drop_duplicates()
    multi = pairs[pairs.duplicated(keys, keep=False)][keys].drop_duplicates()
    if multi.empty:
        return conflict
    hit = pd.MultiIndex.from_frame(frame[keys]).isin(pd.MultiIndex.from_frame(multi))
    conflict[np.flatnonzero(rows)[hit]] = True
    return conflict


def _rule_one_self_rater(table: _Table, ctx: "_Context", out: _Collector) -> None:
    cols = ["leader_id", "wave", "rater_id", "rater_type"]
    if not table.has(*cols):
        return
    rows = np.logical_and.reduce([table.columns[c].valid for c in cols])
    rows &= (table.columns["rater_type"].values == "self").to_numpy(dtype=bool)
    conflict = _group_conflicts(table, ["leader_id", "wave"], "rater_id", rows)
    _report(out, table, "rater_id", conflict,
            "one self rater per leader and wave: these rows give two or more "
            "different self rater_ids for the same leader_id and wave")


def _rule_one_rater_type(table: _Table, ctx: "_Context", out: _Collector) -> None:
    cols = ["leader_id", "wave", "rater_id", "rater_type"]
    if not table.has(*cols):
        return
    rows = np.logical_and.reduce([table.columns[c].valid for c in cols])
    conflict = _group_conflicts(table, ["leader_id", "wave", "rater_id"], "rater_type", rows)
    _report(out, table, "rater_type", conflict,
            "a rater_id must have one rater_type per leader and wave: this rater_id "
            "has two or more rater_types for the same leader_id and wave")


def _rule_one_leader_per_session(table: _Table, ctx: "_Context", out: _Collector) -> None:
    if not table.has("session_id", "leader_id"):
        return
    rows = table.columns["session_id"].valid & table.columns["leader_id"].valid
    conflict = _group_conflicts(table, ["session_id"], "leader_id", rows)
    _report(out, table, "leader_id", conflict,
            "one leader per session: this session_id has rows with two or more "
            "different leader_ids")


def _rule_roles_format(table: _Table, ctx: "_Context", out: _Collector) -> None:
    if not table.has("roles"):
        return
    parsed = table.columns["roles"]
    roles = parsed.values
    is_all = _mask(roles == ALL_ROLES)
    listed = _mask(roles.str.fullmatch(_ROLES_RE))
    tokens_all = _mask(roles.str.contains(
        rf"(?:^|{ROLES_SEPARATOR}){ALL_ROLES}(?:{ROLES_SEPARATOR}|$)"))
    ok = is_all | (listed & ~tokens_all)
    _report(out, table, "roles", parsed.valid & ~ok,
            "roles must be 'all' or role names separated by ';' (no empty names, "
            "no blanks around names, 'all' not mixed with roles)")


def _rule_end_after_start(table: _Table, ctx: "_Context", out: _Collector) -> None:
    if not table.has("start_date", "end_date"):
        return
    start, end = table.columns["start_date"], table.columns["end_date"]
    before = start.valid & end.valid & _mask(end.values < start.values)
    _report(out, table, "end_date", before, "end_date must be on or after start_date")


def _rule_exit_type_iff_end_date(table: _Table, ctx: "_Context", out: _Collector) -> None:
    if not table.has("end_date", "exit_type"):
        return
    end, exit_type = table.columns["end_date"], table.columns["exit_type"]
    _report(out, table, "exit_type", ~end.missing & ~end.bad & exit_type.missing,
            "exit_type is required when end_date is set")
    _report(out, table, "exit_type", end.missing & ~exit_type.missing,
            "exit_type must be empty when end_date is empty (the employee is still there)")


@dataclasses.dataclass
class _Context:
    tables: dict[str, _Table]
    scale: tuple[int, int] | None


_TABLE_RULES: dict[str, Callable[[_Table, _Context, _Collector], None]] = {
    "one_self_rater": _rule_one_self_rater,
    "one_rater_type": _rule_one_rater_type,
    "one_leader_per_session": _rule_one_leader_per_session,
    "roles_format": _rule_roles_format,
    "end_after_start": _rule_end_after_start,
    "exit_type_iff_end_date": _rule_exit_type_iff_end_date,
}


def _check_observation_values(table: _Table, ctx: _Context, out: _Collector) -> None:
    codebook = ctx.tables.get("behaviours")
    if (codebook is None or not table.has("behaviour", "value")
            or not codebook.has("behaviour", "scale")):
        return
    book_rows = codebook.columns["behaviour"].valid & codebook.columns["scale"].valid
    book = pd.Series(codebook.columns["scale"].values[book_rows].to_numpy(),
                     index=codebook.columns["behaviour"].values[book_rows].to_numpy())
    book = book[~book.index.duplicated()]
    obs = table.columns["behaviour"]
    value = table.columns["value"]
    scale_of = obs.values.map(book).astype("str")
    valid = obs.valid & value.valid
    number = _float_array(value.values)
    binary = valid & _mask(scale_of == "binary") & ~np.isin(number, (0.0, 1.0))
    _report(out, table, "value", binary,
            "value must be 0 or 1 for a binary behaviour (scale in behaviours.csv)")
    if ctx.scale is not None:
        low, high = ctx.scale
        ordinal = valid & _mask(scale_of == "ordinal") & ((number < low) | (number > high))
        _report(out, table, "value", ordinal,
                f"value must be an integer in [{low}, {high}] for an ordinal behaviour "
                "(scale_min..scale_max from cohort.toml)")


def _check_table(table: _Table, ctx: _Context, out: _Collector) -> None:
    spec = table.spec
    for col in spec.columns:
        if col.name in table.columns:
            if col.range_kind == "behaviour_scale":
                # type / emptiness here; the range needs the codebook
                _check_column(table, dataclasses.replace(col, range_kind=None), out, ctx.scale)
                _check_observation_values(table, ctx, out)
            else:
                _check_column(table, col, out, ctx.scale)
    for key in spec.unique_keys:
        _check_unique(table, key, out)
    for column, ref_table, ref_column in spec.foreign_keys:
        _check_foreign_key(table, column, ctx.tables.get(ref_table), ref_column, out)
    for rule in spec.rules:
        _TABLE_RULES[rule.code](table, ctx, out)


def _typed_frame(table: _Table) -> pd.DataFrame:
    return pd.DataFrame({c.name: table.columns[c.name].values for c in table.spec.columns})


# ---- entry point ----------------------------------------------------------------------
def validate_cohort(path: str | Path,
                    overrides: Mapping[str, Any] | None = None) -> ValidationResult:
    """Check a cohort folder against the data contract.

    Parameters
    ----------
    path
        The cohort folder (``cohort.toml`` plus one CSV or Parquet file per table).
    overrides
        Settings replacing those of ``cohort.toml`` (applied with
        :meth:`CohortConfig.with_overrides` and checked by the same rules),
        e.g. ``{"min_group_size": 8}``.

    Returns
    -------
    ValidationResult
        Every violation found (none means valid), the settings, the typed
        tables (when valid) and the files read.  Files are never modified.
    """
    folder = Path(path)
    out = _Collector()
    files: dict[str, Path] = {}
    if not folder.is_dir():
        out.add(str(folder), None, "cohort folder does not exist (or is not a folder)")
        return ValidationResult(folder, tuple(out.items), None, {}, files)
    config, scale = _read_config(folder, out, overrides, files)
    tables: dict[str, _Table] = {}
    absent: list[str] = []
    for spec in TABLES:
        loaded = _load_table(folder, spec, out, files)
        if loaded is False:
            absent.append(spec.name)
        elif isinstance(loaded, _Table):
            tables[spec.name] = loaded
    present = {spec.name for spec in TABLES} - set(absent)
    for spec in TABLES:
        if spec.name not in absent:
            continue
        if spec.required:
            out.add(f"{spec.name}.csv", None, f"required table {spec.name} is missing "
                    f"(expected {spec.name}.csv or {spec.name}.parquet)")
        elif spec.required_if_present and spec.required_if_present in present:
            out.add(f"{spec.name}.csv", None,
                    f"table {spec.name} is required because {spec.required_if_present} "
                    f"is present (expected {spec.name}.csv or {spec.name}.parquet)")
    ctx = _Context(tables, scale)
    for spec in TABLES:
        if spec.name in tables:
            _check_table(tables[spec.name], ctx, out)
    typed: dict[str, pd.DataFrame] = {}
    if not out.items:
        typed = {name: _typed_frame(t) for name, t in tables.items()}
    return ValidationResult(folder, tuple(out.items), config, typed, files)


__all__ = ["OVERRIDES", "ValidationResult", "Violation", "validate_cohort"]
