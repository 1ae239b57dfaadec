"""Degenerate but valid cohorts (issue 12, item 2): each one breaks no rule of the
data contract, yet leaves some analysis nothing to estimate.

Every cohort is a small synthetic cohort (:func:`pilot_eval.data.synth.generate_cohort`)
edited with the standard library and pandas only; :data:`CASES` maps a name to
its builder.  Used by ``tests/test_degenerate_cohorts.py``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import pandas as pd


def _read(folder: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)


def _write(frame: pd.DataFrame, folder: Path, table: str) -> None:
    frame.to_csv(folder / f"{table}.csv", index=False, lineterminator="\n")


def _base(folder: Path, n_pilot: int = 6, n_comparison: int = 6, seed: int = 5) -> None:
    from pilot_eval.data.synth import generate_cohort

    generate_cohort(folder, n_pilot=n_pilot, n_comparison=n_comparison, seed=seed, effect=0.4)
    (folder / "truth.json").unlink(missing_ok=True)


def no_incidents(folder: Path) -> None:
    """incidents.csv has its header and no rows."""
    _base(folder)
    frame = _read(folder, "incidents")
    _write(frame.iloc[0:0], folder, "incidents")


def no_exits(folder: Path) -> None:
    """No employee ever leaves (every exit removed; a stint followed by a team move keeps its end)."""
    _base(folder)
    frame = _read(folder, "employees")
    moved = frame.sort_values("start_date").duplicated("employee_id", keep="last").reindex(frame.index)
    frame.loc[~moved, "end_date"] = ""
    frame.loc[~moved, "exit_type"] = ""
    _write(frame, folder, "employees")


def all_scores_equal(folder: Path) -> None:
    """Every 360 rating, pulse answer, observation and session score is the same."""
    _base(folder)
    for table, column, value in (("ratings", "score", "3"), ("pulse", "score", "3"),
                                 ("sessions", "score", "50")):
        frame = _read(folder, table)
        frame[column] = value
        _write(frame, folder, table)
    obs = _read(folder, "observations")
    book = _read(folder, "behaviours").set_index("behaviour")["scale"]
    obs["value"] = ["1" if book[b] == "binary" else "3" for b in obs["behaviour"]]
    _write(obs, folder, "observations")


def one_pilot_one_comparison(folder: Path) -> None:
    """One pilot and one comparison leader."""
    _base(folder, n_pilot=1, n_comparison=1)


def single_org_unit(folder: Path) -> None:
    """Every leader in the same org unit."""
    _base(folder)
    frame = _read(folder, "leaders")
    frame["org_unit"] = "hq"
    _write(frame, folder, "leaders")


def min_group_above_every_team(folder: Path) -> None:
    """min_group_size larger than any team, arm or the whole cohort."""
    _base(folder)
    toml = (folder / "cohort.toml").read_text(encoding="utf-8")
    toml = re.sub(r"(?m)^min_group_size = \d+$", "min_group_size = 500", toml)
    (folder / "cohort.toml").write_text(toml, encoding="utf-8")


CASES: dict[str, Callable[[Path], None]] = {
    f.__name__: f for f in (no_incidents, no_exits, all_scores_equal, one_pilot_one_comparison,
                            single_org_unit, min_group_above_every_team)
}
