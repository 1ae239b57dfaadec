"""Step 3: effect estimates with role and culture controls (notebook 03).

Pilot leaders are rarely a random sample, and rating styles differ by role and
culture.  For every outcome (the measures of :mod:`pilot_eval.measures.scores`,
arranged by :mod:`pilot_eval.measures.outcome_frames`) this module estimates the
training effect several ways, so a reviewer can see what the controls change:

==========  ===================================================================
model       what it is
==========  ===================================================================
naive       endline mean of pilot leaders minus that of comparison leaders
            (Welch t interval); no controls
prepost     pilot leaders' mean within-leader change (paired t); the only
            estimate without a comparison group, and **not causal**
ancova      ``endline ~ baseline + pilot + role + culture + tenure (+ covariates)``,
            OLS, cluster-robust by org unit; with < 30 org units the p-value
            and CI come from the restricted wild cluster bootstrap
mixed       360 waves in long form: ``pilot x wave`` with a random intercept per
            leader, role x wave and culture x wave fixed (statsmodels MixedLM,
            REML); the effect is the pilot x endline interaction
did         two-way fixed-effects difference-in-differences on monthly team
            outcomes (:mod:`pilot_eval.steps.effects.did`)
matched     propensity-score matching ATT (:mod:`pilot_eval.stats.matching`)
==========  ===================================================================

:func:`estimate_effects` runs all of them and returns the rows of
``results/effects.csv``; :func:`adjustment_text` says in plain words what
adjusting for role and culture changed.

References
----------
Cameron, A. C. & Miller, D. L. (2015). A practitioner's guide to cluster-robust
inference. *Journal of Human Resources*, 50(2), 317-372.

Van Breukelen, G. J. P. (2006). ANCOVA versus change from baseline had more power
in randomized studies and more bias in nonrandomized studies. *Journal of
Clinical Epidemiology*, 59(9), 920-925.

Laird, N. M. & Ware, J. H. (1982). Random-effects models for longitudinal data.
*Biometrics*, 38(4), 963-974.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import optimize, stats
from statsmodels.regression.mixed_linear_model import MixedLMParams

from pilot_eval.steps import baseline as baseline_step
from pilot_eval.stats.cluster_bootstrap import MIN_CLUSTERS, cluster_inference
from pilot_eval.stats.cluster_ols import Design, cluster_indicator, drop_collinear, dummies, numeric_with_indicator
from pilot_eval.data.cohort import Cohort
from pilot_eval.measures.outcome_frames import MONTHLY_OUTCOMES, OUTCOMES, outcome_frames, monthly_panel, wave_panel
from pilot_eval.steps.effects.did import did_effect
from pilot_eval.stats.matching import CALIPER_SD, matched_effect

#: Models of effects.csv, in display order.
MODELS: tuple[str, ...] = ("naive", "prepost", "ancova", "mixed", "did", "matched")
#: Columns of results/effects.csv (contract columns first).
EFFECT_COLUMNS: tuple[str, ...] = (
    "outcome", "model", "estimate", "std_error", "ci_low", "ci_high", "p_value", "n",
    "n_pilot", "n_comparison", "n_clusters", "ci_method", "period", "causal", "note",
)
TREATED = "pilot"
#: Name of the effect coefficient in the mixed model.
MIXED_EFFECT = "pilot x wave[endline]"
#: Fewest leaders per arm for a between-arm estimate.
MIN_PER_ARM = 2
#: An ANCOVA keeps its extra covariates only with at least this many residual degrees of freedom.
MIN_RESIDUAL_DF = 10
NOT_CAUSAL = ("within-leader change of pilot leaders only: not a causal estimate (it also contains "
              "time trends and rating drift that would have happened without training)")


def _treated(frame: pd.DataFrame) -> np.ndarray:
    return frame["arm"].eq("pilot").to_numpy(dtype=bool, na_value=False)


def complete_cases(frame: pd.DataFrame, cols: Sequence[str]) -> pd.DataFrame:
    """Rows of pilot or comparison leaders with every column of ``cols`` present."""
    keep = frame[list(cols)].notna().all(axis=1) & frame["arm"].isin(["pilot", "comparison"])
    return frame[keep.to_numpy(dtype=bool, na_value=False)].reset_index(drop=True)


# ---------------------------------------------------------------------------
# naive and pre/post
# ---------------------------------------------------------------------------
def naive_difference(frame: pd.DataFrame, alpha: float = 0.05) -> dict[str, object]:
    """Endline mean of pilot minus comparison leaders, Welch t interval and test.

    Parameters
    ----------
    frame
        Output of :func:`pilot_eval.measures.outcome_frames.outcome_frame`.
    """
    df = complete_cases(frame, ["endline"])
    t = _treated(df)
    a, b = df.loc[t, "endline"].to_numpy(), df.loc[~t, "endline"].to_numpy()
    diff = float(a.mean() - b.mean())
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = float(np.sqrt(va + vb))
    dof = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1)) if se > 0 else np.nan
    crit = stats.t.ppf(1 - alpha / 2, dof) if se > 0 else np.nan
    p = float(2 * stats.t.sf(abs(diff / se), dof)) if se > 0 else np.nan
    return {"estimate": diff, "std_error": se, "ci_low": diff - crit * se, "ci_high": diff + crit * se,
            "p_value": p, "n": len(df), "n_pilot": len(a), "n_comparison": len(b),
            "ci_method": "Welch t", "note": "no controls: includes any difference in who was in the pilot "
                                             "(role, culture, rating style)"}


def prepost_change(frame: pd.DataFrame, alpha: float = 0.05) -> dict[str, object]:
    """Pilot leaders' mean within-leader change (endline - baseline), paired t."""
    df = complete_cases(frame, ["baseline", "endline"])
    d = (df.loc[_treated(df), "endline"] - df.loc[_treated(df), "baseline"]).to_numpy()
    n = len(d)
    est = float(d.mean()) if n else np.nan
    se = float(d.std(ddof=1) / np.sqrt(n)) if n > 1 else np.nan
    crit = stats.t.ppf(1 - alpha / 2, n - 1) if n > 1 else np.nan
    p = float(2 * stats.t.sf(abs(est / se), n - 1)) if n > 1 and se > 0 else np.nan
    return {"estimate": est, "std_error": se, "ci_low": est - crit * se, "ci_high": est + crit * se,
            "p_value": p, "n": n, "n_pilot": n, "n_comparison": 0, "ci_method": "paired t",
            "note": NOT_CAUSAL}


