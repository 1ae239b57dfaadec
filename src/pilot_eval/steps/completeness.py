"""The cohort's inventory and completeness (notebook 00, ``results/completeness.csv``).

Every row of the completeness table is one countable expectation:
``expected`` things that should be there, ``observed`` that are, and
``completeness = observed / expected``.  Expectations come from the cohort
itself (the leader list, the rater roster seen across waves, team rosters
from employees, the contract's windows), never from guesses.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pilot_eval.data.cohort import Cohort
from pilot_eval.data.config import MONTH_DAYS, CohortConfig
from pilot_eval.data.contract import OPTIONAL_TABLES, REQUIRED_TABLES, RATER_TYPES, WAVES
from pilot_eval.data.windows import WINDOWS, month_of, pilot_months, pre_months, window_of
from pilot_eval.measures._common import COMPARISON, PILOT
from pilot_eval.measures.stints import members_by_month

COMPLETENESS_COLUMNS = ("table", "measure", "expected", "observed", "completeness")

#: Date column of each table (employees: start_date).
DATE_COLUMNS = {
    "ratings": "date", "observations": "date", "pulse": "date",
    "employees": "start_date", "incidents": "date", "sessions": "date",
}

#: Columns the contract allows to be missing, whose missingness is reported.
NULLABLE_COLUMNS = {
    "leaders": ("tenure_years",),
    "ratings": ("score",),
    "pulse": ("score",),
    "employees": ("group",),
    "sessions": ("score", "feedback_latency_hours"),
}


def _ratio(observed: pd.Series | float, expected: pd.Series | float):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.asarray(expected) > 0, np.asarray(observed, dtype=float) / np.asarray(expected, dtype=float), np.nan)


def inventory(cohort: Cohort) -> pd.DataFrame:
    """One row per contract table: present, required, rows, first and last date."""
    rows = []
    for name in (*REQUIRED_TABLES, *OPTIONAL_TABLES):
        df = cohort.tables.get(name)
        col = DATE_COLUMNS.get(name)
        first = last = pd.NaT
        if df is not None and col is not None and len(df):
            first, last = df[col].min(), df[col].max()
        rows.append({
            "table": name,
            "required": name in REQUIRED_TABLES,
            "present": df is not None,
            "file": cohort.files[name].name if name in cohort.files else "",
            "rows": len(df) if df is not None else 0,
            "first_date": first,
            "last_date": last,
        })
    return pd.DataFrame(rows)


#: Windows in which each dated table is expected to have data (ratings are
#: checked by wave instead: baseline, midpoint, endline).
EXPECTED_WINDOWS = {
    "observations": ("pre", "pilot"),
    "pulse": WINDOWS,
    "incidents": WINDOWS,
    "sessions": ("pilot",),
}


def _window_months(config: CohortConfig) -> dict[str, list[int]]:
    last = (config.pilot_days + config.follow_up_days + MONTH_DAYS - 1) // MONTH_DAYS
    return {
        "pre": pre_months(config),
        "pilot": pilot_months(config),
        "follow_up": list(range(len(pilot_months(config)), last)) if config.follow_up_days > 0 else [],
    }


def date_coverage(cohort: Cohort) -> pd.DataFrame:
    """Months of each window that have at least one dated row, per table.

    Only the windows where a table is expected to have data are checked
    (:data:`EXPECTED_WINDOWS`); the 360 survey is checked by wave.
    Columns: table, window, expected (months in the window, or waves),
    observed (months with data, or waves present), completeness.
    """
    cfg = cohort.config
    months_in = _window_months(cfg)
    rows = []
    if cohort.ratings is not None:
        present = set(cohort.ratings["wave"].astype(str).unique())
        rows.append({"table": "ratings", "window": "waves", "expected": len(WAVES),
                     "observed": len(present & set(WAVES))})
    for name, windows in EXPECTED_WINDOWS.items():
        df = cohort.tables.get(name)
        if df is None:
            continue
        col = DATE_COLUMNS[name]
        mon = month_of(df[col], cfg).dropna().unique()
        seen = set(int(m) for m in mon)
        for w in windows:
            expected = months_in[w]
            if not expected:
                continue
            rows.append({"table": name, "window": w, "expected": len(expected),
                         "observed": len(seen & set(expected))})
    out = pd.DataFrame(rows, columns=["table", "window", "expected", "observed"])
    out["completeness"] = _ratio(out["observed"], out["expected"])
    return out


def rater_roster(ratings: pd.DataFrame) -> pd.DataFrame:
    """Distinct (leader_id, rater_id, rater_type) seen in any wave: the invited raters."""
    return ratings[["leader_id", "rater_id", "rater_type"]].drop_duplicates()


def rating_response_rates(ratings: pd.DataFrame, leaders: pd.DataFrame) -> pd.DataFrame:
    """Response rate of 360 raters by wave and rater type.

    Expected raters are the roster seen across all waves (a rater who answered
    any wave was invited to every wave); for ``self`` every leader is expected.
    Columns: wave, rater_type, expected, observed, completeness.
    """
    roster = rater_roster(ratings)
    expected = roster.groupby("rater_type").size()
    expected["self"] = leaders["leader_id"].nunique()
    responded = (
        ratings[["leader_id", "rater_id", "rater_type", "wave"]].drop_duplicates()
        .groupby(["wave", "rater_type"]).size()
    )
    grid = pd.MultiIndex.from_product([list(WAVES), list(RATER_TYPES)], names=["wave", "rater_type"])
    out = pd.DataFrame(index=grid).reset_index()
    out["expected"] = out["rater_type"].map(expected).fillna(0).astype(int)
    out["observed"] = responded.reindex(grid, fill_value=0).to_numpy()
    out = out[out["expected"] > 0].reset_index(drop=True)
    out["completeness"] = _ratio(out["observed"], out["expected"])
    return out


def raters_per_leader(ratings: pd.DataFrame, leaders: pd.DataFrame) -> pd.DataFrame:
    """Number of responding raters per leader, wave and rater type (0 when none)."""
    counts = (
        ratings[["leader_id", "rater_id", "rater_type", "wave"]].drop_duplicates()
        .groupby(["leader_id", "wave", "rater_type"]).size().rename("n_raters")
    )
    grid = pd.MultiIndex.from_product(
        [leaders["leader_id"].sort_values().unique(), list(WAVES), list(RATER_TYPES)],
        names=["leader_id", "wave", "rater_type"],
    )
    return counts.reindex(grid, fill_value=0).reset_index()


def rater_adequacy(ratings: pd.DataFrame, leaders: pd.DataFrame, config: CohortConfig) -> pd.DataFrame:
    """Leaders with at least ``min_raters_per_category`` peers / direct reports, per wave.

    Columns: wave, rater_type, expected (leaders), observed (leaders with
    enough raters to show the category), completeness, min_raters.
    """
    per = raters_per_leader(ratings, leaders)
    per = per[per["rater_type"].isin(["peer", "direct_report"])]
    per = per.assign(enough=per["n_raters"] >= config.min_raters_per_category)
    out = per.groupby(["wave", "rater_type"], sort=False).agg(
        expected=("leader_id", "size"), observed=("enough", "sum")).reset_index()
    out["observed"] = out["observed"].astype(int)
    out["completeness"] = _ratio(out["observed"], out["expected"])
    out["min_raters"] = config.min_raters_per_category
    return out


def double_coding(observations: pd.DataFrame) -> pd.DataFrame:
    """Sessions coded by two or more observers (the inter-rater sample).

    One row: expected (sessions), observed (double-coded sessions), completeness.
    """
    per = observations.groupby("session_id")["observer_id"].nunique()
    return pd.DataFrame({"expected": [int(per.size)], "observed": [int((per >= 2).sum())]}).assign(
        completeness=lambda d: _ratio(d["observed"], d["expected"]))


def team_roster_by_month(employees: pd.DataFrame, config: CohortConfig, months: list[int]) -> pd.DataFrame:
    """Team members on each leader's roster at any day of each month, each person once.

    An employee who moved teams in the month counts for the new team (data contract v1.1
    team history, :func:`pilot_eval.measures.stints.members_by_month`); on a v1 folder this
    is the number of employee rows on the roster.  Columns: leader_id, month, members.
    """
    return members_by_month(employees, config, months)


def pulse_response_rates(pulse: pd.DataFrame, employees: pd.DataFrame, config: CohortConfig) -> pd.DataFrame:
    """Pulse response rate per month: respondents / team members on the rosters.

    Columns: month, window, expected, observed, completeness.
    """
    month = month_of(pulse["date"], config)
    resp = pd.DataFrame({"respondent_id": pulse["respondent_id"], "month": month}).dropna()
    observed = resp.drop_duplicates().groupby("month").size()
    wm = _window_months(config)
    months = wm["pre"] + wm["pilot"] + wm["follow_up"]
    roster = team_roster_by_month(employees, config, months)
    expected = roster.groupby("month")["members"].sum()
    out = pd.DataFrame({"month": months})
    out["expected"] = out["month"].map(expected).fillna(0).astype(int)
    out["observed"] = out["month"].map(observed).fillna(0).astype(int)
    dates = pd.Series(pd.Timestamp(config.pilot_start) + pd.to_timedelta(out["month"] * 30, unit="D"))
    out.insert(1, "window", window_of(dates, config).astype(object).to_numpy())
    out["completeness"] = _ratio(out["observed"], out["expected"])
    return out


def missingness(cohort: Cohort) -> pd.DataFrame:
    """Non-missing share of each column the contract allows to be empty.

    Columns: table, column, expected (rows), observed (non-missing), completeness.
    """
    rows = []
    for table, cols in NULLABLE_COLUMNS.items():
        df = cohort.tables.get(table)
        if df is None:
            continue
        for col in cols:
            rows.append({"table": table, "column": col, "expected": len(df), "observed": int(df[col].notna().sum())})
    out = pd.DataFrame(rows, columns=["table", "column", "expected", "observed"])
    out["completeness"] = _ratio(out["observed"], out["expected"])
    return out


def completeness_table(cohort: Cohort) -> pd.DataFrame:
    """All completeness checks in the contract's long form (``results/completeness.csv``).

    Columns: table, measure, expected, observed, completeness.  ``measure``
    names the check, e.g. ``table_present``, ``coverage:pilot``,
    ``response_rate:baseline:peer``, ``raters_at_least_3:endline:direct_report``,
    ``double_coded_sessions``, ``pulse_response_rate:month_2``, ``non_missing:score``.
    """
    cfg = cohort.config
    parts: list[pd.DataFrame] = []
    inv = inventory(cohort)
    parts.append(pd.DataFrame({
        "table": inv["table"], "measure": "table_present",
        "expected": 1, "observed": inv["present"].astype(int),
    }))
    cov = date_coverage(cohort)
    parts.append(cov.assign(measure="coverage:" + cov["window"])[["table", "measure", "expected", "observed"]])
    rr = rating_response_rates(cohort.ratings, cohort.leaders)
    parts.append(rr.assign(table="ratings", measure="response_rate:" + rr["wave"] + ":" + rr["rater_type"])
                 [["table", "measure", "expected", "observed"]])
    ad = rater_adequacy(cohort.ratings, cohort.leaders, cfg)
    parts.append(ad.assign(table="ratings",
                           measure=f"raters_at_least_{cfg.min_raters_per_category}:" + ad["wave"] + ":" + ad["rater_type"])
                 [["table", "measure", "expected", "observed"]])
    if cohort.observations is not None:
        dc = double_coding(cohort.observations)
        parts.append(dc.assign(table="observations", measure="double_coded_sessions")[["table", "measure", "expected", "observed"]])
    pr = pulse_response_rates(cohort.pulse, cohort.employees, cfg)
    parts.append(pr.assign(table="pulse", measure="pulse_response_rate:month_" + pr["month"].astype(str))
                 [["table", "measure", "expected", "observed"]])
    mi = missingness(cohort)
    parts.append(mi.assign(measure="non_missing:" + mi["column"])[["table", "measure", "expected", "observed"]])
    out = pd.concat([p for p in parts if len(p)], ignore_index=True)
    out["expected"] = out["expected"].astype(int)
    out["observed"] = out["observed"].astype(int)
    out["completeness"] = _ratio(out["observed"], out["expected"])
    return out[list(COMPLETENESS_COLUMNS)]


def raters_per_leader_distribution(ratings: pd.DataFrame, leaders: pd.DataFrame) -> pd.DataFrame:
    """Leaders by number of responding peers / direct reports, per wave (chart input).

    Columns: rater_type, wave, n_raters, leaders.
    """
    per = raters_per_leader(ratings, leaders)
    per = per[per["rater_type"].isin(["peer", "direct_report"])]
    return per.groupby(["rater_type", "wave", "n_raters"]).size().rename("leaders").reset_index()


def summary_text(cohort: Cohort, table: pd.DataFrame | None = None) -> str:
    """Plain-text headline of the cohort's completeness (stable for nbval)."""
    table = completeness_table(cohort) if table is None else table
    leaders = cohort.leaders
    n_pilot = int((leaders["arm"] == PILOT).sum())
    n_comp = int((leaders["arm"] == COMPARISON).sum())
    lines = [
        f"cohort: {cohort.config.name}",
        f"leaders: {len(leaders)} ({n_pilot} pilot, {n_comp} comparison)",
        "tables present: " + ", ".join(sorted(cohort.tables)),
        "optional tables missing: " + (", ".join(cohort.missing_optional) or "none"),
    ]
    rr = table[table["measure"].str.startswith("response_rate:")]
    if len(rr):
        overall = rr["observed"].sum() / max(rr["expected"].sum(), 1)
        lines.append(f"360 response rate (all waves and rater types): {overall:.1%}")
    dc = table[table["measure"] == "double_coded_sessions"]
    if len(dc):
        lines.append(f"double-coded observation sessions: {int(dc['observed'].iloc[0])} of {int(dc['expected'].iloc[0])}")
    pr = table[table["measure"].str.startswith("pulse_response_rate:")]
    if len(pr):
        lines.append(f"pulse response rate (all months): {pr['observed'].sum() / max(pr['expected'].sum(), 1):.1%}")
    return "\n".join(lines)
