"""The cohort's settings (``cohort.toml``) and the windows they define.

One :class:`CohortConfig` per cohort.  Notebook parameters that a user may
override on the command line (``-p min_group_size=8``) are applied with
:meth:`CohortConfig.with_overrides`, so every notebook sees the same settings.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Mapping

#: Targets used when ``cohort.toml`` has no ``[targets]`` table (the seed article's).
DEFAULT_TARGETS: dict[str, float] = {
    "empathy_360_change_pct": 10.0,
    "leaders_improved_pct": 60.0,
    "hr_incidents_change_pct": -30.0,
    # v1.1: every scorecard indicator's target may be set (defaults: any improvement; four-fifths rule)
    "pulse_change": 0.0,
    "behaviour_index_change": 0.0,
    "escalations_change_pct": 0.0,
    "voluntary_attrition_change_pct": 0.0,
    "promotion_air": 0.8,
}

#: v1.1 ``[costs]``: money in one currency, all optional (the ROI says which are missing).
COST_KEYS: dict[str, str] = {
    "cost_per_participant": "fully loaded program cost per pilot leader (design, delivery, participants' time)",
    "cost_per_voluntary_exit": "cost of one voluntary exit (or give average_salary and exit_cost_share_of_salary)",
    "average_salary": "average annual salary of team members",
    "exit_cost_share_of_salary": "cost of one voluntary exit as a share of average_salary (e.g. 0.5)",
    "cost_per_hr_incident": "cost of one HR incident",
    "cost_per_escalation": "cost of one escalation",
}

#: Length of one "month" in the contract: 30-day blocks from ``pilot_start``.
MONTH_DAYS = 30


@dataclasses.dataclass(frozen=True)
class CohortConfig:
    """Settings of one cohort, as in ``cohort.toml`` (data contract v1.1)."""

    name: str
    pilot_start: dt.date
    pilot_days: int = 90
    follow_up_days: int = 180
    scale_min: int = 1
    scale_max: int = 5
    min_group_size: int = 5
    min_raters_per_category: int = 3
    targets: Mapping[str, float] = dataclasses.field(
        default_factory=lambda: dict(DEFAULT_TARGETS)
    )
    costs: Mapping[str, float] = dataclasses.field(default_factory=dict)
    #: ``contract_version`` of cohort.toml (``"1"`` or ``"1.1"``); ``None`` when not declared
    #: (read as the current version, 1.1).  Under ``"1"`` an employee has one row only.
    contract_version: str | None = None

    # ---- windows -------------------------------------------------------
    @property
    def pre_start(self) -> dt.date:
        """First day of the pre window (``pilot_days`` before ``pilot_start``)."""
        return self.pilot_start - dt.timedelta(days=self.pilot_days)

    @property
    def pilot_end(self) -> dt.date:
        """First day after the pilot window (exclusive end)."""
        return self.pilot_start + dt.timedelta(days=self.pilot_days)

    @property
    def follow_up_end(self) -> dt.date:
        """First day after the follow-up window (exclusive end)."""
        return self.pilot_end + dt.timedelta(days=self.follow_up_days)

    def window_bounds(self) -> dict[str, tuple[dt.date, dt.date]]:
        """``{window: (start, end_exclusive)}`` for pre, pilot and follow_up."""
        return {
            "pre": (self.pre_start, self.pilot_start),
            "pilot": (self.pilot_start, self.pilot_end),
            "follow_up": (self.pilot_end, self.follow_up_end),
        }

    def with_overrides(self, **overrides: Any) -> "CohortConfig":
        """A copy with some settings replaced; ``None`` values are ignored.

        Target overrides are given as ``target_<name>=value`` or in a
        ``targets`` mapping.
        """
        changes: dict[str, Any] = {}
        targets = dict(self.targets)
        costs = dict(self.costs)
        for key, value in overrides.items():
            if value is None:
                continue
            if key == "targets":
                targets.update({k: float(v) for k, v in dict(value).items()})
            elif key == "costs":
                costs.update({k: float(v) for k, v in dict(value).items()})
            elif key in COST_KEYS:
                costs[key] = float(value)
            elif key.startswith("target_"):
                targets[key[len("target_"):]] = float(value)
            elif key in {f.name for f in dataclasses.fields(self)}:
                changes[key] = value
            else:
                raise KeyError(f"unknown cohort setting: {key}")
        changes["targets"] = targets
        changes["costs"] = costs
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly view (dates as ISO strings), e.g. for the manifest."""
        out = dataclasses.asdict(self)
        out["pilot_start"] = self.pilot_start.isoformat()
        out["targets"] = dict(self.targets)
        out["costs"] = dict(self.costs)
        return out
