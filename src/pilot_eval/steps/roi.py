"""What the pilot is worth: a return on investment with its uncertainty, conservative by rule.

The adjusted effects of step 3 on the risk outcomes (the ``count`` rows of
``effects.csv``: rate ratios of pilot vs comparison teams, the rows the
scorecard shows) are turned into money:

* **events averted in the first year** of outcome ``k``:
  ``A_k = E_k * (1 / RR_k - 1)``, where ``E_k`` is the number of events the
  pilot teams had, annualised from the model's window (365 / window days), and
  ``E_k / RR_k`` the events they would have had without the training;
* **benefit** ``B = sum_k A_k * c_k`` with the cost of one event ``c_k``;
* **cost** ``C = n_pilot * cost_per_participant`` (fully loaded);
* **net benefit** ``B - C``, **benefit-cost ratio** ``B / C``, **ROI %**
  ``100 * (B - C) / C`` and the probability that ROI > 0.

Uncertainty is propagated by simulation from each estimate's sampling
distribution: ``log RR_k ~ Normal(log RR_hat_k, se_k^2)``, :data:`N_DRAWS`
draws with the given ``seed``.  The outcomes are drawn **comonotonically**
(one standard-normal draw shared by every outcome): exits, incidents and
escalations of a team move with the same team climate, so their estimates are
positively correlated, and for a sum of increasing functions perfect positive
dependence gives the widest interval, the conservative choice when the
correlation is not estimated.  Point values are the plug-in values at the estimates;
intervals are the 2.5 and 97.5 percentiles of the draws.

A **rollout** of ``N`` leaders scales the events (per pilot leader) and the
cost to ``N`` leaders, with the same rate ratios.

Conservative rules (Phillips & Phillips' guiding principles of the ROI
methodology), applied and stated on the page:

1. first-year benefits only, for a one-off program cost;
2. costs fully loaded: the cost per participant is meant to include design,
   delivery and participants' time;
3. the program's effect is isolated: only the adjusted pilot vs comparison
   effect of step 3 is used, never a before/after change or a self-estimate;
   without a comparison group there is no ROI;
4. no benefit is claimed from an outcome without data, without an estimate, or
   without a stated cost per event (it counts as zero and is listed);
5. the full interval is used, harm included: an outcome that got worse lowers
   the benefit (no truncation at zero);
6. intangibles (the 360 score, observed behaviours, team pulse) are reported as
   not monetised.

References
----------
Phillips, J. J., & Phillips, P. P. (2016). *Handbook of Training Evaluation
and Measurement Methods* (4th ed.). Routledge: the ROI methodology and its
twelve guiding principles.

Phillips, J. J., & Phillips, P. P. (2009). Using ROI to demonstrate HR
value in the public sector. *Human Resource Management*, 48(2), 225-239:
the CEO survey (96 % want impact data, 74 % want ROI).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Mapping

import numpy as np
import pandas as pd

from pilot_eval.data.cohort import Cohort
from pilot_eval.steps.effects.count import count_frame
from pilot_eval.steps.effects.models import has_comparison

#: Normal quantile of a 95% interval (the SE implied by a published interval).
Z95 = 1.959963984540054
#: Simulation draws for the intervals.
N_DRAWS = 20_000
#: Columns of ``results/roi.csv``.
ROI_COLUMNS = ("scope", "measure", "estimate", "ci_low", "ci_high", "note")
MEASURES = ("benefit", "cost", "net_benefit", "benefit_cost_ratio", "roi_pct", "p_roi_positive")
#: Risk outcome -> the ``[costs]`` key giving the cost of one event.
OUTCOME_COST_KEY: dict[str, str] = {
    "voluntary_attrition": "cost_per_voluntary_exit",
    "hr_incidents": "cost_per_hr_incident",
    "escalations": "cost_per_escalation",
}
OUTCOME_LABEL: dict[str, str] = {
    "voluntary_attrition": "voluntary exits",
    "hr_incidents": "HR incidents",
    "escalations": "escalations",
}
INTANGIBLES = ("360 empathy score", "observed empathy behaviours", "team pulse")
#: Exit cost as a share of salary in the sensitivity table.
EXIT_COST_SHARES = (0.2, 0.5, 1.0, 1.5, 2.0)


@dataclasses.dataclass(frozen=True)
class Costs:
    """The ``[costs]`` settings (all optional; money in one currency, per year where it matters)."""

    cost_per_participant: float | None = None
    cost_per_voluntary_exit: float | None = None
    average_salary: float | None = None
    exit_cost_share_of_salary: float | None = None
    cost_per_hr_incident: float | None = None
    cost_per_escalation: float | None = None

    @classmethod
    def from_mapping(cls, values: Mapping[str, object] | None) -> "Costs":
        values = dict(values or {})
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(values) - names
        if unknown:
            raise ValueError(f"unknown cost setting(s) {sorted(unknown)}; known: {sorted(names)}")
        out = {}
        for k, v in values.items():
            if v is None:
                continue
            fv = float(v)  # type: ignore[arg-type]
            if not math.isfinite(fv) or fv < 0:
                raise ValueError(f"{k} must be a number >= 0, got {v!r}")
            out[k] = fv
        return cls(**out)

    def per_event(self, outcome: str) -> float | None:
        """Cost of one event of ``outcome`` (a voluntary exit: absolute, else salary x share)."""
        if outcome == "voluntary_attrition":
            if self.cost_per_voluntary_exit is not None:
                return self.cost_per_voluntary_exit
            if self.average_salary is not None and self.exit_cost_share_of_salary is not None:
                return self.average_salary * self.exit_cost_share_of_salary
            return None
        return getattr(self, OUTCOME_COST_KEY[outcome])

    def missing(self) -> list[str]:
        """Cost settings not supplied, in words a program owner can act on."""
        out = []
        if self.cost_per_participant is None:
            out.append("the fully loaded program cost per pilot leader")
        if self.per_event("voluntary_attrition") is None:
            out.append("the cost of one voluntary exit (or the average salary and the exit cost as a share of it)")
        if self.cost_per_hr_incident is None:
            out.append("the cost of one HR incident")
        if self.cost_per_escalation is None:
            out.append("the cost of one escalation")
        return out


@dataclasses.dataclass(frozen=True)
class OutcomeInput:
    """One risk outcome's adjusted effect and the pilot's events.

    Attributes
    ----------
    outcome
        ``voluntary_attrition``, ``hr_incidents`` or ``escalations``.
    log_rr, se
        Estimated log rate ratio (pilot vs comparison) and its standard error.
    pilot_events
        Events of the pilot teams in the model's window.
    window_days
        Length of that window.
    """

    outcome: str
    log_rr: float
    se: float
    pilot_events: float
    window_days: float

    @property
    def events_per_year(self) -> float:
        return self.pilot_events * 365.0 / self.window_days


def outcome_inputs(effects: pd.DataFrame, pilot_events: Mapping[str, float],
                   window_days: Mapping[str, float]) -> tuple[list[OutcomeInput], dict[str, str]]:
    """The ``count`` rows of ``effects.csv`` as ROI inputs; outcomes left out, with why.

    ``estimate`` of a count row is the % change ``100 (RR - 1)``; the SE of
    ``log RR`` is the one implied by the row's 95% interval (``std_error``
    when the row has no interval).
    """
    used: list[OutcomeInput] = []
    left: dict[str, str] = {}
    count = effects[effects["model"].astype(str) == "count"] if len(effects) else effects
    for outcome in OUTCOME_COST_KEY:
        rows = count[count["outcome"].astype(str) == outcome] if len(count) else count
        if not len(rows):
            left[outcome] = "no adjusted estimate (no data, too few events, or no comparison group)"
            continue
        r = rows.iloc[0]
        est, se = float(r["estimate"]), float(r["std_error"])
        lo, hi = (float(r[c]) if c in r else math.nan for c in ("ci_low", "ci_high"))
        if math.isfinite(lo) and math.isfinite(hi) and -100 < lo < hi:
            # the SE implied by the published 95% interval (on the log rate-ratio scale): the same
            # numbers the scorecard shows, and robust to the publication rounding of std_error
            se = (math.log1p(hi / 100.0) - math.log1p(lo / 100.0)) / (2 * Z95)
        if not (math.isfinite(est) and math.isfinite(se) and se > 0 and est > -100):
            left[outcome] = "the adjusted estimate has no usable interval"
            continue
        ev, days = pilot_events.get(outcome), window_days.get(outcome)
        if ev is None or days is None or not days > 0:
            left[outcome] = "the pilot teams' event count in the model's window is not known"
            continue
        used.append(OutcomeInput(outcome, math.log1p(est / 100.0), se, float(ev), float(days)))
    return used, left


def _summaries(benefit: np.ndarray, cost: float, point_benefit: float, scope: str,
               note: str) -> list[dict[str, object]]:
    net = benefit - cost
    rows = []

    def add(measure: str, point: float, draws: np.ndarray | None) -> None:
        lo, hi = (np.nan, np.nan) if draws is None else np.percentile(draws, [2.5, 97.5])
        rows.append({"scope": scope, "measure": measure, "estimate": point, "ci_low": float(lo),
                     "ci_high": float(hi), "note": note})

    add("benefit", point_benefit, benefit)
    add("cost", cost, None)
    add("net_benefit", point_benefit - cost, net)
    add("benefit_cost_ratio", point_benefit / cost, benefit / cost)
    add("roi_pct", 100.0 * (point_benefit - cost) / cost, 100.0 * net / cost)
    rows.append({"scope": scope, "measure": "p_roi_positive", "estimate": float(np.mean(net > 0)),
                 "ci_low": np.nan, "ci_high": np.nan, "note": "share of simulation draws with ROI > 0"})
    return rows


def _draw_benefit(inputs: list[OutcomeInput], costs: Costs, scale: float, rng: np.random.Generator,
                  n_draws: int, exit_cost: float | None = None) -> tuple[np.ndarray, float]:
    z = np.repeat(rng.standard_normal((n_draws, 1)), max(len(inputs), 1), axis=1)  # comonotone
    total = np.zeros(n_draws)
    point = 0.0
    for j, inp in enumerate(inputs):
        c = exit_cost if (exit_cost is not None and inp.outcome == "voluntary_attrition") else costs.per_event(inp.outcome)
        if c is None:
            continue
        events = inp.events_per_year * scale
        log_rr = inp.log_rr + inp.se * z[:, j]
        total += events * (np.exp(-log_rr) - 1.0) * c
        point += events * (math.exp(-inp.log_rr) - 1.0) * c
    return total, point


@dataclasses.dataclass
class RoiResult:
    """The ROI table (``results/roi.csv``), its sensitivity table, and what it rests on."""

    table: pd.DataFrame
    sensitivity: pd.DataFrame
    used: list[str]
    not_monetised: dict[str, str]
    missing_costs: list[str]
    n_pilot: int
    rollout_leaders: int | None

    @property
    def computed(self) -> bool:
        return len(self.table) > 0


def roi(effects: pd.DataFrame, pilot_events: Mapping[str, float], window_days: Mapping[str, float],
        costs: Costs, n_pilot: int, *, rollout_leaders: int | None = None, has_comparison: bool = True,
        n_draws: int = N_DRAWS, seed: int = 0) -> RoiResult:
    """The pilot's (and a rollout's) first-year return on investment, with intervals.

    Parameters
    ----------
    effects
        ``effects.csv`` of step 3 (its ``count`` rows are used).
    pilot_events, window_days
        By outcome: the pilot teams' events in the count model's window and the
        window's length in days.
    costs
        The ``[costs]`` settings.
    n_pilot
        Pilot leaders (the program cost is paid for each).
    rollout_leaders
        Size of a rollout to cost as well (``None``: pilot only).
    has_comparison
        Without a comparison group the effect is not isolated: no ROI.
    n_draws, seed
        Simulation size and seed.

    Returns
    -------
    RoiResult
        ``table`` has :data:`ROI_COLUMNS`, one row per scope x measure; empty
        when the ROI cannot be computed (then ``missing_costs`` or
        ``not_monetised`` say why).

    Examples
    --------
    One outcome, HR incidents down 50 % (RR 0.5) with a tiny SE: 10 pilot
    events a year would have been 20, so 10 are averted, worth 10 x 1,000;
    the program cost 4 x 1,000: ROI = 100 x (10,000 - 4,000) / 4,000 = 150 %.

    >>> eff = pd.DataFrame({"outcome": ["hr_incidents"], "model": ["count"],
    ...                     "estimate": [-50.0], "std_error": [1e-9]})
    >>> res = roi(eff, {"hr_incidents": 10}, {"hr_incidents": 365},
    ...           Costs(cost_per_participant=1000, cost_per_hr_incident=1000), n_pilot=4)
    >>> round(float(res.table.set_index("measure").loc["roi_pct", "estimate"]), 6)
    150.0
    """
    inputs, left = outcome_inputs(effects, pilot_events, window_days)
    missing = costs.missing()
    not_monetised = dict(left)
    for inp in inputs:
        if costs.per_event(inp.outcome) is None:
            not_monetised[inp.outcome] = "no cost per event supplied"
    usable = [i for i in inputs if costs.per_event(i.outcome) is not None]
    empty = pd.DataFrame(columns=list(ROI_COLUMNS))
    base = dict(used=[i.outcome for i in usable], not_monetised=not_monetised, missing_costs=missing,
                n_pilot=int(n_pilot), rollout_leaders=rollout_leaders)
    if not has_comparison:
        not_monetised = {k: "no comparison group: the training's effect cannot be isolated" for k in OUTCOME_COST_KEY}
        base["not_monetised"] = not_monetised
        base["used"] = []
        return RoiResult(empty, pd.DataFrame(), **base)  # type: ignore[arg-type]
    if costs.cost_per_participant is None or not usable or n_pilot < 1:
        return RoiResult(empty, pd.DataFrame(), **base)  # type: ignore[arg-type]
    note = ("first-year benefits of " + ", ".join(OUTCOME_LABEL[i.outcome] for i in usable)
            + "; 95% interval from the estimates' sampling distributions")
    rows = []
    scopes = [("pilot", int(n_pilot))] + ([("rollout", int(rollout_leaders))] if rollout_leaders else [])
    for scope, leaders in scopes:
        rng = np.random.default_rng(seed)  # the same draws for each scope: the rollout scales the pilot
        draws, point = _draw_benefit(usable, costs, leaders / n_pilot, rng, n_draws)
        rows += _summaries(draws, leaders * costs.cost_per_participant, point, scope,
                           note + (f"; rollout of {leaders} leaders" if scope == "rollout" else ""))
    table = pd.DataFrame(rows, columns=list(ROI_COLUMNS))
    sens = sensitivity(usable, costs, n_pilot, n_draws=n_draws, seed=seed)
    return RoiResult(table, sens, **base)  # type: ignore[arg-type]


def sensitivity(inputs: list[OutcomeInput], costs: Costs, n_pilot: int, *,
                n_draws: int = N_DRAWS, seed: int = 0) -> pd.DataFrame:
    """The pilot's ROI % as the cost of a voluntary exit varies.

    With ``average_salary``: the exit cost from 20 % to 200 % of salary;
    otherwise the supplied cost per exit times 0.2 to 2.  Empty without an
    exit cost or without voluntary attrition among the monetised outcomes.
    """
    if costs.cost_per_participant is None or not any(i.outcome == "voluntary_attrition" for i in inputs):
        return pd.DataFrame()
    rows = []
    for share in EXIT_COST_SHARES:
        if costs.average_salary is not None:
            exit_cost, label = costs.average_salary * share, f"{share:.0%} of salary"
        elif costs.cost_per_voluntary_exit is not None:
            exit_cost, label = costs.cost_per_voluntary_exit * share, f"{share:g} x the stated exit cost"
        else:
            return pd.DataFrame()
        rng = np.random.default_rng(seed)
        draws, point = _draw_benefit(inputs, costs, 1.0, rng, n_draws, exit_cost=exit_cost)
        cost = n_pilot * costs.cost_per_participant
        lo, hi = np.percentile(100 * (draws - cost) / cost, [2.5, 97.5])
        rows.append({"exit_cost": exit_cost, "assumption": label, "roi_pct": 100 * (point - cost) / cost,
                     "ci_low": float(lo), "ci_high": float(hi), "p_roi_positive": float(np.mean(draws > cost))})
    return pd.DataFrame(rows)


def summary_sentence(res: RoiResult) -> str:
    """The ROI in plain words for index.html (or what to supply)."""
    if res.missing_costs and (not res.computed):
        return ("Return on investment: not computed. To compute it, supply in the [costs] table of the "
                "cohort settings: " + "; ".join(res.missing_costs) + " (the setting names are in the data dictionary).")
    if not res.computed:
        reasons = "; ".join(f"{OUTCOME_LABEL[k]}: {v}" for k, v in res.not_monetised.items())
        return f"Return on investment: not computed ({reasons})."
    t = res.table[res.table["scope"] == "pilot"].set_index("measure")
    r, p = t.loc["roi_pct"], float(t["estimate"].astype(float).loc["p_roi_positive"])
    return (f"Return on investment in the first year: {r['estimate']:+.0f}% (95% interval {r['ci_low']:+.0f}% to "
            f"{r['ci_high']:+.0f}%); the chance that the pilot paid for itself is about {100 * p:.0f} in 100.")


def pilot_event_counts(cohort: Cohort) -> tuple[dict[str, float], dict[str, float]]:
    """By risk outcome: the pilot teams' events in the count model's window, and the window's days.

    The same window and the same leaders as the ``count`` rows of step 3
    (:func:`pilot_eval.steps.effects.count.count_frame`); outcomes whose table
    is missing are left out.
    """
    events: dict[str, float] = {}
    days: dict[str, float] = {}
    cfg = cohort.config
    for outcome in OUTCOME_COST_KEY:
        try:
            frame = count_frame(cohort, outcome)
        except ValueError:
            continue
        window = frame.attrs.get("window")
        events[outcome] = float(frame.loc[frame["arm"] == "pilot", "events"].sum())
        days[outcome] = float(cfg.follow_up_days if window == "follow_up" else cfg.pilot_days)
    return events, days


#: The conservative rules as the page states them (one definition, used by the notebook and index.html).
RULES: tuple[str, ...] = (
    "First-year benefits only: events averted in the 12 months after the pilot, for a one-off program cost.",
    "Costs fully loaded: the cost per participant is meant to include design, delivery and the leaders' time.",
    "The training's effect is isolated: only the adjusted pilot-versus-comparison effects of step 3 are used, "
    "never a before/after change or participants' own estimates.",
    "No benefit is claimed from an outcome without data, without an adjusted estimate, or without a stated "
    "cost per event.",
    "The whole uncertainty is carried: an outcome that got worse lowers the benefit; the outcomes are assumed "
    "to move together, which gives the widest interval.",
    "Intangibles are reported, not monetised: " + ", ".join(INTANGIBLES) + ".",
)

COST_SETTINGS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Costs))


def roi_step(cohort: Cohort, effects: pd.DataFrame, costs: Mapping[str, object] | None = None, *,
             rollout_leaders: int | None = None, seed: int = 0) -> RoiResult:
    """Step 6: the ROI of a cohort from its step-3 effects (``results/effects.csv``).

    ``costs`` are the ``[costs]`` settings (cohort.toml, overridden by ``-p``);
    the pilot's events and windows come from the same count-model frames as
    the effects.
    """
    events, days = pilot_event_counts(cohort)
    n_pilot = int(cohort.leaders["arm"].eq("pilot").sum())
    return roi(effects, events, days, Costs.from_mapping(costs), n_pilot, rollout_leaders=rollout_leaders,
               has_comparison=has_comparison(cohort), seed=seed)

MEASURE_LABELS: dict[str, str] = {
    "benefit": "benefit (first year)", "cost": "program cost", "net_benefit": "net benefit",
    "benefit_cost_ratio": "benefit-cost ratio", "roi_pct": "ROI %", "p_roi_positive": "chance ROI > 0",
}


def costs_for_run(config: object, **overrides: object) -> dict[str, object]:
    """The run's cost settings: cohort.toml ``[costs]`` (when the contract has them), then ``-p`` overrides."""
    base = dict(getattr(config, "costs", None) or {})
    base.update({k: v for k, v in overrides.items() if v is not None})
    return base


def not_monetised_text(res: RoiResult) -> str:
    """What the ROI leaves out, in words."""
    lines = [f"- {OUTCOME_LABEL[k]}: not monetised ({v})." for k, v in res.not_monetised.items()]
    lines.append("- Intangible benefits, reported on the scorecard but not monetised: " + ", ".join(INTANGIBLES) + ".")
    if res.missing_costs:
        lines.append("- Costs not supplied (the [costs] table of the cohort settings): "
                     + "; ".join(res.missing_costs) + ".")
    return "\n".join(lines)


def rules_markdown(res: RoiResult) -> str:
    """The conservative rules as a numbered list, then what is not monetised."""
    return "\n".join(f"{i}. {r}" for i, r in enumerate(RULES, 1)) + "\n\n" + not_monetised_text(res)
