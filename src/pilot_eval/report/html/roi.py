"""The "Return on investment" block of index.html: the interval and the chance of a positive return,
in plain words, or what to supply when the costs are missing."""

from __future__ import annotations

import pandas as pd

from pilot_eval.privacy import escape_html as esc
from pilot_eval.steps.roi import MEASURE_LABELS, RULES, RoiResult, not_monetised_text, summary_sentence

ROI_CSS = (
    ".roi{border:1px solid #d9e2ec;border-radius:8px;padding:.6rem 1rem;margin:1rem 0;break-inside:avoid;"
    "page-break-inside:avoid}.roi table{border-collapse:collapse;font-size:.9rem}"
    ".roi td,.roi th{padding:.2rem .6rem;border-bottom:1px solid #eef2f6;text-align:left}"
    ".roi td.num{text-align:right;font-variant-numeric:tabular-nums}"
)


def _money(x: float) -> str:
    if pd.isna(x):
        return "–"
    return f"{x:,.0f}"


def _value(measure: str, x: float) -> str:
    if pd.isna(x):
        return "–"
    if measure == "roi_pct":
        return f"{x:+,.0f}%"
    if measure == "benefit_cost_ratio":
        return f"{x:.2f}"
    return _money(x)


def roi_block(res: RoiResult, step_href: str | None = None, not_yet: str = "") -> str:
    """HTML of the ROI block (all text escaped).

    ``not_yet``: at an interim look, the sentence saying from when the return can be measured
    (:func:`pilot_eval.steps.decision.scorecard.roi_not_yet`); then no number is shown.
    """
    if not_yet:
        return (f"<style>{ROI_CSS}</style>" + '<section class="roi"><h2>Return on investment</h2>'
                f"<p>{esc(not_yet)}</p></section>")
    parts = [f"<style>{ROI_CSS}</style>", '<section class="roi"><h2>Return on investment</h2>',
             f"<p>{esc(summary_sentence(res))}</p>"]
    if res.computed:
        rows = []
        for scope, g in res.table.groupby("scope", sort=False):
            t = g.set_index("measure")
            for m in ("benefit", "cost", "net_benefit", "benefit_cost_ratio", "roi_pct"):
                num = t[["ci_low", "ci_high", "estimate"]].to_numpy(dtype=float)[list(t.index).index(m)]
                lo, hi, est = float(num[0]), float(num[1]), float(num[2])
                band = "" if pd.isna(lo) else f"{_value(m, lo)} to {_value(m, hi)}"
                rows.append(f"<tr><td>{esc(scope)}</td><td>{esc(MEASURE_LABELS[m])}</td>"
                            f"<td class=\"num\">{esc(_value(m, est))}</td><td class=\"num\">{esc(band)}</td></tr>")
        parts.append("<div class=\"scroll\" style=\"overflow-x:auto;max-width:100%\"><table><thead><tr><th>scope</th><th>measure</th><th>estimate</th><th>95% interval</th></tr>"
                     f"</thead><tbody>{''.join(rows)}</tbody></table></div>")
        parts.append("<p>How it is computed, conservatively: " + esc(" ".join(RULES[:5])) + "</p>")
    parts.append("<ul>" + "".join(f"<li>{esc(line.lstrip('- '))}</li>" for line in not_monetised_text(res).splitlines())
                 + "</ul>")
    if step_href:
        parts.append(f'<p><a href="{esc(step_href)}">How this was computed: the scorecard step</a></p>')
    parts.append("</section>")
    return "".join(parts)
