"""Promotion equity does not give one leader's promotions away by differencing two reports.

Reference: the project's differencing rule (``pilot_eval.privacy`` module docstring) and an
attacker who knows it.  Two reports of the sample cohort, the second without one pilot leader
(and that leader's employees): the attacker reads the published pilot row of
``results/promotion_equity.csv`` and the scorecard's ``promotion_air`` row in both reports,
knows T (the most people one pilot leader has in the counts; not published, the worst case),
lists every (lowest_n, lowest_promoted, highest_n, highest_promoted) that publishes exactly the
same rows, and subtracts: each pair of candidates is a possible (members, promoted) of the
removed leader in the lowest and in the highest group.

* On the exact values the attack succeeds: the scorecard row alone (ratio, Katz interval,
  n, Fisher p at full precision) has one solution in each report, and the subtraction gives
  the removed leader's team exactly.
* On the published values it fails: the true contribution is one of many candidates; the
  members in each group are left anywhere in a range at least as wide as T allows, and the
  promoted of the leader in the lowest group are not pinned to one number.

The fairness decision (four-fifths flag, Fisher p < 0.05) is computed before the rounding and
is the same as on the exact values.

Figures (sample, every one of the 45 pilot leaders removed in turn, same enumeration): 377 to
537 possible (members, promoted) of the leader; promoted in the lowest group (2 promotions in
all) 2 or 3 values, in the highest group 9 or 10; members in the lowest group anywhere in
0..13 or 0..14 (2..14 for the leader holding both promotions).  With the ratio on one
promotion's worth, or Fisher's p to two decimals, the leader's promoted in the lowest group was
pinned to one value in 45 of 45 removals, and ``test_published_values_do_not`` fails.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from pilot_eval import privacy as pv
from pilot_eval.data.cohort import Cohort, load_cohort
from pilot_eval.measures import scores as measures
from pilot_eval.measures.lagging_outcomes import most_people_per_leader, promotion_equity, small_numbers
from pilot_eval.steps.decision import scorecard as sc
from pilot_eval.steps.decision.indicators import Z95, probability_target_met, status_from_probability

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
#: Published columns the attacker reads (equity table's pilot row; scorecard row).
EQUITY_KEYS = ("lowest_n", "lowest_promoted", "lowest_rate", "highest_n", "highest_promoted", "highest_rate",
               "adverse_impact_ratio", "four_fifths_flag", "p_value", "small_numbers")
CARD_KEYS = ("value", "ci_low", "ci_high", "n", "method", "probability", "status", "fairness_flag",
             "value_text")


# ---------------------------------------------------------------------------
# the two reports
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample() -> Cohort:
    return load_cohort(SAMPLE)


def without_leader(cohort: Cohort, leader: str) -> Cohort:
    """The cohort of the next report: ``leader``, their employees and every row of theirs removed."""
    gone = set(cohort.employees.loc[cohort.employees["leader_id"].astype(str) == leader, "employee_id"])
    tables = {}
    for name, df in cohort.tables.items():
        keep = np.ones(len(df), dtype=bool)
        if "leader_id" in df.columns:
            keep &= (df["leader_id"].astype(str) != leader).to_numpy()
        if "employee_id" in df.columns:
            keep &= ~df["employee_id"].isin(gone).to_numpy()
        tables[name] = df[keep].reset_index(drop=True)
    return dataclasses.replace(cohort, tables=tables)


def exact_counts(cohort: Cohort) -> tuple[int, int, int, int]:
    """(lowest_n, lowest_promoted, highest_n, highest_promoted) of the pilot arm, exact."""
    row = promotion_equity(cohort, published=False).set_index("arm").loc["pilot"]
    return tuple(int(row[k]) for k in ("lowest_n", "lowest_promoted", "highest_n", "highest_promoted"))


def leader_counts(cohort: Cohort, leader: str, lowest: str, highest: str) -> tuple[int, int, int, int]:
    """The leader's (members, promoted) in the lowest and the highest group."""
    r = measures.promotion_rates(cohort.employees, cohort.leaders, cohort.config, by=("leader_id", "group"))
    r = r[(r["leader_id"].astype(str) == leader).to_numpy()]
    by_group = {str(g): (int(n), int(k)) for g, n, k in zip(r["group"], r["n"], r["promoted"])}
    (m1, k1), (m2, k2) = by_group.get(lowest, (0, 0)), by_group.get(highest, (0, 0))
    return m1, k1, m2, k2


