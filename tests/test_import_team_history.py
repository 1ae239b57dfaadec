"""Importing rosters with team moves (issue 14 item 2 and its acceptance).

Reference: round trips.  A generated cohort with planted team moves (contract
v1.1 team history) is exported (1) as an XLSX roster with one row per stint
and (2) as a Workday-style job-history workbook, one row per HR event
("Worker ID", "Manager", "Effective Date", "Reason" = "Hire" / "Lateral Move" /
"Promotion" / "Resignation" ...), imported back through a SPEC written from the
import documentation in data/sample/README.md (the worked examples of "Rosters
with team moves"), and must give the same employees table as the original.
The acceptance then runs the report on the imported cohort (slow).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pilot_eval.data.cohort import load_cohort
from pilot_eval.data.importers import ImportProblems, import_cohort
from pilot_eval.data.importers.history import stints_from_events
from pilot_eval.data.synth import generate_cohort

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "data" / "sample" / "README.md"
OTHER_TABLES = ("leaders", "ratings", "pulse", "observations", "behaviours", "incidents", "sessions")
REASON = {"voluntary": "Resignation", "involuntary": "Termination"}


def _read(cohort: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(cohort / f"{name}.csv", dtype=str, keep_default_na=False)


def _same_table(a: pd.DataFrame, b: pd.DataFrame) -> None:
    a = a.astype("string").fillna("").sort_values(list(a.columns), ignore_index=True)
    b = b[list(a.columns)].astype("string").fillna("").sort_values(list(a.columns), ignore_index=True)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)


def _doc_block(title: str, index: int) -> str:
    """The ``index``-th TOML block after the heading ``title`` of the README's import docs."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index(title):]
    return section.split("```toml\n")[index + 1].split("```")[0]


@pytest.fixture(scope="module")
def moved(tmp_path_factory) -> Path:
    """12 + 12 leaders with 10% of the stints moved (between and within arms)."""
    out = tmp_path_factory.mktemp("moved") / "cohort"
    truth = generate_cohort(out, n_pilot=12, n_comparison=12, seed=21, transfer_share=0.10)
    tm = truth["team_moves"]
    assert tm["n_moves"] >= 10 and 0 < tm["n_between_arms"] < tm["n_moves"]
    return out


def _spec(cohort: Path, employees_section: str, exports: str = "exports") -> str:
    settings = (cohort / "cohort.toml").read_text(encoding="utf-8").replace("[targets]", "[cohort.targets]")
    others = "\n".join(f'[tables.{n}]\nfile = "{exports}/{n}.csv"' for n in OTHER_TABLES)
    return f"[cohort]\n{settings}\n{others}\n\n{employees_section}"


def _copy_others(cohort: Path, ex: Path) -> None:
    ex.mkdir(parents=True, exist_ok=True)
    for name in OTHER_TABLES:
        (ex / f"{name}.csv").write_bytes((cohort / f"{name}.csv").read_bytes())


