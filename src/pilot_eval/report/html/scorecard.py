"""The report's ``index.html``: the executive balanced scorecard as one page.

Self-contained: inline CSS and hand-drawn inline SVG (confidence bands and
monthly trend lines with axes), no scripts, no fonts or images from the
network, so it opens offline on a locked-down machine.  It has a viewport
setting for phones and a print stylesheet (no panel split across pages,
black text).  Every piece of user-supplied text goes through
:func:`pilot_eval.privacy.escape_html`.  No employee or rater IDs appear;
teams flagged by the early-warning rule are named by their pseudonymous
leader ID only.

Status colours are WCAG AA on white text (contrast at least 4.5:1, checked
in ``tests/test_scorecard_page.py``).

At an interim look (``--as-of``) the page says the look's date, the
recommendation is about the course of the pilot (continue, adjust coaching,
stop early for harm), a lagging indicator not measurable yet shows "not yet
(available from ...)" and no number, every indicator says its cadence and
whether it is due at this look, and with a previous look each indicator says
its change since then and flags a change of status.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import datetime as dt

import numpy as np
import pandas as pd

from pilot_eval.data.config import CohortConfig

from pilot_eval.report.notebooks import default_notebooks_dir
from pilot_eval.report.html.index import NOTEBOOK_TITLES, page
from pilot_eval.privacy import escape_html as esc
from pilot_eval.steps.decision.evaluate import DecisionResult
from pilot_eval.steps.decision.indicators import AT_RISK, NO_DATA, NOT_YET, OFF_TRACK, ON_TRACK, PANELS
from pilot_eval.steps.decision.previous import PreviousLook, change_sentence
from pilot_eval.steps.decision.rule import counted

STATUS_COLOUR = {ON_TRACK: "#1a7f37", AT_RISK: "#975a16", OFF_TRACK: "#c53030", NO_DATA: "#5a6677",
                 NOT_YET: "#4a5a70"}
DECISION_COLOUR = {"scale": "#1a7f37", "iterate": "#975a16", "stop": "#c53030",
                   "continue": "#1f4e8c", "adjust": "#975a16", "stop_harm": "#c53030"}
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'

EXTRA_STYLE = """
body{margin:1rem auto}
.panels{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(19rem,100%),1fr));gap:1rem}
.panel{border:1px solid #d9e2ec;border-radius:8px;padding:.6rem 1rem 1rem;background:#fff;min-width:0}
.panel h2{font-size:1.15rem;margin:.3rem 0 .6rem}
.ind{border-top:1px solid #eef2f7;padding:.55rem 0}
.ind .name{font-weight:600}.ind .meta{color:#52606d;font-size:.8rem}
.val{font-size:1.35rem;font-weight:700}.tgt{color:#52606d;font-size:.9rem}
.badge{display:inline-block;border-radius:999px;padding:.05rem .55rem;color:#fff;font-size:.8rem;font-weight:600}
.rec{border-radius:8px;padding:.8rem 1.2rem;color:#fff;margin:1rem 0}
.rec h2{margin:.1rem 0 .4rem;font-size:1.3rem}
.summary{font-size:1.05rem;line-height:1.45}.summary p{margin:.35rem 0}
.small{font-size:.85rem;color:#52606d}
.change{font-size:.85rem;color:#334e68;margin-top:.2rem}.change.flag{color:#9c2c2c;font-weight:600}
.scroll{overflow-x:auto;max-width:100%}
main{max-width:72rem}
p,li,div{overflow-wrap:anywhere}
svg{max-width:100%;height:auto}
@media print{
  body{margin:0;max-width:none;color:#000;font-size:10pt}
  .panels{display:block}
  .panel,.ind,.rec,.summary,table,tr,li{break-inside:avoid;page-break-inside:avoid}
  .panel{margin:0 0 .5rem;border-color:#000}
  .rec{background:#fff !important;color:#000;border:2px solid #000}
  .badge{background:#fff !important;color:#000;border:1px solid #000}
  .small,.meta,.tgt,.sub{color:#000 !important}
  a{color:#000;text-decoration:underline}
  h2{break-after:avoid;page-break-after:avoid}
}
"""


def look_subtitle(config: CohortConfig, as_of: dt.date | None, n_pilot: int, n_comparison: int,
                  previous: PreviousLook | None = None) -> str:
    """The line under the page title: the pilot, the look's date and the previous look.

    Examples
    --------
    >>> cfg = CohortConfig(name="x", pilot_start=dt.date(2026, 1, 5))
    >>> look_subtitle(cfg, dt.date(2026, 2, 4), 45, 60)
    'Pilot from 2026-01-05 for 90 days · 45 pilot and 60 comparison leaders · interim look: data as of 2026-02-04 (day 30), the pilot has not ended'
    """
    text = (f"Pilot from {config.pilot_start} for {config.pilot_days} days · "
            f"{n_pilot} pilot and {n_comparison} comparison leaders")
    if as_of is not None:
        day = (as_of - config.pilot_start).days
        ended = "the pilot has not ended" if as_of < config.pilot_end else (
            "the follow-up is still running" if as_of < config.follow_up_end else "all windows complete")
        text += f" · {'interim ' if as_of < config.pilot_end else ''}look: data as of {as_of} (day {day}), {ended}"
    if previous is not None:
        text += f" · compared with {previous.label}"
    return text


def _fmt(value: float, unit: str) -> str:
    if value is None or not np.isfinite(value):
        return "no data"
    if unit in ("%", "% of scale"):
        return f"{value:+.1f}%"
    if unit == "percentage points":
        return f"{value:+.0f} pts"
    if unit == "ratio":
        return f"{value:.2f}"
    if unit == "share":
        return f"{value:+.2f}"
    return f"{value:+.2f}"


UNIT_WORDS = {"% of scale": "percent of the scale's full range", "%": "change in the rate",
              "percentage points": "percentage points, pilot minus comparison", "points": "scale points",
              "share": "change in the share of behaviours shown", "ratio": "lowest / highest group rate"}


def band_svg(value: float, lo: float, hi: float, target: float, unit: str, width: int = 220) -> str:
    """A horizontal confidence band with the estimate (dot), target (dashed line) and no change (grey)."""
    if not np.all(np.isfinite([value, lo, hi])):
        return ""
    ref = 1.0 if unit == "ratio" else 0.0
    pts = [lo, hi, target, value, ref]
    a, b = min(pts), max(pts)
    pad = (b - a) * 0.1 or 1.0
    a, b = a - pad, b + pad
    x = lambda v: 10 + (width - 20) * (v - a) / (b - a)  # noqa: E731
    parts = [f'<svg width="{width}" height="26" viewBox="0 0 {width} 26" role="img" '
             f'aria-label="estimate {esc(_fmt(value, unit))}, 95% range {esc(_fmt(lo, unit))} to '
             f'{esc(_fmt(hi, unit))}, target {esc(_fmt(target, unit))}">']
    parts.append(f'<line x1="10" y1="13" x2="{width - 10}" y2="13" stroke="#e2e8f0" stroke-width="2"/>')
    parts.append(f'<line x1="{x(ref):.1f}" y1="5" x2="{x(ref):.1f}" y2="21" stroke="#a0aec0" stroke-width="1"/>')
    parts.append(f'<rect x="{x(lo):.1f}" y="8" width="{max(x(hi) - x(lo), 1):.1f}" height="10" rx="3" fill="#90cdf4"/>')
    parts.append(f'<line x1="{x(target):.1f}" y1="2" x2="{x(target):.1f}" y2="24" stroke="#2d3748" stroke-width="2" '
                 'stroke-dasharray="3,2"/>')
    parts.append(f'<circle cx="{x(value):.1f}" cy="13" r="4.5" fill="#1a365d"/>')
    parts.append("</svg>")
    return "".join(parts)


def sparkline_svg(trend: pd.DataFrame, window: Sequence[int] = (), width: int = 240, height: int = 70,
                  what: str = "") -> str:
    """Monthly trend by arm (pilot solid blue, comparison dashed orange) with axes.

    The months ``window`` (the window the indicator's number is about) are
    shaded; the x axis is labelled with months from the pilot start, the y
    axis with the lowest and highest value.
    """
    if trend is None or trend.empty:
        return '<span class="small">no monthly trend</span>'
    months = sorted(int(m) for m in trend["month"].unique())
    lo, hi = float(trend["value"].min()), float(trend["value"].max())
    span = (hi - lo) or 1.0
    left, right, top, bottom = 34, 6, 4, 16
    x = lambda m: left + (width - left - right) * ((m - months[0]) / max(months[-1] - months[0], 1))  # noqa: E731
    y = lambda v: height - bottom - (height - top - bottom) * (v - lo) / span  # noqa: E731
    parts = [f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{esc(what or "monthly trend")}: pilot and comparison by month">']
    win = [m for m in window if months[0] <= m <= months[-1]]
    if win:
        x0, x1 = x(min(win)) - 3, x(max(win)) + 3
        parts.append(f'<rect x="{x0:.1f}" y="{top}" width="{x1 - x0:.1f}" height="{height - top - bottom}" '
                     'fill="#edf2f7"/>')
    parts.append(f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" stroke="#4a5568"/>')
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="#4a5568"/>')
    ticks = sorted({months[0], 0, months[-1]} & set(months)) if 0 in months else [months[0], months[-1]]
    for m in ticks:
        parts.append(f'<text x="{x(m):.1f}" y="{height - 4}" font-size="9" text-anchor="middle" fill="#1f2933">'
                     f'{m}</text>')
    for v in (lo, hi):
        parts.append(f'<text x="{left - 3}" y="{y(v) + 3:.1f}" font-size="9" text-anchor="end" fill="#1f2933">'
                     f'{v:.2g}</text>')
    if 0 in months:
        parts.append(f'<line x1="{x(0):.1f}" y1="{top}" x2="{x(0):.1f}" y2="{height - bottom}" stroke="#a0aec0" '
                     'stroke-dasharray="2,2"/>')
    for arm, style in (("comparison", 'stroke="#c05621" stroke-dasharray="4,3"'), ("pilot", 'stroke="#2b6cb0"')):
        sub = trend[trend["arm"] == arm].sort_values("month")
        if len(sub) < 2:
            continue
        pts = " ".join(f"{x(int(m)):.1f},{y(v):.1f}" for m, v in zip(sub["month"], sub["value"]))
        parts.append(f'<polyline fill="none" stroke-width="2" {style} points="{pts}"/>')
    parts.append("</svg>")
    return "".join(parts)


def _window_months(row: pd.Series, trend_months: Sequence[int], pilot: Sequence[int],
                   follow_up: Sequence[int]) -> list[int]:
    period = str(row.get("source_period", "") or row.get("period", ""))
    if "follow-up" in period:
        return list(follow_up)
    if "last pilot month" in period or "month" in period:
        return [max(pilot)] if pilot else []
    return list(pilot)


def _indicator(r: pd.Series, trend: pd.DataFrame | None, window: list[int]) -> str:
    st = r["status"]
    unit = r["unit"]
    has = st != NO_DATA and np.isfinite(r["value"])
    target = ("at least " + _fmt(r["target"], unit)) if unit == "ratio" else _fmt(r["target"], unit)
    out = [f'<div class="ind"><div class="name">{esc(r["label"])}</div>']
    value_text = r.get("value_text", "")
    value_text = value_text if isinstance(value_text, str) else ""  # read back from a CSV: NaN
    shown = (f"not yet (available from {r.get('available_from', '')})" if st == NOT_YET
             else value_text if value_text and not np.isfinite(r["value"]) else _fmt(r["value"], unit))
    out.append(f'<span class="val">{esc(shown)}</span> '
               f'<span class="tgt">target {esc(target)}</span> '
               f'<span class="badge" style="background:{STATUS_COLOUR.get(st, STATUS_COLOUR[NO_DATA])}">{esc(st)}</span>')
    if has:
        out.append(f"<div>{band_svg(r['value'], r['ci_low'], r['ci_high'], r['target'], unit)}</div>")
        chance = 100 * float(r["probability"])
        chance_text = ("more than 99" if chance > 99 else "less than 1" if chance < 1 else f"{chance:.0f}")
        meta = (f"95% range {_fmt(r['ci_low'], unit)} to {_fmt(r['ci_high'], unit)} "
                f"({UNIT_WORDS.get(unit, unit)}) · {chance_text}% chance the target is met · "
                f"{int(r['n'])} {counted(str(r['indicator']))}")
        if np.isfinite(r.get("pilot_share", np.nan)):
            meta += f" · pilot share {r['pilot_share']:.0f}%, comparison share {r['comparison_share']:.0f}%"
        out.append(f'<div class="meta">{esc(meta)}</div>')
    conf = r.get("confidence", np.nan)
    bits = [f"{r['kind']} indicator, reviewed {r['cadence']}"]
    if r.get("as_of"):
        bits.append("due at this look" if r.get("due") == "yes" else "not due at this look")
    if isinstance(conf, (int, float)) and np.isfinite(conf):
        bits.append(f"data confidence {r['confidence_label']} ({conf:.2f})")
    if r.get("period"):
        bits.append(f"period: {r['period']}")
    out.append(f'<div class="meta">{esc(" · ".join(bits))}</div>')
    if trend is not None and len(trend):
        out.append(f"<div>{sparkline_svg(trend, window, what=str(r['label']))}</div>")
    if r.get("note"):
        out.append(f'<div class="meta">{esc(r["note"])}.</div>')
    change = change_sentence(r, lambda v: _fmt(v, unit)) if r.get("previous_as_of") else ""
    if change:
        flag = bool(r.get("previous_status")) and str(r.get("previous_status")) != str(st)
        out.append(f'<div class="change{" flag" if flag else ""}">{"&#9888; " if flag else ""}{esc(change)}</div>')
    step = str(r.get("step", "") or "")
    if step:
        out.append(f'<div class="meta"><a href="html/{esc(step)}.html">How this was computed: '
                   f'{esc(NOTEBOOK_TITLES.get(step, "the step page"))}</a></div>')
    out.append("</div>")
    return "".join(out)


def render(
    cohort_name: str,
    subtitle: str,
    result: DecisionResult,
    summary: Sequence[str],
    trends: pd.DataFrame | None,
    warnings: pd.DataFrame | None,
    notes: Iterable[str],
    steps: Iterable[str],
    rule_text: Sequence[str] = (),
    status_rule: str = "",
    error_rate: str = "",
    months: dict[str, Sequence[int]] | None = None,
    extra_sections: Sequence[str] = (),
) -> str:
    """HTML of the executive scorecard page.

    Parameters
    ----------
    cohort_name, subtitle
        Page title and the line under it (escaped).
    result
        The decision (:func:`pilot_eval.steps.decision.evaluate.decide_from_results`).
    summary
        The executive sentences (:func:`pilot_eval.steps.decision.summary.executive_summary`).
    trends, warnings
        :func:`pilot_eval.steps.decision.trends.monthly_trends` and ``pulse_early_warnings``.
    notes
        Notes on the data.
    steps
        Notebook stems, for links.
    rule_text, status_rule
        The decision rule and the status rule, in words.
    error_rate
        The rule's measured error rate for this design
        (:func:`pilot_eval.steps.decision.oc.error_rate_sentence`).
    months
        ``{"pilot": [...], "follow_up": [...]}`` months, to shade each trend's window.
    extra_sections
        Ready HTML sections placed after the panels (e.g. the return on investment,
        :func:`pilot_eval.report.html.roi.roi_block`); their text must be escaped already.
    """
    months = months or {}
    pilot_m, fu_m = list(months.get("pilot", [])), list(months.get("follow_up", []))
    body = [f'<main><h1>{esc(cohort_name)}</h1><p class="sub">{esc(subtitle)}</p>']
    colour = DECISION_COLOUR.get(result.recommendation, "#4a5568")
    what = "Course of the pilot" if result.interim else "Recommendation"
    body.append(f'<section class="rec" style="background:{colour}"><h2>{what}: '
                f'{esc(result.label.upper())}</h2><p>{esc(result.headline)}</p></section>')
    body.append('<section class="summary">' + "".join(f"<p>{esc(s)}</p>" for s in summary)
                + (f"<p>{esc(error_rate)}</p>" if error_rate else "") + "</section>")
    body.append("<h2>Why</h2><ul>" + "".join(f"<li>{esc(r)}</li>" for r in result.reasons[1:]) + "</ul>")
    body.append('<div class="panels">')
    sc = result.scorecard
    for panel in PANELS:
        body.append(f'<section class="panel"><h2>{esc(panel)}</h2>')
        for _, r in sc[sc["panel"] == panel].iterrows():
            trend = trends[trends["indicator"] == r["indicator"]] if trends is not None and len(trends) else None
            body.append(_indicator(r, trend, _window_months(r, [], pilot_m, fu_m)))
        body.append("</section>")
    body.append("</div>")
    body.extend(extra_sections)
    if rule_text:
        title = "The rule during the pilot" if result.interim else "The decision rule"
        body.append(f'<section class="rule"><h2>{title}</h2><ol>'
                    + "".join(f"<li>{esc(t)}</li>" for t in rule_text) + "</ol>"
                    + (f"<p>{esc(status_rule)}</p>" if status_rule else "") + "</section>")
    if result.interim and result.boundaries is not None and len(result.boundaries):
        body.append(_boundaries(result.boundaries))
    body.append("<h2>Early warnings: teams whose pulse is falling</h2>")
    if warnings is None or warnings.empty:
        body.append("<p>No team's pulse fell below its control limit (a moving-average rule against the team's "
                    "own level before the pilot; only teams with enough respondents to be shown).</p>")
    else:
        body.append('<div class="scroll"><table><tr><th>Team (leader)</th><th>Group</th><th>Month first flagged</th>'
                    "<th>Pulse</th><th>Team's level before the pilot</th><th>Respondents</th></tr>")
        for _, w in warnings.iterrows():
            body.append(f"<tr><td>{esc(w['leader_id'])}</td><td>{esc(w['arm'])}</td><td>{int(w['month'])}</td>"
                        f"<td>{w['pulse']:.2f}</td><td>{w['baseline']:.2f}</td><td>{int(w['n_respondents'])}</td></tr>")
        body.append("</table></div>")
    not_yet = ("<li><b>Not yet</b>: at a look during the pilot or its follow-up, a lagging indicator whose "
               "window has not ended shows no number; the date says from when it can be measured. "
               "<b>Due at this look</b>: leading indicators are reviewed every month, lagging ones at the "
               "quarter (months 3, 6, 9... from the pilot start) once they can be measured.</li>"
               if result.as_of is not None else "")
    body.append(('<h2>How to read this page</h2><ul class="small">'
                "<li><b>Band</b>: blue bar = 95% range, dot = estimate, dashed line = target, grey line = no change.</li>"
                "<li><b>360 empathy change</b> is in percent of the scale's full range (percent of maximum "
                "possible): 100 times the change in scale points divided by the distance from the lowest to the "
                "highest answer, so it does not depend on how the answers are numbered.</li>"
                "<li><b>Risk</b> changes are changes in the event rate of pilot teams compared with similar teams, "
                "in percent (a rate ratio of 0.7 is -30%).</li>"
                "<li><b>Data confidence</b>: mean of data completeness, rater adequacy and measured reliability (0 to 1).</li>"
                "<li><b>Leading</b> indicators move first (monthly); <b>lagging</b> ones confirm the return later.</li>"
                "{not_yet}"
                "<li>Trend lines: pilot (blue) and comparison (orange, dashed) by month from the pilot start; the "
                "shaded months are the window the number is about; groups too small to show are left out.</li>"
                "</ul>").replace("{not_yet}", not_yet))
    notes = list(notes)
    if notes:
        body.append('<h2>Notes on the data</h2><ul class="small">' + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul>")
    body.append("<h2>The evidence behind this page</h2><ul>")
    for stem in steps:
        body.append(f'<li><a href="html/{esc(stem)}.html">{esc(NOTEBOOK_TITLES.get(stem, "Step page"))}</a></li>')
    body.append('</ul><p class="small">Machine-readable numbers: <a href="results/scorecard.csv">the scorecard '
                'table</a> and the other tables in the results folder; what the report was made from: '
                '<a href="manifest.json">the manifest</a>.</p></main>')
    html = page(cohort_name + " - pilot scorecard", "\n".join(body))
    html = html.replace('<meta charset="utf-8">', '<meta charset="utf-8">\n' + VIEWPORT, 1)
    return html.replace("</style>", EXTRA_STYLE + "</style>", 1)


def _boundaries(table: pd.DataFrame) -> str:
    """The evidence needed at each look (the interim rule's boundaries), as a small table."""
    rows = ['<h2>The evidence needed at each look</h2><div class="scroll"><table><tr><th>Look</th>'
            "<th>Share of the information in</th><th>Stop for harm if the chance of a rise this large by "
            "chance alone is below</th><th>Adjust coaching if an early signal's chance of meeting its target "
            "is below</th></tr>"]
    for _, b in table.iterrows():
        def pct(v: object) -> str:
            try:
                x = float(v)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                return "–"
            return "–" if not np.isfinite(x) else (f"{100 * x:.2g}%" if x < 0.01 else f"{100 * x:.1f}%")
        rows.append(f"<tr><td>{int(b['look'])}</td><td>{pct(b.get('information_fraction'))}</td>"
                    f"<td>{pct(b.get('harm_p_threshold'))}</td><td>{pct(b.get('adjust_p_threshold'))}</td></tr>")
    rows.append("</table></div>")
    return "".join(rows)


TWELVE_MONTH_LABELS = {"pulse": "Team pulse (scale points)", "behaviour_index": "Observed behaviours (share shown)",
                       "voluntary_attrition": "Voluntary exits per 100 members per 90 days",
                       "hr_incidents": "HR incidents per 100 members per 90 days",
                       "escalations": "Escalations per 100 members per 90 days"}


def twelve_month_block(view: pd.DataFrame | None, sentence: str) -> str:
    """The 12-month view as a section: early signals (months 2-4) beside later outcomes (months 9-12), per arm.

    ``view`` is :func:`pilot_eval.measures.timecourse.twelve_month_view` (cells of small groups already
    emptied); without rows only ``sentence`` (when it will be shown) is given.
    """
    out = [f'<section class="twelve"><h2>The 12-month view</h2><p>{esc(sentence)}</p>']
    if view is not None and len(view):
        arms = [a for a in ("pilot", "comparison") if (view["arm"] == a).any()]
        out.append('<div class="scroll"><table><tr><th>Indicator</th><th>Months</th>'
                   + "".join(f"<th>{esc(a.capitalize())} leaders</th>" for a in arms) + "</tr>")
        for (name, months), g in view.groupby(["indicator", "months"], sort=False):
            cells = []
            for a in arms:
                r = g[g["arm"] == a]
                if not len(r) or not np.isfinite(float(r["value"].iloc[0])):
                    cells.append("<td>not shown (small group or no data)</td>")
                else:
                    cells.append(f"<td>{float(r['value'].iloc[0]):.2f} ({int(r['n_leaders'].iloc[0])} leaders)</td>")
            out.append(f"<tr><td>{esc(TWELVE_MONTH_LABELS.get(str(name), str(name)))}</td><td>{esc(str(months))}</td>"
                       + "".join(cells) + "</tr>")
        out.append("</table></div>")
    out.append("</section>")
    return "".join(out)


def write_index(out_dir: str | Path, html: str) -> Path:
    path = Path(out_dir) / "index.html"
    path.write_text(html, encoding="utf-8")
    return path


def step_stems(notebooks_dir: str | Path | None = None) -> list[str]:
    """Stems of the report's notebooks (for links), in order."""
    if notebooks_dir is None:
        notebooks_dir = default_notebooks_dir()
    return [p.stem for p in sorted(Path(notebooks_dir).glob("[0-9][0-9]_*.ipynb"))]
