"""Step 5: the executive balanced scorecard (``results/scorecard.csv``).

Three panels, as in the seed article's dashboard:

* **People Health** - 360 empathy score change (vs its target), team pulse;
* **Behaviour Change** - % of pilot leaders *reliably* improved (vs its
  target), observed behaviour index;
* **Risk** - HR incidents (vs its target), escalations, voluntary attrition,
  promotion equity (adverse impact ratio).

Every indicator carries value, target, a confidence band, a status decided
from the band against the target, a confidence score, its kind (leading or
lagging), its cadence (monthly or quarterly) and its n.

Sources: effect estimates come from the controls step (``results/effects.csv``:
the role/culture-adjusted ANCOVA when the cohort has a comparison group, the
within-leader pre/post change otherwise); reliable change from the
reliability step's definition (:func:`pilot_eval.steps.reliability.analysis.leader_reliable_change`);
event rates from :func:`pilot_eval.measures.scores.outcome_rates`.

Status rule (documented in the report)
--------------------------------------
With ``d = +1`` when higher is better and ``-1`` when lower is better, and
the band ``[lo, hi]`` oriented so that ``worst``/``best`` are its bad/good ends:

* **on track** - the point estimate meets the target and the band's worst end
  is on the good side of "no change" (the improvement is real);
  for level indicators (adverse impact ratio) the worst end meets the target;
* **off track** - even the band's best end misses the target;
* **at risk** - anything in between (the data cannot tell yet).

References
----------
Jacobson, N. S., & Truax, P. (1991). Clinical significance: a statistical
approach to defining meaningful change in psychotherapy research. *Journal of
Consulting and Clinical Psychology*, 59(1), 12-19.

Uniform Guidelines on Employee Selection Procedures, 29 CFR 1607.4(D)
(four-fifths rule).

Wilson, E. B. (1927). Probable inference, the law of succession, and
statistical inference. *JASA*, 22(158), 209-212.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd
from scipy import stats

from pilot_eval.measures import scores as measures
from pilot_eval.measures.behaviour_exclusions import behaviour_alphas
from pilot_eval.stats.icc import icc_oneway_unbalanced
from pilot_eval.steps import completeness as comp
from pilot_eval.steps.completeness import team_roster_by_month
from pilot_eval.data.cohort import Cohort
from pilot_eval.data.config import CohortConfig
from pilot_eval.data.windows import month_of, pilot_months, pre_months

SCORECARD_COLUMNS = ("panel", "indicator", "kind", "cadence", "period", "value", "target",
                     "status", "ci_low", "ci_high", "confidence")
PANELS = ("People Health", "Behaviour Change", "Risk")
ON_TRACK, AT_RISK, OFF_TRACK, NO_DATA = "on track", "at risk", "off track", "no data"


@dataclasses.dataclass(frozen=True)
class IndicatorSpec:
    """Static description of one scorecard indicator."""

    key: str
    panel: str
    label: str
    kind: str  # leading | lagging
    cadence: str  # monthly | quarterly
    unit: str  # "%", "points", "ratio"
    direction: int  # +1 higher is better, -1 lower is better
    target_key: str | None  # cohort.toml [targets] key, or None for a built-in target
    default_target: float
    level: bool = False  # a level (compare to target), not a change (compare to 0 too)


INDICATORS: tuple[IndicatorSpec, ...] = (
    IndicatorSpec("empathy_360_change_pct", "People Health", "360 empathy score change",
                  "lagging", "quarterly", "%", +1, "empathy_360_change_pct", 10.0),
    IndicatorSpec("pulse_change", "People Health", "Team pulse change",
                  "leading", "monthly", "points", +1, None, 0.0),
    IndicatorSpec("leaders_improved_pct", "Behaviour Change", "Pilot leaders reliably improved",
                  "lagging", "quarterly", "%", +1, "leaders_improved_pct", 60.0, level=True),
    IndicatorSpec("behaviour_index_change", "Behaviour Change", "Observed empathy behaviours (index change)",
                  "leading", "monthly", "points", +1, None, 0.0),
    IndicatorSpec("hr_incidents_change_pct", "Risk", "HR incidents per 100 team members",
                  "lagging", "quarterly", "%", -1, "hr_incidents_change_pct", -30.0),
    IndicatorSpec("escalations_change_pct", "Risk", "Escalations per 100 team members",
                  "lagging", "monthly", "%", -1, None, 0.0),
    IndicatorSpec("voluntary_attrition_change_pct", "Risk", "Voluntary attrition per 100 team members",
                  "lagging", "quarterly", "%", -1, None, 0.0),
    IndicatorSpec("promotion_air", "Risk", "Promotion equity (adverse impact ratio, pilot teams)",
                  "lagging", "quarterly", "ratio", +1, None, 0.8, level=True),
)
SPECS = {s.key: s for s in INDICATORS}


# --------------------------------------------------------------------------
# reading the earlier steps' results
# --------------------------------------------------------------------------
def load_results(out_dir: str | Path) -> dict[str, pd.DataFrame]:
    """The earlier steps' ``results/*.csv`` in ``out_dir`` (missing files absent)."""
    folder = Path(out_dir) / "results"
    out = {}
    for name in ("completeness", "baseline_balance", "reliability", "min_raters", "effects",
                 "leading_lagging", "power"):
        path = folder / f"{name}.csv"
        if path.is_file():
            out[name] = pd.read_csv(path)
    return out


