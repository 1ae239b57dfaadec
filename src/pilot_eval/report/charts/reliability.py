"""Charts of the reliability step (notebook 02).

Every function takes a small aggregated frame built by
:mod:`pilot_eval.steps.reliability.analysis` or :mod:`pilot_eval.steps.reliability.calibration` and
returns an Altair chart.  Only :func:`observer_leniency_chart` shows IDs
(observers); it belongs in a ``researcher-only`` cell.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from pilot_eval.data.contract import WAVES
from pilot_eval.report.charts.base import clip_intervals, clip_marks, clipped_title
from pilot_eval.stats.guidelines import (
    KOO_LI_BANDS,
    KOO_LI_CUTS,
    KRIPPENDORFF_RELIABLE,
    KRIPPENDORFF_TENTATIVE,
)

_VERDICT_COLOURS = alt.Scale(
    domain=["reliable", "tentative", "unreliable", "insufficient data"],
    range=["#2ca02c", "#ff7f0e", "#d62728", "#999999"],
)
_WAVES = list(WAVES)
_BAND_COLOURS = alt.Scale(domain=list(KOO_LI_BANDS), range=["#d62728", "#ff7f0e", "#9ecae1", "#2ca02c"])


def _rules(values: list[float], labels: list[str]) -> alt.Chart:
    data = pd.DataFrame({"x": values, "label": labels})
    rule = alt.Chart(data).mark_rule(strokeDash=[4, 3], color="#666").encode(x="x:Q")
    text = alt.Chart(data).mark_text(align="left", dx=3, dy=-4, fontSize=10, color="#444").encode(
        x="x:Q", y=alt.value(0), text="label:N")
    return rule + text


def behaviour_alpha_chart(table: pd.DataFrame) -> alt.Chart:
    """Krippendorff's alpha of each behaviour with its bootstrap interval and the 0.667 / 0.800 lines."""
    data = table[table["method"].eq("kripp_alpha").to_numpy(dtype=bool)]
    data = data.assign(behaviour=data["measure"].str.removeprefix("behaviour:"))
    data = data[["behaviour", "estimate", "ci_low", "ci_high", "verdict", "n_targets"]].dropna(
        subset=["estimate"])
    base = alt.Chart(data).encode(
        y=alt.Y("behaviour:N", title=None, sort=alt.EncodingSortField("estimate", order="descending")),
        color=alt.Color("verdict:N", scale=_VERDICT_COLOURS, title="Verdict"),
    )
    bars = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("ci_low:Q", title="Krippendorff's alpha (95% bootstrap interval)",
                scale=alt.Scale(domain=[min(-0.2, float(data["ci_low"].min()) if len(data) else 0), 1])),
        x2="ci_high:Q")
    pts = base.mark_point(filled=True, size=70).encode(
        x="estimate:Q", tooltip=["behaviour", "estimate", "ci_low", "ci_high", "n_targets", "verdict"])
    return (_rules([KRIPPENDORFF_TENTATIVE, KRIPPENDORFF_RELIABLE],
                   [f"{KRIPPENDORFF_TENTATIVE:.3f}", f"{KRIPPENDORFF_RELIABLE:.3f}"]) + bars + pts).properties(
        width=420, height=max(80, 28 * len(data)),
        title="Do observers agree? Alpha per behaviour (double-coded sessions)")


