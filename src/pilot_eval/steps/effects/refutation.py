"""Refutation checks reported next to the effect estimates.

Two ways an estimate can fool us, and a check for each:

* **Placebo outcomes** (:func:`placebo_tests`): the same ANCOVA-style model
  (pilot + role + culture + tenure, cluster-robust by org unit) on something
  the training cannot have changed because it was measured before it started:
  the baseline-wave 360 score, and the pre-window trend (last pre month minus
  first pre month) of each monthly outcome.  An "effect" there means pilot
  leaders differed from comparable comparison leaders in ways the controls do
  not capture, and the real estimates may carry that selection too.
* **Permuted treatment** (:func:`permutation_check`): the arm labels are
  shuffled within role x culture strata many times and the ANCOVA estimate
  recomputed for every shuffle (all at once, by Frisch-Waugh-Lovell: the
  outcome and each permuted pilot column are residualised on the controls
  with one QR decomposition).  The observed estimate should sit far out in
  this "no effect" distribution; its position is a randomisation p-value that
  does not lean on the cluster-robust standard errors.

References
----------
Athey, S. & Imbens, G. W. (2017). The state of applied econometrics: causality
and policy evaluation. *Journal of Economic Perspectives*, 31(2), 3-32
(placebo and supplementary analyses).

Imbens, G. W. & Rubin, D. B. (2015). *Causal Inference for Statistics, Social,
and Biomedical Sciences*, ch. 5 (Fisher randomisation tests), ch. 9 (stratified).
"""

from __future__ import annotations

import dataclasses
from typing import Iterable, Sequence, cast

import numpy as np
import pandas as pd

from pilot_eval.stats.cluster_bootstrap import MIN_CLUSTERS, cluster_inference
from pilot_eval.stats.cluster_ols import drop_collinear, dummies, numeric_with_indicator
from pilot_eval.data.cohort import Cohort
from pilot_eval.measures.outcome_frames import MONTHLY_OUTCOMES, missing_tables, monthly_values, wave_panel
from pilot_eval.steps.effects.arms import comparison_shown
from pilot_eval.steps.effects.models import TREATED, ancova_model_design, complete_cases
from pilot_eval.data.windows import pre_months

PLACEBO_COLUMNS: tuple[str, ...] = (
    "check", "outcome", "estimate", "std_error", "ci_low", "ci_high", "p_value", "n", "n_clusters",
    "ci_method", "verdict",
)


def _placebo_design(df: pd.DataFrame):
    t = df["arm"].eq("pilot").to_numpy(dtype="float64", na_value=0.0)
    X = pd.concat([pd.DataFrame({"const": np.ones(len(df)), TREATED: t}, index=df.index),
                   numeric_with_indicator(df["tenure_years"], "tenure_years"),
                   dummies(df["role"], "role"), dummies(df["culture"], "culture")], axis=1)
    return drop_collinear(X.to_numpy(dtype="float64"), list(X.columns))


def _verdict(row: dict[str, object]) -> str:
    lo, hi = cast(float, row["ci_low"]), cast(float, row["ci_high"])
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "not testable"
    if lo <= 0 <= hi:
        return "passes: no difference where the training cannot have had an effect"
    return ("fails: pilot leaders already differed from comparable comparison leaders before training; "
            "the effect estimates may carry this selection")


