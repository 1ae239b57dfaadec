"""Step 1: what the cohort looked like before training (notebook 01).

* :func:`leader_baseline` - one row per leader: arm, role, culture, org unit,
  tenure, team size and every measure in the **pre** window (baseline wave of
  the 360, pre-window months of pulse and behaviour_index, pre-window rates).
* :func:`table_one` - Table 1 of leaders by arm, every cell for a group under
  ``min_group_size`` suppressed (with complementary suppression, so a hidden
  cell cannot be recovered from the row or column totals).
* :func:`balance_table` - WWC baseline equivalence (Hedges' g / Cox index,
  :mod:`pilot_eval.stats.balance`) with small role / culture groups suppressed.
* :func:`covariates_to_adjust` - what the controls step must adjust for.

References
----------
What Works Clearinghouse (2022). Procedures and Standards Handbook, Version 5.0.
U.S. Department of Education, Institute of Education Sciences.
"""

from __future__ import annotations

from typing import Iterable, Sequence, cast

import numpy as np
import pandas as pd

from pilot_eval.measures import scores as measures
from pilot_eval.privacy import (
    coarsen_published, format_coarse, hidden_cells, publication_step, round_to_step, rounding_mode, step_decimals,
    variable_span,
)
from pilot_eval.stats.balance import BALANCE_COLUMNS, NOT_SATISFIED, REQUIRES_ADJUSTMENT, baseline_balance
from pilot_eval.data.cohort import Cohort
from pilot_eval.data.config import CohortConfig
from pilot_eval.data.windows import pre_months

#: Leader characteristics of Table 1 (categorical / continuous).
CATEGORICAL = ("role", "culture")
CHARACTERISTICS = ("tenure_years", "team_size")
#: Pre-window measures, in the order shown.
PRE_MEASURES = (
    "empathy_360", "self_other_gap", "pulse", "behaviour_index",
    "voluntary_attrition", "hr_incidents", "escalations",
)

SUPPRESSED_REASON = "group of fewer than {n} leaders: not shown (min_group_size)"
COMPLEMENT_REASON = "also hidden so the small group cannot be worked out from the totals"


def leader_baseline(cohort: Cohort, exclude_behaviours: Iterable[str] = ()) -> pd.DataFrame:
    """One row per leader with the characteristics and pre-window measures.

    Columns: leader_id, arm, role, culture, org_unit, tenure_years, team_size
    (average headcount in the pre window) and those of :data:`PRE_MEASURES`
    whose tables are present (missing optional tables drop their columns).
    """
    cfg = cohort.config
    leaders = cohort.leaders
    out = leaders[["leader_id", "arm", "role", "culture", "org_unit", "tenure_years"]].copy()

    emp = measures.empathy_360(cohort.ratings)
    emp = emp[emp["wave"] == "baseline"][["leader_id", "empathy_360"]]
    gap = measures.self_other_gap(cohort.ratings)
    gap = gap[gap["wave"] == "baseline"][["leader_id", "self_other_gap"]]
    pre = pre_months(cfg)
    pul = measures.pulse(cohort.pulse, cfg)
    pul = cast(pd.DataFrame, pul[pul["month"].isin(pre)].groupby("leader_id", as_index=False)["pulse"].mean())
    rates = measures.outcome_rates(cohort.employees, cohort.incidents, cfg)
    rates = rates[rates["window"] == "pre"]
    keep = ["leader_id", "avg_headcount", "voluntary_attrition"] + [
        c for c in ("hr_incidents", "escalations") if c in rates.columns
    ]
    rates = rates[keep].rename(columns={"avg_headcount": "team_size"})
    for part in (emp, gap, pul, rates):
        out = out.merge(part, on="leader_id", how="left")
    if cohort.observations is not None and cohort.behaviours is not None:
        bi = measures.behaviour_index(cohort.observations, cohort.behaviours, leaders, cfg,
                                      exclude=tuple(exclude_behaviours))
        bi = cast(pd.DataFrame,
                  bi[bi["month"].isin(pre)].groupby("leader_id", as_index=False)["behaviour_index"].mean())
        out = out.merge(bi, on="leader_id", how="left")
    cols = ["leader_id", "arm", "role", "culture", "org_unit", "tenure_years", "team_size"]
    cols += [m for m in PRE_MEASURES if m in out.columns]
    return out[cols].sort_values("leader_id", ignore_index=True)


def _fmt_count(n: int, total: int) -> str:
    return f"{n} ({100 * n / total:.0f}%)" if total else str(n)