def _effect_row(effects: pd.DataFrame | None, outcome: str, models: Iterable[str]) -> pd.Series | None:
    if effects is None or effects.empty:
        return None
    for model in models:
        rows = effects[(effects["outcome"] == outcome) & (effects["model"] == model)
                       & effects["estimate"].notna()]
        if len(rows):
            return rows.iloc[0]
    return None


# --------------------------------------------------------------------------
# status and confidence
# --------------------------------------------------------------------------
def indicator_status(value: float, ci_low: float, ci_high: float, target: float,
                     direction: int, level: bool = False) -> str:
    """On track / at risk / off track from the band against the target (module docstring)."""
    if not np.all(np.isfinite([value, ci_low, ci_high, target])):
        return NO_DATA
    worst = min(direction * ci_low, direction * ci_high)
    best = max(direction * ci_low, direction * ci_high)
    v, t = direction * value, direction * target
    if best < t:
        return OFF_TRACK
    if level:
        return ON_TRACK if worst >= t else AT_RISK
    if v >= t and worst > 0:
        return ON_TRACK
    return AT_RISK


def confidence_label(score: float) -> str:
    if not np.isfinite(score):
        return "unknown"
    return "high" if score >= 0.8 else "medium" if score >= 0.6 else "low"


def _clip01(x: float) -> float:
    return float(np.clip(x, 0.0, 1.0)) if np.isfinite(x) else np.nan


