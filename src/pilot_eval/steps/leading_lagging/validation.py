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

**Methods** (:func:`validate_pairs`), each adjusting for role, culture and the
lagging outcome's pre-window rate:

1. ``partial_correlation`` of the indicator with the lagging rate
   (:mod:`pilot_eval.stats.partial_correlation`);
2. ``count_model``: Poisson or negative-binomial regression of the event
   count with offset log(person-days), cluster-robust by org unit
   (:mod:`pilot_eval.stats.count_models`); the estimate is the rate ratio per SD of
   the indicator (yes vs no for ``practice_plateau``);
3. ``cv_permutation``: out-of-sample deviance gain of adding the indicator,
   grouped 5-fold cross-validation by org unit, permutation p-value
   (:mod:`pilot_eval.stats.predictive`).

p-values are adjusted across all tested pairs, per method (Holm by default).

**Verdict rule** (:func:`verdicts`).  A pair is

* ``insufficient data`` when fewer than ``max(min_leaders, min_group_size)``
  leaders have both values, when the indicator hardly varies (binary: fewer
  than ``min_group_size`` leaders in one class), when there are fewer than
  ``events_per_variable`` events per model coefficient (Vittinghoff &
  McCulloch 2007: 5-9), or when the leaders are in fewer than 2 org units;
* ``validated`` when **both** (a) the count model's rate ratio is in the
  expected direction (a better indicator value goes with fewer adverse events)
  with adjusted p < ``alpha``, **and** (b) the cross-validated deviance gain is
  positive with permutation p < ``alpha``;
* ``not validated`` otherwise (the note says which criterion failed).

Because a validated pair must pass the Holm-adjusted test (a), the chance that
any null pair is validated is at most ``alpha`` (family-wise); with
``p_adjust="fdr_bh"`` the guarantee is the false discovery rate instead.

References
----------
Kaplan, R. S., & Norton, D. P. (1996). *The Balanced Scorecard*. Harvard
Business School Press (leading and lagging measures).

Vittinghoff, E., & McCulloch, C. E. (2007). Relaxing the rule of ten events
per variable in logistic and Cox regression. *American Journal of
Epidemiology*, 165(6), 710-718.

