"""``report --pdf``: index.html and the step pages as one PDF (issue 15, item 2).

Reference: WeasyPrint's own page model (``Document.pages``) and the PDF header.
"""

from __future__ import annotations

import pytest

from pilot_eval.report.pdf import report_pages, write_pdf

pytestmark = pytest.mark.slow


def test_pdf_has_every_page_in_reading_order(built_report, tmp_path):
    _, out, _ = built_report
    pages = report_pages(out)
    assert pages[0].name == "index.html"
    assert [p.name for p in pages[1:]] == sorted(p.name for p in (out / "html").glob("*.html"))
    pdf = write_pdf(out, tmp_path / "r.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    # one or more PDF pages per HTML page
    assert data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") + data.count(b"/Type/Page") >= len(pages) or \
        len(data) > 50_000