# ---------------------------------------------------------------------------
# ANCOVA
# ---------------------------------------------------------------------------
def ancova_design(frame: pd.DataFrame, covariates: Sequence[str] = (), treated: np.ndarray | None = None,
                  by: str | None = None) -> Design:
    """Design matrix of the ANCOVA: intercept, pilot, baseline, tenure, covariates, role, culture.

    Parameters
    ----------
    frame
        Complete cases of an outcome frame (``baseline`` present).
    covariates
        Extra numeric leader covariates (columns of ``frame``); missing values
        by the indicator method, like tenure.
    treated
        Treatment indicator to use instead of the frame's arm (the
        permutation check passes permuted arms).
    by
        If given (``role`` or ``culture``), the single ``pilot`` column is
        replaced by one ``pilot x by[level]`` column per level, whose
        coefficients are the effects within each level.
    """
    t = _treated(frame) if treated is None else np.asarray(treated)
    cols: dict[str, np.ndarray] = {"const": np.ones(len(frame))}
    if by is None:
        cols[TREATED] = t.astype("float64")
    else:
        levels = sorted(frame[by].astype("str").unique())
        for lv in levels:
            cols[f"pilot x {by}[{lv}]"] = t * frame[by].astype("str").eq(lv).to_numpy(dtype="float64")
    parts = [pd.DataFrame(cols, index=frame.index), numeric_with_indicator(frame["baseline"], "baseline")]
    for c in ("tenure_years", *covariates):
        if c in frame.columns and c not in ("baseline",):
            parts.append(numeric_with_indicator(frame[c], c))
    parts += [dummies(frame["role"], "role"), dummies(frame["culture"], "culture")]
    X = pd.concat(parts, axis=1)
    X = X.loc[:, ~X.columns.duplicated()]
    return drop_collinear(X.to_numpy(dtype="float64"), list(X.columns))


