"""The R scripts of tests/reference/ re-derive every R value the tests hard-code.

Each script prints ``NAME value`` lines; this test runs it with ``Rscript`` and compares
every value with the constant the other tests use (to the precision the constant was
recorded with).  Skipped where R or an R package is missing (R is not a dependency of
pilot-eval: ``apt-get install r-base-core r-cran-psych r-cran-lme4 r-cran-sandwich
r-cran-mass r-cran-aer``; irr has no Debian build).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import test_effects
import test_icc
import test_internal_consistency
import test_kappa
import test_leading_lagging_methods as test_llm
import test_multiplicity

HERE = Path(__file__).resolve().parent / "reference"
ROOT = HERE.parents[1]

PSYCH_COLUMNS = ("ICC", "F", "df1", "df2", "p", "lower", "upper")
KAPPA_WEIGHTS = {"None": None, "linear": "linear", "quadratic": "quadratic"}


def _expected(name: str) -> tuple[float, float]:
    """(value the tests use, absolute tolerance of its recorded precision)."""
    head, _, rest = name.partition(".")
    if head == "PSYCH_ICC":
        method, col = rest.split(".")
        return test_icc.PSYCH_ICC[method][PSYCH_COLUMNS.index(col)], 1e-14
    if head == "ICCEST":
        return test_icc.ICCEST[rest], 1e-13
    if head == "PSYCH_ALPHA":
        return test_internal_consistency.PSYCH_ALPHA[int(rest)], 1e-13
    if head == "REFERENCE_R":  # 12 decimals; the variance components 8
        return test_effects.REFERENCE_R[rest], 5e-9 if rest.endswith("_var") else 5e-12
    if head == "R_DISPERSION":
        return test_llm.R_DISPERSION[rest], 1e-13
    if head == "IRR_KAPPA2":  # printed by irr to 7 significant digits
        weights, i = rest.split(".")
        return test_kappa.IRR_KAPPA2[KAPPA_WEIGHTS[weights]][int(i)], 5e-6
    if head == "FLEISS_DIAGNOSES":  # test_kappa.py docstring values
        return {"kappa": 0.4302445, "z": 17.65183}[rest], 5e-6
    if head == "R_P_ADJUST":  # tests/test_multiplicity.py, printed to 17 digits
        method, i = rest.split(".")
        return test_multiplicity.R_P_ADJUST[method][int(i)], 1e-15
    if head == "FISHER_TEA":  # test_measures.py::test_adverse_impact_fisher_tea_tasting
        return 0.4857143, 5e-8
    return getattr(test_llm, head), 1e-13 * max(1.0, abs(getattr(test_llm, head)))


def _run(script: str) -> dict[str, float]:
    if shutil.which("Rscript") is None:
        pytest.skip("R is not installed")
    proc = subprocess.run(["Rscript", str(HERE / script)], capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0 and "there is no package called" in proc.stderr:
        pytest.skip(proc.stderr.strip().splitlines()[0])
    assert proc.returncode == 0, proc.stderr
    values = {}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and re.fullmatch(r"[A-Z][A-Z0-9_]*(\.[\w.]+)?", parts[0]):
            values[parts[0]] = float(parts[1])
    assert values, proc.stdout
    return values


def test_reference_data_files_are_the_tests_data() -> None:
    """data/*.csv (read by the R scripts) equal what export_data.py makes from the tests."""
    sys.path.insert(0, str(HERE))
    import export_data

    for name, text in export_data.csv_texts().items():
        assert (HERE / "data" / name).read_text(encoding="utf-8") == text, name


@pytest.mark.slow
@pytest.mark.parametrize(
    ("script", "n_values"),
    [("icc_psych.R", 53), ("alpha_psych.R", 3), ("effects_lm_lmer.R", 8),
     ("count_models.R", 14), ("kappa_irr.R", 8), ("p_adjust.R", 18)],
)
def test_r_script_reproduces_the_hard_coded_values(script: str, n_values: int) -> None:
    values = _run(script)
    assert len(values) == n_values, sorted(values)
    for name, value in values.items():
        expected, tol = _expected(name)
        assert value == pytest.approx(expected, abs=tol), name