Holm, S. (1979). A simple sequentially rejective multiple test procedure.
*Scandinavian Journal of Statistics*, 6(2), 65-70.
"""

from __future__ import annotations

import dataclasses
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from pilot_eval.measures import scores as measures
from pilot_eval.data.cohort import Cohort
from pilot_eval.data.config import CohortConfig
from pilot_eval.stats.count_models import fit_count_model
from pilot_eval.stats.design import control_design, standardise
from pilot_eval.stats.partial_correlation import partial_correlation
from pilot_eval.stats.predictive import P_ADJUST_METHODS, STOP_AFTER, adjust_p_values, cv_predictive_gain
from pilot_eval.measures._common import PILOT, suppress_small_cells
from pilot_eval.measures.fidelity import FIDELITY_INDICATORS, fidelity_indicators
from pilot_eval.data.windows import pilot_months, pre_months

#: Pilot months whose pulse makes up the early pulse change.
EARLY_PULSE_MONTHS: tuple[int, ...] = (0, 1)

VALIDATED = "validated"
NOT_VALIDATED = "not validated"
INSUFFICIENT = "insufficient data"

#: Method labels of ``results/leading_lagging.csv``.
METHODS: tuple[str, ...] = ("partial_correlation", "count_model", "cv_permutation")

#: Columns of :func:`validate_pairs` (contract columns first).
RESULT_COLUMNS: tuple[str, ...] = (
    "leading", "lagging", "method", "estimate", "ci_low", "ci_high", "p_value", "p_adjusted",
    "verdict", "n", "note", "outcome", "period", "events", "scale", "criterion_met",
)


@dataclasses.dataclass(frozen=True)
class Indicator:
    """A leading indicator: what it is and which way is "better"."""

    name: str
    description: str
    #: +1: higher is better (expect fewer adverse events); -1: higher is worse.
    better: int
    binary: bool = False


#: The leading indicators, in the order reported.
INDICATORS: dict[str, Indicator] = {
    i.name: i for i in (
        Indicator("pulse_change_early", "team pulse, pilot months 0-1 minus pre-window months", +1),
        Indicator("behaviour_index_change", "observed behaviour index, pilot months minus pre months", +1),
        Indicator("empathy_360_midpoint_change", "360 empathy score, midpoint minus baseline", +1),
        Indicator("practice_sessions", "practice sessions done in the pilot (pilot leaders)", +1),
        Indicator("practice_plateau", "practice scores stalled (3 sessions in a row without a new best)",
                  -1, binary=True),
        Indicator("feedback_within_48h_share", "share of feedback given within 48 hours", +1),
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
        return (f"{events:.0f} events, fewer than {need_events:.0f} "
                f"({events_per_variable:g} per model coefficient)")
    if df["org_unit"].nunique() < 2:
        return "leaders in fewer than 2 org units: no grouped cross-validation"
    return ""


def _analyse_pair(
    df: pd.DataFrame, leading: str, config: CohortConfig, n_permutations: int, seed: int | None,
    n_splits: int, min_clusters: int, min_leaders: int, events_per_variable: float,
) -> dict:
    """All three methods for one leading -> lagging pair (one analysis sample)."""
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
    y = df["events"].to_numpy(dtype="float64")
    exposure = df["person_days"].to_numpy(dtype="float64")
    rate = df["events"].to_numpy(dtype="float64") / exposure * measures.RATE_PER_MEMBERS * measures.RATE_PER_DAYS
    out["partial"] = partial_correlation(x_raw, rate, C).iloc[0]
    try:
        cm = fit_count_model(y, exposure, np.column_stack([x, C]), [leading, *cnames],
                             clusters=df["org_unit"].to_numpy(dtype=object), min_clusters=min_clusters)
        out["count"] = cm.loc[cm["term"] == leading].iloc[0]
    except (ValueError, np.linalg.LinAlgError) as exc:  # pragma: no cover - defensive
        out["reason"] = f"count model could not be fitted ({exc})"
        return out
    strata = (df["role"].astype("str") + "|" + df["culture"].astype("str")).to_numpy(dtype=object)
    out["cv"] = cv_predictive_gain(y, exposure, x, C, df["org_unit"].to_numpy(dtype=object), strata,
                                   n_splits=n_splits, n_permutations=n_permutations, seed=seed).iloc[0]
    return out


def validate_pairs(
    indicators: pd.DataFrame,
    lagging: pd.DataFrame,
    config: CohortConfig,
    p_adjust: str = "holm",
    alpha: float = 0.05,
    n_permutations: int = 999,
    seed: int | None = 0,
    n_splits: int = 5,
    min_clusters: int = 10,
    min_leaders: int = 20,
    events_per_variable: float = 5.0,
    leading: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Test every leading -> lagging pair and give each a verdict.

    Parameters
    ----------
    indicators
        Output of :func:`leading_indicators`.
    lagging
        Output of :func:`pilot_eval.measures.lagging_outcomes.lagging_outcomes`.
    config
        Supplies ``min_group_size``.
    p_adjust
        ``"holm"`` or ``"fdr_bh"``; applied across all tested pairs, per method.
    alpha
        Level of the verdict's tests.
    n_permutations, seed
        Permutations of the cross-validation test and their seed (the same
        seed for every pair, so results do not depend on the pair order).
    n_splits
        Folds of the grouped cross-validation.
    min_clusters
        Fewest org units for cluster-robust count-model errors.
    min_leaders, events_per_variable
        Insufficient-data thresholds (see module docs).
    leading
        Indicators to test (default: all available).

    Returns
    -------
    DataFrame
        Three rows per pair (``method`` in :data:`METHODS`) with the columns of
        :data:`RESULT_COLUMNS`.  ``estimate`` is the partial correlation, the
        rate ratio, or the cross-validated deviance gain; ``verdict`` is the
        pair's verdict, repeated on its rows; ``criterion_met`` says whether
        that method's part of the rule holds; ``note`` explains.
    """
    if p_adjust not in P_ADJUST_METHODS:
        raise ValueError(f"p_adjust_method must be one of {P_ADJUST_METHODS}, got {p_adjust!r}")
    names = list(leading) if leading is not None else available_leading(indicators)
    keys = lagging[["outcome", "period"]].drop_duplicates().itertuples(index=False)
    pairs = [(name, o, p) for o, p in keys for name in names]
    pairs.sort(key=lambda t: (names.index(t[0]),))
    rows = []
    for name, outcome, period in pairs:  # a few dozen pairs
        lag = lagging[lagging["outcome"].eq(outcome).to_numpy(dtype=bool)
                      & lagging["period"].eq(period).to_numpy(dtype=bool)]
        df = _pair_sample(indicators, lag, name)
        res = _analyse_pair(df, name, config, n_permutations, seed, n_splits, min_clusters,
                            min_leaders, events_per_variable)
        rows.append({"leading": name, "outcome": outcome, "period": period, **res})
    return verdicts(rows, p_adjust=p_adjust, alpha=alpha)