def ancova_model_design(df: pd.DataFrame, covariates: Sequence[str] = (), by: str | None = None,
                        treated: np.ndarray | None = None) -> tuple[Design, list[str], str]:
    """The ANCOVA design actually fitted, with the extra-covariate rule applied.

    Extra covariates are kept only when they leave at least
    :data:`MIN_RESIDUAL_DF` residual degrees of freedom; otherwise the model
    falls back to baseline, tenure, role and culture.  Used by the ANCOVA, the
    heterogeneity model and the permutation check, so all three fit the same
    model.

    Returns
    -------
    design, covariates used, note
    """
    covariates = [c for c in covariates if c in df.columns]
    design = ancova_design(df, covariates, treated=treated, by=by)
    if covariates and len(df) - design.X.shape[1] < MIN_RESIDUAL_DF:
        return (ancova_design(df, (), treated=treated, by=by), [],
                f"too few leaders to also adjust for {', '.join(c.removeprefix('pre_') for c in covariates)}: "
                "left out")
    note = ("also adjusted for " + ", ".join(c.removeprefix("pre_") for c in covariates)
            + " (baseline imbalance)") if covariates else ""
    return design, covariates, note


def ancova_effect(
    frame: pd.DataFrame,
    covariates: Sequence[str] = (),
    n_boot: int = 999,
    seed: int | None = 0,
    weights: str = "webb",
    alpha: float = 0.05,
    min_clusters: int = MIN_CLUSTERS,
) -> dict[str, object]:
    """ANCOVA estimate of the effect, cluster-robust by org unit.

    ``endline ~ baseline + pilot + role + culture + tenure + covariates`` by
    OLS; CRV1 SE clustered by ``org_unit``.  With fewer than ``min_clusters``
    org units the p-value and CI come from the restricted wild cluster
    bootstrap (:func:`pilot_eval.stats.cluster_bootstrap.wild_cluster_bootstrap`)
    and the row's note says so.  Extra covariates are dropped (with a note)
    when they would leave fewer than 10 residual degrees of freedom.

    Returns
    -------
    dict
        An ``effects.csv`` row without ``outcome`` / ``model``.
    """
    df = complete_cases(frame, ["baseline", "endline"])
    design, _, note = ancova_model_design(df, covariates)
    notes = [note] if note else []
    if TREATED not in design.names:
        raise ValueError("the pilot indicator is collinear with the controls: no ANCOVA estimate")
    row = cluster_inference(df["endline"].to_numpy(dtype="float64"), design, df["org_unit"], TREATED,
                            n_boot=n_boot, seed=seed, weights=weights, alpha=alpha,
                            min_clusters=min_clusters, fallback_clusters=df["leader_id"])
    t = _treated(df)
    if row["note"]:
        notes.append(str(row["note"]))
    row.update(n=len(df), n_pilot=int(t.sum()), n_comparison=int((~t).sum()), note="; ".join(notes))
    return row


# ---------------------------------------------------------------------------
# mixed model over the 360 waves
# ---------------------------------------------------------------------------
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
    model = sm.MixedLM(y, X, groups=groups)
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


# ---------------------------------------------------------------------------
# all models
# ---------------------------------------------------------------------------
@dataclasses.dataclass
class EffectsRun:
    """The rows of ``results/effects.csv`` and what was skipped (with reasons).

    Attributes
    ----------
    table
        The rows of ``results/effects.csv``.
    skipped
        ``outcome, model, reason`` of what could not be estimated.
    covariates
        Extra ANCOVA covariates used (leader_baseline names).
    frames
        The outcome frames the models used, with the extra covariates merged
        in as ``pre_<name>`` columns (for heterogeneity and refutation checks
        on the same model).
    covariate_columns
        Those ``pre_<name>`` column names.
    """

    table: pd.DataFrame
    skipped: pd.DataFrame
    covariates: list[str]
    frames: dict[str, pd.DataFrame] = dataclasses.field(default_factory=dict)
    covariate_columns: list[str] = dataclasses.field(default_factory=list)