def published_rows(cohort: Cohort) -> tuple[dict, dict]:
    """The pilot row of the published equity table and the scorecard's promotion_air row."""
    eq = promotion_equity(cohort).set_index("arm").loc["pilot"].to_dict()
    card = sc.build_scorecard(cohort, None).set_index("indicator").loc["promotion_air"].to_dict()
    return eq, card


# ---------------------------------------------------------------------------
# the attacker's model: the published rows of any four counts
# ---------------------------------------------------------------------------
def model_rows(n1: int, x1: int, n2: int, x2: int, most: float, target: float) -> tuple[dict, dict]:
    """What the report publishes for these counts (the same functions as the report)."""
    r1, r2 = x1 / n1, x2 / n2
    exact = {"lowest_n": n1, "lowest_promoted": x1, "lowest_rate": r1, "highest_n": n2, "highest_promoted": x2,
             "highest_rate": r2, "adverse_impact_ratio": r1 / r2, "four_fifths_flag": bool(r1 / r2 < 0.8),
             "p_value": float(stats.fisher_exact([[x1, n1 - x1], [x2, n2 - x2]])[1]),
             "small_numbers": bool(small_numbers([x1], [n1], [x2], [n2])[0])}
    eq = pv.coarsen_promotion_contrast(exact, most)
    air = sc.published_air(sc.air_from_counts(x1, n1, x2, n2), most, target)
    card = {"value": air["value"], "ci_low": air["ci_low"], "ci_high": air["ci_high"], "n": air["n"],
            "method": air["method"], "probability": air["published_probability"],
            "status": status_from_probability(air["probability"]), "fairness_flag": air["fairness_flag"],
            "value_text": air["value_text"]}
    return eq, card


def _same(a: object, b: object) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return str(a) == str(b)
    fa, fb = float(a), float(b)  # type: ignore[arg-type]
    if math.isnan(fa) or math.isnan(fb):
        return math.isnan(fa) and math.isnan(fb)
    return abs(fa - fb) <= 1e-9 * max(1.0, abs(fa))


def _near(values: np.ndarray, published: float, steps: np.ndarray, mode: str = "nearest") -> np.ndarray:
    """Necessary condition for ``round_to_step(values, steps, mode) == published`` (a little wider)."""
    d, tol = values - published, 1e-9 * np.maximum(1.0, np.abs(values))
    if mode == "down":
        return (d >= -tol) & (d <= steps + tol)
    if mode == "up":
        return (d <= tol) & (d >= -steps - tol)
    return np.abs(d) <= steps / 2 + tol


def fisher_p(x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray) -> np.ndarray:
    """Two-sided Fisher exact p of many 2 x 2 tables at once (scipy's rule: tables no more likely)."""
    if len(x1) == 0:
        return np.zeros(0)
    total = x1 + x2
    k = np.arange(int(total.max()) + 1)[None, :]
    pmf = stats.hypergeom.pmf(k, (n1 + n2)[:, None], total[:, None], n1[:, None])
    observed = stats.hypergeom.pmf(x1, n1 + n2, total, n1)[:, None]
    return np.minimum(1.0, np.where(pmf <= observed * (1 + 1e-7), pmf, 0.0).sum(axis=1))


