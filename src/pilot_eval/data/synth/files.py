"""Writing a cohort folder: cohort.toml, refusing foreign folders, installing the files at once."""

from __future__ import annotations

import json
import os
from pathlib import Path

from pilot_eval.data.config import CohortConfig
from pilot_eval.data.synth.params import _OTHER_FILES, GENERATOR, KEPT_FILES, TABLES


# --------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------
def _cohort_toml(cfg: CohortConfig) -> str:
    def num(x: float) -> str:
        return str(int(x)) if float(x).is_integer() else repr(float(x))

    lines = [
        f'name = "{cfg.name}"',
        f"pilot_start = {cfg.pilot_start.isoformat()}",
        f"pilot_days = {cfg.pilot_days}",
        f"follow_up_days = {cfg.follow_up_days}",
        f"scale_min = {cfg.scale_min}",
        f"scale_max = {cfg.scale_max}",
        f"min_group_size = {cfg.min_group_size}",
        f"min_raters_per_category = {cfg.min_raters_per_category}",
        "",
        "[targets]",
        *(f"{k} = {num(v)}" for k, v in cfg.targets.items()),
    ]
    return "\n".join(lines) + "\n"


def _synth_names() -> set[str]:
    """Every file name the generator may have written into a cohort folder."""
    return {f"{t}.{ext}" for t in TABLES for ext in ("csv", "parquet")} | set(_OTHER_FILES)


def _is_previous_output(folder: Path) -> bool:
    """True if ``folder`` holds only an earlier synth output (plus kept files)."""
    names = _synth_names()
    entries = [e for e in folder.iterdir() if e.name not in KEPT_FILES]
    if any(not e.is_file() or e.name not in names for e in entries):
        return False
    truth = folder / "truth.json"
    if not truth.is_file():
        return False
    try:
        return json.loads(truth.read_text(encoding="utf-8")).get("generator") == GENERATOR
    except (ValueError, OSError, AttributeError):
        return False


def _prepare_out_dir(out: Path) -> None:
    if out.exists():
        if not out.is_dir():
            raise FileExistsError(f"{out} exists and is not a folder")
        others = [e for e in out.iterdir() if e.name not in KEPT_FILES]
        if others and not _is_previous_output(out):
            raise FileExistsError(
                f"{out} is not empty and is not an earlier output of {GENERATOR}; "
                "refusing to write into it")
    out.parent.mkdir(parents=True, exist_ok=True)


def _install(tmp: Path, out: Path) -> None:
    """Move the finished files of ``tmp`` into ``out``.

    Stale synth files of an earlier run (e.g. the other file format) are
    removed; files in :data:`KEPT_FILES` are left untouched.
    """
    if not out.exists():
        os.replace(tmp, out)
        return
    new = {e.name for e in tmp.iterdir()}
    for entry in out.iterdir():
        if entry.name in _synth_names() and entry.name not in new:
            entry.unlink()
    for name in sorted(new):
        os.replace(tmp / name, out / name)
    tmp.rmdir()
