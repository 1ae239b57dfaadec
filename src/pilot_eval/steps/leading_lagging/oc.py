"""The leading -> lagging rule's measured error rates (``leading_lagging_oc.csv``).

``benchmarks/leading_lagging/run.py`` runs the step's verdict rule on
simulated cohorts from two generator designs with planted truth (the
project's generator and an independent one) and writes, per scenario and
size, the share of cohorts in which a pair was validated: ``measure =
power`` for a planted pulse -> outcome link, ``false_validation`` for the
null training-log indicator (any outcome), ``false_validation_any_null`` for
any pair without a link.  A copy ships with the package;
:func:`error_rate_sentence` quotes it on the step page.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pilot_eval.steps.results import read_packaged_table

#: The packaged operating characteristics of the rule.
OC_PATH = Path(__file__).with_name("leading_lagging_oc.csv")
OC_COLUMNS = ("generator", "scenario", "n_leaders", "n_cohorts", "measure", "leading", "lagging",
              "validated", "mc_se")
_GENERATORS = {"independent": "an independent design", "project": "the project's own generator"}


def load_oc(path: str | Path | None = None) -> pd.DataFrame | None:
    """The operating-characteristics table, or None when it is absent or malformed."""
    return read_packaged_table(path if path is not None else OC_PATH, OC_COLUMNS, nonempty=True)


def _in_100(share: float) -> str:
    v = 100 * float(share)
    return f"{v:.0f}" if v >= 1 or v == 0 else "less than 1"


def error_rate_sentence(n_leaders: int, oc: pd.DataFrame | None = None, path: str | Path | None = None) -> str:
    """Plain sentences on how often the rule errs, for a pilot of about ``n_leaders`` leaders.

    False validation of the null training-log indicator over every simulated
    cohort (and in the project's own simulation), and the power for a planted
    link in the base scenarios at the simulated size nearest ``n_leaders``.

    Examples
    --------
    >>> oc = pd.DataFrame({"generator": ["independent", "independent", "project"],
    ...     "scenario": ["base", "base", "default"], "n_leaders": [150, 150, 150], "n_cohorts": [20, 20, 20],
    ...     "measure": ["power", "false_validation", "false_validation"],
    ...     "leading": ["pulse_change_early", "feedback_within_48h_share", "feedback_within_48h_share"],
    ...     "lagging": ["voluntary_attrition", "any", "any"], "validated": [0.85, 0.0, 0.05],
    ...     "mc_se": [0.08, 0.0, 0.05], "mean_rate_ratio": [0.55, None, None]})
    >>> error_rate_sentence(140, oc)[:99]
    'Measured by simulation on 40 cohorts from two generator designs: a training-log indicator that pred'
    >>> error_rate_sentence(140, oc.iloc[:0])[:47]
    'The rule has not yet been tested by simulation.'
    """
    if oc is None:
        oc = load_oc(path)
    if oc is None or not len(oc):
        return "The rule has not yet been tested by simulation."
    fv = oc[oc["measure"] == "false_validation"]
    parts = []
    if len(fv):
        w = fv["n_cohorts"].to_numpy(dtype=float)
        rate = float(np.sum(fv["validated"].to_numpy(dtype=float) * w) / np.sum(w))
        proj = fv[fv["generator"] == "project"]
        pw = proj["n_cohorts"].to_numpy(dtype=float)
        text = (f"Measured by simulation on {int(w.sum())} cohorts from "
                f"{'two generator designs' if fv['generator'].nunique() > 1 else 'one generator design'}: "
                f"a training-log indicator that predicts nothing was validated in about {_in_100(rate)} in 100 "
                "pilots (the rule allows at most 5)")
        if len(proj):
            prate = float(np.sum(proj["validated"].to_numpy(dtype=float) * pw) / np.sum(pw))
            text += f", {_in_100(prate)} in 100 with the project's own generator"
        parts.append(text + ".")
    pw_rows = oc[(oc["measure"] == "power") & oc["scenario"].isin(["base", "default"])]
    if len(pw_rows):
        sizes = np.unique(pw_rows["n_leaders"].to_numpy(dtype=int))
        near = int(sizes[np.argmin(np.abs(sizes - int(n_leaders)))])
        sel = pw_rows[pw_rows["n_leaders"] == near]
        bits = []
        for gen, g in sel.groupby("generator", sort=False):
            p = float(g["validated"].mean())
            rr = g["mean_rate_ratio"].dropna() if "mean_rate_ratio" in g else pd.Series(dtype=float)
            size = f" (a rate ratio of about {float(np.exp(np.log(rr).mean())):.2f} per standard deviation)" \
                if len(rr) else ""
            bits.append(f"{_in_100(p)} in 100 with {_GENERATORS.get(str(gen), str(gen))}{size}")
        parts.append(f"A planted link between the early pulse change and attrition or HR incidents was "
                     f"validated in {' and '.join(bits)}, in simulated pilots of {near} leaders.")
    return " ".join(parts) if parts else "The rule has not yet been tested by simulation."
