"""Propensity-score matching estimate of the effect on the pilot leaders (ATT).

* :func:`propensity_logit` - logit of the probability of being in the pilot,
  from a logistic regression on role, culture, tenure and the outcome's
  baseline value (scikit-learn, standardised covariates, weak L2 penalty so
  that a role or culture seen in one arm only does not make it diverge).
* :func:`match_att` - one-to-one nearest-neighbour matching on the logit,
  **with replacement**, within a caliper of ``0.2`` standard deviations of the
  logit (Austin 2011); the average treatment effect on the treated with the
  Abadie-Imbens (2006) standard error, optionally with the regression bias
  correction of Abadie & Imbens (2011).
* :func:`matched_effect` - the two together on an outcome frame, as a row of
  ``effects.csv``; :func:`matched_sample` gives the matched sample (its WWC
  balance is computed by the effects step).

The Abadie-Imbens variance of the matching estimator of the ATT with ``M = 1``
match (Abadie & Imbens 2006, Theorem 7; Abadie, Drukker, Herr & Imbens 2004,
eq. 11)::

    V = 1/N1^2 * sum_i [ W_i (Y_i - Yhat_i(0) - tau)^2
                         + (1 - W_i) K(i) (K(i) - 1) sigma^2(X_i) ]

where ``K(i)`` is how often control ``i`` is used as a match and
``sigma^2(X_i) = (Y_i - Y_j)^2 / 2`` with ``j`` the control nearest to ``i``
(matching within the control group, ``J = 1``).  It treats the propensity
score as known; Abadie & Imbens (2016) show that this is conservative for the
ATT only in some designs, so the SE is an approximation (documented in the
notes of the result).  The bootstrap is not used: it is invalid for
nearest-neighbour matching (Abadie & Imbens 2008).

References
----------
Abadie, A. & Imbens, G. W. (2006). Large sample properties of matching
estimators for average treatment effects. *Econometrica*, 74(1), 235-267.

Abadie, A., Drukker, D., Herr, J. L. & Imbens, G. W. (2004). Implementing
matching estimators for average treatment effects in Stata. *Stata Journal*,
4(3), 290-311.

Abadie, A. & Imbens, G. W. (2011). Bias-corrected matching estimators for
average treatment effects. *Journal of Business & Economic Statistics*, 29(1), 1-11.

Abadie, A. & Imbens, G. W. (2008). On the failure of the bootstrap for
matching estimators. *Econometrica*, 76(6), 1537-1557.

Austin, P. C. (2011). Optimal caliper widths for propensity-score matching when
estimating differences in means and differences in proportions in observational
studies. *Pharmaceutical Statistics*, 10(2), 150-161.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.linear_model import LogisticRegression

from pilot_eval.stats._checks import check_confidence
from pilot_eval.stats.cluster_ols import dummies, numeric_with_indicator

#: Caliper in standard deviations of the logit of the propensity score (Austin 2011).
CALIPER_SD = 0.2
#: Inverse L2 penalty of the propensity model (standardised covariates): close to
#: an unpenalised fit, but finite when a group is seen in one arm only.
PS_PENALTY_C = 100.0
#: Fewest matched pilot leaders for a matching estimate.
MIN_MATCHED = 5
#: Propensity model covariates (``baseline`` is the outcome's baseline value).
PS_COVARIATES: tuple[str, ...] = ("role", "culture", "tenure_years", "baseline")


@dataclasses.dataclass(frozen=True)
class MatchResult:
    """Nearest-neighbour matching with replacement on a score.

    Attributes
    ----------
    att, std_error
        Average effect on the matched treated and its Abadie-Imbens SE.
    treated_pos, control_pos
        Positions (into the input arrays) of each matched treated unit and
        its matched control.
    n_treated, n_matched, n_controls_used
        Treated units, treated units with a match inside the caliper, distinct
        controls used.
    caliper
        Caliper on the score scale.
    """

    att: float
    std_error: float
    treated_pos: np.ndarray
    control_pos: np.ndarray
    n_treated: int
    n_matched: int
    n_controls_used: int
    caliper: float


def propensity_logit(frame: pd.DataFrame, covariates: Sequence[str] = PS_COVARIATES) -> np.ndarray:
    """Logit of the estimated probability of being a pilot leader.

    Categorical covariates (role, culture) enter as indicators; numeric ones
    are standardised, missing values by the indicator method.

    Examples
    --------
    >>> import pandas as pd
    >>> from pilot_eval.stats import propensity_logit
    >>> frame = pd.DataFrame({"arm": ["pilot", "pilot", "comparison", "comparison"],
    ...                       "tenure_years": [1.0, 2.0, 6.0, 7.0]})
    >>> logit = propensity_logit(frame, covariates=["tenure_years"])
    >>> bool(logit[0] > 0 > logit[3])
    True
    """
    parts = []
    for c in covariates:
        col = frame[c]
        if pd.api.types.is_numeric_dtype(col):
            parts.append(numeric_with_indicator(col, c))
        else:
            parts.append(dummies(col, c, drop_first=True))
    X = pd.concat(parts, axis=1).to_numpy(dtype="float64") if parts else np.empty((len(frame), 0))
    sd = X.std(axis=0)
    X = (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    treated = frame["arm"].eq("pilot").to_numpy(dtype=bool, na_value=False)
    model = LogisticRegression(C=PS_PENALTY_C, max_iter=5000)
    model.fit(X, treated.astype(int))
    return model.decision_function(X)


def _nearest(sorted_vals: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Position in ``sorted_vals`` of the value nearest to each query (ties: lower)."""
    pos = np.searchsorted(sorted_vals, query)
    left = np.clip(pos - 1, 0, len(sorted_vals) - 1)
    right = np.clip(pos, 0, len(sorted_vals) - 1)
    take_right = np.abs(sorted_vals[right] - query) < np.abs(sorted_vals[left] - query)
    return np.where(take_right, right, left)


