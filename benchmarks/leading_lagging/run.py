"""Operating characteristics of the leading -> lagging verdict rule, by simulation.

Run from the repository root::

    nice -n 10 .venv/bin/python benchmarks/leading_lagging/run.py            # the full study
    .venv/bin/python benchmarks/leading_lagging/run.py --smoke               # a few small cohorts
    .venv/bin/python benchmarks/leading_lagging/run.py --max-minutes 25      # stop after 25 min; rerun resumes

Every simulated cohort goes through the step's own code: the leading indicators
(:func:`pilot_eval.steps.leading_lagging.validation.leading_indicators`), the
lagging outcomes (:func:`pilot_eval.measures.lagging_outcomes.lagging_outcomes`)
and the verdict rule (:func:`~pilot_eval.steps.leading_lagging.validation.validate_pairs`,
primary test only: the supporting methods do not change a verdict) for the
follow-up window, whose pairs form one Holm family.

Two generator designs (see README.md): the project's generator
(:func:`pilot_eval.data.synth.simulate_cohort`) and an independent one written
for this benchmark (``independent.py``).  One line per cohort and pair is
appended to ``benchmarks/results/leading_lagging_oc.cohorts.csv`` as it is
computed (a rerun skips the cohorts already there); the summary
``leading_lagging_oc.csv`` / ``.md`` is rewritten at the end and copied into
the package (``src/pilot_eval/steps/leading_lagging/leading_lagging_oc.csv``).
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

import independent  # noqa: E402

from pilot_eval.data.cohort import Cohort  # noqa: E402
from pilot_eval.data.synth import simulate_cohort  # noqa: E402
from pilot_eval.measures.behaviour_exclusions import excluded_behaviours  # noqa: E402
from pilot_eval.measures.lagging_outcomes import lagging_outcomes  # noqa: E402
from pilot_eval.steps.leading_lagging import validation as ll  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
RAW = RESULTS / "leading_lagging_oc.cohorts.csv"
OC_CSV = RESULTS / "leading_lagging_oc.csv"
OC_MD = RESULTS / "leading_lagging_oc.md"
PACKAGED = ROOT / "src" / "pilot_eval" / "steps" / "leading_lagging" / "leading_lagging_oc.csv"

SIZES = (60, 100, 150, 250)
PLANTED = ("voluntary_attrition", "hr_incidents")
TRAINING_LOG = ("practice_sessions", "practice_plateau", "feedback_within_48h_share")
#: The null training-log indicator the acceptance names (the project generator's planted null).
NULL_INDICATOR = "feedback_within_48h_share"
RAW_COLUMNS = ("generator", "scenario", "n_leaders", "seed", "leading", "lagging", "truth", "verdict",
               "estimate", "p_adjusted", "mde", "n", "events", "seconds")


@dataclasses.dataclass(frozen=True)
class Scenario:
    generator: str  # "project" or "independent"
    name: str
    n_leaders: int
    n_cohorts: int
    knobs: tuple[tuple[str, object], ...] = ()
    description: str = ""


def scenarios(smoke: bool = False, n_base: int = 16, n_variant: int = 10) -> list[Scenario]:
    """The study: both generators by size, and independent-design variants at 150 leaders."""
    if smoke:
        return [Scenario("project", "default", 60, 1, (), "project generator, defaults"),
                Scenario("independent", "base", 60, 1, (), "independent design, base")]
    out = [Scenario("independent", "base", n, n_base, (), "independent design, base (log-linear hazard, "
                    "rate ratio exp(-0.7) = 0.50 per SD of the true pulse change, about 0.55-0.6 per SD of the measured one)") for n in SIZES]
    out += [Scenario("project", "default", n, n_base, (), "project generator, defaults (effect 0.3)")
            for n in SIZES]
    out += [
        Scenario("independent", "low_events", 150, n_variant,
                 (("attrition_per_90d", 0.025), ("hr_per_100_90d", 3.5), ("escalation_per_100_90d", 6.0),
                  ("team_median", 6.0)), "half the event rates, smaller teams"),
        Scenario("independent", "strong_clustering", 150, n_variant,
                 (("n_units", 10), ("unit_size_shape", 0.6), ("unit_frailty_cv", 0.6),
                  ("trend_unit_share", 0.6)), "10 very unequal org units, strong unit frailty"),
        Scenario("independent", "threshold", 150, n_variant, (("shape", "threshold"),),
                 "threshold hazard: x exp(0.7) for the third of teams with the weakest change"),
        Scenario("independent", "weak_link", 150, n_variant, (("beta_attrition", 0.45), ("beta_hr", 0.45)),
                 "weaker link: exp(-0.45) per SD of the true change"),
        Scenario("independent", "no_link", 150, n_variant, (("beta_attrition", 0.0), ("beta_hr", 0.0)),
                 "no planted link at all (every pair null)"),
        Scenario("project", "small_pulse_gain", 150, n_variant, (("pulse_effect", 0.15),),
                 "project generator, half the pilot's pulse gain"),
    ]
    return out


def _design(sc: Scenario) -> independent.Design:
    base = dict(beta_attrition=0.7, beta_hr=0.7)
    base.update(dict(sc.knobs))
    return independent.Design(n_leaders=sc.n_leaders, **base)  # type: ignore[arg-type]


def build_cohort(sc: Scenario, seed: int) -> tuple[Cohort, dict[str, str]]:
    """The cohort and the truth of each pair: ``leading|outcome -> planted / no_link / unknown``."""
    truth: dict[str, str] = {}
    if sc.generator == "project":
        n_pilot = int(round(sc.n_leaders * 45 / 105))
        kn = dict(sc.knobs)
        cohort, t = simulate_cohort(n_pilot, sc.n_leaders - n_pilot, seed=seed, effect=0.3,
                                    pulse_effect=kn.get("pulse_effect"))  # type: ignore[arg-type]
        for o in PLANTED:
            truth[f"pulse_change_early|{o}"] = "planted"
        for name in TRAINING_LOG:  # drawn independently of the teams' outcomes
            for o in ("voluntary_attrition", "hr_incidents", "escalations"):
                truth[f"{name}|{o}"] = "no_link"
        return cohort, truth
    d = _design(sc)
    settings, tables, t = independent.simulate(d, seed)
    cohort = Cohort.from_frames(settings, **tables)
    for o in PLANTED:
        beta = d.beta_attrition if o == "voluntary_attrition" else d.beta_hr
        truth[f"pulse_change_early|{o}"] = "planted" if beta else "no_link"
    truth["pulse_change_early|escalations"] = "no_link"
    for name in t["null_indicators"]:
        for o in ("voluntary_attrition", "hr_incidents", "escalations"):
            truth[f"{name}|{o}"] = "no_link"
    return cohort, truth


def run_cohort(sc: Scenario, seed: int) -> pd.DataFrame:
    t0 = time.perf_counter()
    cohort, truth = build_cohort(sc, seed)
    ind = ll.leading_indicators(cohort, exclude=excluded_behaviours(cohort))
    res = ll.validate_pairs(ind, lagging_outcomes(cohort), cohort.config, supporting=False,
                            periods=("follow_up",))
    cm = res[res["method"] == "count_model"]
    out = pd.DataFrame({
        "generator": sc.generator, "scenario": sc.name, "n_leaders": sc.n_leaders, "seed": seed,
        "leading": cm["leading"].to_numpy(), "lagging": cm["outcome"].to_numpy(),
        "truth": [truth.get(f"{a}|{b}", "unknown") for a, b in zip(cm["leading"], cm["outcome"])],
        "verdict": cm["verdict"].to_numpy(), "estimate": cm["estimate"].to_numpy(),
        "p_adjusted": cm["p_adjusted"].to_numpy(), "mde": cm["mde"].to_numpy(),
        "n": cm["n"].to_numpy(), "events": cm["events"].to_numpy(),
    })
    out["seconds"] = round(time.perf_counter() - t0, 2)
    return out[list(RAW_COLUMNS)]


def _done(raw: Path) -> set[tuple[str, str, int, int]]:
    if not raw.is_file():
        return set()
    df = pd.read_csv(raw, usecols=["generator", "scenario", "n_leaders", "seed"])
    return set(map(tuple, df.drop_duplicates().itertuples(index=False, name=None)))


def simulate(plan: list[Scenario], raw: Path, max_minutes: float) -> None:
    """Run every cohort of ``plan`` not yet in ``raw``, appending as it goes (round-robin over scenarios)."""
    done = _done(raw)
    start = time.perf_counter()
    queue = [(sc, seed) for k in range(max(sc.n_cohorts for sc in plan)) for sc in plan
             for seed in [k + 1] if k < sc.n_cohorts]
    for sc, seed in queue:  # a few hundred cohorts
        if (sc.generator, sc.name, sc.n_leaders, seed) in done:
            continue
        if (time.perf_counter() - start) / 60 > max_minutes:
            print(f"stopped after {max_minutes} min; rerun to continue", flush=True)
            return
        rows = run_cohort(sc, seed)
        rows.to_csv(raw, mode="a", header=not raw.is_file(), index=False)
        print(f"{sc.generator}/{sc.name}/{sc.n_leaders}/seed {seed}: {rows['seconds'].iloc[0]:.1f} s", flush=True)


# ---------------------------------------------------------------------------
# summary
# ---------------------------------------------------------------------------
def _share(x: pd.Series) -> tuple[float, float]:
    p = float(x.mean())
    return p, float(np.sqrt(p * (1 - p) / len(x))) if len(x) else np.nan


def summarise(raw: pd.DataFrame, plan: list[Scenario]) -> pd.DataFrame:
    """One row per scenario x size x measure: share validated, its Monte-Carlo error, context."""
    desc = {(s.generator, s.name): s.description for s in plan}
    rows = []
    for (gen, scen, n), g in raw.groupby(["generator", "scenario", "n_leaders"], sort=False):
        n_coh = g["seed"].nunique()
        base = {"generator": gen, "scenario": scen, "n_leaders": int(n), "n_cohorts": n_coh,
                "description": desc.get((gen, scen), "")}
        for o in PLANTED:
            sel = g[(g["leading"] == "pulse_change_early") & (g["lagging"] == o)]
            if not len(sel) or not (sel["truth"] == "planted").all():
                continue
            p, se = _share(sel["verdict"].eq("validated"))
            rows.append({**base, "measure": "power", "leading": "pulse_change_early", "lagging": o,
                         "validated": p, "mc_se": se, "insufficient": float(sel["verdict"].eq("insufficient data").mean()),
                         "mean_rate_ratio": float(np.exp(np.log(sel["estimate"].dropna()).mean()))
                         if sel["estimate"].notna().any() else np.nan,
                         "median_mde": float(sel["mde"].median())})
        nul = g[g["leading"] == NULL_INDICATOR]
        if len(nul) and (nul["truth"] == "no_link").all():
            per = nul.groupby("seed")["verdict"].apply(lambda v: bool(v.eq("validated").any()))
            p, se = _share(per)
            rows.append({**base, "measure": "false_validation", "leading": NULL_INDICATOR, "lagging": "any",
                         "validated": p, "mc_se": se,
                         "insufficient": float(nul["verdict"].eq("insufficient data").mean()),
                         "mean_rate_ratio": np.nan, "median_mde": float(nul["mde"].median())})
        nulls = g[g["truth"] == "no_link"]
        if len(nulls):
            per = nulls.groupby("seed")["verdict"].apply(lambda v: bool(v.eq("validated").any()))
            p, se = _share(per)
            rows.append({**base, "measure": "false_validation_any_null", "leading": "any null",
                         "lagging": "any", "validated": p, "mc_se": se,
                         "insufficient": float(nulls["verdict"].eq("insufficient data").mean()),
                         "mean_rate_ratio": np.nan, "median_mde": np.nan})
    out = pd.DataFrame(rows)
    for col in ("validated", "mc_se", "insufficient", "mean_rate_ratio", "median_mde"):
        out[col] = out[col].astype("float64").round(4)
    return out


def size_for_power(oc: pd.DataFrame, generator: str, scenario: str, lagging: str, target: float = 0.8) -> str:
    """Leaders at which the measured power reaches ``target`` (linear interpolation between sizes)."""
    sel = oc[(oc["generator"] == generator) & (oc["scenario"] == scenario) & (oc["measure"] == "power")
             & (oc["lagging"] == lagging)].sort_values("n_leaders")
    if not len(sel):
        return "not measured"
    n, p = sel["n_leaders"].to_numpy(dtype=float), sel["validated"].to_numpy(dtype=float)
    if p[0] >= target:
        return f"{int(n[0])} or fewer (power {p[0]:.2f} at {int(n[0])})"
    for k in range(1, len(n)):
        if p[k] >= target:
            x = n[k - 1] + (target - p[k - 1]) * (n[k] - n[k - 1]) / (p[k] - p[k - 1])
            return f"about {int(round(x / 10) * 10)} (power {p[k - 1]:.2f} at {int(n[k - 1])}, {p[k]:.2f} at {int(n[k])})"
    return f"more than {int(n[-1])} (power {p[-1]:.2f} at {int(n[-1])})"


def acceptance(raw: pd.DataFrame) -> str:
    """The acceptance shape: 5 independent cohorts at 150 leaders (seeds 1-5, base design)."""
    sel = raw[(raw["generator"] == "independent") & (raw["scenario"] == "base") & (raw["n_leaders"] == 150)
              & raw["seed"].between(1, 5)]
    if sel["seed"].nunique() < 5:
        return "Acceptance shape: not yet run (needs seeds 1-5 of the independent base design at 150 leaders)."
    lines = ["Acceptance shape (independent base design, 150 leaders, seeds 1-5):"]
    for o in PLANTED:
        s = sel[(sel["leading"] == "pulse_change_early") & (sel["lagging"] == o)]
        rr = ", ".join(f"{v:.2f}" for v in s.sort_values("seed")["estimate"])
        lines.append(f"- pulse -> {o}: validated in {int(s['verdict'].eq('validated').sum())} of 5 "
                     f"(estimated rate ratios per SD: {rr})")
    nul = sel[sel["leading"] == NULL_INDICATOR]
    k = int(nul.groupby("seed")["verdict"].apply(lambda v: v.eq("validated").any()).sum())
    lines.append(f"- null training-log indicator ({NULL_INDICATOR}): validated (any outcome) in {k} of 5")
    allc = raw[(raw["generator"] == "independent") & (raw["scenario"] == "base") & (raw["n_leaders"] == 150)]
    for o in PLANTED:
        s = allc[(allc["leading"] == "pulse_change_early") & (allc["lagging"] == o)]
        p = float(s["verdict"].eq("validated").mean())
        at_least_4 = float(stats.binom.sf(3, 5, p))
        lines.append(f"- over all {len(s)} cohorts of this design and size, pulse -> {o} was validated in "
                     f"{p:.2f} of them; with that power, 4 or more of 5 independent cohorts are validated with "
                     f"probability {at_least_4:.2f}")
    return "\n".join(lines)


def write_markdown(oc: pd.DataFrame, raw: pd.DataFrame, path: Path) -> None:
    lines = ["# Leading -> lagging verdict rule: operating characteristics", "",
             "Written by `benchmarks/leading_lagging/run.py` (see its README). Rule: one pre-declared primary "
             "test per pair (count model, one-sided, cluster-robust by org unit), Holm over the pairs of the "
             "follow-up window at 5 %. `validated` = share of cohorts in which the pair was validated, "
             "`mc_se` its Monte-Carlo standard error.", ""]
    null_rows = raw[raw["truth"] == "no_link"]
    if len(null_rows):
        tab = null_rows.groupby(["generator", "scenario", "n_leaders", "seed"])["verdict"].apply(
            lambda v: bool(v.eq("validated").any()))
        ind = raw[raw["leading"] == NULL_INDICATOR].groupby(["generator", "scenario", "n_leaders", "seed"])[
            "verdict"].apply(lambda v: bool(v.eq("validated").any()))
        proj = ind[ind.index.get_level_values(0) == "project"]
        lines += ["## False validation (target at most 5 %)", "",
                  f"- null training-log indicator ({NULL_INDICATOR}), any outcome, all cohorts: "
                  f"{ind.mean():.3f} (MC SE {np.sqrt(ind.mean() * (1 - ind.mean()) / len(ind)):.3f}, "
                  f"{len(ind)} cohorts)",
                  f"- the same in the project's own simulation: {proj.mean():.3f} ({len(proj)} cohorts)"
                  if len(proj) else "- project simulation: not run",
                  f"- any truly null pair of a cohort (family-wise): {tab.mean():.3f} "
                  f"(MC SE {np.sqrt(tab.mean() * (1 - tab.mean()) / len(tab)):.3f}, {len(tab)} cohorts)", ""]
    lines += ["## Size at which the power for the planted link reaches 80 %", ""]
    for gen, scen in (("independent", "base"), ("project", "default")):
        for o in PLANTED:
            lines.append(f"- {gen} / {scen}, pulse -> {o}: {size_for_power(oc, gen, scen, o)}")
    lines += ["", acceptance(raw), "", "## Table", ""]
    show = oc.drop(columns=["description"]).copy()
    lines.append("| " + " | ".join(show.columns) + " |")
    lines.append("|" + "---|" * len(show.columns))
    for r in show.itertuples(index=False):
        lines.append("| " + " | ".join("" if (isinstance(v, float) and np.isnan(v)) else
                                        f"{v:.3f}" if isinstance(v, float) else str(v) for v in r) + " |")
    lines += ["", "Scenarios:", ""]
    for (gen, scen), d in oc.groupby(["generator", "scenario"], sort=False)["description"].first().items():
        lines.append(f"- {gen} / {scen}: {d}")
    secs = raw.drop_duplicates(["generator", "scenario", "n_leaders", "seed"])["seconds"]
    lines += ["", f"{len(secs)} cohorts, {secs.sum() / 60:.1f} min of compute in all (measured on a shared "
              "2-core machine while other jobs ran: timings are inflated)."]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="two small cohorts, results to --out-dir")
    ap.add_argument("--out-dir", type=Path, default=RESULTS)
    ap.add_argument("--max-minutes", type=float, default=25.0)
    ap.add_argument("--n-base", type=int, default=16)
    ap.add_argument("--n-variant", type=int, default=10)
    ap.add_argument("--no-package", action="store_true", help="do not copy the table into the package")
    args = ap.parse_args(argv)
    plan = scenarios(args.smoke, args.n_base, args.n_variant)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    raw_path = out / RAW.name
    simulate(plan, raw_path, args.max_minutes)
    raw = pd.read_csv(raw_path)
    oc = summarise(raw, plan)
    oc.to_csv(out / OC_CSV.name, index=False, lineterminator="\n")
    write_markdown(oc, raw, out / OC_MD.name)
    if not args.smoke and not args.no_package and out == RESULTS:
        shutil.copyfile(out / OC_CSV.name, PACKAGED)
    print((out / OC_MD.name).read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