def table_one(baseline: pd.DataFrame, config: CohortConfig) -> pd.DataFrame:
    """Table 1: leaders by arm, cells of groups under ``min_group_size`` suppressed.

    Parameters
    ----------
    baseline
        Output of :func:`leader_baseline`.
    config
        Supplies ``min_group_size``.

    Returns
    -------
    DataFrame with columns variable, level, statistic, one column per arm
    present (``pilot``, ``comparison``) and ``overall``, plus ``suppressed``
    (the reason when any cell of the row is hidden).  Cells are text; a hidden
    cell is empty.

    Notes
    -----
    Categorical rows give ``n (%)``.  A role or culture with fewer than
    ``min_group_size`` leaders in total shows no number at all.  A cell with
    fewer than ``min_group_size`` leaders in one arm is hidden, the row's
    overall too, and complementary suppression hides one more cell of the
    same column, so that no hidden count follows from the totals.  Continuous
    rows give ``mean (SD)`` over the leaders with a value; an arm with fewer
    than ``min_group_size`` such leaders is hidden.
    """
    scale = (config.scale_min, config.scale_max)
    k = config.min_group_size
    arms = [a for a in ("pilot", "comparison") if (baseline["arm"] == a).any()]
    cols = arms + ["overall"]
    n_arm = {a: int((baseline["arm"] == a).sum()) for a in arms}
    n_arm["overall"] = len(baseline)
    rows: list[dict] = [{
        "variable": "leaders", "level": "", "statistic": "n",
        **{c: str(n_arm[c]) for c in cols}, "suppressed": "",
    }]
    rows.append({
        "variable": "org_unit", "level": "", "statistic": "distinct org units",
        **{a: str(baseline.loc[baseline["arm"] == a, "org_unit"].nunique()) for a in arms},
        "overall": str(baseline["org_unit"].nunique()), "suppressed": "",
    })
    for var in CATEGORICAL:
        counts, complemented = hidden_cells(baseline, var, k)
        hidden = counts < k
        small_level = counts["overall"] < k
        for level in counts.index:
            row = {"variable": var, "level": level, "statistic": "n (%)"}
            reason = ""
            for c in cols:
                if complemented.loc[level, c]:
                    row[c] = ""
                    primary = bool(hidden.loc[level, c]) or bool(small_level.loc[level])
                    reason = SUPPRESSED_REASON.format(n=k) if primary else (reason or COMPLEMENT_REASON)
                else:
                    row[c] = _fmt_count(int(counts.loc[level, c]), n_arm[c])
            if small_level.loc[level]:
                row["level"] = "(suppressed group)"
            row["suppressed"] = reason
            rows.append(row)
    for var in (*CHARACTERISTICS, *[m for m in PRE_MEASURES if m in baseline.columns]):
        if var not in baseline.columns:
            continue
        row = {"variable": var, "level": "", "statistic": "mean (SD)"}
        reason = ""
        for c in cols:
            vals = baseline[var] if c == "overall" else baseline.loc[baseline["arm"] == c, var]
            vals = pd.to_numeric(vals, errors="coerce").dropna()
            if len(vals) < k:
                row[c] = ""
                reason = SUPPRESSED_REASON.format(n=k)
            else:
                # rounded to what one leader can change (privacy across reports, see privacy.py)
                step = publication_step(variable_span(var, scale), len(vals))
                sd = f"{round_to_step(vals.std(ddof=1), step, 'up'):.{step_decimals(step)}f}"
                row[c] = (f"{format_coarse(vals.mean(), step)} ({sd}), "
                          f"n={len(vals)}")
        row["suppressed"] = reason
        rows.append(row)
    return pd.DataFrame(rows, columns=["variable", "level", "statistic", *cols, "suppressed"])