def placebo_tests(
    cohort: Cohort,
    exclude: Iterable[str] = (),
    n_boot: int = 999,
    seed: int | None = 0,
    weights: str = "webb",
    alpha: float = 0.05,
    min_clusters: int = MIN_CLUSTERS,
) -> pd.DataFrame:
    """Placebo "effects" on pre-training measures, with role and culture controls.

    Checks: ``baseline 360 level`` (empathy_360 in the baseline wave) and
    ``pre-window trend`` of each monthly outcome the cohort has (value in the
    last pre month minus the first pre month).  Model: ``y ~ pilot + role +
    culture + tenure``, cluster-robust by org unit (wild cluster bootstrap
    with fewer than ``min_clusters`` org units).

    Returns
    -------
    DataFrame
        :data:`PLACEBO_COLUMNS`; empty without a comparison group.
    """
    if not comparison_shown(cohort):  # no comparison, or an arm under min_group_size
        return pd.DataFrame(columns=list(PLACEBO_COLUMNS))
    leaders = cohort.leaders[["leader_id", "arm", "role", "culture", "org_unit", "tenure_years"]]
    targets: list[tuple[str, str, pd.DataFrame]] = []
    wp = wave_panel(cohort)
    targets.append(("baseline 360 level", "empathy_360", wp[wp["wave"] == "baseline"]))
    pre = pre_months(cohort.config)
    for outcome in MONTHLY_OUTCOMES:  # a handful of outcomes
        if missing_tables(cohort, outcome) or len(pre) < 2:
            continue
        m = monthly_values(cohort, outcome, exclude)
        wide = m[m["month"].isin([pre[0], pre[-1]])].pivot_table(index="leader_id", columns="month",
                                                                 values="value", observed=True)
        if pre[0] not in wide.columns or pre[-1] not in wide.columns:
            continue
        trend = (wide[pre[-1]] - wide[pre[0]]).rename("value").dropna().reset_index()
        trend["leader_id"] = trend["leader_id"].astype(leaders["leader_id"].dtype)
        targets.append((f"pre-window trend (month {pre[-1]} minus {pre[0]})", outcome,
                        leaders.merge(trend, on="leader_id", how="inner")))
    rows = []
    for check, outcome, df in targets:
        df = complete_cases(df, ["value"])
        if df["arm"].eq("pilot").sum() < 2 or df["arm"].eq("comparison").sum() < 2:
            continue
        design = _placebo_design(df)
        res = cluster_inference(df["value"].to_numpy(dtype="float64"), design, df["org_unit"], TREATED,
                                n_boot=n_boot, seed=seed, weights=weights, alpha=alpha,
                                min_clusters=min_clusters, fallback_clusters=df["leader_id"])
        row = {"check": check, "outcome": outcome, **res, "n": len(df)}
        row["verdict"] = _verdict(row)
        rows.append(row)
    return pd.DataFrame(rows, columns=list(PLACEBO_COLUMNS))


# ---------------------------------------------------------------------------
# permuted treatment
# ---------------------------------------------------------------------------
def stratified_permutations(strata: np.ndarray, n_perm: int, seed: int | None = 0) -> np.ndarray:
    """Random permutations of positions within strata (n x B index matrix).

    Column ``b`` maps every position to the position whose label it takes in
    permutation ``b``; positions are only exchanged within their stratum.
    Vectorised: sorting ``stratum + uniform`` along each column shuffles the
    positions of each stratum independently.
    """
    codes = pd.factorize(pd.Series(np.asarray(strata, dtype=object)), sort=True)[0].astype("float64")
    n = len(codes)
    rng = np.random.default_rng(seed)
    keys = codes[:, None] + rng.random((n, n_perm))
    shuffled = np.argsort(keys, axis=0, kind="stable")
    base = np.argsort(codes, kind="stable")  # positions grouped by stratum, in order
    perm = np.empty((n, n_perm), dtype=np.int64)
    perm[base, :] = shuffled
    return perm


@dataclasses.dataclass(frozen=True)
class PermutationCheck:
    """Observed ANCOVA estimate and its distribution under permuted arms."""

    outcome: str
    observed: float
    permuted: np.ndarray
    p_value: float
    n_perm: int

    def summary(self) -> dict[str, object]:
        q = np.quantile(self.permuted, [0.025, 0.975]) if len(self.permuted) else (np.nan, np.nan)
        return {"check": "permuted treatment (within role x culture)", "outcome": self.outcome,
                "estimate": self.observed, "perm_q025": float(q[0]), "perm_q975": float(q[1]),
                "p_value": self.p_value, "n_perm": self.n_perm,
                "verdict": ("passes: the estimate is far outside what shuffled arms give" if self.p_value < 0.05
                            else "the estimate is within what shuffled arms give: no evidence of an effect")}


def ancova_permutation_estimates(y: np.ndarray, design, column: str, treated_perm: np.ndarray) -> np.ndarray:
    """ANCOVA coefficient of ``column`` for each permuted treatment column (FWL, vectorised).

    ``treated_perm`` is n x B; the controls (every other design column) stay fixed.
    """
    j = design.index(column)
    Z = np.delete(design.X, j, axis=1)
    Q, _ = np.linalg.qr(Z)
    y_res = y - Q @ (Q.T @ y)
    T = treated_perm.astype("float64")
    T_res = T - Q @ (Q.T @ T)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (T_res.T @ y_res) / np.einsum("ij,ij->j", T_res, T_res)


