"""Design matrices of the leading-to-lagging models (notebook 04).

Every model of the validation step (partial correlation, count model,
cross-validated predictive validity) adjusts for the same controls: the
leader's role and culture (dummy-coded) and the lagging outcome's pre-window
rate.  :func:`control_design` builds that matrix once, with the same rules
everywhere:

* the reference level of a categorical control is its most frequent level
  (ties: alphabetical), so the dummies are well estimated;
* levels with fewer than ``min_level_size`` leaders in the analysis sample are
  pooled into one ``(other)`` level (a dummy for one or two leaders fits them
  perfectly and destabilises count models); the pooled level only enters the
  model, it is never shown;
* numeric controls are used as given (callers standardise where they need to).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

#: Label of the pooled small levels of a categorical control.
OTHER_LEVEL = "(other)"


def pooled_levels(values: pd.Series, min_level_size: int) -> pd.Series:
    """``values`` as plain strings with levels under ``min_level_size`` rows pooled.

    Parameters
    ----------
    values
        A categorical control (e.g. ``role``) of the analysis sample.
    min_level_size
        Levels with fewer rows are pooled into :data:`OTHER_LEVEL`.  If the
        pooled level itself has fewer rows it is merged into the most frequent
        level, so every level of the result has at least ``min_level_size``
        rows whenever the sample has that many.

    Examples
    --------
    >>> import pandas as pd
    >>> from pilot_eval.stats.design import pooled_levels
    >>> roles = pd.Series(["lead"] * 6 + ["manager"] * 5 + ["director"] * 2)
    >>> pooled_levels(roles, min_level_size=5).value_counts().to_dict()
    {'lead': 8, 'manager': 5}
    """
    text = values.astype("str").to_numpy(dtype=object)
    labels, counts = np.unique(text, return_counts=True)
    small = set(labels[counts < min_level_size].tolist())
    out = np.where(np.isin(text, list(small)), OTHER_LEVEL, text) if small else text
    if small:
        n_other = int((out == OTHER_LEVEL).sum())
        if n_other < min_level_size and n_other < len(out):
            big_labels, big_counts = np.unique(out[out != OTHER_LEVEL], return_counts=True)
            top = big_labels[np.lexsort((big_labels, -big_counts))][0]
            out = np.where(out == OTHER_LEVEL, top, out)
    return pd.Series(out, index=values.index, dtype=object)


def dummy_columns(values: pd.Series, prefix: str) -> tuple[np.ndarray, list[str]]:
    """Treatment-coded dummies of ``values`` (reference: the most frequent level).

    Returns
    -------
    matrix, names
        ``n x (levels - 1)`` float matrix and the column names ``prefix=level``.

    Examples
    --------
    >>> import pandas as pd
    >>> from pilot_eval.stats.design import dummy_columns
    >>> X, names = dummy_columns(pd.Series(["b", "a", "c", "a"]), "role")
    >>> names, X.tolist()
    (['role=b', 'role=c'], [[1.0, 0.0], [0.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    """
    text = values.astype("str").to_numpy(dtype=object)
    labels, counts = np.unique(text, return_counts=True)
    if len(labels) <= 1:
        return np.zeros((len(text), 0)), []
    reference = labels[np.lexsort((labels, -counts))][0]
    keep = [lab for lab in labels.tolist() if lab != reference]
    matrix = (text[:, None] == np.asarray(keep, dtype=object)[None, :]).astype("float64")
    return matrix, [f"{prefix}={lab}" for lab in keep]


def control_design(
    data: pd.DataFrame,
    categorical: Sequence[str] = ("role", "culture"),
    numeric: Sequence[str] = (),
    min_level_size: int = 5,
) -> tuple[np.ndarray, list[str]]:
    """The control columns (without intercept) of the analysis sample.

    Parameters
    ----------
    data
        One row per leader of the analysis sample.
    categorical
        Categorical controls, dummy-coded after pooling small levels
        (:func:`pooled_levels`).
    numeric
        Numeric controls, used as given (must have no missing values).
    min_level_size
        Smallest level kept as its own dummy.

    Returns
    -------
    matrix, names
        ``n x p`` float matrix and column names.

    Examples
    --------
    >>> import pandas as pd
    >>> from pilot_eval.stats.design import control_design
    >>> data = pd.DataFrame({"role": ["a"] * 6 + ["b"] * 6, "culture": ["x", "y"] * 6,
    ...                      "pre_rate": [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]})
    >>> C, names = control_design(data, ("role", "culture"), ("pre_rate",), min_level_size=5)
    >>> names, C.shape
    (['role=b', 'culture=y', 'pre_rate'], (12, 3))
    """
    blocks: list[np.ndarray] = []
    names: list[str] = []
    for col in categorical:
        mat, cols = dummy_columns(pooled_levels(data[col], min_level_size), col)
        blocks.append(mat)
        names += cols
    for col in numeric:
        blocks.append(pd.to_numeric(data[col]).to_numpy(dtype="float64")[:, None])
        names.append(col)
    if not blocks:
        return np.zeros((len(data), 0)), []
    return np.hstack(blocks), names


def standardise(values: np.ndarray) -> np.ndarray:
    """``(values - mean) / sd`` (sample SD); a constant column becomes 0.

    Examples
    --------
    >>> from pilot_eval.stats.design import standardise
    >>> standardise([1.0, 2.0, 3.0]).tolist()
    [-1.0, 0.0, 1.0]
    """
    values = np.asarray(values, dtype="float64")
    sd = values.std(ddof=1) if values.size > 1 else 0.0
    if not np.isfinite(sd) or sd == 0:
        return np.zeros_like(values)
    return (values - values.mean()) / sd
