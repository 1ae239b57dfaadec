"""The decision rule's measured error rates (``decision_oc.csv``, written by the decision benchmark).

``make bench-decision`` runs :func:`pilot_eval.steps.decision.evaluate` on
simulated cohorts with planted truth and writes, per scenario and design
size, the share of cohorts told to scale, iterate or stop (columns
``scenario, n_pilot, n_comparison, n_cohorts, scale, iterate, stop``).  A
copy ships with the package; :func:`error_rate_sentence` quotes it for a
pilot of the cohort's own size on the executive page.

The interim (monthly) looks have their own table, ``interim_oc.csv``
(``benchmarks/decision/run.py --looks``: the share of simulated pilots stopped
for harm by each look, per method, scenario and size);
:func:`interim_error_rate_sentence` quotes it on the page of an interim look.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pilot_eval.steps.results import read_packaged_table

#: The packaged operating characteristics of the rule.
OC_PATH = Path(__file__).with_name("decision_oc.csv")
OC_COLUMNS = ("scenario", "n_pilot", "n_comparison", "n_cohorts", "scale", "iterate", "stop")


def load_oc(path: str | Path | None = None) -> pd.DataFrame | None:
    """The operating-characteristics table, or None when it is absent or malformed."""
    return read_packaged_table(path if path is not None else OC_PATH, OC_COLUMNS)


def _in_100(share: float) -> str:
    v = 100 * float(share)
    return f"{v:.0f}" if v >= 1 or v == 0 else "less than 1"


def error_rate_sentence(n_pilot: int, n_comparison: int, oc: pd.DataFrame | None = None,
                        path: str | Path | None = None) -> str:
    """A plain sentence on how often the rule errs for a pilot of this size.

    Uses the rows with exactly this ``n_pilot`` and ``n_comparison``: the
    ``no_effect`` scenario's scale share (told to scale by mistake), the
    ``meets_targets`` scenario's stop share and the ``harm`` scenario's scale
    share.  Without such rows it says the error rate has not been measured
    for this design.

    Examples
    --------
    >>> oc = pd.DataFrame({"scenario": ["no_effect", "meets_targets"], "n_pilot": [45, 45],
    ...                    "n_comparison": [60, 60], "n_cohorts": [200, 200], "scale": [0.03, 0.7],
    ...                    "iterate": [0.5, 0.3], "stop": [0.47, 0.0]})
    >>> error_rate_sentence(45, 60, oc)[:94]
    'For a pilot like this one (45 pilot and 60 comparison leaders), the rule says scale by mistake'
    >>> error_rate_sentence(10, 60, oc)[:60]
    'The rule has not yet been tested by simulation for a pilot o'
    """
    if oc is None:
        oc = load_oc(path)
    size = f"{int(n_pilot)} pilot and {int(n_comparison)} comparison leaders"
    if oc is None:
        return (f"The rule has not yet been tested by simulation for a pilot of this size ({size}), "
                "so its error rate for this design is not known.")
    rows = oc[(pd.to_numeric(oc["n_pilot"], errors="coerce") == n_pilot)
              & (pd.to_numeric(oc["n_comparison"], errors="coerce") == n_comparison)]
    by = {str(r["scenario"]): r for _, r in rows.iterrows()}
    null = by.get("no_effect")
    if null is None or not np.isfinite(float(null["scale"])):
        return (f"The rule has not yet been tested by simulation for a pilot of this size ({size}), "
                "so its error rate for this design is not known.")
    text = (f"For a pilot like this one ({size}), the rule says scale by mistake in about "
            f"{_in_100(null['scale'])} in 100 cases where the training does nothing")
    works = by.get("meets_targets")
    if works is not None:
        text += (f", and says stop in about {_in_100(works['stop'])} in 100 cases where the training meets "
                 "its targets")
    harm = by.get("harm")
    if harm is not None:
        text += f"; where it harms a risk outcome, it says scale in about {_in_100(harm['scale'])} in 100"
    n = int(pd.to_numeric(rows["n_cohorts"], errors="coerce").min())
    return text + f" (simulated on {n} or more cohorts per case)."


#: The packaged error rates of the interim looks (``benchmarks/decision/run.py --looks``).
INTERIM_OC_PATH = Path(__file__).with_name("interim_oc.csv")
#: The packaged error rates of the call to adjust the coaching (``looks.py --leading``).
INTERIM_ADJUST_OC_PATH = Path(__file__).with_name("interim_adjust_oc.csv")
INTERIM_OC_COLUMNS = ("method", "scenario", "n_pilot", "n_comparison", "generator", "n_cohorts",
                      "stop_by_look_3", "stop_overall")


def load_interim_oc(path: str | Path | None = None) -> pd.DataFrame | None:
    """The interim looks' operating characteristics (``interim_oc.csv``), or None when absent or malformed."""
    return read_packaged_table(path if path is not None else INTERIM_OC_PATH, INTERIM_OC_COLUMNS)


