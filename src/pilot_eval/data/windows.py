"""Assign dates to the contract's windows and 30-day months.

Windows (data contract v1): **pre** = the ``pilot_days`` before ``pilot_start``;
**pilot** = ``[pilot_start, pilot_start + pilot_days)``; **follow_up** = the
``follow_up_days`` after that.  Monthly = 30-day blocks from ``pilot_start``:
month 0 is the pilot's first 30 days, month -1 the 30 days before it.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd

from pilot_eval.data.config import MONTH_DAYS, CohortConfig

WINDOWS: tuple[str, ...] = ("pre", "pilot", "follow_up")


def _days_from_start(dates: pd.Series, config: CohortConfig) -> pd.Series:
    start = pd.Timestamp(config.pilot_start)
    return (pd.to_datetime(dates) - start).dt.days


def window_of(dates: pd.Series, config: CohortConfig) -> pd.Series:
    """Window label of each date: ``pre``, ``pilot``, ``follow_up`` or missing.

    Dates outside all three windows (and missing dates) get ``<NA>``.
    """
    days = _days_from_start(dates, config)
    conditions = [
        (days >= -config.pilot_days) & (days < 0),
        (days >= 0) & (days < config.pilot_days),
        (days >= config.pilot_days) & (days < config.pilot_days + config.follow_up_days),
    ]
    labels = np.select(conditions, list(WINDOWS), default="")
    out = pd.Series(labels, index=dates.index, dtype="string")
    return out.mask(out == "")


def month_of(dates: pd.Series, config: CohortConfig) -> pd.Series:
    """Month index of each date: ``floor(days since pilot_start / 30)``.

    Month 0 starts on ``pilot_start``; negative months are before it.
    Missing dates give ``<NA>`` (nullable ``Int64``).
    """
    days = _days_from_start(dates, config)
    return cast(pd.Series, np.floor_divide(days, MONTH_DAYS).astype("Int64"))


def pilot_months(config: CohortConfig) -> list[int]:
    """Month indices that start inside the pilot window (0, 1, 2 for 90 days)."""
    return list(range(0, -(-config.pilot_days // MONTH_DAYS)))


def pre_months(config: CohortConfig) -> list[int]:
    """Month indices that start inside the pre window (-3, -2, -1 for 90 days)."""
    n = -(-config.pilot_days // MONTH_DAYS)
    return list(range(-n, 0))
