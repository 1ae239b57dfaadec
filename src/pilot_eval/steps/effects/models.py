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
count       risk outcomes only: adjusted rate ratio from a count model with
            exposure, overdispersion and org-unit clustering, as % change
            (:mod:`pilot_eval.steps.effects.count`); the estimate the
            scorecard's Risk panel shows
==========  ===================================================================

An arm with fewer than ``min_group_size`` leaders gets no numbers: every
model comparing the arms is skipped (with the reason), and so is ``prepost``
when the pilot arm is the small one.

:func:`estimate_effects` runs all of them and returns the rows of
``results/effects.csv``; :func:`pilot_eval.steps.effects.text.adjustment_text`
says in plain words what adjusting for role and culture changed.

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
from functools import partial
from typing import Callable, Iterable, Sequence, cast

import numpy as np
import pandas as pd
from scipy import stats

from pilot_eval.steps import baseline as baseline_step
from pilot_eval.stats.cluster_bootstrap import MIN_CLUSTERS, cluster_inference
from pilot_eval.stats.cluster_ols import Design, drop_collinear, dummies, numeric_with_indicator
from pilot_eval.data.cohort import Cohort
from pilot_eval.measures.outcome_frames import MONTHLY_OUTCOMES, OUTCOMES, outcome_frames, monthly_panel, wave_panel
from pilot_eval.steps.effects.arms import comparison_shown
from pilot_eval.steps.effects.count import COUNT_OUTCOMES, count_effect, count_frame, count_period, count_window
from pilot_eval.steps.effects.did import did_effect
from pilot_eval.steps.effects.mixed import (  # noqa: F401  (re-exported)
    MIXED_EFFECT, _random_intercept_reml_start, mixed_design, mixed_effect,
)
from pilot_eval.measures import scores as measures
from pilot_eval.stats.matching import CALIPER_SD, matched_effect

#: Models of effects.csv, in display order.
MODELS: tuple[str, ...] = ("naive", "prepost", "ancova", "mixed", "did", "matched", "count")
#: Columns of results/effects.csv (contract columns first).
EFFECT_COLUMNS: tuple[str, ...] = (
    "outcome", "model", "estimate", "std_error", "ci_low", "ci_high", "p_value", "n",
    "n_pilot", "n_comparison", "n_clusters", "ci_method", "period", "causal", "note",
)
TREATED = "pilot"
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
    """Whether the arms can be compared: both exist with at least ``min_group_size`` leaders
    (:func:`pilot_eval.steps.effects.arms.comparison_shown`)."""
    return comparison_shown(cohort)


