"""Charts of the controls step (notebook 03), fed aggregated frames only."""

from __future__ import annotations

import altair as alt
import pandas as pd

from pilot_eval.report.charts.base import arm_colour_scale, clip_intervals, clip_marks, clipped_title
from pilot_eval.data.vocabulary import label
from pilot_eval.stats.guidelines import WWC_ADJUSTMENT_MAX, WWC_SATISFIED_MAX
from pilot_eval.steps.effects.models import MODELS
from pilot_eval.steps.effects.refutation import PermutationCheck, permutation_histogram

MODEL_LABELS = {
    "naive": "naive (no controls)",
    "prepost": "pre/post, pilot only (not causal)",
    "ancova": "ANCOVA (baseline, role, culture)",
    "mixed": "mixed model (waves)",
    "did": "difference-in-differences",
    "matched": "propensity matching",
}
MODEL_COLOURS = ["#9e9e9e", "#bdbdbd", "#1f77b4", "#17becf", "#2ca02c", "#9467bd"]


def coefficient_plot(table: pd.DataFrame) -> alt.Chart:
    """Estimate and 95% CI of every model, one panel per outcome (own x scale).

    The count model's rows (risk outcomes, a % change of the rate) are on another scale than the
    rate differences of the other models and are left out; :func:`count_effect_chart` shows them.
    """
    data = table[table["model"] != "count"].dropna(subset=["estimate"]).assign(
        model_label=lambda d: d["model"].map(MODEL_LABELS).fillna(d["model"]))
    data = clip_intervals(data, by="outcome")
    order = [MODEL_LABELS[m] for m in MODELS if m in MODEL_LABELS]
    colour = alt.Color("model_label:N", title="Model", sort=order,
                       scale=alt.Scale(domain=order, range=MODEL_COLOURS))
    base = alt.Chart().encode(y=alt.Y("model_label:N", sort=order, title=None), color=colour)
    zero = alt.Chart().mark_rule(color="#555", strokeDash=[3, 3]).encode(x=alt.datum(0))
    bars = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("lo_shown:Q", title="Effect (pilot - comparison), 95% CI",
                scale=alt.Scale(zero=False, nice=False, padding=12), axis=alt.Axis(tickCount=5)),
        x2="hi_shown:Q")
    pts = base.mark_point(filled=True, size=60).encode(
        x="estimate:Q",
        tooltip=["outcome", "model", alt.Tooltip("estimate:Q", format=".3f"),
                 alt.Tooltip("ci_low:Q", format=".3f"), alt.Tooltip("ci_high:Q", format=".3f"), "n"])
    return (
        alt.layer(zero, bars, pts, clip_marks(base), data=data)
        .properties(width=360, height=20 * max(1, data["model"].nunique()))
        .facet(row=alt.Row("outcome:N", title=None, sort=list(dict.fromkeys(data["outcome"])),
                           header=alt.Header(labelAngle=0, labelAlign="left")))
        .resolve_scale(x="independent", y="independent")
        .properties(title=clipped_title("Training effect by model: what the controls change", data))
    )


def count_effect_chart(table: pd.DataFrame) -> alt.LayerChart | alt.FacetChart:
    """The risk outcomes' adjusted count-model effects: % change of the rate with 95% CI."""
    data = clip_intervals(table[table["model"] == "count"].dropna(subset=["estimate"]))
    base = alt.Chart(data).encode(y=alt.Y("outcome:N", title=None))
    zero = alt.Chart(data).mark_rule(color="#555", strokeDash=[3, 3]).encode(x=alt.datum(0))
    bars = base.mark_rule(strokeWidth=2, color="#1f77b4").encode(
        x=alt.X("lo_shown:Q", title="Change in the event rate, pilot vs comparison teams (%), 95% CI"),
        x2="hi_shown:Q")
    pts = base.mark_point(filled=True, size=60, color="#1f77b4").encode(
        x="estimate:Q", tooltip=["outcome", alt.Tooltip("estimate:Q", format=".1f"),
                                 alt.Tooltip("ci_low:Q", format=".1f"), alt.Tooltip("ci_high:Q", format=".1f"), "n"])
    marks = clip_marks(base.encode(color=alt.value("#1f77b4")))
    return alt.layer(zero, bars, pts, marks).properties(
        width=360, height=30 * max(1, len(data)),
        title=clipped_title("Risk outcomes: adjusted count model (the scorecard's Risk panel)", data))


def event_study_chart(coefs: pd.DataFrame) -> alt.Chart:
    """Pilot x month coefficients relative to month -1, with pointwise 95% CIs."""
    data = clip_intervals(coefs.dropna(subset=["estimate"]), by="outcome")
    base = alt.Chart().encode(x=alt.X("month:O", title="Month (0 = first pilot month; reference = -1)"))
    band = base.mark_rule(strokeWidth=2).encode(y=alt.Y("lo_shown:Q", title="Pilot - comparison vs month -1"),
                                                y2="hi_shown:Q", color=alt.Color("window:N", title="Window"))
    pts = base.mark_point(filled=True, size=50).encode(
        y="estimate:Q", color="window:N",
        tooltip=["outcome", "month", alt.Tooltip("estimate:Q", format=".3f"),
                 alt.Tooltip("ci_low:Q", format=".3f"), alt.Tooltip("ci_high:Q", format=".3f")])
    zero = alt.Chart().mark_rule(color="#555", strokeDash=[3, 3]).encode(y=alt.datum(0))
    return (
        alt.layer(zero, band, pts, clip_marks(base.encode(color="window:N"), horizontal=False), data=data)
        .properties(width=260, height=150)
        .facet(facet=alt.Facet("outcome:N", title=None), columns=2)
        .resolve_scale(y="independent")
        .properties(title=clipped_title(
            "Event study: pilot vs comparison by month (leads before 0 should be near 0)", data))
    )