def has_comparison(cohort: Cohort) -> bool:
    """Whether the cohort has both pilot and comparison leaders."""
    arms = cohort.leaders["arm"]
    return bool(arms.eq("pilot").any() and arms.eq("comparison").any())


def adjustment_covariates(cohort: Cohort, exclude: Iterable[str] = ()) -> list[str]:
    """Extra ANCOVA covariates: characteristics whose baseline balance is not satisfied.

    :func:`pilot_eval.steps.baseline.covariates_to_adjust` on the WWC balance table
    of notebook 01, without role and culture (always in the model) and tenure
    (always in the model when present).  Empty without a comparison group.
    """
    if not has_comparison(cohort):
        return []
    lb = baseline_step.leader_baseline(cohort, exclude_behaviours=exclude)
    bal = baseline_step.balance_table(lb, cohort.config)
    return [c for c in baseline_step.covariates_to_adjust(bal) if c not in ("role", "culture", "tenure_years")]


def _periods(frame: pd.DataFrame) -> dict[str, str]:
    b, e = frame.attrs.get("baseline_period", "baseline"), frame.attrs.get("endline_period", "endline")
    return {"naive": e, "prepost": f"{e} minus {b}", "ancova": f"{e}, adjusted for {b}",
            "matched": f"{e}, matched on {b}", "mixed": "endline vs baseline wave (all three waves)",
            "did": "pilot window vs pre window (monthly)"}