def match_att(y: np.ndarray, treated: np.ndarray, score: np.ndarray, caliper: float = np.inf,
              mu0: np.ndarray | None = None) -> MatchResult:
    """ATT by 1:1 nearest-neighbour matching with replacement, Abadie-Imbens SE.

    Parameters
    ----------
    y
        Outcome of every unit.
    treated
        Boolean, True for pilot units.
    score
        Matching score (the logit of the propensity score).
    caliper
        Largest allowed score distance; treated units without a control that
        close are left out (the estimate is then the effect on the matched
        treated).
    mu0
        Optional regression prediction of the untreated outcome for every
        unit.  Each pair difference is then bias-corrected by
        ``mu0[treated] - mu0[control]`` (Abadie & Imbens 2011); the variance
        formula is unchanged, with the conditional variances of the reused
        controls taken from the residuals ``y - mu0``.

    Returns
    -------
    MatchResult

    Examples
    --------
    >>> import numpy as np
    >>> from pilot_eval.stats import match_att
    >>> score = np.array([0.1, 0.4, 0.8, 0.15, 0.35, 0.9, 2.0])
    >>> treated = np.array([True, True, True, False, False, False, False])
    >>> y = np.array([5.0, 6.0, 7.0, 4.0, 5.5, 6.0, 9.0])
    >>> res = match_att(y, treated, score, caliper=0.5)
    >>> round(res.att, 3), res.n_matched, res.control_pos.tolist()
    (0.833, 3, [3, 4, 5])
    """
    y = np.asarray(y, dtype="float64")
    treated = np.asarray(treated, dtype=bool)
    score = np.asarray(score, dtype="float64")
    t_idx, c_idx = np.flatnonzero(treated), np.flatnonzero(~treated)
    if len(t_idx) == 0 or len(c_idx) == 0:
        raise ValueError("matching needs treated and control units")
    order = np.argsort(score[c_idx], kind="stable")
    c_sorted = c_idx[order]
    s_sorted = score[c_sorted]
    match = c_sorted[_nearest(s_sorted, score[t_idx])]
    ok = np.abs(score[match] - score[t_idx]) <= caliper
    t_m, c_m = t_idx[ok], match[ok]
    n1 = len(t_m)
    if n1 == 0:
        return MatchResult(np.nan, np.nan, t_m, c_m, len(t_idx), 0, 0, float(caliper))
    diff = y[t_m] - y[c_m]
    if mu0 is not None:
        mu0 = np.asarray(mu0, dtype="float64")
        diff = diff - (mu0[t_m] - mu0[c_m])
    att = float(diff.mean())
    # K(i): times each control is used; sigma^2 from the nearest other control
    k = np.bincount(c_m, minlength=len(y)).astype("float64")
    used = np.flatnonzero(k > 1)
    sigma2 = np.zeros(len(y))
    if len(used) and len(c_idx) > 1:
        rank = np.full(len(y), -1, dtype=np.int64)
        rank[c_sorted] = np.arange(len(c_sorted))
        r = rank[used]  # sorted position of each control used more than once
        left = np.clip(r - 1, 0, len(c_sorted) - 1)
        right = np.clip(r + 1, 0, len(c_sorted) - 1)
        d_left = np.where(r > 0, np.abs(s_sorted[r] - s_sorted[left]), np.inf)
        d_right = np.where(r < len(c_sorted) - 1, np.abs(s_sorted[right] - s_sorted[r]), np.inf)
        nb = c_sorted[np.where(d_right < d_left, right, left)]
        # with the bias correction, the conditional variance comes from the
        # residuals y - mu0, so that the neighbour's different covariates do not inflate it
        e = y if mu0 is None else y - mu0
        sigma2[used] = 0.5 * (e[used] - e[nb]) ** 2
    var = (np.sum((diff - att) ** 2) + np.sum(k * (k - 1) * sigma2)) / n1 ** 2
    return MatchResult(att, float(np.sqrt(var)), t_m, c_m, len(t_idx), n1,
                       int(np.count_nonzero(k)), float(caliper))


