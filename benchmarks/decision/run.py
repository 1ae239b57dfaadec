"""Known error rates of the scale / iterate / stop rule (issue 11, item 6): ``make bench-decision``.

Runs the whole decision, ``pilot_eval.steps.decision.evaluate(cohort)``, on
synthetic cohorts with planted truth: five scenarios (see ``scenarios.py``)
x two sizes (the sample's 45 pilot + 60 comparison leaders, and a larger one)
x two independent generator designs (the project's ``pilot_eval.data.synth``
and ``flat_generator.py``), ``--cohorts`` per scenario and size split evenly
over the designs.  Cohorts are built in memory (typed exactly as
``load_cohort`` reads their files; tested) and evaluated on ``--processes``
worker processes with one BLAS thread each.

Writes ``benchmarks/results/decision_oc.csv`` (``scenario, n_pilot,
n_comparison, n_cohorts, scale, iterate, stop``: shares, one row per
scenario x size, pooled over the generator designs; deterministic),
``benchmarks/results/decision_oc.md`` (the tables, Monte Carlo standard
errors, per-design figures, targets, timing) and
``benchmarks/decision/cohorts.csv`` (one row per cohort), and copies the
CSV to ``src/pilot_eval/steps/decision/decision_oc.csv`` (the report quotes it).

Seeds: cohort ``r`` of size ``z`` and design ``g`` has seed
``SeedSequence([--seed, g, z, r])`` in every scenario (common random numbers
across scenarios), and ``evaluate`` gets the same seed.

Examples
--------
    .venv/bin/python benchmarks/decision/run.py                      # the full run
    .venv/bin/python benchmarks/decision/run.py --cohorts 20 --sizes 45x60 --out /tmp/oc --copy-to ""
    .venv/bin/python benchmarks/decision/run.py --looks            # error rates of the interim looks (looks.py)
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one BLAS thread per worker (2 workers on 2 cores)

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import math  # noqa: E402
import multiprocessing as mp  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Callable  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats  # noqa: E402

from scenarios import GENERATORS, SCENARIOS, make_cohort, planted_table  # noqa: E402

OC_COLUMNS = ("scenario", "n_pilot", "n_comparison", "n_cohorts", "scale", "iterate", "stop")
DECISIONS = ("scale", "iterate", "stop")
#: (scenario, decision that would be an error, highest acceptable share)
TARGETS = (("no_effect", "scale", 0.05), ("meets_targets", "stop", 0.05), ("harm", "scale", 0.05))


@dataclasses.dataclass(frozen=True)
class Task:
    index: int
    generator: str
    scenario: str
    n_pilot: int
    n_comparison: int
    rep: int
    seed: int


def get_rule(rule: str) -> tuple[Callable[..., Any], str]:
    """The ``evaluate`` to run and its name (``real`` or ``stand-in``)."""
    if rule in ("auto", "real"):
        try:
            from pilot_eval.steps.decision import evaluate  # the real rule
            return evaluate, "real"
        except ImportError:
            if rule == "real":
                raise
    from standin import evaluate as standin_evaluate
    return standin_evaluate, "stand-in"


_RULE: Callable[..., Any] | None = None
_N_BOOT = 49


def _init(rule: str, n_boot: int) -> None:
    global _RULE, _N_BOOT
    _RULE, _N_BOOT = get_rule(rule)[0], n_boot


def _statuses(result: Any) -> str:
    """``indicator=status`` of the result's scorecard (for diagnosing errors)."""
    card = getattr(result, "scorecard", None)
    if not isinstance(card, pd.DataFrame) or not {"indicator", "status"} <= set(card.columns):
        return ""
    return ";".join(f"{i}={s}" for i, s in zip(card["indicator"], card["status"]))


