"""Privacy rules every table in a report goes through.

* No aggregate for a group under ``min_group_size`` (cells are emptied and the
  reason kept in a ``suppressed`` column, never shown as a number).
* Peer and direct-report categories only with ``min_raters_per_category``.
* User-supplied text is escaped in HTML and neutralised against formula
  injection in CSV (a cell starting with ``= + - @`` or a tab / carriage
  return is run as a formula by spreadsheet programs).
* **Differencing across reports**: two reports of cohorts that differ by one
  leader (consecutive monthly reports) must not give that leader's value by
  subtraction (mean_A x n_A - mean_B x n_B).  Every published group aggregate
  is rounded to a step no finer than the most one leader can move it, span / n
  (span = the possible range of one leader's value, :data:`VARIABLE_SPANS`), on
  a 1-2-2.5-5 grid (:func:`publication_step`).  n x value is then known only to
  within n x step >= span in each report, so the subtraction leaves the
  leader's value in an interval at least 2 x span wide.  :func:`coarsen_published`
  applies this to every result table listed in :data:`PUBLISHED_AGGREGATES`
  (``steps.results.write_result`` calls it for every file it writes); the
  baseline step applies the same rounding to Table 1, g and group summaries.
  Researcher-only notebook cells keep full precision.
* **Counts of people and promotion equity**: one leader adds at most T people to
  a count of employees (T = the most people one leader of that arm has in it,
  computed from the data and never published), so counts are published to
  :func:`count_step` = ``publication_step(T, 1)`` and a rate of n people to
  ``publication_step(T, n)``.  The adverse impact ratio, its Katz interval and
  Fisher's p are functions of the four counts and, at full precision, solve back
  to them (value + interval + n + p: four equations, four integers), whatever the
  counts' rounding; so the ratio and its interval (outwards) are published to
  :func:`ratio_step`, at least two promotions' worth of the lowest group, p only
  as its class (:func:`coarse_p_value`: < 0.001, < 0.01, < 0.05, 0.05 or more)
  and the probability that the target is met to :data:`PROBABILITY_STEP`.
  :func:`coarsen_promotion_contrast` applies this to ``results/promotion_equity.csv``
  and to the scorecard's ratio row.  The four-fifths, small-numbers and fairness
  flags and the row's status are computed from the exact values first: rounding
  is for publication only and changes no decision.

Known limits: a p-value at full precision together with a rounded SE still
bounds an estimate near 0 closely; counts by category (Table 1) still show which
category a removed leader was in.  The promotion ratio is kept at the resolution
of two promotions, not of one leader (one leader can move it across its whole
range in small groups); where a compared group has so few promotions that this
would still narrow one leader's promoted in it to one or two values (the
small-numbers case), no ratio is published, only its side of 0.8.  In the sample
and in a generated cohort whose lowest group has almost no promotions, the removed
leader's promoted in each group then ranges over at least three values (0 to 3)
and their members over most of 0..T (tests/test_privacy_promotion_equity.py).

References
----------
OWASP, "CSV Injection" (formula injection) guidance.
Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Wiley, sec. 4.2
(disclosure by differencing of tables) and 5.4 (rounding as a protection method).
"""

from __future__ import annotations

import html
import math
from typing import Any, Iterable, Mapping

