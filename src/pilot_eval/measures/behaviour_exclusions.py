"""Which behaviours observers code reliably enough to count in behaviour_index.

One definition, used by every notebook that computes ``behaviour_index``:
a behaviour is **unreliable** when Krippendorff's alpha over the double-coded
sessions is below 0.667 (nominal alpha for binary behaviours, ordinal for
1-5 ones).  By default unreliable behaviours are left out of the index
(parameter ``exclude_unreliable``), plus any listed in ``exclude_behaviours``.

References
----------
Krippendorff, K. (2004). *Content Analysis* (2nd ed.), ch. 11.3: alpha >= .800
reliable; .667 <= alpha < .800 tentative conclusions only.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from pilot_eval.data.cohort import Cohort
from pilot_eval.stats.kripp_alpha import krippendorff_alpha, reliability_verdict

#: Fewest double-coded sessions for which alpha is computed at all.
MIN_DOUBLE_CODED = 5


def double_coded(observations: pd.DataFrame) -> pd.DataFrame:
    """Rows of sessions coded by two or more observers (the inter-rater sample)."""
    n_obs = observations.groupby("session_id")["observer_id"].transform("nunique")
    return observations[n_obs >= 2]


def behaviour_alphas(cohort: Cohort) -> pd.DataFrame:
    """Krippendorff's alpha per behaviour on the double-coded sessions.

    Columns: behaviour, scale, level, alpha, n_sessions, verdict ("reliable",
    "tentative", "unreliable", or "insufficient data" under
    :data:`MIN_DOUBLE_CODED` sessions).
    """
    obs, codebook = cohort.observations, cohort.behaviours
    cols = ["behaviour", "scale", "level", "alpha", "n_sessions", "verdict"]
    if obs is None or codebook is None:
        return pd.DataFrame(columns=cols)
    dc = double_coded(obs)
    rows = []
    for code, scale in zip(codebook["behaviour"], codebook["scale"]):  # a handful of behaviours
        sub = dc[dc["behaviour"] == code]
        level: Literal["nominal", "ordinal"] = "nominal" if scale == "binary" else "ordinal"
        n_sessions = int(sub.groupby("session_id")["observer_id"].nunique().ge(2).sum()) if len(sub) else 0
        if n_sessions < MIN_DOUBLE_CODED:
            alpha, verdict = np.nan, "insufficient data"
        else:
            alpha = float(krippendorff_alpha(sub, "session_id", "observer_id", "value", level=level))
            verdict = "insufficient data" if np.isnan(alpha) else str(reliability_verdict(alpha))
        rows.append({"behaviour": str(code), "scale": str(scale), "level": level, "alpha": alpha,
                     "n_sessions": n_sessions, "verdict": verdict})
    return pd.DataFrame(rows, columns=cols)


def excluded_behaviours(
    cohort: Cohort,
    exclude_unreliable: bool = True,
    exclude_behaviours: str | list[str] | tuple[str, ...] = "",
) -> list[str]:
    """Behaviour codes left out of ``behaviour_index`` for this run (sorted).

    Parameters
    ----------
    cohort
        The loaded cohort.
    exclude_unreliable
        Leave out behaviours whose alpha verdict is "unreliable".
    exclude_behaviours
        Codes to leave out in any case: a ``;``-separated string (the notebook
        parameter) or a sequence.
    """
    if isinstance(exclude_behaviours, str):
        listed = {b.strip() for b in exclude_behaviours.split(";") if b.strip()}
    else:
        listed = set(exclude_behaviours)
    if exclude_unreliable:
        alphas = behaviour_alphas(cohort)
        listed |= set(alphas.loc[alphas["verdict"] == "unreliable", "behaviour"])
    return sorted(listed)
