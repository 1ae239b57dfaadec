"""Headless Chromium at a phone's width, and printed to PDF (for tests/test_index_browser.py).

Same approach as ``tests/cdp_browser.py`` (DevTools protocol over loopback, background
networking off), plus device-metrics emulation and ``Page.printToPDF``.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from cdp_browser import CHROMIUM_FLAGS, chromium_path


def render(url: str, probe_js: str, width: int = 390, height: int = 844, pdf: Path | None = None,
           screenshot: Path | None = None, timeout: float = 60.0) -> dict:
    """Open ``url`` at ``width`` x ``height`` CSS pixels; evaluate ``probe_js``; optionally print to PDF."""
    import websocket  # websocket-client

    exe = chromium_path()
    if exe is None:
        raise FileNotFoundError("chromium not found")
    profile = Path(tempfile.mkdtemp(prefix="pilot-eval-chromium-"))
    proc = subprocess.Popen([exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
                             "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while not port_file.exists() or not port_file.read_text().strip():
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("chromium did not start")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10).read())
        page = next(t for t in targets if t.get("type") == "page")
        ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=timeout, suppress_origin=True)
        ids = iter(range(1, 10_000))

        def call(method: str, **params) -> dict:
            mid = next(ids)
            ws.send(json.dumps({"id": mid, "method": method, "params": params}))
            while True:
                msg = json.loads(ws.recv())
                if msg.get("id") == mid:
                    return msg.get("result", {})

        call("Page.enable")
        call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=True)
        call("Page.navigate", url=url)
        loaded = False
        while not loaded and time.monotonic() < deadline:
            loaded = json.loads(ws.recv()).get("method") == "Page.loadEventFired"
        probe = call("Runtime.evaluate", expression=probe_js, returnByValue=True)["result"].get("value")
        if screenshot is not None:
            shot = call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
            screenshot.write_bytes(base64.b64decode(shot["data"]))
        if pdf is not None:
            out = call("Page.printToPDF", printBackground=False, paperWidth=8.27, paperHeight=11.69)
            pdf.write_bytes(base64.b64decode(out["data"]))
        ws.close()
        return {"probe": probe, "loaded": loaded}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(profile, ignore_errors=True)