def run_task(task: Task) -> dict[str, Any]:
    """Build one cohort, run the rule, return one row of cohorts.csv."""
    assert _RULE is not None
    row: dict[str, Any] = dataclasses.asdict(task)
    t0 = time.perf_counter()
    try:
        cohort, _ = make_cohort(task.generator, task.scenario, task.n_pilot, task.n_comparison, task.seed)
        row["n_comparison"] = int((cohort.leaders["arm"] == "comparison").sum())
        t1 = time.perf_counter()
        result = _RULE(cohort, n_boot=_N_BOOT, seed=task.seed)
        decision = str(result.recommendation).lower()
        if decision not in DECISIONS:
            raise ValueError(f"recommendation {result.recommendation!r} is not scale, iterate or stop")
        reasons = list(getattr(result, "reasons", []) or [])
        conditions = getattr(result, "conditions", {}) or {}
        row.update(recommendation=decision, error="", headline=str(reasons[0]) if reasons else "",
                   conditions=";".join(f"{k}={int(bool(v))}" for k, v in conditions.items()),
                   statuses=_statuses(result), generate_s=round(t1 - t0, 3),
                   evaluate_s=round(time.perf_counter() - t1, 3))
    except Exception as exc:  # an error is a result too: counted and shown
        row.update(recommendation="error", error=f"{type(exc).__name__}: {exc}"[:500],
                   headline=traceback.format_exc(limit=3)[-1000:], conditions="", statuses="", generate_s=np.nan,
                   evaluate_s=round(time.perf_counter() - t0, 3))
    return row


def make_tasks(cohorts: int, sizes: list[tuple[int, int]], generators: list[str], scenarios: list[str],
               seed: int) -> list[Task]:
    """Every (design, scenario, size, replicate) in a fixed order; cohorts split evenly over designs."""
    per_gen = [cohorts // len(generators) + (1 if g < cohorts % len(generators) else 0)
               for g in range(len(generators))]
    tasks = []
    # size-major (the sample's size first); within a size the scenarios with an error-rate
    # target (and the cheap pilot_only) first, replicate-major, then the others: a partial
    # run covers the targets of the sample's size first, every such scenario about equally
    first = [s for s in scenarios if s in {t[0] for t in TARGETS} | {"pilot_only"}]
    for z, (n_p, n_c) in enumerate(sizes):
        for group in (first, [s for s in scenarios if s not in first]):
            for r in range(max(per_gen)):
                for s in group:
                    for g, gen in enumerate(generators):
                        if r >= per_gen[g]:
                            continue
                        gi = GENERATORS.index(gen)
                        cseed = int(np.random.SeedSequence([seed, gi, z, r]).generate_state(1)[0])
                        tasks.append(Task(len(tasks), gen, s, n_p, 0 if s == "pilot_only" else n_c, r, cseed))
    return tasks


RECORD_COLUMNS = ("index", "generator", "scenario", "n_pilot", "n_comparison", "rep", "seed", "recommendation",
                  "error", "headline", "conditions", "statuses", "generate_s", "evaluate_s")


def _done(partial: Path | None, tasks: list[Task]) -> list[dict[str, Any]]:
    """Rows of an earlier, interrupted run of the same tasks (``--resume``)."""
    if partial is None or not partial.is_file() or partial.stat().st_size == 0:
        return []
    old = pd.read_csv(partial, keep_default_na=False, na_values=[""])
    by_key = {(t.generator, t.scenario, t.n_pilot, t.n_comparison, t.seed): t for t in tasks}
    keep = []
    for row in old.to_dict("records"):
        t = by_key.get((row["generator"], row["scenario"], int(row["n_pilot"]), int(row["n_comparison"]),
                        int(row["seed"])))
        if t is not None:
            keep.append({**row, "index": t.index, "error": "" if pd.isna(row["error"]) else row["error"]})
    return keep


