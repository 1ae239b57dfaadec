"""Job-history exports (one row per HR event) turned into employees stints (contract v1.1).

HRIS systems such as Workday export a worker's job history as one row per
event with an effective date: the hire, each move to another manager, each
promotion, the termination.  ``format = "history"`` in a SPEC's
``[tables.employees]`` section reads such an export: its columns map onto
:data:`HISTORY_TABLE` (``employee_id``, ``leader_id``, ``group``, ``date``,
``event``), its event labels onto :data:`HISTORY_EVENTS` (under
``[tables.employees.values.event]``), and :func:`stints_from_events` builds one
employees row per stint:

========================  ==================================================================
event                     effect on the worker's stints
========================  ==================================================================
``hire``                  a stint with ``leader_id`` starts on ``date``
``transfer``              the current stint ends the day before ``date`` with exit_type
                          ``transfer``; a stint with the row's ``leader_id`` starts on
                          ``date`` (no ``leader_id``: moved out of the cohort's teams)
``voluntary``,            the current stint ends on ``date`` (its last day) with that
``involuntary``           exit_type
``promotion``             ``promoted_date`` of the current stint
``ignore``                nothing (pay changes, data corrections, ...)
========================  ==================================================================

A worker's events are read in date order (rows of one date in file order);
an event that cannot happen (a move or an exit with no current stint, a hire
while on a team) is a problem naming its source line.
"""

from __future__ import annotations

import datetime as dt

from pilot_eval.data.importers.spec import HISTORY_EVENTS, HISTORY_TABLE, Problem

__all__ = ["HISTORY_EVENTS", "HISTORY_TABLE", "stints_from_events"]


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def stints_from_events(rows: list[dict[str, str]], lines: list[int], file_text: str,
                       ) -> tuple[list[dict[str, str]], list[int], list[Problem], list[str]]:
    """Employees rows (one per stint) from job-history event rows.

    Parameters
    ----------
    rows, lines
        Event rows as :func:`pilot_eval.data.importers.mapping.map_table` builds them for
        :data:`HISTORY_TABLE` (ISO dates, contract event labels) and their source lines.
    file_text
        The export's path as written in the SPEC (for problem messages).

    Returns
    -------
    rows, lines, problems, notes
        One employees row per stint (the line of the event that opened it), every
        impossible event, and what was assumed.

    Examples
    --------
    >>> ev = [{"employee_id": "W1", "leader_id": "M1", "group": "A", "date": "2026-01-01", "event": "hire"},
    ...       {"employee_id": "W1", "leader_id": "M2", "group": "", "date": "2026-03-01", "event": "transfer"},
    ...       {"employee_id": "W1", "leader_id": "", "group": "", "date": "2026-05-31", "event": "voluntary"}]
    >>> stints, src, problems, _ = stints_from_events(ev, [2, 3, 4], "jobs.xlsx")
    >>> [(s["leader_id"], s["start_date"], s["end_date"], s["exit_type"]) for s in stints]
    [('M1', '2026-01-01', '2026-02-28', 'transfer'), ('M2', '2026-03-01', '2026-05-31', 'voluntary')]
    >>> src, problems
    ([2, 3], [])
    """
    problems: list[Problem] = []
    notes: list[str] = []
    by_worker: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_worker.setdefault(r["employee_id"], []).append(i)
    out: list[tuple[int, dict[str, str]]] = []  # (line, stint)

    def problem(i: int, message: str) -> None:
        problems.append(Problem(f"{file_text}, line {lines[i]}",
                                f"{message} [worker {rows[i]['employee_id']!r}, event {rows[i]['event']!r} "
                                f"on {rows[i]['date']}; SPEC key tables.employees.values.event]"))

    for worker, idx in by_worker.items():
        idx = sorted(idx, key=lambda i: (rows[i]["date"], lines[i]))
        current: dict[str, str] | None = None
        group = ""
        for i in idx:
            r = rows[i]
            event, date = r["event"], r["date"]
            group = r["group"] or group
            if event == "ignore":
                continue
            if event == "hire":
                if current is not None:
                    problem(i, "a hire while the worker is still on a team (no exit before it); "
                               "a move to another manager is event 'transfer'")
                    continue
                if not r["leader_id"]:
                    problem(i, "a hire needs the manager (leader_id)")
                    continue
                current = {"employee_id": worker, "leader_id": r["leader_id"], "group": group,
                           "start_date": date, "end_date": "", "exit_type": "", "promoted_date": ""}
                out.append((lines[i], current))
                continue
            if current is None:
                problem(i, "no current team: the export must hold the worker's hire (or a rehire) "
                           "before this event")
                continue
            if event == "promotion":
                if current["promoted_date"]:
                    notes.append(f"{file_text}, line {lines[i]}: a second promotion of {worker!r} in one stint; "
                                 "the first is kept (the contract has one promoted_date per stint)")
                else:
                    current["promoted_date"] = date
            elif event in ("voluntary", "involuntary"):
                current["end_date"], current["exit_type"] = date, event
                current = None
            elif event == "transfer":
                if date == current["start_date"]:
                    # moved on the first day: the stint simply has the new manager
                    notes.append(f"{file_text}, line {lines[i]}: {worker!r} moved on the day the stint "
                                 "began; read as that stint's manager")
                    if r["leader_id"]:
                        current["leader_id"] = r["leader_id"]
                    continue
                current["end_date"] = (_day(date) - dt.timedelta(days=1)).isoformat()
                current["exit_type"] = "transfer"
                current = None
                if r["leader_id"]:
                    current = {"employee_id": worker, "leader_id": r["leader_id"], "group": group,
                               "start_date": date, "end_date": "", "exit_type": "", "promoted_date": ""}
                    out.append((lines[i], current))
    return [s for _, s in out], [line for line, _ in out], problems, notes