def job_history(e: pd.DataFrame) -> pd.DataFrame:
    """Stints -> Workday-style job-history rows (one per event, US dates, noise rows)."""
    rows = []
    for worker, stints in e.sort_values(["employee_id", "start_date"]).groupby("employee_id", sort=True):
        stints = stints.reset_index(drop=True)
        for k, s in stints.iterrows():
            if k == 0:
                rows.append((worker, s.leader_id, s.group, s.start_date, "Hire", 0))
            if s.promoted_date:
                rows.append((worker, s.leader_id, s.group, s.promoted_date, "Promotion", 2))
            if s.exit_type == "transfer":
                nxt = stints.iloc[k + 1] if k + 1 < len(stints) else None
                day = (pd.Timestamp(s.end_date) + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
                if nxt is not None:
                    assert nxt.start_date == day  # generator: the new stint starts the next day
                    rows.append((worker, nxt.leader_id, nxt.group, day, "Lateral Move", 1))
                else:
                    rows.append((worker, "", s.group, day, "Transfer Out", 1))
            elif s.exit_type:
                rows.append((worker, s.leader_id, s.group, s.end_date, REASON[s.exit_type], 3))
        rows.append((worker, stints.iloc[0].leader_id, stints.iloc[0].group, stints.iloc[0].start_date,
                     "Pay Rate Change", 4))
    df = pd.DataFrame(rows, columns=["Worker ID", "Manager", "EEO Group", "day", "Reason", "order"])
    df = df.sort_values(["Worker ID", "day", "order"], kind="stable")
    df.insert(3, "Effective Date", pd.to_datetime(df.pop("day")).dt.strftime("%m/%d/%Y"))
    return df.drop(columns="order").assign(**{"Business Process": "Job Change"})


@pytest.fixture(scope="module")
def workday(moved, tmp_path_factory) -> Path:
    """The moved cohort with its roster as a Workday job-history workbook; SPEC from the docs."""
    d = tmp_path_factory.mktemp("workday")
    _copy_others(moved, d / "exports")
    events = job_history(_read(moved, "employees"))
    assert {"Hire", "Lateral Move", "Resignation", "Promotion", "Pay Rate Change"} <= set(events.Reason)
    with pd.ExcelWriter(d / "exports" / "workday_job_history.xlsx") as xl:
        pd.DataFrame({"Note": ["Job history report, run 2026-12-01"]}).to_excel(xl, sheet_name="About",
                                                                               index=False)
        events.to_excel(xl, sheet_name="Job History", index=False)
    # the SPEC section is the documentation's worked example, verbatim
    section = _doc_block("### Rosters with team moves", 1)
    assert 'format = "history"' in section and 'file = "exports/workday_job_history.xlsx"' in section
    (d / "SPEC.toml").write_text(_spec(moved, section), encoding="utf-8")
    return d


def test_stint_roster_xlsx_round_trip(moved, tmp_path) -> None:
    """One row per stint, other column names (the documentation's first example)."""
    e = _read(moved, "employees")
    assert e.employee_id.duplicated().any()
    _copy_others(moved, tmp_path / "exports")
    end_reason = e.exit_type.map({"transfer": "Lateral Move", **REASON}).fillna("")
    pd.DataFrame({"Worker ID": e.employee_id, "Manager": e.leader_id, "From": pd.to_datetime(e.start_date),
                  "To": pd.to_datetime(e.end_date.replace("", None)), "End Reason": end_reason}).to_excel(
        tmp_path / "exports" / "roster_history.xlsx", sheet_name="Stints", index=False)
    section = _doc_block("### Rosters with team moves", 0)
    # this export has no group or promotion columns: both optional, left empty
    (tmp_path / "SPEC.toml").write_text(_spec(moved, section), encoding="utf-8")
    import_cohort(tmp_path / "SPEC.toml", tmp_path / "out")
    _same_table(e.assign(group="", promoted_date=""), _read(tmp_path / "out", "employees"))


def test_workday_job_history_round_trip(moved, workday, tmp_path) -> None:
    out = tmp_path / "imported"
    result = import_cohort(workday / "SPEC.toml", out)
    assert result.rows["employees"] == len(_read(moved, "employees"))
    _same_table(_read(moved, "employees"), _read(out, "employees"))
    for name in OTHER_TABLES:
        _same_table(_read(moved, name), _read(out, name))
    a, b = load_cohort(moved).employees, load_cohort(out).employees
    assert len(a) == len(b) and a["employee_id"].nunique() == b["employee_id"].nunique()


def test_impossible_events_are_listed_with_their_lines(moved, workday, tmp_path) -> None:
    events = pd.read_excel(workday / "exports" / "workday_job_history.xlsx", sheet_name="Job History",
                           dtype=str, engine="openpyxl").fillna("")
    first_hire = events.index[events.Reason == "Hire"][0]
    worker = events.loc[first_hire, "Worker ID"]
    events.loc[first_hire, "Reason"] = "Lateral Move"     # a move before any hire
    events.loc[len(events)] = [worker, "", "", "01/01/2030", "Resignation", "Job Change"]  # after ...
    events.loc[len(events)] = ["W-NEW", "", "", "01/01/2026", "Resignation", "Job Change"]  # no hire
    events.loc[len(events)] = ["W-NEW", "", "", "01/01/2026", "Sabbatical", "Job Change"]  # unmapped
    d = tmp_path / "bad"
    _copy_others(moved, d / "exports")
    with pd.ExcelWriter(d / "exports" / "workday_job_history.xlsx") as xl:
        events.to_excel(xl, sheet_name="Job History", index=False)
    (d / "SPEC.toml").write_text((workday / "SPEC.toml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ImportProblems) as err:
        import_cohort(d / "SPEC.toml", tmp_path / "out")
    text = str(err.value)
    # the unmapped reason is found first (mapping), named with its sheet row; nothing written
    assert "'Sabbatical'" in text and "tables.employees.values.event" in text
    assert not (tmp_path / "out").exists()
    # with the reason mapped, the event problems come, each with its line
    spec = (d / "SPEC.toml").read_text(encoding="utf-8") + '"Sabbatical" = "ignore"\n'
    (d / "SPEC.toml").write_text(spec, encoding="utf-8")
    with pytest.raises(ImportProblems) as err:
        import_cohort(d / "SPEC.toml", tmp_path / "out")
    problems = [p.format() for p in err.value.problems]
    assert any(f"line {first_hire + 2}" in p and "no current team" in p for p in problems), problems
    assert any("'W-NEW'" in p and "no current team" in p for p in problems), problems
    assert not (tmp_path / "out").exists()


def test_stints_from_events_by_hand() -> None:
    """Hand-worked: hire, move, move out, rehire, exit; a same-day move; promotions."""
    ev = [
        # worker, manager, group, date, event
        ("W1", "M1", "A", "2026-01-01", "hire"),
        ("W1", "M1", "", "2026-01-20", "promotion"),
        ("W1", "M2", "", "2026-02-01", "transfer"),      # M1 to 01-31 transfer; M2 from 02-01
        ("W1", "", "", "2026-03-01", "transfer"),        # M2 to 02-28 transfer; out of the cohort
        ("W1", "M3", "", "2026-04-01", "hire"),          # back (a new stint, group carried: A)
        ("W1", "", "", "2026-04-30", "voluntary"),
        ("W2", "M1", "B", "2026-01-05", "hire"),
        ("W2", "M4", "", "2026-01-05", "transfer"),      # moved on the first day: the stint's manager
        ("W2", "M4", "", "2026-02-01", "ignore"),
    ]
    rows = [dict(zip(("employee_id", "leader_id", "group", "date", "event"), e)) for e in ev]
    stints, lines, problems, notes = stints_from_events(rows, list(range(2, 2 + len(rows))), "x.xlsx")
    got = [(s["employee_id"], s["leader_id"], s["group"], s["start_date"], s["end_date"], s["exit_type"],
            s["promoted_date"]) for s in stints]
    assert got == [
        ("W1", "M1", "A", "2026-01-01", "2026-01-31", "transfer", "2026-01-20"),
        ("W1", "M2", "A", "2026-02-01", "2026-02-28", "transfer", ""),
        ("W1", "M3", "A", "2026-04-01", "2026-04-30", "voluntary", ""),
        ("W2", "M4", "B", "2026-01-05", "", "", ""),
    ]
    assert lines == [2, 4, 6, 8] and problems == [] and len(notes) == 1


@pytest.mark.scenario
def test_acceptance_report_runs_on_the_imported_job_history(workday, tmp_path) -> None:
    """Acceptance (issue 14): the Workday-style job history imports and the report runs on it."""
    cohort = tmp_path / "cohort"
    import_cohort(workday / "SPEC.toml", cohort)
    out = tmp_path / "report"
    run = subprocess.run([sys.executable, "-m", "pilot_eval", "report", str(cohort), "--out", str(out)],
                         capture_output=True, text=True, timeout=1500)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    assert (out / "index.html").is_file() and (out / "results" / "scorecard.csv").is_file()
