"""Step 5: the executive balanced scorecard (``results/scorecard.csv``).

Three panels, as in the seed article's dashboard:

* **People Health** - 360 empathy score change in % of the scale's maximum
  possible change (POMP), team pulse change;
* **Behaviour Change** - share of leaders *reliably* improved, pilot minus
  comparison (with the pilot share beside it), observed behaviour index;
* **Risk** - HR incidents, escalations, voluntary attrition (% change of the
  rate), promotion equity (adverse impact ratio in pilot teams).

**One estimate per quantity.**  Every effect indicator is an ``effects.csv``
row of step 3, named in ``source_outcome``, ``source_model`` and
``source_period``: the ANCOVA (role, culture, starting value and imbalanced
baseline measures controlled; org-unit cluster-robust errors, wild cluster
bootstrap with fewer than 30 org units) for the 360 score, pulse and
behaviours; the adjusted count model (:mod:`pilot_eval.steps.effects.count`)
for the risk outcomes.  Without a usable comparison group the 360 score,
pulse and behaviours fall back to the pilot leaders' own change (``prepost``,
labelled not causal) and the risk outcomes have no data.  The two indicators
that are not effects say their source in ``note``: reliable change (step 2,
:func:`pilot_eval.steps.reliability.change.leader_reliable_change`) and
promotion equity.

**Status** from the probability that the target is met
(:mod:`pilot_eval.steps.decision.indicators`).

**Publication rounding** (:mod:`pilot_eval.privacy`, differencing across reports):
rows that are group aggregates are rounded here, where the table is built, as the
reliable-change shares (:func:`_excess_share`) and the promotion ratio
(:func:`published_air`: value, interval, n and Fisher p by
:func:`pilot_eval.privacy.coarsen_promotion_contrast`).  The promotion row's fairness
flag and status are computed from the exact values before it is rounded, so the
decision rule, which reads this table, decides as on the exact values.

**Interim looks** (``as_of``): a lagging indicator whose window has not
ended is *not yet*: no value, no interval, and a note with the date from
which it can be measured (``available_from``).  The risk rows keep
``p_worse``, the one-sided p of a rise on the data so far, for the interim
harm check (:mod:`pilot_eval.steps.decision.course`).  ``due`` says whether
the indicator is due for review at this look (monthly leading, quarterly
lagging, :func:`pilot_eval.steps.decision.indicators.is_due`).

References
----------
Jacobson, N. S., & Truax, P. (1991). Clinical significance: a statistical
approach to defining meaningful change in psychotherapy research. *Journal of
Consulting and Clinical Psychology*, 59(1), 12-19.

Newcombe, R. G. (1998). Interval estimation for the difference between
independent proportions. *Statistics in Medicine*, 17(8), 873-890.

Uniform Guidelines on Employee Selection Procedures, 29 CFR 1607.4(D)
(four-fifths rule).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Iterable, cast

import numpy as np
import pandas as pd
from scipy import stats

from pilot_eval.data.as_of import planned_config
from pilot_eval.data.cohort import Cohort
from pilot_eval.data.config import CohortConfig
from pilot_eval.data.windows import month_of, pilot_months, pre_months
from pilot_eval.errors import MissingResultError
from pilot_eval.measures import scores as measures
from pilot_eval.steps.results import RESULT_FILES
from pilot_eval.measures.behaviour_exclusions import behaviour_alphas
from pilot_eval.stats.icc import icc_oneway_unbalanced
from pilot_eval.steps import completeness as comp
from pilot_eval.measures.lagging_outcomes import most_people_per_leader, small_numbers
from pilot_eval.privacy import (
    coarsen_probability, coarsen_promotion_contrast, format_coarse_p, publication_step, round_to_step,
)
from pilot_eval.steps.decision.indicators import (
    INDICATORS, NOT_YET, PANELS, SPECS, availability, is_due, probability_target_met, status_from_probability, pomp,
)

__all__ = ["SCORECARD_COLUMNS", "PANELS", "SPECS", "load_results", "build_scorecard", "confidence_components",
           "summary_text", "data_notes", "select_effect", "fairness"]

SCORECARD_COLUMNS = ("panel", "indicator", "kind", "cadence", "period", "value", "target",
                     "status", "ci_low", "ci_high", "confidence")
#: Columns after the contract's: where the number comes from, and how sure it is.
EXTRA_COLUMNS = ("source_outcome", "source_model", "source_period", "probability", "note", "label", "unit",
                 "direction", "n", "method", "step", "p_worse", "pilot_share", "comparison_share",
                 "fairness_flag", "confidence_label", "completeness", "rater_adequacy", "reliability",
                 "as_of", "due", "available_from", "value_text")
#: Which step writes each result file the scorecard reads.
RESULT_STEPS = RESULT_FILES  # the registry of step results (one definition)
#: Fisher exact p-value under which an adverse impact ratio below 0.8 is a fairness flag.
FAIRNESS_P = 0.05


# --------------------------------------------------------------------------
# reading the earlier steps' results
# --------------------------------------------------------------------------
def load_results(out_dir: str | Path, required: Iterable[str] = ("effects", "reliability")) -> dict[str, pd.DataFrame]:
    """The earlier steps' ``results/*.csv`` in ``out_dir``.

    Raises
    ------
    MissingResultError
        When a ``required`` file is missing, naming the notebook that writes it.
    """
    folder = Path(out_dir) / "results"
    out = {}
    for name in ("completeness", "baseline_balance", "reliability", "min_raters", "effects",
                 "leading_lagging", "power"):
        path = folder / f"{name}.csv"
        if path.is_file():
            out[name] = pd.read_csv(path)
    missing = [n for n in required if n not in out]
    if missing:
        steps = ", ".join(f"notebook {RESULT_STEPS.get(n, n)} (writes results/{n}.csv)" for n in missing)
        raise MissingResultError(
            f"the scorecard needs the earlier steps' results in {folder}: run {steps} first "
            "(pilot-eval report runs every step in order)")
    return out


def reliability_icc1k(reliability: pd.DataFrame | None) -> float | None:
    """ICC(1,k) of all non-self 360 raters from ``results/reliability.csv`` (first wave estimated)."""
    if reliability is None:
        return None
    sel = reliability[(reliability["measure"] == "empathy_360:all_others") & (reliability["method"] == "ICC1k")
                      & reliability["estimate"].notna()]
    return float(sel["estimate"].iloc[0]) if len(sel) else None


def select_effect(effects: pd.DataFrame | None, outcome: str, model: str) -> pd.Series | None:
    """The ``effects.csv`` row of ``outcome`` and ``model`` with an estimate, or None."""
    if effects is None or effects.empty:
        return None
    rows = effects[(effects["outcome"] == outcome) & (effects["model"] == model)]
    rows = rows[pd.to_numeric(rows["estimate"], errors="coerce").notna()]
    return rows.iloc[0] if len(rows) else None


def usable_comparison(cohort: Cohort) -> tuple[bool, str]:
    """Whether both arms have at least ``min_group_size`` leaders, and why not."""
    n = cohort.leaders["arm"].value_counts()
    mgs = cohort.config.min_group_size
    n_p, n_c = int(n.get("pilot", 0)), int(n.get("comparison", 0))
    if n_p < mgs:
        return False, (f"the pilot group has fewer than {mgs} leaders, the smallest group this report shows")
    if n_c == 0:
        return False, "there is no comparison group, so no change can be attributed to the training"
    if n_c < mgs:
        return False, (f"the comparison group has fewer than {mgs} leaders, the smallest group this report "
                       "shows, so it cannot be used")
    return True, ""


def confidence_label(score: float) -> str:
    if not np.isfinite(score):
        return "unknown"
    return "high" if score >= 0.8 else "medium" if score >= 0.6 else "low"


def _clip01(x: float) -> float:
    return float(np.clip(x, 0.0, 1.0)) if np.isfinite(x) else np.nan


def confidence_components(cohort: Cohort, icc1k: float | None = None,
                          excluded: Iterable[str] = ()) -> pd.DataFrame:
    """Completeness, rater adequacy and reliability (each 0-1) behind each indicator.

    * 360 indicators: endline response rate; share of pilot leaders with at
      least ``min_raters_per_category`` peers and direct reports at endline;
      ICC(1,k) of all non-self raters (reliability step).
    * pulse: pilot-month response rate; share of pilot teams with at least
      ``min_group_size`` respondents in the last pilot month; ICC(1,k) of
      respondents within teams.
    * behaviour index: share of pilot leader-months with a coded session;
      double-coded share against the 25 % norm; mean Krippendorff's alpha of
      the behaviours kept.
    * HR outcomes (administrative records): completeness = months of the
      pre and pilot windows with incident data; adequacy and reliability 1.

    The confidence score is the mean of the three.
    """

    cfg = cohort.config
    pilot_ids = set(cohort.leaders.loc[cohort.leaders["arm"] == "pilot", "leader_id"])
    rows = []

    rr = comp.rating_response_rates(cohort.ratings, cohort.leaders)
    end = rr[(rr["wave"] == "endline") & (rr["rater_type"] != "self")]
    c360 = end["observed"].sum() / max(end["expected"].sum(), 1)
    per = comp.raters_per_leader(cohort.ratings, cohort.leaders)
    per = per[(per["wave"] == "endline") & per["leader_id"].isin(pilot_ids)
              & per["rater_type"].isin(["peer", "direct_report"])]
    ok = per.groupby("leader_id")["n_raters"].min() >= cfg.min_raters_per_category
    a360 = float(ok.mean()) if len(ok) else np.nan
    r360 = np.nan if icc1k is None else float(icc1k)
    rows.append({"source": "empathy_360", "completeness": _clip01(c360), "rater_adequacy": _clip01(a360),
                 "reliability": _clip01(r360)})

    pr = comp.pulse_response_rates(cohort.pulse, cohort.employees, cfg)
    pil = pr[pr["month"].isin(pilot_months(cfg))]
    cpul = pil["observed"].sum() / max(pil["expected"].sum(), 1)
    pm = measures.pulse(cohort.pulse, cfg)
    last = pm[(pm["month"] == max(pilot_months(cfg))) & pm["leader_id"].isin(pilot_ids)]
    apul = float((last["n_respondents"] >= cfg.min_group_size).mean()) if len(last) else np.nan
    resp = cohort.pulse.assign(month=month_of(cohort.pulse["date"], cfg))
    resp = resp[resp["month"].isin(pre_months(cfg))]
    resp = cast(pd.DataFrame,
                resp.groupby(["leader_id", "month", "respondent_id"], as_index=False)["score"].mean()).dropna()
    resp["team_month"] = resp["leader_id"].astype(str) + ":" + resp["month"].astype(str)
    rpul = np.nan
    if len(resp) > 10:
        icc = icc_oneway_unbalanced(resp, "team_month", "score")
        rpul = float(icc.loc[icc["method"] == "ICC1k", "estimate"].iloc[0])
    rows.append({"source": "pulse", "completeness": _clip01(cpul), "rater_adequacy": _clip01(apul),
                 "reliability": _clip01(rpul)})

    if cohort.observations is not None and cohort.behaviours is not None:
        obs = cohort.observations.assign(month=month_of(cohort.observations["date"], cfg))
        obs = obs[obs["month"].isin(pilot_months(cfg)) & obs["leader_id"].isin(pilot_ids)]
        cbeh = obs[["leader_id", "month"]].drop_duplicates().shape[0] / max(len(pilot_ids) * len(pilot_months(cfg)), 1)
        dc = comp.double_coding(cohort.observations)
        abeh = float(dc["completeness"].iloc[0]) / 0.25
        alphas = behaviour_alphas(cohort)
        kept = alphas[~alphas["behaviour"].isin(list(excluded))]["alpha"].dropna()
        rbeh = float(kept.mean()) if len(kept) else np.nan
        rows.append({"source": "behaviour_index", "completeness": _clip01(cbeh),
                     "rater_adequacy": _clip01(abeh), "reliability": _clip01(rbeh)})
    else:
        rows.append({"source": "behaviour_index", "completeness": 0.0, "rater_adequacy": np.nan,
                     "reliability": np.nan})

    if cohort.incidents is not None:
        cov = comp.date_coverage(cohort)
        cov = cov[(cov["table"] == "incidents") & cov["window"].isin(["pre", "pilot"])]
        cinc = cov["observed"].sum() / max(cov["expected"].sum(), 1)
    else:
        cinc = 0.0
    rows.append({"source": "incidents", "completeness": _clip01(cinc), "rater_adequacy": 1.0, "reliability": 1.0})
    rows.append({"source": "employees", "completeness": 1.0, "rater_adequacy": 1.0, "reliability": 1.0})
    out = pd.DataFrame(rows)
    out["confidence"] = out[["completeness", "rater_adequacy", "reliability"]].mean(axis=1, skipna=False).round(2)
    return out


SOURCE_OF = {
    "empathy_360_change_pct": "empathy_360", "leaders_improved_pct": "empathy_360",
    "pulse_change": "pulse", "behaviour_index_change": "behaviour_index",
    "hr_incidents_change_pct": "incidents", "escalations_change_pct": "incidents",
    "voluntary_attrition_change_pct": "employees", "promotion_air": "employees",
}



def air_from_counts(x1: float, n1: float, x2: float, n2: float, confidence: float = 0.95) -> dict[str, Any]:
    """Adverse impact ratio of ``x1 / n1`` (lowest group) to ``x2 / n2`` (highest), exact.

    Katz log interval (0.5 for a zero count) and the two-sided Fisher exact p;
    the counts are kept (``lowest_n`` ...) for :func:`published_air`.

    Examples
    --------
    >>> a = air_from_counts(3, 30, 8, 40)
    >>> round(a["value"], 3), round(a["ci_low"], 3), round(a["ci_high"], 3), round(a["p_value"], 2)
    (0.5, 0.145, 1.727, 0.33)
    """
    x1a, x2a = max(x1, 0.5), max(x2, 0.5)
    ratio = (x1 / n1) / (x2 / n2)
    se = np.sqrt(1 / x1a - 1 / n1 + 1 / x2a - 1 / n2)
    z = stats.norm.ppf(0.5 + confidence / 2)
    log_r = np.log((x1a / n1) / (x2a / n2))
    p = float(stats.fisher_exact([[x1, n1 - x1], [x2, n2 - x2]])[1])
    return {"value": ratio, "ci_low": float(np.exp(log_r - z * se)), "ci_high": float(np.exp(log_r + z * se)),
            "n": int(n1 + n2), "method": f"lowest / highest group promotion rate; Katz log interval; Fisher exact p = {p:.3f}",
            "p_value": p, "small_numbers": bool(small_numbers([x1], [n1], [x2], [n2])[0]),
            "lowest_n": n1, "lowest_promoted": x1, "highest_n": n2, "highest_promoted": x2}


def _air_with_ci(employees: pd.DataFrame, leaders: pd.DataFrame, config: CohortConfig,
                 confidence: float = 0.95) -> dict[str, Any]:
    """Adverse impact ratio in pilot teams, with a Katz log interval for the two extreme groups (exact)."""
    rates = measures.promotion_rates(employees, leaders, config, by=("group", "arm"))
    pilot = rates[(rates["arm"] == "pilot") & (rates["n"] > 0)]
    pilot = pilot[pilot["n"] >= config.min_group_size]
    if len(pilot) < 2 or pilot["promotion_rate"].max() <= 0:
        return {"value": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n": int(pilot["n"].sum()) if len(pilot) else 0,
                "method": "too few groups or promotions"}
    lo = cast(pd.Series, pilot.loc[cast(Any, pilot["promotion_rate"].idxmin())])  # unique index
    hi = cast(pd.Series, pilot.loc[cast(Any, pilot["promotion_rate"].idxmax())])
    return air_from_counts(float(lo["promoted"]), float(lo["n"]), float(hi["promoted"]), float(hi["n"]), confidence)


def published_air(air: dict[str, Any], most_per_leader: float, target: float) -> dict[str, Any]:
    """The scorecard's adverse impact ratio row as published, from the exact :func:`air_from_counts`.

    ``fairness_flag`` (:func:`fairness`) and the probability that the target is met (its
    status) are computed from the exact values first; then value, interval (outwards), ``n``
    and p are rounded by :func:`pilot_eval.privacy.coarsen_promotion_contrast` with T =
    ``most_per_leader`` (:func:`pilot_eval.measures.lagging_outcomes.most_people_per_leader`
    of the pilot arm) and the probability by :func:`pilot_eval.privacy.coarsen_probability`:
    two reports of cohorts that differ by one leader do not give that leader's promotions by
    subtraction, and the decision (which reads only the flag) is the one of the exact values.

    Examples
    --------
    Enough promotions (12 of 60 vs 40 of 200; T = 14, counts to 20): a rounded ratio and interval.

    >>> row = published_air(air_from_counts(12, 60, 40, 200), 14, 0.8)
    >>> row["value"], row["ci_low"], row["ci_high"], row["n"], row["value_text"]
    (1.0, 0.4, 1.8, 260, '')

    The sample's pilot counts (2 of 54 vs 18 of 203 promoted: small numbers): no ratio at all,
    only its side of 0.8; the flag and the status's probability are from the exact counts.

    >>> row = published_air(air_from_counts(2, 54, 18, 203), 14, 0.8)
    >>> row["value"], row["value_text"], row["n"], row["fairness_flag"], round(row["probability"], 2)
    (nan, 'below 0.8', 260, False, 0.19)
    >>> row["method"]
    'lowest / highest group promotion rate; Katz log interval; Fisher exact p of 0.05 or more'
    """
    out = dict(air)
    out["fairness_flag"] = fairness(air)
    v = air.get("value", np.nan)
    out["four_fifths_flag"] = bool(np.isfinite(v) and v < measures.FOUR_FIFTHS)
    exact_p = probability_target_met(air["value"], air["ci_low"], air["ci_high"], target, +1, "log")
    out = coarsen_promotion_contrast(out, most_per_leader)
    # small numbers: no ratio or interval at all, only its side of 0.8 (privacy.RATIO_CLASSES)
    out["value_text"] = str(out.pop("ratio_class", "") or "")
    out["n"] = int(out["n"]) if np.isfinite(out["n"]) else 0
    out["probability"] = exact_p  # the status is read from the exact probability
    out["published_probability"] = coarsen_probability(exact_p)
    if "p_value" in air:
        out["method"] = ("lowest / highest group promotion rate; Katz log interval; Fisher exact "
                         + format_coarse_p(air["p_value"]))
    return out


def fairness(air: dict[str, Any]) -> bool:
    """Fairness flag: adverse impact ratio below 0.8 with enough data to tell (Fisher p < 0.05)."""
    v, p = air.get("value", np.nan), air.get("p_value", np.nan)
    return bool(np.isfinite(v) and v < measures.FOUR_FIFTHS and np.isfinite(p) and p < FAIRNESS_P)


_NOTE = {
    "ancova": "Compared with the comparison group, allowing for role, culture and the starting level "
              "(errors grouped by org unit)",
    "prepost": "Change of the pilot leaders themselves: without a comparison group this is not an effect "
               "of the training",
    "count": "Compared with the comparison group in a model of event counts per team member, allowing for "
             "role, culture and the rate before the pilot (errors grouped by org unit)",
}


def _no_data(reason: str) -> dict[str, Any]:
    return {"value": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n": 0, "note": reason, "method": ""}


def _from_effect(row: pd.Series | None, reason: str, transform=None) -> dict[str, Any]:
    if row is None:
        return _no_data(reason)
    f = transform or (lambda x: x)
    est = float(row["estimate"])
    v = {"value": f(est), "ci_low": f(float(row["ci_low"])), "ci_high": f(float(row["ci_high"])),
         "n": int(row["n"]) if pd.notna(row["n"]) else 0, "note": _NOTE.get(str(row["model"]), ""),
         "method": str(row.get("ci_method", "")), "source_outcome": str(row["outcome"]),
         "source_model": str(row["model"]), "source_period": str(row.get("period", ""))}
    p = float(row["p_value"]) if pd.notna(row.get("p_value")) else np.nan
    if np.isfinite(p):  # one-sided p of an increase (the interval's distribution is symmetric)
        v["p_worse"] = p / 2 if est > 0 else 1 - p / 2
    return v


def build_scorecard(
    cohort: Cohort,
    effects: pd.DataFrame | None,
    excess: dict[str, Any] | str | None = None,
    confidence: pd.DataFrame | None = None,
    confidence_level: float = 0.95,
    as_of: dt.date | None = None,
) -> pd.DataFrame:
    """The scorecard table (``results/scorecard.csv``), one row per indicator.

    Parameters
    ----------
    cohort
        The loaded cohort (targets from its config, overrides applied).
    effects
        The rows of ``results/effects.csv`` (step 3), or the same rows from
        :func:`pilot_eval.steps.decision.evaluate.decision_effects`.
    excess
        :func:`pilot_eval.steps.effects.improved.excess_improved` of the cohort, or the reason
        it could not be computed.
    confidence
        :func:`confidence_components` (None: confidence columns left empty).
    as_of
        The date of an interim look (None: all data): lagging indicators not
        measurable yet are *not yet* (module docstring).

    Returns
    -------
    DataFrame with :data:`SCORECARD_COLUMNS` then :data:`EXTRA_COLUMNS`.
    """
    cfg = cohort.config
    planned = planned_config(cohort)  # an as-of cohort's follow-up is shortened to what was seen
    ok, why = usable_comparison(cohort)
    n_arm = cohort.leaders["arm"].value_counts()
    small_pilot = int(n_arm.get("pilot", 0)) < cfg.min_group_size
    model = "ancova" if ok else "prepost"
    values: dict[str, dict[str, Any]] = {}
    span = float(cfg.scale_max - cfg.scale_min)
    no_pilot = f"no numbers: {why}"
    for key, outcome, f in (("empathy_360_change_pct", "empathy_360", lambda x: pomp(x, cfg.scale_min, cfg.scale_max)),
                            ("pulse_change", "pulse", None), ("behaviour_index_change", "behaviour_index", None)):
        if small_pilot:
            values[key] = _no_data(no_pilot)
            continue
        reason = ("not estimated in step 3 (see its page for why)" if outcome != "behaviour_index"
                  or cohort.observations is not None else "no observations table in this cohort")
        values[key] = _from_effect(select_effect(effects, outcome, model), reason, f)
        if not ok and values[key].get("source_model"):
            values[key]["note"] += f" ({why})"
    if np.isfinite(span) and span > 0 and "source_model" in values["empathy_360_change_pct"]:
        values["empathy_360_change_pct"]["note"] += (
            f"; shown as percent of the maximum possible change: 100 x change / ({cfg.scale_max:g} - "
            f"{cfg.scale_min:g} scale points)")
    for key in ("hr_incidents_change_pct", "escalations_change_pct", "voluntary_attrition_change_pct"):
        outcome = SPECS[key].outcome
        if not ok:
            values[key] = _no_data(f"no estimate: {why}")
        elif outcome in ("hr_incidents", "escalations") and cohort.incidents is None:
            values[key] = _no_data("no incidents table in this cohort")
        else:
            values[key] = _from_effect(select_effect(effects, outcome, "count"),
                                       "the count model could not be estimated (see step 3 for why)")
    values["leaders_improved_pct"] = _excess_share(excess, ok, why)
    if small_pilot:
        values["promotion_air"] = _no_data(no_pilot)
    else:
        air = published_air(_air_with_ci(cohort.employees, cohort.leaders, cfg, confidence_level),
                            most_people_per_leader(cohort.employees, cohort.leaders, cfg).get("pilot", np.nan),
                            _target(SPECS["promotion_air"], cfg))
        air["note"] = ("Lowest promotion rate of a group divided by the highest, in pilot teams "
                       "(groups under the minimum size left out); below 0.8 is evidence of adverse impact "
                       "(four-fifths rule)")
        if air["value_text"]:
            air["note"] = (f"The ratio is {air['value_text']}. Too few promotions to publish it as a number "
                           "without revealing one team's (fewer than 5 in a compared group, or one promotion "
                           "would move it across 0.8); the status uses the exact counts. " + air["note"])
        values["promotion_air"] = air

    rows = []
    for spec in INDICATORS:
        v = values[spec.key]
        target = _target(spec, cfg)
        # a row rounded for publication after its probability was computed carries it (promotion_air)
        p = (float(v["probability"]) if "probability" in v else
             probability_target_met(v["value"], v["ci_low"], v["ci_high"], target, spec.direction, spec.scale))
        if not np.isfinite(p):
            v.update(value=np.nan, ci_low=np.nan, ci_high=np.nan)
        period = v.get("source_period") or {"leaders_improved_pct": "endline vs baseline wave",
                                           "promotion_air": "pilot and follow-up windows"}.get(spec.key, "")
        c = cast(pd.Series, confidence.loc[SOURCE_OF[spec.key]]) if confidence is not None else None
        rows.append({
            "panel": spec.panel, "indicator": spec.key, "kind": spec.kind, "cadence": spec.cadence,
            "period": period, "value": v["value"], "target": target, "status": status_from_probability(p),
            "ci_low": v["ci_low"], "ci_high": v["ci_high"],
            "confidence": c["confidence"] if c is not None else np.nan,
            "source_outcome": v.get("source_outcome", ""), "source_model": v.get("source_model", ""),
            "source_period": v.get("source_period", ""), "probability": v.get("published_probability", p),
            "note": v.get("note", ""),
            "label": spec.label, "unit": spec.unit, "direction": spec.direction, "n": int(v.get("n", 0) or 0),
            "method": v.get("method", ""), "step": spec.step, "p_worse": v.get("p_worse", np.nan),
            "pilot_share": v.get("pilot_share", np.nan), "comparison_share": v.get("comparison_share", np.nan),
            "fairness_flag": bool(v.get("fairness_flag", False)),
            "confidence_label": confidence_label(c["confidence"]) if c is not None else "",
            "completeness": c["completeness"] if c is not None else np.nan,
            "rater_adequacy": c["rater_adequacy"] if c is not None else np.nan,
            "reliability": c["reliability"] if c is not None else np.nan,
            "as_of": as_of.isoformat() if as_of else "", "due": "yes" if is_due(spec, planned, as_of) else "no",
            "available_from": "", "value_text": v.get("value_text", ""),
        })
        measurable, when = availability(spec, planned, as_of)
        if not measurable and when is not None:
            rows[-1].update(_not_yet(spec.waits_for, when))
    out = pd.DataFrame(rows, columns=[*SCORECARD_COLUMNS, *EXTRA_COLUMNS])
    return out


def _target(spec: Any, cfg: CohortConfig) -> float:
    """An indicator's target: the cohort's ``[targets]`` value, else the built-in one."""
    return float(cfg.targets.get(spec.target_key, spec.default_target)) if spec.target_key else spec.default_target


def _not_yet(waits_for: str, when: dt.date) -> dict[str, Any]:
    """A lagging indicator at a look before its window ended: no number, and from when."""
    return {"value": np.nan, "ci_low": np.nan, "ci_high": np.nan, "probability": np.nan, "status": NOT_YET,
            "n": 0, "confidence": np.nan, "confidence_label": "", "pilot_share": np.nan,
            "comparison_share": np.nan, "fairness_flag": False, "available_from": when.isoformat(),
            "source_outcome": "", "source_model": "", "source_period": "", "method": "",
            "period": f"measurable from {when.isoformat()}", "value_text": "",
            "note": f"Not yet (available from {when.isoformat()}): it needs {waits_for}"}


def _excess_share(ex: dict[str, Any] | str | None, ok: bool, why: str) -> dict[str, Any]:
    """The scorecard's excess share reliably improved (percentage points), from :func:`excess_improved`."""
    if not ok:
        return _no_data(f"no excess share: {why}")
    if ex is None or isinstance(ex, str):
        return _no_data(ex or "no leader was rated at both waves")
    # group aggregates of leaders, rounded for publication like every other (privacy.coarsen_published):
    # a share of n leaders moves by 100 / n points per leader, so two reports of cohorts that differ by
    # one leader do not tell by subtraction whether that leader improved
    ex = dict(ex)
    n_p, n_c = int(ex["n_pilot"]), int(ex["n_comparison"])
    both = publication_step(100.0, min(n_p, n_c))
    ex["estimate"] = round_to_step(ex["estimate"], both)
    ex["ci_low"], ex["ci_high"] = round_to_step(ex["ci_low"], both, "down"), round_to_step(ex["ci_high"], both, "up")
    ex["pilot_share"] = round_to_step(ex["pilot_share"], publication_step(100.0, n_p))
    ex["comparison_share"] = round_to_step(ex["comparison_share"], publication_step(100.0, n_c))
    return {"value": ex["estimate"], "ci_low": ex["ci_low"], "ci_high": ex["ci_high"], "n": ex["n"],
            "pilot_share": ex["pilot_share"], "comparison_share": ex["comparison_share"],
            "method": str(ex["ci_method"]),
            "note": (f"Share of leaders whose 360 score rose by more than its measurement error allows (same "
                     f"raters at both waves, step 2): pilot {ex['pilot_share']:.0f}% of {ex['n_pilot']}, "
                     f"comparison {ex['comparison_share']:.0f}% of {ex['n_comparison']}; the indicator is the "
                     "difference, allowing for role, culture, tenure and the starting score (errors grouped by "
                     "org unit)")}