def run_all(tasks: list[Task], rule: str, n_boot: int, processes: int, progress: bool = True,
            partial: Path | None = None, resume: bool = False) -> pd.DataFrame:
    """Run every task (in parallel when ``processes > 1``), rows in task order.

    Each row is appended to ``partial`` as it arrives; with ``resume`` the
    tasks already there (same index, design, scenario and seed) are not run again.
    """
    rows: list[dict[str, Any]] = _done(partial, tasks) if resume else []
    seen = {int(r["index"]) for r in rows}
    todo = [t for t in tasks if t.index not in seen]
    sink = None
    if partial is not None:
        fresh = not (resume and partial.is_file() and partial.stat().st_size > 0)
        sink = partial.open("w" if fresh else "a", encoding="utf-8", newline="")
        if fresh:
            pd.DataFrame(rows, columns=list(RECORD_COLUMNS)).to_csv(sink, index=False, lineterminator="\n")
    t0 = time.perf_counter()

    def keep(i: int, row: dict[str, Any]) -> None:
        rows.append(row)
        if sink is not None:
            pd.DataFrame([row], columns=list(RECORD_COLUMNS)).to_csv(sink, index=False, header=False,
                                                                      lineterminator="\n")
            sink.flush()
        _progress(progress, i, len(todo), t0)

    try:
        if processes > 1 and todo:
            with mp.get_context("fork").Pool(processes, initializer=_init, initargs=(rule, n_boot)) as pool:
                for i, row in enumerate(pool.imap_unordered(run_task, todo, chunksize=1), start=1):
                    keep(i, row)
        else:
            _init(rule, n_boot)
            for i, task in enumerate(todo, start=1):
                keep(i, run_task(task))
    finally:
        if sink is not None:
            sink.close()
    return pd.DataFrame(rows, columns=list(RECORD_COLUMNS)).sort_values("index", ignore_index=True)


