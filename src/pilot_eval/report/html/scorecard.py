"""The report's ``index.html``: the executive balanced scorecard as one page.

Self-contained: inline CSS and hand-drawn inline SVG (confidence bands and
monthly sparklines), no scripts, no fonts or images from the network, so it
opens offline on a locked-down machine.  Every piece of user-supplied text
(cohort name, method notes) goes through :func:`pilot_eval.privacy.escape_html`.
No employee or rater IDs appear; teams flagged by the early-warning rule are
named by their pseudonymous leader ID only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from pilot_eval.report.notebooks import default_notebooks_dir
from pilot_eval.report.html.index import NOTEBOOK_TITLES, STYLE, page
from pilot_eval.privacy import escape_html as esc
from pilot_eval.steps.decision.scorecard import AT_RISK, NO_DATA, OFF_TRACK, ON_TRACK, PANELS, Recommendation

STATUS_COLOUR = {ON_TRACK: "#1a7f37", AT_RISK: "#b7791f", OFF_TRACK: "#c53030", NO_DATA: "#718096"}
DECISION_COLOUR = {"scale": "#1a7f37", "iterate": "#b7791f", "stop": "#c53030"}

EXTRA_STYLE = """
.panels{display:grid;grid-template-columns:repeat(auto-fit,minmax(19rem,1fr));gap:1rem}
.panel{border:1px solid #d9e2ec;border-radius:8px;padding:.6rem 1rem 1rem;background:#fff}
.panel h2{font-size:1.15rem;margin:.3rem 0 .6rem}
.ind{border-top:1px solid #eef2f7;padding:.55rem 0}
.ind .name{font-weight:600}.ind .meta{color:#52606d;font-size:.8rem}
.val{font-size:1.35rem;font-weight:700}.tgt{color:#52606d;font-size:.9rem}
.badge{display:inline-block;border-radius:999px;padding:.05rem .55rem;color:#fff;font-size:.8rem;font-weight:600}
.rec{border-radius:8px;padding:.8rem 1.2rem;color:#fff;margin:1rem 0}
.rec h2{margin:.1rem 0 .4rem;font-size:1.3rem}.rec ul{margin:.2rem 0 .2rem 1rem;padding:0}
.small{font-size:.85rem;color:#52606d}
main{max-width:72rem}
"""


def _fmt(value: float, unit: str) -> str:
    if not np.isfinite(value):
        return "n/a"
    if unit == "%":
        return f"{value:+.1f}%"
    if unit == "ratio":
        return f"{value:.2f}"
    return f"{value:+.3f}"


def band_svg(value: float, lo: float, hi: float, target: float, unit: str, width: int = 220) -> str:
    """A horizontal confidence band with the estimate (dot), target (line) and zero (grey)."""
    if not np.all(np.isfinite([value, lo, hi])):
        return ""
    pts = [lo, hi, target, value] + ([0.0] if unit != "ratio" else [])
    a, b = min(pts), max(pts)
    pad = (b - a) * 0.1 or 1.0
    a, b = a - pad, b + pad
    x = lambda v: 10 + (width - 20) * (v - a) / (b - a)  # noqa: E731
    parts = [f'<svg width="{width}" height="26" viewBox="0 0 {width} 26" role="img" '
             f'aria-label="estimate {esc(_fmt(value, unit))}, band {esc(_fmt(lo, unit))} to {esc(_fmt(hi, unit))}, '
             f'target {esc(_fmt(target, unit))}">']
    parts.append(f'<line x1="10" y1="13" x2="{width - 10}" y2="13" stroke="#e2e8f0" stroke-width="2"/>')
    if unit != "ratio":
        parts.append(f'<line x1="{x(0):.1f}" y1="5" x2="{x(0):.1f}" y2="21" stroke="#a0aec0" stroke-width="1"/>')
    parts.append(f'<rect x="{x(lo):.1f}" y="8" width="{max(x(hi) - x(lo), 1):.1f}" height="10" rx="3" fill="#90cdf4"/>')
    parts.append(f'<line x1="{x(target):.1f}" y1="2" x2="{x(target):.1f}" y2="24" stroke="#2d3748" stroke-width="2" '
                 'stroke-dasharray="3,2"/>')
    parts.append(f'<circle cx="{x(value):.1f}" cy="13" r="4.5" fill="#1a365d"/>')
    parts.append("</svg>")
    return "".join(parts)


def sparkline_svg(trend: pd.DataFrame, width: int = 220, height: int = 44) -> str:
    """Monthly trend by arm (pilot solid, comparison dashed); month 0 marked."""
    if trend is None or trend.empty:
        return '<span class="small">no monthly trend</span>'
    months = sorted(trend["month"].unique())
    lo, hi = float(trend["value"].min()), float(trend["value"].max())
    span = (hi - lo) or 1.0
    x = lambda m: 6 + (width - 12) * (months.index(m) / max(len(months) - 1, 1))  # noqa: E731
    y = lambda v: height - 6 - (height - 12) * (v - lo) / span  # noqa: E731
    parts = [f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
             'aria-label="monthly trend, pilot and comparison">']
    if 0 in months:
        parts.append(f'<line x1="{x(0):.1f}" y1="2" x2="{x(0):.1f}" y2="{height - 2}" stroke="#cbd5e0"/>')
    for arm, style in (("comparison", 'stroke="#ed8936" stroke-dasharray="4,3"'), ("pilot", 'stroke="#2b6cb0"')):
        sub = trend[trend["arm"] == arm].sort_values("month")
        if len(sub) < 2:
            continue
        pts = " ".join(f"{x(m):.1f},{y(v):.1f}" for m, v in zip(sub["month"], sub["value"]))
        parts.append(f'<polyline fill="none" stroke-width="2" {style} points="{pts}"/>')
    parts.append("</svg>")
    return "".join(parts)


def render(
    cohort_name: str,
    subtitle: str,
    scorecard: pd.DataFrame,
    recommendation: Recommendation,
    trends: pd.DataFrame,
    warnings: pd.DataFrame,
    notes: Iterable[str],
    steps: Iterable[str],
) -> str:
    """HTML of the executive scorecard page."""
    body = [f"<main><h1>{esc(cohort_name)}</h1><p class=\"sub\">{esc(subtitle)}</p>"]
    colour = DECISION_COLOUR.get(recommendation.decision, "#4a5568")
    body.append(f'<section class="rec" style="background:{colour}"><h2>Recommendation: '
                f'{esc(recommendation.decision.upper())}</h2><p>{esc(recommendation.headline)}</p><ul>'
                + "".join(f"<li>{esc(r)}</li>" for r in recommendation.reasons) + "</ul></section>")
    body.append('<div class="panels">')
    for panel in PANELS:
        body.append(f'<section class="panel"><h2>{esc(panel)}</h2>')
        for _, r in scorecard[scorecard["panel"] == panel].iterrows():
            st = r["status"]
            trend = trends[trends["indicator"] == r["indicator"]] if trends is not None else None
            ci = (f"95% band {_fmt(r['ci_low'], r['unit'])} to {_fmt(r['ci_high'], r['unit'])}"
                  if np.isfinite(r["ci_low"]) else "no band")
            n = int(r["n"]) if np.isfinite(r["n"]) else 0
            body.append(
                f'<div class="ind"><div class="name">{esc(r["label"])}</div>'
                f'<span class="val">{esc(_fmt(r["value"], r["unit"]))}</span> '
                f'<span class="tgt">target {esc(_fmt(r["target"], r["unit"]) if r["unit"] != "ratio" else "≥ " + _fmt(r["target"], r["unit"]))}</span> '
                f'<span class="badge" style="background:{STATUS_COLOUR.get(st, "#718096")}">{esc(st)}</span>'
                f'<div>{band_svg(r["value"], r["ci_low"], r["ci_high"], r["target"], r["unit"])}</div>'
                f'<div class="meta">{esc(ci)} · n = {n} · confidence {esc(r["confidence_label"])} '
                f'({r["confidence"]:.2f}) · {esc(r["kind"])}, {esc(r["cadence"])} · {esc(r["period"])}</div>'
                f'<div>{sparkline_svg(trend) if trend is not None and len(trend) else ""}</div>'
                f'<div class="meta">{esc(r["method"])}</div></div>')
        body.append("</section>")
    body.append("</div>")
    body.append("<h2>Early warnings: teams whose pulse is falling</h2>")
    if warnings is None or warnings.empty:
        body.append("<p>No team's pulse crossed its control limit (EWMA rule; teams of at least "
                    "<code>min_group_size</code> respondents only).</p>")
    else:
        body.append("<table><tr><th>Team (leader)</th><th>Arm</th><th>First month flagged</th><th>Pulse</th>"
                    "<th>Team's pre-pilot level</th><th>Respondents</th></tr>")
        for _, w in warnings.iterrows():
            body.append(f"<tr><td>{esc(w['leader_id'])}</td><td>{esc(w['arm'])}</td><td>{int(w['month'])}</td>"
                        f"<td>{w['pulse']:.2f}</td><td>{w['baseline']:.2f}</td><td>{int(w['n_respondents'])}</td></tr>")
        body.append("</table>")
    body.append("<h2>How to read this page</h2><ul class=\"small\">"
                "<li><b>Status</b>: <i>on track</i> - the estimate meets its target and the 95% band shows a real "
                "improvement; <i>off track</i> - even the best end of the band misses the target; <i>at risk</i> - "
                "the data cannot tell yet.</li>"
                "<li><b>Band</b>: blue bar = 95% confidence band, dot = estimate, dashed line = target, grey line = no change.</li>"
                "<li><b>Confidence</b>: mean of data completeness, rater adequacy and measured reliability (0-1).</li>"
                "<li><b>Leading</b> indicators move first (monthly); <b>lagging</b> ones confirm the return later (quarterly).</li>"
                "<li>Trend lines: pilot (blue) and comparison (orange, dashed) by month; the vertical line is the pilot start.</li>"
                "</ul>")
    notes = list(notes)
    if notes:
        body.append("<h2>Notes on the data</h2><ul class=\"small\">" + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul>")
    body.append("<h2>The evidence behind this page</h2><ul>")
    for stem in steps:
        body.append(f'<li><a href="html/{esc(stem)}.html">{esc(NOTEBOOK_TITLES.get(stem, stem))}</a></li>')
    body.append('</ul><p class="small">Machine-readable numbers: <a href="results/scorecard.csv">results/scorecard.csv</a> '
                'and the other files in <code>results/</code>; provenance in <a href="manifest.json">manifest.json</a>.</p></main>')
    html = page(cohort_name + " - pilot scorecard", "\n".join(body))
    return html.replace("</style>", EXTRA_STYLE + "</style>", 1)


def write_index(out_dir: str | Path, html: str) -> Path:
    path = Path(out_dir) / "index.html"
    path.write_text(html, encoding="utf-8")
    return path


def step_stems(notebooks_dir: str | Path | None = None) -> list[str]:
    """Stems of the report's notebooks (for links), in order."""
    if notebooks_dir is None:
        notebooks_dir = default_notebooks_dir()
    return [p.stem for p in sorted(Path(notebooks_dir).glob("[0-9][0-9]_*.ipynb"))]
