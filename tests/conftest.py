"""Shared fixtures: small synthetic cohorts written once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"
EXTERNAL = Path(__file__).resolve().parent / "fixtures" / "external_cohort"


@pytest.fixture(scope="session")
def tiny_cohort(tmp_path_factory) -> Path:
    """A small synthetic cohort (10 pilot + 10 comparison leaders), CSV."""
    from pilot_eval.synth import generate_cohort

    out = tmp_path_factory.mktemp("tiny") / "cohort"
    generate_cohort(out, n_pilot=10, n_comparison=10, seed=7, effect=0.4)
    return out


@pytest.fixture(scope="session")
def built_report(tiny_cohort, tmp_path_factory):
    """The full report of the tiny cohort, built once per session: (cohort, out, result)."""
    from pilot_eval.report import build_report

    out = tmp_path_factory.mktemp("rep") / "report"
    result = build_report(tiny_cohort, out, progress=False, log=lambda msg: None)
    return tiny_cohort, out, result
