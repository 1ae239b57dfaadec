"""How many leaders would a full rollout need to detect the effect on each lagging outcome?

For every lagging outcome (and period) :func:`rollout_power` takes the pilot's
**observed** effect - the rate ratio pilot vs comparison from the count model
with role, culture and the pre-window rate as controls
(:func:`pilot_eval.stats.count_models.fit_count_model`) - and, for HR incidents, the
cohort's **target** change too, and computes the leaders needed for a
two-sided test at level ``alpha`` with the requested power:

1. **Unclustered sample size per arm**, comparing two negative binomial (or
   Poisson) rates with equal allocation (Zhu & Lakkis 2014, their approach 2:
   the Wald test of the log rate ratio with the variance under the
   alternative)::

       n = (z_{1-alpha/2} + z_{power})**2 * (1/mu0 + 1/mu1 + 2*k) / log(RR)**2

   where ``mu0`` is the expected number of events per comparison leader over
   the period (the comparison group's pooled rate times the mean person-time
   per leader), ``mu1 = RR * mu0``, and ``k`` the NB2 dispersion of the count
   model (0 when the dispersion test keeps the Poisson model; then this is
   the normal approximation on the log rate ratio, as in Signorini 1991).
2. **Clustering.**  A rollout is assumed to train whole org units, so the
   sample size is multiplied by the design effect ``1 + (m - 1) * ICC``
   (Donner & Klar 2000), ``m`` the mean number of leaders per org unit in this
   cohort and ``ICC`` the org-unit intraclass correlation of the leaders'
   event rates (one-way ANOVA estimator for unequal group sizes,
   :func:`pilot_eval.stats.icc.icc_oneway_unbalanced`, after removing the arm
   means; truncated at 0).

References
----------
Zhu, H., & Lakkis, H. (2014). Sample size calculation for comparing two
negative binomial rates. *Statistics in Medicine*, 33(3), 376-387.

Signorini, D. F. (1991). Sample size for Poisson regression. *Biometrika*,
78(2), 446-450.

Donner, A., & Klar, N. (2000). *Design and Analysis of Cluster Randomization
Trials in Health Research*. Arnold, ch. 5.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from pilot_eval.measures import scores as measures
from pilot_eval.data.config import CohortConfig
from pilot_eval.measures._common import COMPARISON, PILOT
from pilot_eval.stats.count_models import fit_count_model
from pilot_eval.stats.design import control_design
from pilot_eval.stats.icc import icc_oneway_unbalanced
from pilot_eval.steps.leading_lagging.validation import lagging_label

#: Columns of :func:`rollout_power`.
POWER_COLUMNS: tuple[str, ...] = (
    "lagging", "effect", "rate_ratio", "comparison_rate", "events_per_leader", "dispersion",
    "icc", "leaders_per_unit", "design_effect", "leaders_per_arm_unclustered", "leaders_per_arm",
    "leaders_total", "org_units_per_arm", "leaders_now", "power", "alpha", "note",
)

#: Columns of :func:`rollout_power` a step page shows, with their headers.
POWER_DISPLAY: dict[str, str] = {
    "lagging": "Later outcome", "effect": "Effect size from", "rate_ratio": "Rate ratio",
    "leaders_total": "Leaders needed in total", "leaders_per_arm": "Leaders per arm",
    "org_units_per_arm": "Org units per arm", "design_effect": "Design effect", "leaders_now": "Leaders now",
    "note": "Note",
}

#: Power of the rollout sample sizes (the conventional 80 %).
POWER = 0.8


def nb_sample_size(
    mu0: float | np.ndarray,
    rate_ratio: float | np.ndarray,
    dispersion: float | np.ndarray = 0.0,
    alpha: float = 0.05,
    power: float = POWER,
) -> np.ndarray:
    """Leaders per arm to detect ``rate_ratio`` (Zhu & Lakkis 2014, approach 2).

    Parameters
    ----------
    mu0
        Expected events per control-arm leader over the period.
    rate_ratio
        Rate ratio to detect (treatment / control).
    dispersion
        NB2 dispersion ``k`` (``Var = mu + k * mu**2``); 0 = Poisson.
    alpha, power
        Two-sided level and power.

    Returns
    -------
    Unrounded sample size per arm (``inf`` when ``rate_ratio == 1``).

    References
    ----------
    Zhu, H., & Lakkis, H. (2014). Sample size calculation for comparing two
    negative binomial rates. *Statistics in Medicine*, 33(3), 376-387.
    """
    mu0 = np.asarray(mu0, dtype="float64")
    rr = np.asarray(rate_ratio, dtype="float64")
    k = np.asarray(dispersion, dtype="float64")
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    var = 1.0 / mu0 + 1.0 / (mu0 * rr) + 2.0 * k
    with np.errstate(divide="ignore"):
        return z**2 * var / np.log(rr) ** 2


def design_effect(icc: float, cluster_size: float) -> float:
    """``1 + (m - 1) * ICC`` (Donner & Klar 2000); a negative ICC counts as 0."""
    icc = max(0.0, float(icc)) if np.isfinite(icc) else 0.0
    return 1.0 + (float(cluster_size) - 1.0) * icc


def org_unit_icc(values: pd.DataFrame) -> float:
    """Org-unit ICC(1) of a leader-level value after removing the arm means.

    ``values`` has ``org_unit``, ``arm`` and ``value``; returns NaN when it
    cannot be estimated (fewer than 2 units or no unit with 2 leaders).
    """
    df = values.dropna(subset=["value"])
    centred = df["value"] - df.groupby("arm", observed=True)["value"].transform("mean")
    data = pd.DataFrame({"org_unit": df["org_unit"].astype("str").to_numpy(), "value": centred.to_numpy()})
    try:
        est = icc_oneway_unbalanced(data, "org_unit", "value")
    except ValueError:
        return np.nan
    return float(est.loc[est["method"] == "ICC1", "estimate"].iloc[0])


def rollout_power(
    lagging: pd.DataFrame,
    leaders: pd.DataFrame,
    config: CohortConfig,
    power: float = POWER,
    alpha: float = 0.05,
    min_clusters: int = 10,
    events_per_variable: float = 5.0,
) -> pd.DataFrame:
    """Leaders a rollout needs to detect each lagging outcome's effect (``results/power.csv``).

    Parameters
    ----------
    lagging
        Output of :func:`pilot_eval.measures.lagging_outcomes.lagging_outcomes`.
    leaders
        The leaders table (arm, role, culture, org_unit).
    config
        Supplies ``min_group_size`` and the ``hr_incidents_change_pct`` target.
    power, alpha
        Power and two-sided level of the planned test.
    min_clusters
        Fewest org units for cluster-robust errors in the effect model.
    events_per_variable
        With fewer events per coefficient of the effect model, or no event in
        one arm, the observed effect is not estimated (note says so); the
        target row is still computed.

    Returns
    -------
    DataFrame
        Columns of :data:`POWER_COLUMNS`; one row per outcome x period with
        ``effect = "observed"`` and, for HR incidents, one with ``effect =
        "target"``.  Empty (with a note row) without a comparison group.
    """
    lead = leaders[["leader_id", "arm", "role", "culture", "org_unit"]].copy()
    for col in ("arm", "role", "culture", "org_unit"):
        lead[col] = lead[col].astype("str")
    if not (lead["arm"].eq(COMPARISON).any() and lead["arm"].eq(PILOT).any()):
        return pd.DataFrame([{"lagging": "", "effect": "", "note": "no comparison group: the pilot's effect "
                              "on lagging outcomes cannot be estimated, so no rollout sample size"}],
                            columns=list(POWER_COLUMNS))
    m = float(lead.groupby("org_unit").size().mean())
    scale = measures.RATE_PER_MEMBERS * measures.RATE_PER_DAYS
    rows = []
    keys = lagging[["outcome", "period"]].drop_duplicates().itertuples(index=False)
    for outcome, period in keys:  # a handful of outcomes
        lag = lagging[lagging["outcome"].eq(outcome).to_numpy(dtype=bool)
                      & lagging["period"].eq(period).to_numpy(dtype=bool)].copy()
        lag["leader_id"] = lag["leader_id"].astype(lead["leader_id"].dtype)
        df = lead.merge(lag, on="leader_id", how="inner")
        df = df[df[["events", "pre_rate"]].notna().all(axis=1).to_numpy()
                & (df["person_days"].to_numpy(dtype="float64", na_value=0.0) > 0)].reset_index(drop=True)
        label = lagging_label(outcome, period)
        comp = df[df["arm"] == COMPARISON]
        base = {"lagging": label, "power": power, "alpha": alpha, "leaders_now": len(df),
                "leaders_per_unit": m}
        if len(df) < config.min_group_size or comp["events"].sum() == 0:
            rows.append({**base, "effect": "observed", "note": "too few leaders or no comparison-group events"})
            continue
        rate0_day = float(comp["events"].sum() / comp["person_days"].sum())
        t = float(df["person_days"].mean())
        mu0 = rate0_day * t
        C, names = control_design(df, ("role", "culture"), ("pre_rate",), min_level_size=config.min_group_size)
        arm = (df["arm"] == PILOT).to_numpy(dtype="float64")
        events = float(df["events"].sum())
        need = events_per_variable * (1 + len(names))
        sparse = events < need or df.loc[df["arm"] == PILOT, "events"].sum() == 0
        value = pd.DataFrame({"org_unit": df["org_unit"], "arm": df["arm"],
                              "value": df["events"] / df["person_days"] * scale})
        icc = org_unit_icc(value)
        deff = design_effect(icc, m)
        effects: list[tuple[str, float]] = []
        family, k = "poisson", 0.0
        if sparse:
            rows.append({**base, "effect": "observed", "comparison_rate": rate0_day * scale,
                         "events_per_leader": mu0, "icc": icc, "design_effect": deff,
                         "note": f"{events:.0f} events (fewer than {need:.0f}, or none in the pilot arm): "
                                 "the observed effect is too unstable to plan on"})
        else:
            fit = fit_count_model(df["events"].to_numpy(float), df["person_days"].to_numpy(float),
                                  np.column_stack([arm, C]), ["pilot", *names],
                                  clusters=df["org_unit"].to_numpy(dtype=object), min_clusters=min_clusters)
            est = fit.loc[fit["term"] == "pilot"].iloc[0]
            family, k = str(est["family"]), float(est["alpha"])
            effects.append(("observed", float(est["rate_ratio"])))
        if outcome == "hr_incidents" and "hr_incidents_change_pct" in config.targets:
            effects.append(("target", 1.0 + float(config.targets["hr_incidents_change_pct"]) / 100.0))
        for kind, rr in effects:  # observed and target
            n_arm = float(nb_sample_size(mu0, rr, k, alpha, power)) if rr > 0 else np.inf
            finite = np.isfinite(n_arm)
            per_arm = int(np.ceil(n_arm * deff)) if finite else None
            fam = "negative binomial" if family == "negative_binomial" else "Poisson"
            note = [f"{fam} model of the arm effect (controls role, culture, "
                    f"pre-window rate)" if kind == "observed" else
                    "target change of cohort.toml; dispersion " + ("from the count model" if k else "Poisson")]
            if kind == "observed" and rr >= 1:
                note.append("the pilot's rate is not lower than the comparison's: sizes are for detecting "
                            "an increase of this size")
            if not np.isfinite(icc):
                note.append("org-unit ICC not estimable: no clustering allowance")
            if not finite:
                note.append("no effect to detect (rate ratio 1)")
            rows.append({
                **base, "effect": kind, "rate_ratio": rr, "comparison_rate": rate0_day * scale,
                "events_per_leader": mu0, "dispersion": k, "icc": icc, "design_effect": deff,
                "leaders_per_arm_unclustered": int(np.ceil(n_arm)) if finite else None,
                "leaders_per_arm": per_arm,
                "leaders_total": 2 * per_arm if per_arm is not None else None,
                "org_units_per_arm": int(np.ceil(per_arm / m)) if per_arm is not None else None,
                "note": "; ".join(note),
            })
    out = pd.DataFrame(rows, columns=list(POWER_COLUMNS))
    for col in ("leaders_per_arm_unclustered", "leaders_per_arm", "leaders_total", "org_units_per_arm"):
        out[col] = out[col].astype("Int64")
    return out


def power_summary_text(power_table: pd.DataFrame) -> str:
    """One line per lagging outcome: leaders a rollout needs (stable for nbval)."""
    lines = []
    for r in power_table.dropna(subset=["rate_ratio"]).to_dict("records"):
        if pd.isna(r["leaders_total"]):
            lines.append(f"  {r['lagging']} ({r['effect']} rate ratio {r['rate_ratio']:.3f}): no finite sample size")
        else:
            lines.append(f"  {r['lagging']} ({r['effect']} rate ratio {r['rate_ratio']:.3f}): "
                         f"{int(r['leaders_total'])} leaders in total ({int(r['leaders_per_arm'])} per arm, "
                         f"design effect {r['design_effect']:.3f})")
    return "\n".join(lines)
