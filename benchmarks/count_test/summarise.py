"""Summarise the count-test study: one-sided 5 % test of a rise, three standard-error rules.

``python benchmarks/count_test/summarise.py RECORDS.jsonl ...`` prints the markdown table of
benchmarks/results/count_test_null.md.  Rules compared on the same fits:

* ``before``: CR1 cluster-robust with t(G-1) from 10 org units, model-based (normal) below;
* ``cr1_from_4``: CR1 with t(G-1) from 4 org units;
* ``larger`` (the rule now used by step 3): the larger of CR1 and the model-based error, t(G-1)
  from 4 org units.
"""

import json
import sys

import numpy as np
import pandas as pd
from scipy import stats


def one_sided(rec: dict) -> dict | None:
    c, m = rec.get("cluster"), rec.get("model")
    if not c or not m:
        return None
    g, b = c["G"], c["b"]
    before = stats.t.sf(b / c["se"], g - 1) if g >= 10 else stats.norm.sf(b / m["se"])
    dfv = g - 1 if g >= 4 else np.inf
    cr1 = stats.t.sf(b / c["se"], dfv) if g >= 4 else stats.norm.sf(b / m["se"])
    larger = stats.t.sf(b / max(c["se"], m["se"]), dfv)
    return {"design": rec["design"], "outcome": rec["outcome"], "G": g,
            "before": before, "cr1_from_4": cr1, "larger": larger}


def main(paths: list[str]) -> None:
    rows = []
    for path in paths:
        scenario = "harm" if "harm" in path else "no_effect"
        for line in open(path):
            r = one_sided(json.loads(line))
            if r:
                rows.append({**r, "scenario": scenario})
    d = pd.DataFrame(rows)
    rej = lambda p: (p < 0.05).mean()  # noqa: E731
    t = d.groupby(["scenario", "design", "outcome"]).agg(
        fits=("before", "size"), org_units=("G", "median"), before=("before", rej),
        cr1_from_4=("cr1_from_4", rej), larger=("larger", rej)).reset_index()
    print("| scenario | design | outcome | fits | org units | before | CR1 from 4 units | larger of CR1 and model |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for _, r in t.iterrows():
        print(f"| {r.scenario} | {r.design} | {r.outcome} | {r.fits} | {r.org_units:.0f} | "
              f"{100 * r.before:.1f} % | {100 * r.cr1_from_4:.1f} % | {100 * r.larger:.1f} % |")


if __name__ == "__main__":
    main(sys.argv[1:])
