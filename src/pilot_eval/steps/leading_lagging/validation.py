"""Step 4: does each leading indicator predict a lagging one? (notebook 04)

A leading indicator earns its place on the scorecard only if it predicts a
lagging outcome.  This module builds the indicators per leader and tests
every leading -> lagging pair three ways:

**Leading indicators** (:func:`leading_indicators`, one row per leader)

=============================  ============================================================  ==========
indicator                      definition                                                    leaders
=============================  ============================================================  ==========
pulse_change_early             mean team pulse of pilot months 0-1 minus the mean of the     all
                               pre-window months (:func:`measures.pulse`)
behaviour_index_change         mean behaviour_index of the pilot months minus that of the   all
                               pre months (unreliable behaviours excluded)
empathy_360_midpoint_change    360 empathy score at midpoint minus baseline                 all
practice_sessions              practice sessions done in the pilot                           pilot
practice_plateau               three scored practice sessions in a row without a new best    pilot
feedback_within_48h_share      share of feedback sessions given within 48 hours              pilot
=============================  ============================================================  ==========

(:mod:`pilot_eval.measures.fidelity` defines the last three.)

**Lagging indicators** (:func:`pilot_eval.measures.lagging_outcomes.lagging_outcomes`):
voluntary attrition, HR incidents and escalations in the pilot's last month
and in the follow-up window, as counts with exposure (person-days).

**The primary test and the verdict** are written down in
:mod:`pilot_eval.steps.leading_lagging.rule` (``RULE_TEXT``, shown on the step
page): one pre-declared test per pair, the ``count_model`` (Poisson or negative
binomial regression of the event count with offset log(person-days), role,
culture and the pre-window rate as controls, cluster-robust by org unit,
:mod:`pilot_eval.stats.count_models`; the test uses the larger of the
cluster-robust and the model-based standard error, a guard against the
downward bias of cluster-robust errors with few units or few leaders with a
"yes" (Angrist & Pischke 2009, section 8.2; MacKinnon & Webb 2017)), **one-sided** in the hypothesised
direction; Holm's method over the pairs of one outcome window.  A pair is
``validated`` when its Holm-adjusted one-sided p is below ``alpha``; ``not
validated`` otherwise, with the minimal detectable effect at 80 % power
(:mod:`pilot_eval.stats.detectable`: this pilot's leaders, expected events,
dispersion and the Scott-Holt design effect of its org units, at the level
``alpha / m`` of Holm's first step over the ``m`` tested pairs of the window);
``insufficient data`` when it cannot be tested (reasons below).

**Supporting evidence** (shown, never changes the verdict), each adjusting for
the same controls:

1. ``partial_correlation`` of the indicator with the lagging rate
   (:mod:`pilot_eval.stats.partial_correlation`);
2. ``cv_permutation``: out-of-sample deviance gain of adding the indicator,
   grouped 5-fold cross-validation by org unit, permutation p-value
   (:mod:`pilot_eval.stats.predictive`).

Their p-values are adjusted the same way (per method and window), for display.

``insufficient data`` when fewer than ``max(min_leaders, min_group_size)``
leaders have both values, when the indicator hardly varies (binary: fewer than
``min_group_size`` leaders in one class), when there are fewer than
``events_per_variable`` events per model coefficient (Vittinghoff &
McCulloch 2007: 5-9), or when the leaders are in fewer than ``MIN_UNITS`` (5) org units.

The rule's error rates (false validation of a null indicator, power by size)
were measured by simulation on several generator designs: ``benchmarks/leading_lagging``,
:mod:`pilot_eval.steps.leading_lagging.oc`.

References
----------
Kaplan, R. S., & Norton, D. P. (1996). *The Balanced Scorecard*. Harvard
Business School Press (leading and lagging measures).

Vittinghoff, E., & McCulloch, C. E. (2007). Relaxing the rule of ten events
per variable in logistic and Cox regression. *American Journal of
Epidemiology*, 165(6), 710-718.

Holm, S. (1979). A simple sequentially rejective multiple test procedure.
*Scandinavian Journal of Statistics*, 6(2), 65-70.

Angrist, J. D., & Pischke, J.-S. (2009). *Mostly Harmless Econometrics*.
Princeton University Press, section 8.2 (the larger of robust and conventional
standard errors).

MacKinnon, J. G., & Webb, M. D. (2017). Wild bootstrap inference for wildly
different cluster sizes. *Journal of Applied Econometrics*, 32(2), 233-254.
"""

from __future__ import annotations

import dataclasses
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from pilot_eval.measures import scores as measures
from pilot_eval.data.cohort import Cohort
from pilot_eval.data.config import CohortConfig
from pilot_eval.stats.count_models import fit_count_model
from pilot_eval.stats.design import control_design, standardise
from pilot_eval.stats.detectable import (icc_anova, minimal_detectable_rate_ratio, one_sided_p, regression_design_effect,
                                         slope_standard_error)
