"""Which arms may be compared: both need at least ``min_group_size`` leaders.

An arm with fewer leaders gets no group numbers anywhere (privacy): no model
comparing the arms, no event study, placebo or permutation check, no
heterogeneity table.  Every function of the effects step asks
:func:`comparison_shown` before comparing the arms.
"""

from __future__ import annotations

from pilot_eval.data.cohort import Cohort


def arm_sizes(cohort: Cohort) -> tuple[int, int]:
    """Leaders in the pilot and in the comparison arm."""
    n = cohort.leaders["arm"].value_counts()
    return int(n.get("pilot", 0)), int(n.get("comparison", 0))


def comparison_shown(cohort: Cohort) -> bool:
    """Whether both arms exist and have at least ``min_group_size`` leaders."""
    n_p, n_c = arm_sizes(cohort)
    mgs = int(cohort.config.min_group_size)
    return n_p >= max(mgs, 1) and n_c >= max(mgs, 1)


def no_comparison_reason(cohort: Cohort) -> str:
    """Why the arms are not compared ("" when they are)."""
    n_p, n_c = arm_sizes(cohort)
    mgs = int(cohort.config.min_group_size)
    if n_p == 0 or n_c == 0:
        return "no comparison group"
    if n_p < mgs:
        return f"fewer than {mgs} pilot leaders (min_group_size): no comparison is shown"
    if n_c < mgs:
        return f"fewer than {mgs} comparison leaders (min_group_size): no comparison is shown"
    return ""
