"""The decision rule's measured error rates (``decision_oc.csv``, written by the decision benchmark).

``make bench-decision`` runs :func:`pilot_eval.steps.decision.evaluate` on
simulated cohorts with planted truth and writes, per scenario and design
size, the share of cohorts told to scale, iterate or stop (columns
``scenario, n_pilot, n_comparison, n_cohorts, scale, iterate, stop``).  A
copy ships with the package; :func:`error_rate_sentence` quotes it for a
pilot of the cohort's own size on the executive page.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

#: The packaged operating characteristics of the rule.
OC_PATH = Path(__file__).with_name("decision_oc.csv")
OC_COLUMNS = ("scenario", "n_pilot", "n_comparison", "n_cohorts", "scale", "iterate", "stop")


def load_oc(path: str | Path | None = None) -> pd.DataFrame | None:
    """The operating-characteristics table, or None when it is absent or malformed."""
    p = Path(path) if path is not None else OC_PATH
    if not p.is_file():
        return None
    try:
        oc = pd.read_csv(p)
    except (OSError, ValueError, pd.errors.ParserError):
        return None
    if any(c not in oc.columns for c in OC_COLUMNS):
        return None
    return oc


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
