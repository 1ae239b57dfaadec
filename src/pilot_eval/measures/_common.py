"""Small helpers shared by the measure modules (label tests, numeric columns, days, windows)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pilot_eval.data.config import CohortConfig
from pilot_eval.data.contract import ARMS
from pilot_eval.data.windows import WINDOWS
from pilot_eval.privacy import suppress_small_groups

__all__ = ["PILOT", "COMPARISON", "is_label", "as_float", "days_since", "window_lengths",
           "window_sort_key", "suppress_small_cells"]

#: The two arms by name, unpacked from the contract's ARMS (requested as data.contract.PILOT /
#: COMPARISON, /work/coord/requests-api.md item 1; then import them from there).
PILOT, COMPARISON = ARMS


def is_label(values: pd.Series, label: str) -> np.ndarray:
    """``values == label`` as a plain bool array, missing values -> False.

    Works for the pandas 3 ``str`` dtype, the nullable ``string`` dtype and object.
    """
    return values.eq(label).to_numpy(dtype=bool, na_value=False)


def as_float(values: pd.Series) -> pd.Series:
    """Numeric column (``Int64`` with ``<NA>``, int or float) as float64 with NaN."""
    return pd.to_numeric(values, errors="coerce").astype("float64")


def days_since(dates: pd.Series, origin: pd.Timestamp) -> np.ndarray:
    """Whole days from ``origin`` as float64 (NaN for missing dates).

    Independent of the datetime resolution (``ns``, ``us``, ...).
    """
    delta = pd.to_datetime(dates) - origin
    return (delta / pd.Timedelta(days=1)).to_numpy(dtype="float64", na_value=np.nan)


def window_lengths(config: CohortConfig) -> dict[str, int]:
    """``{window: days}`` for the windows with a positive length."""
    lengths = {
        "pre": config.pilot_days,
        "pilot": config.pilot_days,
        "follow_up": config.follow_up_days,
    }
    return {w: d for w, d in lengths.items() if d > 0}


def window_sort_key(col: pd.Series) -> pd.Series:
    order = {w: i for i, w in enumerate(WINDOWS)}
    if col.name == "window":
        return col.map(order)
    return col


def suppress_small_cells(
    table: pd.DataFrame, n_column: str, value_columns: list[str], min_n: int, reason: str
) -> pd.DataFrame:
    """:func:`pilot_eval.privacy.suppress_small_groups` keeping the table's dtypes.

    The privacy rule (rows whose ``n_column`` is under ``min_n`` show no value
    and no n; the reason goes to ``suppressed``) applied to a numeric table:
    value columns stay float64 (NaN where hidden), the n column becomes a
    nullable ``Int64`` (``<NA>`` where hidden) and ``suppressed`` is text
    (empty where shown).
    """
    out = suppress_small_groups(table, n_column, min_n, [*value_columns, n_column], reason=reason)
    for col in value_columns:
        out[col] = out[col].astype("float64")
    out[n_column] = out[n_column].astype("Int64")
    out["suppressed"] = out["suppressed"].astype("str")
    return out
