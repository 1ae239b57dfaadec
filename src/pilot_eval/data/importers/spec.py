"""The import SPEC: how export files map onto the cohort contract's tables.

A SPEC is a TOML file; paths in it are relative to the SPEC file::

    [cohort]                        # cohort.toml settings ([cohort.targets], [cohort.costs] likewise)
    name = "Operations pilot"
    pilot_start = 2026-01-05

    [pseudonymise]                  # optional: salted hashes instead of the export's IDs
    salt_file = "../secrets/pilot-salt.txt"   # kept OUTSIDE the cohort folder

    [tables.ratings]
    file = "exports/360.csv"        # .csv .tsv .txt .xlsx .xls .ods .parquet .jsonl .ndjson .json
    format = "qualtrics"            # long (default) | wide | qualtrics | history (employees only)
    sheet = "Responses"             # workbooks only
    encoding = "latin-1"            # optional, detected when absent
    delimiter = ";"                 # optional, detected when absent
    date_format = "%d.%m.%Y"        # optional, for every date column of the table
    [tables.ratings.columns]        # contract column = source column, or { value = constant }
    leader_id = "SubjectID"
    wave = { value = "baseline" }
    [tables.ratings.items]          # wide / qualtrics: item code = source column
    E1 = "Q1_1"
    [tables.ratings.values.rater_type]   # source value = contract value
    "Direct Report" = "direct_report"

Everything wrong with a SPEC is collected as :class:`Problem` s and reported
at once.
"""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path
from typing import Any

from pilot_eval.data.contract import TABLES_BY_NAME, Column, Table

FORMATS = ("long", "wide", "qualtrics", "history")
TABLE_KEYS = {"file", "format", "sheet", "encoding", "delimiter", "date_format", "columns", "items",
              "values", "item_column", "value_column"}
#: For wide formats: which contract column gets the item code and which the cell value.
WIDE_TARGETS: dict[str, tuple[str, str]] = {
    "ratings": ("item", "score"),
    "pulse": ("item", "score"),
    "observations": ("behaviour", "value"),
}


#: Event labels of a job-history export, after ``[tables.employees.values.event]``.
HISTORY_EVENTS: tuple[str, ...] = ("hire", "transfer", "voluntary", "involuntary", "promotion", "ignore")

#: The columns a ``format = "history"`` section maps (one row per event).
HISTORY_TABLE = Table(
    name="employees",
    required=True,
    description="job history: one row per HR event of a worker",
    columns=(
        Column("employee_id", "str", False, "the worker"),
        Column("leader_id", "str", True, "the worker's manager from this event on (hire, transfer)"),
        Column("group", "str", True, "demographic group, may be missing"),
        Column("date", "date", False, "the event's effective date"),
        Column("event", "str", False, ", ".join(f"`{e}`" for e in HISTORY_EVENTS),
               allowed=HISTORY_EVENTS),
    ),
)



@dataclasses.dataclass(frozen=True)
class Problem:
    """One thing wrong with an import: where (SPEC key or source file, rows, column) and what."""

    where: str
    message: str

    def format(self) -> str:
        return f"{self.where}: {self.message}"


@dataclasses.dataclass(frozen=True)
class Source:
    """A contract column's source: a column of the export, or a constant."""

    column: str | None = None
    constant: str | None = None


@dataclasses.dataclass
class TableSpec:
    name: str
    file: Path
    file_text: str
    format: str = "long"
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    date_format: str | None = None
    columns: dict[str, Source] = dataclasses.field(default_factory=dict)
    items: dict[str, str] = dataclasses.field(default_factory=dict)
    values: dict[str, dict[str, str]] = dataclasses.field(default_factory=dict)
    item_column: str | None = None
    value_column: str | None = None

    @property
    def key(self) -> str:
        return f"tables.{self.name}"