def candidates(eq: dict, card: dict, most: float, target: float, min_n: int) -> set[tuple[int, int, int, int]]:
    """Every (n1, x1, n2, x2) whose published rows are ``eq`` and ``card`` (T = ``most`` known)."""
    s = pv.count_step(most)
    axes = []
    for key in ("lowest_n", "lowest_promoted", "highest_n", "highest_promoted"):
        c = float(eq[key])
        axes.append(np.arange(max(0, math.ceil(c - s / 2)), math.floor(c + s / 2) + 1))
    n1, x1, n2, x2 = (a.ravel() for a in np.meshgrid(*axes, indexing="ij"))
    ok = (x1 <= n1) & (x2 <= n2) & (x2 > 0) & (n1 >= min_n) & (n2 >= min_n)
    ok &= _near(n1 + n2, float(card["n"]), np.full(len(n1), s))
    n1, x1, n2, x2 = n1[ok], x1[ok], n2[ok], x2[ok]
    r1, r2 = x1 / n1, x2 / n2
    rate_step = {n: pv.publication_step(most, n) for n in set(n1.tolist()) | set(n2.tolist())}
    ok = r1 <= r2
    ok &= _near(r1, float(eq["lowest_rate"]), np.array([rate_step[n] for n in n1]))
    ok &= _near(r2, float(eq["highest_rate"]), np.array([rate_step[n] for n in n2]))
    n1, x1, n2, x2, r1, r2 = n1[ok], x1[ok], n2[ok], x2[ok], r1[ok], r2[ok]
    ratio_steps = np.array([pv.ratio_step(a, b, c) for a, b, c in zip(n1, x2, n2)])
    x1a, x2a = np.maximum(x1, 0.5), np.maximum(x2, 0.5)
    half = Z95 * np.sqrt(1 / x1a - 1 / n1 + 1 / x2a - 1 / n2)
    log_r = np.log((x1a / n1) / (x2a / n2))
    if math.isnan(float(card["value"])):  # small numbers: only the ratio's side of 0.8 is published
        ok = np.ones(len(n1), dtype=bool)
    else:
        ok = _near(r1 / r2, float(card["value"]), ratio_steps)
        ok &= _near(np.exp(log_r - half), float(card["ci_low"]), ratio_steps, "down")
        ok &= _near(np.exp(log_r + half), float(card["ci_high"]), ratio_steps, "up")
    ok &= small_numbers(x1, n1, x2, n2) == bool(eq["small_numbers"])
    ok &= (r1 / r2 < 0.8) == bool(eq["four_fifths_flag"])
    # the probability that the target is met (indicators.probability_target_met, log scale), published coarsely
    with np.errstate(divide="ignore"):
        centre = np.where(x1 > 0, np.log(r1 / r2), log_r)
    prob = stats.norm.cdf(Z95 * (centre - math.log(target)) / half)
    ok &= _near(prob, float(card["probability"]), np.full(len(prob), pv.PROBABILITY_STEP))
    n1, x1, n2, x2 = n1[ok], x1[ok], n2[ok], x2[ok]
    lo, hi, p_values = np.exp(log_r - half)[ok], np.exp(log_r + half)[ok], fisher_p(x1, n1, x2, n2)
    found = set()
    for i, c in enumerate(zip(n1.tolist(), x1.tolist(), n2.tolist(), x2.tolist())):
        m_eq, m_card = fast_rows(*c, float(lo[i]), float(hi[i]), float(p_values[i]), most, target)
        if all(_same(m_eq[k], eq[k]) for k in EQUITY_KEYS) and all(_same(m_card[k], card[k]) for k in CARD_KEYS):
            found.add(c)
    return found


def fast_rows(n1: int, x1: int, n2: int, x2: int, ci_low: float, ci_high: float, p: float, most: float,
              target: float) -> tuple[dict, dict]:
    """:func:`model_rows` with the interval and Fisher p given (vectorised above): the same rounding."""
    r1, r2 = x1 / n1, x2 / n2
    counts = {"lowest_n": n1, "lowest_promoted": x1, "highest_n": n2, "highest_promoted": x2}
    exact = {**counts, "lowest_rate": r1, "highest_rate": r2, "adverse_impact_ratio": r1 / r2,
             "four_fifths_flag": bool(r1 / r2 < 0.8), "p_value": p,
             "small_numbers": bool(small_numbers([x1], [n1], [x2], [n2])[0])}
    air = {**counts, "value": r1 / r2, "ci_low": ci_low, "ci_high": ci_high, "n": n1 + n2, "p_value": p,
           "small_numbers": exact["small_numbers"], "four_fifths_flag": exact["four_fifths_flag"]}
    prob = probability_target_met(r1 / r2, ci_low, ci_high, target, +1, "log")
    shown = pv.coarsen_promotion_contrast(air, most)
    card = {"value": shown["value"], "ci_low": shown["ci_low"], "ci_high": shown["ci_high"], "n": shown["n"],
            "method": "lowest / highest group promotion rate; Katz log interval; Fisher exact " + pv.format_coarse_p(p),
            "probability": pv.coarsen_probability(prob), "status": status_from_probability(prob),
            "fairness_flag": sc.fairness(air), "value_text": shown.get("ratio_class", "")}
    return pv.coarsen_promotion_contrast(exact, most), card