def summary_text(scorecard: pd.DataFrame, decision: str) -> str:
    """Headline of the scorecard in sentences, one per indicator (stable for nbval).

    Each line gives the indicator's label, its value with the 95 % interval, the target,
    the status and the chance that the target is met; an indicator without a value says
    why (its note, e.g. "not yet (available from ...)").
    """
    words = {"stop_harm": "stop early for harm", "adjust": "adjust coaching"}
    lines = [f"Recommendation: {words.get(decision, decision)}."]
    for _, r in scorecard.iterrows():
        label = str(r.get("label") or r["indicator"])
        unit = str(r.get("unit") or "")
        digits = 1 if ("%" in unit or "percentage" in unit) else 2
        sign = "" if unit == "ratio" else "+"  # a ratio has no direction: 0.50, not +0.50
        if unit == "ratio":
            unit = ""  # the label says it is a ratio
        def f(v: float) -> str:
            return f"{v:{sign}.{digits}f}" if np.isfinite(v) else "not estimated"

        chance = (f"; chance the target is met {100 * r['probability']:.0f} %"
                  if np.isfinite(r.get("probability", np.nan)) else "")
        value_text = r.get("value_text", "")
        if np.isfinite(r["value"]):
            lines.append(f"{label}: {f(r['value'])} {unit} (95% CI {f(r['ci_low'])} to {f(r['ci_high'])}), "
                         f"target {f(r['target'])}: {r['status']}{chance}.".replace("  ", " "))
        elif isinstance(value_text, str) and value_text:  # small numbers: only the side of the line
            lines.append(f"{label}: {value_text} (too few promotions to publish it as a number), "
                         f"target {f(r['target'])}: {r['status']}{chance}.")
        else:
            note = str(r.get("note") or "").strip().rstrip(".")
            status = str(r["status"] or "no data")
            if note.lower().startswith(status.lower()):
                lines.append(f"{label}: {status}{note[len(status):]}.")
            else:
                lines.append(f"{label}: {status}" + (f" ({note})" if note else "") + ".")
    return "\n".join(lines)


