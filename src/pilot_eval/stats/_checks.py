"""Input checks shared by the statistics functions (written once, used everywhere).

* :func:`require_columns` - the named columns exist in a long DataFrame.
* :func:`check_confidence` - a confidence level lies in (0, 1).
* :func:`z_critical` - the two-sided normal critical value of a confidence level.
* :func:`as_float` - a numeric column as float64 with NaN for missing.
* :func:`renamed_arguments` - accept an old keyword for one release, with a
  ``DeprecationWarning`` naming the new one.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any, Callable, TypeVar

import numpy as np
import pandas as pd
from scipy import special

__all__ = ["require_columns", "check_confidence", "z_critical", "as_float", "renamed_arguments"]

F = TypeVar("F", bound=Callable[..., Any])


def require_columns(data: pd.DataFrame, *columns: str) -> None:
    """Raise ``KeyError`` naming the columns of ``columns`` missing from ``data``."""
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise KeyError(f"columns not in data: {missing}")


def check_confidence(confidence: float) -> float:
    """Return ``1 - confidence`` after checking that ``confidence`` is in (0, 1)."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    return 1.0 - confidence


def z_critical(confidence: float) -> float:
    """Two-sided standard normal critical value, ``Phi^-1((1 + confidence) / 2)``.

    ``-ndtri((1 - confidence) / 2)``: what ``scipy.stats.norm.isf`` computes, without
    importing ``scipy.stats``.
    """
    check_confidence(confidence)
    return float(-special.ndtri((1.0 - confidence) / 2.0))


def as_float(series: pd.Series) -> np.ndarray:
    """Numeric column as float64 with NaN for missing (nullable dtypes too)."""
    if series.dtype == np.float64:
        return series.to_numpy()
    return pd.to_numeric(series).to_numpy(dtype=np.float64, na_value=np.nan)


def renamed_arguments(**old_to_new: str) -> Callable[[F], F]:
    """Decorator: keep accepting old keyword names, with a ``DeprecationWarning``.

    ``@renamed_arguments(units="targets")`` lets ``f(units=...)`` work as
    ``f(targets=...)`` for one release; giving both names is a ``TypeError``.
    """

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in old_to_new.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(f"{func.__name__}() got both {old!r} and {new!r}")
                    warnings.warn(
                        f"{func.__name__}({old}=...) is deprecated; use {new}=...",
                        DeprecationWarning,
                        stacklevel=2,
                    )
                    kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
