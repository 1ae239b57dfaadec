"""The verdict rule of the leading -> lagging step, and its one vocabulary.

Written down in :data:`RULE_TEXT` (shown on the step page) and applied by
:func:`pilot_eval.steps.leading_lagging.validation.verdicts`:

* **Primary test (pre-declared, one per pair).**  The count model of the
  lagging outcome's events on the leading indicator: Poisson, or negative
  binomial when the counts are overdispersed, with offset log(person-days),
  role, culture and the outcome's pre-window rate as controls, and
  cluster-robust standard errors by org unit (t reference with units - 1
  degrees of freedom; the larger of the cluster-robust and the model-based
  standard error is used).  The test is **one-sided** in the hypothesised
  direction (a better indicator value goes with fewer adverse events).
* **Multiplicity.**  The pre-declared pairs of one outcome window (every
  leading indicator x every lagging outcome of the follow-up window; the
  pilot's last month is a second family) are one family: Holm's method over
  the pairs that could be tested, family-wise level 5 %.
* **Supporting evidence** (partial correlation, cross-validated prediction
  with a permutation test) is shown next to the primary test and never
  changes the verdict.

The three verdicts (codes in ``results/leading_lagging.csv``, column
``verdict``; the sentence in ``verdict_text``):

``validated``
    The primary test's Holm-adjusted one-sided p-value is below 5 %.
``not validated``
    Tested, not validated: "not validated (this pilot could detect a link of
    at least X)", where X is the minimal detectable effect at 80 % power for
    this pilot's leaders, events and clustering
    (:func:`pilot_eval.stats.detectable.minimal_detectable_rate_ratio` at the
    level of Holm's first step, 5 % / number of tested pairs).
``insufficient data``
    Not tested, with the reason: fewer than ``max(min_leaders,
    min_group_size)`` leaders with both values, an indicator that hardly
    varies, fewer than 5 events per model coefficient (Vittinghoff &
    McCulloch 2007), or leaders in fewer than 5 org units.

The rule's error rates were measured by simulation
(``benchmarks/leading_lagging``, :mod:`pilot_eval.steps.leading_lagging.oc`).

References
----------
Holm, S. (1979). A simple sequentially rejective multiple test procedure.
*Scandinavian Journal of Statistics*, 6(2), 65-70.

Vittinghoff, E., & McCulloch, C. E. (2007). Relaxing the rule of ten events
per variable in logistic and Cox regression. *American Journal of
Epidemiology*, 165(6), 710-718.

Bloom, H. S. (1995). Minimum detectable effects. *Evaluation Review*, 19(5), 547-556.
"""

from __future__ import annotations

import numpy as np

VALIDATED = "validated"
NOT_VALIDATED = "not validated"
INSUFFICIENT = "insufficient data"
#: The verdict codes, in display order.
VERDICTS: tuple[str, ...] = (VALIDATED, NOT_VALIDATED, INSUFFICIENT)

#: Family-wise level of the primary tests within one outcome window.
ALPHA = 0.05
#: Power at which the minimal detectable effect is stated.
MDE_POWER = 0.8
#: The window whose pairs form the pre-declared primary family (the confirming window).
PRIMARY_PERIOD = "follow_up"

#: One line per verdict: what it means (the one definition every page uses).
VERDICT_DEFINITIONS: dict[str, str] = {
    VALIDATED: "the early signal predicted the later outcome in the expected direction, by the primary test "
               "after the correction for testing several pairs",
    NOT_VALIDATED: "tested, but the link was not shown; the sentence says how strong a link this pilot could "
                   "have detected (80 in 100 times)",
    INSUFFICIENT: "the pair could not be tested; the sentence says why",
}