def estimate_effects(
    cohort: Cohort,
    exclude: Iterable[str] = (),
    covariates: Sequence[str] = (),
    outcomes: Sequence[str] = OUTCOMES,
    n_boot: int = 999,
    seed: int | None = 0,
    weights: str = "webb",
    caliper_sd: float = CALIPER_SD,
    rate_window: str = "pilot",
    alpha: float = 0.05,
) -> EffectsRun:
    """Every model for every outcome: the rows of ``results/effects.csv``.

    Parameters
    ----------
    cohort
        The loaded cohort.
    exclude
        Behaviour codes left out of ``behaviour_index``.
    covariates
        Extra ANCOVA covariates (columns of
        :func:`pilot_eval.steps.baseline.leader_baseline`, e.g. from
        :func:`adjustment_covariates`).
    outcomes
        Outcomes to analyse.
    n_boot, seed, weights
        Wild cluster bootstrap (used when there are fewer than 30 org units).
    caliper_sd
        Matching caliper in SDs of the propensity logit.
    rate_window
        Endline window of the event rates (``pilot`` or ``follow_up``).
    alpha
        1 - confidence level.

    Returns
    -------
    EffectsRun
        ``table`` with :data:`EFFECT_COLUMNS` (plus ``n_obs``), ``skipped``
        (``outcome, model, reason``) and the covariates used.  A cohort
        without a comparison group gets ``prepost`` rows only (not causal).
    """
    exclude = tuple(exclude)
    frames, skipped_outcomes = outcome_frames(cohort, outcomes, exclude, rate_window)
    skipped = [{"outcome": r.outcome, "model": "all", "reason": r.reason}
               for r in skipped_outcomes.itertuples()]
    comparison = has_comparison(cohort)
    covariates = list(covariates)
    if covariates and comparison:
        extra = baseline_step.leader_baseline(cohort, exclude_behaviours=exclude)
        extra = extra[["leader_id", *[c for c in covariates if c in extra.columns]]]
        extra = extra.rename(columns={c: f"pre_{c}" for c in covariates})
        covariates = [f"pre_{c}" for c in covariates if f"pre_{c}" in extra.columns]
    rows: list[dict[str, object]] = []
    used: dict[str, pd.DataFrame] = {}
    for outcome, frame in frames.items():  # a handful of outcomes
        period = _periods(frame)
        if covariates:
            attrs = dict(frame.attrs)
            frame = frame.merge(extra, on="leader_id", how="left")
            frame.attrs.update(attrs)
        used[outcome] = frame
        tasks: list[tuple[str, object]] = [("prepost", lambda f=frame: prepost_change(f, alpha))]
        if comparison:
            tasks.insert(0, ("naive", lambda f=frame: naive_difference(f, alpha)))
            tasks.append(("ancova", lambda f=frame: ancova_effect(f, covariates, n_boot, seed, weights, alpha)))
            if outcome == "empathy_360":
                tasks.append(("mixed", lambda: mixed_effect(wave_panel(cohort), alpha)))
            if outcome in MONTHLY_OUTCOMES:
                tasks.append(("did", lambda o=outcome: did_effect(monthly_panel(cohort, o, exclude), True,
                                                                  n_boot, seed, weights, alpha)))
            tasks.append(("matched", lambda f=frame: matched_effect(f, caliper_sd, alpha)))
        else:
            for m in ("naive", "ancova", "mixed", "did", "matched"):
                skipped.append({"outcome": outcome, "model": m,
                                "reason": "no comparison group: only the pilot leaders' change (prepost) is shown"})
        for model, task in tasks:  # a handful of models
            complete = complete_cases(frame, ["baseline", "endline"]) if model != "naive" else complete_cases(frame, ["endline"])
            t = _treated(complete)
            if model != "prepost" and model not in ("mixed", "did") and (
                    t.sum() < MIN_PER_ARM or (~t).sum() < MIN_PER_ARM):
                skipped.append({"outcome": outcome, "model": model,
                                "reason": f"fewer than {MIN_PER_ARM} leaders with data in an arm"})
                continue
            if model == "prepost" and t.sum() < 2:
                skipped.append({"outcome": outcome, "model": model, "reason": "fewer than 2 pilot leaders with data"})
                continue
            try:
                row = task()
            except (ValueError, np.linalg.LinAlgError) as exc:
                skipped.append({"outcome": outcome, "model": model, "reason": str(exc)})
                continue
            rows.append({"outcome": outcome, "model": model, "period": period[model],
                         "causal": model != "prepost", **row})
    table = pd.DataFrame(rows)
    for c in (*EFFECT_COLUMNS, "n_obs"):
        if c not in table.columns:
            table[c] = pd.Series(dtype="float64")
    table = table[[*EFFECT_COLUMNS, "n_obs"]]
    if len(table):
        order = {m: i for i, m in enumerate(MODELS)}
        out_order = {o: i for i, o in enumerate(outcomes)}
        table = table.sort_values(["outcome", "model"], key=lambda s: s.map(out_order if s.name == "outcome" else order),
                                  kind="stable", ignore_index=True)
    table = table.astype({"n": "Int64", "n_pilot": "Int64", "n_comparison": "Int64", "n_clusters": "Int64",
                          "n_obs": "Int64", "estimate": "float64", "std_error": "float64", "ci_low": "float64",
                          "ci_high": "float64", "p_value": "float64"})
    table["causal"] = table["causal"].astype("bool")
    for c in ("outcome", "model", "ci_method", "period", "note"):
        table[c] = table[c].fillna("").astype("str")
    return EffectsRun(table, pd.DataFrame(skipped, columns=["outcome", "model", "reason"]),
                      [c.removeprefix("pre_") for c in covariates], used, covariates)


def display_table(table: pd.DataFrame) -> pd.DataFrame:
    """The effects table as shown to program owners: one line per outcome and model.

    Columns ``outcome, model, estimate, ci_low, ci_high, p_value, n, period``
    (the full table with methods and notes is ``results/effects.csv``).
    """
    cols = ["outcome", "model", "estimate", "ci_low", "ci_high", "p_value", "n", "period"]
    return table[cols].reset_index(drop=True)