def balance_table(baseline: pd.DataFrame, config: CohortConfig) -> pd.DataFrame:
    """Baseline equivalence of pilot vs comparison (``results/baseline_balance.csv``).

    Continuous characteristics and pre-window measures get Hedges' g, each role
    and culture level the Cox index, each with its WWC rating.  A role or
    culture with fewer than ``min_group_size`` leaders in total is left out
    (its level name is not shown either); a level with fewer than
    ``min_group_size`` leaders in one arm keeps only its WWC rating.

    Raises
    ------
    ValueError
        When the cohort has no comparison (or no pilot) leaders: equivalence
        cannot be assessed.
    """
    k = config.min_group_size
    variables = [v for v in (*CHARACTERISTICS, *PRE_MEASURES) if v in baseline.columns]
    df = baseline.copy()
    for var in CATEGORICAL:
        df[var] = df[var].astype(str)
    bal = baseline_balance(df, arm="arm", variables=[*variables, *CATEGORICAL])
    bal = bal.copy()
    bal["suppressed"] = ""
    for var in CATEGORICAL:
        counts, hidden = hidden_cells(df, var, k)
        for level in counts.index:
            idx = bal.index[bal["variable"] == f"{var}={level}"]
            if counts.loc[level, "overall"] < k:
                bal = bal.drop(idx)
            elif hidden.loc[level, ["pilot", "comparison"]].any():
                bal.loc[idx, ["pilot_mean", "comparison_mean", "smd", "smd_se"]] = np.nan
                bal.loc[idx, "suppressed"] = (f"a group of fewer than {k} leaders of this {var} in one arm "
                                              "(or hidden with one): only the WWC rating is shown")
    # an arm with fewer than k leaders with a value: its mean is an aggregate of a small group
    for var in variables:
        n_arm = df.dropna(subset=[var]).groupby("arm")["leader_id"].size()
        if (n_arm.reindex(["pilot", "comparison"], fill_value=0) < k).any():
            idx = bal.index[bal["variable"] == var]
            bal.loc[idx, ["pilot_mean", "comparison_mean", "smd", "smd_se"]] = np.nan
            bal.loc[idx, "wwc_rating"] = None
            bal.loc[idx, "suppressed"] = f"fewer than {k} leaders with a value in one arm: not shown"
    n_hidden = sum(int((df[v].value_counts() < k).sum()) for v in CATEGORICAL)
    bal = _coarsen_balance(bal.reset_index(drop=True), df, (config.scale_min, config.scale_max))
    bal.attrs["n_levels_left_out"] = n_hidden
    return bal


def _pooled_sd(df: pd.DataFrame, var: str) -> float:
    if var in df.columns and pd.api.types.is_numeric_dtype(df[var]):
        values = pd.to_numeric(df[var], errors="coerce")
    else:  # a "role=level" row: share of leaders at that level
        base, _, level = var.partition("=")
        if base not in df.columns:
            return np.nan
        values = (df[base].astype(str) == level).astype(float)
    parts = [values[df["arm"] == a].dropna() for a in ("pilot", "comparison")]
    dof = sum(len(p) - 1 for p in parts)
    if dof <= 0:
        return np.nan
    return float(np.sqrt(sum((len(p) - 1) * p.var(ddof=1) for p in parts if len(p) > 1) / dof))


def _coarsen_balance(bal: pd.DataFrame, df: pd.DataFrame, scale: tuple[int, int]) -> pd.DataFrame:
    """Means rounded to what one leader can change, and g (and its SE) to the matching step.

    A mean rounded to step q moves g by q / s (s = pooled SD), so g is rounded to
    max(q_pilot, q_comparison) / s on the same 1-2-2.5-5 grid; its SE, a function of g and
    the n's, to the same step.  See :mod:`pilot_eval.privacy` (differencing across reports).
    """
    out = coarsen_published(bal, "baseline_balance", scale=scale)
    for idx, row in out.iterrows():
        steps = [publication_step(variable_span(row["variable"], scale), row[n])
                 for n in ("n_pilot", "n_comparison") if n in out.columns]
        sd = _pooled_sd(df, str(row["variable"]))
        if not steps or not np.isfinite(sd) or sd <= 0:
            continue
        g_step = publication_step(max(steps) / sd, 1)  # the smallest grid step >= max(steps) / sd
        for col in ("smd", "smd_se"):
            if col in out.columns and pd.notna(row[col]):
                out.loc[idx, col] = round_to_step(float(row[col]), g_step, rounding_mode(col))
    return out


def empty_balance() -> pd.DataFrame:
    """The balance table of a cohort without a comparison group (no rows)."""

    return pd.DataFrame(columns=[*BALANCE_COLUMNS, "suppressed"])


def covariates_to_adjust(balance: pd.DataFrame) -> list[str]:
    """Characteristics the controls step must adjust for.

    Role and culture always (the design: selection and rating styles differ by
    both); any other variable whose WWC rating is not "satisfied" (|g| > 0.05).
    Variables rated "not satisfied" (|g| > 0.25) are listed too: adjustment
    alone cannot establish equivalence for them, and the report says so.
    """
    needs = balance[balance["wwc_rating"].isin([REQUIRES_ADJUSTMENT, NOT_SATISFIED])]["variable"]
    extra = sorted({v.split("=")[0] for v in needs} - set(CATEGORICAL))
    return [*CATEGORICAL, *extra]


