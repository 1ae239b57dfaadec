"""Notebook parameters a user may set with ``pilot-eval report -p name=value``.

One registry for every notebook: each notebook's ``parameters`` cell declares
a subset of these names.  The report command checks ``-p`` names against the
registry (unknown names are an error, not papermill's warning) and converts
values to the declared type here, so ``-p min_group_size=007`` is the integer 7
and ``-p cohort_label=007`` stays the string "007".
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Callable, Mapping

from pilot_eval.data.config import COST_KEYS
from pilot_eval.errors import InputError
from pilot_eval.stats.guidelines import P_ADJUST_METHODS


class ParameterError(InputError):
    """A ``-p`` option that cannot be used (unknown name, bad value)."""


def _to_bool(text: str) -> bool:
    low = text.strip().lower()
    if low in {"1", "true", "yes", "on"}:
        return True
    if low in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"not a boolean: {text!r}")


def _to_int(text: str) -> int:
    value = float(text)
    if not value.is_integer():
        raise ValueError(f"not an integer: {text!r}")
    return int(value)


def _between(low: float, high: float, what: str = "") -> Callable[[Any], str | None]:
    """A check: finite and in [low, high]."""
    def check(value: Any) -> str | None:
        if isinstance(value, float) and not math.isfinite(value):
            return "must be a finite number"
        if not low <= value <= high:
            return f"must be in [{low:g}, {high:g}]{what}"
        return None
    return check


def _finite(value: Any) -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return "must be a finite number"
    if abs(value) > 10_000:
        return "must be in [-10000, 10000]"
    return None


def _one_of(allowed: tuple[str, ...]) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if value in allowed else f"must be one of {', '.join(allowed)}"
    return check


def _codes(value: Any) -> str | None:
    parts = str(value).split(";")
    if str(value).strip() and any(not p.strip() for p in parts):
        return "must be behaviour codes separated by ';' (no empty codes)"
    return None


@dataclasses.dataclass(frozen=True)
class Parameter:
    """One ``-p`` parameter: name, text-to-value conversion, type, help and value bounds.

    ``check(value)`` returns ``None`` when the converted value is usable, else
    the rule it breaks (checked by :func:`value_problems` before any notebook runs).
    """

    name: str
    convert: Callable[[str], Any]
    type_name: str
    help: str
    user_settable: bool = True
    check: Callable[[Any], str | None] | None = None


PARAMETERS: dict[str, Parameter] = {
    p.name: p
    for p in [
        Parameter("data_dir", str, "str", "cohort folder (set by the report command)", False),
        Parameter("out_dir", str, "str", "report folder being written (set by the report command)", False),
        Parameter("as_of", str, "str", "date of an interim look, YYYY-MM-DD: only data dated before it "
                  "(set by the report command's --as-of; empty: all data)", False),
        Parameter("previous_report", str, "str", "an earlier report of the same cohort to compare with "
                  "(set by the report command's --previous)", False),
        Parameter("min_group_size", _to_int, "int",
                  "smallest group any aggregate is shown for (overrides cohort.toml)"),
        Parameter("min_raters_per_category", _to_int, "int",
                  "peer / direct-report categories shown only with at least this many raters (overrides cohort.toml)"),
        Parameter("target_empathy_360_change_pct", float, "float",
                  "scorecard target: % change of the 360 empathy score (overrides cohort.toml)",
                  check=_finite),
        Parameter("target_leaders_improved_pct", float, "float",
                  "scorecard target: % of pilot leaders reliably improved (overrides cohort.toml)",
                  check=_between(0, 100)),
        Parameter("target_hr_incidents_change_pct", float, "float",
                  "scorecard target: % change of HR incidents per 100 team members (overrides cohort.toml)",
                  check=_finite),
        Parameter("target_pulse_change", float, "float",
                  "scorecard target: team pulse change in scale points (overrides cohort.toml)", check=_finite),
        Parameter("target_behaviour_index_change", float, "float",
                  "scorecard target: change of the share of behaviours observed, in [-1, 1] (overrides cohort.toml)",
                  check=_between(-1, 1)),
        Parameter("target_escalations_change_pct", float, "float",
                  "scorecard target: % change of the escalation rate (overrides cohort.toml)", check=_finite),
        Parameter("target_voluntary_attrition_change_pct", float, "float",
                  "scorecard target: % change of the voluntary attrition rate (overrides cohort.toml)",
                  check=_finite),
        Parameter("target_promotion_air", float, "float",
                  "scorecard target: lowest acceptable promotion adverse impact ratio, in [0, 1] (overrides cohort.toml)",
                  check=_between(0, 1)),
        *(Parameter(name, float, "float", f"ROI: {doc} (overrides cohort.toml [costs])",
                    check=_between(0, 20 if name == "exit_cost_share_of_salary" else 1e12))
          for name, doc in COST_KEYS.items()),
        Parameter("rollout_leaders", _to_int, "int",
                  "ROI: size of a rollout to cost as well, 1..1000000 leaders (default: the pilot only)",
                  check=_between(1, 1_000_000)),
        Parameter("exclude_behaviours", str, "str",
                  "';'-separated behaviour codes left out of behaviour_index (each must exist in behaviours.csv)",
                  check=_codes),
        Parameter("exclude_unreliable", _to_bool, "bool",
                  "leave behaviours with Krippendorff's alpha < 0.667 out of behaviour_index"),
        Parameter("target_reliability", float, "float",
                  "reliability a rater average should reach (Spearman-Brown minimum raters), in (0, 1)",
                  check=_between(0.01, 0.99, " (a reliability strictly between 0 and 1)")),
        Parameter("n_boot", _to_int, "int", "bootstrap replicates for confidence intervals, 1..100000",
                  check=_between(1, 100_000)),
        Parameter("seed", _to_int, "int", "random seed for bootstraps and permutation tests, 0..4294967295",
                  check=_between(0, 2**32 - 1)),
        Parameter("n_permutations", _to_int, "int", "permutations of the arm labels in the permuted-treatment check (controls notebook), 1..100000",
                  check=_between(1, 100_000)),
        Parameter("calibration_threshold", float, "float", "leniency (scale points) beyond which a rater whose interval excludes 0 is flagged for recalibration",
                  check=_between(0, 100, " scale points")),
        Parameter("p_adjust_method", str, "str", "multiplicity adjustment across leading -> lagging pairs: holm (family-wise, default) or fdr_bh (leading-lagging notebook)",
                  check=_one_of(P_ADJUST_METHODS)),
    ]
}

#: Names whose values override settings of ``cohort.toml`` (see CohortConfig.with_overrides).
COHORT_SETTINGS: tuple[str, ...] = (
    "min_group_size",
    "min_raters_per_category",
    "target_empathy_360_change_pct",
    "target_leaders_improved_pct",
    "target_hr_incidents_change_pct",
    "target_pulse_change",
    "target_behaviour_index_change",
    "target_escalations_change_pct",
    "target_voluntary_attrition_change_pct",
    "target_promotion_air",
    *COST_KEYS,
)


def parse_assignments(items: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """Parse ``["name=value", ...]`` into typed values; all problems at once.

    Raises
    ------
    ParameterError
        Listing every unknown name, malformed item and unconvertible value.
    """
    problems: list[str] = []
    out: dict[str, Any] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        name = name.strip()
        if not sep or not name:
            problems.append(f"-p {item!r}: expected name=value")
            continue
        param = PARAMETERS.get(name)
        if param is None:
            problems.append(f"-p {name}: unknown parameter")
            continue
        if not param.user_settable:
            problems.append(f"-p {name}: set by the command itself, not by -p")
            continue
        try:
            out[name] = param.convert(raw)
        except ValueError as exc:
            problems.append(f"-p {name}={raw!r}: expected {param.type_name} ({exc})")
    if problems:
        known = ", ".join(n for n, p in PARAMETERS.items() if p.user_settable)
        raise ParameterError(
            "invalid report parameters:\n  " + "\n  ".join(problems) + f"\nknown parameters: {known}"
        )
    return out


def value_problems(params: Mapping[str, Any]) -> list[tuple[str, Any, str]]:
    """``(name, value, rule)`` for every ``-p`` value outside its parameter's bounds.

    Cohort settings (``min_group_size``...) are bounded by the cohort validator
    instead; the codes of ``exclude_behaviours`` are checked against the
    cohort's codebook there too.

    Examples
    --------
    >>> value_problems({"n_boot": -5, "p_adjust_method": "bogus", "seed": 3})
    [('n_boot', -5, 'must be in [1, 100000]'), ('p_adjust_method', 'bogus', 'must be one of holm, fdr_bh')]
    """
    problems = []
    for name, value in params.items():
        param = PARAMETERS.get(name)
        if param is None or param.check is None or value is None:
            continue
        rule = param.check(value)
        if rule is not None:
            problems.append((name, value, rule))
    return problems


def cohort_overrides(params: Mapping[str, Any]) -> dict[str, Any]:
    """The subset of ``params`` that overrides cohort.toml settings (None dropped)."""
    return {k: params[k] for k in COHORT_SETTINGS if params.get(k) is not None}


def describe() -> str:
    """Help text listing the user-settable parameters."""
    lines = [f"  {p.name} ({p.type_name}): {p.help}" for p in PARAMETERS.values() if p.user_settable]
    return "\n".join(lines)