def confidence_components(cohort: Cohort, results: dict[str, pd.DataFrame],
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
    r360 = np.nan
    rel = results.get("reliability")
    if rel is not None:
        sel = rel[(rel["measure"] == "empathy_360:all_others") & (rel["method"] == "ICC1k") & rel["estimate"].notna()]
        if len(sel):
            r360 = float(sel["estimate"].iloc[0])
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
    resp = resp.groupby(["leader_id", "month", "respondent_id"], as_index=False)["score"].mean().dropna()
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


# --------------------------------------------------------------------------
# the indicators
# --------------------------------------------------------------------------
def _wilson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    if n == 0:
        return np.nan, np.nan
    z = stats.norm.ppf(0.5 + confidence / 2)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def _pooled_rate_change(rates: pd.DataFrame, count: str, pilot_ids: set, comp_ids: set,
                        post: str, confidence: float = 0.95) -> dict[str, Any]:
    """% change of the pooled event rate, pre -> ``post`` window, pilot vs comparison.

    With a comparison group: the ratio of rate ratios (pilot post/pre divided
    by comparison post/pre), which nets out a trend both arms share; without:
    the pilot's own rate ratio.  Wald interval on the log scale with
    ``var = sum(1/count)`` (Poisson counts; 0.5 added to empty cells).
    """
    z = stats.norm.ppf(0.5 + confidence / 2)
    r = rates.assign(person_90d=rates["avg_headcount"] * rates["window_days"] / 90.0)

    def cell(ids: set, window: str) -> tuple[float, float]:
        sub = r[r["leader_id"].isin(ids) & (r["window"] == window)]
        return float(sub[count].fillna(0).sum()), float(sub["person_90d"].sum())

    a1, t1 = cell(pilot_ids, post)
    a0, t0 = cell(pilot_ids, "pre")
    if t1 <= 0 or t0 <= 0:
        return {"value": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n": len(pilot_ids), "method": "no exposure"}
    cells = [a1, a0]
    log_rr = np.log(max(a1, 0.5) / t1) - np.log(max(a0, 0.5) / t0)
    method = "pilot rate ratio, post vs pre (not causal)"
    if comp_ids:
        b1, s1 = cell(comp_ids, post)
        b0, s0 = cell(comp_ids, "pre")
        if s1 > 0 and s0 > 0:
            log_rr -= np.log(max(b1, 0.5) / s1) - np.log(max(b0, 0.5) / s0)
            cells += [b1, b0]
            method = "ratio of rate ratios, pilot vs comparison (difference-in-differences)"
    se = np.sqrt(sum(1.0 / max(c, 0.5) for c in cells))
    to_pct = lambda x: 100.0 * (np.exp(x) - 1.0)  # noqa: E731
    return {"value": to_pct(log_rr), "ci_low": to_pct(log_rr - z * se), "ci_high": to_pct(log_rr + z * se),
            "n": len(pilot_ids) + len(comp_ids), "method": method, "events": int(sum(cells))}


def _air_with_ci(employees: pd.DataFrame, leaders: pd.DataFrame, config: CohortConfig,
                 confidence: float = 0.95) -> dict[str, Any]:
    """Adverse impact ratio in pilot teams, with a Katz log interval for the two extreme groups."""
    rates = measures.promotion_rates(employees, leaders, config, by=("group", "arm"))
    pilot = rates[(rates["arm"] == "pilot") & (rates["n"] > 0)]
    pilot = pilot[pilot["n"] >= config.min_group_size]
    if len(pilot) < 2 or pilot["promotion_rate"].max() <= 0:
        return {"value": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n": int(pilot["n"].sum()) if len(pilot) else 0,
                "method": "too few groups or promotions"}
    lo = pilot.loc[pilot["promotion_rate"].idxmin()]
    hi = pilot.loc[pilot["promotion_rate"].idxmax()]
    x1, n1, x2, n2 = float(lo["promoted"]), float(lo["n"]), float(hi["promoted"]), float(hi["n"])
    x1a, x2a = max(x1, 0.5), max(x2, 0.5)
    ratio = (x1 / n1) / (x2 / n2)
    se = np.sqrt(1 / x1a - 1 / n1 + 1 / x2a - 1 / n2)
    z = stats.norm.ppf(0.5 + confidence / 2)
    log_r = np.log((x1a / n1) / (x2a / n2))
    p = stats.fisher_exact([[x1, n1 - x1], [x2, n2 - x2]])[1]
    return {"value": ratio, "ci_low": float(np.exp(log_r - z * se)), "ci_high": float(min(np.exp(log_r + z * se), 1.0)),
            "n": int(n1 + n2), "method": f"lowest / highest group promotion rate; Fisher exact p = {p:.3f}",
            "small_numbers": bool(min(x1, x2) < 5)}


def build_scorecard(
    cohort: Cohort,
    results: dict[str, pd.DataFrame],
    reliable_change: pd.DataFrame | None = None,
    excluded: Iterable[str] = (),
    confidence_level: float = 0.95,
) -> pd.DataFrame:
    """The scorecard table (``results/scorecard.csv``), one row per indicator.

    Parameters
    ----------
    cohort
        The loaded cohort (targets from its config, overrides applied).
    results
        The earlier steps' results (:func:`load_results`); ``effects`` is used
        for the empathy, pulse and behaviour indicators.
    reliable_change
        :func:`pilot_eval.steps.reliability.analysis.leader_reliable_change` of the cohort.
    excluded
        Behaviours left out of behaviour_index (for the confidence score).

    Returns
    -------
    DataFrame with :data:`SCORECARD_COLUMNS` plus ``label, unit, direction,
    n, method, confidence_label, completeness, rater_adequacy, reliability``.
    """
    cfg = cohort.config
    leaders = cohort.leaders
    pilot_ids = set(leaders.loc[leaders["arm"] == "pilot", "leader_id"])
    comp_ids = set(leaders.loc[leaders["arm"] == "comparison", "leader_id"])
    effects = results.get("effects")
    causal = bool(comp_ids)
    models = ("ancova", "did", "prepost") if causal else ("prepost",)
    values: dict[str, dict[str, Any]] = {}

    # People Health: 360 empathy change in % of the pilot's baseline mean
    emp = measures.empathy_360(cohort.ratings)
    base_mean = emp[(emp["wave"] == "baseline") & emp["leader_id"].isin(pilot_ids)]["empathy_360"].mean()
    row = _effect_row(effects, "empathy_360", models)
    if row is not None and np.isfinite(base_mean) and base_mean > 0:
        values["empathy_360_change_pct"] = {
            "value": 100 * row["estimate"] / base_mean, "ci_low": 100 * row["ci_low"] / base_mean,
            "ci_high": 100 * row["ci_high"] / base_mean, "n": row["n"],
            "method": f"{row['model']} effect / pilot baseline mean" + ("" if causal else " (not causal)")}
    row = _effect_row(effects, "pulse", ("did", "ancova", "prepost") if causal else ("prepost",))
    if row is not None:
        values["pulse_change"] = {"value": row["estimate"], "ci_low": row["ci_low"], "ci_high": row["ci_high"],
                                  "n": row["n"], "method": f"{row['model']} effect, scale points"}
    # Behaviour Change
    if reliable_change is not None and len(reliable_change):
        rc = reliable_change[reliable_change["leader_id"].isin(pilot_ids) & reliable_change["status"].notna()]
        k, n = int((rc["status"] == "improved").sum()), len(rc)
        lo, hi = _wilson(k, n, confidence_level)
        values["leaders_improved_pct"] = {"value": 100 * k / n if n else np.nan, "ci_low": 100 * lo, "ci_high": 100 * hi,
                                          "n": n, "method": "reliable change index (Jacobson & Truax), Wilson interval"}
    row = _effect_row(effects, "behaviour_index", models)
    if row is not None:
        values["behaviour_index_change"] = {"value": row["estimate"], "ci_low": row["ci_low"],
                                            "ci_high": row["ci_high"], "n": row["n"],
                                            "method": f"{row['model']} effect, share of behaviours shown"}
    # Risk
    rates = measures.outcome_rates(cohort.employees, cohort.incidents, cfg)
    post = "follow_up" if cfg.follow_up_days > 0 and (rates["window"] == "follow_up").any() else "pilot"
    for key, count in (("hr_incidents_change_pct", "hr_incidents_n"), ("escalations_change_pct", "escalations_n"),
                       ("voluntary_attrition_change_pct", "voluntary_exits")):
        if count in rates.columns:
            values[key] = _pooled_rate_change(rates, count, pilot_ids, comp_ids, post, confidence_level)
    values["promotion_air"] = _air_with_ci(cohort.employees, leaders, cfg, confidence_level)

    conf = confidence_components(cohort, results, excluded).set_index("source")
    rows = []
    for spec in INDICATORS:
        v = values.get(spec.key, {"value": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n": 0,
                                  "method": "not available (table or step missing)"})
        target = float(cfg.targets.get(spec.target_key, spec.default_target)) if spec.target_key else spec.default_target
        c = conf.loc[SOURCE_OF[spec.key]]
        period = {"monthly": "pilot months 0-2", "quarterly": "pilot quarter"}[spec.cadence]
        if spec.panel == "Risk" and spec.key != "promotion_air":
            period = f"{post.replace('_', '-')} vs pre window"
        rows.append({
            "panel": spec.panel, "indicator": spec.key, "kind": spec.kind, "cadence": spec.cadence,
            "period": period, "value": v["value"], "target": target,
            "status": indicator_status(v["value"], v["ci_low"], v["ci_high"], target, spec.direction, spec.level),
            "ci_low": v["ci_low"], "ci_high": v["ci_high"], "confidence": c["confidence"],
            "label": spec.label, "unit": spec.unit, "direction": spec.direction, "n": v.get("n", 0),
            "method": v.get("method", ""), "confidence_label": confidence_label(c["confidence"]),
            "completeness": c["completeness"], "rater_adequacy": c["rater_adequacy"], "reliability": c["reliability"],
        })
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------
# monthly trends (aggregated by arm, small groups suppressed)
# --------------------------------------------------------------------------
def monthly_trends(cohort: Cohort, excluded: Iterable[str] = ()) -> pd.DataFrame:
    """Monthly values by arm for the sparklines: pulse, behaviour index, HR incidents.

    Columns: indicator, arm, month, value, n.  A month with fewer than
    ``min_group_size`` leaders contributing is left out.
    """
    cfg = cohort.config
    arm = cohort.leaders.set_index("leader_id")["arm"]
    months = pre_months(cfg) + pilot_months(cfg)
    parts = []
    pm = measures.pulse(cohort.pulse, cfg)
    parts.append(pm.rename(columns={"pulse": "value"}).assign(indicator="pulse_change"))
    if cohort.observations is not None and cohort.behaviours is not None:
        bi = measures.behaviour_index(cohort.observations, cohort.behaviours, cohort.leaders, cfg,
                                      exclude=tuple(excluded))
        parts.append(bi.rename(columns={"behaviour_index": "value"}).assign(indicator="behaviour_index_change"))
    frames = []
    for p in parts:
        p = p[p["month"].isin(months)].assign(arm=lambda d: d["leader_id"].map(arm))
        g = p.groupby(["indicator", "arm", "month"], as_index=False).agg(value=("value", "mean"), n=("leader_id", "nunique"))
        frames.append(g)
    if cohort.incidents is not None:
        heads = team_roster_by_month(cohort.employees, cfg, months).assign(arm=lambda d: d["leader_id"].map(arm))
        heads = heads.groupby(["arm", "month"]).agg(members=("members", "sum"), n=("leader_id", "nunique"))
        inc = cohort.incidents.assign(month=month_of(cohort.incidents["date"], cfg))
        inc = inc[inc["month"].isin(months)]
        inc = inc.assign(arm=inc["leader_id"].map(arm))
        for kind, key in (("hr_incident", "hr_incidents_change_pct"), ("escalation", "escalations_change_pct")):
            events = inc[inc["kind"] == kind].groupby(["arm", "month"]).size().rename("events")
            j = heads.join(events, how="left").fillna({"events": 0}).reset_index()
            # per 100 team members per 90 days (three 30-day months); roster = members at any day of the month
            j["value"] = 100 * j["events"] / j["members"] * 3
            frames.append(j.assign(indicator=key)[["indicator", "arm", "month", "value", "n"]])
    out = pd.concat(frames, ignore_index=True)
    out = out[out["n"] >= cfg.min_group_size]
    return out.sort_values(["indicator", "arm", "month"], ignore_index=True)


# --------------------------------------------------------------------------
# early warnings: EWMA control chart on each team's monthly pulse
# --------------------------------------------------------------------------
def pulse_early_warnings(cohort: Cohort, lam: float = 0.3, limit: float = 2.5) -> pd.DataFrame:
    """Teams whose pulse is falling, by an EWMA control chart (Roberts 1959).

    Each team's in-control mean is its pre-window average; sigma is the pooled
    within-team month-to-month SD of the pre window.  The EWMA
    ``z_t = lam * x_t + (1 - lam) * z_{t-1}`` runs over the pilot and follow-up
    months; a team is flagged when, at its latest surveyed month, ``z_t`` is
    below ``mean - limit * sigma * sqrt(lam / (2 - lam) * (1 - (1 - lam)^(2t)))``
    (its pulse is falling now); ``month`` is where that run below the limit began.
    Only months with at least ``min_group_size`` respondents count, so no
    aggregate of a smaller team is shown.

    Returns
    -------
    DataFrame: leader_id, arm, month (start of the current signal), pulse (latest), baseline, ewma,
    lower_limit, n_respondents - one row per flagged team.

    References
    ----------
    Roberts, S. W. (1959). Control chart tests based on geometric moving
    averages. *Technometrics*, 1(3), 239-250.
    """
    cfg = cohort.config
    pm = measures.pulse(cohort.pulse, cfg)
    pm = pm[pm["n_respondents"] >= cfg.min_group_size]
    pre = pm[pm["month"].isin(pre_months(cfg))]
    base = pre.groupby("leader_id")["pulse"].agg(["mean", "count"])
    resid = pre["pulse"] - pre["leader_id"].map(base["mean"])
    dof = float((base["count"] - 1).clip(lower=0).sum())
    sigma = float(np.sqrt((resid ** 2).sum() / dof)) if dof > 0 else np.nan
    cols = ["leader_id", "arm", "month", "pulse", "baseline", "ewma", "lower_limit", "n_respondents"]
    if not np.isfinite(sigma):
        return pd.DataFrame(columns=cols)
    post = pm[pm["month"] >= 0]
    wide = post.pivot(index="leader_id", columns="month", values="pulse")
    wide = wide[wide.index.isin(base.index)]
    nresp = post.pivot(index="leader_id", columns="month", values="n_respondents").reindex(wide.index)
    mu = base["mean"].reindex(wide.index).to_numpy()
    z = mu.copy()
    streak_start = np.full(len(mu), -1)  # first month of the current run below the limit
    last = {k: np.full(len(mu), np.nan) for k in ("pulse", "ewma", "lcl", "n")}
    below = np.zeros(len(mu), dtype=bool)
    for t, m in enumerate(wide.columns, start=1):  # a dozen months, vectorised over teams
        x = wide[m].to_numpy()
        seen = ~np.isnan(x)
        z = np.where(seen, lam * x + (1 - lam) * z, z)
        lcl = mu - limit * sigma * np.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * t)))
        hit = seen & (z < lcl)
        streak_start = np.where(hit & ~below, m, np.where(seen & ~hit, -1, streak_start))
        below = np.where(seen, hit, below)
        for key, arr in (("pulse", x), ("ewma", z), ("lcl", lcl), ("n", nresp[m].to_numpy(dtype=float))):
            last[key] = np.where(seen, arr, last[key])
    idx = np.flatnonzero(below)
    flagged = {
        wide.index[i]: {"leader_id": wide.index[i], "month": int(streak_start[i]), "pulse": float(last["pulse"][i]),
                        "baseline": float(mu[i]), "ewma": float(last["ewma"][i]), "lower_limit": float(last["lcl"][i]),
                        "n_respondents": int(last["n"][i])}
        for i in idx
    }
    out = pd.DataFrame(list(flagged.values()), columns=[c for c in cols if c != "arm"])
    out.insert(1, "arm", out["leader_id"].map(cohort.leaders.set_index("leader_id")["arm"]))
    return out.sort_values(["month", "leader_id"], ignore_index=True)