def not_satisfied(balance: pd.DataFrame) -> list[str]:
    """Variables whose baseline difference exceeds 0.25 SD (WWC: not satisfied)."""
    return balance.loc[balance["wwc_rating"] == NOT_SATISFIED, "variable"].tolist()


def group_summaries(
    baseline: pd.DataFrame,
    config: CohortConfig,
    by: Sequence[str] = ("role",),
    measures_: Sequence[str] = ("empathy_360", "pulse"),
) -> pd.DataFrame:
    """Mean, SD, 95% CI and n of pre-window measures by ``by`` groups and arm.

    Groups with fewer than ``min_group_size`` leaders with a value get no
    numbers (and a reason in ``suppressed``); a role or culture with fewer
    than ``min_group_size`` leaders in total is dropped entirely, name included.
    Long format: group columns, arm, measure, n, mean, sd, ci_low, ci_high, suppressed.
    """
    from scipy import stats

    k = config.min_group_size
    df = baseline.copy()
    for col in by:
        df[col] = df[col].astype(str)
        counts, hidden = hidden_cells(df, col, k)
        df = df[df[col].map(counts["overall"]) >= k]
        mask = hidden.drop(columns="overall").stack()
        hide = {lvl_arm for lvl_arm, h in mask.items() if h}
        keep = np.array([(lvl, a) not in hide for lvl, a in zip(df[col], df["arm"])], dtype=bool)
        df = df[keep]
    long = df.melt(id_vars=[*by, "arm"], value_vars=[m for m in measures_ if m in df.columns],
                   var_name="measure", value_name="value").dropna(subset=["value"])
    g = long.groupby([*by, "arm", "measure"], observed=True)["value"]
    out = g.agg(n="size", mean="mean", sd="std").reset_index()
    se = out["sd"] / np.sqrt(out["n"])
    t = stats.t.ppf(0.975, np.maximum(out["n"] - 1, 1))
    out["ci_low"] = out["mean"] - t * se
    out["ci_high"] = out["mean"] + t * se
    small = out["n"] < k
    scale = (config.scale_min, config.scale_max)
    for idx, row in out.iterrows():  # rounded to what one leader can change (privacy.py)
        step = publication_step(variable_span(row["measure"], scale), row["n"])
        for col in ("mean", "sd", "ci_low", "ci_high"):
            out.loc[idx, col] = round_to_step(float(row[col]), step, rounding_mode(col))
    out.loc[small, ["mean", "sd", "ci_low", "ci_high"]] = np.nan
    out["n"] = out["n"].astype(object).where(~small, None)
    out["suppressed"] = np.where(small, SUPPRESSED_REASON.format(n=k), "")
    return out


def balance_summary_text(baseline: pd.DataFrame, balance: pd.DataFrame | None) -> str:
    """Plain-text conclusion of the baseline step (stable for nbval)."""
    n_p = int((baseline["arm"] == "pilot").sum())
    n_c = int((baseline["arm"] == "comparison").sum())
    lines = [f"leaders: {n_p} pilot, {n_c} comparison"]
    if balance is None:
        lines.append("no comparison group: baseline equivalence cannot be assessed")
        lines.append("adjust for: role, culture (within-leader change only; not causal)")
        return "\n".join(lines)
    rounded = False
    for var in ("empathy_360", "pulse", "behaviour_index"):
        row = balance[balance["variable"] == var]
        if len(row):
            r = row.iloc[0]
            means = []
            for arm in ("pilot", "comparison"):
                step = publication_step(variable_span(var), r.get(f"n_{arm}", np.nan))
                value = r[f"{arm}_mean"]
                means.append("not shown" if pd.isna(value) else
                             format_coarse(value, step) if np.isfinite(step) else f"{value:.3f}")
            g = "not shown" if pd.isna(r["smd"]) else f"{r['smd']:.2f}"
            lines.append(f"{var}: pilot {means[0]}, comparison {means[1]}, g ≈ {g} ({r['wwc_rating']})")
            rounded = True
    if rounded:
        lines.append("(means and g rounded to what one leader can change, so that reports of "
                     "cohorts differing by one leader cannot be subtracted; ratings use the unrounded g)")
    lines.append("adjust for: " + ", ".join(covariates_to_adjust(balance)))
    bad = not_satisfied(balance)
    lines.append("not satisfied (|g| > 0.25): " + (", ".join(bad) if bad else "none"))
    return "\n".join(lines)