def adjustment_covariates(cohort: Cohort, exclude: Iterable[str] = (),
                          baseline: pd.DataFrame | None = None) -> list[str]:
    """Extra ANCOVA covariates: characteristics whose baseline balance is not satisfied.

    :func:`pilot_eval.steps.baseline.covariates_to_adjust` on the WWC balance table
    of notebook 01, without role and culture (always in the model) and tenure
    (always in the model when present).  Empty without a comparison group.
    ``baseline``: :func:`pilot_eval.steps.baseline.leader_baseline` if already computed.
    """
    if not has_comparison(cohort):
        return []
    lb = baseline_step.leader_baseline(cohort, exclude_behaviours=exclude) if baseline is None else baseline
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
    models: Sequence[str] = MODELS,
    baseline: pd.DataFrame | None = None,
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
    models
        Models to run (default all of :data:`MODELS`), each a model name or
        ``outcome:model``; the decision step runs only the ones it uses,
        with the same functions and inputs.
    baseline
        :func:`pilot_eval.steps.baseline.leader_baseline` if already computed
        (the source of the extra covariates).

    Returns
    -------
    EffectsRun
        ``table`` with :data:`EFFECT_COLUMNS` (plus ``n_obs``), ``skipped``
        (``outcome, model, reason``) and the covariates used.  A cohort
        without a comparison group gets ``prepost`` rows only (not causal);
        an arm under ``min_group_size`` leaders gets no numbers (see the
        module docstring).
    """
    exclude = tuple(exclude)
    models = tuple(models)
    arm_n = cohort.leaders["arm"].value_counts()
    n_pilot_arm, n_comp_arm = int(arm_n.get("pilot", 0)), int(arm_n.get("comparison", 0))
    mgs = int(cohort.config.min_group_size)
    small_pilot = n_pilot_arm < mgs
    small_comp = 0 < n_comp_arm < mgs
    def wants(outcome: str, model: str) -> bool:
        return model in models or f"{outcome}:{model}" in models

    frame_outcomes = [o for o in outcomes if any(wants(o, m) for m in MODELS if m != "count")]
    frames, skipped_outcomes = outcome_frames(cohort, frame_outcomes, exclude, rate_window)
    skipped = cast(list[dict[str, str]], [{"outcome": r.outcome, "model": "all", "reason": r.reason}
                                          for r in skipped_outcomes.itertuples()])
    comparison = has_comparison(cohort)
    covariates = list(covariates)
    if covariates and comparison:
        extra = baseline_step.leader_baseline(cohort, exclude_behaviours=exclude) if baseline is None else baseline
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
        # a small comparison arm gets no numbers downstream either (heterogeneity, permutation checks)
        used[outcome] = frame if not small_comp else frame[frame["arm"].ne("comparison").to_numpy(dtype=bool)]
        tasks: list[tuple[str, Callable[[], dict[str, object]]]] = [("prepost", partial(prepost_change, frame, alpha))]
        if small_pilot:
            tasks = []
            skipped.append({"outcome": outcome, "model": "all",
                            "reason": f"fewer than {mgs} pilot leaders (min_group_size): no numbers are shown "
                                      "for the pilot arm"})
        elif comparison:
            tasks.insert(0, ("naive", partial(naive_difference, frame, alpha)))
            tasks.append(("ancova", partial(ancova_effect, frame, covariates, n_boot, seed, weights, alpha)))
            if outcome == "empathy_360":
                tasks.append(("mixed", lambda: mixed_effect(wave_panel(cohort), alpha)))
            if outcome in MONTHLY_OUTCOMES:
                tasks.append(("did", partial(_did_row, cohort, outcome, exclude, n_boot, seed, weights, alpha)))
            tasks.append(("matched", partial(matched_effect, frame, caliper_sd, confidence=1 - alpha)))
        else:
            reason = ("no comparison group: only the pilot leaders' change (prepost) is shown" if not small_comp
                      else f"fewer than {mgs} comparison leaders (min_group_size): no comparison numbers are "
                           "shown, only the pilot leaders' change (prepost)")
            for m in ("naive", "ancova", "mixed", "did", "matched"):
                if wants(outcome, m) and (m != "mixed" or outcome == "empathy_360") and (
                        m != "did" or outcome in MONTHLY_OUTCOMES):
                    skipped.append({"outcome": outcome, "model": m, "reason": reason})
        tasks = [(m, task) for m, task in tasks if wants(outcome, m)]
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
    gone = {str(s["outcome"]) for s in skipped if s["model"] == "all"}  # e.g. no incidents table
    rows += _count_rows(cohort, [o for o in outcomes if o in COUNT_OUTCOMES and wants(o, "count") and o not in gone],
                        skipped, small_pilot, comparison, small_comp, alpha)
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
        table[c] = table[c].astype("object").where(table[c].notna(), "").astype("str")
    return EffectsRun(table, pd.DataFrame(skipped, columns=["outcome", "model", "reason"]),
                      [c.removeprefix("pre_") for c in covariates], used, covariates)


def _did_row(cohort: Cohort, outcome: str, exclude: Iterable[str], n_boot: int, seed: int | None,
             weights: str, alpha: float) -> dict[str, object]:
    """The ``did`` row of a monthly outcome (its panel is built only when the model runs)."""
    return did_effect(monthly_panel(cohort, outcome, exclude), True, n_boot, seed, weights, alpha)


def _count_rows(cohort: Cohort, outcomes: Sequence[str], skipped: list[dict[str, str]], small_pilot: bool,
                comparison: bool, small_comp: bool, alpha: float) -> list[dict[str, object]]:
    """The ``count`` rows of the risk outcomes (skips appended to ``skipped`` with the reason)."""
    if not outcomes:
        return []
    mgs = int(cohort.config.min_group_size)
    if small_pilot or not comparison:
        reason = (f"fewer than {mgs} pilot leaders (min_group_size): no numbers are shown for the pilot arm"
                  if small_pilot else
                  f"fewer than {mgs} comparison leaders (min_group_size): no comparison numbers are shown"
                  if small_comp else "no comparison group: a count-model effect needs one")
        skipped.extend({"outcome": o, "model": "count", "reason": reason} for o in outcomes)
        return []
    rates = measures.outcome_rates(cohort.employees, cohort.incidents, cohort.config)
    window = count_window(cohort.config, rates)
    rows: list[dict[str, object]] = []
    for outcome in outcomes:  # three risk outcomes
        try:
            row = count_effect(count_frame(cohort, outcome, rates, window), mgs, alpha=alpha)
        except (ValueError, np.linalg.LinAlgError) as exc:
            skipped.append({"outcome": outcome, "model": "count", "reason": str(exc)})
            continue
        rows.append({"outcome": outcome, "model": "count", "period": count_period(cohort.config, window),
                     "causal": True, **row})
    return rows


def display_table(table: pd.DataFrame) -> pd.DataFrame:
    """The effects table as shown to program owners: one line per outcome and model.

    Columns ``outcome, model, estimate, ci_low, ci_high, p_value, n, period``
    (the full table with methods and notes is ``results/effects.csv``).
    """
    cols = ["outcome", "model", "estimate", "ci_low", "ci_high", "p_value", "n", "period"]
    return table[cols].reset_index(drop=True)
