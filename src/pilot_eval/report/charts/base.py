"""Chart set-up shared by the notebooks.

Altair's default renderer loads Vega from a CDN, so exported HTML would be
blank offline.  :func:`use_offline_renderer` switches to the ``svg`` renderer
(vl-convert renders the chart in the kernel); the SVG is embedded in the
notebook and its HTML, so the report opens with no network and the chart
output has no random div ids.  Charts are fed aggregated frames built in the
package, never raw rows (Altair refuses more than 5,000 rows).
"""

from __future__ import annotations

import sys

# jsonschema (imported by Altair) registers an optional IRI format checker whose
# package builds a parser grammar at import time: ~1.8 s in every notebook kernel.
# Altair's schema validation never checks IRI formats, so the checker is left out.
if "rfc3987_syntax" not in sys.modules and "jsonschema" not in sys.modules:
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]

import altair as alt  # noqa: E402
import pandas as pd  # noqa: E402

from pilot_eval.data.contract import ARMS, RATER_TYPES, WAVES  # noqa: E402
from pilot_eval.data.windows import WINDOWS  # noqa: E402
from pilot_eval.stats.guidelines import (  # noqa: E402
    NOT_SATISFIED,
    REQUIRES_ADJUSTMENT,
    SATISFIED,
    WWC_ADJUSTMENT_MAX,
    WWC_SATISFIED_MAX,
)

#: Colours of the two arms (pilot, comparison), used in every chart.
ARM_COLOURS = dict(zip(ARMS, ("#1f77b4", "#ff7f0e")))
#: Column order of the coverage charts: the survey waves, then the date windows.
_COVERAGE_WINDOWS = ["waves", *WINDOWS]


def use_offline_renderer() -> None:
    """Render Altair charts as inline SVG (no CDN, deterministic output)."""
    alt.renderers.enable("svg")


def arm_colour_scale() -> alt.Scale:
    return alt.Scale(domain=list(ARM_COLOURS), range=list(ARM_COLOURS.values()))


def _pct_axis(title: str) -> alt.Axis:
    return alt.Axis(format="%", title=title)


def coverage_chart(coverage) -> alt.Chart:
    """Heat map of date coverage: table × window, share of months with data."""
    return (
        alt.Chart(coverage)
        .mark_rect()
        .encode(
            x=alt.X("window:N", sort=_COVERAGE_WINDOWS, title="Window"),
            y=alt.Y("table:N", title=None),
            color=alt.Color("completeness:Q", scale=alt.Scale(domain=[0, 1], scheme="blues"),
                            legend=alt.Legend(format="%", title="Months with data")),
            tooltip=["table", "window", "expected", "observed"],
        )
        .properties(width=240, height=30 * max(1, coverage["table"].nunique()),
                    title="Date coverage of each table")
    ) + (
        alt.Chart(coverage).mark_text(fontSize=11)
        .encode(x=alt.X("window:N", sort=_COVERAGE_WINDOWS), y="table:N",
                text=alt.Text("completeness:Q", format=".0%"))
    )


def response_rate_chart(rates) -> alt.Chart:
    """360 response rate by wave and rater type (grouped bars)."""
    return (
        alt.Chart(rates)
        .mark_bar()
        .encode(
            x=alt.X("rater_type:N", title=None, sort=list(RATER_TYPES)),
            xOffset=alt.XOffset("wave:N", sort=list(WAVES)),
            y=alt.Y("completeness:Q", axis=_pct_axis("Response rate"), scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("wave:N", sort=list(WAVES), title="Wave"),
            tooltip=["wave", "rater_type", "expected", "observed"],
        )
        .properties(width=360, height=200, title="360 survey response rate by wave and rater type")
    )


def raters_per_leader_chart(counts, min_raters: int) -> alt.Chart:
    """How many leaders had 0, 1, 2, ... raters of each type (aggregated counts)."""
    base = alt.Chart(counts)
    bars = base.mark_bar().encode(
        x=alt.X("n_raters:O", title="Responding raters per leader"),
        y=alt.Y("leaders:Q", title="Leaders"),
        color=alt.Color("wave:N", sort=list(WAVES), title="Wave"),
        xOffset=alt.XOffset("wave:N", sort=list(WAVES)),
        tooltip=["rater_type", "wave", "n_raters", "leaders"],
    ).properties(width=220, height=160)
    return bars.facet(column=alt.Column("rater_type:N", title=None, sort=["peer", "direct_report"])).properties(
        title=f"Raters per leader (peer and direct-report scores are shown only with >= {min_raters})")


def pulse_response_chart(rates) -> alt.Chart:
    """Pulse response rate per month, windows coloured."""
    return (
        alt.Chart(rates)
        .mark_line(point=True)
        .encode(
            x=alt.X("month:O", title="Month (0 = first month of the pilot)"),
            y=alt.Y("completeness:Q", axis=_pct_axis("Response rate"), scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("window:N", sort=list(WINDOWS), title="Window"),
            tooltip=["month", "window", "expected", "observed"],
        )
        .properties(width=420, height=180, title="Team pulse response rate per month")
    )


def love_plot(balance) -> alt.Chart:
    """Standardised mean differences at baseline with the WWC thresholds (0.05, 0.25)."""
    data = balance.dropna(subset=["smd"]).assign(abs_smd=lambda d: d["smd"].abs())
    low, high = WWC_SATISFIED_MAX, WWC_ADJUSTMENT_MAX
    rules = alt.Chart(
        pd.DataFrame({"x": [-high, -low, low, high],
                      "kind": [f"{high:g}", f"{low:g}", f"{low:g}", f"{high:g}"]})
    ).mark_rule(strokeDash=[4, 3], color="#888").encode(x="x:Q")
    points = alt.Chart(data).mark_point(filled=True, size=70).encode(
        x=alt.X("smd:Q", title="Standardised difference, pilot - comparison (Hedges' g / Cox index)"),
        y=alt.Y("variable:N", sort=alt.EncodingSortField("abs_smd", order="descending"), title=None),
        color=alt.Color("wwc_rating:N", title="WWC rating",
                        scale=alt.Scale(domain=[SATISFIED, REQUIRES_ADJUSTMENT, NOT_SATISFIED],
                                        range=["#2ca02c", "#ff7f0e", "#d62728"])),
        tooltip=["variable", "pilot_mean", "comparison_mean", "smd", "wwc_rating"],
    )
    return (rules + points).properties(width=420, height=max(120, 18 * len(data)),
                                       title=f"Baseline balance (love plot); dashed lines at |{low:g}| and |{high:g}|")


def group_means_chart(summary, by: str, measure: str) -> alt.Chart:
    """Mean and 95% CI of a pre-window measure by group and arm (suppressed groups omitted)."""
    data = summary[(summary["measure"] == measure)].dropna(subset=["mean"])
    base = alt.Chart(data).encode(
        y=alt.Y(f"{by}:N", title=None),
        yOffset=alt.YOffset("arm:N"),
        color=alt.Color("arm:N", scale=arm_colour_scale(), title="Arm"),
    )
    bars = base.mark_rule(strokeWidth=2).encode(x=alt.X("ci_low:Q", title=f"{measure} (pre window), mean and 95% CI",
                                                        scale=alt.Scale(zero=False)), x2="ci_high:Q")
    pts = base.mark_point(filled=True, size=50).encode(x="mean:Q", tooltip=[by, "arm", "n", "mean", "ci_low", "ci_high"])
    return (bars + pts).properties(width=380, height=max(80, 36 * data[by].nunique()),
                                   title=f"{measure} before training by {by} and arm")
