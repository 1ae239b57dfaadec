"""WWC balance before and after matching, with the report's small-group suppression.

The matching itself is generic statistics (:mod:`pilot_eval.stats.matching`);
describing the matched sample in a shared table is a step's job, because it
applies the privacy rule (:func:`pilot_eval.privacy.hidden_cells`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pilot_eval.privacy import hidden_cells
from pilot_eval.stats.balance import baseline_balance
from pilot_eval.stats.matching import CALIPER_SD, MIN_MATCHED, _complete, _match, matched_sample


def matched_balance(frame: pd.DataFrame, min_group_size: int, caliper_sd: float = CALIPER_SD) -> pd.DataFrame:
    """WWC balance (Hedges' g / Cox index) before and after matching.

    Variables: tenure, the outcome's baseline value, role and culture levels.
    Role and culture levels follow the suppression of
    :func:`pilot_eval.steps.baseline.balance_table`, applied to both samples at once
    so that one cannot be used to work out the other: a level with fewer than
    ``min_group_size`` leaders in the cohort is left out (name included); a
    level with a hidden arm cell (fewer than ``min_group_size`` distinct
    leaders, or hidden with one) in either sample keeps only its WWC rating
    in both.

    Returns
    -------
    DataFrame
        The columns of :func:`pilot_eval.stats.balance.baseline_balance` plus
        ``sample`` (``before matching`` / ``after matching``) and ``suppressed``.
        When fewer than :data:`MIN_MATCHED` pilot leaders have a match inside
        the caliper there is no matching estimate, and only the
        ``before matching`` rows are returned.
    """
    samples = {"before matching": _complete(frame)}
    _, res = _match(frame, caliper_sd)
    if res.n_matched >= MIN_MATCHED:  # otherwise there is no matched sample to describe
        samples["after matching"] = matched_sample(frame, caliper_sd)
    drop: set[str] = set()
    hide: set[str] = set()
    arms = ["pilot", "comparison"]
    for label, df in samples.items():
        distinct = df.drop_duplicates(["leader_id", "arm"])
        for var in ("role", "culture"):
            counts, hidden = hidden_cells(distinct.assign(**{var: distinct[var].astype("str")}), var, min_group_size)
            hidden = hidden.reindex(columns=arms, fill_value=True)
            if label == "before matching":
                drop |= {f"{var}={lv}" for lv in counts.index[counts["overall"] < min_group_size]}
            hide |= {f"{var}={lv}" for lv in hidden.index[hidden.any(axis=1)]}
    out = []
    for label, df in samples.items():
        df = df.assign(role=df["role"].astype("str"), culture=df["culture"].astype("str"))
        bal = baseline_balance(df, arm="arm", variables=["tenure_years", "baseline", "role", "culture"])
        bal = bal[~bal["variable"].isin(drop)].assign(sample=label, suppressed="")
        rows = bal["variable"].isin(hide)
        bal.loc[rows, ["pilot_mean", "comparison_mean", "smd", "smd_se"]] = np.nan
        bal.loc[rows, "suppressed"] = (f"fewer than {min_group_size} leaders of this group in one arm, before or "
                                       "after matching (or hidden with one): only the WWC rating is shown")
        out.append(bal)
    return pd.concat(out, ignore_index=True)
