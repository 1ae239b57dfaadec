"""Drive Debian's headless Chromium over the DevTools protocol (loopback only).

Used by the browser test: open a file:// page with background networking
off, record every request the page makes, evaluate a DOM probe and take a
screenshot.  Needs ``/usr/bin/chromium`` and the ``websocket-client`` package.
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

CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--window-size=1280,2400",
]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def open_page(url: str, probe_js: str, screenshot: Path | None = None, timeout: float = 60.0) -> dict:
    """Load ``url``; return {"requests": [...], "probe": <probe_js result>}."""
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
        next_id = iter(range(1, 10_000))
        requests: list[str] = []

        def call(method: str, **params) -> dict:
            mid = next(next_id)
            ws.send(json.dumps({"id": mid, "method": method, "params": params}))
            while True:
                msg = json.loads(ws.recv())
                if msg.get("method") == "Network.requestWillBeSent":
                    requests.append(msg["params"]["request"]["url"])
                if msg.get("id") == mid:
                    return msg.get("result", {})

        call("Network.enable")
        call("Page.enable")
        call("Page.navigate", url=url)
        loaded = False
        while not loaded and time.monotonic() < deadline:
            msg = json.loads(ws.recv())
            if msg.get("method") == "Network.requestWillBeSent":
                requests.append(msg["params"]["request"]["url"])
            loaded = msg.get("method") == "Page.loadEventFired"
        probe = call("Runtime.evaluate", expression=probe_js, returnByValue=True)["result"].get("value")
        if screenshot is not None:
            shot = call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
            screenshot.write_bytes(base64.b64decode(shot["data"]))
        ws.close()
        return {"requests": requests, "probe": probe, "loaded": loaded}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(profile, ignore_errors=True)