import pandas as pd

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralise_csv_text(value: object) -> object:
    """Prefix a text value a spreadsheet would treat as a formula with ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_csv_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``df`` with every text cell (and column name) neutralised."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_string_dtype(s) or s.dtype == object:
            mask = s.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_PREFIXES))
            if bool(mask.any()):
                out[col] = s.astype(object).where(~mask, "'" + s.astype(str))
    out.columns = [neutralise_csv_text(str(c)) for c in out.columns]
    return out


def escape_html(value: object) -> str:
    """HTML-escape user text (quotes included)."""
    return html.escape("" if value is None else str(value), quote=True)


def suppress_small_groups(
    df: pd.DataFrame,
    n_column: str,
    min_n: int,
    value_columns: Iterable[str],
    reason: str | None = None,
) -> pd.DataFrame:
    """Empty the value cells of rows whose group size is under ``min_n``.

    Parameters
    ----------
    df
        One row per group, with its size in ``n_column``.
    n_column
        Column holding the group's n (leaders, respondents, raters, ...).
    min_n
        Smallest n shown (``min_group_size`` or ``min_raters_per_category``).
    value_columns
        Columns emptied for small groups.  The n itself is also emptied when it
        is listed here.
    reason
        Text placed in the ``suppressed`` column; default names the rule.

    Returns
    -------
    A copy with a ``suppressed`` column (empty string when shown).
    """
    out = df.copy()
    small = out[n_column].fillna(0) < min_n
    why = reason or f"fewer than {min_n} ({n_column}); not shown to protect anonymity"
    for col in value_columns:
        if col in out.columns:
            out[col] = out[col].astype(object).where(~small, None)
    out["suppressed"] = pd.Series("", index=out.index, dtype=object).where(~small, why)
    return out


def _complement(hidden: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    """Complementary (secondary) suppression of a levels x (arms, overall) count table.

    Rows add up (pilot + comparison = overall) and columns add up to the arm
    sizes, which are shown.  A line (row or column) with exactly one hidden
    cell would give it away by subtraction, so the smallest visible cell of
    that line is hidden too; repeated until no line has exactly one hidden cell.
    """
    hidden = hidden.copy()
    changed = True
    while changed:
        changed = False
        for col in hidden.columns:
            visible = counts.loc[~hidden[col], col]
            if int(hidden[col].sum()) == 1 and len(visible) > 0:
                hidden.loc[visible.idxmin(), col] = True
                changed = True
        for level in hidden.index:
            row = hidden.loc[level]
            visible = counts.loc[level, ~row]
            if int(row.sum()) == 1 and len(visible) > 0:
                hidden.loc[level, visible.astype(float).idxmin()] = True
                changed = True
    return hidden


def hidden_cells(baseline: pd.DataFrame, var: str, k: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts of ``var`` levels by arm and which of them must not be shown.

    The one suppression pattern used by Table 1, the balance table and the
    group summaries, so that no table reveals what another hides.

    Returns
    -------
    counts
        Levels x (arms present, ``overall``) leader counts.
    hidden
        Same shape, True where the count (and any aggregate of that group)
        is hidden: cells under ``k`` leaders, the overall of a row with a
        hidden arm cell, whole rows of levels under ``k`` leaders in total,
        and complementary cells so that no hidden count equals a column
        total minus the visible counts.
    """
    arms = [a for a in ("pilot", "comparison") if (baseline["arm"] == a).any()]
    counts = pd.crosstab(baseline[var].astype(str), baseline["arm"].astype(str))
    counts = counts.reindex(columns=arms, fill_value=0)
    counts["overall"] = counts.sum(axis=1)
    counts = counts.sort_index()
    hidden = counts < k
    hidden.loc[counts["overall"] < k, :] = True
    hidden.loc[hidden[arms].any(axis=1), "overall"] = True
    return counts, _complement(hidden, counts)


# ---- differencing across reports ------------------------------------------------------------
# Two reports of cohorts that differ by one leader (consecutive monthly reports) give that
# leader's value by subtraction: mean_A * n_A - mean_B * n_B.  Published group aggregates are
# therefore rounded to a step no finer than the largest change one leader can make to them,
# span / n (span = the variable's possible range for one leader).  The sum n * mean is then
# only known to within n * step >= span in each report, so the subtraction leaves the leader's
# value anywhere in an interval at least 2 * span wide: no better than knowing the scale.
# Researcher-only outputs (notebook cells tagged researcher-only) keep full precision.

#: Rating scale assumed until :func:`set_rating_scale` is called (the contract's default 1..5).
_RATING_SCALE: list[float] = [1.0, 5.0]

#: Possible range of one leader's value, by variable: ("scale", k) = k x (scale_max - scale_min),
#: ("fixed", x) = x in the variable's own unit.  Rates are per 100 team members per 90 days:
#: 100 = every member of the team leaving (or an incident per member) within the quarter.
VARIABLE_SPANS: dict[str, tuple[str, float]] = {
    "empathy_360": ("scale", 1.0),
    "self_other_gap": ("scale", 2.0),
    "pulse": ("scale", 1.0),
    "behaviour_index": ("fixed", 1.0),
    "tenure_years": ("fixed", 50.0),
    "team_size": ("fixed", 100.0),
    "voluntary_attrition": ("fixed", 100.0),
    "hr_incidents": ("fixed", 100.0),
    "escalations": ("fixed", 100.0),
    "role": ("fixed", 1.0),      # share of leaders in a role: 0..1
    "culture": ("fixed", 1.0),
}