RULE_TEXT: tuple[str, ...] = (
    "One test decides each pair of an early signal and a later outcome, chosen before looking at the data: a "
    "count model of the outcome's events on the early signal, allowing for the teams' size and time observed, "
    "the leader's role and culture and the outcome's level before the pilot, with errors that allow for "
    "leaders of the same org unit being alike. It asks one question: does a better early signal go with fewer "
    "adverse events?",
    "Pairs of the same outcome window are judged together, with Holm's correction for testing several pairs, "
    "so that in a pilot where no early signal predicts anything, a pair of that window is wrongly validated in "
    "at most 5 in 100 pilots.",
    "Validated: the test succeeds after the correction. Not validated: it does not; the page then says the "
    "weakest link this pilot could have detected 80 in 100 times, given its leaders, events and org units. "
    "Insufficient data: the pair could not be tested (too few leaders, events or org units, or an early "
    "signal that hardly varies), with the reason.",
    "The correlation and the out-of-sample prediction test are shown as supporting evidence; they do not "
    "change the verdict.",
)


def _num(x: float) -> str:
    return f"{x:.2g}" if abs(x) < 1 else f"{x:.3g}"


def mde_phrase(rate_ratio: float, unit_text: str, binary_text: str | None = None) -> str:
    """How strong a link is, in words: ``"29% fewer events per one standard deviation (0.21 scale points)"``.

    Parameters
    ----------
    rate_ratio
        The link as a rate ratio per ``unit_text`` (below 1: fewer events).
    unit_text
        What one step of the indicator is, e.g. ``"one standard deviation
        (0.21 scale points) more"``.
    binary_text
        For a yes/no indicator: who has the "yes" (e.g. ``"leaders whose
        practice plateaued"``); the phrase then compares them with the others.

    Examples
    --------
    >>> mde_phrase(0.71, "one standard deviation (0.21 scale points) more")
    '29% fewer events per one standard deviation (0.21 scale points) more'
    >>> mde_phrase(1.8, "", "leaders whose practice plateaued")
    '1.8 times the events for leaders whose practice plateaued'
    """
    rr = float(rate_ratio)
    if not np.isfinite(rr) or rr <= 0:
        return "no link of any size (too little information)"
    if binary_text is not None:
        if rr >= 1:
            return f"{_num(rr)} times the events for {binary_text}"
        return f"{100 * (1 - rr):.0f}% fewer events for {binary_text}"
    if rr < 1:
        return f"{100 * (1 - rr):.0f}% fewer events per {unit_text}"
    return f"{100 * (rr - 1):.0f}% more events per {unit_text}"


def verdict_text(verdict: str, detail: str = "") -> str:
    """The verdict as a sentence fragment.

    ``detail`` is the minimal detectable effect phrase for ``not validated``
    and the reason for ``insufficient data``.

    Examples
    --------
    >>> verdict_text("not validated", "29% fewer events per one standard deviation")
    'not validated (this pilot could detect a link of at least 29% fewer events per one standard deviation)'
    >>> verdict_text("insufficient data", "12 events, fewer than 40")
    'insufficient data (12 events, fewer than 40)'
    >>> verdict_text("validated")
    'validated'
    """
    if verdict == VALIDATED:
        return VALIDATED
    if verdict == NOT_VALIDATED:
        return (f"{NOT_VALIDATED} (this pilot could detect a link of at least {detail})" if detail
                else NOT_VALIDATED)
    if verdict == INSUFFICIENT:
        return f"{INSUFFICIENT} ({detail})" if detail else INSUFFICIENT
    raise ValueError(f"unknown verdict {verdict!r}; the verdicts are {VERDICTS}")


def rule_markdown() -> str:
    """:data:`RULE_TEXT` and the verdict definitions as Markdown (the step page shows it)."""
    lines = [f"{k}. {t}" for k, t in enumerate(RULE_TEXT, start=1)]
    lines += ["", "The three verdicts:", ""]
    lines += [f"* **{v}**: {VERDICT_DEFINITIONS[v]}." for v in VERDICTS]
    return "\n".join(lines)
