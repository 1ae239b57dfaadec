"""Charts of the leading-to-lagging step (notebook 04).

Fed aggregated frames only (:mod:`pilot_eval.measures.timecourse`,
:func:`pilot_eval.steps.leading_lagging.validation.verdict_table`), never leader rows.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from pilot_eval.measures.timecourse import UNITS
from pilot_eval.report.charts.base import arm_colour_scale
from pilot_eval.steps.leading_lagging.power import POWER
from pilot_eval.steps.leading_lagging.validation import INSUFFICIENT, NOT_VALIDATED, VALIDATED

#: Colours of the three verdicts.
VERDICT_COLOURS = {VALIDATED: "#2ca02c", NOT_VALIDATED: "#d62728", INSUFFICIENT: "#bbbbbb"}


def timecourse_chart(timecourse: pd.DataFrame, pilot_months: int = 3) -> alt.VConcatChart:
    """Leading and lagging indicators by arm and month, one panel per indicator.

    Suppressed cells (groups under ``min_group_size``) have no value and are
    not drawn.  Dashed rules mark the pilot's start (month 0) and end.
    """
    data = timecourse.dropna(subset=["value"])
    rules = pd.DataFrame({"month": [0, pilot_months], "label": ["pilot starts", "pilot ends"]})
    panels = []
    for name in [n for n in UNITS if n in set(data["indicator"])]:  # a handful of indicators
        sub = data[data["indicator"] == name]
        kind = sub["kind"].iloc[0]
        months = sorted(timecourse["month"].unique().tolist())
        base = alt.Chart(sub).encode(
            x=alt.X("month:Q", title="Month (0 = first month of the pilot)",
                    scale=alt.Scale(domain=[min(months), max(months)]), axis=alt.Axis(tickMinStep=1)),
            y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False)),
            color=alt.Color("arm:N", scale=arm_colour_scale(), title="Arm"),
            tooltip=["indicator", "arm", "month", alt.Tooltip("value:Q", format=".3f"), "n_leaders"],
        )
        rule = alt.Chart(rules).mark_rule(strokeDash=[4, 3], color="#888").encode(x="month:Q")
        panels.append((base.mark_line(point=True) + rule).properties(
            width=440, height=110, title=f"{UNITS[name]} ({kind})"))
    return alt.vconcat(*panels).properties(
        title="Leading and lagging indicators by arm and month")


def verdict_chart(table: pd.DataFrame) -> alt.Chart:
    """Heat map of the verdict of every leading x lagging pair.

    ``table`` is :func:`pilot_eval.steps.leading_lagging.validation.verdict_table` output.
    """
    data = table.assign(rr=table["rate_ratio"].round(2).astype("string").fillna(""))
    base = alt.Chart(data).encode(
        x=alt.X("lagging:N", title="Lagging outcome", axis=alt.Axis(labelAngle=-30)),
        y=alt.Y("leading:N", title="Leading indicator", sort=list(dict.fromkeys(table["leading"]))),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("verdict:N", title="Verdict",
                        scale=alt.Scale(domain=list(VERDICT_COLOURS), range=list(VERDICT_COLOURS.values()))),
        tooltip=["leading", "lagging", "verdict", alt.Tooltip("rate_ratio:Q", format=".3f"),
                 alt.Tooltip("rr_p_adjusted:Q", format=".3f"), alt.Tooltip("cv_gain:Q", format=".3f"),
                 alt.Tooltip("cv_p_value:Q", format=".3f"), "reason"],
    )
    text = base.mark_text(fontSize=10).encode(text="rr:N")
    return (cells + text).properties(
        width=60 * max(1, table["lagging"].nunique()), height=28 * max(1, table["leading"].nunique()),
        title="Verdict per pair (number: rate ratio of the count model)")


def power_chart(power: pd.DataFrame) -> alt.LayerChart:
    """Leaders a rollout needs per lagging outcome (observed and target effects)."""
    data = power.dropna(subset=["leaders_total"]).copy()
    data["leaders_total"] = data["leaders_total"].astype("float64")
    base = alt.Chart(data).encode(
        y=alt.Y("lagging:N", title=None),
        yOffset=alt.YOffset("effect:N"),
        x=alt.X("leaders_total:Q", title=f"Leaders needed in total ({POWER:.0%} power, both arms)"),
    )
    bars = base.mark_bar().encode(
        color=alt.Color("effect:N", title="Effect size from"),
        tooltip=["lagging", "effect", alt.Tooltip("rate_ratio:Q", format=".3f"), "leaders_per_arm",
                 "leaders_total", alt.Tooltip("design_effect:Q", format=".3f"), "leaders_now"],
    )
    labels = base.mark_text(align="left", dx=3, fontSize=10).encode(text=alt.Text("leaders_total:Q", format=",.0f"))
    return (bars + labels).properties(width=380, height=max(120, 36 * data["lagging"].nunique()),
                                      title="Scale-up: leaders needed to detect each effect")