#: Published tables whose group aggregates are coarsened in :func:`coarsen_published`:
#: file -> (column naming the variable, [(value columns, n column(s))]); with several n
#: columns the smallest n sets the step (an arm contrast moves by span / n of that arm).
PUBLISHED_AGGREGATES: dict[str, tuple[str, tuple[tuple[tuple[str, ...], str | tuple[str, ...]], ...]]] = {
    "baseline_balance": ("variable", ((("pilot_mean",), "n_pilot"), (("comparison_mean",), "n_comparison"))),
    "indicator_timecourse": ("indicator", ((("value",), "n_leaders"),)),
    "scorecard_trends": ("indicator", ((("value",), "n"),)),
    # contrasts of arm means (naive - prepost = the arms' baseline difference, exactly)
    "effects": ("outcome", ((("estimate", "std_error", "ci_low", "ci_high"), ("n_pilot", "n_comparison")),)),
    "effects_heterogeneity": ("outcome", ((("estimate", "std_error", "ci_low", "ci_high"),
                                           ("n_pilot", "n_comparison")),)),
}

#: Columns published on another scale than the row's variable, by table: (row column, row
#: value) -> {column: span of one leader's value on that column's scale}.  The count-model
#: rows of effects.csv give the estimate and interval as a % change of the event rate but
#: ``std_error`` on the log rate-ratio scale; a % change spanning -100 % .. +100 % (the
#: span of :func:`variable_span`) is a log rate ratio spanning about 2 (ln 0.37 .. ln 2.7),
#: so one leader moves it by at most about 2 / n there.
SCALE_OVERRIDES: dict[str, dict[tuple[str, str], dict[str, float]]] = {
    "effects": {("model", "count"): {"std_error": 2.0}},
}

_NICE = (1.0, 2.0, 2.5, 5.0)


def set_rating_scale(scale_min: float, scale_max: float) -> None:
    """The cohort's rating scale, for the spans of rating-scale variables (set by open_context)."""
    _RATING_SCALE[:] = [float(scale_min), float(scale_max)]


def variable_span(variable: str, scale: tuple[float, float] | None = None) -> float:
    """Possible range of one leader's value of ``variable`` (a measure, or a change / % change of one).

    ``<measure>_change`` spans twice the measure's range, ``<measure>_change_pct`` 200 %
    (a fall to 0 up to a doubling, beyond which a change is rare), unknown variables 2 x the
    rating scale.

    Examples
    --------
    >>> variable_span("empathy_360"), variable_span("pulse_change"), variable_span("tenure_years")
    (4.0, 8.0, 50.0)
    """
    name = str(variable)
    if name.endswith("_change_pct"):
        return 200.0
    factor = 1.0
    if name.endswith("_change"):
        name, factor = name[: -len("_change")], 2.0
    name = name.split(":", 1)[0].split("=", 1)[0]
    kind, value = VARIABLE_SPANS.get(name, ("scale", 2.0))
    low, high = scale if scale is not None else _RATING_SCALE
    span = value * (high - low) if kind == "scale" else value
    return factor * span


def publication_step(span: float, n: float) -> float:
    """Rounding step of a published aggregate of ``n`` leaders: the smallest of 1, 2, 2.5, 5 x 10^k
    that is at least ``span / n`` (the most one leader can move the group's mean).

    Examples
    --------
    >>> publication_step(4, 45), publication_step(4, 6), publication_step(1, 200)
    (0.1, 1.0, 0.005)
    """
    try:
        n, span = float(n), float(span)
    except (TypeError, ValueError):  # missing (None, pd.NA) or not a number
        return math.nan
    if not (math.isfinite(n) and n > 0 and math.isfinite(span) and span > 0):
        return math.nan
    raw = span / n
    exp = math.floor(math.log10(raw))
    for k in (exp, exp + 1):
        for m in _NICE:
            step = m * 10.0 ** k
            if step >= raw * (1 - 1e-12):
                return float(f"{step:.12g}")
    return float(10.0 ** (exp + 1))


