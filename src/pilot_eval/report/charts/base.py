"""Chart set-up shared by the notebooks.

Altair's default renderer loads Vega from a CDN, so exported HTML would be
blank offline.  :func:`use_offline_renderer` switches to the ``svg`` renderer
(vl-convert renders the chart in the kernel); the SVG is embedded in the
notebook and its HTML, so the report opens with no network and the chart
output has no random div ids.  Charts are fed aggregated frames built in the
package, never raw rows (Altair refuses more than 5,000 rows).
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from pilot_eval.data.contract import ARMS, RATER_TYPES, WAVES
from pilot_eval.report.tables import readable
from pilot_eval.data.windows import WINDOWS
from pilot_eval.stats.guidelines import (
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


def readable_text(value: str) -> str:
    """A chart's text with its code names replaced by their labels (one vocabulary).

    Examples
    --------
    >>> readable_text("empathy_360:peer"), readable_text("role=team_lead"), readable_text("Window")
    ('360 empathy score, peers', 'role: team lead', 'Window')
    """
    return readable(value)


def readable_spec(spec: Any, key: str | None = None) -> Any:
    """A Vega-Lite spec whose data values, sort orders, scale domains and titles read as words.

    Every string a reader sees that is a code (``hr_incidents:follow_up``,
    ``direct_report``) is replaced by its label, consistently in the data,
    in ``sort`` lists and in scale ``domain`` lists, so colours and orders
    still match.  Field names and expressions are left alone.
    """
    if isinstance(spec, dict):
        out: dict[str, Any] = {}
        for k, v in spec.items():
            if k in ("datasets",) and isinstance(v, dict):
                out[k] = {name: [_readable_row(r) for r in rows] if isinstance(rows, list) else rows
                          for name, rows in v.items()}
            elif k == "values" and isinstance(v, list) and key == "data":
                out[k] = [_readable_row(r) for r in v]
            elif k in ("sort", "domain") and isinstance(v, list):
                out[k] = [readable_text(x) if isinstance(x, str) else x for x in v]
            elif k in ("title", "subtitle") or (key == "title" and k == "text"):
                out[k] = _readable_title(v)
            else:
                out[k] = readable_spec(v, k)
        return out
    if isinstance(spec, list):
        return [readable_spec(v, key) for v in spec]
    return spec


def _readable_row(row: Any) -> Any:
    if not isinstance(row, dict):
        return row
    return {k: readable_text(v) if isinstance(v, str) else v for k, v in row.items()}


def _readable_title(v: Any) -> Any:
    if isinstance(v, str):
        return readable_text(v)
    if isinstance(v, list):
        return [readable_text(x) if isinstance(x, str) else x for x in v]
    if isinstance(v, dict):
        return readable_spec(v, "title")
    return v


_RENDERER = "pilot-eval-svg"


def use_offline_renderer() -> None:
    """Render Altair charts as inline SVG (no CDN, deterministic output), with readable labels.

    The SVG renderer of Altair (vl-convert) gets the spec through
    :func:`readable_spec` first, so axis, legend and facet labels show words,
    not code names.
    """
    if _RENDERER not in alt.renderers.names():
        alt.renderers.enable("svg")
        svg = alt.renderers.get()
        assert svg is not None

        def readable_svg(spec: dict, **metadata: Any) -> Any:
            return svg(readable_spec(spec), **metadata)

        alt.renderers.register(_RENDERER, readable_svg)
    alt.renderers.enable(_RENDERER)


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


# ---------------------------------------------------------------------------
# Intervals wider than the axis: clipped, and marked as clipped (issue 15)
# ---------------------------------------------------------------------------
#: Note under a chart with a clipped interval.
CLIPPED_NOTE = "▸ an interval continues beyond the axis (the table gives its limits)"


def clip_intervals(data: pd.DataFrame, *, low: str = "ci_low", high: str = "ci_high",
                   centre: str = "estimate", by: str | None = None,
                   domain: tuple[float | None, float | None] | None = None,
                   spread: float = 6.0) -> pd.DataFrame:
    """``data`` with the interval ends a chart draws: ``lo_shown``, ``hi_shown``, ``clipped_low``, ``clipped_high``.

    An interval is cut at the axis limits: the fixed ``domain`` when given
    (``None`` for an open end), otherwise the range of the estimates of its
    group (``by``) widened by ``spread`` times the group's median
    half-width, so that one very wide interval (a small group, a rare event)
    does not squash every other interval of its panel to a dot.  The chart
    draws a triangle at a clipped end (:func:`clip_marks`) and says so
    (:data:`CLIPPED_NOTE`); the tooltip and the tables keep the real limits.

    Examples
    --------
    >>> d = pd.DataFrame({"estimate": [0.1, 0.2, 0.15], "ci_low": [0.0, 0.1, -5.0], "ci_high": [0.2, 0.3, 5.0]})
    >>> clip_intervals(d)[["lo_shown", "hi_shown", "clipped_low", "clipped_high"]].round(2).values.tolist()
    [[0.0, 0.2, False, False], [0.1, 0.3, False, False], [-0.5, 0.8, True, True]]
    >>> clip_intervals(d, domain=(0, 1))["clipped_low"].tolist()
    [False, False, True]
    """
    out = data.copy()
    lo = pd.to_numeric(out[low], errors="coerce").astype(float)
    hi = pd.to_numeric(out[high], errors="coerce").astype(float)
    if domain is not None:
        floor = pd.Series(-float("inf") if domain[0] is None else float(domain[0]), index=out.index)
        ceil = pd.Series(float("inf") if domain[1] is None else float(domain[1]), index=out.index)
    else:
        est = pd.to_numeric(out[centre], errors="coerce").astype(float)
        half = (hi - lo) / 2
        keys = out[by] if by is not None else pd.Series(0, index=out.index)
        groups = pd.DataFrame({"k": keys.to_numpy(), "est": est.to_numpy(), "half": half.to_numpy()},
                              index=out.index).groupby("k", sort=False)
        med = groups["half"].transform("median")
        floor = groups["est"].transform("min") - spread * med
        ceil = groups["est"].transform("max") + spread * med
        single = groups["est"].transform("count") < 2
        floor, ceil = floor.mask(single, -float("inf")), ceil.mask(single, float("inf"))
    out["clipped_low"] = (lo < floor).to_numpy(dtype=bool)
    out["clipped_high"] = (hi > ceil).to_numpy(dtype=bool)
    out["lo_shown"] = lo.where(~out["clipped_low"], floor)
    out["hi_shown"] = hi.where(~out["clipped_high"], ceil)
    return out


def clip_marks(base: alt.Chart, horizontal: bool = True, size: int = 70) -> alt.LayerChart | alt.FacetChart:
    """Triangles at the clipped ends of :func:`clip_intervals`' ``lo_shown`` / ``hi_shown``."""
    axis = "x" if horizontal else "y"
    shapes = ("triangle-left", "triangle-right") if horizontal else ("triangle-down", "triangle-up")
    layers = []
    for field, flag, shape in (("lo_shown", "clipped_low", shapes[0]), ("hi_shown", "clipped_high", shapes[1])):
        layers.append(base.transform_filter(alt.datum[flag]).mark_point(
            shape=shape, filled=True, size=size, opacity=1).encode(**{axis: alt.X(f"{field}:Q") if horizontal
                                                                     else alt.Y(f"{field}:Q")}))
    return alt.layer(*layers)


def clipped_title(title: str, data: pd.DataFrame) -> alt.TitleParams | str:
    """``title``, with :data:`CLIPPED_NOTE` as its subtitle when ``data`` has a clipped interval."""
    clipped = bool(data.get("clipped_low", pd.Series(dtype=bool)).any()
                   or data.get("clipped_high", pd.Series(dtype=bool)).any())
    return alt.TitleParams(title, subtitle=[CLIPPED_NOTE], subtitleColor="#52606d") if clipped else title