def verdicts(pair_results: list[dict], p_adjust: str = "holm", alpha: float = 0.05) -> pd.DataFrame:
    """Adjust p-values across pairs and apply the verdict rule (module docs).

    ``pair_results`` holds one dict per pair: ``leading``, ``outcome``,
    ``period``, ``n``, ``events``, ``scale``, ``reason`` (non-empty =
    insufficient data) and, when analysed, the method results ``partial``,
    ``count`` and ``cv`` (rows of the method functions).
    """
    long = []
    for i, r in enumerate(pair_results):
        base = {"_pair": i, "leading": r["leading"], "lagging": lagging_label(r["outcome"], r["period"]),
                "outcome": r["outcome"], "period": r["period"], "n": r["n"], "events": r["events"],
                "scale": r["scale"]}
        pc, cm, cv = r.get("partial"), r.get("count"), r.get("cv")
        long.append({**base, "method": "partial_correlation",
                     "estimate": np.nan if pc is None else pc["r"],
                     "ci_low": np.nan if pc is None else pc["ci_low"],
                     "ci_high": np.nan if pc is None else pc["ci_high"],
                     "p_value": np.nan if pc is None else pc["p_value"],
                     "_detail": "" if pc is None else f"controls: role, culture, pre-window rate; k = {int(pc['k'])}"})
        long.append({**base, "method": "count_model",
                     "estimate": np.nan if cm is None else cm["rate_ratio"],
                     "ci_low": np.nan if cm is None else cm["rr_ci_low"],
                     "ci_high": np.nan if cm is None else cm["rr_ci_high"],
                     "p_value": np.nan if cm is None else cm["p_value"],
                     "_detail": "" if cm is None else _count_note(cm)})
        long.append({**base, "method": "cv_permutation",
                     "estimate": np.nan if cv is None else cv["gain"],
                     "ci_low": np.nan, "ci_high": np.nan,
                     "p_value": np.nan if cv is None else cv["p_value"],
                     "_detail": "" if cv is None else (
                         f"held-out Poisson deviance {cv['deviance_full']:.1f} vs {cv['deviance_controls']:.1f} "
                         f"(controls only); {int(cv['n_folds'])} folds by org unit; "
                         f"{int(cv['n_permutations'])} permutations within role x culture"
                         + (f" (stopped early: {STOP_AFTER} permuted gains reached the observed one)"
                            if bool(cv.get("stopped_early", False)) else "")
                         + (" (stopped early: no permuted gain came near the observed one, so the p-value "
                            "of the full run is decided)"
                            if bool(cv.get("decided_early", False)) else ""))})
    out = pd.DataFrame(long)
    out["p_adjusted"] = np.nan
    for method in METHODS:  # one family per method
        sel = out["method"].eq(method).to_numpy()
        out.loc[sel, "p_adjusted"] = adjust_p_values(out.loc[sel, "p_value"].to_numpy(), p_adjust)
    by_method = {m: out[out["method"] == m].set_index("_pair") for m in METHODS}
    adj_name = "Holm" if p_adjust == "holm" else "BH"
    verdict: list[str] = []
    why: list[str] = []
    met: list[dict[str, object]] = []
    for i, r in enumerate(pair_results):  # a few dozen pairs
        if r["reason"]:
            verdict.append(INSUFFICIENT)
            why.append(r["reason"])
            met.append({m: pd.NA for m in METHODS})
            continue
        cm, cv, pc = (by_method[m].loc[i] for m in ("count_model", "cv_permutation", "partial_correlation"))
        rr, rr_p = cm["estimate"], cm["p_adjusted"]
        gain, cv_p = cv["estimate"], cv["p_value"]
        direction = bool(rr < 1) if INDICATORS[r["leading"]].better > 0 else bool(rr > 1)
        count_ok = bool(direction and rr_p < alpha)
        cv_ok = bool(gain > 0 and cv_p < alpha)
        met.append({"count_model": count_ok, "cv_permutation": cv_ok,
                    "partial_correlation": bool(pc["p_adjusted"] < alpha) if np.isfinite(pc["p_adjusted"])
                    else pd.NA})
        if count_ok and cv_ok:
            verdict.append(VALIDATED)
            why.append("both criteria met")
            continue
        failed = []
        if not direction:
            failed.append("rate ratio not in the expected direction")
        elif not rr_p < alpha:
            failed.append(f"count model {adj_name}-adjusted p = {rr_p:.3f}")
        if not gain > 0:
            failed.append("no out-of-sample improvement")
        elif not cv_p < alpha:
            failed.append(f"permutation p = {cv_p:.3f}")
        verdict.append(NOT_VALIDATED)
        why.append("; ".join(failed))
    pair = out["_pair"].to_numpy()
    out["verdict"] = [verdict[i] for i in pair]
    out["criterion_met"] = pd.array([met[i][m] for i, m in zip(pair, out["method"])], dtype="boolean")
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
    conv = "" if bool(cm["converged"]) else "; fit did not fully converge"
    return f"{fam} ({disp}); {se}; offset log(person-days){conv}"