from pilot_eval.stats.partial_correlation import partial_correlation
from pilot_eval.stats.multiplicity import adjust_p_values
from pilot_eval.stats.predictive import P_ADJUST_METHODS, STOP_AFTER, cv_predictive_gain
from pilot_eval.measures._common import PILOT, suppress_small_cells
from pilot_eval.measures.fidelity import FIDELITY_INDICATORS, fidelity_indicators
from pilot_eval.data.vocabulary import LABELS, label
from pilot_eval.data.windows import pilot_months, pre_months
from pilot_eval.steps.leading_lagging.rule import ALPHA, MDE_POWER, mde_phrase, verdict_text
from pilot_eval.steps.leading_lagging.rule import INSUFFICIENT as INSUFFICIENT  # re-exported: the verdict codes
from pilot_eval.steps.leading_lagging.rule import NOT_VALIDATED as NOT_VALIDATED
from pilot_eval.steps.leading_lagging.rule import VALIDATED as VALIDATED

#: Pilot months whose pulse makes up the early pulse change.
EARLY_PULSE_MONTHS: tuple[int, ...] = (0, 1)

#: Fewest org units of a pair's leaders for the primary test (its errors are clustered by unit).
MIN_UNITS = 5

#: The primary (verdict) method and the supporting ones, as in ``results/leading_lagging.csv``.
PRIMARY_METHOD = "count_model"
SUPPORTING_METHODS: tuple[str, ...] = ("partial_correlation", "cv_permutation")
#: Method labels of ``results/leading_lagging.csv`` (primary first).
METHODS: tuple[str, ...] = (PRIMARY_METHOD, *SUPPORTING_METHODS)

#: Columns of :func:`validate_pairs` (contract columns first).
RESULT_COLUMNS: tuple[str, ...] = (
    "leading", "lagging", "method", "estimate", "ci_low", "ci_high", "p_value", "p_adjusted",
    "verdict", "n", "note", "outcome", "period", "events", "scale", "evidence", "criterion_met",
    "mde", "verdict_text",
)

@dataclasses.dataclass(frozen=True)
class Indicator:
    """A leading indicator: what it is, its unit and which way is "better"."""

    name: str
    description: str
    #: +1: higher is better (expect fewer adverse events); -1: higher is worse.
    better: int
    binary: bool = False
    #: One standard deviation of the indicator in words; ``{sd}`` is replaced by its value.
    step: str = ""
    #: For a yes/no indicator: who has the "yes".
    yes_text: str = ""


#: The leading indicators, in the order reported.
INDICATORS: dict[str, Indicator] = {
    i.name: i for i in (
        Indicator("pulse_change_early", "team pulse, pilot months 0-1 minus pre-window months", +1,
                  step="{sd}-point larger early gain in team pulse"),
        Indicator("behaviour_index_change", "observed behaviour index, pilot months minus pre months", +1,
                  step="{sd}-point larger change in the behaviour index (0 to 1 scale)"),
        Indicator("empathy_360_midpoint_change", "360 empathy score, midpoint minus baseline", +1,
                  step="{sd}-point larger 360 gain by the midpoint"),
        Indicator("practice_sessions", "practice sessions done in the pilot (pilot leaders)", +1,
                  step="{sd} more practice sessions"),
        Indicator("practice_plateau", "practice scores stalled (3 sessions in a row without a new best)",
                  -1, binary=True, yes_text="leaders whose practice scores stalled"),
        Indicator("feedback_within_48h_share", "share of feedback given within 48 hours", +1,
                  step="{pct} percentage points more feedback given within 48 hours"),
    )
}

def lagging_label(outcome: str, period: str) -> str:
    """Lagging indicator label of the results: ``<outcome>:<period>``."""
    return f"{outcome}:{period}"


# ---------------------------------------------------------------------------
# leading indicators
# ---------------------------------------------------------------------------
def _change(values: pd.DataFrame, value: str, after: Sequence[int], before: Sequence[int], name: str) -> pd.Series:
    month = values["month"].to_numpy(dtype="float64", na_value=np.nan)
    post = values[np.isin(month, list(after))].groupby("leader_id", observed=True)[value].mean()
    pre = values[np.isin(month, list(before))].groupby("leader_id", observed=True)[value].mean()
    return (post - pre).dropna().rename(name)


def skipped_indicators(cohort: Cohort) -> pd.DataFrame:
    """Leading indicators that cannot be built for this cohort, with the reason."""
    rows = []
    if cohort.observations is None or cohort.behaviours is None:
        rows.append(("behaviour_index_change", "no observations / behaviours table: behaviour KPIs skipped"))
    if cohort.sessions is None:
        for name in FIDELITY_INDICATORS:
            rows.append((name, "no sessions table (training log): fidelity indicators skipped"))
    elif not cohort.leaders["arm"].eq(PILOT).any():
        for name in FIDELITY_INDICATORS:
            rows.append((name, "no pilot leaders: fidelity indicators skipped"))
    return pd.DataFrame(rows, columns=["indicator", "reason"])


