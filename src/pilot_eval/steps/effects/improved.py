"""The excess share of leaders reliably improved: pilot minus comparison, adjusted like the ANCOVA.

Step 2 decides for each leader whether their 360 score rose reliably
(:func:`pilot_eval.steps.reliability.change.leader_reliable_change`).  The
raw pilot-minus-comparison difference of those shares mixes the training with
who was in the pilot: groups that rate more generously over time (rating
drift by role and culture) reach "improved" more often without any training.
So the difference is estimated as a **linear probability model** of
``improved`` (0/1) on ``pilot`` with the ANCOVA's controls (baseline 360
score, tenure, role, culture; :func:`pilot_eval.steps.effects.models.ancova_model_design`),
cluster-robust by org unit, with the wild cluster bootstrap when org units are
fewer than 30 (:func:`pilot_eval.stats.cluster_bootstrap.cluster_inference`).
The raw pilot and comparison shares are reported beside it.

References
----------
Angrist, J. D., & Pischke, J.-S. (2009). *Mostly Harmless Econometrics*.
Princeton University Press, sec. 3.4 (linear probability models).
"""

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd

from pilot_eval.data.cohort import Cohort
from pilot_eval.stats.cluster_bootstrap import cluster_inference
from pilot_eval.steps.effects.models import TREATED, ancova_model_design


def improved_frame(cohort: Cohort, reliable_change: pd.DataFrame) -> pd.DataFrame:
    """Leaders rated at both waves: arm, controls, ``baseline`` (360) and ``endline`` = improved (0/1)."""
    cols = ["leader_id", "arm", "role", "culture", "org_unit", "tenure_years"]
    rc = reliable_change[["leader_id", "baseline", "status"]].copy()
    rc["leader_id"] = rc["leader_id"].astype("str")
    lead = cohort.leaders[cols].copy()
    lead["leader_id"] = lead["leader_id"].astype("str")
    f = lead.merge(rc, on="leader_id", how="inner")
    f = f[f["status"].notna().to_numpy(dtype=bool) & f["arm"].isin(["pilot", "comparison"]).to_numpy(dtype=bool)]
    f = f.reset_index(drop=True)
    f["endline"] = f["status"].eq("improved").to_numpy(dtype="float64")
    return f


def excess_improved(cohort: Cohort, reliable_change: pd.DataFrame, n_boot: int = 999, seed: int | None = 0,
                    alpha: float = 0.05) -> dict[str, object]:
    """Adjusted pilot-minus-comparison share of leaders reliably improved (percentage points).

    Returns
    -------
    dict
        ``estimate``, ``ci_low``, ``ci_high`` (percentage points),
        ``p_value``, ``n``, ``n_pilot``, ``n_comparison``, ``pilot_share``,
        ``comparison_share`` (raw, %), ``ci_method``.

    Raises
    ------
    ValueError
        When an arm has no leader rated at both waves, or the pilot
        indicator is collinear with the controls.
    """
    f = improved_frame(cohort, reliable_change)
    t = f["arm"].eq("pilot").to_numpy(dtype=bool)
    if t.sum() == 0 or (~t).sum() == 0:
        raise ValueError("no leader of one group was rated at both waves")
    design, _, _ = ancova_model_design(f)
    if TREATED not in design.names:
        raise ValueError("the pilot indicator is collinear with the controls")
    y = f["endline"].to_numpy(dtype="float64")
    if np.all(y == y[0]):  # everyone (or no one) improved: the difference is exactly the raw one, 0
        return {"estimate": 0.0, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan, "n": len(f),
                "n_pilot": int(t.sum()), "n_comparison": int((~t).sum()),
                "pilot_share": 100 * float(y[t].mean()), "comparison_share": 100 * float(y[~t].mean()),
                "ci_method": "no variation: every leader has the same status"}
    r = cluster_inference(y, design, f["org_unit"], TREATED, n_boot=n_boot, seed=seed, alpha=alpha,
                          fallback_clusters=f["leader_id"])
    return {"estimate": 100 * float(cast(float, r["estimate"])), "ci_low": 100 * float(cast(float, r["ci_low"])),
            "ci_high": 100 * float(cast(float, r["ci_high"])), "p_value": float(cast(float, r["p_value"])), "n": len(f),
            "n_pilot": int(t.sum()), "n_comparison": int((~t).sum()),
            "pilot_share": 100 * float(y[t].mean()), "comparison_share": 100 * float(y[~t].mean()),
            "ci_method": f"linear probability model, {r['ci_method']}"}