def round_to_step(value: float, step: float, mode: str = "nearest") -> float:
    """``value`` rounded to a multiple of ``step``, without float noise.

    ``mode`` is ``"nearest"`` (half away from zero), ``"down"`` or ``"up"``: interval
    bounds are rounded outwards and standard errors up, so a published interval never
    claims more precision than the computed one, and an SE is never shown as 0 unless it is.

    Examples
    --------
    >>> round_to_step(3.4387, 0.1), round_to_step(3.4387, 0.25), round_to_step(-0.125, 0.25)
    (3.4, 3.5, -0.25)
    >>> round_to_step(0.04, 0.1, "up"), round_to_step(0.46, 0.1, "down"), round_to_step(0.4, 0.1, "up")
    (0.1, 0.4, 0.4)
    """
    try:
        if not (math.isfinite(float(value)) and math.isfinite(float(step)) and step > 0):
            return value
    except (TypeError, ValueError):  # missing (None, pd.NA)
        return value
    q = float(value) / step
    if mode == "up":
        k = math.ceil(q - 1e-9)
    elif mode == "down":
        k = math.floor(q + 1e-9)
    else:
        k = math.floor(abs(q) + 0.5 + 1e-9) * (1 if q >= 0 else -1)
    decimals = max(0, -math.floor(math.log10(step)) + 2)
    return round(k * step, decimals) + 0.0


def coarsen(value: float, span: float, n: float) -> float:
    """A group aggregate of ``n`` leaders rounded for publication (see :func:`publication_step`)."""
    return round_to_step(value, publication_step(span, n))


def step_decimals(step: float) -> int:
    """Decimals that show a multiple of ``step`` exactly (0.1 -> 1, 0.25 -> 2, 2 -> 0)."""
    if not math.isfinite(step) or step <= 0:
        return 2
    for d in range(0, 10):
        if abs(round(step, d) - step) < 1e-9 * max(1.0, step):
            return d
    return 10


def format_coarse(value: float, step: float) -> str:
    """``value`` rounded to ``step`` and written with just the decimals the step needs.

    Examples
    --------
    >>> format_coarse(3.4387, 0.1), format_coarse(3.4387, 1.0), format_coarse(0.6381, 0.25)
    ('3.4', '3', '0.75')
    """
    return f"{round_to_step(value, step):.{step_decimals(step)}f}"


def rounding_mode(column: str) -> str:
    """How a published column is rounded: lower bounds down, upper bounds and SEs / SDs up."""
    name = str(column)
    if name == "ci_low" or name.endswith("_ci_low"):
        return "down"
    if name == "ci_high" or name.endswith("_ci_high") or name in ("std_error", "smd_se", "sd", "se"):
        return "up"
    return "nearest"


def coarsen_published(df: pd.DataFrame, name: str,
                      scale: tuple[float, float] | None = None) -> pd.DataFrame:
    """Copy of result table ``name`` with its group aggregates rounded for publication.

    Applied by :func:`pilot_eval.steps.results.write_result` to every table it writes;
    tables not in :data:`PUBLISHED_AGGREGATES` are returned unchanged.  Rounding is
    idempotent, so a table already coarsened by its step keeps its values.
    """
    spec = PUBLISHED_AGGREGATES.get(name)
    if spec is None or df.empty:
        return df
    key, groups = spec
    out = df.copy()
    for columns, n_cols in groups:
        n_cols = (n_cols,) if isinstance(n_cols, str) else tuple(n_cols)
        if key not in out.columns or not all(c in out.columns for c in n_cols):
            continue
        # the smallest arm that is in the contrast (an arm of 0 leaders, as in prepost, is not)
        ns = pd.concat([pd.to_numeric(out[c], errors="coerce").astype("float64") for c in n_cols], axis=1)
        n = ns.where(ns > 0).min(axis=1)
        spans = out[key].map(lambda v: variable_span(v, scale))
        steps = [publication_step(s, k) for s, k in zip(spans, n)]
        overrides = SCALE_OVERRIDES.get(name, {})
        for col in columns:
            if col not in out.columns:
                continue
            col_steps = list(steps)
            for (row_col, row_value), spans_by_col in overrides.items():
                if col in spans_by_col and row_col in out.columns:
                    other = out[row_col].astype("string").eq(row_value).fillna(False).to_numpy()
                    col_steps = [publication_step(spans_by_col[col], k) if o else q
                                 for q, k, o in zip(col_steps, n, other)]
            values = pd.to_numeric(out[col], errors="coerce").astype("float64")
            mode = rounding_mode(col)
            rounded = [round_to_step(v, q, mode) if math.isfinite(q) else v for v, q in zip(values, col_steps)]
            out[col] = pd.Series(rounded, index=out.index, dtype="float64").where(values.notna())
    return out


