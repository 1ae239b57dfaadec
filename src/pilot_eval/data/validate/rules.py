"""Row-level and cross-row checks of the data contract, and warnings.

Every check reports through :func:`report`, which leaves out the rows the
reader could not split into the header's columns (ragged CSV rows; they are
reported once, by the reader) and rows whose value failed to parse (reported
once, as a type violation).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from pilot_eval.data.contract import ALL_ROLES, ATTRITION_EXITS, ROLES_SEPARATOR, TRANSFER, Column
from pilot_eval.data.validate.reading import TableData, float_array, mask, non_ascii_digits
from pilot_eval.data.validate.violations import OVERRIDES, Collector

# a role token: no ';', no leading/trailing blanks, non-empty
_ROLE = r"[^;\s](?:[^;]*[^;\s])?"
_ROLES_RE = rf"{_ROLE}(?:;{_ROLE})*"
#: Category columns checked for near-duplicate values (a warning, not a violation).
CATEGORY_COLUMNS: dict[str, tuple[str, ...]] = {
    "leaders": ("leader_id", "role", "culture", "org_unit"),
    "ratings": ("item",),
    "pulse": ("item",),
    "employees": ("group",),
    "behaviours": ("behaviour",),
    "observations": ("observer_id",),
}


def report(out: Collector, table: TableData, column: str, rows: np.ndarray, rule: str,
           show: pd.Series | None = None) -> None:
    """Add one violation for the rows where ``rows`` is true (ragged rows left out).

    ``column`` names a parsed column (whose raw text is reported) unless
    ``show`` gives the texts to report.
    """
    idx = np.flatnonzero(rows & ~table.skip)
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


def _check_column(table: TableData, col: Column, out: Collector,
                  scale: tuple[int, int] | None) -> None:
    parsed = table.columns[col.name]
    rule = _TYPE_RULE[col.type].format(c=col.name)
    general = parsed.bad
    if col.type in ("int", "float", "date") and parsed.bad.any():
        text = parsed.raw.astype("str").fillna("")
        foreign = parsed.bad & mask(text.str.contains(r"[^\x00-\x7f]", regex=True))
        foreign_digits = [non_ascii_digits(t) for t in text[foreign & ~table.skip]]
        if any(foreign_digits):
            named = ", ".join(dict.fromkeys(d for d in foreign_digits if d))
            report(out, table, col.name, foreign,
                   f"{rule}, written with the ASCII digits 0-9; these cells hold other characters "
                   f"such as {named[:200]} (e.g. typed with a full-width or Arabic keyboard); "
                   "retype them with 0-9")
            general = parsed.bad & ~foreign
    report(out, table, col.name, general, rule)
    if not col.nullable:
        report(out, table, col.name, parsed.missing, f"{col.name} must not be empty")
    valid = parsed.valid
    values = parsed.values
    if col.allowed is not None:
        outside = valid & ~values.isin(col.allowed).to_numpy(dtype=bool)
        report(out, table, col.name, outside,
                f"{col.name} must be one of {', '.join(repr(a) for a in col.allowed)}")
    kind = "an integer" if col.type == "int" else "a number"
    if col.range_kind == "scale" and scale is not None:
        low, high = scale
        number = float_array(values)
        outside = valid & ((number < low) | (number > high))
        report(out, table, col.name, outside,
                f"{col.name} must be {kind} in [{low}, {high}] "
                "(scale_min..scale_max from cohort.toml)")
    elif col.range_kind == "fixed":
        number = float_array(values)
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
        report(out, table, col.name, outside, f"{col.name} must be {kind} {bound}")


def _check_unique(table: TableData, key: tuple[str, ...], out: Collector) -> None:
    if not table.has(*key):
        return
    valid = np.logical_and.reduce([table.columns[c].valid for c in key])
    frame = pd.DataFrame({c: table.columns[c].values for c in key})
    dup = np.zeros(table.n_rows, dtype=bool)
    dup[valid] = frame[valid].duplicated(keep=False).to_numpy(dtype=bool)
    if len(key) == 1:
        report(out, table, key[0], dup,
                f"{key[0]} must be unique: each value on one row only")
        return
    show = table.columns[key[0]].raw.astype("str").fillna("")
    for c in key[1:]:
        show = show + " / " + table.columns[c].raw.astype("str").fillna("")
    cols = ", ".join(key)
    report(out, table, cols, dup,
            f"({cols}) must be unique: the same combination appears on more than one row",
            show=show)


def _check_foreign_key(table: TableData, column: str, ref: TableData | None, ref_column: str,
                       out: Collector) -> None:
    if ref is None or column not in table.columns or ref_column not in ref.columns:
        return
    known = ref.columns[ref_column].values[ref.columns[ref_column].valid]
    parsed = table.columns[column]
    unknown = parsed.valid & ~parsed.values.isin(known.unique()).to_numpy(dtype=bool)
    report(out, table, column, unknown,
            f"{column} must exist in {ref.file} ({ref_column})")


def _group_conflicts(table: TableData, keys: list[str], target: str,
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


def _rule_one_self_rater(table: TableData, ctx: "Context", out: Collector) -> None:
    cols = ["leader_id", "wave", "rater_id", "rater_type"]
    if not table.has(*cols):
        return
    rows = np.logical_and.reduce([table.columns[c].valid for c in cols])
    rows &= (table.columns["rater_type"].values == "self").to_numpy(dtype=bool)
    conflict = _group_conflicts(table, ["leader_id", "wave"], "rater_id", rows)
    report(out, table, "rater_id", conflict,
            "one self rater per leader and wave: these rows give two or more "
            "different self rater_ids for the same leader_id and wave")


def _rule_one_rater_type(table: TableData, ctx: "Context", out: Collector) -> None:
    cols = ["leader_id", "wave", "rater_id", "rater_type"]
    if not table.has(*cols):
        return
    rows = np.logical_and.reduce([table.columns[c].valid for c in cols])
    conflict = _group_conflicts(table, ["leader_id", "wave", "rater_id"], "rater_type", rows)
    report(out, table, "rater_type", conflict,
            "a rater_id must have one rater_type per leader and wave: this rater_id "
            "has two or more rater_types for the same leader_id and wave")


def _rule_one_leader_per_session(table: TableData, ctx: "Context", out: Collector) -> None:
    if not table.has("session_id", "leader_id"):
        return
    rows = table.columns["session_id"].valid & table.columns["leader_id"].valid
    conflict = _group_conflicts(table, ["session_id"], "leader_id", rows)
    report(out, table, "leader_id", conflict,
            "one leader per session: this session_id has rows with two or more "
            "different leader_ids")


def _rule_roles_format(table: TableData, ctx: "Context", out: Collector) -> None:
    if not table.has("roles"):
        return
    parsed = table.columns["roles"]
    roles = parsed.values
    is_all = mask(roles == ALL_ROLES)
    listed = mask(roles.str.fullmatch(_ROLES_RE))
    tokens_all = mask(roles.str.contains(
        rf"(?:^|{ROLES_SEPARATOR}){ALL_ROLES}(?:{ROLES_SEPARATOR}|$)"))
    ok = is_all | (listed & ~tokens_all)
    report(out, table, "roles", parsed.valid & ~ok,
            "roles must be 'all' or role names separated by ';' (no empty names, "
            "no blanks around names, 'all' not mixed with roles)")


def _rule_end_after_start(table: TableData, ctx: "Context", out: Collector) -> None:
    if not table.has("start_date", "end_date"):
        return
    start, end = table.columns["start_date"], table.columns["end_date"]
    before = start.valid & end.valid & mask(end.values < start.values)
    report(out, table, "end_date", before, "end_date must be on or after start_date")


def _rule_exit_type_iff_end_date(table: TableData, ctx: "Context", out: Collector) -> None:
    if not table.has("end_date", "exit_type"):
        return
    end, exit_type = table.columns["end_date"], table.columns["exit_type"]
    report(out, table, "exit_type", ~end.missing & ~end.bad & exit_type.missing,
            "exit_type is required when end_date is set")
    transfer = mask(exit_type.values == TRANSFER)
    report(out, table, "exit_type", end.missing & ~exit_type.missing & ~transfer,
            "exit_type must be empty when end_date is empty (the employee is still there)")
    report(out, table, "end_date", end.missing & transfer,
            "a transfer stint must have an end_date: the last day on the team it left "
            "(the new team's stint is the next row of this employee_id)")


_FAR = np.iinfo(np.int64).max // 4  # an open stint's end, in days


def _day_numbers(parsed_values: pd.Series) -> np.ndarray:
    """Dates as whole days (int64); missing dates as :data:`_FAR` (an open end)."""
    days = pd.to_datetime(parsed_values).to_numpy(dtype="datetime64[D]").astype("int64")
    return np.where(mask(parsed_values.isna()), _FAR, days)


@dataclasses.dataclass(frozen=True)
class Stints:
    """The checkable stints of an employees table, in (employee_id, start_date) order.

    ``row`` are 0-based row positions in the file; ``prev`` the position (into
    these arrays) of the same employee's stint before, -1 for a first stint.
    """

    row: np.ndarray
    employee: np.ndarray
    start: np.ndarray
    end: np.ndarray  # _FAR when open
    exit_type: np.ndarray  # text, "" when missing
    prev: np.ndarray

    @property
    def multi(self) -> bool:
        """Whether some employee has two or more stints (the folder uses team history)."""
        return bool((self.prev >= 0).any())


def stints_of(table: TableData) -> Stints | None:
    """The rows with a usable employee_id, start_date and (empty or valid) end_date, sorted."""
    if not table.has("employee_id", "start_date", "end_date", "exit_type"):
        return None
    emp, start, end = (table.columns[c] for c in ("employee_id", "start_date", "end_date"))
    ok = emp.valid & start.valid & (end.valid | end.missing) & ~table.skip
    rows = np.flatnonzero(ok)
    e = emp.values.to_numpy(dtype=object)[rows].astype(str)
    st = _day_numbers(start.values)[rows]
    en = _day_numbers(end.values)[rows]
    ex = table.columns["exit_type"].values.fillna("").to_numpy(dtype=object)[rows].astype(str)
    order = np.lexsort((rows, st, e))
    rows, e, st, en, ex = rows[order], e[order], st[order], en[order], ex[order]
    same = np.zeros(len(rows), dtype=bool)
    same[1:] = e[1:] == e[:-1]
    prev = np.where(same, np.arange(len(rows)) - 1, -1)
    return Stints(rows, e, st, en, ex, prev)


def _rule_stints_no_overlap(table: TableData, ctx: "Context", out: Collector) -> None:
    s = stints_of(table)
    if s is None or not s.multi:
        return
    # latest end among the employee's earlier stints (a long stint may cover several later ones):
    # the running maximum of end within the employee, read at the stint before
    running = pd.Series(s.end).groupby(s.employee, sort=False).cummax().to_numpy()
    latest = np.where(s.prev >= 0, running[np.maximum(s.prev, 0)], -_FAR)
    hit = (s.prev >= 0) & (s.start <= latest)
    if not hit.any():
        return
    flagged = np.zeros(table.n_rows, dtype=bool)
    flagged[s.row[hit]] = True
    flagged[s.row[s.prev[hit]]] = True
    report(out, table, "start_date", flagged,
           "the stints of one employee must not overlap: these rows of the same employee_id "
           "(read in start_date order) start on or before the end_date of the stint before, or "
           "after a stint that has no end_date (a duplicated row, or a move whose old stint was "
           "not ended the day before the new one starts)",
           show=table.columns["employee_id"].raw.astype("str").fillna("") + " from "
           + table.columns["start_date"].raw.astype("str").fillna("") + " to "
           + table.columns["end_date"].raw.astype("str").fillna("").replace("", "(open)"))


def _rule_unique_under_v1(table: TableData, ctx: "Context", out: Collector) -> None:
    if ctx.contract_version != "1" or not table.has("employee_id"):
        return
    emp = table.columns["employee_id"]
    dup = np.zeros(table.n_rows, dtype=bool)
    dup[emp.valid] = emp.values[emp.valid].duplicated(keep=False).to_numpy(dtype=bool)
    report(out, table, "employee_id", dup,
           "employee_id must be unique under contract_version \"1\" (cohort.toml): one row per "
           "employee; for team history (one row per stint) write contract_version = \"1.1\" "
           "or leave it out")


def warn_stints(table: TableData, ctx: "Context", out: Collector) -> None:
    """Warnings about team history (see the employees notes of the data dictionary)."""
    if table.spec.name != "employees":
        return
    s = stints_of(table)
    if s is None:
        return
    has_next = np.zeros(len(s.row), dtype=bool)
    has_next[s.prev[s.prev >= 0]] = True
    if s.multi or ctx.contract_version == "1.1":
        gone = (s.exit_type == TRANSFER) & ~has_next
        if gone.any():
            idx = np.sort(s.row[gone])
            out.warn(table.file, "exit_type",
                     f"{int(gone.sum())} transfer stint(s) have no later stint of the same employee_id: "
                     "read as moved out of the cohort (to a team not in it); a transfer is not "
                     "attrition. If they moved to a cohort leader, add the new stint",
                     rows=tuple((idx + 1).tolist()),
                     values=tuple(table.columns["employee_id"].raw.astype("str").iloc[idx].tolist()))
    rehire = (s.prev >= 0) & np.isin(s.exit_type[np.maximum(s.prev, 0)], ATTRITION_EXITS)
    if rehire.any():
        idx = np.sort(s.row[rehire])
        out.warn(table.file, "start_date",
                 f"{int(rehire.sum())} stint(s) start after a voluntary or involuntary exit of the same "
                 "employee_id: read as rehires (the exit stays attrition, the new stint is a new team "
                 "member); if the person moved teams instead, code the earlier exit_type as transfer",
                 rows=tuple((idx + 1).tolist()),
                 values=tuple(table.columns["employee_id"].raw.astype("str").iloc[idx].tolist()))
    if s.multi and table.has("group"):
        g = table.columns["group"].values.fillna("").to_numpy(dtype=object)[s.row].astype(str)
        differ = (s.prev >= 0) & (g != g[np.maximum(s.prev, 0)])
        if differ.any():
            idx = np.sort(s.row[differ])
            out.warn(table.file, "group",
                     f"{int(differ.sum())} stint(s) give another group than the employee's stint before: "
                     "promotion equity counts a person once, with the group of the stint they are "
                     "counted in; if the group did not change, write it the same on every stint",
                     rows=tuple((idx + 1).tolist()),
                     values=tuple(table.columns["employee_id"].raw.astype("str").iloc[idx].tolist()))


@dataclasses.dataclass
class Context:
    tables: dict[str, TableData]
    scale: tuple[int, int] | None
    #: cohort.toml's contract_version (None: not declared, or the settings are invalid)
    contract_version: str | None = None


_TABLE_RULES: dict[str, Callable[[TableData, Context, Collector], None]] = {
    "one_self_rater": _rule_one_self_rater,
    "one_rater_type": _rule_one_rater_type,
    "one_leader_per_session": _rule_one_leader_per_session,
    "roles_format": _rule_roles_format,
    "end_after_start": _rule_end_after_start,
    "exit_type_iff_end_date": _rule_exit_type_iff_end_date,
    "stints_no_overlap": _rule_stints_no_overlap,
    "unique_under_v1": _rule_unique_under_v1,
}


def _check_observation_values(table: TableData, ctx: Context, out: Collector) -> None:
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
    number = float_array(value.values)
    binary = valid & mask(scale_of == "binary") & ~np.isin(number, (0.0, 1.0))
    report(out, table, "value", binary,
           "value must be 0 or 1 for a binary behaviour (scale in behaviours.csv)")
    if ctx.scale is not None:
        low, high = ctx.scale
        ordinal = valid & mask(scale_of == "ordinal") & ((number < low) | (number > high))
        report(out, table, "value", ordinal,
               f"value must be an integer in [{low}, {high}] for an ordinal behaviour "
               "(scale_min..scale_max from cohort.toml)")
    # the behaviour's scale is unknown (invalid or missing in the codebook): whatever it
    # should be, a value outside both the binary and the ordinal range is wrong
    unknown = valid & ~mask(scale_of.isin(["binary", "ordinal"]))
    low, high = (0, 1) if ctx.scale is None else (min(0, ctx.scale[0]), max(1, ctx.scale[1]))
    outside = unknown & ((number < low) | (number > high))
    report(out, table, "value", outside,
           f"value must be in [{low}, {high}] whatever the behaviour's scale (0/1 if binary, "
           "scale_min..scale_max if ordinal); the scale of this behaviour in behaviours.csv is "
           "invalid or missing, so it was checked against both")


def check_table(table: TableData, ctx: Context, out: Collector) -> None:
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


def typed_frame(table: TableData) -> pd.DataFrame:
    """The table's contract columns, typed, in contract order."""
    return pd.DataFrame({c.name: table.columns[c.name].values for c in table.spec.columns})


