"""The executive page in a real browser: headless Chromium, no network (issue: scorecard).

Chromium (Debian's ``chromium``) opens ``index.html`` from disk with background
networking off; the test records every request the page makes over the
DevTools protocol and checks that all are ``file:`` or ``data:`` URLs, that
the three panels rendered with their indicators, bands and trend lines, and
takes a screenshot.  ``.ci/run`` installs chromium; locally the test skips
without it, in CI (``CI`` set) it fails instead.
"""

from __future__ import annotations

import os
import struct

import pytest

from cdp_browser import chromium_path, open_page

pytestmark = pytest.mark.slow

PROBE = """JSON.stringify({
  panels: Array.from(document.querySelectorAll('.panel h2')).map(e => e.textContent),
  indicators: document.querySelectorAll('.ind').length,
  badges: Array.from(document.querySelectorAll('.badge')).map(e => e.textContent),
  bands: document.querySelectorAll('.ind svg circle').length,
  trends: document.querySelectorAll('.ind polyline').length,
  recommendation: (document.querySelector('.rec h2') || {}).textContent || '',
  scripts: document.querySelectorAll('script').length,
  width: document.documentElement.scrollWidth,
  height: document.documentElement.scrollHeight
})"""


@pytest.fixture(scope="module")
def page(built_report, tmp_path_factory):
    if chromium_path() is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run must install it (apt-get install chromium)")
        pytest.skip("chromium not installed")
    _, out, _ = built_report
    shot = tmp_path_factory.mktemp("shot") / "index.png"
    res = open_page((out / "index.html").resolve().as_uri(), PROBE, screenshot=shot)
    return res, shot


def test_no_external_request(page):
    res, _ = page
    assert res["loaded"]
    external = [u for u in res["requests"] if not u.startswith(("file:", "data:", "about:"))]
    assert external == []


def test_three_panels_with_statuses_bands_and_trends(page):
    import json

    res, _ = page
    probe = json.loads(res["probe"])
    assert probe["panels"] == ["People Health", "Behaviour Change", "Risk"]
    assert probe["indicators"] == 8
    assert set(probe["badges"]) <= {"on track", "at risk", "off track", "no data"}
    assert probe["bands"] >= 6
    assert probe["trends"] >= 2
    assert probe["recommendation"].startswith("Recommendation:")
    assert probe["scripts"] == 0


def test_screenshot_is_a_real_image(page):
    _, shot = page
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width >= 1000 and height >= 1000


# ---------------------------------------------------------------------------
# issue 11: a page for executives (phone width, plain words, print)
# ---------------------------------------------------------------------------
PHONE_PROBE = """JSON.stringify({
  width: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,
  text: document.body.innerText,
  summary: document.querySelectorAll('.summary p').length,
  rule: document.querySelectorAll('.rule li').length,
  steplinks: Array.from(document.querySelectorAll('.ind a')).map(a => a.getAttribute('href')),
  viewport: (document.querySelector('meta[name=viewport]') || {}).content || ''
})"""


@pytest.fixture(scope="module")
def phone(built_report, tmp_path_factory):
    if chromium_path() is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run must install it (apt-get install chromium)")
        pytest.skip("chromium not installed")
    from decision_browser import render

    _, out, _ = built_report
    pdf = tmp_path_factory.mktemp("pdf") / "index.pdf"
    res = render((out / "index.html").resolve().as_uri(), PHONE_PROBE, width=390, pdf=pdf)
    return res, pdf, out


def test_phone_width_does_not_scroll_sideways_and_speaks_plainly(phone):
    import json
    import re

    res, _, out = phone
    probe = json.loads(res["probe"])
    assert "width=device-width" in probe["viewport"]
    assert probe["width"] <= probe["client"] == 390
    text = probe["text"]
    assert not re.findall(r"\b[a-z0-9]+_[a-z0-9_]+\b", text), "snake_case identifier on the page"
    assert not re.search(r"\bnan\b", text, flags=re.I)
    assert 3 <= probe["summary"] <= 5  # four sentences (+ the error-rate sentence)
    assert probe["rule"] >= 4  # the decision rule, in words
    assert len(probe["steplinks"]) == 8 and all(h.startswith("html/") for h in probe["steplinks"])
    for href in set(probe["steplinks"]):
        assert (out / href).is_file(), href


def test_printed_page_splits_no_panel(phone):
    """Printed to PDF (A4): each panel's title and its last indicator's step link are on one page."""
    import shutil
    import subprocess

    _, pdf, _ = phone
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = text.split("\f")
    for panel in ("People Health", "Behaviour Change", "Risk"):
        where = [i for i, p in enumerate(pages) if any(line.strip() == panel for line in p.splitlines())]
        assert len(where) == 1, (panel, where)
        page = pages[where[0]]
        after = page[page.index(panel):]
        # the panel's indicators: 2 for People Health and Behaviour Change, 4 for Risk
        need = 4 if panel == "Risk" else 2
        assert after.count("How this was computed") >= need, panel
