"""Check ``cohort.toml``, setting overrides and ``-p`` report parameters.

Every setting a run depends on is bounded here, so that a run never starts
with values it cannot compute (a window of a billion days, a date in year 1,
a rating scale of a million points, ``n_boot = -5``).  The bounds are far
wider than any real pilot needs:

==========================  =====================================
setting                     allowed
==========================  =====================================
pilot_start                 a date in years 1900..2100
pilot_days                  1..3650 (ten years)
follow_up_days              0..3650
scale_min, scale_max        integers in -1000..1000, span 1..100
min_group_size              1..10000
min_raters_per_category     1..1000
targets.*                   finite numbers, at most 10000 in size
==========================  =====================================

``-p`` values are bounded by :data:`pilot_eval.data.params.PARAMETERS`
(:func:`pilot_eval.data.params.value_problems`); ``exclude_behaviours`` codes
must exist in ``behaviours.csv`` (checked in :mod:`.rules`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
import tomllib
from pathlib import Path
from typing import Any, Mapping

from pilot_eval.data.config import COST_KEYS, DEFAULT_TARGETS, CohortConfig
from pilot_eval.data.contract import CONFIG_FILE, CONFIG_KEYS, CONTRACT_VERSIONS
from pilot_eval.data.params import PARAMETERS, value_problems
from pilot_eval.data.validate.reading import decode_problem
from pilot_eval.data.validate.violations import OVERRIDES, Collector

#: Earliest and latest year of ``pilot_start``.
PILOT_START_YEARS: tuple[int, int] = (1900, 2100)
#: Inclusive bounds of the integer settings.
INT_BOUNDS: dict[str, tuple[int, int]] = {
    "pilot_days": (1, 3650),
    "follow_up_days": (0, 3650),
    "scale_min": (-1000, 1000),
    "scale_max": (-1000, 1000),
    "min_group_size": (1, 10_000),
    "min_raters_per_category": (1, 1000),
}
#: Largest ``scale_max - scale_min``.
MAX_SCALE_SPAN = 100
#: Largest money amount of a ``[costs]`` setting, and largest exit cost as a share of salary.
MAX_COST = 1e12
MAX_EXIT_SHARE = 20.0
#: Largest absolute value of a target.
MAX_TARGET = 10_000.0

_TOP_KEYS = {k.name: k for k in CONFIG_KEYS if not k.name.startswith(("targets.", "costs."))}
_TARGET_KEYS = {
    k.name.split(".", 1)[1]: k for k in CONFIG_KEYS if k.name.startswith("targets.")
}
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_BOUND_TEXT = {
    "pilot_days": "pilot_days must be positive (> 0) and at most 3650 days (ten years)",
    "follow_up_days": "follow_up_days must be >= 0 and at most 3650 days (ten years)",
    "scale_min": "scale_min must be in [-1000, 1000]",
    "scale_max": "scale_max must be in [-1000, 1000]",
    "min_group_size": "min_group_size must be >= 1 and at most 10000",
    "min_raters_per_category": "min_raters_per_category must be >= 1 and at most 1000",
}


def show(value: Any) -> str:
    """A setting value as text."""
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return repr(value)
    return str(value)


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def check_settings(raw: Mapping[str, Any], file: str, out: Collector,
                   ) -> tuple[dict[str, Any] | None, tuple[int, int] | None]:
    """Check a settings mapping (cohort.toml layout).

    Returns the normalized keyword arguments of :class:`CohortConfig` (``None``
    if anything is wrong) and the rating scale if that part alone is usable.
    """
    n_before = len(out.items)
    settings: dict[str, Any] = {}
    for key in raw:
        if key not in _TOP_KEYS and key not in ("targets", "costs"):
            out.add(file, key, f"unknown setting '{key}' (known: "
                    f"{', '.join(list(_TOP_KEYS) + ['[targets]', '[costs]'])})", values=(show(raw[key]),))
    for name, spec in _TOP_KEYS.items():
        if name not in raw:
            if spec.required:
                out.add(file, name, f"required setting '{name}' is missing")
            else:
                settings[name] = spec.default
            continue
        value = raw[name]
        if name == "contract_version":
            if value is None:  # an override copy of a folder that declared none
                settings[name] = None
                continue
            if _is_number(value):  # contract_version = 1.1 written without quotes
                value = str(value)
            if value not in CONTRACT_VERSIONS:
                out.add(file, name, f"contract_version must be one of "
                        f"{', '.join(repr(v) for v in CONTRACT_VERSIONS)} (or left out: the current "
                        f"version, {CONTRACT_VERSIONS[-1]})", values=(show(raw[name]),))
                continue
            settings[name] = value
            continue
        if spec.type == "str":
            if not isinstance(value, str) or not value.strip():
                out.add(file, name, f"{name} must be non-empty text", values=(show(value),))
                continue
            settings[name] = value
        elif spec.type == "date":
            date = _as_date(value)
            if date is None:
                out.add(file, name, f"{name} must be a date YYYY-MM-DD (e.g. {name} = 2026-01-05)",
                        values=(show(value),))
                continue
            low, high = PILOT_START_YEARS
            if not low <= date.year <= high:
                out.add(file, name, f"{name} must be a date in the years {low} to {high}",
                        values=(show(value),))
                continue
            settings[name] = date
        elif spec.type == "int":
            if not _is_int(value):
                out.add(file, name, f"{name} must be a whole number", values=(show(value),))
                continue
            settings[name] = value
    # value rules
    for name, (low, high) in INT_BOUNDS.items():
        if name in settings and not low <= settings[name] <= high:
            out.add(file, name, _BOUND_TEXT[name], values=(show(settings[name]),))
            del settings[name]
    scale: tuple[int, int] | None = None
    if "scale_min" in settings and "scale_max" in settings:
        low, high = settings["scale_min"], settings["scale_max"]
        if low >= high:
            out.add(file, "scale_min",
                    f"scale_min must be less than scale_max (scale_min = {low}, scale_max = {high})",
                    values=(show(low),))
        elif high - low > MAX_SCALE_SPAN:
            out.add(file, "scale_max",
                    f"the rating scale may span at most {MAX_SCALE_SPAN} points (scale_min = {low}, "
                    f"scale_max = {high})", values=(show(high),))
        else:
            scale = (low, high)
    # targets
    targets = dict(DEFAULT_TARGETS)
    raw_targets = raw.get("targets", {})
    if not isinstance(raw_targets, Mapping):
        out.add(file, "targets", "targets must be a table ([targets]) of numbers",
                values=(show(raw_targets),))
        raw_targets = {}
    for key, value in raw_targets.items():
        qualified = f"targets.{key}"
        if key not in _TARGET_KEYS:
            out.add(file, qualified, f"unknown target '{key}' (known: {', '.join(_TARGET_KEYS)})",
                    values=(show(value),))
        elif not _is_number(value):
            out.add(file, qualified, f"{qualified} must be a number (finite)", values=(show(value),))
        elif key == "leaders_improved_pct" and not 0 <= value <= 100:
            out.add(file, qualified, f"{qualified} must be in [0, 100]", values=(show(value),))
        elif abs(value) > MAX_TARGET:
            out.add(file, qualified, f"{qualified} must be in [-{MAX_TARGET:g}, {MAX_TARGET:g}]",
                    values=(show(value),))
        else:
            targets[key] = float(value)
    settings["targets"] = targets
    # costs (v1.1): optional money amounts for the return on investment
    costs: dict[str, float] = {}
    raw_costs = raw.get("costs", {}) or {}
    if not isinstance(raw_costs, Mapping):
        out.add(file, "costs", "costs must be a table ([costs]) of numbers", values=(show(raw_costs),))
        raw_costs = {}
    for key, value in raw_costs.items():
        qualified = f"costs.{key}"
        if key not in COST_KEYS:
            out.add(file, qualified, f"unknown cost '{key}' (known: {', '.join(COST_KEYS)})", values=(show(value),))
        elif not _is_number(value) or value < 0:
            out.add(file, qualified, f"{qualified} must be a number >= 0", values=(show(value),))
        elif value > MAX_COST or (key == "exit_cost_share_of_salary" and value > MAX_EXIT_SHARE):
            bound = MAX_EXIT_SHARE if key == "exit_cost_share_of_salary" else MAX_COST
            out.add(file, qualified, f"{qualified} must be at most {bound:g}", values=(show(value),))
        else:
            costs[key] = float(value)
    settings["costs"] = costs
    if len(out.items) > n_before:
        return None, scale
    return settings, scale


def check_overrides(config: CohortConfig, overrides: Mapping[str, Any],
                    out: Collector) -> CohortConfig | None:
    """Apply setting overrides to ``config`` and check the result by the same rules."""
    fields = {f.name for f in dataclasses.fields(CohortConfig)}
    usable: dict[str, Any] = {}
    for key, value in overrides.items():
        known = (key in fields or key in COST_KEYS or
                 (key.startswith("target_") and key[len("target_"):] in _TARGET_KEYS))
        if not known:
            out.add(OVERRIDES, key, f"unknown setting '{key}'", values=(show(value),))
        else:
            usable[key] = value
    try:
        changed = config.with_overrides(**usable)
    except (TypeError, ValueError, OverflowError) as err:
        out.add(OVERRIDES, None, f"overrides cannot be applied: {err}")
        return None
    raw = dataclasses.asdict(changed)
    settings, _ = check_settings(raw, OVERRIDES, out)
    return None if settings is None else CohortConfig(**settings)


def read_config(folder: Path, out: Collector, overrides: Mapping[str, Any] | None,
                files: dict[str, Path]) -> tuple[CohortConfig | None, tuple[int, int] | None]:
    """Read and check ``cohort.toml`` (a UTF-8 byte-order mark is accepted), then the overrides."""
    path = folder / CONFIG_FILE
    if path.is_dir():
        out.add(CONFIG_FILE, None, f"{CONFIG_FILE} is a folder, not a file: it must be the "
                "settings file (at least name and pilot_start)")
        return None, None
    if not path.is_file():
        out.add(CONFIG_FILE, None, f"{CONFIG_FILE} is missing: every cohort folder needs one "
                "(at least name and pilot_start)")
        return None, None
    files["cohort"] = path
    try:
        data = path.read_bytes()
    except OSError as err:
        out.add(CONFIG_FILE, None, f"{CONFIG_FILE} cannot be read: {err.strerror or err}")
        return None, None
    problem = decode_problem(data)
    if problem is not None:
        out.add(CONFIG_FILE, None, problem)
        return None, None
    text = data.decode("utf-8-sig")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        out.add(CONFIG_FILE, None, f"{CONFIG_FILE} is not valid TOML: {err}")
        return None, None
    settings, scale = check_settings(raw, CONFIG_FILE, out)
    if settings is None:
        return None, scale
    config = CohortConfig(**settings)
    if overrides:
        changed = check_overrides(config, overrides, out)
        if changed is None:
            return None, scale
        config = changed
    return config, (config.scale_min, config.scale_max)


def check_params(params: Mapping[str, Any], out: Collector) -> None:
    """Bounds of ``-p`` report parameters that are not cohort settings (see params.value_problems)."""
    for name, value, rule in value_problems(params):
        out.add(OVERRIDES, name, f"-p {name}: {rule}", values=(show(value),))
    unknown = [n for n in params if n not in PARAMETERS]
    for name in unknown:
        out.add(OVERRIDES, name, f"-p {name}: unknown parameter", values=(show(params[name]),))