# ---- counts of people and the promotion comparison ------------------------------------------
# A count of employees (a group's members, its promoted) moves by at most T when one leader
# leaves the cohort, T = the most people one leader of that arm has in the count (computed from
# the data, never published); a rate of n people by at most about T / n.  The adverse impact
# ratio, its interval and Fisher's p are functions of the four counts: at full precision they
# pin the counts down (four equations, four integers) whatever the counts' own rounding.

#: Significance classes a published Fisher / test p-value is reduced to (upper bounds).
P_VALUE_CLASSES: tuple[float, ...] = (0.001, 0.01, 0.05)
#: Promotions in the lowest group whose change a published ratio step at least spans.
RATIO_PROMOTIONS = 2.0
#: Rounding step of a published probability that a target is met.
PROBABILITY_STEP = 0.05
#: Columns of a promotion comparison, by kind (see :func:`coarsen_promotion_contrast`).
PROMOTION_COUNTS = ("lowest_n", "lowest_promoted", "highest_n", "highest_promoted", "n")
PROMOTION_RATES = {"lowest_rate": "lowest_n", "highest_rate": "highest_n"}
PROMOTION_RATIOS = ("adverse_impact_ratio", "value", "ci_low", "ci_high")
#: What a ratio from small numbers is published as: its side of the four-fifths line (from the
#: exact ``four_fifths_flag``: True = below).
RATIO_CLASSES = {True: "below 0.8", False: "0.8 or above"}


def count_step(most_per_leader: float) -> float:
    """Rounding step of a published count of people to which one leader adds at most ``most_per_leader``.

    ``publication_step(most_per_leader, 1)``: a count known only to a multiple of this step
    does not tell, subtracted from the next report's, how many of the removed leader's people
    are in it.

    Examples
    --------
    >>> count_step(14), count_step(4), count_step(1)
    (20.0, 5.0, 1.0)
    """
    return publication_step(most_per_leader, 1)


def ratio_step(lowest_n: float, highest_promoted: float, highest_n: float) -> float:
    """Rounding step of a published selection (adverse impact) ratio and of its interval bounds.

    One promotion more in the lowest group moves the ratio by ``(1 / lowest_n) / highest_rate``
    (the "one more person" check of the four-fifths rule).  The step is the 1-2-2.5-5 value at
    least :data:`RATIO_PROMOTIONS` (2) times that: a published ratio is then within one
    promotion's worth of the exact one and fits at least two counts of promoted in the lowest
    group, so it never pins that count (nor, subtracted from the next report's, the removed
    leader's share of it) to one number.  One leader can move the ratio across its whole
    range in small groups, so no step protects it by the span rule without making it useless:
    the leader-level protection is carried by the counts (:func:`count_step`); see the
    module docstring for what is left.

    Examples
    --------
    >>> ratio_step(54, 18, 203), ratio_step(176, 23, 316), ratio_step(2000, 300, 1500)
    (0.5, 0.2, 0.005)
    """
    try:
        expected = float(lowest_n) * float(highest_promoted) / float(highest_n)
    except (TypeError, ValueError, ZeroDivisionError):
        return math.nan
    return publication_step(RATIO_PROMOTIONS, expected)


def _finite(value: object) -> float:
    try:
        f = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return f if math.isfinite(f) else math.nan


def coarse_p_value(p: float) -> str:
    """A p-value for publication: only its class, ``< 0.001``, ``< 0.01``, ``< 0.05`` or ``0.05 or more``.

    A p-value with decimals is one more equation in the counts it came from (two decimals
    of Fisher's p pinned the lowest group's promotions in every removal of a sample leader);
    its class is what the reading and the fairness rule (p < 0.05) use.  ``""`` when missing.

    Examples
    --------
    >>> coarse_p_value(0.264222), coarse_p_value(0.0462), coarse_p_value(0.0004), coarse_p_value(None)
    ('0.05 or more', '< 0.05', '< 0.001', '')
    """
    pf = _finite(p)
    if math.isnan(pf):
        return ""
    for bound in P_VALUE_CLASSES:
        if pf < bound:
            return f"< {bound:g}"
    return f"{P_VALUE_CLASSES[-1]:g} or more"