# ---------------------------------------------------------------------------
# reading the verdicts
# ---------------------------------------------------------------------------
def verdict_table(results: pd.DataFrame) -> pd.DataFrame:
    """One row per pair: verdict, rate ratio, CV gain and the reason (for display)."""
    cm = results[results["method"] == "count_model"].set_index(["leading", "lagging"])
    cv = results[results["method"] == "cv_permutation"].set_index(["leading", "lagging"])
    out = pd.DataFrame({
        "n": cm["n"], "events": cm["events"], "scale": cm["scale"],
        "rate_ratio": cm["estimate"], "rr_ci_low": cm["ci_low"], "rr_ci_high": cm["ci_high"],
        "rr_p_adjusted": cm["p_adjusted"], "cv_gain": cv["estimate"], "cv_p_value": cv["p_value"],
        "verdict": cm["verdict"],
        "reason": [note.split(" | ")[0].removeprefix(f"{v}: ") for note, v in zip(cm["note"], cm["verdict"])],
    })
    return out.reset_index()


def earned_indicators(results: pd.DataFrame) -> list[str]:
    """Leading indicators with at least one validated lagging outcome."""
    val = results[results["verdict"] == VALIDATED]
    return [name for name in INDICATORS if name in set(val["leading"])]


def summary_text(
    results: pd.DataFrame,
    skipped: pd.DataFrame | None = None,
    p_adjust: str = "holm",
    alpha: float = 0.05,
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
        f"rule: rate ratio in the expected direction with {adj}-adjusted p < {alpha:.3f} "
        f"AND out-of-sample gain > 0 with permutation p < {alpha:.3f}",
    ]
    cm = results[results["method"] == "count_model"].set_index(["leading", "lagging"])
    cv = results[results["method"] == "cv_permutation"].set_index(["leading", "lagging"])
    for (lead, lag) in pairs.loc[pairs["verdict"] == VALIDATED, ["leading", "lagging"]].itertuples(index=False):
        c, v = cm.loc[(lead, lag)], cv.loc[(lead, lag)]
        lines.append(f"  validated: {lead} -> {lag}: rate ratio {c['estimate']:.3f} {c['scale']} "
                     f"(adjusted p {c['p_adjusted']:.3f}), out-of-sample gain {v['estimate']:.3f} "
                     f"(permutation p {v['p_value']:.3f})")
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
