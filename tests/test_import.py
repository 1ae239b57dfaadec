"""``pilot-eval import`` and ``pilot-eval init`` (issue 14).

Reference: round trips. A generated cohort is exported to the shapes real
platforms produce (wide CSV, Qualtrics-style CSV with three header rows, XLSX
roster, semicolon-separated Latin-1 CSV with dd.mm.yyyy dates, JSON lines,
renamed columns and recoded values), imported back through a SPEC, and must
give the same tables as the original (as loaded by ``load_cohort``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pilot_eval.data.cohort import load_cohort
from pilot_eval.data.importers import ImportProblems, import_cohort, write_starter
from pilot_eval.data.importers.readers import detect_delimiter, detect_encoding, read_source

REL = {"self": "Self", "manager": "Manager", "peer": "Peer", "direct_report": "Direct Report"}
ARM = {"pilot": "Pilot", "comparison": "Control"}


def _read(cohort: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(cohort / f"{name}.csv", dtype=str, keep_default_na=False)


def _same_table(a: pd.DataFrame, b: pd.DataFrame) -> None:
    a = a.astype("string").fillna("").sort_values(list(a.columns), ignore_index=True)
    b = b[list(a.columns)].astype("string").fillna("").sort_values(list(a.columns), ignore_index=True)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)


def _settings_toml(cohort: Path) -> str:
    text = (cohort / "cohort.toml").read_text(encoding="utf-8").replace("[targets]", "[cohort.targets]")
    return "[cohort]\n" + text


@pytest.fixture(scope="module")
def exports(tiny_cohort, tmp_path_factory) -> Path:
    """The tiny cohort as platform exports, with a SPEC written from the documentation."""
    d = tmp_path_factory.mktemp("exports")
    ex = d / "exports"
    ex.mkdir()
    # 360: Qualtrics-style wide export, three header rows, dates with times, relationship labels
    r = _read(tiny_cohort, "ratings")
    items = sorted(r["item"].unique())
    wide = r.pivot_table(index=["leader_id", "rater_id", "rater_type", "wave", "date"], columns="item",
                         values="score", aggfunc="first").reset_index()
    wide.columns.name = None
    q = pd.DataFrame({
        "ResponseId": [f"R_{i:05d}" for i in range(len(wide))],
        "StartDate": wide["date"] + " 09:00:00",
        "EndDate": wide["date"] + " 09:14:31",
        "Finished": "True",
        "SubjectID": wide["leader_id"],
        "RaterID": wide["rater_id"],
        "Relationship": wide["rater_type"].map(REL),
        "Wave": wide["wave"].str.title(),
    })
    for k, it in enumerate(items, 1):
        q[f"Q1_{k}"] = wide[it]
    text_row = {c: f"Question text for {c}" for c in q.columns}
    import_row = {c: json.dumps({"ImportId": f"QID_{c}"}) for c in q.columns}
    pd.concat([pd.DataFrame([text_row, import_row]), q]).to_csv(ex / "360.csv", index=False)
    # roster: XLSX, other names, dates as real dates; with team moves (v1.1: one row per stint)
    e = _read(tiny_cohort, "employees")
    assert e["employee_id"].duplicated().any() and (e["exit_type"] == "transfer").any()
    roster = pd.DataFrame({
        "Worker ID": e["employee_id"], "Supervisor": e["leader_id"], "EEO Group": e["group"],
        "Hire Date": pd.to_datetime(e["start_date"]), "Termination Date": pd.to_datetime(e["end_date"]),
        "Termination Type": e["exit_type"].replace({"voluntary": "Resignation", "involuntary": "Dismissal",
                                                    "transfer": "Transfer"}),
        "Promotion Date": pd.to_datetime(e["promoted_date"]),
    })
    roster.to_excel(ex / "roster.xlsx", sheet_name="Workers", index=False)
    # pulse: semicolon, Latin-1, dd.mm.yyyy, a non-ASCII column
    p = _read(tiny_cohort, "pulse")
    pulse = pd.DataFrame({"Führungskraft": p["leader_id"], "Befragte": p["respondent_id"],
                          "Datum": pd.to_datetime(p["date"]).dt.strftime("%d.%m.%Y"),
                          "Frage": p["item"], "Wert": p["score"], "Standort": "Zürich"})
    pulse.to_csv(ex / "pulse.csv", sep=";", index=False, encoding="latin-1")
    # incidents: JSON lines
    inc = _read(tiny_cohort, "incidents")
    with open(ex / "incidents.jsonl", "w", encoding="utf-8") as fh:
        for rec in inc.to_dict("records"):
            fh.write(json.dumps({"manager": rec["leader_id"], "ts": rec["date"] + "T10:00:00Z",
                                 "type": rec["kind"].replace("_", " ").upper()}) + "\n")
    # leaders: other column names and values
    ld = _read(tiny_cohort, "leaders")
    ld.rename(columns={"leader_id": "Leader", "arm": "Group", "org_unit": "Department"}).assign(
        Group=ld["arm"].map(ARM)).to_csv(ex / "leaders_export.csv", index=False)
    # the rest as they are (long format, contract names)
    for name in ("observations", "behaviours", "sessions"):
        (ex / f"{name}.csv").write_bytes((tiny_cohort / f"{name}.csv").read_bytes())
    item_lines = "\n".join(f'{it} = "Q1_{k}"' for k, it in enumerate(items, 1))
    spec = f"""{_settings_toml(tiny_cohort)}