def leader_candidates(before: set, after: set, most: float) -> set[tuple[int, int, int, int]]:
    """Possible (members, promoted) of the removed leader in the lowest and highest group."""
    out = set()
    for a in before:
        for b in after:
            m1, k1, m2, k2 = (a[i] - b[i] for i in range(4))
            if 0 <= k1 <= m1 and 0 <= k2 <= m2 and m1 + m2 <= most:
                out.add((m1, k1, m2, k2))
    return out


def solve_exact(air: dict, min_n: int) -> set[tuple[int, int, int, int]]:
    """Every (n1, x1, n2, x2) with the exact scorecard row's ratio, Katz interval, n and Fisher p."""
    n, value, lo, hi, p = int(air["n"]), air["value"], air["ci_low"], air["ci_high"], air["p_value"]
    found = set()
    for n1 in range(min_n, n - min_n + 1):
        n2 = n - n1
        x1, x2 = (a.ravel() for a in np.meshgrid(np.arange(n1 + 1), np.arange(1, n2 + 1), indexing="ij"))
        r = (x1 / n1) / (x2 / n2)
        ok = np.isclose(r, value, rtol=1e-9, atol=0)
        if not ok.any():
            continue
        x1, x2 = x1[ok], x2[ok]
        x1a, x2a = np.maximum(x1, 0.5), np.maximum(x2, 0.5)
        half = Z95 * np.sqrt(1 / x1a - 1 / n1 + 1 / x2a - 1 / n2)
        log_r = np.log((x1a / n1) / (x2a / n2))
        ok = np.isclose(np.exp(log_r - half), lo, rtol=1e-9) & np.isclose(np.exp(log_r + half), hi, rtol=1e-9)
        x1, x2 = x1[ok], x2[ok]
        ok = np.isclose(fisher_p(x1, np.full(len(x1), n1), x2, np.full(len(x2), n2)), p, rtol=1e-9)
        found |= {(n1, int(a), n2, int(b)) for a, b in zip(x1[ok], x2[ok])}
    return found


# ---------------------------------------------------------------------------
# the tests
# ---------------------------------------------------------------------------
#: L0007 has 2 of group C's 2 promoted pilot employees (the hardest case); L0003 none of them.
LEADERS = ("L0007", "L0003")


@pytest.fixture(scope="module")
def report_a(sample):
    most = most_people_per_leader(sample.employees, sample.leaders, sample.config)["pilot"]
    eq, card = published_rows(sample)
    return most, eq, card, candidates(eq, card, most, 0.8, sample.config.min_group_size)


def test_the_attackers_model_is_the_report(sample, report_a):
    """The attacker's model publishes, for the true counts, exactly the report's rows; T is not published."""
    most, eq, card, _ = report_a
    m_eq, m_card = model_rows(*exact_counts(sample), most, 0.8)
    assert all(_same(m_eq[k], eq[k]) for k in EQUITY_KEYS)
    assert all(_same(m_card[k], card[k]) for k in CARD_KEYS)
    # the fast model of the enumeration (interval and p vectorised) agrees with it on many candidates
    for n1, x1, n2, x2 in sorted(report_a[3])[::25] + [(54, 2, 203, 18), (51, 0, 198, 18), (60, 7, 190, 9)]:
        ref = sc.air_from_counts(x1, n1, x2, n2)
        assert fisher_p(np.array([x1]), np.array([n1]), np.array([x2]), np.array([n2]))[0] == pytest.approx(
            ref["p_value"], rel=1e-9)
        fast = fast_rows(n1, x1, n2, x2, ref["ci_low"], ref["ci_high"], ref["p_value"], most, 0.8)
        slow = model_rows(n1, x1, n2, x2, most, 0.8)
        assert all(_same(fast[0][k], slow[0][k]) for k in EQUITY_KEYS)
        assert all(_same(fast[1][k], slow[1][k]) for k in CARD_KEYS)
    assert most == 14 and pv.count_step(most) == 20.0
    table = promotion_equity(sample)
    assert not any("most" in str(c) or "per_leader" in str(c) for c in table.columns)
    assert (eq["lowest_n"], eq["lowest_promoted"], eq["highest_n"], eq["highest_promoted"]) == (60, 0, 200, 20)
    assert "p = 0." not in card["method"] and "p of 0.05 or more" in card["method"]


