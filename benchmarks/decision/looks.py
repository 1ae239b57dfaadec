"""Error rates of the interim (monthly) looks (issue 16, item 3): ``run.py --looks``.

A 3-look schedule - days 30, 60 and the pilot's end (day 90) - plus the
final analysis when the follow-up is complete, on cohorts with planted truth
from both generator designs (``scenarios.py``: the project's
``pilot_eval.data.synth`` and the independent ``flat_generator.py``), in the
scenarios ``no_effect``, ``meets_targets`` (no harm: risk outcomes fall) and
``harm`` (HR incidents double in pilot teams), at the sample's size and a
larger one.  The cohorts are those of the decision benchmark (same seeds:
``SeedSequence([seed, design, size, replicate])``).

Per cohort and look ``d``: the cohort as it was known on day ``d``
(:func:`pilot_eval.data.as_of.cohort_as_of`), and for each risk outcome the
one-sided p of a rise from the project's adjusted count model
(:func:`pilot_eval.steps.effects.count.count_effect`) on the pilot window's
data so far (the interface asks the as-of scorecard for exactly this); at
the final analysis the same model on the follow-up window (the final rule's
test).  The p-values are recorded (``looks_cohorts.csv.gz``); the rules are
applied to them:

* ``spending_obf`` - the project's rule: at an interim look
  :func:`pilot_eval.steps.decision.interim.interim_recommendation` (called on
  a scorecard of the look's risk rows), at the final Holm at
  :data:`pilot_eval.steps.decision.rule.FINAL_HARM_ALPHA`;
* ``spending_pocock`` - the same with Pocock-type spending (for contrast: it
  stops earlier under harm and leaves less for the final);
* ``naive`` - Holm at 5 % at every look and at the final (looking monthly
  without allowing for it: shows the inflation);
* ``final_only`` - no interim looks, Holm at 5 % at the final (the rule of
  issue 9 before this change).

The share of SCALE at the final analysis cannot change with the final harm
level: a Holm-adjusted p below 5 % means a one-sided p below 5 %, which is
already a warning sign (a 90 % or higher chance that the outcome rose) that
blocks SCALE.  The benchmark checks it on every cohort (``scale_changed``).

Writes ``benchmarks/results/interim_oc.csv`` (one row per method x scenario
x size, pooled over the designs, and per design), ``interim_oc.md`` and a
copy of the CSV in ``src/pilot_eval/steps/decision/interim_oc.csv`` (read by
:func:`pilot_eval.steps.decision.oc.interim_error_rate_sentence`).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import functools
import math
import shutil
import sys
import time
import traceback
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from scenarios import GENERATORS, make_cohort  # noqa: E402

from pilot_eval.data.as_of import cohort_as_of  # noqa: E402
from pilot_eval.measures import scores as measures  # noqa: E402
from pilot_eval.stats.group_sequential import nominal_levels, spending, spending_boundaries  # noqa: E402
from pilot_eval.steps.decision import interim, rule  # noqa: E402
from pilot_eval.steps.decision.indicators import HARM_INDICATORS, SPECS  # noqa: E402
from pilot_eval.steps.effects.count import COUNT_OUTCOMES, count_effect, count_frame  # noqa: E402

LOOK_SCENARIOS: tuple[str, ...] = ("no_effect", "meets_targets", "harm")
#: scorecard indicator -> count outcome
RISK_OUTCOMES: dict[str, str] = {"hr_incidents_change_pct": "hr_incidents", "escalations_change_pct": "escalations",
                                 "voluntary_attrition_change_pct": "voluntary_attrition"}
METHODS: tuple[str, ...] = ("spending_obf", "spending_pocock", "naive", "final_only")
OC_COLUMNS = ("method", "scenario", "n_pilot", "n_comparison", "generator", "n_cohorts", "stop_look_1",
              "stop_by_look_2", "stop_by_look_3", "stop_interim", "stop_overall", "stop_overall_mc_se",
              "final_harm_alpha")


@dataclasses.dataclass(frozen=True)
class LookTask:
    index: int
    generator: str
    scenario: str
    n_pilot: int
    n_comparison: int
    rep: int
    seed: int


def make_look_tasks(cohorts: int, sizes: list[tuple[int, int]], generators: list[str], scenarios: list[str],
                    seed: int) -> list[LookTask]:
    """Replicate-major over (size, design, scenario): a partial run covers every cell about equally.

    ``cohorts`` is per scenario, size and design; the seeds are the decision benchmark's.
    """
    tasks: list[LookTask] = []
    for r in range(cohorts):
        for z, (n_p, n_c) in enumerate(sizes):
            for s in scenarios:
                for gen in generators:
                    gi = GENERATORS.index(gen)
                    cseed = int(np.random.SeedSequence([seed, gi, z, r]).generate_state(1)[0])
                    tasks.append(LookTask(len(tasks), gen, s, n_p, n_c, r, cseed))
    return tasks


def p_worse(est: float, p_two: float) -> float:
    """One-sided p of a rise, as the scorecard computes it from a count row (estimate, two-sided p)."""
    if not (np.isfinite(est) and np.isfinite(p_two)):
        return float("nan")
    return p_two / 2 if est > 0 else 1 - p_two / 2


def risk_p_values(cohort: Any, window: str) -> dict[str, float]:
    """One-sided p of a rise per risk outcome from the count model on ``window`` (NaN: no model)."""
    rates = measures.outcome_rates(cohort.employees, cohort.incidents, cohort.config)
    out = {}
    for ind, outcome in RISK_OUTCOMES.items():
        try:
            row = count_effect(count_frame(cohort, outcome, rates, window), cohort.config.min_group_size)
            out[ind] = p_worse(float(row["estimate"]), float(row["p_value"]))  # type: ignore[arg-type]
        except (ValueError, np.linalg.LinAlgError):
            out[ind] = float("nan")
    return out


def run_look_task(task: LookTask) -> dict[str, Any]:
    """p of a rise of each risk outcome at each planned look and at the final analysis."""
    row: dict[str, Any] = dataclasses.asdict(task)
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():  # e.g. exp overflow in the interval of a degenerate early count model
            warnings.simplefilter("ignore", RuntimeWarning)
            _look_p_values(task, row)
        row["error"] = ""
    except Exception as exc:  # counted and shown
        row["error"] = f"{type(exc).__name__}: {exc}"[:300] + " | " + traceback.format_exc(limit=2)[-300:]
    row["seconds"] = round(time.perf_counter() - t0, 3)
    return row


def _look_p_values(task: LookTask, row: dict[str, Any]) -> None:
    """Fill ``row`` with the p of a rise per risk outcome at each planned look and at the final."""
    cohort, _ = make_cohort(task.generator, task.scenario, task.n_pilot, task.n_comparison, task.seed)
    cfg = cohort.config
    days = interim.planned_look_days(cfg)
    for k, d in enumerate(days, start=1):
        cut = cohort_as_of(cohort, cfg.pilot_start + dt.timedelta(days=d))
        for ind, p in risk_p_values(cut, "pilot").items():
            row[f"p_{ind}_look{k}"] = p
    for ind, p in risk_p_values(cohort, "follow_up" if cfg.follow_up_days > 0 else "pilot").items():
        row[f"p_{ind}_final"] = p
    row["look_days"] = ";".join(str(d) for d in days)
    row["horizon_days"] = interim.horizon_days(cfg)


def _scorecard(ps: dict[str, float]) -> pd.DataFrame:
    """A scorecard of the risk rows only (what the interim rule reads), leading rows without data."""
    rows = []
    for key in (*HARM_INDICATORS, *interim.LEADING_INDICATORS):
        spec = SPECS[key]
        p = ps.get(key, np.nan)
        rows.append({"indicator": key, "label": spec.label, "unit": spec.unit, "target": spec.default_target,
                     "status": "at risk" if np.isfinite(p) else "no data", "p_worse": p,
                     "probability": np.nan, "value": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n": 0,
                     "note": "" if np.isfinite(p) else "too few events so far"})
    return pd.DataFrame(rows)


def _fractions(row: pd.Series) -> tuple[list[int], list[float]]:
    days = [int(d) for d in str(row["look_days"]).split(";")]
    hz = float(row["horizon_days"])
    return days, [d / hz for d in days]


def _min_p(row: pd.Series, tag: str) -> float:
    ps = [float(row[f"p_{ind}_{tag}"]) for ind in HARM_INDICATORS]
    ps = [p for p in ps if np.isfinite(p)]
    return min(ps) if ps else float("nan")


def _holm_any(row: pd.Series, tag: str, level: float) -> bool:
    q = rule.holm([float(row[f"p_{ind}_{tag}"]) for ind in HARM_INDICATORS])
    return any(np.isfinite(v) and v < level for v in q)


@functools.lru_cache(maxsize=16)
def _pocock_levels(fr: tuple[float, ...]) -> list[float]:
    m, a = len(HARM_INDICATORS), rule.HARM_ALPHA
    return nominal_levels(spending_boundaries(fr, a, spend=lambda t: spending(t, a, "pocock") / m))


def first_stop(row: pd.Series, method: str) -> int:
    """The look (1..3, 4 = final) at which the method stops for harm, 0 if never."""
    days, fr = _fractions(row)
    n = len(days)
    if method == "spending_obf":
        for k in range(1, n + 1):
            ps = {ind: float(row[f"p_{ind}_look{k}"]) for ind in HARM_INDICATORS}
            rec = interim.interim_recommendation(_scorecard(ps), look=k, n_looks=n, information_fraction=fr[k - 1],
                                                 previous_fractions=fr[: k - 1], fair_comparison=True)
            if rec.decision == interim.STOP_HARM:
                return k
        return n + 1 if _holm_any(row, "final", rule.FINAL_HARM_ALPHA) else 0
    if method == "spending_pocock":
        a = rule.HARM_ALPHA
        levels = _pocock_levels(tuple(fr))
        for k in range(1, n + 1):
            if _min_p(row, f"look{k}") < levels[k - 1]:
                return k
        left = a - float(spending(fr[-1], a, "pocock"))
        return n + 1 if _holm_any(row, "final", left) else 0
    if method == "naive":
        for k in range(1, n + 1):
            if _holm_any(row, f"look{k}", rule.HARM_ALPHA):
                return k
        return n + 1 if _holm_any(row, "final", rule.HARM_ALPHA) else 0
    if method == "final_only":
        return n + 1 if _holm_any(row, "final", rule.HARM_ALPHA) else 0
    raise ValueError(method)


def final_alpha(method: str, row: pd.Series) -> float:
    _, fr = _fractions(row)
    if method == "spending_obf":
        return rule.FINAL_HARM_ALPHA
    if method == "spending_pocock":
        return rule.HARM_ALPHA - float(spending(fr[-1], rule.HARM_ALPHA, "pocock"))
    return rule.HARM_ALPHA


def mc_se(p: float, n: int) -> float:
    return math.sqrt(p * (1 - p) / n) if n else float("nan")


def interim_table(records: pd.DataFrame) -> pd.DataFrame:
    """Shares stopping for harm by each look, per method x scenario x size (pooled and per design)."""
    ok = records[records["error"].fillna("") == ""].copy()
    rows = []
    for method in METHODS:
        ok[f"stop_{method}"] = [first_stop(r, method) for _, r in ok.iterrows()] if len(ok) else []
    for (s, n_p, n_c), grp in ok.groupby(["scenario", "n_pilot", "n_comparison"], sort=False):
        for gen, g in [("pooled", grp), *grp.groupby("generator")]:
            n = len(g)
            for method in METHODS:
                st = g[f"stop_{method}"].to_numpy()
                overall = float(np.mean(st > 0))
                rows.append({"method": method, "scenario": s, "n_pilot": int(n_p), "n_comparison": int(n_c),
                             "generator": gen, "n_cohorts": n,
                             "stop_look_1": float(np.mean((st >= 1) & (st <= 1))),
                             "stop_by_look_2": float(np.mean((st >= 1) & (st <= 2))),
                             "stop_by_look_3": float(np.mean((st >= 1) & (st <= 3))),
                             "stop_interim": float(np.mean((st >= 1) & (st <= 3))),
                             "stop_overall": overall, "stop_overall_mc_se": mc_se(overall, n),
                             "final_harm_alpha": final_alpha(method, g.iloc[0])})
    out = pd.DataFrame(rows, columns=list(OC_COLUMNS))
    order = {s: i for i, s in enumerate(LOOK_SCENARIOS)}
    morder = {m: i for i, m in enumerate(METHODS)}
    out = out.sort_values(["n_pilot", "scenario", "generator", "method"],
                          key=lambda c: (c.map(order) if c.name == "scenario" else
                                         c.map(morder) if c.name == "method" else
                                         c.map(lambda g: "" if g == "pooled" else g) if c.name == "generator" else c),
                          kind="stable", ignore_index=True)
    for col in OC_COLUMNS[6:]:
        out[col] = out[col].round(4)
    return out


def plain_words(records: pd.DataFrame, table: pd.DataFrame) -> list[str]:
    """The findings in sentences (from the pooled table and the calibration of the final tests)."""
    pooled = table[table["generator"] == "pooled"].set_index(["method", "scenario", "n_pilot", "n_comparison"])
    lines = ["", "## In plain words", ""]
    for (n_p, n_c) in sorted({(int(a), int(b)) for a, b in zip(table["n_pilot"], table["n_comparison"])}):
        def get(m: str, s: str, col: str) -> float:
            key = (m, s, n_p, n_c)
            return float(pooled.loc[key, col]) if key in pooled.index else float("nan")  # type: ignore[arg-type]
        lines.append(
            f"- **{n_p} + {n_c} leaders.** No harm (`no_effect`): the monthly looks of the rule stopped "
            f"{_pct(get('spending_obf', 'no_effect', 'stop_interim'))} of the pilots; with the final analysis "
            f"{_pct(get('spending_obf', 'no_effect', 'stop_overall'))}, the same as the final test alone "
            f"({_pct(get('final_only', 'no_effect', 'stop_overall'))}); looking monthly at 5 % without allowing for "
            f"it: {_pct(get('naive', 'no_effect', 'stop_overall'))}. Training on target (`meets_targets`): "
            f"{_pct(get('spending_obf', 'meets_targets', 'stop_overall'))} (naive "
            f"{_pct(get('naive', 'meets_targets', 'stop_overall'))}). HR incidents doubled (`harm`): stopped by the "
            f"pilot's end in {_pct(get('spending_obf', 'harm', 'stop_by_look_3'))} (Pocock-type "
            f"{_pct(get('spending_pocock', 'harm', 'stop_by_look_3'))}), in all "
            f"{_pct(get('spending_obf', 'harm', 'stop_overall'))} (final test alone "
            f"{_pct(get('final_only', 'harm', 'stop_overall'))}).")
    ok = records[(records["error"].fillna("") == "") & (records["scenario"] == "no_effect")]
    for ind in HARM_INDICATORS:
        p = pd.to_numeric(ok[f"p_{ind}_final"], errors="coerce").dropna()
        k, n = int((p < 0.05).sum()), len(p)
        if n and k / n > 0.05:
            pv = float(stats.binomtest(k, n, 0.05, alternative="greater").pvalue)
            if pv < 0.05:
                lines.append(f"- **The final test of {SPECS[ind].label.split(' (')[0]} is too liberal**: its "
                             f"one-sided p was below 5 % in {k} of {n} cohorts without any effect ({_pct(k / n)}; "
                             f"binomial test against 5 %: p = {pv:.3f}). This, not the monthly looks, is why the "
                             "overall false-stop share exceeds 5 %; the count model (step 3) needs a look.")
    return lines


def calibration_section(records: pd.DataFrame) -> list[str]:
    """Is each one-sided test calibrated? Share of p of a rise below 5 % in ``no_effect`` (should be 5 %)."""
    ok = records[(records["error"].fillna("") == "") & (records["scenario"] == "no_effect")]
    if not len(ok):
        return []
    lines = ["", "## Calibration of the count-model test itself (no_effect)", "",
             "Share of cohorts whose one-sided p of a rise is below 5 % (a calibrated test: 5 %), per risk outcome "
             "and look, pooled over designs and sizes (cohorts with a p in brackets). Every method above inherits "
             "this: a test that is too liberal at the final analysis raises the false stops of every method alike.",
             "", "| outcome | look 1 | look 2 | look 3 | final |", "|---|---:|---:|---:|---:|"]
    for ind in HARM_INDICATORS:
        cells = []
        for tag in ("look1", "look2", "look3", "final"):
            p = pd.to_numeric(ok[f"p_{ind}_{tag}"], errors="coerce").dropna()
            cells.append(f"{_pct(float((p < 0.05).mean()))} ({len(p)})" if len(p) else "")
        lines.append(f"| {SPECS[ind].label} | " + " | ".join(cells) + " |")
    return lines


def scale_changed(records: pd.DataFrame) -> int:
    """Cohorts whose final harm call differs between Holm at 5 % and at FINAL_HARM_ALPHA while no
    one-sided p is below 10 % (the only way SCALE could change; it cannot, see the module docstring)."""
    n = 0
    for _, r in records[records["error"].fillna("") == ""].iterrows():
        a = _holm_any(r, "final", rule.HARM_ALPHA)
        b = _holm_any(r, "final", rule.FINAL_HARM_ALPHA)
        warned = any(np.isfinite(float(r[f"p_{i}_final"])) and float(r[f"p_{i}_final"]) <= 1 - rule.HARM_WARNING_P
                     for i in HARM_INDICATORS)
        n += int(a != b and not warned)
    return n


def stop_changed(records: pd.DataFrame) -> tuple[int, int]:
    """(cohorts whose final harm call changes from 5 % to FINAL_HARM_ALPHA, cohorts)."""
    ok = records[records["error"].fillna("") == ""]
    k = sum(int(_holm_any(r, "final", rule.HARM_ALPHA) != _holm_any(r, "final", rule.FINAL_HARM_ALPHA))
            for _, r in ok.iterrows())
    return k, len(ok)


def _pct(x: float) -> str:
    return "" if not np.isfinite(x) else f"{100 * x:.1f} %"


def markdown(records: pd.DataFrame, table: pd.DataFrame, args: argparse.Namespace, wall_s: float) -> str:
    cfg_days = str(records["look_days"].dropna().iloc[0]) if records["look_days"].notna().any() else "30;60;90"
    hz = int(records["horizon_days"].dropna().iloc[0]) if records["horizon_days"].notna().any() else 270
    fr = [int(d) / hz for d in cfg_days.split(";")]
    bt = []
    for k in range(1, len(fr) + 1):
        bt.append((k, cfg_days.split(";")[k - 1], fr[k - 1], interim.harm_threshold(fr[:k])))
    ok = records[records["error"].fillna("") == ""]
    n_err = len(records) - len(ok)
    ch, tot = stop_changed(records)
    lines = [
        "# Interim looks: error rates of stopping early for harm (issue 16, item 3)",
        "",
        f"`benchmarks/decision/run.py --looks` ran on {len(records)} synthetic cohorts with planted truth "
        f"({args.cohorts} per scenario, size and generator design; designs {', '.join(sorted(ok['generator'].unique()))}); "
        f"seed {args.seed}; "
        + (f"wall time {wall_s / 60:.1f} min" if not args.summarise else
           f"summarised from `{Path(args.summarise).name}`, {ok['seconds'].sum() / 60:.0f} CPU-minutes in all")
        + f" on one process under `nice` while other work ran (median {ok['seconds'].median():.1f} s per cohort "
        "for its three looks and the final: inflated by the load)."
        + (f" {args.note}" if args.note else ""),
        "",
        "Schedule: looks on days " + ", ".join(cfg_days.split(";")) + f" (the pilot's end), then the final analysis "
        f"when the follow-up is complete (day {hz}). Information fraction of a look = share of the person-time from "
        "the pilot start to the end of follow-up seen (calendar share).",
        "",
        "## The rule's harm boundaries (one-sided p of a rise needed to stop, per risk outcome)",
        "",
        "Lan-DeMets O'Brien-Fleming-type spending of the 5 % harm budget, split over the three risk outcomes; "
        f"the final analysis tests at the alpha left, Holm at {rule.FINAL_HARM_ALPHA:.4f} (instead of 0.05).",
        "",
        "| look | day | information fraction | p needed (each outcome) |",
        "|---:|---:|---:|---:|",
    ]
    for k, d, t, p in bt:
        lines.append(f"| {k} | {d} | {t:.3f} | {p:.2e} |")
    lines += plain_words(records, table)
    lines += ["", "## Chance of stopping for harm (pooled over the designs)", "",
              "By look k = stopped at one of the first k monthly looks; overall = at a monthly look or at the final "
              "analysis. In `no_effect` and `meets_targets` every stop is a false alarm (the target: overall at most "
              "5 %); in `harm` it is the power to stop. Monte Carlo standard error in brackets.", "",
              "| scenario | pilot + comparison | method | cohorts | by look 1 | by look 2 | by look 3 | overall (MC SE) |",
              "|---|---|---|---:|---:|---:|---:|---:|"]
    pooled = table[table["generator"] == "pooled"]
    for r in pooled.itertuples():
        lines.append(f"| {r.scenario} | {r.n_pilot} + {r.n_comparison} | {r.method} | {r.n_cohorts} | "
                     f"{_pct(r.stop_look_1)} | {_pct(r.stop_by_look_2)} | {_pct(r.stop_by_look_3)} | "
                     f"{_pct(r.stop_overall)} ({100 * r.stop_overall_mc_se:.1f}) |")
    lines += ["", "## Per generator design", "",
              "| design | scenario | pilot + comparison | method | cohorts | by look 3 | overall |",
              "|---|---|---|---|---:|---:|---:|"]
    for r in table[table["generator"] != "pooled"].itertuples():
        lines.append(f"| {r.generator} | {r.scenario} | {r.n_pilot} + {r.n_comparison} | {r.method} | {r.n_cohorts} | "
                     f"{_pct(r.stop_by_look_3)} | {_pct(r.stop_overall)} |")
    lines += calibration_section(records)
    lines += ["", "## SCALE at the final analysis", "",
              f"The final harm test moved from Holm at 0.05 to Holm at {rule.FINAL_HARM_ALPHA:.4f}: its call changed "
              f"in {ch} of {tot} cohorts here. SCALE cannot change: a Holm-adjusted p below 0.05 needs a one-sided p "
              "below 0.05, which is already a warning sign (90 % or higher chance of a rise) that blocks SCALE; "
              f"cohorts where the harm call changed without such a warning: {scale_changed(records)} (must be 0). "
              "The SCALE shares of `decision_oc.csv` therefore stand unchanged.", ""]
    if n_err:
        lines += ["## Errors", "", f"{n_err} cohorts raised an error (left out):", ""]
        for msg, n in ok.head(0)["error"].value_counts().items():
            lines.append(f"- {n} x {msg}")
        for msg, n in records.loc[records["error"].fillna("") != "", "error"].str[:160].value_counts().head(5).items():
            lines.append(f"- {n} x `{msg}`")
        lines.append("")
    lines += ["## Method", "",
              "- The interim risk statistics are the project's adjusted count model (Poisson / NB2, pre-window rate, "
              "role and culture; the larger of the cluster-robust (CR1 by org unit) and the model-based standard "
              "error, t(G-1), from 4 org units) on the pilot window's data before the "
              "look (`cohort_as_of`), one-sided p of a rise as the scorecard computes it; the final one the same model "
              "on the follow-up window (the final rule's test). A risk outcome with too few events gets no p and "
              "cannot stop the pilot at that look.",
              "- `spending_obf` calls `interim_recommendation` (the function the report uses) on a scorecard of "
              "the look's risk rows; the other methods apply their thresholds to the same p-values.",
              "- Leading indicators (the adjust call) are not simulated here.",
              "- Per-cohort p-values: `benchmarks/decision/looks_cohorts.csv.gz`.",
              "", "Command: `" + " ".join(["python benchmarks/decision/run.py", *sys.argv[1:]]) + "`", ""]
    return "\n".join(lines)


RECORD_BASE = ("index", "generator", "scenario", "n_pilot", "n_comparison", "rep", "seed")


def record_columns(n_looks: int = 3) -> list[str]:
    cols = list(RECORD_BASE)
    for tag in [*(f"look{k}" for k in range(1, n_looks + 1)), "final"]:
        cols += [f"p_{i}_{tag}" for i in HARM_INDICATORS]
    return cols + ["look_days", "horizon_days", "error", "seconds"]


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--leading" in argv:
        return leading_main(argv)
    ap = argparse.ArgumentParser(description="Interim looks benchmark (issue 16, item 3)")
    ap.add_argument("--looks", action="store_true", help="(accepted: run.py passes it through)")
    ap.add_argument("--cohorts", type=int, default=50, help="cohorts per scenario, size and design")
    ap.add_argument("--sizes", default="45x60,90x120")
    ap.add_argument("--generators", default=",".join(GENERATORS))
    ap.add_argument("--scenarios", default=",".join(LOOK_SCENARIOS))
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--out", default=str(REPO / "benchmarks" / "results"))
    ap.add_argument("--records", default=str(HERE / "looks_cohorts.csv.gz"))
    ap.add_argument("--partial", default=str(HERE / "looks_cohorts.partial.csv"))
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--summarise", default="", metavar="RECORDS")
    ap.add_argument("--copy-to", default=str(REPO / "src" / "pilot_eval" / "steps" / "decision" / "interim_oc.csv"))
    ap.add_argument("--note", default="", help="a sentence for the page (e.g. the code version the run used)")
    ap.add_argument("--quiet", action="store_true")
    args, _ = ap.parse_known_args(argv)
    t0 = time.perf_counter()
    cols = record_columns()
    if args.summarise:
        records = pd.read_csv(args.summarise, keep_default_na=False, na_values=["", "nan", "NaN"])
    else:
        sizes = [tuple(int(x) for x in s.lower().split("x")) for s in args.sizes.split(",") if s]
        tasks = make_look_tasks(args.cohorts, sizes, [g for g in args.generators.split(",") if g],  # type: ignore[arg-type]
                                [s for s in args.scenarios.split(",") if s], args.seed)
        done: dict[int, dict[str, Any]] = {}
        part = Path(args.partial) if args.partial else None
        if args.resume and part is not None and part.is_file() and part.stat().st_size:
            old = pd.read_csv(part, keep_default_na=False, na_values=["", "nan", "NaN"])
            keys = {(t.generator, t.scenario, t.n_pilot, t.n_comparison, t.seed): t.index for t in tasks}
            for rec in old.to_dict("records"):
                i = keys.get((rec["generator"], rec["scenario"], int(rec["n_pilot"]), int(rec["n_comparison"]),
                              int(rec["seed"])))
                if i is not None:
                    done[i] = {**rec, "index": i}
        sink = None
        if part is not None:
            fresh = not done
            sink = part.open("w" if fresh else "a", encoding="utf-8", newline="")
            if fresh:
                pd.DataFrame(columns=cols).to_csv(sink, index=False, lineterminator="\n")
        todo = [t for t in tasks if t.index not in done]
        if not args.quiet:
            print(f"interim looks benchmark: {len(todo)} cohorts to run ({len(done)} done)", file=sys.stderr)
        try:
            for i, task in enumerate(todo, start=1):
                row = run_look_task(task)
                done[task.index] = row
                if sink is not None:
                    pd.DataFrame([row], columns=cols).to_csv(sink, index=False, header=False, lineterminator="\n")
                    sink.flush()
                if not args.quiet and (i % 10 == 0 or i == len(todo)):
                    el = time.perf_counter() - t0
                    print(f"  {i}/{len(todo)} cohorts, {el / 60:.1f} min, about {el / i * (len(todo) - i) / 60:.1f} "
                          "min left", file=sys.stderr, flush=True)
        finally:
            if sink is not None:
                sink.close()
        records = pd.DataFrame([done[i] for i in sorted(done)], columns=cols)
    records["error"] = records["error"].astype(object).where(records["error"].notna(), "")
    wall = time.perf_counter() - t0
    table = interim_table(records)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / "interim_oc.csv"
    table.to_csv(csv_path, index=False, lineterminator="\n")
    (out / "interim_oc.md").write_text(markdown(records, table, args, wall), encoding="utf-8")
    if args.records and not args.summarise:
        gz = {"method": "gzip", "mtime": 0} if str(args.records).endswith(".gz") else None
        records.to_csv(args.records, index=False, lineterminator="\n", compression=gz)
    if args.copy_to:
        shutil.copyfile(csv_path, args.copy_to)
    if not args.quiet:
        print(table[table["generator"] == "pooled"].to_string(index=False), file=sys.stderr)
    return 0




# --------------------------------------------------------------------------
# the adjust-coaching call (leading indicators): ``looks.py --leading``
# --------------------------------------------------------------------------
LEADING_SCENARIOS: tuple[str, ...] = ("no_effect", "meets_targets")
ADJUST_METHODS: tuple[str, ...] = ("spending_pocock", "naive_off_track")


def leading_probabilities(cohort: Any, day: int) -> dict[str, float]:
    """Chance each leading indicator meets its target at a look on ``day``.

    The ANCOVA of step 3 with the last *complete* pilot month before the look
    as the endline (the cohort as of the look, with ``pilot_days = day``: the
    endline month is then the look's last month, and the pre window the
    ``day`` days before the pilot), no extra covariates, 49 bootstrap
    replicates; the scorecard's probability of the target.  A stand-in for
    the as-of scorecard's leading rows until step 3 computes them at a look.
    """
    from pilot_eval.steps.decision.scorecard import build_scorecard
    from pilot_eval.steps.effects.models import estimate_effects
    cut = cohort_as_of(cohort, cohort.config.pilot_start + dt.timedelta(days=day))
    cut = dataclasses.replace(cut, config=dataclasses.replace(cut.config, pilot_days=day))
    run = estimate_effects(cut, covariates=[], outcomes=("pulse", "behaviour_index"), n_boot=49, seed=1,
                           models=("pulse:ancova", "behaviour_index:ancova"))
    card = build_scorecard(cut, run.table).set_index("indicator")
    return {k: float(card.loc[k, "probability"]) for k in interim.LEADING_INDICATORS}  # type: ignore[arg-type]


def run_leading_task(task: LookTask) -> dict[str, Any]:
    row: dict[str, Any] = dataclasses.asdict(task)
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cohort, _ = make_cohort(task.generator, task.scenario, task.n_pilot, task.n_comparison, task.seed)
            for k, d in enumerate(interim.planned_look_days(cohort.config), start=1):
                for ind, p in leading_probabilities(cohort, d).items():
                    row[f"prob_{ind}_look{k}"] = p
        row["error"] = ""
    except Exception as exc:
        row["error"] = f"{type(exc).__name__}: {exc}"[:300]
    row["seconds"] = round(time.perf_counter() - t0, 3)
    return row


def first_adjust(row: pd.Series, method: str, n_looks: int = 3) -> int:
    """The look (1..3) of the first call to adjust the coaching, 0 if none."""
    pf = [k / n_looks for k in range(1, n_looks + 1)]
    for k in range(1, n_looks + 1):
        probs = {ind: float(row.get(f"prob_{ind}_look{k}", np.nan)) for ind in interim.LEADING_INDICATORS}
        if method == "naive_off_track":
            if any(np.isfinite(p) and p < 0.10 for p in probs.values()):
                return k
            continue
        card = _scorecard({})
        for ind, p in probs.items():
            card.loc[card["indicator"] == ind, ["probability", "status"]] = [p, "at risk" if np.isfinite(p) else "no data"]
        rec = interim.interim_recommendation(card, look=k, n_looks=n_looks, information_fraction=pf[k - 1] / 3,
                                             previous_fractions=[f / 3 for f in pf[: k - 1]],
                                             pilot_fractions=pf[:k], fair_comparison=True)
        if rec.decision == interim.ADJUST:
            return k
    return 0


def adjust_table(records: pd.DataFrame) -> pd.DataFrame:
    ok = records[records["error"].fillna("") == ""].copy()
    for m in ADJUST_METHODS:
        ok[f"adj_{m}"] = [first_adjust(r, m) for _, r in ok.iterrows()] if len(ok) else []
    rows = []
    for (s, n_p, n_c), grp in ok.groupby(["scenario", "n_pilot", "n_comparison"], sort=False):
        for gen, g in [("pooled", grp), *grp.groupby("generator")]:
            for m in ADJUST_METHODS:
                a = g[f"adj_{m}"].to_numpy()
                share = float(np.mean(a > 0))
                rows.append({"method": m, "scenario": s, "n_pilot": int(n_p), "n_comparison": int(n_c), "generator": gen,
                             "n_cohorts": len(g), "adjust_look_1": round(float(np.mean(a == 1)), 4),
                             "adjust_by_look_2": round(float(np.mean((a >= 1) & (a <= 2))), 4),
                             "adjust_overall": round(share, 4), "adjust_overall_mc_se": round(mc_se(share, len(g)), 4)})
    return pd.DataFrame(rows)


def leading_main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description="Adjust-coaching call of the interim looks")
    ap.add_argument("--leading", action="store_true")
    ap.add_argument("--looks", action="store_true")
    ap.add_argument("--cohorts", type=int, default=30)
    ap.add_argument("--sizes", default="45x60,90x120")
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--out", default=str(REPO / "benchmarks" / "results"))
    ap.add_argument("--records", default=str(HERE / "looks_leading_cohorts.csv.gz"))
    ap.add_argument("--summarise", default="")
    ap.add_argument("--note", default="")
    ap.add_argument("--copy-to", default=str(REPO / "src" / "pilot_eval" / "steps" / "decision" / "interim_adjust_oc.csv"))
    args, _ = ap.parse_known_args(argv)
    t0 = time.perf_counter()
    if args.summarise:
        records = pd.read_csv(args.summarise, keep_default_na=False, na_values=["", "nan", "NaN"])
    else:
        sizes = [tuple(int(x) for x in s.lower().split("x")) for s in args.sizes.split(",") if s]
        tasks = make_look_tasks(args.cohorts, sizes, list(GENERATORS), list(LEADING_SCENARIOS), args.seed)  # type: ignore[arg-type]
        rows = []
        for i, t in enumerate(tasks, start=1):
            rows.append(run_leading_task(t))
            if i % 20 == 0:
                print(f"  {i}/{len(tasks)} cohorts, {(time.perf_counter() - t0) / 60:.1f} min", file=sys.stderr, flush=True)
        records = pd.DataFrame(rows)
        gz = {"method": "gzip", "mtime": 0} if str(args.records).endswith(".gz") else None
        records.to_csv(args.records, index=False, lineterminator="\n", compression=gz)
    records["error"] = records["error"].astype(object).where(records["error"].notna(), "")
    table = adjust_table(records)
    out = Path(args.out)
    table.to_csv(out / "interim_adjust_oc.csv", index=False, lineterminator="\n")
    if args.copy_to:
        shutil.copyfile(out / "interim_adjust_oc.csv", args.copy_to)
    thr = [interim.adjust_threshold([k / 3 for k in range(1, j + 1)]) for j in (1, 2, 3)]
    lines = ["# Interim looks: error rates of the call to adjust the coaching (issue 16, item 3)", "",
             f"{len(records)} cohorts ({args.cohorts} per scenario, size and design), the decision benchmark's seeds. "
             + (f"{records['seconds'].sum() / 60:.0f} CPU-minutes. " if "seconds" in records else "") + args.note, "",
             "Rule: adjust when a leading indicator's chance of meeting its target is below "
             + ", ".join(f"{100 * t:.1f} %" for t in thr)
             + " at looks 1, 2, 3 (Pocock-type spending of a 10 % budget over the pilot's three looks, split over the "
             "two leading indicators). Naive: the scorecard's 'off track' (below 10 %) at any look. The truth in "
             "`no_effect` is exactly on the leading targets (no change) and above them in `meets_targets`: every "
             "call to adjust is a false alarm.", "",
             "| scenario | pilot + comparison | design | method | cohorts | by look 1 | by look 2 | any look (MC SE) |",
             "|---|---|---|---|---:|---:|---:|---:|"]
    for r in table.itertuples():
        lines.append(f"| {r.scenario} | {r.n_pilot} + {r.n_comparison} | {r.generator} | {r.method} | {r.n_cohorts} | "
                     f"{_pct(r.adjust_look_1)} | {_pct(r.adjust_by_look_2)} | {_pct(r.adjust_overall)} "
                     f"({100 * r.adjust_overall_mc_se:.1f}) |")
    lines += ["", "Leading indicators at a look: step 3's ANCOVA with the last complete pilot month before the look as "
              "the endline (`leading_probabilities` in looks.py; no extra covariates, 49 bootstrap replicates): a "
              "stand-in for the as-of scorecard's leading rows until step 3 computes them at a look.", "",
              "Command: `" + " ".join(["python benchmarks/decision/looks.py", *argv]) + "`", ""]
    (out / "interim_adjust_oc.md").write_text("\n".join(lines), encoding="utf-8")
    print(table[table["generator"] == "pooled"].to_string(index=False), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
