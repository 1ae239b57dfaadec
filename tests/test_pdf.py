"""``report --pdf``: index.html and the step pages as one PDF (issue 15, item 2).

Reference: poppler's ``pdfinfo`` (page count), ``pdftotext`` (text per page) and
``pdftoppm`` (the pages rendered to pixels), an implementation independent of
WeasyPrint.  ``make test`` renders a small report folder (three pages with a
table and an inline SVG chart); the whole shared report is rendered and each of
its pages inspected in the scenario suite (``make test-scenarios``).
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from pilot_eval.report.pdf import report_pages, write_pdf

needs_poppler = pytest.mark.skipif(
    shutil.which("pdfinfo") is None and not os.environ.get("CI"),
    reason="poppler-utils not installed (.ci/run installs it)")

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="300" height="120"><rect x="10" y="10" width="280" '
       'height="100" fill="#1f77b4"/><text x="20" y="60" fill="#fff">chart</text></svg>')


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head><body>'
            f'<nav><a href="../index.html">index</a></nav><h1>{title}</h1>{body}</body></html>')


def _n_pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def _text(pdf: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


def _render(pdf: Path, folder: Path, dpi: int = 40) -> list[np.ndarray]:
    """Every page as a grey-level array (0 black .. 255 white), rendered by pdftoppm."""
    subprocess.run(["pdftoppm", "-gray", "-r", str(dpi), str(pdf), str(folder / "p")], check=True)
    pages = []
    for path in sorted(folder.glob("p-*.pgm"), key=lambda p: int(p.stem.split("-")[-1])):
        raw = path.read_bytes()
        # binary PGM: "P5\n<w> <h>\n<max>\n" then the pixels
        parts = raw.split(maxsplit=4)
        width, height = int(parts[1]), int(parts[2])
        pages.append(np.frombuffer(parts[4][: width * height], dtype=np.uint8).reshape(height, width))
    return pages


def _look_right(pages: list[np.ndarray], margin_mm: float = 6.0) -> list[str]:
    """What looks wrong on the rendered pages: a blank page, or ink in the outer margin
    (content cut at the edge of the paper)."""
    problems = []
    for i, img in enumerate(pages, start=1):
        ink = img < 200
        if ink.mean() < 0.002:
            problems.append(f"page {i} is blank")
        edge = max(1, int(img.shape[1] * margin_mm / 210))
        if ink[:, -edge:].any() or ink[:, :edge].any():
            problems.append(f"page {i} has ink at the left or right edge of the paper")
    return problems


@pytest.fixture()
def small_report(tmp_path: Path) -> Path:
    out = tmp_path / "report"
    (out / "html").mkdir(parents=True)
    svg = "data:image/svg+xml;base64," + base64.b64encode(SVG.encode()).decode()
    rows = "".join(f"<tr><td>row {i}</td><td>{i * 1.5:.1f}</td></tr>" for i in range(12))
    (out / "index.html").write_text(_page("Recommendation: iterate", "<p>The pilot's scorecard.</p>"))
    (out / "html" / "00_data_quality.html").write_text(
        _page("Data quality", f"<table><tr><th>table</th><th>value</th></tr>{rows}</table>"))
    (out / "html" / "01_baseline.html").write_text(_page("Baseline", f'<img src="{svg}" alt="chart">'))
    (out / "html" / "notes.html").write_text(_page("Not a step page", ""))
    return out


@needs_poppler
def test_pdf_of_a_small_report_has_every_page_in_reading_order(small_report: Path, tmp_path: Path):
    pages = report_pages(small_report)
    assert [p.name for p in pages] == ["index.html", "00_data_quality.html", "01_baseline.html"]
    pdf = write_pdf(small_report, tmp_path / "r.pdf")
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert _n_pages(pdf) == 3
    assert "Recommendation: iterate" in _text(pdf, 1)
    assert "row 11" in _text(pdf, 2)  # the whole table, on one page
    assert "Baseline" in _text(pdf, 3)
    rendered = _render(pdf, tmp_path)
    assert len(rendered) == 3 and _look_right(rendered) == []
    assert (rendered[2] < 128).mean() > 0.01  # the chart (a filled rectangle) is drawn


def test_render_check_can_fail():
    white = np.full((400, 300), 255, dtype=np.uint8)
    inked = white.copy()
    inked[100:200, 50:250] = 0
    cut = inked.copy()
    cut[100:110, 290:] = 0
    assert _look_right([inked]) == []
    assert _look_right([white]) == ["page 1 is blank"]
    assert _look_right([cut]) == ["page 1 has ink at the left or right edge of the paper"]


def test_no_pages_is_an_error(tmp_path: Path):
    with pytest.raises(FileNotFoundError):
        write_pdf(tmp_path)


@pytest.mark.slow
@pytest.mark.scenario
@needs_poppler
def test_pdf_of_the_whole_report_renders_every_page(built_report, tmp_path):
    """The shared report to PDF, every page rendered by pdftoppm and inspected."""
    _, out, _ = built_report
    pages = report_pages(out)
    assert pages[0].name == "index.html"
    assert [p.name for p in pages[1:]] == sorted(p.name for p in (out / "html").glob("[0-9][0-9]_*.html"))
    pdf = write_pdf(out, tmp_path / "r.pdf")
    n_pages = _n_pages(pdf)
    assert n_pages >= len(pages)
    assert "recommendation" in _text(pdf, 1).lower()
    rendered = _render(pdf, tmp_path)
    assert len(rendered) == n_pages
    assert _look_right(rendered) == []