def data_notes(cohort: Cohort, excluded: Iterable[str] = ()) -> list[str]:
    """Plain-language caveats for the page: skipped tables, exclusions, design limits."""
    notes = []
    if cohort.missing_optional:
        notes.append("Not provided: " + ", ".join(f"the {t} table" for t in cohort.missing_optional) +
                     "; the indicators that need them show no data.")
    excluded = list(excluded)
    if excluded:
        names = ", ".join(str(b).replace("_", " ") for b in excluded)
        notes.append(f"{len(excluded)} observed behaviour(s) left out of the behaviour index because observers "
                     "did not code them reliably (Krippendorff's alpha below 0.667), or because they were "
                     "excluded for this run: " + names + ".")
    if not (cohort.leaders["arm"] == "comparison").any():
        notes.append("No comparison group: changes are within the pilot leaders and are not causal estimates.")
    notes.append(f"Groups under {cohort.config.min_group_size} people are never shown; peer and direct-report "
                 f"scores need at least {cohort.config.min_raters_per_category} raters.")
    return notes


def measurable_effects(effects: pd.DataFrame | None, card: pd.DataFrame) -> pd.DataFrame:
    """The ``effects.csv`` rows of outcomes whose scorecard indicator is measurable at this look.

    At an interim look the risk outcomes are *not yet*: their count rows (estimated on the data so far, for
    the interim harm boundary only) must not feed anything shown as a result, such as the return on
    investment.

    Examples
    --------
    >>> eff = pd.DataFrame({"outcome": ["hr_incidents", "pulse"], "model": ["count", "ancova"]})
    >>> card = pd.DataFrame({"indicator": ["hr_incidents_change_pct", "pulse_change"], "status": ["not yet", "at risk"]})
    >>> measurable_effects(eff, card)["outcome"].tolist()
    ['pulse']
    """
    if effects is None or not len(effects):
        return pd.DataFrame() if effects is None else effects
    waiting = set(card.loc[card["status"] == NOT_YET, "indicator"])
    blocked = {SPECS[k].outcome for k in waiting if k in SPECS and SPECS[k].outcome}
    return effects[~effects["outcome"].astype(str).isin(blocked)].reset_index(drop=True)


def roi_not_yet(card: pd.DataFrame) -> str:
    """"Not yet (available from ...)" for the return on investment while its risk outcomes are not yet ("" after)."""
    risk = card[card["indicator"].isin(["hr_incidents_change_pct", "escalations_change_pct",
                                        "voluntary_attrition_change_pct"]) & (card["status"] == NOT_YET)]
    if not len(risk):
        return ""
    when = max(str(d) for d in risk["available_from"])
    return (f"Not yet (available from {when}): the return on investment needs the risk outcomes (HR incidents, "
            "escalations, voluntary attrition) over the follow-up window.")