def leading_indicators(cohort: Cohort, exclude: Iterable[str] = ()) -> pd.DataFrame:
    """One row per leader with the leading indicators the cohort allows.

    Parameters
    ----------
    cohort
        The loaded cohort.
    exclude
        Behaviour codes left out of behaviour_index (pass
        :func:`pilot_eval.measures.behaviour_exclusions.excluded_behaviours`).

    Returns
    -------
    DataFrame
        ``leader_id, arm, role, culture, org_unit`` and one column per
        available indicator of :data:`INDICATORS` (missing where a leader has
        no value; fidelity indicators only for pilot leaders).
        :func:`skipped_indicators` lists the ones left out and why.
    """
    cfg = cohort.config
    out = cohort.leaders[["leader_id", "arm", "role", "culture", "org_unit"]].copy()
    for col in ("arm", "role", "culture", "org_unit"):
        out[col] = out[col].astype("str")
    pre = pre_months(cfg)
    pul = measures.pulse(cohort.pulse, cfg)
    parts: list[pd.Series] = [_change(pul, "pulse", EARLY_PULSE_MONTHS, pre, "pulse_change_early")]
    if cohort.observations is not None and cohort.behaviours is not None:
        bi = measures.behaviour_index(cohort.observations, cohort.behaviours, cohort.leaders, cfg,
                                      exclude=tuple(exclude))
        parts.append(_change(bi, "behaviour_index", pilot_months(cfg), pre, "behaviour_index_change"))
    emp = measures.empathy_360(cohort.ratings).pivot(index="leader_id", columns="wave", values="empathy_360")
    if {"baseline", "midpoint"} <= set(emp.columns):
        parts.append((emp["midpoint"] - emp["baseline"]).dropna().rename("empathy_360_midpoint_change"))
    for part in parts:
        part.index = part.index.astype(out["leader_id"].dtype)
        out = out.merge(part.reset_index(), on="leader_id", how="left")
    skipped = set(skipped_indicators(cohort)["indicator"])
    if cohort.sessions is not None and not skipped.issuperset(FIDELITY_INDICATORS):
        fid = fidelity_indicators(cohort.sessions, cohort.leaders, cfg)
        fid = fid[["leader_id", *FIDELITY_INDICATORS]].copy()
        fid["practice_sessions"] = fid["practice_sessions"].astype("float64")
        fid["practice_plateau"] = fid["practice_plateau"].astype("Float64").astype("float64")
        fid["leader_id"] = fid["leader_id"].astype(out["leader_id"].dtype)
        out = out.merge(fid, on="leader_id", how="left")
    return out.sort_values("leader_id", ignore_index=True)


def available_leading(indicators: pd.DataFrame) -> list[str]:
    """Indicator columns of :func:`leading_indicators` output, in report order."""
    return [name for name in INDICATORS if name in indicators.columns]


def indicator_summary(indicators: pd.DataFrame, config: CohortConfig) -> pd.DataFrame:
    """Leaders, mean and SD of each leading indicator by arm (small groups suppressed).

    Returns
    -------
    DataFrame
        ``indicator, arm, n, mean, sd, suppressed``; for ``practice_plateau``
        the mean is the share of leaders who plateaued.  Arms with fewer than
        ``min_group_size`` leaders with a value show no numbers.
    """
    names = available_leading(indicators)
    long = indicators.melt(id_vars=["arm"], value_vars=names, var_name="indicator").dropna(subset=["value"])
    out = (long.groupby(["indicator", "arm"], observed=True)["value"]
               .agg(n="size", mean="mean", sd="std").reset_index())
    out = suppress_small_cells(out, "n", ["mean", "sd"], config.min_group_size,
                               f"fewer than {config.min_group_size} leaders: not shown")
    out["_o"] = out["indicator"].map({name: i for i, name in enumerate(INDICATORS)})
    return out.sort_values(["_o", "arm"], ascending=[True, False]).drop(columns="_o").reset_index(drop=True)


# ---------------------------------------------------------------------------
# pair analysis
# ---------------------------------------------------------------------------
def _pair_sample(indicators: pd.DataFrame, lagging: pd.DataFrame, leading: str) -> pd.DataFrame:
    cols = ["leader_id", "role", "culture", "org_unit", leading]
    lag = lagging.copy()
    lag["leader_id"] = lag["leader_id"].astype(indicators["leader_id"].dtype)
    df = indicators[cols].merge(lag[["leader_id", "events", "person_days", "pre_rate"]], on="leader_id", how="inner")
    ok = (df[[leading, "events", "pre_rate"]].notna().all(axis=1).to_numpy()
          & (df["person_days"].to_numpy(dtype="float64", na_value=0.0) > 0))
    return df[ok].reset_index(drop=True)


def _insufficient_reason(
    df: pd.DataFrame, leading: str, n_predictors: int, min_leaders: int, min_group_size: int,
    events_per_variable: float,
) -> str:
    need = max(min_leaders, min_group_size)
    n = len(df)
    if n < need:
        return f"fewer than {need} leaders with both values (n = {n})"
    x = df[leading].to_numpy(dtype="float64")
    if INDICATORS[leading].binary:
        n_yes = int((x > 0.5).sum())
        if min(n_yes, n - n_yes) < min_group_size:
            return f"fewer than {min_group_size} leaders in one class of the indicator"
    elif np.unique(x).size < 3 or np.std(x) == 0:
        return "the indicator hardly varies"
    events = float(df["events"].sum())
    need_events = events_per_variable * n_predictors
    if events < need_events:
        return (f"{events:.0f} events, fewer than the {need_events:.0f} needed: "
                f"{events_per_variable:g} per model coefficient")
    if df["org_unit"].nunique() < MIN_UNITS:
        return (f"leaders in fewer than {MIN_UNITS} org units: too few to allow for leaders of the same "
                "unit being alike")
    return ""