def _variant_key(series: pd.Series) -> pd.Series:
    return series.str.strip().str.casefold().str.replace(r"[\s_-]+", " ", regex=True)


def warn_near_duplicates(table: TableData, out: Collector) -> None:
    """Warn about category values that differ only in case, blanks, '_' or '-'.

    ``Manager``, ``manager `` and ``manager`` are three different roles to the
    analysis; they are most likely one role typed three ways.  Not a violation
    (the contract allows any text), but the user should know.
    """
    for name in CATEGORY_COLUMNS.get(table.spec.name, ()):
        if name not in table.columns:
            continue
        parsed = table.columns[name]
        text = parsed.values.where(parsed.valid & ~table.skip)
        distinct = pd.Series(text.dropna().unique(), dtype="str")
        if distinct.empty:
            continue
        keys = _variant_key(distinct)
        groups = distinct.groupby(keys.to_numpy()).agg(list)
        groups = groups[groups.map(len) > 1]
        for variants in groups:
            variants = sorted(variants)
            first_rows = tuple(int(np.flatnonzero(mask(text == v))[0]) + 1 for v in variants)
            out.warn(table.file, name,
                     f"{len(variants)} spellings that differ only in capitals, blanks or '_'/'-' "
                     f"count as {len(variants)} different values of {name}; if they mean the same, "
                     "write them the same way (rows show where each spelling first appears)",
                     rows=first_rows, values=tuple(variants))


def check_excluded_behaviours(params: Mapping[str, Any], tables: Mapping[str, TableData],
                              out: Collector) -> None:
    """Every code of ``-p exclude_behaviours`` must be a behaviour of behaviours.csv."""
    value = params.get("exclude_behaviours")
    if not isinstance(value, str) or not value.strip():
        return
    codes = [c.strip() for c in value.split(";") if c.strip()]
    book = tables.get("behaviours")
    if book is None or "behaviour" not in book.columns:
        out.add(OVERRIDES, "exclude_behaviours",
                "-p exclude_behaviours: the cohort has no (readable) behaviours.csv, so there is "
                "no behaviour to exclude", values=(value,))
        return
    parsed = book.columns["behaviour"]
    known = set(parsed.values[parsed.valid].astype(str))
    unknown = [c for c in codes if c not in known]
    if unknown:
        out.add(OVERRIDES, "exclude_behaviours",
                f"-p exclude_behaviours: {', '.join(repr(c) for c in unknown)} "
                f"{'is not a behaviour' if len(unknown) == 1 else 'are not behaviours'} of "
                f"behaviours.csv (known: {', '.join(sorted(known)) or 'none'})", values=(value,))


