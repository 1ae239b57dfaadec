"""``pilot-eval report ... --pdf``: one board-ready PDF of index.html and the step pages.

Made offline with WeasyPrint (HTML and CSS to PDF, no browser, no network):
the pages are already self-contained (inline SVG charts, no scripts), so the
PDF shows what the browser shows.  A print stylesheet is added on top: A4
pages, no panel, table or chart split across a page break, links kept.

References
----------
WeasyPrint documentation, "Tutorial" and "API reference" (``HTML.render``,
``Document.copy``, ``Document.write_pdf``).
"""

from __future__ import annotations

from pathlib import Path

#: File name of the PDF inside the report folder.
PDF_NAME = "report.pdf"

PRINT_CSS = """
@page { size: A4; margin: 14mm 12mm 16mm 12mm;
        @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; color: #52606d; } }
html { font-size: 10pt; }
body { max-width: none !important; margin: 0 !important; }
.panel, .indicator, .card, section, figure, table, img, svg, .jp-OutputArea-output, .jp-RenderedImage,
.jp-Cell-outputWrapper { break-inside: avoid; page-break-inside: avoid; }
h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
table { font-size: 8pt; max-width: 100%; }
img, svg { max-width: 100% !important; height: auto; }
pre { white-space: pre-wrap; word-break: break-word; }
a { color: inherit; }
"""


def report_pages(report_dir: str | Path) -> list[Path]:
    """The pages of a report in reading order: index.html, then each step page."""
    report_dir = Path(report_dir)
    pages = [report_dir / "index.html"]
    pages += sorted((report_dir / "html").glob("[0-9][0-9]_*.html"))
    return [p for p in pages if p.is_file()]


def write_pdf(report_dir: str | Path, out: str | Path | None = None) -> Path:
    """Render the report's pages into one PDF (default: ``REPORT_DIR/report.pdf``).

    Parameters
    ----------
    report_dir
        A report folder (or the folder being built).
    out
        Where to write the PDF.

    Returns
    -------
    Path
        The PDF written.
    """
    import logging

    from weasyprint import CSS, HTML

    # WeasyPrint logs every CSS property it does not support (JupyterLab's theme has many)
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    report_dir = Path(report_dir)
    out = Path(out) if out is not None else report_dir / PDF_NAME
    sheet = CSS(string=PRINT_CSS)
    docs = [HTML(filename=str(p), base_url=str(p.parent)).render(stylesheets=[sheet])
            for p in report_pages(report_dir)]
    if not docs:
        raise FileNotFoundError(f"no report pages in {report_dir}")
    pages = [page for doc in docs for page in doc.pages]
    docs[0].copy(pages).write_pdf(str(out))
    return out
