"""Contract v1.1 team history: the validator's stint rules and warnings.

Reference: the rules as written in the data dictionary (employees notes of
:mod:`pilot_eval.data.contract`).  Each case edits the hand-made
``tests/fixtures/external_cohort`` (a v1 folder: one row per employee) with the
standard library and states the expected violation, rows and values by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pilot_eval.data.cohort import load_cohort
from pilot_eval.data.validate import validate_cohort
from test_validate import (FIXTURE, append_copy, copy_fixture, find, get_cell, read_csv_rows,
                           set_cell, write_csv_rows)

# fixture rows used below (checked in test_fixture_rows_used_here)
ROW_E50101 = 1   # E-50101, NW-1001, F, from 2021-03-01, open
ROW_E50107 = 4   # E-50107, NW-1001, M, 2022-01-10 .. 2025-10-17, voluntary
ROW_E50131 = 14  # E-50131, NW-1004, F, 2020-02-03 .. 2025-09-26, transfer (no later stint)


def _declare(folder: Path, version: str) -> None:
    path = folder / "cohort.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("pilot_days = 90", f"contract_version = {version}\npilot_days = 90"),
                    encoding="utf-8")


def _move_e50101(folder: Path, new_start: str = "2025-10-15", old_end: str = "2025-10-14") -> int:
    """E-50101 moves from NW-1001 to NW-1002: old stint ends ``old_end``, new starts ``new_start``."""
    set_cell(folder, "employees", ROW_E50101, "end_date", old_end)
    set_cell(folder, "employees", ROW_E50101, "exit_type", "transfer")
    return append_copy(folder, "employees", ROW_E50101, leader_id="NW-1002", start_date=new_start,
                       end_date="", exit_type="")


def _warnings(result, column: str) -> list:
    return [w for w in result.warnings if w.file == "employees.csv" and w.column == column]


def test_fixture_rows_used_here() -> None:
    assert get_cell(FIXTURE, "employees", ROW_E50101, "employee_id") == "E-50101"
    assert get_cell(FIXTURE, "employees", ROW_E50101, "end_date") == ""
    assert get_cell(FIXTURE, "employees", ROW_E50107, "exit_type") == "voluntary"
    assert get_cell(FIXTURE, "employees", ROW_E50131, "exit_type") == "transfer"


def test_v1_folder_stays_valid_without_warnings(tmp_path: Path) -> None:
    # absent contract_version and contract_version = "1": the v1 folder reads as before
    assert validate_cohort(FIXTURE).ok and validate_cohort(FIXTURE).warnings == ()
    folder = copy_fixture(tmp_path)
    _declare(folder, '"1"')
    result = validate_cohort(folder)
    assert result.ok and result.warnings == (), result.format()
    assert result.config is not None and result.config.contract_version == "1"


def test_declared_v11_without_moves_warns_only_about_the_transfer_out(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    _declare(folder, "1.1")  # a TOML number is accepted as the version text
    result = validate_cohort(folder)
    assert result.ok, result.format()
    assert result.config is not None and result.config.contract_version == "1.1"
    (w,) = result.warnings
    assert w.column == "exit_type" and w.rows == (ROW_E50131,) and w.values == ("E-50131",)
    assert "moved out of the cohort" in w.rule


def test_unknown_contract_version_is_a_violation(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    _declare(folder, '"2"')
    v = find(validate_cohort(folder), "cohort.toml", "contract_version", "must be one of")
    assert v.values == ("2",)


def test_a_move_is_valid_and_loads_two_stints(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    new = _move_e50101(folder)
    result = validate_cohort(folder)
    assert result.ok, result.format()
    # the only warning: E-50131's transfer has no later stint (now that the folder has team history)
    (w,) = result.warnings
    assert w.rows == (ROW_E50131,) and "moved out of the cohort" in w.rule
    emp = load_cohort(folder).employees
    stints = emp[emp["employee_id"] == "E-50101"].sort_values("start_date")
    assert list(stints["leader_id"]) == ["NW-1001", "NW-1002"]
    assert list(stints["exit_type"].fillna("")) == ["transfer", ""]
    assert new == len(read_csv_rows(FIXTURE / "employees.csv")[1]) + 1


def test_rows_may_come_in_any_order(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    _move_e50101(folder)
    path = folder / "employees.csv"
    header, rows = read_csv_rows(path)
    write_csv_rows(path, header, [rows[-1]] + rows[:-1])  # the new stint first in the file
    assert validate_cohort(folder).ok


@pytest.mark.parametrize("new_start", ["2025-10-14", "2025-10-01", "2021-03-01"])
def test_overlapping_stints_are_a_violation(tmp_path: Path, new_start: str) -> None:
    # the new stint starts on (or before) the old stint's last day 2025-10-14
    folder = copy_fixture(tmp_path)
    new = _move_e50101(folder, new_start=new_start)
    result = validate_cohort(folder)
    v = find(result, "employees.csv", "start_date", "must not overlap")
    assert v.rows == (ROW_E50101, new)
    assert set(v.values) == {"E-50101 from 2021-03-01 to 2025-10-14", f"E-50101 from {new_start} to (open)"}


def test_a_stint_after_an_open_stint_overlaps(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)  # E-50101 is still on NW-1001 (no end_date) ...
    new = append_copy(folder, "employees", ROW_E50101, leader_id="NW-1002", start_date="2025-10-15")
    v = find(validate_cohort(folder), "employees.csv", "start_date", "must not overlap")
    assert v.rows == (ROW_E50101, new)


def test_a_stint_inside_a_long_stint_overlaps(tmp_path: Path) -> None:
    # stints A 2021..2025-10-14, B 2022-01-01..2022-02-01 (inside A), C from 2025-10-15:
    # B overlaps A; C starts after A's end, so C is fine (latest end so far is A's)
    folder = copy_fixture(tmp_path)
    new_c = _move_e50101(folder)
    new_b = append_copy(folder, "employees", ROW_E50101, leader_id="NW-1003", start_date="2022-01-01",
                        end_date="2022-02-01", exit_type="transfer")
    v = find(validate_cohort(folder), "employees.csv", "start_date", "must not overlap")
    assert v.rows == (ROW_E50101, new_b), (new_b, new_c)


def test_transfer_needs_an_end_date(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    set_cell(folder, "employees", ROW_E50101, "exit_type", "transfer")
    result = validate_cohort(folder)
    v = find(result, "employees.csv", "end_date", "a transfer stint must have an end_date")
    assert v.rows == (ROW_E50101,)
    # reported once: not also as "exit_type must be empty when end_date is empty"
    assert not [x for x in result.violations if "must be empty when end_date" in x.rule]


def test_two_rows_under_contract_version_1_are_a_violation(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    _declare(folder, '"1"')
    new = _move_e50101(folder)
    v = find(validate_cohort(folder), "employees.csv", "employee_id", "unique under contract_version")
    assert v.rows == (ROW_E50101, new) and v.values == ("E-50101", "E-50101")


def test_a_stint_after_a_voluntary_exit_is_a_rehire_warning(tmp_path: Path) -> None:
    # decided (data dictionary): a rehire is allowed; the exit stays attrition; a warning says so
    folder = copy_fixture(tmp_path)
    new = append_copy(folder, "employees", ROW_E50107, start_date="2025-12-01", end_date="", exit_type="")
    result = validate_cohort(folder)
    assert result.ok, result.format()
    (w,) = _warnings(result, "start_date")
    assert w.rows == (new,) and w.values == ("E-50107",) and "rehire" in w.rule


def test_group_that_changes_between_stints_is_a_warning(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    new = _move_e50101(folder)
    set_cell(folder, "employees", new, "group", "M")
    result = validate_cohort(folder)
    assert result.ok
    (w,) = _warnings(result, "group")
    assert w.rows == (new,) and w.values == ("E-50101",)


def test_every_stint_problem_at_once(tmp_path: Path) -> None:
    """Overlap, transfer without end_date and v1 uniqueness, together, with the other rules."""
    folder = copy_fixture(tmp_path)
    _declare(folder, '"1"')
    new = _move_e50101(folder, new_start="2025-10-01")           # overlap (and v1 uniqueness)
    set_cell(folder, "employees", 2, "exit_type", "transfer")     # E-50102: transfer, no end_date
    set_cell(folder, "employees", ROW_E50107, "end_date", "2021-12-31")  # end before start
    result = validate_cohort(folder)
    assert find(result, "employees.csv", "start_date", "must not overlap").rows == (ROW_E50101, new)
    assert find(result, "employees.csv", "end_date", "a transfer stint must have").rows == (2,)
    assert find(result, "employees.csv", "employee_id", "unique under contract_version").rows == (
        ROW_E50101, new)
    assert find(result, "employees.csv", "end_date", "on or after start_date").rows == (ROW_E50107,)
    assert result.tables == {}