[tables.leaders]
file = "exports/leaders_export.csv"
[tables.leaders.columns]
leader_id = "Leader"
arm = "Group"
org_unit = "Department"
[tables.leaders.values.arm]
"Pilot" = "pilot"
"Control" = "comparison"

[tables.ratings]
file = "exports/360.csv"
format = "qualtrics"
date_format = "%Y-%m-%d %H:%M:%S"
[tables.ratings.columns]
leader_id = "SubjectID"
rater_id = "RaterID"
rater_type = "Relationship"
wave = "Wave"
date = "EndDate"
[tables.ratings.items]
{item_lines}
[tables.ratings.values.rater_type]
"Self" = "self"
"Manager" = "manager"
"Peer" = "peer"
"Direct Report" = "direct_report"
[tables.ratings.values.wave]
"Baseline" = "baseline"
"Midpoint" = "midpoint"
"Endline" = "endline"

[tables.pulse]
file = "exports/pulse.csv"
date_format = "%d.%m.%Y"
[tables.pulse.columns]
leader_id = "Führungskraft"
respondent_id = "Befragte"
date = "Datum"
item = "Frage"
score = "Wert"

[tables.employees]
file = "exports/roster.xlsx"
sheet = "Workers"
[tables.employees.columns]
employee_id = "Worker ID"
leader_id = "Supervisor"
group = "EEO Group"
start_date = "Hire Date"
end_date = "Termination Date"
exit_type = "Termination Type"
promoted_date = "Promotion Date"
[tables.employees.values.exit_type]
"Resignation" = "voluntary"
"Dismissal" = "involuntary"
"Transfer" = "transfer"

[tables.incidents]
file = "exports/incidents.jsonl"
[tables.incidents.columns]
leader_id = "manager"
date = "ts"
kind = "type"
[tables.incidents.values.kind]
"HR INCIDENT" = "hr_incident"
"ESCALATION" = "escalation"

[tables.observations]
file = "exports/observations.csv"
[tables.behaviours]
file = "exports/behaviours.csv"
[tables.sessions]
file = "exports/sessions.csv"
"""
    (d / "SPEC.toml").write_text(spec, encoding="utf-8")
    return d


def test_detection_of_encoding_and_delimiter():
    assert detect_encoding("a;b\nZürich;1\n".encode("latin-1"))[0] == "cp1252"
    assert detect_encoding("a,b\nZürich,1\n".encode("utf-8"))[0] == "utf-8"
    assert detect_encoding("a,b\n".encode("utf-16"))[0] == "utf-16"
    assert detect_delimiter("a;b;c\n1;2;3\n4;5;6\n") == ";"
    assert detect_delimiter("a\tb\n1\t2\n") == "\t"


def test_round_trip_of_every_export_shape(exports, tiny_cohort, tmp_path):
    out = tmp_path / "imported"
    result = import_cohort(exports / "SPEC.toml", out)
    assert any("encoding detected: Windows-1252" in n for n in result.notes)
    assert any("delimiter detected: semicolon" in n for n in result.notes)
    original, imported = load_cohort(tiny_cohort), load_cohort(out)
    for name in ("leaders", "ratings", "pulse", "employees", "incidents", "observations", "behaviours", "sessions"):
        _same_table(_read(tiny_cohort, name), _read(out, name))
        assert len(getattr(original, name)) == len(getattr(imported, name)), name
    assert imported.config.pilot_start == original.config.pilot_start


def test_wide_csv_round_trip(tiny_cohort, tmp_path):
    r = _read(tiny_cohort, "ratings")
    wide = r.pivot_table(index=["leader_id", "rater_id", "rater_type", "wave", "date"], columns="item",
                         values="score", aggfunc="first").reset_index()
    ex = tmp_path / "x"
    ex.mkdir()
    wide.to_csv(ex / "ratings_wide.csv", index=False)
    for name in ("leaders", "pulse", "employees"):
        (ex / f"{name}.csv").write_bytes((tiny_cohort / f"{name}.csv").read_bytes())
    items = "\n".join(f'{it} = "{it}"' for it in sorted(r["item"].unique()))
    (tmp_path / "SPEC.toml").write_text(f"""{_settings_toml(tiny_cohort)}