def heterogeneity_chart(het: pd.DataFrame, outcome: str = "empathy_360") -> alt.Chart:
    """Effect and 95% CI within each reported role / culture (suppressed levels omitted)."""
    data = clip_intervals(het[het["outcome"] == outcome].dropna(subset=["estimate"]))
    base = alt.Chart().encode(y=alt.Y("level:N", title=None))
    zero = alt.Chart().mark_rule(color="#555", strokeDash=[3, 3]).encode(x=alt.datum(0))
    bars = base.mark_rule(strokeWidth=2, color="#1f77b4").encode(
        x=alt.X("lo_shown:Q", title="Effect within the group, 95% CI"), x2="hi_shown:Q")
    pts = base.mark_point(filled=True, size=60, color="#1f77b4").encode(
        x="estimate:Q", tooltip=["by", "level", alt.Tooltip("estimate:Q", format=".3f"),
                                 alt.Tooltip("p_holm:Q", format=".3f"), "n_pilot", "n_comparison"])
    return (
        alt.layer(zero, bars, pts, clip_marks(base.encode(color=alt.value("#1f77b4"))), data=data)
        .properties(width=320)
        .facet(row=alt.Row("by:N", title=None))
        .resolve_scale(y="independent")
        .properties(title=clipped_title(
            f"{label(outcome)}: effect by role and by culture (groups too small to show are left out)", data))
    )


def z_score_chart(zs: pd.DataFrame) -> alt.Chart:
    """Mean within-role-x-culture z-score of the change, by group and arm."""
    data = zs.dropna(subset=["mean_z"]).assign(group=lambda d: d["level"].astype("str") + " - " + d["arm"])
    data = clip_intervals(data, centre="mean_z")
    base = alt.Chart().encode(y=alt.Y("group:N", title=None),
                              color=alt.Color("arm:N", scale=arm_colour_scale(), title="Arm"))
    zero = alt.Chart().mark_rule(color="#555", strokeDash=[3, 3]).encode(x=alt.datum(0))
    bars = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("lo_shown:Q", title="Change, z-score within role x culture (mean, 95% CI)"), x2="hi_shown:Q")
    pts = base.mark_point(filled=True, size=50).encode(
        x="mean_z:Q", tooltip=["by", "level", "arm", "n", alt.Tooltip("mean_z:Q", format=".2f")])
    return (
        alt.layer(zero, bars, pts, clip_marks(base), data=data)
        .properties(width=320)
        .facet(row=alt.Row("by:N", title=None))
        .resolve_scale(y="independent")
        .properties(title=clipped_title(
            "Fair side-by-side view: change relative to leaders of the same role and culture", data))
    )


def permutation_chart(check: PermutationCheck, bins: int = 40) -> alt.Chart:
    """Histogram of ANCOVA estimates under shuffled arms, with the observed estimate."""
    hist, observed, outcome = permutation_histogram(check, bins), check.observed, check.outcome
    bars = alt.Chart(hist).mark_bar(color="#bdbdbd").encode(
        x=alt.X("bin_start:Q", bin="binned", title=f"{label(outcome)}: ANCOVA estimate with shuffled arms"),
        x2="bin_end:Q", y=alt.Y("count:Q", title="Permutations"))
    rule = alt.Chart(pd.DataFrame({"observed": [observed]})).mark_rule(color="#d62728", strokeWidth=2).encode(
        x="observed:Q", tooltip=[alt.Tooltip("observed:Q", format=".3f")])
    return (bars + rule).properties(width=420, height=160,
                                    title="Permuted-treatment check (red line: the actual estimate)")


def matched_balance_chart(balance: pd.DataFrame) -> alt.Chart:
    """Standardised differences before and after matching, WWC thresholds dashed."""
    data = balance.dropna(subset=["smd"])
    rules = alt.Chart(pd.DataFrame({"x": [-WWC_ADJUSTMENT_MAX, -WWC_SATISFIED_MAX,
                                            WWC_SATISFIED_MAX, WWC_ADJUSTMENT_MAX]})).mark_rule(
        strokeDash=[4, 3], color="#888").encode(x="x:Q")
    pts = alt.Chart(data).mark_point(filled=True, size=60).encode(
        x=alt.X("smd:Q", title="Standardised difference, pilot - comparison"),
        y=alt.Y("variable:N", title=None),
        color=alt.Color("sample:N", title=None, sort=["before matching", "after matching"]),
        tooltip=["sample", "variable", alt.Tooltip("smd:Q", format=".3f"), "wwc_rating"])
    return (rules + pts).properties(width=420, height=max(120, 18 * data["variable"].nunique()),
                                    title="Balance before and after propensity matching")