def planned_standard_error(
    x: np.ndarray, events: np.ndarray, exposure: np.ndarray, units: np.ndarray, dispersion: float,
) -> tuple[float, float]:
    """Standard error of the slope that this pilot's design allows, and its design effect.

    The large-sample standard error of :func:`pilot_eval.stats.detectable.slope_standard_error`
    with each leader's expected events at the pooled rate (``events.sum() /
    exposure.sum() * exposure``), the count model's NB2 ``dispersion``, the
    variance of ``x`` (1 when standardised) and the Scott-Holt design effect
    ``1 + (m - 1) rho_x rho_y`` of the org units (``m``: size-weighted
    leaders per unit; ``rho``: ICC(1) of ``x`` and of the event rate).
    """
    rate = float(np.sum(events) / np.sum(exposure))
    mu = rate * np.asarray(exposure, dtype="float64")
    sizes = pd.Series(units).value_counts().to_numpy(dtype="float64")
    m = float(np.sum(sizes**2) / np.sum(sizes))
    rho_x = icc_anova(units, x)
    rho_y = icc_anova(units, np.asarray(events, dtype="float64") / np.asarray(exposure, dtype="float64"))
    deff = regression_design_effect(m, rho_x, rho_y)
    var_x = float(np.var(x, ddof=1))
    return slope_standard_error(mu, dispersion, var_x, deff), deff


def _analyse_pair(
    df: pd.DataFrame, leading: str, config: CohortConfig, n_permutations: int, seed: int | None,
    n_splits: int, min_clusters: int, min_leaders: int, events_per_variable: float, supporting: bool = True,
) -> dict:
    """The primary test (and, with ``supporting``, the supporting methods) for one pair."""
    ind = INDICATORS[leading]
    C, cnames = control_design(df, ("role", "culture"), ("pre_rate",), min_level_size=config.min_group_size)
    reason = _insufficient_reason(df, leading, 1 + len(cnames), min_leaders, config.min_group_size,
                                  events_per_variable)
    out: dict = {"n": len(df), "events": float(df["events"].sum()), "reason": reason,
                 "scale": "yes vs no" if ind.binary else "per SD"}
    if reason:
        return out
    x_raw = df[leading].to_numpy(dtype="float64")
    x = x_raw if ind.binary else standardise(x_raw)
    out["x_sd"] = float(np.std(x_raw, ddof=1))
    y = df["events"].to_numpy(dtype="float64")
    exposure = df["person_days"].to_numpy(dtype="float64")
    units = df["org_unit"].to_numpy(dtype=object)
    try:
        cm = fit_count_model(y, exposure, np.column_stack([x, C]), [leading, *cnames],
                             clusters=units, min_clusters=min_clusters)
    except (ValueError, np.linalg.LinAlgError) as exc:  # pragma: no cover - defensive
        out["reason"] = f"count model could not be fitted ({exc})"
        return out
    row = cm.loc[cm["term"] == leading].iloc[0].copy()
    # the larger of the cluster-robust and the model-based standard error (Angrist & Pischke 2009, 8.2)
    design = np.column_stack([np.ones(len(y)), x, C])
    mu = np.exp(design @ cm["estimate"].to_numpy(dtype="float64") + np.log(exposure))
    w = mu / (1.0 + float(row["alpha"]) * mu)
    try:
        se_model = float(np.sqrt(np.linalg.inv(design.T @ (design * w[:, None]))[1, 1]))
    except np.linalg.LinAlgError:  # pragma: no cover - defensive
        se_model = float(row["std_error"])
    se = max(float(row["std_error"]), se_model)
    df_t = float(row["df"])
    crit = float(stats.norm.ppf(0.975) if not np.isfinite(df_t) else stats.t.ppf(0.975, df_t))
    row["se_model"], row["se_cluster"], row["std_error"] = se_model, float(row["std_error"]), se
    row["statistic"] = float(row["estimate"]) / se
    row["rr_ci_low"] = float(np.exp(float(row["estimate"]) - crit * se))
    row["rr_ci_high"] = float(np.exp(float(row["estimate"]) + crit * se))
    # hypothesis: a better indicator value goes with fewer events (negative slope when better = +1)
    row["p_one_sided"] = float(one_sided_p(row["statistic"], -ind.better, df_t))
    se, deff = planned_standard_error(x, y, exposure, units.astype("str"), float(row["alpha"]))
    row["se_planned"], row["design_effect"] = se, deff
    out["count"] = row
    if supporting:
        rate = y / exposure * measures.RATE_PER_MEMBERS * measures.RATE_PER_DAYS
        out["partial"] = partial_correlation(x_raw, rate, C).iloc[0]
        strata = (df["role"].astype("str") + "|" + df["culture"].astype("str")).to_numpy(dtype=object)
        out["cv"] = cv_predictive_gain(y, exposure, x, C, units, strata, n_splits=n_splits,
                                       n_permutations=n_permutations, seed=seed).iloc[0]
    return out