@dataclasses.dataclass
class ImportSpec:
    path: Path
    cohort: dict[str, Any]
    tables: dict[str, TableSpec]
    salt_file: Path | None = None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_spec(path: str | Path) -> tuple[ImportSpec | None, list[Problem]]:
    """Read and check a SPEC file; return the spec (None if unusable) and every problem."""
    path = Path(path)
    problems: list[Problem] = []
    where = f"SPEC {path.name}"
    try:
        raw = path.read_bytes().decode("utf-8-sig")
        doc = tomllib.loads(raw)
    except FileNotFoundError:
        return None, [Problem(where, "file not found")]
    except UnicodeDecodeError:
        return None, [Problem(where, "not UTF-8 text; save the SPEC as UTF-8")]
    except tomllib.TOMLDecodeError as exc:
        return None, [Problem(where, f"not valid TOML: {exc}")]
    base = path.parent
    for key in doc:
        if key not in {"cohort", "tables", "pseudonymise"}:
            problems.append(Problem(f"SPEC key {key}", "unknown section; use [cohort], [tables.NAME] "
                                                     "or [pseudonymise]"))
    cohort = doc.get("cohort", {})
    if not isinstance(cohort, dict):
        problems.append(Problem("SPEC key cohort", "must be a table: [cohort]"))
        cohort = {}
    salt_file = None
    pseud = doc.get("pseudonymise")
    if pseud is not None:
        if not isinstance(pseud, dict) or not isinstance(pseud.get("salt_file"), str):
            problems.append(Problem("SPEC key pseudonymise.salt_file",
                                    "give the salt file's path, e.g. salt_file = \"../secrets/salt.txt\""))
        else:
            salt_file = (base / pseud["salt_file"]).resolve()
    tables: dict[str, TableSpec] = {}
    raw_tables = doc.get("tables", {})
    if not isinstance(raw_tables, dict) or not raw_tables:
        problems.append(Problem("SPEC key tables", "no [tables.NAME] section: map at least the required "
                                                  "tables (leaders, ratings, pulse, employees)"))
        raw_tables = {}
    for name, sec in raw_tables.items():
        key = f"SPEC key tables.{name}"
        if name not in TABLES_BY_NAME:
            problems.append(Problem(key, f"not a contract table; the tables are "
                                         f"{', '.join(sorted(TABLES_BY_NAME))}"))
            continue
        if not isinstance(sec, dict) or not isinstance(sec.get("file"), str):
            problems.append(Problem(f"{key}.file", "missing: give the export's path, relative to the SPEC"))
            continue
        for k in sec:
            if k not in TABLE_KEYS:
                problems.append(Problem(f"{key}.{k}", f"unknown key; allowed: {', '.join(sorted(TABLE_KEYS))}"))
        ts = TableSpec(name=name, file=(base / sec["file"]).resolve(), file_text=sec["file"])
        fmt = sec.get("format", "long")
        if fmt not in FORMATS:
            problems.append(Problem(f"{key}.format", f"{fmt!r} is not one of {', '.join(FORMATS)}"))
        ts.format = fmt if fmt in FORMATS else "long"
        for opt in ("sheet", "encoding", "delimiter", "date_format", "item_column", "value_column"):
            if opt in sec:
                if not isinstance(sec[opt], str) or not sec[opt]:
                    problems.append(Problem(f"{key}.{opt}", "must be a non-empty text"))
                else:
                    setattr(ts, opt, sec[opt])
        if ts.delimiter is not None and len(ts.delimiter.replace("\\t", "\t")) != 1:
            problems.append(Problem(f"{key}.delimiter", "must be one character (use \"\\t\" for TAB)"))
        elif ts.delimiter is not None:
            ts.delimiter = ts.delimiter.replace("\\t", "\t")
        if ts.encoding is not None:
            import codecs

            try:
                codecs.lookup(ts.encoding)
            except LookupError:
                problems.append(Problem(f"{key}.encoding", f"unknown encoding {ts.encoding!r} "
                                                           "(e.g. utf-8, latin-1, cp1252, utf-16)"))
        table = TABLES_BY_NAME[name]
        if ts.format == "history":
            if name == "employees":
                table = HISTORY_TABLE  # one row per HR event; stints are built on import
            else:
                problems.append(Problem(f"{key}.format", "format = \"history\" (one row per HR event) "
                                                         "applies to tables.employees only"))
                ts.format = "long"
        cols = sec.get("columns", {})
        if not isinstance(cols, dict):
            problems.append(Problem(f"{key}.columns", "must be a table of contract column = source column"))
            cols = {}
        for contract_col, src in cols.items():
            ckey = f"{key}.columns.{contract_col}"
            if contract_col not in table.column_names:
                problems.append(Problem(ckey, f"{name} has no column {contract_col!r}; its columns are "
                                              f"{', '.join(table.column_names)}"))
                continue
            if isinstance(src, str):
                ts.columns[contract_col] = Source(column=src)
            elif isinstance(src, dict) and set(src) == {"value"}:
                ts.columns[contract_col] = Source(constant=_text(src["value"]))
            else:
                problems.append(Problem(ckey, "give a source column name, or { value = \"constant\" }"))
        items = sec.get("items", {})
        if not isinstance(items, dict) or not all(isinstance(v, str) for v in items.values()):
            problems.append(Problem(f"{key}.items", "must be a table of item code = source column"))
            items = {}
        ts.items = {str(k): v for k, v in items.items()}
        if ts.format in ("wide", "qualtrics"):
            if name not in WIDE_TARGETS and not (ts.item_column and ts.value_column):
                problems.append(Problem(f"{key}.format", f"wide formats need item_column and value_column "
                                                         f"for table {name}"))
            if not ts.items:
                problems.append(Problem(f"{key}.items", "a wide export needs its items: "
                                                        "[tables.NAME.items] ITEM_CODE = \"source column\""))
        elif ts.items:
            problems.append(Problem(f"{key}.items", "items apply only to format = \"wide\" or \"qualtrics\""))
        values = sec.get("values", {})
        if not isinstance(values, dict):
            problems.append(Problem(f"{key}.values", "must hold [tables.NAME.values.COLUMN] tables"))
            values = {}
        for contract_col, mapping in values.items():
            vkey = f"{key}.values.{contract_col}"
            if contract_col not in table.column_names:
                problems.append(Problem(vkey, f"{name} has no column {contract_col!r}"))
                continue
            if not isinstance(mapping, dict):
                problems.append(Problem(vkey, "must be a table of source value = contract value"))
                continue
            ts.values[contract_col] = {str(k): _text(v) for k, v in mapping.items()}
        tables[name] = ts
    return ImportSpec(path=path, cohort=cohort, tables=tables, salt_file=salt_file), problems
