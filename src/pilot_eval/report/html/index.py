"""The report's ``index.html``: one self-contained page, no scripts, no network.

For now a plain index of what the report holds; the scorecard notebook turns
it into the executive balanced scorecard.  All user-supplied text (cohort
name, table names) is HTML-escaped.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from pilot_eval.privacy import escape_html

if TYPE_CHECKING:  # pragma: no cover
    from pilot_eval.data.cohort import Cohort
    from pilot_eval.report.notebooks import NotebookRun

STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2rem auto;max-width:60rem;color:#1f2933;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}.sub{color:#52606d;margin-top:0}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border-bottom:1px solid #d9e2ec;padding:.35rem .8rem;text-align:left}
th{background:#f0f4f8}.note{background:#fffbea;border-left:4px solid #f0b429;padding:.5rem 1rem}
"""

NOTEBOOK_TITLES = {
    "00_data_quality": "Data quality and completeness",
    "01_baseline": "Baseline and equivalence of pilot vs comparison",
    "02_reliability": "Inter-rater reliability",
    "03_controls": "Effects with role and culture controls",
    "04_leading_lagging": "Do early signals predict outcomes?",
    "05_scorecard": "Executive balanced scorecard",
}


def page(title: str, body: str) -> str:
    """A complete HTML page with the report's inline style (``title`` is escaped)."""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{escape_html(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def render_index(report_dir: Path, cohort: "Cohort", runs: Sequence["NotebookRun"]) -> str:
    """HTML of the plain report index for ``report_dir``."""
    cfg = cohort.config
    parts = [
        f"<h1>{escape_html(cfg.name)}</h1>",
        f"<p class=\"sub\">Pilot evaluation report &middot; pilot from {cfg.pilot_start.isoformat()} "
        f"for {cfg.pilot_days} days, follow-up {cfg.follow_up_days} days</p>",
    ]
    if cohort.missing_optional:
        missing = ", ".join(escape_html(t) for t in cohort.missing_optional)
        parts.append(
            f"<p class=\"note\">Optional tables not provided: {missing}. "
            "The analyses that need them were skipped; each notebook says which.</p>"
        )
    parts.append("<h2>Notebooks</h2><table><tr><th>Step</th><th>Report (no code)</th><th>Notebook</th></tr>")
    for run in runs:
        title = NOTEBOOK_TITLES.get(run.name, run.name)
        parts.append(
            f"<tr><td>{escape_html(title)}</td>"
            f"<td><a href=\"html/{escape_html(run.name)}.html\">{escape_html(run.name)}.html</a></td>"
            f"<td><a href=\"notebooks/{escape_html(run.name)}.ipynb\">{escape_html(run.name)}.ipynb</a></td></tr>"
        )
    parts.append("</table><h2>Results (CSV)</h2><ul>")
    for csv in sorted((report_dir / "results").glob("*.csv")):
        parts.append(f"<li><a href=\"results/{escape_html(csv.name)}\">{escape_html(csv.name)}</a></li>")
    parts.append("</ul><p>Provenance (inputs' sha256, parameters, package versions): "
                 "<a href=\"manifest.json\">manifest.json</a></p>")
    return page(cfg.name, "\n".join(parts))