def validate_pairs(
    indicators: pd.DataFrame,
    lagging: pd.DataFrame,
    config: CohortConfig,
    p_adjust: str = "holm",
    alpha: float = ALPHA,
    n_permutations: int = 999,
    seed: int | None = 0,
    n_splits: int = 5,
    min_clusters: int = MIN_UNITS,
    min_leaders: int = 20,
    events_per_variable: float = 5.0,
    leading: Sequence[str] | None = None,
    supporting: bool = True,
    periods: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Test every leading -> lagging pair and give each a verdict (rule: :mod:`.rule`).

    Parameters
    ----------
    indicators
        Output of :func:`leading_indicators`.
    lagging
        Output of :func:`pilot_eval.measures.lagging_outcomes.lagging_outcomes`.
    config
        Supplies ``min_group_size``.
    p_adjust
        ``"holm"`` (the rule) or ``"fdr_bh"``; applied across the tested pairs
        of one outcome window.
    alpha
        Family-wise level of the primary tests (one-sided).
    n_permutations, seed
        Permutations of the cross-validation test and their seed (the same
        seed for every pair, so results do not depend on the pair order).
    n_splits
        Folds of the grouped cross-validation.
    min_clusters
        Fewest org units for cluster-robust count-model errors (CR1, t with
        units - 1 degrees of freedom; pairs with fewer than :data:`MIN_UNITS`
        units are not tested).  The test uses the larger of this error and the
        model-based one.
    min_leaders, events_per_variable
        Insufficient-data thresholds (see module docs).
    leading
        Indicators to test (default: all available).
    supporting
        Compute the supporting methods (False: only the primary test, as the
        benchmark does; the verdicts are the same).
    periods
        Outcome windows to test (default: all in ``lagging``).  Each window is
        its own family, so leaving one out does not change the others' verdicts.

    Returns
    -------
    DataFrame
        Three rows per pair (``method`` in :data:`METHODS`, ``evidence``
        ``primary`` or ``supporting``) with the columns of
        :data:`RESULT_COLUMNS`.  ``estimate`` is the rate ratio (primary), the
        partial correlation, or the cross-validated deviance gain; for the
        primary row ``p_value`` is one-sided and ``mde`` the minimal detectable
        rate ratio at 80 % power; ``verdict`` (code) and ``verdict_text``
        (sentence) are the pair's, repeated on its rows; ``criterion_met``
        says whether that method's evidence points the hypothesised way at
        ``alpha`` after adjustment; ``note`` explains.
    """
    if p_adjust not in P_ADJUST_METHODS:
        raise ValueError(f"p_adjust_method must be one of {P_ADJUST_METHODS}, got {p_adjust!r}")
    names = list(leading) if leading is not None else available_leading(indicators)
    keys = lagging[["outcome", "period"]].drop_duplicates().itertuples(index=False)
    pairs = [(name, o, p) for o, p in keys for name in names if periods is None or p in periods]
    pairs.sort(key=lambda t: (names.index(t[0]),))
    rows = []
    for name, outcome, period in pairs:  # a few dozen pairs
        lag = lagging[lagging["outcome"].eq(outcome).to_numpy(dtype=bool)
                      & lagging["period"].eq(period).to_numpy(dtype=bool)]
        df = _pair_sample(indicators, lag, name)
        res = _analyse_pair(df, name, config, n_permutations, seed, n_splits, min_clusters,
                            min_leaders, events_per_variable, supporting)
        rows.append({"leading": name, "outcome": outcome, "period": period, **res})
    return verdicts(rows, p_adjust=p_adjust, alpha=alpha)


def _step_text(ind: Indicator, sd: float) -> str:
    """One standard deviation of the indicator, in words (``a 0.21-point larger ... (one standard deviation)``)."""
    if not ind.step or not np.isfinite(sd):
        return "one standard deviation higher value of the indicator"
    return ind.step.format(sd=f"{sd:.2g}", pct=f"{100 * sd:.0f}") + " (one standard deviation)"


def _cv_detail(cv: pd.Series) -> str:
    return (f"held-out Poisson deviance {cv['deviance_full']:.1f} vs {cv['deviance_controls']:.1f} "
            f"(controls only); {int(cv['n_folds'])} folds by org unit; "
            f"{int(cv['n_permutations'])} permutations within role x culture"
            + (f" (stopped early: {STOP_AFTER} permuted gains reached the observed one)"
               if bool(cv.get("stopped_early", False)) else "")
            + (" (stopped early: no permuted gain came near the observed one, so the p-value "
               "of the full run is decided)" if bool(cv.get("decided_early", False)) else ""))


def verdicts(pair_results: list[dict], p_adjust: str = "holm", alpha: float = ALPHA,
             power: float = MDE_POWER) -> pd.DataFrame:
    """Adjust the primary p-values within each outcome window and apply the rule.

    ``pair_results`` holds one dict per pair: ``leading``, ``outcome``,
    ``period``, ``n``, ``events``, ``scale``, ``reason`` (non-empty =
    insufficient data) and, when analysed, ``count`` (the indicator's row of
    :func:`pilot_eval.stats.count_models.fit_count_model` with
    ``p_one_sided``, ``se_planned`` and ``design_effect``), ``x_sd`` and, when
    computed, the supporting ``partial`` and ``cv`` rows.
    """
    if p_adjust not in P_ADJUST_METHODS:
        raise ValueError(f"p_adjust_method must be one of {P_ADJUST_METHODS}, got {p_adjust!r}")
    long = []
    for i, r in enumerate(pair_results):
        base = {"_pair": i, "leading": r["leading"], "lagging": lagging_label(r["outcome"], r["period"]),
                "outcome": r["outcome"], "period": r["period"], "n": r["n"], "events": r["events"],
                "scale": r["scale"]}
        pc, cm, cv = r.get("partial"), r.get("count"), r.get("cv")
        long.append({**base, "method": "count_model", "evidence": "primary",
                     "estimate": np.nan if cm is None else cm["rate_ratio"],
                     "ci_low": np.nan if cm is None else cm["rr_ci_low"],
                     "ci_high": np.nan if cm is None else cm["rr_ci_high"],
                     "p_value": np.nan if cm is None else cm["p_one_sided"],
                     "_detail": "" if cm is None else _count_note(cm)})
        long.append({**base, "method": "partial_correlation", "evidence": "supporting",
                     "estimate": np.nan if pc is None else pc["r"],
                     "ci_low": np.nan if pc is None else pc["ci_low"],
                     "ci_high": np.nan if pc is None else pc["ci_high"],
                     "p_value": np.nan if pc is None else pc["p_value"],
                     "_detail": ("not computed" if cm is not None else "") if pc is None
                     else f"supporting evidence; controls: role, culture, pre-window rate; k = {int(pc['k'])}"})
        long.append({**base, "method": "cv_permutation", "evidence": "supporting",
                     "estimate": np.nan if cv is None else cv["gain"],
                     "ci_low": np.nan, "ci_high": np.nan,
                     "p_value": np.nan if cv is None else cv["p_value"],
                     "_detail": ("not computed" if cm is not None else "") if cv is None
                     else "supporting evidence; " + _cv_detail(cv)})
    out = pd.DataFrame(long)
    out["p_adjusted"] = np.nan
    for _, idx in out.groupby(["method", "period"], sort=False).groups.items():  # one family per window
        out.loc[idx, "p_adjusted"] = adjust_p_values(out.loc[idx, "p_value"].to_numpy(dtype="float64"), p_adjust)
    primary = out[out["method"] == "count_model"]
    p_primary = dict(zip(primary["_pair"].astype(int), primary["p_adjusted"].astype("float64")))
    m_family = primary[primary["p_value"].notna()].groupby("period").size().to_dict()
    support = {(int(i), str(meth)): (float(e), float(pa)) for i, meth, e, pa in
               zip(out["_pair"], out["method"], out["estimate"], out["p_adjusted"])}
    adj_name = "Holm" if p_adjust == "holm" else "BH"
    verdict: list[str] = []
    text: list[str] = []
    why: list[str] = []
    mde: list[float] = []
    met: dict[tuple[int, str], object] = {}
    for i, r in enumerate(pair_results):  # a few dozen pairs
        ind = INDICATORS[r["leading"]]
        if r["reason"]:
            verdict.append(INSUFFICIENT)
            text.append(verdict_text(INSUFFICIENT, r["reason"]))
            why.append(r["reason"])
            mde.append(np.nan)
            continue
        cm = r["count"]
        p_adj = float(p_primary[i])
        ok = bool(p_adj < alpha)
        m = int(m_family.get(r["period"], 1))
        direction = -ind.better
        rr_mde = minimal_detectable_rate_ratio(float(cm["se_planned"]), direction, alpha / m, power,
                                               float(cm["df"]))
        mde.append(rr_mde)
        met[(i, "count_model")] = ok
        for meth in SUPPORTING_METHODS:
            est, pa = support[(i, meth)]
            if not np.isfinite(pa):
                met[(i, meth)] = pd.NA
            elif meth == "partial_correlation":
                met[(i, meth)] = bool(pa < alpha and est * ind.better < 0)
            else:
                met[(i, meth)] = bool(pa < alpha and est > 0)
        if ok:
            verdict.append(VALIDATED)
            text.append(verdict_text(VALIDATED))
            why.append(f"primary test: rate ratio {cm['rate_ratio']:.2f}, one-sided {adj_name}-adjusted "
                       f"p = {p_adj:.3f} (below {alpha:g}, {m} pairs in the window)")
            continue
        phrase = (mde_phrase(rr_mde, "", ind.yes_text) if ind.binary
                  else mde_phrase(rr_mde, _step_text(ind, float(r.get("x_sd", np.nan)))))
        verdict.append(NOT_VALIDATED)
        text.append(verdict_text(NOT_VALIDATED, phrase))
        wrong = (cm["rate_ratio"] > 1) if ind.better > 0 else (cm["rate_ratio"] < 1)
        why.append(f"primary test: rate ratio {cm['rate_ratio']:.2f}"
                   + (" (not in the expected direction)" if wrong else "")
                   + f", one-sided {adj_name}-adjusted p = {p_adj:.3f} ({m} pairs in the window)")
    pair = out["_pair"].to_numpy()
    out["verdict"] = [verdict[i] for i in pair]
    out["verdict_text"] = [text[i] for i in pair]
    out["mde"] = [mde[i] if meth == "count_model" else np.nan for i, meth in zip(pair, out["method"])]
    out["criterion_met"] = pd.Series([met.get((i, meth), pd.NA) for i, meth in zip(pair, out["method"])],
                                     index=out.index, dtype="boolean")
    out["note"] = [f"{verdict[i]}: {why[i]}" + (f" | {d}" if d else "") for i, d in zip(pair, out["_detail"])]
    out["_o1"] = out["leading"].map({name: i for i, name in enumerate(INDICATORS)})
    out["_o2"] = out["method"].map({m: i for i, m in enumerate(METHODS)})
    out = out.sort_values(["_o1", "period", "outcome", "_o2"], kind="stable")
    return out[list(RESULT_COLUMNS)].reset_index(drop=True)


def _count_note(cm: pd.Series) -> str:
    fam = "negative binomial" if cm["family"] == "negative_binomial" else "Poisson"
    disp = f"dispersion test p = {cm['dispersion_p']:.3f}"
    if cm["family"] == "negative_binomial":
        disp += f", alpha = {cm['alpha']:.3f}"
    se = (f"cluster-robust by org unit ({int(cm['n_clusters'])} units, t df {int(cm['df'])})"
          if cm["cov_type"] == "cluster" else f"model-based errors (only {int(cm['n_clusters'])} org units)")
    if "se_model" in cm and cm["cov_type"] == "cluster":
        which = "model-based" if float(cm["se_model"]) > float(cm["se_cluster"]) else "cluster-robust"
        se += f", the larger of the cluster-robust and the model-based error used ({which})"
    conv = "" if bool(cm["converged"]) else "; fit did not fully converge"
    deff = f"; design effect {float(cm['design_effect']):.2f}" if "design_effect" in cm else ""
    return f"primary test, one-sided; {fam} ({disp}); {se}; offset log(person-days){deff}{conv}"


# ---------------------------------------------------------------------------
# reading the verdicts
# ---------------------------------------------------------------------------
def verdict_table(results: pd.DataFrame, labelled: bool = False) -> pd.DataFrame:
    """One row per pair: verdict, primary test, supporting CV test and the reason (for display).

    With ``labelled``, ``leading`` and ``lagging`` hold human labels instead of codes (for charts).
    """
    cm = results[results["method"] == "count_model"].set_index(["leading", "lagging"])
    cv = results[results["method"] == "cv_permutation"].set_index(["leading", "lagging"])
    out = pd.DataFrame({
        "n": cm["n"], "events": cm["events"], "scale": cm["scale"],
        "rate_ratio": cm["estimate"], "rr_ci_low": cm["ci_low"], "rr_ci_high": cm["ci_high"],
        "rr_p_adjusted": cm["p_adjusted"], "mde": cm["mde"], "cv_gain": cv["estimate"],
        "cv_p_value": cv["p_value"], "verdict": cm["verdict"], "verdict_text": cm["verdict_text"],
        "reason": [note.split(" | ")[0].removeprefix(f"{v}: ") for note, v in zip(cm["note"], cm["verdict"])],
    })
    out = out.reset_index()
    if labelled:
        out["leading"] = out["leading"].map(_lab)
        out["lagging"] = out["lagging"].map(_lab)
    return out


def earned_indicators(results: pd.DataFrame) -> list[str]:
    """Leading indicators with at least one validated lagging outcome."""
    val = results[results["verdict"] == VALIDATED]
    return [name for name in INDICATORS if name in set(val["leading"])]


def summary_text(
    results: pd.DataFrame,
    skipped: pd.DataFrame | None = None,
    p_adjust: str = "holm",
    alpha: float = ALPHA,
) -> str:
    """Plain-language conclusion of the validation step (stable for nbval).

    Which leading indicators earned a place on the scorecard (they predict a
    lagging outcome by the verdict rule), which did not, and which could not
    be judged.
    """
    pairs = results.drop_duplicates(["leading", "lagging"])
    counts = pairs["verdict"].value_counts()
    adj = "Holm" if p_adjust == "holm" else "Benjamini-Hochberg"
    lines = [
        f"leading -> lagging pairs tested: {len(pairs)} "
        f"({int(counts.get(VALIDATED, 0))} validated, {int(counts.get(NOT_VALIDATED, 0))} not validated, "
        f"{int(counts.get(INSUFFICIENT, 0))} insufficient data)",
        f"rule: primary test (count model, one-sided) with {adj}-adjusted p < {alpha:.3f} within each window",
    ]
    cm = results[results["method"] == "count_model"].set_index(["leading", "lagging"])
    for (lead, lag) in pairs[["leading", "lagging"]].itertuples(index=False):
        c = cm.loc[(lead, lag)]
        if c["verdict"] == INSUFFICIENT:
            continue
        lines.append(f"  {lead} -> {lag}: rate ratio {c['estimate']:.3f} {c['scale']} "
                     f"(adjusted one-sided p {c['p_adjusted']:.3f}): {c['verdict_text']}")
    earned = earned_indicators(results)
    tested = [n for n in INDICATORS if n in set(pairs["leading"])]
    judged = set(pairs.loc[pairs["verdict"] != INSUFFICIENT, "leading"])
    not_earned = [n for n in tested if n not in earned and n in judged]
    unjudged = [n for n in tested if n not in judged]
    lines.append("earned a place on the scorecard: " + (", ".join(earned) if earned else "none"))
    lines.append("did not predict a lagging outcome: " + (", ".join(not_earned) if not_earned else "none"))
    if unjudged:
        lines.append("not enough data to judge: " + ", ".join(unjudged))
    if skipped is not None and len(skipped):
        lines.append("skipped: " + ", ".join(f"{r.indicator} ({r.reason})" for r in skipped.itertuples()))
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# for people: labels, sentences and the display table of the step page
# ---------------------------------------------------------------------------
#: Human labels of the leading indicators (passed to :func:`pilot_eval.data.vocabulary.label` as ``extra``).
#: (From the one vocabulary, :data:`pilot_eval.data.vocabulary.LABELS`.)
INDICATOR_LABELS: dict[str, str] = {k: LABELS[k] for k in (
    "pulse_change_early", "behaviour_index_change", "empathy_360_midpoint_change", "practice_sessions",
    "practice_plateau", "feedback_within_48h_share", "count_model", "partial_correlation", "cv_permutation")}

_DASH = "–"


def _lab(code: str) -> str:
    return label(code, INDICATOR_LABELS)


def _p_text(p: float) -> str:
    if not np.isfinite(p):
        return _DASH
    return "< 0.001" if p < 0.001 else f"{p:.3f}" if p < 0.1 else f"{p:.2f}"


def _rr_text(est: float, lo: float, hi: float, scale: str) -> str:
    if not np.isfinite(est):
        return _DASH
    unit = "per standard deviation" if scale == "per SD" else "yes vs no"
    return f"{est:.2f} ({lo:.2f} to {hi:.2f}) {unit}"


def verdict_display(results: pd.DataFrame) -> pd.DataFrame:
    """One row per pair for a reader: labels, the verdict sentence, the primary test, the supporting methods.

    All cells are text (rounded, no missing values: a dash where a method was
    not run or the pair could not be tested).
    """
    rows = []
    by: dict[str, dict[tuple[str, str], dict]] = {
        m: {(str(r["leading"]), str(r["lagging"])): r for r in results[results["method"] == m].to_dict("records")}
        for m in METHODS}
    for key, cm in by[PRIMARY_METHOD].items():  # a few dozen pairs
        pc, cv = by["partial_correlation"][key], by["cv_permutation"][key]
        r_txt = (f"r = {pc['estimate']:.2f} (p {_p_text(float(pc['p_adjusted']))})"
                 if np.isfinite(pc["estimate"]) else _DASH)
        cv_txt = (f"gain {cv['estimate']:.3f} (permutation p {_p_text(float(cv['p_value']))})"
                  if np.isfinite(cv["estimate"]) else _DASH)
        rows.append({
            "Early signal": _lab(key[0]), "Later outcome": _lab(key[1]), "Verdict": cm["verdict_text"],
            "Rate ratio (95% CI)": _rr_text(float(cm["estimate"]), float(cm["ci_low"]), float(cm["ci_high"]),
                                            str(cm["scale"])),
            "One-sided p, Holm": _p_text(float(cm["p_adjusted"])),
            "Leaders": f"{int(cm['n'])}", "Events": f"{int(cm['events'])}" if np.isfinite(cm["events"]) else _DASH,
            "Correlation (supporting)": r_txt, "Out-of-sample prediction (supporting)": cv_txt,
        })
    return pd.DataFrame(rows)


def summary_markdown(results: pd.DataFrame, skipped: pd.DataFrame | None = None) -> str:
    """The step's conclusion in sentences (Markdown), for the step page."""
    cm = results[results["method"] == PRIMARY_METHOD]
    counts = cm["verdict"].value_counts()
    lines = [f"**{len(cm)} pairs** of an early signal and a later outcome: "
             f"**{int(counts.get(VALIDATED, 0))} validated**, {int(counts.get(NOT_VALIDATED, 0))} not validated, "
             f"{int(counts.get(INSUFFICIENT, 0))} with insufficient data.", ""]
    for r in cm[cm["verdict"] == VALIDATED].to_dict("records"):
        rr = float(r["estimate"])
        what = (f"{100 * (1 - rr):.0f}% fewer events" if rr < 1 else f"{rr:.2f} times the events")
        unit = ("per standard deviation of the early signal" if r["scale"] == "per SD"
                else "when the early signal is yes")
        lines.append(f"* Validated: **{_lab(str(r['leading']))}** predicts **{_lab(str(r['lagging']))}**: {what} "
                     f"{unit} (rate ratio {rr:.2f}, 95% CI {float(r['ci_low']):.2f} to {float(r['ci_high']):.2f}; "
                     f"one-sided p after Holm's correction {_p_text(float(r['p_adjusted']))}; {int(r['n'])} leaders, "
                     f"{int(r['events'])} events).")
    for r in cm[cm["verdict"] == NOT_VALIDATED].to_dict("records"):
        lines.append(f"* {_lab(str(r['leading']))} and {_lab(str(r['lagging']))}: {r['verdict_text']}.")
    ins = cm[cm["verdict"] == INSUFFICIENT]
    if len(ins):
        reasons = ins["verdict_text"].str.removeprefix(f"{INSUFFICIENT} (").str.removesuffix(")")
        kinds = reasons.str.replace(r"^\d+ events, fewer than (\d+).*$", r"fewer than \1 events", regex=True)
        top = kinds.value_counts()
        lines.append(f"* Insufficient data for {len(ins)} pairs: "
                     + "; ".join(f"{n} with {k}" for k, n in top.items()) + ".")
    earned = earned_indicators(results)
    lines += ["", "Earned a place on the scorecard as an early warning: "
              + (", ".join(_lab(n) for n in earned) if earned else "none") + "."]
    if skipped is not None and len(skipped):
        lines.append("Not built for this cohort: " + "; ".join(
            f"{_lab(str(r['indicator']))} ({str(r['reason']).split(':')[0]})" for r in skipped.to_dict("records"))
            + ".")
    return "\n".join(lines)