[tables.leaders]
file = "x/leaders.csv"
[tables.pulse]
file = "x/pulse.csv"
[tables.employees]
file = "x/employees.csv"
[tables.ratings]
file = "x/ratings_wide.csv"
format = "wide"
[tables.ratings.items]
{items}
""", encoding="utf-8")
    import_cohort(tmp_path / "SPEC.toml", tmp_path / "out")
    _same_table(r, _read(tmp_path / "out", "ratings"))


def test_bad_spec_lists_every_problem_and_writes_nothing(exports, tmp_path):
    spec = (exports / "SPEC.toml").read_text(encoding="utf-8")
    spec = spec.replace('rater_id = "RaterID"', 'rater_id = "RaterId"')          # wrong column name
    spec = spec.replace('"Direct Report" = "direct_report"\n', "")               # unmapped value
    spec = spec.replace('date_format = "%d.%m.%Y"', 'date_format = "%Y-%m-%d"')   # wrong date format
    bad = exports / "BAD.toml"
    bad.write_text(spec, encoding="utf-8")
    out = tmp_path / "never"
    proc = subprocess.run([sys.executable, "-m", "pilot_eval", "import", str(bad), "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    err = proc.stderr
    assert "SPEC key tables.ratings.columns.rater_id" in err and "'RaterID'" in err  # with a suggestion
    assert "'Direct Report'" in err and "[tables.ratings.values.rater_type]" in err and "line" in err
    assert "exports/pulse.csv, column 'Datum'" in err and "%Y-%m-%d" in err
    assert "Traceback" not in err
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == []


def test_contract_violation_after_mapping_points_at_source_lines(exports, tmp_path):
    spec = (exports / "SPEC.toml").read_text(encoding="utf-8")
    src = exports / "exports" / "leaders_export.csv"
    df = pd.read_csv(src, dtype=str, keep_default_na=False)
    df.loc[2, "tenure_years"] = "-4"
    broken = exports / "exports" / "leaders_broken.csv"
    df.to_csv(broken, index=False)
    (exports / "BAD2.toml").write_text(spec.replace("leaders_export.csv", "leaders_broken.csv"), encoding="utf-8")
    with pytest.raises(ImportProblems) as info:
        import_cohort(exports / "BAD2.toml", tmp_path / "out")
    text = str(info.value)
    assert "exports/leaders_broken.csv, column 'tenure_years', line 4" in text
    assert not (tmp_path / "out").exists()


def test_pseudonymisation_keeps_links_and_drops_raw_ids(exports, tiny_cohort, tmp_path):
    salt = tmp_path / "secrets" / "salt.txt"
    salt.parent.mkdir()
    out = tmp_path / "pseudo"
    import_cohort(exports / "SPEC.toml", out, salt_file=salt)
    assert salt.exists() and (salt.stat().st_mode & 0o777) == 0o600
    raw_ids = set(_read(tiny_cohort, "employees")["employee_id"]) | set(_read(tiny_cohort, "ratings")["rater_id"])
    text = "".join(p.read_text(encoding="utf-8") for p in out.glob("*.csv"))
    assert not any(f",{i}," in text or text.startswith(i) for i in raw_ids)
    c = load_cohort(out)  # still a valid cohort: foreign keys follow the hashed IDs
    assert len(c.employees) == len(_read(tiny_cohort, "employees"))
    # the same salt gives the same codes (monthly re-imports link up)
    again = tmp_path / "pseudo2"
    import_cohort(exports / "SPEC.toml", again, salt_file=salt)
    assert (again / "employees.csv").read_bytes() == (out / "employees.csv").read_bytes()
    with pytest.raises(ImportProblems, match="inside the cohort folder"):
        import_cohort(exports / "SPEC.toml", tmp_path / "p3", salt_file=tmp_path / "p3" / "salt.txt")


def test_refuses_an_existing_folder_it_did_not_write(exports, tmp_path):
    d = tmp_path / "mine"
    d.mkdir()
    (d / "keep.txt").write_text("x")
    with pytest.raises(ImportProblems, match="did not write"):
        import_cohort(exports / "SPEC.toml", d)
    assert (d / "keep.txt").read_text() == "x"


def test_init_writes_a_starter_that_reads_back(tmp_path):
    written = write_starter(tmp_path / "start")
    names = {p.name for p in written}
    assert {"cohort.toml", "leaders.csv", "cohort-template.xlsx", "SPEC.toml"} <= names
    sheet = read_source(tmp_path / "start" / "cohort-template.xlsx", sheet="leaders")
    assert sheet.header == ["leader_id", "arm", "role", "culture", "org_unit", "tenure_years"]
    readme = read_source(tmp_path / "start" / "cohort-template.xlsx", sheet="README")
    assert len(readme.rows) > 30
    import tomllib

    assert tomllib.loads((tmp_path / "start" / "cohort.toml").read_text())["min_group_size"] == 5
    tomllib.loads((tmp_path / "start" / "SPEC.toml").read_text())
    with pytest.raises(FileExistsError):
        write_starter(tmp_path / "start")