@pytest.mark.parametrize("leader", LEADERS)
def test_exact_values_give_the_leader_away(sample, leader):
    """Unrounded: the scorecard row alone solves to the four counts in each report; subtracting them
    gives the removed leader's members and promoted in both groups exactly (the attack the rule stops)."""
    after = without_leader(sample, leader)
    k = sample.config.min_group_size
    rows = []
    for cohort in (sample, after):
        air = sc._air_with_ci(cohort.employees, cohort.leaders, cohort.config)
        solutions = solve_exact(air, k)
        n1, x1, n2, x2 = exact_counts(cohort)
        assert solutions == {(n1, x1, n2, x2)}  # one solution: the true counts
        rows.append(solutions.pop())
    eq = promotion_equity(sample, published=False).set_index("arm").loc["pilot"]
    true = leader_counts(sample, leader, eq["lowest_group"], eq["highest_group"])
    (n1a, x1a, n2a, x2a), (n1b, x1b, n2b, x2b) = rows
    assert (n1a - n1b, x1a - x1b, n2a - n2b, x2a - x2b) == true


@pytest.mark.parametrize("leader", LEADERS)
def test_published_values_do_not(sample, report_a, leader):
    """Rounded: many counts publish the same rows; the removed leader's members in each group range
    over most of 0..T and their promoted in either group are never pinned to one number."""
    most, eq_a, _, cand_a = report_a
    after = without_leader(sample, leader)
    most_b = most_people_per_leader(after.employees, after.leaders, after.config)["pilot"]
    eq_b, card_b = published_rows(after)
    assert (eq_b["lowest_group"], eq_b["highest_group"]) == (eq_a["lowest_group"], eq_a["highest_group"])
    cand_b = candidates(eq_b, card_b, most_b, 0.8, sample.config.min_group_size)
    assert exact_counts(sample) in cand_a and exact_counts(after) in cand_b
    assert len(cand_a) > 50 and len(cand_b) > 50
    possible = leader_candidates(cand_a, cand_b, most)
    true = leader_counts(sample, leader, eq_a["lowest_group"], eq_a["highest_group"])
    assert true in possible and len(possible) > 100
    members_low, promoted_low, members_high, promoted_high = (sorted({c[i] for c in possible}) for i in range(4))
    assert members_low[-1] - members_low[0] >= most / 2 and members_high[-1] - members_high[0] >= most / 2
    assert len(promoted_low) >= 2 and len(promoted_high) >= 5