# --------------------------------------------------------------------------
# recommendation
# --------------------------------------------------------------------------
@dataclasses.dataclass
class Recommendation:
    decision: str  # scale | iterate | stop
    headline: str
    reasons: list[str]


def recommend(scorecard: pd.DataFrame, results: dict[str, pd.DataFrame], has_comparison: bool) -> Recommendation:
    """Scale, iterate or stop, with the reasons drawn from every step.

    Rules (in order):

    * **stop** - the empathy effect's band is entirely below half its target
      (the training cannot plausibly reach it), or a risk indicator got
      significantly worse (its band entirely on the bad side of no change);
    * **scale** - a comparison group exists, the adjusted empathy effect's
      band is entirely above zero and its status is not off track (the
      target is within reach), the 360 measurement is reliable enough
      (ICC(1,k) of all non-self raters >= 0.5) and no risk indicator got
      significantly worse;
    * **iterate** - otherwise (promising or unclear: fix what the reasons say
      and run another cohort).
    """
    sc = scorecard.set_index("indicator")
    reasons: list[str] = []
    emp = sc.loc["empathy_360_change_pct"]
    target = emp["target"]
    emp_ok = np.isfinite(emp["ci_low"])
    if emp_ok:
        reasons.append(
            f"360 empathy: {emp['value']:+.1f}% (95% CI {emp['ci_low']:+.1f}% to {emp['ci_high']:+.1f}%, n = {int(emp['n'])}) "
            f"against a target of {target:+.0f}% ({emp['method']}).")
    else:
        reasons.append("360 empathy change could not be estimated.")
    harms = []
    for key in ("hr_incidents_change_pct", "escalations_change_pct", "voluntary_attrition_change_pct"):
        r = sc.loc[key]
        if np.isfinite(r["ci_low"]) and r["ci_low"] > 0:
            harms.append(f"{r['label']} rose by {r['value']:+.0f}% (CI {r['ci_low']:+.0f}% to {r['ci_high']:+.0f}%)")
    rel = results.get("reliability")
    icc = np.nan
    if rel is not None:
        sel = rel[(rel["measure"] == "empathy_360:all_others") & (rel["method"] == "ICC1k") & rel["estimate"].notna()]
        if len(sel):
            icc = float(sel["estimate"].iloc[0])
            reasons.append(f"Rater reliability of the 360 (ICC(1,k), all non-self raters): {icc:.2f}.")
    ll = results.get("leading_lagging")
    if ll is not None and len(ll):
        validated = ll[ll["verdict"] == "validated"]
        pairs = sorted({f"{a} -> {b}" for a, b in zip(validated["leading"], validated["lagging"])})
        reasons.append("Leading signals validated against later outcomes: " + (", ".join(pairs[:4]) if pairs else "none yet") + ".")
    power = results.get("power")
    if power is not None and len(power) and "leaders_total" in power.columns:
        need = power[np.isfinite(pd.to_numeric(power["leaders_total"], errors="coerce"))]
        if "effect" in need.columns:
            need = need[need["effect"] == "observed"]
        if len(need):
            hr = need[need["lagging"].astype(str).str.startswith("hr_incidents")]
            r = (hr if len(hr) else need).sort_values("leaders_total").iloc[0]
            reasons.append(f"To confirm the observed change in {r['lagging']} at 80% power, a rollout needs about "
                           f"{int(r['leaders_total'])} leaders (allowing for clustering by org unit).")
    if emp_ok and emp["ci_high"] < target / 2:
        decision = "stop"
        headline = "Stop: the 360 empathy effect is too small to reach even half its target."
    elif harms:
        decision = "stop"
        headline = "Stop and review: a risk indicator got significantly worse."
        reasons.extend(harms)
    elif has_comparison and emp_ok and emp["ci_low"] > 0 and (not np.isfinite(icc) or icc >= 0.5) \
            and emp["status"] != OFF_TRACK:
        decision = "scale"
        headline = "Scale: the training raised 360 empathy beyond chance, after controlling for role and culture."
    elif has_comparison and emp_ok and emp["ci_low"] > 0 and emp["status"] == OFF_TRACK:
        decision = "iterate"
        headline = (f"Iterate: the training works (the 360 empathy effect is real) but falls short of the "
                    f"{target:+.0f}% target; strengthen it before scaling.")
    else:
        decision = "iterate"
        if not has_comparison:
            headline = "Iterate: without a comparison group the change cannot be attributed to the training."
        elif emp_ok and emp["ci_low"] <= 0:
            headline = "Iterate: the effect is not yet distinguishable from zero; improve and run another cohort."
        else:
            headline = "Iterate: the effect is promising but the measurement is not yet reliable enough."
    return Recommendation(decision, headline, reasons)