def format_coarse_p(p: float) -> str:
    """:func:`coarse_p_value` in words: ``p < 0.05``, ``p of 0.05 or more``, ``p not computed``.

    Examples
    --------
    >>> format_coarse_p(0.264222), format_coarse_p(0.0004), format_coarse_p(float("nan"))
    ('p of 0.05 or more', 'p < 0.001', 'p not computed')
    """
    text = coarse_p_value(p)
    if not text:
        return "p not computed"
    return f"p {text}" if text.startswith("<") else f"p of {text}"


def coarsen_probability(p: float) -> float:
    """A probability that a target is met, for publication (to :data:`PROBABILITY_STEP`).

    Examples
    --------
    >>> coarsen_probability(0.1893), coarsen_probability(0.996)
    (0.2, 1.0)
    """
    return round_to_step(p, PROBABILITY_STEP)


def coarsen_promotion_contrast(row: Mapping[Any, Any], most_per_leader: float) -> dict[Any, Any]:
    """Published copy of one lowest- vs highest-group promotion comparison.

    The one rule of the equity table (``results/promotion_equity.csv``) and of the
    scorecard's adverse impact ratio row; ``row`` holds the exact values, ``most_per_leader``
    is T, the most people one leader of the arm has in the counts (not published).

    * counts (:data:`PROMOTION_COUNTS`) to :func:`count_step` of T;
    * rates (:data:`PROMOTION_RATES`) of ``n`` people to ``publication_step(T, n)``;
    * the ratio and its interval (outwards) to :func:`ratio_step` of the exact counts;
    * ``p_value`` to its class (:func:`coarse_p_value`);
    * with small numbers (the exact ``small_numbers`` flag: a group with fewer than five
      promotions, or one promotion would move the ratio across 0.8) the ratio and its interval
      are not published at all, only ``ratio_class`` (:data:`RATIO_CLASSES`, from the exact
      ``four_fifths_flag``): a ratio step worth two promotions of a group that has almost none
      narrows one leader's promotions in it to one or two values by subtraction
      (``ratio_class`` is "" otherwise).

    Flags (four-fifths, fairness, small numbers) are computed from the exact values by the
    callers before this is applied: rounding is for publication only.  Keys not listed are
    copied unchanged; a value whose step cannot be formed (no T, no counts) is not shown.

    Examples
    --------
    >>> out = coarsen_promotion_contrast({"lowest_n": 54, "lowest_promoted": 2, "lowest_rate": 2 / 54,
    ...     "highest_n": 203, "highest_promoted": 18, "highest_rate": 18 / 203,
    ...     "adverse_impact_ratio": 0.4177, "p_value": 0.2642}, 14)
    >>> [out[k] for k in ("lowest_n", "lowest_promoted", "highest_n", "highest_promoted")]
    [60.0, 0.0, 200.0, 20.0]
    >>> out["lowest_rate"], out["highest_rate"], out["adverse_impact_ratio"], out["p_value"]
    (0.0, 0.1, 0.5, '0.05 or more')
    """
    out = dict(row)

    def num(key: str) -> float:
        return _finite(row.get(key))

    def rounded(value: float, step: float, mode: str = "nearest") -> float:
        return round_to_step(value, step, mode) if math.isfinite(step) else math.nan

    counts = count_step(most_per_leader)
    for key in PROMOTION_COUNTS:
        if key in out:
            out[key] = rounded(num(key), counts)
    for key, n_key in PROMOTION_RATES.items():
        if key in out:
            out[key] = rounded(num(key), publication_step(most_per_leader, num(n_key)))
    ratio = ratio_step(num("lowest_n"), num("highest_promoted"), num("highest_n"))
    for key in PROMOTION_RATIOS:
        if key in out:
            out[key] = rounded(num(key), ratio, rounding_mode(key))
    if "p_value" in out:
        out["p_value"] = coarse_p_value(num("p_value"))
    out["ratio_class"] = ""
    if bool(row.get("small_numbers", False)):
        exact = [num(k) for k in ("adverse_impact_ratio", "value") if k in row]
        for key in PROMOTION_RATIOS:
            if key in out:
                out[key] = math.nan
        flag = row.get("four_fifths_flag")
        # no ratio at all (no promotions in the highest group): no side of 0.8 either
        if exact and math.isfinite(exact[0]) and flag is not None and not pd.isna(flag):
            out["ratio_class"] = RATIO_CLASSES[bool(flag)]
    return out
