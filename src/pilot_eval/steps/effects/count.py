"""Step 3: the training effect on the risk outcomes, from an adjusted count model.

Voluntary exits, HR incidents and escalations are event counts over a team's
person-time.  The effect is the **rate ratio** of pilot vs comparison teams
from a log-linear count model of each leader's events in the outcome window,
with ``log(person-days)`` as offset and the leader's role, culture and the
same outcome's pre-window rate as controls
(:func:`pilot_eval.stats.count_models.fit_count_model`):

* **family** - Poisson unless the Cameron & Trivedi (1990) test finds
  overdispersion, then negative binomial (NB2, ``alpha`` by maximum
  likelihood);
* **clustering** - with at least :data:`MIN_COUNT_CLUSTERS` org units, the
  larger of the CR1 cluster-robust and the model-based error of the pilot
  effect, with a ``t(G - 1)`` reference distribution (the few-cluster
  correction of Cameron & Miller 2015; the larger error because CR1 alone
  made the one-sided harm test reject 6-7 % of harmless pilots at its 5 %
  level in the project's simulations, and model-based errors alone, used
  below 10 org units before, 6-7 % too: ``benchmarks/results/count_test_null.md``);
  with fewer, model-based errors and the row's note says the clustering
  could not be allowed for;
* **window** - the follow-up window when the cohort has one (lagging
  outcomes move after training), otherwise the pilot window.

The ``effects.csv`` row (model ``count``) reports the **% change** of the
event rate, ``100 * (rate ratio - 1)``, with its interval; ``std_error`` is
the SE of the log rate ratio.

References
----------
Cameron, A. C., & Trivedi, P. K. (2013). *Regression Analysis of Count Data*
(2nd ed.). Cambridge University Press, ch. 3.

Cameron, A. C., & Miller, D. L. (2015). A practitioner's guide to
cluster-robust inference. *Journal of Human Resources*, 50(2), 317-372.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pilot_eval.data.cohort import Cohort
from pilot_eval.data.config import CohortConfig
from pilot_eval.measures import scores as measures
from pilot_eval.stats.count_models import fit_count_model
from pilot_eval.stats.design import control_design

#: Risk outcome -> its event-count column in :func:`pilot_eval.measures.scores.outcome_rates`.
COUNT_OUTCOMES: dict[str, str] = {
    "voluntary_attrition": "voluntary_exits",
    "hr_incidents": "hr_incidents_n",
    "escalations": "escalations_n",
}
#: Fewest org units for cluster-robust errors (t(G-1) reference, the larger of CR1 and model-based).
MIN_COUNT_CLUSTERS = 4
#: Fewest events (both arms together) for a count model.
MIN_EVENTS = 10
#: ``ci_method`` prefix of the count rows.
COUNT_MODEL = "count"


def count_window(config: CohortConfig, rates: pd.DataFrame) -> str:
    """The outcome window of the count models: ``follow_up`` when the cohort has one, else ``pilot``."""
    if config.follow_up_days > 0 and rates["window"].eq("follow_up").to_numpy(dtype=bool, na_value=False).any():
        return "follow_up"
    return "pilot"


def window_label(config: CohortConfig, window: str) -> str:
    """Plain words for a window, with its days counted from the pilot start."""
    if window == "follow_up":
        a, b = config.pilot_days, config.pilot_days + config.follow_up_days - 1
        return f"follow-up window (days {a} to {b} after the pilot start)"
    return f"pilot window (days 0 to {config.pilot_days - 1})"


def count_period(config: CohortConfig, window: str) -> str:
    """The ``period`` of a count row in ``effects.csv``."""
    return f"{window_label(config, window)}, adjusted for the pre window rate"


def count_frame(cohort: Cohort, outcome: str, rates: pd.DataFrame | None = None,
                window: str | None = None) -> pd.DataFrame:
    """One row per leader: events and person-days in the window, the pre-window rate, controls.

    Parameters
    ----------
    cohort
        The loaded cohort.
    outcome
        One of :data:`COUNT_OUTCOMES`.
    rates
        :func:`pilot_eval.measures.scores.outcome_rates` of the cohort (computed if None).
    window
        Outcome window (default :func:`count_window`).

    Returns
    -------
    DataFrame
        ``leader_id, arm, role, culture, org_unit, events, person_days,
        pre_events, pre_person_days, pre_rate`` for leaders with person-time
        in both the pre and the outcome window; ``attrs["window"]``.
    """
    if outcome not in COUNT_OUTCOMES:
        raise ValueError(f"unknown count outcome {outcome!r}; expected one of {tuple(COUNT_OUTCOMES)}")
    if outcome in ("hr_incidents", "escalations") and cohort.incidents is None:
        raise ValueError(f"{outcome} needs the incidents table, which the cohort does not have")
    cfg = cohort.config
    if rates is None:
        rates = measures.outcome_rates(cohort.employees, cohort.incidents, cfg)
    window = window or count_window(cfg, rates)
    col = COUNT_OUTCOMES[outcome]
    r = rates.assign(person_days=rates["avg_headcount"].astype("float64") * rates["window_days"].astype("float64"))

    def part(w: str, prefix: str) -> pd.DataFrame:
        sub = r[r["window"].eq(w).to_numpy(dtype=bool, na_value=False)]
        return pd.DataFrame({"leader_id": sub["leader_id"].to_numpy(),
                             f"{prefix}events": sub[col].to_numpy(dtype="float64", na_value=0.0),
                             f"{prefix}person_days": sub["person_days"].to_numpy(dtype="float64")})

    post, pre = part(window, ""), part("pre", "pre_")
    out = cohort.leaders[["leader_id", "arm", "role", "culture", "org_unit"]].copy()
    out["leader_id"] = out["leader_id"].astype("str")
    for p in (post, pre):
        p["leader_id"] = p["leader_id"].astype("str")
        out = out.merge(p, on="leader_id", how="inner")
    out = out[(out["person_days"] > 0) & (out["pre_person_days"] > 0)
              & out["arm"].isin(["pilot", "comparison"]).to_numpy(dtype=bool)].reset_index(drop=True)
    scale = measures.RATE_PER_MEMBERS * measures.RATE_PER_DAYS
    out["pre_rate"] = out["pre_events"] / out["pre_person_days"] * scale
    out.attrs["window"] = window
    out.attrs["outcome"] = outcome
    return out


def count_effect(frame: pd.DataFrame, min_group_size: int = 1, min_clusters: int = MIN_COUNT_CLUSTERS,
                 alpha: float = 0.05) -> dict[str, object]:
    """Adjusted rate ratio of pilot vs comparison teams: an ``effects.csv`` row (model ``count``).

    Parameters
    ----------
    frame
        :func:`count_frame` of one outcome.
    min_group_size
        Role or culture levels with fewer leaders are pooled in the controls
        (:func:`pilot_eval.stats.design.control_design`).
    min_clusters
        Fewest org units for cluster-robust errors.
    alpha
        1 - confidence level.

    Returns
    -------
    dict
        ``estimate`` (% change of the rate, ``100 * (RR - 1)``),
        ``std_error`` (of ``log RR``), ``ci_low``, ``ci_high`` (% change),
        ``p_value`` (two-sided), ``n``, ``n_pilot``, ``n_comparison``,
        ``n_clusters``, ``ci_method``, ``note``, ``n_obs`` (events).

    Raises
    ------
    ValueError
        With the reason when the model cannot be estimated: fewer than
        :data:`MIN_EVENTS` events, or an arm without any event.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> n = 60
    >>> f = pd.DataFrame({"arm": ["pilot", "comparison"] * (n // 2), "role": "m", "culture": "c",
    ...                   "org_unit": [f"u{i % 12}" for i in range(n)], "person_days": 900.0,
    ...                   "pre_rate": rng.gamma(2, 5, n)})
    >>> f["events"] = rng.poisson(np.where(f["arm"] == "pilot", 1.0, 2.0) * 3)
    >>> row = count_effect(f)
    >>> -70 < row["estimate"] < -30 and row["ci_low"] < row["estimate"] < row["ci_high"]
    True
    """
    df = frame
    t = df["arm"].eq("pilot").to_numpy(dtype=bool)
    y = df["events"].to_numpy(dtype="float64")
    events = float(y.sum())
    if events < MIN_EVENTS:
        raise ValueError(f"only {events:.0f} events in the window: too few for a count model "
                         f"(at least {MIN_EVENTS})")
    if y[t].sum() == 0 or y[~t].sum() == 0:
        raise ValueError("no event at all in one arm: the rate ratio cannot be estimated")
    C, cnames = control_design(df, ("role", "culture"), ("pre_rate",), min_level_size=max(int(min_group_size), 1))
    X = np.column_stack([t.astype("float64"), C])
    cm = fit_count_model(y, df["person_days"].to_numpy(dtype="float64"), X, ["pilot", *cnames],
                         clusters=df["org_unit"].astype("str").to_numpy(dtype=object),
                         min_clusters=min_clusters, confidence=1 - alpha, conservative=True)
    r = cm.loc[cm["term"] == "pilot"].iloc[0]
    if not np.isfinite(r["std_error"]) or r["std_error"] <= 0:
        raise ValueError("the count model gave no standard error for the pilot effect")
    family = "negative binomial (NB2)" if r["family"] == "negative_binomial" else "Poisson"
    if r["cov_type"] == "cluster":
        se_text = (f"the larger of CR1 cluster-robust by org unit and model-based errors, "
                   f"t({int(r['n_clusters']) - 1})")
        note = ""
    else:
        se_text = "model-based errors, normal reference"
        note = (f"only {int(r['n_clusters'])} org units: too few for cluster-robust errors "
                f"(at least {min_clusters}), so clustering within org units is not allowed for")
    notes = ["% change of the event rate = 100 x (rate ratio - 1); std_error is on the log rate-ratio scale",
             f"adjusted for role, culture and the pre window rate; exposure = team person-days"
             f" ({events:.0f} events)"]
    if note:
        notes.append(note)
    if not bool(r["converged"]):
        notes.append("the model fit reported convergence problems")
    return {
        "estimate": 100.0 * (float(r["rate_ratio"]) - 1.0), "std_error": float(r["std_error"]),
        "ci_low": 100.0 * (float(r["rr_ci_low"]) - 1.0), "ci_high": 100.0 * (float(r["rr_ci_high"]) - 1.0),
        "p_value": float(r["p_value"]), "n": len(df), "n_pilot": int(t.sum()), "n_comparison": int((~t).sum()),
        "n_clusters": int(r["n_clusters"]), "n_obs": int(events),
        "ci_method": f"{family} rate ratio, {se_text}", "note": "; ".join(notes),
    }