def test_fairness_decision_is_computed_before_rounding(sample):
    """Flags and status come from the exact values; the published ones only show them."""
    exact = sc._air_with_ci(sample.employees, sample.leaders, sample.config)
    card = sc.build_scorecard(sample, None).set_index("indicator").loc["promotion_air"]
    assert bool(card["fairness_flag"]) == sc.fairness(exact)
    p_exact = probability_target_met(exact["value"], exact["ci_low"], exact["ci_high"], 0.8, +1, "log")
    assert card["status"] == status_from_probability(p_exact)
    assert card["value"] != exact["value"] and card["probability"] == pv.coarsen_probability(p_exact)
    pub, raw = promotion_equity(sample), promotion_equity(sample, published=False)
    for col in ("four_fifths_flag", "small_numbers"):
        assert pub[col].tolist() == raw[col].tolist()
    # small numbers (the sample's pilot arm): no ratio published, the warning says its side of 0.8
    for (_, p), (_, r) in zip(pub.iterrows(), raw.iterrows()):
        assert str(p["warning"]).startswith(str(r["warning"]))
        assert np.isnan(p["adverse_impact_ratio"]) == bool(r["small_numbers"])
        if r["small_numbers"]:
            side = "below 0.8" if r["four_fifths_flag"] else "0.8 or above"
            assert f"It is {side}" in p["warning"]
    # a ratio just under 0.8 is published as 0.80 but keeps its four-fifths flag and the fairness flag;
    # 310 of 4000 vs 400 of 4000 promoted: ratio 0.775, Fisher p < 0.001, ratio step 2 / 400 -> 0.005
    air = sc.air_from_counts(310, 4000, 400, 4000)
    assert air["value"] == pytest.approx(0.775) and air["p_value"] < 0.001 and sc.fairness(air)
    shown = sc.published_air(air, 40, 0.8)
    assert shown["fairness_flag"] and shown["value"] == 0.775 and "p < 0.001" in shown["method"]
    air = sc.air_from_counts(31, 100, 160, 400)  # ratio 0.775; step 2 / 40 = 0.05: published 0.80
    shown = sc.published_air(air, 40, 0.8)
    assert shown["value"] == 0.8 and shown["fairness_flag"] == sc.fairness(air) is False
    row = {"lowest_n": 100, "lowest_promoted": 31, "highest_n": 400, "highest_promoted": 160,
           "adverse_impact_ratio": 0.775, "four_fifths_flag": True}
    assert pv.coarsen_promotion_contrast(row, 40)["adverse_impact_ratio"] == 0.8
    assert pv.coarsen_promotion_contrast(row, 40)["four_fifths_flag"] is True


@pytest.mark.scenario
def test_small_numbers_cohort_not_seen_before():
    """A generated cohort (70 + 50, seed 7) whose lowest group has almost no promotions: with the
    ratio published, the removed leader's promoted count in that group was pinned to one value for
    5 of 6 leaders; published as its side of 0.8 only, it ranges over at least three values."""
    from pilot_eval.data.synth.generate import simulate_cohort

    cohort, _ = simulate_cohort(n_pilot=70, n_comparison=50, seed=7)
    most = most_people_per_leader(cohort.employees, cohort.leaders, cohort.config)["pilot"]
    eq, card = published_rows(cohort)
    assert bool(eq["small_numbers"]) and np.isnan(card["value"]) and card["value_text"] == "below 0.8"
    k = cohort.config.min_group_size
    cand = candidates(eq, card, most, 0.8, k)
    assert exact_counts(cohort) in cand
    pilot = sorted(cohort.leaders.loc[cohort.leaders["arm"] == "pilot", "leader_id"].astype(str))
    for leader in np.random.default_rng(1).choice(pilot, 3, replace=False):
        after = without_leader(cohort, str(leader))
        eq_b, card_b = published_rows(after)
        if (eq_b["lowest_group"], eq_b["highest_group"]) != (eq["lowest_group"], eq["highest_group"]):
            continue
        most_b = most_people_per_leader(after.employees, after.leaders, after.config)["pilot"]
        possible = leader_candidates(cand, candidates(eq_b, card_b, most_b, 0.8, k), most)
        true = leader_counts(cohort, str(leader), eq["lowest_group"], eq["highest_group"])
        assert true in possible
        assert len({c[1] for c in possible}) >= 3 and len({c[3] for c in possible}) >= 3


def test_no_ratio_gets_no_side_of_the_line():
    """Small numbers with no promotion in either group: the ratio is undefined, so nothing is said
    about its side of 0.8 (not '0.8 or above'); with a ratio, its side comes from the exact flag."""
    base = {"lowest_n": 60, "lowest_promoted": 0, "lowest_rate": 0.0, "highest_n": 80, "highest_promoted": 0,
            "highest_rate": 0.0, "adverse_impact_ratio": math.nan, "four_fifths_flag": False, "p_value": 1.0,
            "small_numbers": True}
    assert pv.coarsen_promotion_contrast(base, 14)["ratio_class"] == ""
    some = {**base, "highest_promoted": 3, "highest_rate": 3 / 80, "adverse_impact_ratio": 0.0,
            "four_fifths_flag": True}
    out = pv.coarsen_promotion_contrast(some, 14)
    assert out["ratio_class"] == "below 0.8" and math.isnan(out["adverse_impact_ratio"])