def rater_icc_chart(table: pd.DataFrame) -> alt.FacetChart:
    """ICC(1) and ICC(1,k) of the 360 ratings per rater type and wave, with the Koo & Li cut-offs."""
    sub = table[table["measure"].str.startswith("empathy_360:").to_numpy(dtype=bool, na_value=False)
                & table["method"].isin(["ICC1", "ICC1k"]).to_numpy(dtype=bool)]
    sub = sub.dropna(subset=["estimate"])
    data = pd.DataFrame({
        "raters": sub["measure"].str.removeprefix("empathy_360:").to_numpy(),
        "form": sub["method"].map({"ICC1": "one rater (ICC1)",
                                   "ICC1k": "the leader's raters (ICC1k)"}).to_numpy(),
        "wave": sub["wave"].to_numpy(), "estimate": sub["estimate"].to_numpy(),
        "ci_low": sub["ci_low"].to_numpy(), "ci_high": sub["ci_high"].to_numpy(),
        "band": sub["verdict"].to_numpy(),
    })
    data = clip_intervals(data, domain=(0, 1))
    base = alt.Chart().encode(
        y=alt.Y("raters:N", title=None, sort=["peer", "direct_report", "all_others"]),
        yOffset=alt.YOffset("wave:N", sort=_WAVES),
        color=alt.Color("wave:N", sort=_WAVES, title="Wave"),
    )
    bars = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("lo_shown:Q", title="ICC (95% CI)", scale=alt.Scale(domain=[0, 1])), x2="hi_shown:Q")
    pts = base.mark_point(filled=True, size=50).encode(
        x="estimate:Q", tooltip=["raters", "form", "wave", "estimate", "ci_low", "ci_high", "band"])
    layered = alt.layer(_rules(list(KOO_LI_CUTS), [f"{c:.2f}" for c in KOO_LI_CUTS]), bars, pts, clip_marks(base),
                        data=data)
    return layered.properties(width=300, height=160).facet(
        column=alt.Column("form:N", title=None, sort=["one rater (ICC1)", "the leader's raters (ICC1k)"]),
    ).properties(title=clipped_title(
        "How consistently do 360 raters see the same leader? (Koo & Li cut-offs dashed)", data))


def band_probability_chart(table: pd.DataFrame, wave: str | None = "baseline") -> alt.Chart:
    """Bootstrap probability of each Koo & Li band for the ICCs (stacked bars).

    ``wave`` picks the 360 rows shown (observer rows have no wave); only the
    ICC1 / ICC1k forms are shown.
    """
    sub = table[table["method"].isin(["ICC1", "ICC1k"]).to_numpy(dtype=bool)
                & table["p_poor"].notna().to_numpy(dtype=bool)]
    if wave is not None:
        sub = sub[sub["wave"].isna().to_numpy(dtype=bool) | sub["wave"].eq(wave).to_numpy(dtype=bool, na_value=False)]
    label = sub["measure"] + " · " + sub["method"]
    long = pd.DataFrame({
        "icc": label.repeat(len(KOO_LI_BANDS)).to_numpy(),
        "band": list(KOO_LI_BANDS) * len(sub),
        "probability": sub[[f"p_{b}" for b in KOO_LI_BANDS]].to_numpy().ravel(),
    })
    return alt.Chart(long).mark_bar().encode(
        y=alt.Y("icc:N", title=None, sort=list(label), axis=alt.Axis(labelLimit=320)),
        x=alt.X("probability:Q", stack="normalize", axis=alt.Axis(format="%", title="Bootstrap probability")),
        color=alt.Color("band:N", scale=_BAND_COLOURS, sort=list(KOO_LI_BANDS), title="Koo & Li band"),
        order=alt.Order("band_order:Q"),
        tooltip=["icc", "band", alt.Tooltip("probability:Q", format=".1%")],
    ).transform_calculate(
        band_order="indexof(['poor','moderate','good','excellent'], datum.band)"
    ).properties(width=380, height=max(80, 22 * len(sub)),
                 title="How sure is each ICC's band? (share of bootstrap replicates in each band)")


def min_raters_chart(min_raters: pd.DataFrame, rater_counts: pd.DataFrame) -> alt.Chart:
    """Leaders by number of raters, bars coloured by whether they reach the raters needed."""
    need = min_raters.set_index("measure")["min_raters"]
    data = rater_counts[rater_counts["measure"].isin(
        ["empathy_360:peer", "empathy_360:direct_report", "empathy_360:all_others"]).to_numpy(dtype=bool)]
    needed = data["measure"].map(need)
    data = data.assign(
        raters=data["measure"].str.removeprefix("empathy_360:"),
        reaches=(data["n_raters"] >= needed).map({True: "reaches target", False: "below target"}),
        needed=needed,
    )
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("n_raters:O", title="Raters the leader had"),
        y=alt.Y("leaders:Q", title="Leaders"),
        color=alt.Color("reaches:N", title=None,
                        scale=alt.Scale(domain=["reaches target", "below target"], range=["#2ca02c", "#d62728"])),
        tooltip=["raters", "n_raters", "leaders", "needed"],
    ).properties(width=200, height=150).facet(
        column=alt.Column("raters:N", title=None, sort=["peer", "direct_report", "all_others"]),
    ).properties(title="Raters leaders actually had vs raters needed for the target reliability")


