"""Validation of cohort folders against the data contract.

Reference: the cohort data contract v1 (``/work/shared/spec/data-contract.md``,
sections "cohort.toml", "Tables" and "Bad input"): every rule there must be
reported with file, column, row number(s), offending value and rule.  The
fixture ``tests/fixtures/external_cohort`` was written by hand as a customer's
HR export, independently of this package; each test breaks one rule in a copy
of it, using only the standard library's ``csv`` module, and checks that the
validator reports exactly that cell.
"""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path
from typing import Callable

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from pilot_eval.data.cohort import CohortValidationError, load_cohort
from pilot_eval.data.validate import ValidationResult, Violation, validate_cohort

FIXTURE = Path(__file__).parent / "fixtures" / "external_cohort"


# ---- helpers (standard library only, independent of the validator) -------------
def copy_fixture(tmp_path: Path) -> Path:
    folder = tmp_path / "cohort"
    shutil.copytree(FIXTURE, folder)
    return folder


def read_csv_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def write_csv_rows(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def set_cell(folder: Path, table: str, row: int, column: str, value: str) -> None:
    """Set data row ``row`` (1-based, header not counted) of ``column``."""
    path = folder / f"{table}.csv"
    header, rows = read_csv_rows(path)
    rows[row - 1][header.index(column)] = value
    write_csv_rows(path, header, rows)


def get_cell(folder: Path, table: str, row: int, column: str) -> str:
    header, rows = read_csv_rows(folder / f"{table}.csv")
    return rows[row - 1][header.index(column)]


def append_copy(folder: Path, table: str, row: int, **changes: str) -> int:
    """Append a copy of data row ``row`` with some cells changed; its row number."""
    path = folder / f"{table}.csv"
    header, rows = read_csv_rows(path)
    new = list(rows[row - 1])
    for column, value in changes.items():
        new[header.index(column)] = value
    rows.append(new)
    write_csv_rows(path, header, rows)
    return len(rows)


def drop_column(folder: Path, table: str, column: str) -> None:
    path = folder / f"{table}.csv"
    header, rows = read_csv_rows(path)
    i = header.index(column)
    write_csv_rows(path, header[:i] + header[i + 1:], [r[:i] + r[i + 1:] for r in rows])


def edit_toml(folder: Path, old: str, new: str) -> None:
    path = folder / "cohort.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def find(result: ValidationResult, file: str, column: str | None, fragment: str) -> Violation:
    hits = [v for v in result.violations
            if v.file == file and v.column == column and fragment in v.rule]
    assert hits, f"no violation {file!r}/{column!r}/{fragment!r} in:\n{result.format()}"
    return hits[0]


def sha256_tree(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file()}


# ---- the fixture is valid ---------------------------------------------------------------
def test_fixture_passes() -> None:
    result = validate_cohort(FIXTURE)
    assert result.ok, result.format()
    assert result.config is not None
    assert result.config.name.startswith("Northwind")
    assert result.config.pilot_start.isoformat() == "2025-09-01"
    assert set(result.tables) == {"leaders", "ratings", "observations", "behaviours",
                                  "pulse", "employees", "incidents", "sessions"}
    # counted independently with the csv module
    for name, frame in result.tables.items():
        _, rows = read_csv_rows(FIXTURE / f"{name}.csv")
        assert len(frame) == len(rows), name


def _parquet_via_pandas(src: Path, dst: Path) -> None:
    """Convert like a pandas user would: inferred numbers, parsed dates."""
    shutil.copy(src / "cohort.toml", dst / "cohort.toml")
    date_cols = {"date", "start_date", "end_date", "promoted_date"}
    for csv_path in src.glob("*.csv"):
        frame = pd.read_csv(csv_path)
        for col in date_cols & set(frame.columns):
            frame[col] = pd.to_datetime(frame[col], format="%Y-%m-%d")
        frame.to_parquet(dst / f"{csv_path.stem}.parquet", index=False)


def _parquet_via_pyarrow(src: Path, dst: Path) -> None:
    """Convert with pyarrow's own CSV reader (dates become timestamp/date32 columns)."""
    shutil.copy(src / "cohort.toml", dst / "cohort.toml")
    for csv_path in src.glob("*.csv"):
        pq.write_table(pacsv.read_csv(csv_path), dst / f"{csv_path.stem}.parquet")


@pytest.mark.parametrize("convert", [_parquet_via_pandas, _parquet_via_pyarrow])
def test_fixture_passes_as_parquet(tmp_path: Path, convert: Callable[[Path, Path], None]) -> None:
    convert(FIXTURE, tmp_path)
    result = validate_cohort(tmp_path)
    assert result.ok, result.format()
    from_csv = validate_cohort(FIXTURE).tables
    for name, frame in result.tables.items():
        pd.testing.assert_frame_equal(frame, from_csv[name], check_dtype=True, obj=name)


def test_parquet_native_types_are_checked(tmp_path: Path) -> None:
    """A Parquet float score of 4.5 is not an integer (integral floats are accepted)."""
    folder = copy_fixture(tmp_path)
    ratings = pd.read_csv(folder / "ratings.csv")
    ratings.loc[2, "score"] = 4.5  # data row 3
    (folder / "ratings.csv").unlink()
    ratings.to_parquet(folder / "ratings.parquet", index=False)
    result = validate_cohort(folder)
    v = find(result, "ratings.parquet", "score", "whole number")
    assert v.rows == (3,) and v.values == ("4.5",)
    assert "line" not in v.format()  # line numbers are only given for CSV


def test_dates_with_dates_parquet_type(tmp_path: Path) -> None:
    """date32 columns (pyarrow) load as datetime64[ns]."""
    folder = copy_fixture(tmp_path)
    frame = pd.read_csv(folder / "incidents.csv")
    table = pa.table({
        "leader_id": frame["leader_id"].astype(str).tolist(),
        "date": pa.array(pd.to_datetime(frame["date"]).dt.date.tolist(), pa.date32()),
        "kind": frame["kind"].astype(str).tolist(),
    })
    (folder / "incidents.csv").unlink()
    pq.write_table(table, folder / "incidents.parquet")
    result = validate_cohort(folder)
    assert result.ok, result.format()
    assert str(result.tables["incidents"]["date"].dtype) == "datetime64[ns]"
    assert result.files["incidents"].name == "incidents.parquet"


def test_excel_style_csv_is_accepted(tmp_path: Path) -> None:
    """A UTF-8 byte-order mark and CRLF line ends (Excel "CSV UTF-8") are fine."""
    folder = copy_fixture(tmp_path)
    text = (folder / "leaders.csv").read_text(encoding="utf-8")
    (folder / "leaders.csv").write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    result = validate_cohort(folder)
    assert result.ok, result.format()
    assert result.tables["leaders"]["leader_id"].iloc[0] == "NW-1001"


def test_parquet_categorical_and_nullable_columns(tmp_path: Path) -> None:
    """pandas category / Int64 / string columns written to Parquet load like the CSV."""
    folder = copy_fixture(tmp_path)
    leaders = pd.read_csv(folder / "leaders.csv", dtype={"leader_id": "string"})
    leaders["arm"] = leaders["arm"].astype("category")
    leaders["role"] = leaders["role"].astype("category")
    pulse = pd.read_csv(folder / "pulse.csv")
    pulse["score"] = pulse["score"].astype("Int64")
    for name, frame in (("leaders", leaders), ("pulse", pulse)):
        (folder / f"{name}.csv").unlink()
        frame.to_parquet(folder / f"{name}.parquet", index=False)
    result = validate_cohort(folder)
    assert result.ok, result.format()
    expected = validate_cohort(FIXTURE).tables
    pd.testing.assert_frame_equal(result.tables["leaders"], expected["leaders"])
    pd.testing.assert_frame_equal(result.tables["pulse"], expected["pulse"])


def test_validation_never_modifies_input(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    set_cell(folder, "ratings", 4, "score", "7")  # an invalid cohort too
    before = sha256_tree(folder)
    assert not validate_cohort(folder).ok
    with pytest.raises(CohortValidationError):
        load_cohort(folder)
    assert sha256_tree(folder) == before


def test_validating_the_fixture_itself_leaves_it_untouched() -> None:
    """Validation and loading read the folder in place: no byte, no modification time and no
    file name of it changes (nothing is written beside the inputs either)."""
    def state(folder: Path) -> dict[str, tuple[int, int]]:
        return {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in folder.iterdir()}

    digest, before = sha256_tree(FIXTURE), state(FIXTURE)
    assert validate_cohort(FIXTURE).ok
    load_cohort(FIXTURE)
    assert sha256_tree(FIXTURE) == digest
    assert state(FIXTURE) == before


# ---- one broken rule at a time ----------------------------------------------------------
# Each case: mutate(folder) -> None, then the expected (file, column, rows, values,
# rule fragment); rows/values None = file- or column-level violation.
Case = tuple[Callable[[Path], object], str, str | None, tuple[int, ...] | None,
             tuple[str, ...] | None, str]


def _remove(name: str) -> Callable[[Path], None]:
    return lambda f: (f / name).unlink()


def _write(name: str, text: str) -> Callable[[Path], None]:
    return lambda f: (f / name).write_text(text, encoding="utf-8")


def _cell(table: str, row: int, column: str, value: str) -> Callable[[Path], None]:
    return lambda f: set_cell(f, table, row, column, value)


def _dup_row(table: str, row: int, **changes: str) -> Callable[[Path], None]:
    return lambda f: append_copy(f, table, row, **changes)


def _leaders_parquet(f: Path) -> None:
    pd.read_csv(f / "leaders.csv").to_parquet(f / "leaders.parquet")


def _ragged_ratings(f: Path) -> None:
    with (f / "ratings.csv").open("a", encoding="utf-8") as fh:
        fh.write("NW-1001,R-3101,direct_report,endline,2025-11-25,E4,4,extra,cells\n")


def _latin1_leaders(f: Path) -> None:
    text = (f / "leaders.csv").read_text(encoding="utf-8").replace("Nordics", "Nördics")
    (f / "leaders.csv").write_bytes(text.encode("latin-1"))


def _duplicate_header(f: Path) -> None:
    header, rows = read_csv_rows(f / "incidents.csv")
    write_csv_rows(f / "incidents.csv", header + ["kind"], [r + [r[2]] for r in rows])


def _two_self_raters(f: Path) -> None:
    # data row 1 is NW-1001's self rating (baseline, E1); add another self rater
    append_copy(f, "ratings", 1, rater_id="R-9999")


def _leader_header_only(f: Path) -> None:
    header, _ = read_csv_rows(f / "leaders.csv")
    write_csv_rows(f / "leaders.csv", header, [])


CASES: dict[str, Case] = {
    # cohort.toml
    "toml missing": (_remove("cohort.toml"), "cohort.toml", None, None, None, "missing"),
    "toml not TOML": (_write("cohort.toml", 'name = "x"\npilot_start = \n'),
                      "cohort.toml", None, None, None, "not valid TOML"),
    "toml key missing": (lambda f: edit_toml(f, "pilot_start = 2025-09-01\n", ""),
                         "cohort.toml", "pilot_start", None, None, "required setting"),
    "toml ill-typed int": (lambda f: edit_toml(f, "pilot_days = 90", 'pilot_days = "90"'),
                           "cohort.toml", "pilot_days", None, ("90",), "whole number"),
    "toml datetime not date": (lambda f: edit_toml(f, "pilot_start = 2025-09-01",
                                                   "pilot_start = 2025-09-01T08:00:00"),
                               "cohort.toml", "pilot_start", None, None, "YYYY-MM-DD"),
    "toml scale reversed": (lambda f: edit_toml(f, "scale_min = 1", "scale_min = 5"),
                            "cohort.toml", "scale_min", None, ("5",), "less than scale_max"),
    "toml pilot_days 0": (lambda f: edit_toml(f, "pilot_days = 90", "pilot_days = 0"),
                          "cohort.toml", "pilot_days", None, ("0",), "positive"),
    "toml follow_up negative": (lambda f: edit_toml(f, "follow_up_days = 90",
                                                    "follow_up_days = -1"),
                                "cohort.toml", "follow_up_days", None, ("-1",), ">= 0"),
    "toml min_group_size 0": (lambda f: edit_toml(f, "min_group_size = 3", "min_group_size = 0"),
                              "cohort.toml", "min_group_size", None, ("0",), ">= 1"),
    "toml min_raters 0": (lambda f: edit_toml(f, "min_raters_per_category = 2",
                                              "min_raters_per_category = 0"),
                          "cohort.toml", "min_raters_per_category", None, ("0",), ">= 1"),
    "toml unknown key": (lambda f: edit_toml(f, "scale_max = 5", "scale_max = 5\nscale_mid = 3"),
                         "cohort.toml", "scale_mid", None, ("3",), "unknown setting"),
    "toml unknown target": (lambda f: edit_toml(f, "[targets]", "[targets]\nnps_change = 5"),
                            "cohort.toml", "targets.nps_change", None, ("5",), "unknown target"),
    "toml target not number": (lambda f: edit_toml(f, "leaders_improved_pct = 50",
                                                   'leaders_improved_pct = "half"'),
                               "cohort.toml", "targets.leaders_improved_pct", None, ("half",),
                               "must be a number"),
    # files
    "required table missing": (_remove("pulse.csv"), "pulse.csv", None, None, None,
                               "required table pulse is missing"),
    "csv and parquet": (_leaders_parquet, "leaders.csv", None, None, None, "ambiguous"),
    "not utf-8": (_latin1_leaders, "leaders.csv", None, None, None, "not UTF-8"),
    "duplicate header": (_duplicate_header, "incidents.csv", "kind", None, None,
                         "more than once"),
    "no data rows": (_leader_header_only, "leaders.csv", None, None, None, "no data rows"),
    "codebook required": (_remove("behaviours.csv"), "behaviours.csv", None, None, None,
                          "required because observations is present"),
    "missing column": (lambda f: drop_column(f, "leaders", "culture"), "leaders.csv", "culture",
                       None, None, "required column 'culture' is missing"),
    # types
    "int type": (_cell("ratings", 5, "score", "four"), "ratings.csv", "score", (5,), ("four",),
                 "whole number"),
    "int written as decimal": (_cell("pulse", 3, "score", "4.0"), "pulse.csv", "score", (3,),
                               ("4.0",), "whole number"),
    "float type": (_cell("leaders", 2, "tenure_years", "2.5y"), "leaders.csv", "tenure_years",
                   (2,), ("2.5y",), "must be a number"),
    "date impossible": (_cell("incidents", 3, "date", "2026-13-45"), "incidents.csv", "date",
                        (3,), ("2026-13-45",), "YYYY-MM-DD"),
    "date not ISO": (_cell("sessions", 4, "date", "02/10/2025"), "sessions.csv", "date", (4,),
                     ("02/10/2025",), "YYYY-MM-DD"),
    "date not padded": (_cell("pulse", 6, "date", "2025-8-11"), "pulse.csv", "date", (6,),
                        ("2025-8-11",), "YYYY-MM-DD"),
    # emptiness
    "empty rater_id": (_cell("ratings", 8, "rater_id", ""), "ratings.csv", "rater_id", (8,),
                       ("",), "must not be empty"),
    "blank org_unit": (_cell("leaders", 7, "org_unit", "  "), "leaders.csv", "org_unit", (7,),
                       ("  ",), "must not be empty"),
    "empty observation value": (_cell("observations", 2, "value", ""), "observations.csv",
                                "value", (2,), ("",), "must not be empty"),
    # allowed values
    "arm treatment": (_cell("leaders", 3, "arm", "treatment"), "leaders.csv", "arm", (3,),
                      ("treatment",), "one of 'pilot', 'comparison'"),
    "rater_type": (_cell("ratings", 10, "rater_type", "subordinate"), "ratings.csv",
                   "rater_type", (10,), ("subordinate",), "one of"),
    "wave": (_cell("ratings", 11, "wave", "Baseline"), "ratings.csv", "wave", (11,),
             ("Baseline",), "one of 'baseline', 'midpoint', 'endline'"),
    "exit_type": (_cell("employees", 4, "exit_type", "fired"), "employees.csv", "exit_type",
                  (4,), ("fired",), "one of"),
    "incident kind": (_cell("incidents", 1, "kind", "complaint"), "incidents.csv", "kind", (1,),
                      ("complaint",), "one of 'escalation', 'hr_incident'"),
    "session kind": (_cell("sessions", 2, "kind", "workshop"), "sessions.csv", "kind", (2,),
                     ("workshop",), "one of"),
    "behaviour scale": (_cell("behaviours", 1, "scale", "likert"), "behaviours.csv", "scale",
                        (1,), ("likert",), "one of 'binary', 'ordinal'"),
    # ranges
    "rating score 7": (_cell("ratings", 4, "score", "7"), "ratings.csv", "score", (4,), ("7",),
                       "in [1, 5] (scale_min..scale_max from cohort.toml)"),
    "rating score 0": (_cell("ratings", 17, "score", "0"), "ratings.csv", "score", (17,), ("0",),
                       "in [1, 5]"),
    "pulse score 6": (_cell("pulse", 9, "score", "6"), "pulse.csv", "score", (9,), ("6",),
                      "in [1, 5]"),
    "binary value 2": (_cell("observations", 1, "value", "2"), "observations.csv", "value", (1,),
                       ("2",), "0 or 1 for a binary behaviour"),
    "ordinal value 6": (_cell("observations", 2, "value", "6"), "observations.csv", "value",
                        (2,), ("6",), "in [1, 5] for an ordinal behaviour"),
    "ordinal value 0": (_cell("observations", 5, "value", "0"), "observations.csv", "value",
                        (5,), ("0",), "for an ordinal behaviour"),
    "session score 120": (_cell("sessions", 2, "score", "120"), "sessions.csv", "score", (2,),
                          ("120",), "in [0, 100]"),
    "latency negative": (_cell("sessions", 3, "feedback_latency_hours", "-2"), "sessions.csv",
                         "feedback_latency_hours", (3,), ("-2",), ">= 0"),
    "tenure negative": (_cell("leaders", 1, "tenure_years", "-1"), "leaders.csv",
                        "tenure_years", (1,), ("-1",), ">= 0"),
    # uniqueness
    "leader_id duplicated": (_dup_row("leaders", 1, arm="comparison"), "leaders.csv",
                             "leader_id", (1, 9), ("NW-1001", "NW-1001"), "unique"),
    # v1.1: an employee_id may repeat (one row per stint), but its stints must not overlap
    "employee_id duplicated (overlapping stints)": (
        _cell("employees", 2, "employee_id", "E-50101"), "employees.csv", "start_date", (1, 2),
        ("E-50101 from 2021-03-01 to (open)", "E-50101 from 2019-11-18 to (open)"),
        "must not overlap"),
    "rating key duplicated": (_dup_row("ratings", 3, score="1"), "ratings.csv",
                              "leader_id, rater_id, wave, item", (3, 508),
                              ("NW-1001 / NW-1001 / baseline / E3",) * 2, "must be unique"),
    "observation key duplicated": (_dup_row("observations", 4), "observations.csv",
                                   "session_id, observer_id, behaviour", (4, 25), None,
                                   "must be unique"),
    "behaviour code duplicated": (_dup_row("behaviours", 2), "behaviours.csv", "behaviour",
                                  (2, 5), ("reflected_feeling",) * 2, "unique"),
    # foreign keys
    "unknown leader in ratings": (_cell("ratings", 12, "leader_id", "NW-9999"), "ratings.csv",
                                  "leader_id", (12,), ("NW-9999",), "must exist in leaders.csv"),
    "unknown leader in pulse": (_cell("pulse", 1, "leader_id", "NW-0000"), "pulse.csv",
                                "leader_id", (1,), ("NW-0000",), "must exist in leaders.csv"),
    "unknown leader in employees": (_cell("employees", 29, "leader_id", "nw-1008"),
                                    "employees.csv", "leader_id", (29,), ("nw-1008",),
                                    "must exist in leaders.csv"),
    "unknown leader in incidents": (_cell("incidents", 11, "leader_id", "NW-2001"),
                                    "incidents.csv", "leader_id", (11,), ("NW-2001",),
                                    "must exist in leaders.csv"),
    "unknown leader in sessions": (_cell("sessions", 18, "leader_id", "NW-2001"),
                                   "sessions.csv", "leader_id", (18,), ("NW-2001",),
                                   "must exist in leaders.csv"),
    "unknown behaviour": (_cell("observations", 3, "behaviour", "smiled"), "observations.csv",
                          "behaviour", (3,), ("smiled",), "must exist in behaviours.csv"),
    # cross-row rules
    "two leaders in a session": (_cell("observations", 9, "leader_id", "NW-1007"),
                                 "observations.csv", "leader_id", (7, 8, 9), None,
                                 "one leader per session"),
    "two self raters": (_two_self_raters, "ratings.csv", "rater_id", None, None,
                        "one self rater per leader and wave"),
    "rater with two types": (_cell("ratings", 19, "rater_type", "peer"), "ratings.csv",
                             "rater_type", (19, 20, 21), ("peer", "direct_report", "direct_report"),
                             "one rater_type per leader and wave"),
    "end before start": (_cell("employees", 4, "end_date", "2021-12-31"), "employees.csv",
                         "end_date", (4,), ("2021-12-31",), "on or after start_date"),
    "exit without end": (_cell("employees", 1, "exit_type", "voluntary"), "employees.csv",
                         "exit_type", (1,), ("voluntary",), "must be empty when end_date"),
    "end without exit": (_cell("employees", 4, "exit_type", ""), "employees.csv", "exit_type",
                         (4,), ("",), "required when end_date is set"),
    "roles empty token": (_cell("behaviours", 4, "roles", "manager;;director"), "behaviours.csv",
                          "roles", (4,), ("manager;;director",), "separated by ';'"),
    "roles all mixed": (_cell("behaviours", 1, "roles", "all;manager"), "behaviours.csv",
                        "roles", (1,), ("all;manager",), "'all' not mixed"),
    "roles padded": (_cell("behaviours", 4, "roles", "manager; senior_manager"),
                     "behaviours.csv", "roles", (4,), ("manager; senior_manager",),
                     "no blanks around names"),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_each_rule_is_reported(tmp_path: Path, case: str) -> None:
    mutate, file, column, rows, values, fragment = CASES[case]
    folder = copy_fixture(tmp_path)
    mutate(folder)
    result = validate_cohort(folder)
    assert not result.ok
    v = find(result, file, column, fragment)
    if rows is None:
        if case != "two self raters":
            assert v.rows == ()
    else:
        assert v.rows == rows, v.format()
    if values is not None:
        assert v.values == values, v.format()
    if v.rows:
        assert len(v.values) == len(v.rows)
    assert v.format()  # renders
    assert result.tables == {}


def test_two_self_raters_reports_both(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    new_row = append_copy(folder, "ratings", 1, rater_id="R-9999")
    v = find(validate_cohort(folder), "ratings.csv", "rater_id", "one self rater")
    # rows 1..3 are NW-1001's own baseline answers to E1..E3 (checked here)
    assert [get_cell(folder, "ratings", r, "rater_type") for r in (1, 2, 3)] == ["self"] * 3
    assert v.rows == (1, 2, 3, new_row)
    assert v.values == ("NW-1001", "NW-1001", "NW-1001", "R-9999")


def test_bad_value_reported_once(tmp_path: Path) -> None:
    """A cell that fails to parse is not reported again by the range/key checks."""
    folder = copy_fixture(tmp_path)
    set_cell(folder, "ratings", 4, "score", "seven")
    set_cell(folder, "employees", 4, "end_date", "2025-02-30")
    result = validate_cohort(folder)
    assert [(v.file, v.column, v.rows) for v in result.violations] == [
        ("ratings.csv", "score", (4,)),
        ("employees.csv", "end_date", (4,)),
    ], result.format()


def test_no_double_report_after_missing_leaders(tmp_path: Path) -> None:
    """Without a leaders table, foreign keys into it are not checked (one violation)."""
    folder = copy_fixture(tmp_path)
    (folder / "leaders.csv").unlink()
    result = validate_cohort(folder)
    assert [(v.file, v.column) for v in result.violations] == [("leaders.csv", None)]


def test_optional_tables_may_be_absent(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    for name in ("observations", "behaviours", "incidents", "sessions"):
        (folder / f"{name}.csv").unlink()
    result = validate_cohort(folder)
    assert result.ok, result.format()
    assert set(result.tables) == {"leaders", "ratings", "pulse", "employees"}


def test_codebook_without_observations_is_fine(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    (folder / "observations.csv").unlink()
    assert validate_cohort(folder).ok


def test_extra_columns_are_ignored() -> None:
    header, _ = read_csv_rows(FIXTURE / "leaders.csv")
    assert "hris_cost_center" in header  # the export carries an extra column
    leaders = validate_cohort(FIXTURE).tables["leaders"]
    assert list(leaders.columns) == ["leader_id", "arm", "role", "culture", "org_unit",
                                     "tenure_years"]


def test_not_a_folder(tmp_path: Path) -> None:
    result = validate_cohort(tmp_path / "nowhere")
    assert not result.ok
    assert result.violations[0].rule.startswith("cohort folder does not exist")


# ---- the acceptance cases -----------------------------------------------------------
ACCEPTANCE: dict[str, Case] = {
    "missing column": CASES["missing column"],
    "score 7 on a 1-5 scale": CASES["rating score 7"],
    "rating for an unknown leader": CASES["unknown leader in ratings"],
    "duplicated leader_id": CASES["leader_id duplicated"],
    "date 2026-13-45": CASES["date impossible"],
    "arm treatment": CASES["arm treatment"],
    "end_date before start_date": CASES["end before start"],
}


@pytest.mark.parametrize("case", list(ACCEPTANCE), ids=list(ACCEPTANCE))
def test_acceptance_case(tmp_path: Path, case: str) -> None:
    mutate, file, column, rows, values, fragment = ACCEPTANCE[case]
    folder = copy_fixture(tmp_path)
    before = sha256_tree(folder)
    mutate(folder)
    mutated = sha256_tree(folder)
    assert mutated != before
    result = validate_cohort(folder)
    v = find(result, file, column, fragment)
    if rows is not None:
        assert v.rows == rows
        assert v.values == values
    with pytest.raises(CohortValidationError) as info:
        load_cohort(folder)
    assert info.value.exit_code == 2
    assert v in info.value.violations
    assert sha256_tree(folder) == mutated


def test_all_acceptance_cases_at_once(tmp_path: Path) -> None:
    """Every violation is reported in one run, not only the first."""
    folder = copy_fixture(tmp_path)
    for mutate, *_ in ACCEPTANCE.values():
        mutate(folder)
    result = validate_cohort(folder)
    for name, (_, file, column, rows, values, fragment) in ACCEPTANCE.items():
        v = find(result, file, column, fragment)
        if rows is not None:
            assert v.rows == rows, name
            assert v.values == values, name
    message = str(pytest.raises(CohortValidationError, load_cohort, folder).value)
    for name, (_, file, column, *_rest) in ACCEPTANCE.items():
        assert file in message and (column is None or f"'{column}'" in message), name


def test_everything_broken_at_once(tmp_path: Path) -> None:
    """All single-rule cases that touch different cells, applied together."""
    chosen = ["toml unknown key", "ragged csv", "int type", "date not ISO", "empty rater_id",
              "rater_type", "binary value 2", "session score 120",
              "employee_id duplicated (overlapping stints)", "unknown leader in pulse", "unknown behaviour",
              "end without exit", "roles empty token", "date impossible"]
    folder = copy_fixture(tmp_path)
    for name in chosen:
        (_ragged_ratings if name == "ragged csv" else CASES[name][0])(folder)
    result = validate_cohort(folder)
    for name in chosen:
        if name == "ragged csv":
            continue
        _, file, column, rows, values, fragment = CASES[name]
        v = find(result, file, column, fragment)  # ratings.csv checked despite its ragged row
        if rows is not None:
            assert v.rows == rows, name
    n_ratings = len(read_csv_rows(FIXTURE / "ratings.csv")[1])
    ragged = find(result, "ratings.csv", None, "cells where the header has 7")
    assert ragged.rows == (n_ratings + 1,)


# ---- Violation.format -------------------------------------------------------------------------
def test_violation_format_matches_the_documented_shape() -> None:
    v = Violation("ratings.csv", "score", (4, 17), ("7", "0"),
                  "score must be an integer in [1, 5] (scale_min..scale_max from cohort.toml)")
    assert v.format() == (
        "ratings.csv, column 'score', rows 4, 17 (line 5, 18 of the CSV): values '7', '0' — "
        "score must be an integer in [1, 5] (scale_min..scale_max from cohort.toml)"
    )


def test_violation_format_truncates_long_lists() -> None:
    rows = tuple(range(1, 26))
    v = Violation("pulse.csv", "score", rows, tuple("9" for _ in rows), "score must be ...")
    text = v.format()
    assert "rows 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 15 more" in text
    assert "line 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 of the CSV" in text
    assert " 11," not in text.split("(line")[0]


def test_violation_format_file_and_key_level() -> None:
    assert Violation("pulse.csv", None, (), (), "required table pulse is missing").format() == (
        "pulse.csv — required table pulse is missing")
    assert Violation("cohort.toml", "pilot_days", (), ("0",), "pilot_days must be positive"
                     ).format() == "cohort.toml, key 'pilot_days': value '0' — pilot_days must be positive"


def test_error_message_lists_every_violation(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    set_cell(folder, "ratings", 4, "score", "7")
    set_cell(folder, "leaders", 3, "arm", "treatment")
    with pytest.raises(CohortValidationError) as info:
        load_cohort(folder)
    err = info.value
    assert len(err.violations) == 2
    text = str(err)
    assert "2 violations" in text
    assert "leaders.csv, column 'arm', row 3 (line 4 of the CSV): value 'treatment'" in text
    assert "ratings.csv, column 'score', row 4 (line 5 of the CSV): value '7'" in text
