"""Step 3 in plain words: what the controls changed, and a short headline (nbval)."""

from __future__ import annotations

from typing import Sequence

import pandas as pd

from pilot_eval.data.vocabulary import UNITS
from pilot_eval.stats.cluster_bootstrap import MIN_CLUSTERS
from pilot_eval.steps.effects.models import MODELS, EffectsRun

#: Outcome -> (name in a sentence, unit words from the vocabulary; a share is put in brackets).
_NAMES = {"empathy_360": "360 empathy score", "behaviour_index": "behaviour index", "pulse": "team pulse",
          "voluntary_attrition": "voluntary attrition", "hr_incidents": "HR incident rate",
          "escalations": "escalation rate"}
_LABELS = {k: (name, f"({UNITS[k]})" if k == "behaviour_index" else UNITS[k]) for k, name in _NAMES.items()}


def _row(table: pd.DataFrame, outcome: str, model: str) -> pd.Series | None:
    sel = table[(table["outcome"] == outcome) & (table["model"] == model)]
    return sel.iloc[0] if len(sel) else None


def adjustment_text(table: pd.DataFrame, covariates: Sequence[str] = ()) -> str:
    """A plain-language paragraph per outcome on what the controls changed.

    Compares the naive difference with the ANCOVA estimate (baseline, role,
    culture, tenure and ``covariates`` adjusted), says whether the adjusted
    interval excludes zero, and whether the shift is large next to the
    estimate's standard error.  Without a comparison group it explains that
    only the pilot leaders' change is available and why it is not an effect.
    """
    adjusted = "the same starting value, role, culture and tenure"
    if covariates:
        adjusted += f", and {len(covariates)} other pre-training measure{'s' if len(covariates) > 1 else ''}"
    paras = []
    for outcome in dict.fromkeys(table["outcome"]):
        label, unit = _LABELS.get(outcome, (outcome, ""))
        naive, anc, pre = (_row(table, outcome, m) for m in ("naive", "ancova", "prepost"))
        if anc is None or naive is None:
            if pre is not None:
                paras.append(
                    f"{label}: pilot leaders changed by {pre['estimate']:+.3f} {unit} "
                    f"(95% CI {pre['ci_low']:+.3f} to {pre['ci_high']:+.3f}). Without a comparison group this "
                    "is not a training effect: it also contains whatever would have changed anyway.")
            continue
        shift = anc["estimate"] - naive["estimate"]
        where = "excludes" if (anc["ci_low"] > 0 or anc["ci_high"] < 0) else "includes"
        text = (f"{label}: before any controls the pilot leaders' end value differed from the comparison "
                f"group's by {naive['estimate']:+.3f} {unit}. Comparing like with like ({adjusted}) the "
                f"estimated effect is {anc['estimate']:+.3f} (95% CI {anc['ci_low']:+.3f} to "
                f"{anc['ci_high']:+.3f}), which {where} zero. ")
        if abs(shift) >= abs(anc["std_error"]):
            text += (f"Adjusting moved the estimate by {shift:+.3f}: that much of the raw difference reflected "
                     "differences between the groups (who was in the pilot, where they started and how their "
                     "groups rate), not the training.")
        else:
            text += (f"Adjusting moved the estimate by {shift:+.3f}, less than its standard error "
                     f"({anc['std_error']:.3f}): the raw difference was not mainly driven by who was in the pilot.")
        paras.append(text)
    return "\n\n".join(paras)


def summary_text(run: EffectsRun) -> str:
    """Short deterministic headline of the effect estimates (for nbval)."""
    table = run.table
    lines = []
    n_cl = table["n_clusters"].dropna()
    if len(n_cl):
        g = int(n_cl.max())
        lines.append(f"org units (clusters): {g}" + (" (< 30: wild cluster bootstrap p-values and CIs)"
                                                     if g < MIN_CLUSTERS else ""))
    for outcome in dict.fromkeys(table["outcome"]):
        parts = []
        for model in MODELS:
            r = _row(table, outcome, model)
            if r is not None:
                parts.append(f"{model} {r['estimate']:.3f} [{r['ci_low']:.3f}, {r['ci_high']:.3f}]")
        lines.append(f"{outcome}: " + "; ".join(parts))
    skipped = run.skipped[run.skipped["model"] == "all"]
    lines.append("skipped outcomes: " + (", ".join(skipped["outcome"]) if len(skipped) else "none"))
    if not (table["model"] != "prepost").any():
        lines.append("no comparison group: within-leader change only (not causal)")
    return "\n".join(lines)
