"""Count-test study: fits of step 3's count model on cohorts with planted truth, two SE rules kept.

Usage: python benchmarks/count_test/simulate.py DESIGN N_COHORTS [no_effect|harm] [OUT.jsonl]
(DESIGN: synth = the project generator, flat = benchmarks/decision/flat_generator.py).
"""
import sys, json
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1] / "decision"))
import numpy as np, pandas as pd
from scipy import stats
from scenarios import make_cohort
from pilot_eval.measures import scores as measures
from pilot_eval.steps.effects.count import count_frame, COUNT_OUTCOMES
from pilot_eval.stats.count_models import fit_count_model
from pilot_eval.stats.design import control_design

design, n, scen = sys.argv[1], int(sys.argv[2]), (sys.argv[3] if len(sys.argv) > 3 else "no_effect")
out = open(sys.argv[4] if len(sys.argv) > 4 else f"count_var_{design}_{scen}.jsonl", "a")
for seed in range(2000, 2000 + n):
    c, _ = make_cohort(design, scen, 45, 60, seed)
    rates = measures.outcome_rates(c.employees, c.incidents, c.config)
    for o in COUNT_OUTCOMES:
        try:
            df = count_frame(c, o, rates)
        except ValueError:
            continue
        t = df["arm"].eq("pilot").to_numpy(dtype=bool); y = df["events"].to_numpy(dtype="float64")
        if y.sum() < 10 or y[t].sum() == 0 or y[~t].sum() == 0:
            continue
        C, cn = control_design(df, ("role", "culture"), ("pre_rate",), min_level_size=c.config.min_group_size)
        X = np.column_stack([t.astype("float64"), C]); off = df["person_days"].to_numpy(dtype="float64")
        cl = df["org_unit"].astype("str").to_numpy(dtype=object)
        rec = {"design": design, "seed": seed, "outcome": o}
        for name, mc in (("cluster", 2), ("model", 10**9)):
            try:
                cm = fit_count_model(y, off, X, ["pilot", *cn], clusters=cl, min_clusters=mc)
            except Exception as e:
                rec[name] = None; continue
            r = cm.loc[cm["term"] == "pilot"].iloc[0]
            rec[name] = {"b": float(np.log(r["rate_ratio"])), "se": float(r["std_error"]), "df": float(r["df"]),
                         "fam": r["family"], "G": int(r["n_clusters"])}
        out.write(json.dumps(rec) + "\n"); out.flush()