def _adjust_clause(n_pilot: int, n_comparison: int, path: str | Path | None) -> str:
    """'; the call to adjust ... in about X in 100 ...' from interim_adjust_oc.csv, or '' without rows."""
    p = Path(path) if path is not None else INTERIM_ADJUST_OC_PATH
    if not p.is_file():
        return ""
    try:
        t = pd.read_csv(p)
        row = t[(t["method"] == "spending_pocock") & (t["scenario"] == "no_effect") & (t["generator"] == "pooled")
                & (pd.to_numeric(t["n_pilot"], errors="coerce") == n_pilot)
                & (pd.to_numeric(t["n_comparison"], errors="coerce") == n_comparison)]
        if not len(row) or not np.isfinite(float(row["adjust_overall"].iloc[0])):
            return ""
        return (f"; the call to adjust the coaching was made by mistake in about "
                f"{_in_100(float(row['adjust_overall'].iloc[0]))} in 100 cases where the leading indicators "
                "were on target")
    except (OSError, ValueError, KeyError, pd.errors.ParserError):
        return ""


def interim_error_rate_sentence(n_pilot: int, n_comparison: int, oc: pd.DataFrame | None = None,
                                path: str | Path | None = None, adjust_path: str | Path | None = None) -> str:
    """A plain sentence on how often the monthly looks stop for harm by mistake, for a pilot of this size.

    Uses the pooled rows (``generator == "pooled"``) with exactly this
    ``n_pilot`` and ``n_comparison``: the project's rule (``spending_obf``)
    in the ``no_effect`` scenario (a false stop for harm over the three
    monthly looks and the final analysis together), the same for looking
    monthly at 5 % without allowing for it (``naive``), the final analysis alone
    (``final_only``, when present), and the ``harm``
    scenario's share stopped by the pilot's end and overall; then, from
    ``interim_adjust_oc.csv``, how often the call to adjust the coaching was
    made when the leading indicators were on target.  Without such rows it
    says the error rates have not been measured for this design.

    Examples
    --------
    >>> oc = pd.DataFrame({"method": ["spending_obf", "naive", "spending_obf"],
    ...     "scenario": ["no_effect", "no_effect", "harm"], "n_pilot": 45, "n_comparison": 60,
    ...     "generator": "pooled", "n_cohorts": 90, "stop_by_look_3": [0.0, 0.08, 0.02],
    ...     "stop_overall": [0.03, 0.11, 0.6]})
    >>> interim_error_rate_sentence(45, 60, oc)[:88]
    'For a pilot like this one (45 pilot and 60 comparison leaders), a training that does no '
    >>> interim_error_rate_sentence(10, 60, oc)[:66]
    'The monthly looks have not yet been tested by simulation for a pil'
    """
    if oc is None:
        oc = load_interim_oc(path)
    size = f"{int(n_pilot)} pilot and {int(n_comparison)} comparison leaders"
    missing = (f"The monthly looks have not yet been tested by simulation for a pilot of this size ({size}), "
               "so their error rates for this design are not known.")
    if oc is None:
        return missing
    rows = oc[(pd.to_numeric(oc["n_pilot"], errors="coerce") == n_pilot)
              & (pd.to_numeric(oc["n_comparison"], errors="coerce") == n_comparison)
              & (oc["generator"].astype(str) == "pooled")]
    by = {(str(r["method"]), str(r["scenario"])): r for _, r in rows.iterrows()}
    null = by.get(("spending_obf", "no_effect"))
    if null is None or not np.isfinite(float(null["stop_overall"])):
        return missing
    text = (f"For a pilot like this one ({size}), a training that does no harm was stopped for harm by mistake "
            f"in about {_in_100(null['stop_overall'])} in 100 simulated cases over the three monthly looks and the "
            "final analysis together")
    final = by.get(("final_only", "no_effect"))
    naive = by.get(("naive", "no_effect"))
    if final is not None:
        text += f" (the final analysis alone: about {_in_100(final['stop_overall'])} in 100"
        text += (f"; looking every month at the usual 5% level, without allowing for the repeated looks: about "
                 f"{_in_100(naive['stop_overall'])} in 100)" if naive is not None else ")")
    elif naive is not None:
        text += (f" (looking every month at the usual 5% level, without allowing for the repeated looks, would "
                 f"give about {_in_100(naive['stop_overall'])} in 100)")
    harm = by.get(("spending_obf", "harm"))
    if harm is not None:
        text += (f"; where the training doubles HR incidents, the monthly looks stopped it by the pilot's end in "
                 f"about {_in_100(harm['stop_by_look_3'])} in 100 cases, and the looks and the final analysis "
                 f"together in about {_in_100(harm['stop_overall'])} in 100")
    n = int(pd.to_numeric(rows["n_cohorts"], errors="coerce").min())
    if path is None or adjust_path is not None:  # the packaged tables, or an explicit adjust table
        text += _adjust_clause(n_pilot, n_comparison, adjust_path)
    return text + f" (simulated on {n} or more cohorts per case)."
