"""``report --pdf``: index.html and the step pages as one PDF (issue 15, item 2).

Reference: poppler's ``pdfinfo`` (page count) and ``pdftotext`` (text of page 1),
an implementation independent of WeasyPrint.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from pilot_eval.report.pdf import report_pages, write_pdf

pytestmark = pytest.mark.slow


@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="poppler-utils not installed (.ci/run installs it)")
def test_pdf_has_every_page_in_reading_order(built_report, tmp_path):
    _, out, _ = built_report
    pages = report_pages(out)
    assert pages[0].name == "index.html"
    assert [p.name for p in pages[1:]] == sorted(p.name for p in (out / "html").glob("*.html"))
    pdf = write_pdf(out, tmp_path / "r.pdf")
    assert pdf.read_bytes().startswith(b"%PDF-")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    n_pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert n_pages >= len(pages)
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout
    assert "Recommendation" in first or "recommendation" in first.lower()