def permutation_check(
    frame: pd.DataFrame,
    covariates: Sequence[str] = (),
    n_perm: int = 999,
    seed: int | None = 0,
    strata: Sequence[str] = ("role", "culture"),
) -> PermutationCheck:
    """Distribution of the ANCOVA estimate when the arm labels are shuffled within strata.

    Parameters
    ----------
    frame
        Output of :func:`pilot_eval.measures.outcome_frames.outcome_frame`.
    covariates
        Extra ANCOVA covariates (as in :func:`pilot_eval.steps.effects.models.ancova_effect`).
    n_perm
        Number of permutations B.
    seed
        Seed of the permutations.
    strata
        Columns whose combinations define the strata.

    Returns
    -------
    PermutationCheck
        With the randomisation p-value ``(1 + #{|b*| >= |b|}) / (1 + B)``.
    """
    df = complete_cases(frame, ["baseline", "endline"])
    design, _, _ = ancova_model_design(df, covariates)
    y = df["endline"].to_numpy(dtype="float64")
    treated = df["arm"].eq("pilot").to_numpy(dtype="float64", na_value=0.0)
    observed = float(ancova_permutation_estimates(y, design, TREATED, treated[:, None])[0])
    key = df[list(strata)].astype("str").agg("|".join, axis=1).to_numpy(dtype=object)
    perm = stratified_permutations(key, n_perm, seed)
    est = ancova_permutation_estimates(y, design, TREATED, treated[perm])
    est = est[np.isfinite(est)]
    p = (1 + int(np.count_nonzero(np.abs(est) >= abs(observed) * (1 - 1e-12)))) / (1 + len(est))
    return PermutationCheck(frame.attrs.get("outcome", ""), observed, est, float(p), len(est))


def permutation_histogram(check: PermutationCheck, bins: int = 40) -> pd.DataFrame:
    """Binned permuted estimates for a chart: ``bin_start, bin_end, count`` (at most ``bins`` rows)."""
    lo = min(float(check.permuted.min()), check.observed)
    hi = max(float(check.permuted.max()), check.observed)
    counts, edges = np.histogram(check.permuted, bins=bins, range=(lo, hi))
    return pd.DataFrame({"bin_start": edges[:-1], "bin_end": edges[1:], "count": counts.astype("int64")})


def permutation_checks(
    frames: dict[str, pd.DataFrame],
    covariates: Sequence[str] = (),
    n_perm: int = 999,
    seed: int | None = 0,
) -> dict[str, PermutationCheck]:
    """:func:`permutation_check` for every outcome with both arms."""
    out = {}
    for outcome, frame in frames.items():  # a handful of outcomes
        df = complete_cases(frame, ["baseline", "endline"])
        if df["arm"].eq("pilot").sum() >= 2 and df["arm"].eq("comparison").sum() >= 2:
            out[outcome] = permutation_check(frame, covariates, n_perm, seed)
    return out


def refutation_table(effects_table: pd.DataFrame, placebos: pd.DataFrame,
                     checks: dict[str, PermutationCheck]) -> pd.DataFrame:
    """Refutation checks next to the ANCOVA estimate of each outcome.

    Returns
    -------
    DataFrame
        ``outcome, ancova_estimate, ancova_ci_low, ancova_ci_high, check,
        estimate, ci_low, ci_high, p_value, verdict``: one row per permuted
        treatment check (``ci_low``/``ci_high`` = the middle 95% of the
        shuffled estimates) and per placebo.
    """
    anc = effects_table[effects_table["model"] == "ancova"].set_index("outcome")
    rows = []
    for outcome, chk in checks.items():
        s = chk.summary()
        rows.append({"outcome": outcome, "check": s["check"], "estimate": s["estimate"],
                     "ci_low": s["perm_q025"], "ci_high": s["perm_q975"], "p_value": s["p_value"],
                     "verdict": s["verdict"]})
    for r in placebos.itertuples():
        rows.append({"outcome": r.outcome, "check": f"placebo: {r.check}", "estimate": r.estimate,
                     "ci_low": r.ci_low, "ci_high": r.ci_high, "p_value": r.p_value, "verdict": r.verdict})
    cols = ["outcome", "ancova_estimate", "ancova_ci_low", "ancova_ci_high", "check", "estimate", "ci_low",
            "ci_high", "p_value", "verdict"]
    out = pd.DataFrame(rows, columns=[c for c in cols if not c.startswith("ancova")])
    for src, dst in (("estimate", "ancova_estimate"), ("ci_low", "ancova_ci_low"), ("ci_high", "ancova_ci_high")):
        out[dst] = out["outcome"].map(anc[src]).astype("float64") if len(anc) else np.nan
    order = {o: i for i, o in enumerate(dict.fromkeys(effects_table["outcome"]))}
    out = out.sort_values("outcome", key=lambda s: s.map(order), kind="stable", ignore_index=True)
    return out[cols]
