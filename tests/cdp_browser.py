"""Drive Debian's headless Chromium over the DevTools protocol (loopback only).

Used by the browser tests: :func:`chromium` starts one browser (background
networking off, its own throw-away profile) and yields a :class:`Browser`
that opens ``file://`` pages, records every request a page makes, emulates a
window width, evaluates a DOM probe, takes screenshots and prints to PDF.
:func:`open_page` is the one-page shortcut.  Needs ``/usr/bin/chromium``
and the ``websocket-client`` package.
"""

from __future__ import annotations

import base64
import contextlib
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator

CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--window-size=1280,2400",
]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Browser:
    """One page target of a running Chromium, driven over its DevTools websocket."""

    def __init__(self, ws: Any, timeout: float):
        self.ws = ws
        self.timeout = timeout
        self.requests: list[str] = []
        self._ids = iter(range(1, 1_000_000))

    def _note(self, msg: dict) -> None:
        if msg.get("method") == "Network.requestWillBeSent":
            self.requests.append(msg["params"]["request"]["url"])

    def call(self, method: str, **params: Any) -> dict:
        mid = next(self._ids)
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            self._note(msg)
            if msg.get("id") == mid:
                return msg.get("result", {})

    def set_width(self, width: int, height: int = 900, mobile: bool = False) -> None:
        """Emulate a window ``width`` x ``height`` CSS pixels (a phone with ``mobile=True``)."""
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                  mobile=mobile)

    def open(self, url: str) -> bool:
        """Navigate to ``url`` and wait for its load event; True when it fired in time."""
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv())
            self._note(msg)
            if msg.get("method") == "Page.loadEventFired":
                return True
        return False

    def evaluate(self, js: str) -> Any:
        return self.call("Runtime.evaluate", expression=js, returnByValue=True)["result"].get("value")

    def screenshot(self, path: Path) -> None:
        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        path.write_bytes(base64.b64decode(shot["data"]))

    def print_pdf(self, path: Path) -> None:
        out = self.call("Page.printToPDF", printBackground=False, paperWidth=8.27, paperHeight=11.69)
        path.write_bytes(base64.b64decode(out["data"]))


@contextlib.contextmanager
def chromium(timeout: float = 60.0) -> Iterator[Browser]:
    """Start headless Chromium (loopback DevTools, no background networking); stop it afterwards."""
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
        try:
            browser = Browser(ws, timeout)
            browser.call("Network.enable")
            browser.call("Page.enable")
            yield browser
        finally:
            ws.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(profile, ignore_errors=True)


def open_page(url: str, probe_js: str, screenshot: Path | None = None, timeout: float = 60.0) -> dict:
    """Load ``url``; return {"requests": [...], "probe": <probe_js result>, "loaded": bool}."""
    with chromium(timeout) as browser:
        loaded = browser.open(url)
        probe = browser.evaluate(probe_js)
        if screenshot is not None:
            browser.screenshot(screenshot)
        return {"requests": list(browser.requests), "probe": probe, "loaded": loaded}
