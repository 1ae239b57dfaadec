"""Validation up front (issue 12, item 3): bounds of every setting and ``-p`` value,
every violation at once (ragged rows, broken codebooks, odd characters), and clear
messages for the usual export problems.

Reference: the data contract's "Bad input" section (every violation at once, with
file, column, row and value, exit 2) and issue 12's list of cases.  The fixture
``tests/fixtures/external_cohort`` is edited with the standard library only (``csv``,
byte strings), independently of the validator; expected rows are counted by hand.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from test_validate import copy_fixture, edit_toml, find, get_cell, read_csv_rows, set_cell, write_csv_rows

from pilot_eval.data.cohort import CohortValidationError, load_cohort
from pilot_eval.data.params import parse_assignments
from pilot_eval.data.validate import OVERRIDES, validate_cohort


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pilot_eval", *args], capture_output=True, text=True,
                          timeout=120)


# ---- bounds of the settings ---------------------------------------------------------------
@pytest.mark.parametrize("old, new, key, fragment", [
    ("pilot_days = 90", "pilot_days = 100000000", "pilot_days", "at most 3650"),
    ("follow_up_days = 90", "follow_up_days = 9999999999", "follow_up_days", "at most 3650"),
    ("pilot_start = 2025-09-01", "pilot_start = 0001-09-01", "pilot_start", "1900 to 2100"),
    ("pilot_start = 2025-09-01", "pilot_start = 9999-09-01", "pilot_start", "1900 to 2100"),
    ("scale_max = 5", "scale_max = 1000", "scale_max", "span at most 100"),
    ("min_group_size = 3", "min_group_size = 1000000", "min_group_size", "at most 10000"),
])
def test_settings_that_cannot_be_computed_are_violations(tmp_path, old, new, key, fragment):
    folder = copy_fixture(tmp_path)
    edit_toml(folder, old, new)
    result = validate_cohort(folder)
    v = find(result, "cohort.toml", key, fragment)
    assert v.values == (new.split(" = ")[1],)
    assert result.config is None


def test_absurd_windows_exit_2_before_any_notebook_listing_all(tmp_path):
    folder = copy_fixture(tmp_path)
    edit_toml(folder, "pilot_days = 90", "pilot_days = 100000000")
    edit_toml(folder, "follow_up_days = 90", "follow_up_days = 9999999999")
    set_cell(folder, "ratings", 5, "score", "9")
    r = _cli("report", str(folder), "--out", str(tmp_path / "out"))
    assert r.returncode == 2, r.stderr
    assert "[1/" not in r.stderr  # refused before any notebook (issue 12: it failed after 30 s, inside one)
    assert "pilot_days" in r.stderr and "follow_up_days" in r.stderr and "'9'" in r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "out").exists()


# ---- -p values -------------------------------------------------------------------------------
def test_bad_parameter_values_are_violations_with_the_cohort(tmp_path):
    folder = copy_fixture(tmp_path)
    set_cell(folder, "ratings", 5, "score", "9")
    params = parse_assignments(["n_boot=-5", "p_adjust_method=bogus",
                                "exclude_behaviours=reflected_feeling;no_such_code", "seed=3"])
    result = validate_cohort(folder, params=params)
    assert find(result, OVERRIDES, "n_boot", "must be in [1, 100000]").values == ("-5",)
    assert find(result, OVERRIDES, "p_adjust_method", "holm, fdr_bh").values == ("bogus",)
    v = find(result, OVERRIDES, "exclude_behaviours", "'no_such_code' is not a behaviour")
    assert "reflected_feeling" in v.rule  # the known codes are listed, this one is fine
    find(result, "ratings.csv", "score", "in [1, 5]")  # and the cohort's own violation
    assert len(result.violations) == 4
    assert validate_cohort(folder, params={"seed": 3, "n_boot": 199}).violations == \
        validate_cohort(folder).violations


def test_exclude_behaviours_needs_a_codebook(tmp_path):
    folder = copy_fixture(tmp_path)
    (folder / "behaviours.csv").unlink()
    (folder / "observations.csv").unlink()
    result = validate_cohort(folder, params={"exclude_behaviours": "reflected_feeling"})
    find(result, OVERRIDES, "exclude_behaviours", "no (readable) behaviours.csv")


def test_report_rejects_bad_parameter_values_before_any_notebook(tmp_path):
    folder = copy_fixture(tmp_path)
    r = _cli("report", str(folder), "--out", str(tmp_path / "out"), "-p", "n_boot=-5",
             "-p", "p_adjust_method=bogus", "-p", "exclude_behaviours=no_such_code")
    assert r.returncode == 2, r.stderr
    for text in ("n_boot", "p_adjust_method", "no_such_code"):
        assert text in r.stderr
    assert "[1/" not in r.stderr  # no notebook started
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cohort"]


# ---- every violation at once -------------------------------------------------------------------
def test_ragged_rows_are_all_named_and_the_rest_is_checked(tmp_path):
    folder = copy_fixture(tmp_path)
    path = folder / "ratings.csv"
    header, rows = read_csv_rows(path)
    rows[2] = rows[2] + ["extra"]        # data row 3: 8 cells
    rows[9] = rows[9][:5]                # data row 10: 5 cells
    rows[20][header.index("score")] = "7"  # and a bad value further down
    write_csv_rows(path, header, rows)
    result = validate_cohort(folder)
    ragged = find(result, "ratings.csv", None, "cells where the header has 7")
    assert ragged.rows == (3, 10)
    assert "line 4, 11" in ragged.rule
    assert find(result, "ratings.csv", "score", "in [1, 5]").rows == (21,)
    # the ragged rows themselves are not reported again by other checks
    assert all(3 not in v.rows and 10 not in v.rows for v in result.violations if v is not ragged)


def test_out_of_range_observation_value_with_invalid_codebook_scale(tmp_path):
    folder = copy_fixture(tmp_path)
    set_cell(folder, "behaviours", 2, "scale", "likert")  # reflected_feeling: invalid scale
    _, obs = read_csv_rows(folder / "observations.csv")
    row = next(i for i, r in enumerate(obs, 1) if r[4] == "reflected_feeling")
    set_cell(folder, "observations", row, "value", "42")
    result = validate_cohort(folder)
    find(result, "behaviours.csv", "scale", "must be one of")
    v = find(result, "observations.csv", "value", "whatever the behaviour's scale")
    assert v.rows == (row,) and v.values == ("42",)


@pytest.mark.parametrize("digit", ["３", "٣"])
def test_non_ascii_digits_are_violations_csv(tmp_path, digit):
    folder = copy_fixture(tmp_path)
    set_cell(folder, "ratings", 4, "score", digit)
    set_cell(folder, "pulse", 2, "score", f"{digit}")
    set_cell(folder, "leaders", 3, "tenure_years", f"1{digit}.5")
    set_cell(folder, "incidents", 1, "date", f"2025-10-0{digit}")
    result = validate_cohort(folder)
    assert find(result, "ratings.csv", "score", "ASCII digits 0-9").rows == (4,)
    assert find(result, "pulse.csv", "score", "ASCII digits 0-9").rows == (2,)
    assert find(result, "leaders.csv", "tenure_years", "ASCII digits 0-9").rows == (3,)
    assert find(result, "incidents.csv", "date", "ASCII digits 0-9").rows == (1,)
    assert len(result.violations) == 4


def test_non_ascii_digits_are_violations_parquet(tmp_path):
    folder = copy_fixture(tmp_path)
    set_cell(folder, "ratings", 4, "score", "３")
    table = pacsv.read_csv(folder / "ratings.csv", convert_options=pacsv.ConvertOptions(
        column_types={c: pa.string() for c in read_csv_rows(folder / "ratings.csv")[0]}))
    (folder / "ratings.csv").unlink()
    pq.write_table(table, folder / "ratings.parquet")
    v = find(validate_cohort(folder), "ratings.parquet", "score", "ASCII digits 0-9")
    assert v.rows == (4,) and v.values == ("３",)


# ---- export problems -------------------------------------------------------------------------
@pytest.mark.parametrize("encoding, expect", [("latin-1", "cp1252"), ("cp1252", "cp1252")])
def test_legacy_encoding_names_line_encoding_and_fix(tmp_path, encoding, expect):
    folder = copy_fixture(tmp_path)
    text = (folder / "leaders.csv").read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    lines[4] = lines[4].replace("Nordics", "Nördics").replace("DACH", "DÄCH")
    (folder / "leaders.csv").write_bytes("".join(lines).encode(encoding))
    v = find(validate_cohort(folder), "leaders.csv", None, "not UTF-8")
    assert "line 5" in v.rule and expect in v.rule and "iconv" in v.rule and "CSV UTF-8" in v.rule


def test_utf16_file_is_named_as_such(tmp_path):
    folder = copy_fixture(tmp_path)
    text = (folder / "leaders.csv").read_text(encoding="utf-8")
    (folder / "leaders.csv").write_bytes(text.encode("utf-16"))
    v = find(validate_cohort(folder), "leaders.csv", None, "UTF-16")
    assert "iconv -f UTF-16 -t UTF-8" in v.rule


def test_semicolon_file_gets_one_delimiter_message(tmp_path):
    folder = copy_fixture(tmp_path)
    header, rows = read_csv_rows(folder / "leaders.csv")
    with (folder / "leaders.csv").open("w", encoding="utf-8", newline="") as fh:
        for r in [header] + rows:
            fh.write(";".join(r) + "\n")
    result = validate_cohort(folder)
    mine = [v for v in result.violations if v.file == "leaders.csv"]
    assert len(mine) == 1 and "semicolon" in mine[0].rule, result.format()


def test_no_raw_parser_error_reaches_the_user(tmp_path):
    folder = copy_fixture(tmp_path)
    with (folder / "sessions.csv").open("a", encoding="utf-8") as fh:
        fh.write('NW-1001,2025-10-01,"practice,55,\n"unclosed,quote,,,,,,\n')
    (folder / "incidents.csv").write_bytes(b"leader_id,date,kind\nNW-1001,2025-10-01,esc\x00alation\n")
    text = validate_cohort(folder).format()
    assert "sessions.csv" in text and "incidents.csv" in text and "NUL byte on line 2" in text
    for raw in ("Error tokenizing", "ParserError", "Expected ", "C error"):
        assert raw not in text


def test_bom_in_cohort_toml_is_accepted(tmp_path):
    folder = copy_fixture(tmp_path)
    toml = (folder / "cohort.toml").read_bytes()
    (folder / "cohort.toml").write_bytes(b"\xef\xbb\xbf" + toml)
    result = validate_cohort(folder)
    assert result.ok, result.format()
    assert result.config.name.startswith("Northwind")


def test_folder_named_like_a_table_is_reported_as_a_folder(tmp_path):
    folder = copy_fixture(tmp_path)
    (folder / "ratings.csv").unlink()
    (folder / "ratings.csv").mkdir()
    result = validate_cohort(folder)
    v = find(result, "ratings.csv", None, "is a folder, not a file")
    assert not any("missing" in x.rule for x in result.violations if x.file == "ratings.csv"), v


def test_near_duplicate_categories_are_a_warning(tmp_path):
    folder = copy_fixture(tmp_path)
    assert get_cell(folder, "leaders", 3, "role") == "manager"
    set_cell(folder, "leaders", 4, "role", "Manager")
    set_cell(folder, "leaders", 5, "role", "manager ")
    result = validate_cohort(folder)
    assert result.ok, result.format()
    (w,) = [w for w in result.warnings if w.column == "role"]
    assert w.file == "leaders.csv" and set(w.values) == {"manager", "Manager", "manager "}
    assert w.rows == tuple(sorted(w.rows)) or len(w.rows) == 3
    assert "warning:" in result.format()
    cohort = load_cohort(folder)  # loads: a warning, not a violation
    assert [x.column for x in cohort.warnings] == ["role"]
    r = _cli("validate", str(folder))
    assert r.returncode == 0 and "Manager" in (r.stdout + r.stderr)


def test_clean_fixture_has_no_warning():
    from test_validate import FIXTURE

    result = validate_cohort(FIXTURE)
    assert result.ok and result.warnings == ()


def test_load_cohort_error_lists_parameter_problems(tmp_path):
    folder = copy_fixture(tmp_path)
    with pytest.raises(CohortValidationError) as err:
        load_cohort(folder, params={"n_boot": 0})
    assert "n_boot" in str(err.value)
