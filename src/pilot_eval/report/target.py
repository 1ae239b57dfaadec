"""Where a report may be written: ``--out`` replaces only a pilot-eval report.

A report folder carries a marker file, :data:`MARKER`, written when the report
is built.  ``--out`` may name

* a path that does not exist yet (it is created), or
* a folder holding a pilot-eval report (it is replaced, as a whole, when the
  new report is complete).

Anything else, a file, a symbolic link, an empty or non-empty folder that is
not a report, a report folder that holds the cohort, is refused before any work
is done, with exit status 2 and nothing touched.  Reports written before the
marker existed are recognised by their ``manifest.json`` and by holding nothing
but the report layout.

Two runs to the same OUT are serialised by an exclusive lock on a sibling lock
file: the second fails at once with a clear message.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
from pathlib import Path
from typing import Iterator

from pilot_eval.errors import InputError

#: File that marks a folder as a pilot-eval report.
MARKER = ".pilot-eval-report"

#: What a report folder may hold (anything else means it is not, or no longer, only a report).
REPORT_ENTRIES: frozenset[str] = frozenset(
    {MARKER, "index.html", "manifest.json", "notebooks", "html", "results", "pdf", "report.pdf"}
)


class OutDirError(InputError):
    """``--out`` names something that is not a pilot-eval report (exit status 2)."""


def marker_text(version: str | None) -> str:
    """Content of the marker file: says what wrote the folder."""
    return json.dumps({"written_by": "pilot-eval", "kind": "report", "version": version},
                      sort_keys=True) + "\n"


def _is_marked(path: Path) -> bool:
    marker = path / MARKER
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("written_by") == "pilot-eval"


def _is_legacy_report(path: Path) -> bool:
    """A report from before the marker: a pilot-eval manifest and nothing but the report layout."""
    try:
        names = {p.name for p in path.iterdir()}
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (isinstance(manifest, dict) and "pilot_eval_version" in manifest
            and "index.html" in names and names <= REPORT_ENTRIES)


def is_report_folder(path: str | Path) -> bool:
    """True when ``path`` is a folder written by ``pilot-eval report``."""
    path = Path(path)
    if path.is_symlink() or not path.is_dir():
        return False
    return _is_marked(path) or _is_legacy_report(path)


def check_out_dir(out_dir: str | Path, data_dir: str | Path | None = None) -> Path:
    """Refuse an ``--out`` the report must not replace; return it resolved.

    Raises
    ------
    OutDirError
        When ``out_dir`` exists and is not a pilot-eval report folder, is a
        symbolic link, or contains (or is inside) the cohort folder.
    """
    raw = Path(out_dir)
    if raw.is_symlink():
        raise OutDirError(
            f"--out {raw} is a symbolic link; pilot-eval replaces only report folders it wrote. "
            "Give the real path of a new folder or of an earlier report.")
    out = raw.resolve()
    if data_dir is not None:
        data = Path(data_dir).resolve()
        if out == data or data in out.parents:
            raise OutDirError(f"--out {raw} must not be the cohort folder {data_dir} or inside it.")
        if out in data.parents:
            raise OutDirError(
                f"--out {raw} contains the cohort folder {data_dir}; writing the report there would "
                "replace your data. Choose a new folder, e.g. reports/my-pilot.")
    if not out.exists():
        return out
    if not out.is_dir():
        raise OutDirError(
            f"--out {raw} is an existing file, not a report folder; nothing was written. "
            "Choose a new folder name, e.g. reports/my-pilot.")
    if not is_report_folder(out):
        try:
            n = sum(1 for _ in out.iterdir())
        except OSError:
            n = 0
        what = "an empty folder" if n == 0 else f"a folder with {n} entries"
        raise OutDirError(
            f"--out {raw} is {what} that is not a pilot-eval report; pilot-eval only replaces "
            f"report folders it wrote (they hold a {MARKER} file). Nothing was written. "
            "Choose a new folder name, e.g. reports/my-pilot, or remove the folder yourself.")
    return out


def lock_path(out_dir: Path) -> Path:
    return out_dir.parent / f".{out_dir.name}.pilot-eval.lock"


@contextlib.contextmanager
def out_lock(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on OUT for the whole run; a second run fails at once."""
    path = lock_path(out_dir)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise OutDirError(
                    f"another pilot-eval report is being written to {out_dir} right now; "
                    "wait for it to finish or choose another --out.") from None
            raise
        # the lock file may have been removed by the run that held it: retry on a fresh one
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.close(fd)
