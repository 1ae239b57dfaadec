"""Step 3: the mixed model over the three 360 waves (``effects.csv`` model ``mixed``).

References
----------
Laird, N. M. & Ware, J. H. (1982). Random-effects models for longitudinal data.
*Biometrics*, 38(4), 963-974.

Patterson, H. D. & Thompson, R. (1971). Recovery of inter-block information when
block sizes are unequal. *Biometrika*, 58(3), 545-554.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import optimize, stats
from statsmodels.regression.mixed_linear_model import MixedLM, MixedLMParams

from pilot_eval.stats.cluster_ols import cluster_indicator, drop_collinear, dummies, numeric_with_indicator

TREATED = "pilot"
#: Name of the effect coefficient in the mixed model.
MIXED_EFFECT = "pilot x wave[endline]"


def _treated(frame: pd.DataFrame) -> np.ndarray:
    return frame["arm"].eq("pilot").to_numpy(dtype=bool, na_value=False)


def mixed_design(panel: pd.DataFrame) -> pd.DataFrame:
    """Fixed-effects design of the mixed model (named columns).

    Intercept, pilot, wave (baseline = reference), pilot x wave, tenure,
    role, culture, role x wave, culture x wave.
    """
    t = _treated(panel).astype("float64")
    wave = dummies(panel["wave"], "wave")  # levels sorted: baseline is the reference
    parts = [pd.DataFrame({"const": np.ones(len(panel)), TREATED: t}, index=panel.index), wave,
             wave.mul(t, axis=0).add_prefix("pilot x ")]
    parts.append(numeric_with_indicator(panel["tenure_years"], "tenure_years"))
    for var in ("role", "culture"):
        d = dummies(panel[var], var)
        parts.append(d)
        for w in wave.columns:
            parts.append(d.mul(wave[w].to_numpy(), axis=0).add_suffix(f" x {w}"))
    X = pd.concat(parts, axis=1)
    design = drop_collinear(X.to_numpy(dtype="float64"), list(X.columns))
    return pd.DataFrame(design.X, columns=list(design.names), index=panel.index)


def _random_intercept_reml_start(y: np.ndarray, X: np.ndarray, groups: np.ndarray) -> MixedLMParams | None:
    """REML estimates of a random-intercept model, as start values for ``MixedLM.fit``.

    With ``H_i = I + g 11'`` the covariance of group ``i`` over the residual
    variance (``g`` = intercept variance / residual variance), ``H_i^-1 = I -
    c_i 11'`` with ``c_i = g / (1 + n_i g)`` and ``log|H_i| = log(1 + n_i g)``,
    so ``X' H^-1 X``, ``X' H^-1 y`` and ``y' H^-1 y`` follow from the group
    sums of ``X`` and ``y`` without a loop over groups.  The REML criterion
    profiled over the residual variance,

        (N - p) log(RSS(g) / (N - p)) + sum_i log(1 + n_i g) + log|X' H^-1 X|,

    is minimised over ``log g`` (bounded Brent).  statsmodels then starts at
    the optimum, so its BFGS stops after one evaluation instead of ten
    (each a loop over all leaders), and the estimate and its SE are those of
    the exact REML optimum.  Returns None (statsmodels' own start) when the
    criterion is not defined (e.g. a perfect fit or a singular design).

    References
    ----------
    Patterson, H. D. & Thompson, R. (1971). Recovery of inter-block
    information when block sizes are unequal. *Biometrika*, 58(3), 545-554.
    """
    codes, uniques = pd.factorize(pd.Series(groups, dtype=object))
    n_groups = len(uniques)
    n_i = np.bincount(codes, minlength=n_groups).astype("float64")
    n, p = X.shape
    xtx, xty, yty = X.T @ X, X.T @ y, float(y @ y)
    S = cluster_indicator(codes.astype(np.int64), n_groups)  # groups x n, sparse
    sx = np.asarray(S @ X)
    sy = np.bincount(codes, weights=y, minlength=n_groups)

    def solve(log_g: float) -> tuple[float, np.ndarray]:
        g = np.exp(log_g)
        c = g / (1.0 + n_i * g)
        a = xtx - sx.T @ (sx * c[:, None])
        b = xty - sx.T @ (c * sy)
        beta = np.linalg.solve(a, b)
        rss = yty - float(np.sum(c * sy ** 2)) - float(beta @ b)
        crit = ((n - p) * np.log(rss / (n - p)) + float(np.sum(np.log1p(n_i * g)))
                + float(np.linalg.slogdet(a)[1]))
        return crit, beta

    try:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            opt = optimize.minimize_scalar(lambda t: solve(t)[0], bounds=(np.log(1e-8), np.log(1e8)),
                                           method="bounded", options={"xatol": 1e-10})
            crit, beta = solve(float(opt.x))
    except np.linalg.LinAlgError:
        return None
    if not (np.isfinite(crit) and np.all(np.isfinite(beta))):
        return None
    return MixedLMParams.from_components(fe_params=beta, cov_re=np.array([[np.exp(float(opt.x))]]))


def mixed_effect(panel: pd.DataFrame, alpha: float = 0.05) -> dict[str, object]:
    """Random-intercept mixed model over the three 360 waves.

    ``score ~ pilot * wave + role * wave + culture * wave + tenure + (1 | leader)``,
    REML (statsmodels ``MixedLM``; the same model as R ``lme4::lmer``).  The
    effect is the pilot x endline interaction: the pilot leaders' extra change
    from baseline to endline, net of role- and culture-specific drift.  Its SE
    is model-based (leader random intercept), not clustered by org unit.

    Parameters
    ----------
    panel
        Output of :func:`pilot_eval.measures.outcome_frames.wave_panel`.
    """
    df = panel[panel["arm"].isin(["pilot", "comparison"]).to_numpy(dtype=bool, na_value=False)]
    df = df.reset_index(drop=True)
    X = mixed_design(df)
    if MIXED_EFFECT not in X.columns:
        raise ValueError("no pilot leader with an endline score: no mixed-model estimate")
    y = df["value"].to_numpy(dtype="float64")
    groups = df["leader_id"].astype(object).to_numpy()
    model = MixedLM(y, X, groups=groups)
    start = _random_intercept_reml_start(y, X.to_numpy(dtype="float64"), groups)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = model.fit(reml=True, start_params=start)
    i = list(X.columns).index(MIXED_EFFECT)
    est, se = float(res.fe_params.iloc[i]), float(res.bse_fe.iloc[i])
    z = stats.norm.ppf(1 - alpha / 2)
    leaders = df.drop_duplicates("leader_id")
    note = "random intercept per leader; role x wave and culture x wave fixed; model-based SE (not clustered)"
    messages = sorted({str(w.message).splitlines()[0] for w in caught})
    if messages or not res.converged:
        note += "; fit warnings: " + " | ".join(messages or ["did not converge"])
    return {"estimate": est, "std_error": se, "ci_low": est - z * se, "ci_high": est + z * se,
            "p_value": float(2 * stats.norm.sf(abs(est / se))) if se > 0 else np.nan,
            "n": len(leaders), "n_pilot": int(leaders["arm"].eq("pilot").sum()),
            "n_comparison": int(leaders["arm"].eq("comparison").sum()), "n_obs": len(df),
            "ci_method": "MixedLM REML, Wald z", "note": note}