def _complete(frame: pd.DataFrame) -> pd.DataFrame:
    keep = frame["endline"].notna() & frame["baseline"].notna() & frame["arm"].isin(["pilot", "comparison"])
    return frame[keep.to_numpy(dtype=bool, na_value=False)].reset_index(drop=True)


def control_outcome_model(frame: pd.DataFrame, covariates: Sequence[str] = PS_COVARIATES) -> np.ndarray:
    """Prediction of the endline value without training, for every leader.

    OLS of ``endline`` on the propensity covariates fitted on the comparison
    leaders only (the bias-correction regression of Abadie & Imbens 2011).

    Examples
    --------
    The comparison leaders' endline on their baseline, predicted for everyone:

    >>> import pandas as pd
    >>> from pilot_eval.stats.matching import control_outcome_model
    >>> frame = pd.DataFrame({"arm": ["pilot", "comparison", "comparison", "comparison"],
    ...                       "baseline": [3.0, 2.0, 3.0, 4.0], "endline": [9.9, 2.5, 3.5, 4.5]})
    >>> control_outcome_model(frame, covariates=["baseline"]).round(2).tolist()
    [3.5, 2.5, 3.5, 4.5]
    """
    parts = [pd.DataFrame({"const": np.ones(len(frame))}, index=frame.index)]
    for c in covariates:
        col = frame[c]
        parts.append(numeric_with_indicator(col, c) if pd.api.types.is_numeric_dtype(col)
                     else dummies(col, c, drop_first=True))
    X = pd.concat(parts, axis=1).to_numpy(dtype="float64")
    ctrl = ~frame["arm"].eq("pilot").to_numpy(dtype=bool, na_value=False)
    coef = np.linalg.lstsq(X[ctrl], frame.loc[ctrl, "endline"].to_numpy(dtype="float64"), rcond=None)[0]
    return X @ coef


def _match(frame: pd.DataFrame, caliper_sd: float, bias_correct: bool = True) -> tuple[pd.DataFrame, MatchResult]:
    df = _complete(frame)
    logit = propensity_logit(df)
    caliper = caliper_sd * float(np.std(logit, ddof=1))
    treated = df["arm"].eq("pilot").to_numpy(dtype=bool, na_value=False)
    mu0 = control_outcome_model(df) if bias_correct else None
    return df, match_att(df["endline"].to_numpy(dtype="float64"), treated, logit, caliper, mu0)


