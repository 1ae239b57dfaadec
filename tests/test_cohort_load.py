"""Loading a cohort: typed tables, overrides, optional tables.

Reference: the cohort data contract v1 (``/work/shared/spec/data-contract.md``)
and the hand-written fixture ``tests/fixtures/external_cohort``; expected
values are read from the fixture's CSV files with the standard library's
``csv`` module, independently of the loader.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pilot_eval.data.cohort import Cohort, CohortValidationError, load_cohort
from pilot_eval.data.config import CohortConfig
from pilot_eval.data.contract import OPTIONAL_TABLES, TABLES
from pilot_eval.data.validate import OVERRIDES

FIXTURE = Path(__file__).parent / "fixtures" / "external_cohort"


def csv_dicts(name: str, folder: Path = FIXTURE) -> list[dict[str, str]]:
    with (folder / f"{name}.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def copy_fixture(tmp_path: Path) -> Path:
    folder = tmp_path / "cohort"
    shutil.copytree(FIXTURE, folder)
    return folder


@pytest.fixture(scope="module")
def cohort() -> Cohort:
    return load_cohort(FIXTURE)


def test_column_dtypes_follow_the_contract(cohort: Cohort) -> None:
    expected = {"str": pd.StringDtype, "int": pd.Int64Dtype}
    for spec in TABLES:
        frame = cohort.tables[spec.name]
        assert list(frame.columns) == list(spec.column_names)
        assert isinstance(frame.index, pd.RangeIndex)
        for col in spec.columns:
            dtype = frame[col.name].dtype
            if col.type in expected:
                assert isinstance(dtype, expected[col.type]), (spec.name, col.name, dtype)
            elif col.type == "float":
                assert dtype == "float64", (spec.name, col.name, dtype)
            else:
                assert dtype == "datetime64[ns]", (spec.name, col.name, dtype)


def test_values_match_the_csv(cohort: Cohort) -> None:
    rows = csv_dicts("ratings")
    scores = cohort.ratings["score"]
    blank = [i for i, r in enumerate(rows) if r["score"] == ""]
    assert len(blank) == 4  # the "don't know" answers of the export
    assert scores.isna().to_numpy().nonzero()[0].tolist() == blank
    filled = [int(r["score"]) for r in rows if r["score"] != ""]
    assert scores.dropna().astype(int).tolist() == filled
    assert cohort.ratings["date"].dt.date.tolist() == [
        dt.date.fromisoformat(r["date"]) for r in rows]
    assert (cohort.ratings["date"] == cohort.ratings["date"].dt.normalize()).all()
    leaders = csv_dicts("leaders")
    tenure = cohort.leaders["tenure_years"].tolist()
    for got, row in zip(tenure, leaders):
        assert (math.isnan(got) if row["tenure_years"] == "" else got == float(row["tenure_years"]))
    employees = cohort.employees
    assert employees["end_date"].notna().sum() == sum(r["end_date"] != "" for r in csv_dicts("employees"))
    assert employees["exit_type"].isna().sum() == sum(r["exit_type"] == "" for r in csv_dicts("employees"))
    assert cohort.leaders["leader_id"].tolist() == [r["leader_id"] for r in leaders]


def test_config_and_files(cohort: Cohort) -> None:
    assert isinstance(cohort.config, CohortConfig)
    assert cohort.config.pilot_start == dt.date(2025, 9, 1)
    assert (cohort.config.scale_min, cohort.config.scale_max) == (1, 5)
    assert cohort.config.targets["hr_incidents_change_pct"] == -25.0
    assert set(cohort.files) == {"cohort"} | {t.name for t in TABLES}
    assert cohort.files["cohort"].name == "cohort.toml"
    assert all(p.is_file() for p in cohort.files.values())
    assert cohort.missing_optional == []
    assert cohort.observations is cohort.tables["observations"]
    assert cohort.sessions is cohort.tables["sessions"]


def test_overrides_are_applied() -> None:
    loaded = load_cohort(FIXTURE, overrides={"min_group_size": 8, "target_leaders_improved_pct": 70,
                                             "follow_up_days": None})
    assert loaded.config.min_group_size == 8
    assert loaded.config.targets["leaders_improved_pct"] == 70.0
    assert loaded.config.follow_up_days == 90  # None is ignored
    assert load_cohort(FIXTURE, overrides={"targets": {"empathy_360_change_pct": 12}}
                       ).config.targets["empathy_360_change_pct"] == 12.0


@pytest.mark.parametrize("overrides, key", [
    ({"min_group_sise": 8}, "min_group_sise"),
    ({"target_nps": 3}, "target_nps"),
    ({"min_group_size": 0}, "min_group_size"),
    ({"pilot_days": "ninety"}, "pilot_days"),
])
def test_bad_overrides_are_violations(overrides: dict, key: str) -> None:
    with pytest.raises(CohortValidationError) as info:
        load_cohort(FIXTURE, overrides=overrides)
    assert [(v.file, v.column) for v in info.value.violations] == [(OVERRIDES, key)]


def test_scale_override_is_validated_against_the_data() -> None:
    """With scale_max overridden to 4, every score of 5 breaks the rule."""
    fives = {name: [i + 1 for i, r in enumerate(csv_dicts(name)) if r["score"] == "5"]
             for name in ("ratings", "pulse")}
    assert fives["ratings"] and fives["pulse"]
    with pytest.raises(CohortValidationError) as info:
        load_cohort(FIXTURE, overrides={"scale_max": 4})
    found = {v.file: v.rows for v in info.value.violations if v.column == "score"}
    assert found == {"ratings.csv": tuple(fives["ratings"]), "pulse.csv": tuple(fives["pulse"])}


def test_missing_optional_tables_are_listed(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    (folder / "incidents.csv").unlink()
    (folder / "sessions.csv").unlink()
    loaded = load_cohort(folder)
    assert loaded.missing_optional == ["incidents", "sessions"]
    assert loaded.incidents is None and loaded.sessions is None
    assert not loaded.has("incidents") and loaded.has("observations")
    assert "incidents" not in loaded.files
    assert set(OPTIONAL_TABLES) == {"observations", "behaviours", "incidents", "sessions"}


def test_no_comparison_leaders_is_valid(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    path = folder / "leaders.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    arm = rows[0].index("arm")
    for row in rows[1:]:
        row[arm] = "pilot"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    loaded = load_cohort(folder)
    assert set(loaded.leaders["arm"]) == {"pilot"}


def test_error_carries_exit_code_and_violations(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    (folder / "cohort.toml").unlink()
    with pytest.raises(CohortValidationError) as info:
        load_cohort(folder)
    err = info.value
    assert isinstance(err, Exception)
    assert err.exit_code == CohortValidationError.exit_code == 2
    assert err.violations[0].file == "cohort.toml"
    assert "cohort.toml" in str(err) and "1 violation " in str(err)
