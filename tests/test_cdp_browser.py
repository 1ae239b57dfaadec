"""The browser harness itself: it must see a request a page makes to the network,
otherwise the scorecard's "no external request" test would prove nothing."""

from __future__ import annotations

import os

import pytest

from cdp_browser import chromium_path, open_page

pytestmark = pytest.mark.slow


def test_harness_records_external_requests(tmp_path):
    if chromium_path() is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run must install it")
        pytest.skip("chromium not installed")
    page = tmp_path / "leaky.html"
    # port 9 (discard) on loopback: nothing answers, but the request is made and recorded
    page.write_text('<html><body><p id="x">hi</p><img src="http://127.0.0.1:9/pixel.png"></body></html>')
    res = open_page(page.as_uri(), "document.getElementById('x').textContent")
    assert res["probe"] == "hi"
    assert "http://127.0.0.1:9/pixel.png" in res["requests"]
