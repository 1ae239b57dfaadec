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