def summary_text(scorecard: pd.DataFrame, rec: Recommendation) -> str:
    """Plain-text headline of the scorecard (stable for nbval)."""
    lines = [f"recommendation: {rec.decision}"]
    for _, r in scorecard.iterrows():
        if np.isfinite(r["value"]):
            lines.append(f"{r['indicator']}: {r['value']:.3f} [{r['ci_low']:.3f}, {r['ci_high']:.3f}] "
                         f"target {r['target']:.3f} -> {r['status']} (confidence {r['confidence']:.2f})")
        else:
            lines.append(f"{r['indicator']}: no data")
    return "\n".join(lines)


def data_notes(cohort: Cohort, results: dict[str, pd.DataFrame], excluded: Iterable[str] = ()) -> list[str]:
    """Plain-language caveats for the page: skipped tables, exclusions, design limits."""
    notes = []
    if cohort.missing_optional:
        notes.append("Not provided: " + ", ".join(cohort.missing_optional) +
                     "; the indicators that need them show no data.")
    excluded = list(excluded)
    if excluded:
        notes.append(f"{len(excluded)} observed behaviour(s) left out of the behaviour index because observers "
                     "did not code them reliably (Krippendorff's alpha < 0.667): " + ", ".join(excluded) + ".")
    if not (cohort.leaders["arm"] == "comparison").any():
        notes.append("No comparison group: changes are within the pilot leaders and are not causal estimates.")
    missing = [s for s in ("effects", "reliability", "leading_lagging") if s not in results]
    if missing:
        notes.append("Earlier steps' results not found: " + ", ".join(missing) + ".")
    notes.append(f"Groups under {cohort.config.min_group_size} people are never shown; peer and direct-report "
                 f"scores need at least {cohort.config.min_raters_per_category} raters.")
    return notes
