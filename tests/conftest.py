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
    from pilot_eval.data.synth import generate_cohort

    out = tmp_path_factory.mktemp("tiny") / "cohort"
    generate_cohort(out, n_pilot=10, n_comparison=10, seed=7, effect=0.4)
    return out


#: User-supplied text that must stay inert: a spreadsheet formula and an HTML script.
HOSTILE_ROLE = '=HYPERLINK("http://x","y")'
HOSTILE_CULTURE = "<script>alert(1)</script>"
HOSTILE_NAME = 'Pilot <b>"bold"</b> & =1+1'


@pytest.fixture(scope="session")
def hostile_cohort(tiny_cohort, tmp_path_factory) -> Path:
    """The tiny cohort with user text an attacker (or a careless export) could supply:
    a role named like a spreadsheet formula and a culture named like a script, each
    large enough (>= min_group_size leaders) to be shown, and a cohort name with markup."""
    import json
    import shutil

    import pandas as pd

    out = tmp_path_factory.mktemp("hostile") / "cohort"
    shutil.copytree(tiny_cohort, out)
    leaders = pd.read_csv(out / "leaders.csv", dtype=str, keep_default_na=False)
    leaders.loc[leaders.index[:12], "role"] = HOSTILE_ROLE
    leaders.loc[leaders.index[6:18], "culture"] = HOSTILE_CULTURE
    leaders.to_csv(out / "leaders.csv", index=False)
    toml = (out / "cohort.toml").read_text(encoding="utf-8").splitlines()
    # a JSON string is a valid TOML basic string for this text
    toml = [f"name = {json.dumps(HOSTILE_NAME)}" if line.startswith("name =") else line for line in toml]
    (out / "cohort.toml").write_text("\n".join(toml) + "\n", encoding="utf-8")
    return out


@pytest.fixture(scope="session")
def built_report(hostile_cohort, tmp_path_factory):
    """The full report of the hostile tiny cohort, built once per session: (cohort, out, result)."""
    from pilot_eval.report.build import build_report

    out = tmp_path_factory.mktemp("rep") / "report"
    result = build_report(hostile_cohort, out, progress=False, log=lambda msg: None)
    return hostile_cohort, out, result