# ---------------------------------------------------------------------------
# plain-language summaries
# ---------------------------------------------------------------------------
_LABELS = {
    "empathy_360": ("360 empathy score", "points"),
    "behaviour_index": ("behaviour index", "(share of behaviours shown)"),
    "pulse": ("team pulse", "points"),
    "voluntary_attrition": ("voluntary attrition", "exits per 100 team members per 90 days"),
    "hr_incidents": ("HR incident rate", "incidents per 100 team members per 90 days"),
    "escalations": ("escalation rate", "escalations per 100 team members per 90 days"),
}


def _row(table: pd.DataFrame, outcome: str, model: str) -> pd.Series | None:
    sel = table[(table["outcome"] == outcome) & (table["model"] == model)]
    return sel.iloc[0] if len(sel) else None


def adjustment_text(table: pd.DataFrame, covariates: Sequence[str] = ()) -> str:
    """A plain-language paragraph per outcome on what the controls changed.

    Compares the naive difference with the ANCOVA estimate (baseline, role,
    culture, tenure and ``covariates`` adjusted), says whether the adjusted
    interval excludes zero, and whether the shift is large next to the
    estimate's standard error.  Without a comparison group it explains that
    only the pilot leaders' change is available and why it is not an effect.
    """
    adjusted = "the same starting value, role, culture and tenure"
    if covariates:
        adjusted += f", and {len(covariates)} other pre-training measure{'s' if len(covariates) > 1 else ''}"
    paras = []
    for outcome in dict.fromkeys(table["outcome"]):
        label, unit = _LABELS.get(outcome, (outcome, ""))
        naive, anc, pre = (_row(table, outcome, m) for m in ("naive", "ancova", "prepost"))
        if anc is None or naive is None:
            if pre is not None:
                paras.append(
                    f"{label}: pilot leaders changed by {pre['estimate']:+.3f} {unit} "
                    f"(95% CI {pre['ci_low']:+.3f} to {pre['ci_high']:+.3f}). Without a comparison group this "
                    "is not a training effect: it also contains whatever would have changed anyway.")
            continue
        shift = anc["estimate"] - naive["estimate"]
        where = "excludes" if (anc["ci_low"] > 0 or anc["ci_high"] < 0) else "includes"
        text = (f"{label}: before any controls the pilot leaders' end value differed from the comparison "
                f"group's by {naive['estimate']:+.3f} {unit}. Comparing like with like ({adjusted}) the "
                f"estimated effect is {anc['estimate']:+.3f} (95% CI {anc['ci_low']:+.3f} to "
                f"{anc['ci_high']:+.3f}), which {where} zero. ")
        if abs(shift) >= abs(anc["std_error"]):
            text += (f"Adjusting moved the estimate by {shift:+.3f}: that much of the raw difference reflected "
                     "differences between the groups (who was in the pilot, where they started and how their "
                     "groups rate), not the training.")
        else:
            text += (f"Adjusting moved the estimate by {shift:+.3f}, less than its standard error "
                     f"({anc['std_error']:.3f}): the raw difference was not mainly driven by who was in the pilot.")
        paras.append(text)
    return "\n\n".join(paras)


def summary_text(run: EffectsRun) -> str:
    """Short deterministic headline of the effect estimates (for nbval)."""
    table = run.table
    lines = []
    n_cl = table["n_clusters"].dropna()
    if len(n_cl):
        g = int(n_cl.max())
        lines.append(f"org units (clusters): {g}" + (" (< 30: wild cluster bootstrap p-values and CIs)"
                                                     if g < MIN_CLUSTERS else ""))
    for outcome in dict.fromkeys(table["outcome"]):
        parts = []
        for model in MODELS:
            r = _row(table, outcome, model)
            if r is not None:
                parts.append(f"{model} {r['estimate']:.3f} [{r['ci_low']:.3f}, {r['ci_high']:.3f}]")
        lines.append(f"{outcome}: " + "; ".join(parts))
    skipped = run.skipped[run.skipped["model"] == "all"]
    lines.append("skipped outcomes: " + (", ".join(skipped["outcome"]) if len(skipped) else "none"))
    if not (table["model"] != "prepost").any():
        lines.append("no comparison group: within-leader change only (not causal)")
    return "\n".join(lines)
