"""Headless Chromium at a phone's width, and printed to PDF (for tests/test_index_browser.py).

Uses the launcher of ``tests/cdp_browser.py`` (DevTools protocol over loopback, background
networking off), with device-metrics emulation and ``Page.printToPDF``.
"""

from __future__ import annotations

from pathlib import Path

from cdp_browser import chromium


def render(url: str, probe_js: str, width: int = 390, height: int = 844, pdf: Path | None = None,
           screenshot: Path | None = None, timeout: float = 60.0) -> dict:
    """Open ``url`` at ``width`` x ``height`` CSS pixels; evaluate ``probe_js``; optionally print to PDF."""
    with chromium(timeout) as browser:
        browser.set_width(width, height, mobile=True)
        loaded = browser.open(url)
        probe = browser.evaluate(probe_js)
        if screenshot is not None:
            browser.screenshot(screenshot)
        if pdf is not None:
            browser.print_pdf(pdf)
        return {"probe": probe, "loaded": loaded}