def _progress(show: bool, i: int, n: int, t0: float) -> None:
    if show and (i % 20 == 0 or i == n):
        el = time.perf_counter() - t0
        print(f"  {i}/{n} cohorts, {el / 60:.1f} min, about {el / i * (n - i) / 60:.1f} min left",
              file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# summaries
# --------------------------------------------------------------------------
def oc_table(records: pd.DataFrame, by: tuple[str, ...] = ("scenario", "n_pilot", "n_comparison")) -> pd.DataFrame:
    """Shares of scale / iterate / stop among the cohorts that ran, per group."""
    ok = records[records["recommendation"].isin(DECISIONS)]
    rows = []
    for key, grp in records.groupby(list(by), sort=False):
        key = key if isinstance(key, tuple) else (key,)
        g_ok = ok.loc[ok.index.intersection(grp.index)]
        n = len(g_ok)
        shares = {d: round(float((g_ok["recommendation"] == d).mean()), 4) if n else np.nan for d in DECISIONS}
        rows.append({**dict(zip(by, key)), "n_cohorts": n, **shares, "errors": int(len(grp) - n)})
    out = pd.DataFrame(rows)
    order = {s: i for i, s in enumerate(SCENARIOS)}
    return out.sort_values(["n_pilot", "scenario"], key=lambda c: c.map(order) if c.name == "scenario" else c,
                           kind="stable", ignore_index=True)


def mc_se(p: float, n: int) -> float:
    return math.sqrt(p * (1 - p) / n) if n else float("nan")


def upper_95(k: int, n: int) -> float:
    """One-sided 95 % Clopper-Pearson upper bound of a share k / n."""
    return 1.0 if k >= n else float(stats.beta.ppf(0.95, k + 1, n - k))


def target_checks(records: pd.DataFrame) -> pd.DataFrame:
    """Each error-rate target per size, pooled and per design."""
    ok = records[records["recommendation"].isin(DECISIONS)]
    rows = []
    for scenario, decision, limit in TARGETS:
        sub = ok[ok["scenario"] == scenario]
        for (n_p, n_c), grp in sub.groupby(["n_pilot", "n_comparison"]):
            for gen, g in [("pooled", grp), *grp.groupby("generator")]:
                k, n = int((g["recommendation"] == decision).sum()), len(g)
                rows.append({"scenario": scenario, "error": decision.upper(), "n_pilot": n_p, "n_comparison": n_c,
                             "generator": gen, "k": k, "n": n, "share": k / n if n else np.nan,
                             "mc_se": mc_se(k / n, n) if n else np.nan, "upper_95": upper_95(k, n) if n else np.nan,
                             "limit": limit, "met": bool(n and k / n <= limit)})
    return pd.DataFrame(rows)


def _pct(x: float) -> str:
    return "" if not np.isfinite(x) else f"{100 * x:.1f} %"


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "src"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return out + (" (with uncommitted changes under src/)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _conditions(text: Any) -> dict[str, bool]:
    if not isinstance(text, str) or not text:
        return {}
    return {k: v == "1" for k, v in (part.split("=") for part in text.split(";"))}


def why_section(records: pd.DataFrame) -> list[str]:
    """Plain-words error rates at the sample's size, and what led to each wrong call."""
    ok = records[records["recommendation"].isin(DECISIONS)]
    lines = ["", "## In plain words", ""]
    for (n_p, n_c), grp in ok[ok["scenario"] != "pilot_only"].groupby(["n_pilot", "n_comparison"]):
        def share(scenario: str, decision: str) -> str:
            g = grp[grp["scenario"] == scenario]
            return f"{100 * (g['recommendation'] == decision).mean():.0f} in 100" if len(g) else "n/a"
        lines.append(f"- A pilot of {n_p} + {n_c} leaders is told to **scale** by mistake in about "
                     f"{share('no_effect', 'scale')} cases where the training does nothing, and in about "
                     f"{share('harm', 'scale')} cases where it doubles HR incidents; it is told to **stop** in about "
                     f"{share('meets_targets', 'stop')} cases where the training meets every target (and to scale in "
                     f"{share('meets_targets', 'scale')}).")
    po = ok[ok["scenario"] == "pilot_only"]
    if len(po):
        lines.append(f"- Without a comparison group the answer is iterate in {100 * (po['recommendation'] == 'iterate').mean():.0f} "
                     f"in 100 cases (a real effect that meets every target).")
    lines += ["", "## What led to the wrong calls", "",
              "The rule's first reason (headline) among the cohorts given the wrong call, and how often each of the "
              "rule's conditions held among them (`benchmarks/decision/cohorts.csv.gz` has every cohort).", ""]
    for scenario, decision, _ in TARGETS:
        wrong = ok[(ok["scenario"] == scenario) & (ok["recommendation"] == decision)]
        total = int((ok["scenario"] == scenario).sum())
        lines.append(f"- **{scenario}, {decision.upper()}**: {len(wrong)} of {total} cohorts.")
        if len(wrong):
            for head, n in wrong["headline"].value_counts().head(4).items():
                lines.append(f"  - {n} x \"{str(head)[:160]}\"")
            conds = pd.DataFrame([_conditions(c) for c in wrong["conditions"]])
            if len(conds.columns):
                held = ", ".join(f"{k} {100 * conds[k].mean():.0f} %" for k in conds.columns)
                lines.append(f"  - conditions held: {held}")
    return lines


def apply_also_require(records: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """SCALE becomes ITERATE where any indicator in ``keys`` was off track (rule as run kept aside)."""
    records = records.copy()
    records["recommendation_as_run"] = records["recommendation"]
    if keys:
        status = records["statuses"].astype(str)
        off = pd.Series(False, index=records.index)
        for key in keys:
            off |= status.str.contains(f"{key}=off track", regex=False)
        records["recommendation"] = records["recommendation"].where(~((records["recommendation"] == "scale") & off),
                                                                    "iterate")
    return records


#: Rule variants checked on the same cohorts: SCALE becomes ITERATE when any of these indicators is off track.
VARIANTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("SCALE also needs HR incidents not off track", ("hr_incidents_change_pct",)),
    ("SCALE also needs every [targets] indicator not off track",
     ("empathy_360_change_pct", "leaders_improved_pct", "hr_incidents_change_pct")),
)


def variant_section(records: pd.DataFrame) -> list[str]:
    """Error rates of rule variants, recomputed exactly from each cohort's recorded statuses."""
    ok = records[records["recommendation"].isin(DECISIONS)].copy()
    if not len(ok) or not ok["statuses"].astype(str).str.contains("=").any():
        return []
    if "recommendation_as_run" in ok.columns:
        ok["recommendation"] = ok["recommendation_as_run"]
    lines = ["", "## Rule variants on the same cohorts", "",
             "A variant that only adds a condition to SCALE is a function of the recorded indicator statuses, so "
             "its error rates on these very cohorts are exact (no new simulation).", "",
             "| variant | pilot + comparison | no_effect SCALE | meets_targets STOP | harm SCALE | meets_targets SCALE |",
             "|---|---|---:|---:|---:|---:|"]
    status = ok["statuses"].astype(str)
    for name, keys in (("rule as run", ()), *VARIANTS):
        off = pd.Series(False, index=ok.index)
        for key in keys:
            off |= status.str.contains(f"{key}=off track", regex=False)
        dec = ok["recommendation"].where(~((ok["recommendation"] == "scale") & off), "iterate")
        for (n_p, n_c), grp in ok[ok["scenario"] != "pilot_only"].groupby(["n_pilot", "n_comparison"]):
            def share(scenario: str, decision: str) -> str:
                m = grp["scenario"] == scenario
                return f"{100 * (dec[grp.index][m] == decision).mean():.1f} % of {int(m.sum())}" if m.any() else ""
            lines.append(f"| {name} | {n_p} + {n_c} | {share('no_effect', 'scale')} | {share('meets_targets', 'stop')} "
                         f"| {share('harm', 'scale')} | {share('meets_targets', 'scale')} |")
    return lines


def markdown(records: pd.DataFrame, oc: pd.DataFrame, checks: pd.DataFrame, args: argparse.Namespace,
             rule_name: str, wall_s: float) -> str:
    per_gen = oc_table(records, ("generator", "scenario", "n_pilot", "n_comparison"))
    lines = [
        "# Decision rule: known error rates (issue 11, item 6)",
        "",
        f"`make bench-decision` ran **{rule_name} `evaluate()`** (git {args.git or _git_commit()}) on "
        f"{len(records)} synthetic cohorts with planted truth: {oc['n_cohorts'].min()} to {oc['n_cohorts'].max()} "
        f"per scenario and size, split evenly over the generator designs "
        f"({', '.join(sorted(records['generator'].unique()))}), n_boot = {args.n_boot}, seed {args.seed}; "
        + (f"wall time {wall_s / 60:.1f} min on {args.processes} processes" if not args.summarise
           else f"summarised from `{Path(args.summarise).name}`")
        + f" (median evaluate() {records['evaluate_s'].median():.2f} s per cohort, "
        f"{records['evaluate_s'].sum() / 60:.0f} CPU-minutes in all)."
        + (f" **Recommendations recomputed for a rule whose SCALE also needs "
           f"{', '.join(args.also_require)} not off track**, exactly, from each cohort's recorded indicator "
           f"statuses (the only difference between the two rules); the rule as run is in the variants table "
           f"below." if getattr(args, "also_require", None) else ""),
        "",
        "## Shares of each recommendation (pooled over the generator designs)",
        "",
        "This is `decision_oc.csv`. Monte Carlo standard error of a share p from n cohorts: sqrt(p(1-p)/n) "
        "(in brackets).",
        "",
        "| scenario | pilot | comparison | cohorts | scale | iterate | stop | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in oc.itertuples():
        cells = [f"{_pct(getattr(r, d))} ({100 * mc_se(getattr(r, d), r.n_cohorts):.1f})" for d in DECISIONS]
        lines.append(f"| {r.scenario} | {r.n_pilot} | {r.n_comparison} | {r.n_cohorts} | " + " | ".join(cells)
                     + f" | {r.errors} |")
    lines += ["", "## Targets", "",
              "One-sided 95 % upper bound: Clopper-Pearson. A target is met when the observed share is at most 5 %.",
              "", "| scenario | wrong call | pilot + comparison | design | wrong / cohorts | share (MC SE) "
              "| 95 % upper bound | met |", "|---|---|---|---|---:|---:|---:|---|"]
    for r in checks.itertuples():
        lines.append(f"| {r.scenario} | {r.error} | {r.n_pilot} + {r.n_comparison} | {r.generator} | {r.k} / {r.n} "
                     f"| {_pct(r.share)} ({100 * r.mc_se:.1f}) | {_pct(r.upper_95)} | {'yes' if r.met else '**no**'} |")
    lines += ["", "## Per generator design", "", "| design | scenario | pilot | comparison | cohorts | scale | iterate "
              "| stop | errors |", "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in per_gen.itertuples():
        lines.append(f"| {r.generator} | {r.scenario} | {r.n_pilot} | {r.n_comparison} | {r.n_cohorts} | "
                     + " | ".join(_pct(getattr(r, d)) for d in DECISIONS) + f" | {r.errors} |")
    lines += why_section(records)
    lines += variant_section(records)
    errors = records[records["recommendation"] == "error"]
    if len(errors):
        lines += ["", "## Errors", "", f"{len(errors)} cohorts raised an error (left out of the shares):", ""]
        for msg, n in errors["error"].value_counts().head(10).items():
            lines.append(f"- {n} x `{msg[:200]}`")
    planted = pd.DataFrame(planted_table())
    lines += ["", "## Planted truth", "",
              "360 in percent of the scale's range (POMP); HR incidents as the planted change of the pilot teams' "
              "rate relative to the comparison teams'. Details in `benchmarks/decision/scenarios.py`.", "",
              "| design | scenario | 360 (POMP) | HR incidents | pulse (points) | comparison group |",
              "|---|---|---:|---:|---:|---|"]
    for r in planted.itertuples():
        lines.append(f"| {r.generator} | {r.scenario} | {r.empathy_360_pomp_pct:+.1f} % | "
                     f"{r.hr_incidents_change_pct:+.0f} % | {r.pulse_points:+.2f} | {'yes' if r.comparison_group else 'no'} |")
    lines += ["", "## Method", "",
              "- **Designs.** `synth`: the project's generator (`pilot_eval.data.synth.simulate_cohort`, scale 1-5, "
              "org units nested in cultures, selection on role and culture, group-specific rating drift, training "
              "effect on the pulse driving exits and incidents). `flat`: `benchmarks/decision/flat_generator.py`, "
              "written independently (scale 1-7, org units crossed with culture, selection on role and tenure, "
              "changing direct-report raters, heterogeneous training effect, overdispersed incident counts with "
              "team frailty, step change in rates from day 30, no training log).",
              "- **Cohorts in memory**, typed as `load_cohort` reads their files (tests check the frames are equal, "
              "and that the files pass the contract validator).",
              "- **Seeds.** Cohort r of size z and design g uses `SeedSequence([seed, g, z, r])` in every scenario "
              "(common random numbers), and evaluate() gets the same seed.",
              "- **Shares** are over the cohorts that ran; a cohort whose evaluate() raised is counted under errors.",
              "- Per-cohort rows (recommendation, headline, the rule's conditions, indicator statuses, timings): "
              "`benchmarks/decision/cohorts.csv.gz`.",
              "", "Command: `" + " ".join(["python benchmarks/decision/run.py", *sys.argv[1:]]) + "`", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--looks" in argv:  # the interim looks benchmark (issue 16, item 3): looks.py
        from looks import main as looks_main
        return looks_main(argv)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cohorts", type=int, default=200, help="cohorts per scenario and size (split over designs)")
    ap.add_argument("--sizes", default="45x60,90x120", help="pilot x comparison sizes, comma-separated")
    ap.add_argument("--generators", default=",".join(GENERATORS))
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--n-boot", type=int, default=49, help="bootstrap replicates inside evaluate()")
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--rule", choices=("auto", "real", "standin"), default="auto")
    ap.add_argument("--out", default=str(REPO / "benchmarks" / "results"), help="folder of decision_oc.csv/.md")
    ap.add_argument("--records", default=str(HERE / "cohorts.csv.gz"),
                    help="per-cohort CSV, gzip when it ends in .gz ('' = none)")
    ap.add_argument("--copy-to", default=str(REPO / "src" / "pilot_eval" / "steps" / "decision" / "decision_oc.csv"),
                    help="copy decision_oc.csv here ('' = no copy)")
    ap.add_argument("--partial", default=str(HERE / "cohorts.partial.csv"),
                    help="rows appended as cohorts finish ('' = none)")
    ap.add_argument("--resume", action="store_true", help="skip the cohorts already in --partial")
    ap.add_argument("--summarise", metavar="RECORDS", default="",
                    help="only write the tables from a per-cohort CSV (e.g. the --partial file of a run)")
    ap.add_argument("--also-require", action="append", default=[], metavar="INDICATOR",
                    help="with --summarise: recompute for a rule whose SCALE also needs INDICATOR not off track "
                         "(exact from the recorded statuses); repeatable")
    ap.add_argument("--git", default="", help="with --summarise: the commit the run used (for the page)")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    args.generators = [g for g in args.generators.split(",") if g]
    scenarios = [s for s in args.scenarios.split(",") if s]
    sizes = [tuple(int(x) for x in s.lower().split("x")) for s in args.sizes.split(",") if s]
    _, rule_name = get_rule(args.rule)
    t0 = time.perf_counter()
    if args.summarise:
        records = pd.read_csv(args.summarise, keep_default_na=False, na_values=[""])
        records["error"] = records["error"].astype(object).where(records["error"].notna(), "")
        records = apply_also_require(records, args.also_require)
    else:
        tasks = make_tasks(args.cohorts, sizes, args.generators, scenarios, args.seed)
        if not args.quiet:
            print(f"decision benchmark: {len(tasks)} cohorts, rule = {rule_name}, {args.processes} processes",
                  file=sys.stderr)
        records = run_all(tasks, args.rule, args.n_boot, args.processes, progress=not args.quiet,
                          partial=Path(args.partial) if args.partial else None, resume=args.resume)
    wall = time.perf_counter() - t0
    oc = oc_table(records)
    checks = target_checks(records)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / "decision_oc.csv"
    oc[list(OC_COLUMNS)].to_csv(csv_path, index=False, lineterminator="\n")
    (out / "decision_oc.md").write_text(markdown(records, oc, checks, args, rule_name, wall), encoding="utf-8")
    if args.records:
        gz = {"method": "gzip", "mtime": 0} if str(args.records).endswith(".gz") else None
        records.to_csv(args.records, index=False, lineterminator="\n", compression=gz)  # mtime 0: same bytes
    if args.copy_to:
        shutil.copyfile(csv_path, args.copy_to)
    if not args.quiet:
        print(oc.to_string(index=False), file=sys.stderr)
        missed = checks[(checks["generator"] == "pooled") & ~checks["met"]]
        for r in missed.itertuples():
            print(f"TARGET MISSED: {r.scenario} {r.error} {_pct(r.share)} at {r.n_pilot}+{r.n_comparison}",
                  file=sys.stderr)
        print(f"wrote {csv_path} and decision_oc.md in {wall / 60:.1f} min", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