def band_width_chart(summary: pd.DataFrame) -> alt.Chart:
    """Half-width of a leader's 95% band by number of raters (point size = leaders)."""
    base = alt.Chart(summary).encode(
        x=alt.X("k:Q", title="Non-self raters of the leader", scale=alt.Scale(zero=False)),
        y=alt.Y("half_width:Q", title="± scale points (95% band)", scale=alt.Scale(zero=True)))
    return (base.mark_line(color="#888") + base.mark_point(filled=True).encode(
        size=alt.Size("leaders:Q", title="Leaders"),
        tooltip=["k", "leaders", "rho_k", "se", "half_width"])).properties(
        width=380, height=180, title="How precise is one leader's 360 score? Band by number of raters")


def reliable_change_chart(summary: pd.DataFrame) -> alt.Chart:
    """Share of leaders per arm who improved, did not change reliably or deteriorated."""
    data = summary[summary["share"].notna().to_numpy(dtype=bool)]
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("arm:N", title=None, sort=["pilot", "comparison"]),
        x=alt.X("share:Q", stack="normalize", axis=alt.Axis(format="%", title="Leaders rated at baseline and endline")),
        color=alt.Color("status:N", title="360 change",
                        scale=alt.Scale(domain=["improved", "no reliable change", "deteriorated"],
                                        range=["#2ca02c", "#cccccc", "#d62728"])),
        order=alt.Order("status_order:Q"),
        tooltip=["arm", "status", "leaders", alt.Tooltip("share:Q", format=".1%")],
    ).transform_calculate(
        status_order="indexof(['improved','no reliable change','deteriorated'], datum.status)"
    ).properties(width=380, height=70, title="Reliable change of the 360 empathy score, baseline to endline")


def leniency_histogram(distribution: pd.DataFrame, threshold: float) -> alt.Chart:
    """360 raters by leniency (binned), flagged raters highlighted; dashed lines at ± threshold."""
    data = distribution.assign(flag=distribution["flagged"].map({True: "flagged", False: "not flagged"}))
    bars = alt.Chart(data).mark_bar().encode(
        x=alt.X("bin_start:Q", bin="binned", title="Leniency (scale points)"),
        x2="bin_end:Q",
        y=alt.Y("sum(raters):Q", title="Raters", stack=True),
        color=alt.Color("flag:N", title=None,
                        scale=alt.Scale(domain=["not flagged", "flagged"], range=["#9ecae1", "#d62728"])),
        tooltip=["rater_type", "bin_start", "bin_end", "flag", "raters"],
        column=alt.Column("rater_type:N", title=None, sort=["manager", "peer", "direct_report"]),
    ).properties(width=220, height=150)
    return bars.properties(
        title=(f"360 rater leniency: + rates higher than the leader's other raters "
               f"(flagged: interval excludes 0 and |leniency| > {threshold:g})"))


def observer_leniency_chart(data: pd.DataFrame) -> alt.Chart:
    """Each observer's leniency per behaviour with interval (shows observer IDs: researcher-only)."""
    base = alt.Chart().encode(
        y=alt.Y("observer_id:N", title=None),
        color=alt.Color("flagged:N", title="Flagged",
                        scale=alt.Scale(domain=[False, True], range=["#1f77b4", "#d62728"])),
    )
    bars = base.mark_rule().encode(x=alt.X("ci_low:Q", title="Leniency vs co-coders (95% CI)"), x2="ci_high:Q")
    pts = base.mark_point(filled=True).encode(
        x="leniency:Q", tooltip=["observer_id", "behaviour", "unit", "n_targets", "leniency", "ci_low", "ci_high"])
    zero = alt.Chart().mark_rule(color="#666").encode(x=alt.datum(0))
    return alt.layer(zero, bars, pts, data=data).properties(width=170, height=130).facet(
        facet=alt.Facet("behaviour:N", title=None), columns=3,
    ).resolve_scale(x="independent").properties(title="Observer leniency per behaviour (researchers only)")


__all__ = [
    "behaviour_alpha_chart", "rater_icc_chart", "band_probability_chart", "min_raters_chart",
    "band_width_chart", "reliable_change_chart", "leniency_histogram", "observer_leniency_chart",
]
