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