def matched_effect(frame: pd.DataFrame, caliper_sd: float = CALIPER_SD, alpha: float | None = None,
                   bias_correct: bool = True, *, confidence: float | None = None) -> dict[str, object]:
    """Propensity-score matching ATT on the endline value, as an ``effects.csv`` row.

    Parameters
    ----------
    frame
        One row per leader with ``arm`` (``pilot`` / ``comparison``),
        ``baseline``, ``endline`` and the propensity covariates
        :data:`PS_COVARIATES` (the outcome frames of
        :mod:`pilot_eval.measures.outcome_frames`).
    caliper_sd
        Caliper in SDs of the propensity logit.
    alpha
        Deprecated: ``1 - confidence``, kept positional for the callers of
        pilot-eval 0.1.  Give ``confidence=`` instead (not both).
    bias_correct
        Correct each pair for the remaining covariate difference with the
        regression of :func:`control_outcome_model` (Abadie & Imbens 2011):
        matching on the propensity score balances the covariates only on
        average, and the correction removes most of the noise that pairs
        with different baselines add.
    confidence
        Confidence level of the normal interval ``estimate +- z SE``
        (default 0.95).

    Returns
    -------
    dict
        ``estimate``, ``std_error``, ``ci_low``, ``ci_high``, ``p_value``,
        ``n``, ``n_pilot``, ``n_comparison``, ``ci_method``, ``note``.

    References
    ----------
    Abadie, A. & Imbens, G. W. (2006). Large sample properties of matching
    estimators for average treatment effects. *Econometrica*, 74(1), 235-267.

    Abadie, A. & Imbens, G. W. (2011). Bias-corrected matching estimators for
    average treatment effects. *Journal of Business & Economic Statistics*,
    29(1), 1-11.

    Examples
    --------
    Forty pilot and sixty comparison leaders; the pilot adds 0.5 to the endline:

    >>> import numpy as np
    >>> import pandas as pd
    >>> from pilot_eval.stats import matched_effect
    >>> rng = np.random.default_rng(7)
    >>> n = 100
    >>> frame = pd.DataFrame({
    ...     "arm": ["pilot"] * 40 + ["comparison"] * 60,
    ...     "role": rng.choice(["manager", "director"], n),
    ...     "culture": rng.choice(["north", "south"], n),
    ...     "tenure_years": rng.uniform(1, 10, n),
    ...     "baseline": rng.normal(3.5, 0.5, n),
    ... })
    >>> frame["endline"] = (frame["baseline"] + 0.5 * (frame["arm"] == "pilot")
    ...                     + rng.normal(0, 0.3, n))
    >>> row = matched_effect(frame, confidence=0.95)
    >>> round(row["estimate"], 2), round(row["ci_low"], 2), round(row["ci_high"], 2), row["n_pilot"]
    (0.52, 0.37, 0.66, 39)
    """
    df, res = _match(frame, caliper_sd, bias_correct)
    if res.n_matched < MIN_MATCHED:
        raise ValueError(f"only {res.n_matched} pilot leader(s) have a comparison leader within the caliper "
                         f"(fewer than {MIN_MATCHED}): no matching estimate")
    z = _z_from(alpha, confidence)
    p = float(2 * stats.norm.sf(abs(res.att / res.std_error))) if res.std_error > 0 else np.nan
    dropped = res.n_treated - res.n_matched
    note = (f"1:1 nearest neighbour with replacement on the propensity logit (role, culture, tenure, "
            f"baseline), caliper {caliper_sd:g} SD; {res.n_matched} of {res.n_treated} pilot leaders matched "
            f"to {res.n_controls_used} comparison leaders")
    if dropped:
        note += f"; {dropped} pilot leader(s) without a comparison leader inside the caliper left out"
    if bias_correct:
        note += "; pair differences bias-corrected by a regression on the same covariates (Abadie-Imbens 2011)"
    note += "; Abadie-Imbens SE (propensity score treated as known)"
    return {"estimate": res.att, "std_error": res.std_error,
            "ci_low": res.att - z * res.std_error, "ci_high": res.att + z * res.std_error,
            "p_value": p, "n": res.n_matched + res.n_controls_used,
            "n_pilot": res.n_matched, "n_comparison": res.n_controls_used,
            "ci_method": "Abadie-Imbens SE, normal", "note": note}


def _z_from(alpha: float | None, confidence: float | None) -> float:
    """Normal critical value from ``confidence`` (or the deprecated ``alpha = 1 - confidence``)."""
    if alpha is not None and confidence is not None:
        raise TypeError("give confidence= only (alpha is its deprecated complement)")
    if alpha is not None:
        check_confidence(1.0 - alpha)
        return float(stats.norm.ppf(1 - alpha / 2))
    confidence = 0.95 if confidence is None else confidence
    check_confidence(confidence)
    return float(stats.norm.ppf((1 + confidence) / 2))


def matched_sample(frame: pd.DataFrame, caliper_sd: float = CALIPER_SD) -> pd.DataFrame:
    """The matched sample: matched pilot leaders and their matches (a control
    appears once per pilot leader it is matched to, i.e. with its weight).

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from pilot_eval.stats.matching import matched_sample
    >>> rng = np.random.default_rng(7)
    >>> n = 60
    >>> frame = pd.DataFrame({"arm": ["pilot"] * 20 + ["comparison"] * 40,
    ...                       "role": rng.choice(["a", "b"], n), "culture": rng.choice(["x", "y"], n),
    ...                       "tenure_years": rng.uniform(1, 9, n), "baseline": rng.normal(3, 0.5, n)})
    >>> frame["endline"] = frame["baseline"] + rng.normal(0, 0.3, n)
    >>> sample = matched_sample(frame)
    >>> sample["arm"].value_counts().to_dict()  # 18 of 20 pilot leaders inside the caliper
    {'pilot': 18, 'comparison': 18}
    """
    df, res = _match(frame, caliper_sd)
    return pd.concat([df.iloc[res.treated_pos], df.iloc[res.control_pos]], ignore_index=True)
