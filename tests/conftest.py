"""Shared fixtures: small synthetic cohorts written once per test session."""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import Callable, Iterator

import pytest

import early_imports  # noqa: F401  (jsonschema's slow IRI checker left out, when make did not load it first)

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"
EXTERNAL = Path(__file__).resolve().parent / "fixtures" / "external_cohort"


def _shared_root(tmp_path_factory) -> Path:
    """A folder all pytest-xdist workers of this run share (the session's own folder without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def shared_once(tmp_path_factory, name: str, build: Callable[[Path], object]) -> Path:
    """Build ``name`` once per test run, whichever worker asks first; the others reuse it.

    ``build(folder)`` writes into ``folder``, which is empty and exists.
    """
    root = _shared_root(tmp_path_factory) / "shared-fixtures"
    root.mkdir(exist_ok=True)
    folder, done = root / name, root / f"{name}.done"
    with _locked(root / f".{name}.lock"):
        if not done.exists():
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            build(folder)
            done.write_text("ok")
    return folder


def _build_tiny(folder: Path) -> None:
    from pilot_eval.data.synth import generate_cohort

    generate_cohort(folder / "cohort", n_pilot=10, n_comparison=10, seed=7, effect=0.4)


@pytest.fixture(scope="session")
def tiny_cohort(tmp_path_factory) -> Path:
    """A small synthetic cohort (10 pilot + 10 comparison leaders), CSV."""
    return shared_once(tmp_path_factory, "tiny", _build_tiny) / "cohort"


#: User-supplied text that must stay inert: a spreadsheet formula and an HTML script.
HOSTILE_ROLE = '=HYPERLINK("http://x","y")'
HOSTILE_CULTURE = "<script>alert(1)</script>"
HOSTILE_NAME = 'Pilot <b>"bold"</b> & =1+1'


@pytest.fixture(scope="session")
def hostile_cohort(tmp_path_factory) -> Path:
    """The tiny cohort with user text an attacker (or a careless export) could supply:
    a role named like a spreadsheet formula and a culture named like a script, each
    large enough (>= min_group_size leaders) to be shown, and a cohort name with markup."""
    return _hostile_cohort(tmp_path_factory)


def _hostile(tiny_cohort: Path, out: Path) -> None:
    import json
    import shutil

    import pandas as pd

    shutil.copytree(tiny_cohort, out)
    leaders = pd.read_csv(out / "leaders.csv", dtype=str, keep_default_na=False)
    leaders.loc[leaders.index[:12], "role"] = HOSTILE_ROLE
    leaders.loc[leaders.index[6:18], "culture"] = HOSTILE_CULTURE
    leaders.to_csv(out / "leaders.csv", index=False)
    toml = (out / "cohort.toml").read_text(encoding="utf-8").splitlines()
    # a JSON string is a valid TOML basic string for this text
    toml = [f"name = {json.dumps(HOSTILE_NAME)}" if line.startswith("name =") else line for line in toml]
    (out / "cohort.toml").write_text("\n".join(toml) + "\n", encoding="utf-8")


#: Parameters (``-p``) of the shared report: 99 bootstrap replicates and permutations instead of
#: the notebooks' 999 (about 8 s less CPU on a build the report-reading tests wait for; every
#: page, table and chart is still produced; the sample's notebooks run with the defaults in nbval).
BUILT_REPORT_PARAMS: dict[str, object] = {"n_boot": 99, "n_permutations": 99}

_BUILD_SCRIPT = """
import json, sys
from pathlib import Path
from pilot_eval.report.build import build_report
build_report(Path(sys.argv[1]), Path(sys.argv[2]), params=json.loads(sys.argv[3]) or None, progress=False,
             log=lambda m: None)
"""


def _report_folder(tmp_path_factory) -> Path:
    root = _shared_root(tmp_path_factory) / "shared-fixtures"
    root.mkdir(exist_ok=True)
    return root / "rep"


def _start_report_build(tmp_path_factory) -> None:
    """Start building the shared report in the background, once per run (whichever worker is first).

    Called at collection, so the report is built while the workers run the other tests;
    :func:`built_report` waits for it.  The build's exit status lands in ``rep.rc``.
    """
    import json
    import subprocess
    import sys

    folder = _report_folder(tmp_path_factory)
    with _locked(folder.parent / ".rep.lock"):
        if (folder.parent / "rep.started").exists():
            return
        cohort = _hostile_cohort(tmp_path_factory)
        folder.mkdir(exist_ok=True)
        cmd = [sys.executable, "-c", _BUILD_SCRIPT, str(cohort), str(folder / "report"),
               json.dumps(BUILT_REPORT_PARAMS)]
        # a background shell runs the build and writes its exit status when it ends, whether or not
        # this worker is still running then; the shell started here returns at once
        env = {**os.environ, "RC": str(folder.parent / "rep.rc"), "LOG": str(folder.parent / "rep.log")}
        subprocess.run(["/bin/sh", "-c", '("$@" > "$LOG" 2>&1; echo $? > "$RC") &', "sh", *cmd], env=env,
                       check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        (folder.parent / "rep.started").write_text("ok")


def _hostile_cohort(tmp_path_factory) -> Path:
    tiny = shared_once(tmp_path_factory, "tiny", _build_tiny) / "cohort"
    return shared_once(tmp_path_factory, "hostile", lambda folder: _hostile(tiny, folder / "cohort")) / "cohort"


def _uses_report(item) -> bool:
    return "built_report" in getattr(item, "fixturenames", ())


#: Tests measured slow (``pytest --durations``: several seconds each on 2 cores) in files whose
#: owners had not marked them yet: marked ``slow`` here, so make test-fast stays under 90 s; they
#: run in make test.  A prefix of a node id (a file, or a test with all its parameters).
MEASURED_SLOW = (
    "tests/test_validate_inputs.py::test_absurd_windows_exit_2_before_any_notebook_listing_all",
    "tests/test_validate_inputs.py::test_report_rejects_bad_parameter_values_before_any_notebook",
    "tests/test_validate_inputs.py::test_near_duplicate_categories_are_a_warning",
    "tests/test_report_target.py::test_cli_report_refuses_non_report_out_exit_2",
    "tests/test_report_target.py::test_report_marks_its_folder_and_replaces_only_its_own",
    "tests/test_reliability.py",  # its module fixtures analyse five cohorts
    "tests/test_decision_degenerate.py::test_steps_2_3_5_survive",
    "tests/test_decision_sim_smoke.py",
    "tests/test_leading_lagging_methods.py::test_decided_stop_keeps_sample_verdicts_and_p_values",
    "tests/test_leading_lagging_methods.py::test_cv_gain_matches_sklearn_loop_and_permutation_p",
    "tests/test_leading_lagging_indicators.py::test_timecourse_aggregates_and_suppresses",
    "tests/test_leading_lagging_indicators.py::test_validate_pairs_table",
    "tests/test_effects_did.py::test_pretrend_test_has_roughly_nominal_size_on_synthetic_cohorts",
    "tests/test_effects.py",  # its module fixture estimates every model on a cohort
    "tests/test_rater_calibration.py::test_observer_leniency_recovers_planted_severity",
    "tests/test_benchmarks_smoke.py::test_time_exports_writes_html",
    "tests/test_synth.py::test_harm_knob_plants_more_hr_incidents_and_leaves_the_360",
    "tests/test_synth.py::test_exits_and_hr_incidents_fall_with_the_pulse",
    "tests/test_decision.py",  # evaluate() on whole cohorts, degenerate ones included
    "tests/test_leading_lagging_indicators.py",  # its module fixture validates every pair
    "tests/test_leading_lagging_rule.py::test_supporting_methods_never_change_the_verdict",
    "tests/test_import.py::test_bad_spec_lists_every_problem_and_writes_nothing",
    "tests/test_effects_refutation.py::test_refutation_table_puts_checks_next_to_ancova",
    "tests/test_report_as_of.py::test_twelve_month_view_per_arm_with_small_groups_hidden",
    # about a second or more each on an idle machine (15:35 UTC measurement, load ~4.5)
    "tests/test_baseline.py::test_baseline_empathy_g_matches_independent_computation_on_external_cohort",
    "tests/test_baseline.py::test_group_summaries_when_every_group_is_hidden",
    "tests/test_baseline.py::test_no_comparison_group_cannot_assess_equivalence",
    "tests/test_baseline.py::test_small_culture_gets_no_number_anywhere",
    "tests/test_baseline.py::test_table_one_suppresses_small_cells_with_reason",
    "tests/test_benchmarks_smoke.py::test_kernel_start_runs_an_empty_notebook",
    "tests/test_effect_outcomes.py::test_monthly_rates_by_hand",
    "tests/test_effects_did.py::test_event_studies_skip_and_no_comparison",
    "tests/test_effects_heterogeneity.py::test_effects_by_role_equal_interaction_regression",
    "tests/test_effects_refutation.py::test_permutation_check_p_value_and_null_centre",
    "tests/test_interim.py::test_spending_alpha_at_the_final_never_changes_scale",
    "tests/test_interim.py::test_the_interim_rule_never_says_scale",
    "tests/test_leading_lagging_rule.py::test_binary_indicator_mde_says_times_the_events",
    "tests/test_leading_lagging_rule.py::test_each_of_the_three_verdicts",
    "tests/test_leading_lagging_rule.py::test_holm_within_each_window_and_windows_do_not_interact",
    "tests/test_rater_calibration.py::test_observer_severity_matches_loop_reference",
    "tests/test_report_as_of.py::test_cli_refusals_exit_2_before_any_work",
    "tests/test_scorecard.py::test_holm_matches_statsmodels",
    "tests/test_stats_api.py::test_functions_named_like_their_module_are_the_functions",
    "tests/test_stats_api.py::test_stats_imports_nothing_of_the_project",
    "tests/test_synth.py::test_output_passes_the_validator",
    "tests/test_synth.py::test_promotion_rates_match_the_planted_rates",
    "tests/test_synth.py::test_selection_favours_managers_and_apac_americas",
    "tests/test_synth.py::test_simulate_cohort_equals_the_loaded_files",
    "tests/test_synth.py::test_team_moves_are_recorded_and_valid",
    "tests/test_validate_inputs.py::test_settings_that_cannot_be_computed_are_violations",
    "tests/test_validate_team_history.py::test_overlapping_stints_are_a_violation",
)


def pytest_itemcollected(item):
    """A test that reads the shared report (it builds one) or is in :data:`MEASURED_SLOW` is ``slow``."""
    if _uses_report(item) or item.nodeid.startswith(MEASURED_SLOW):
        item.add_marker(pytest.mark.slow)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    """Tests that read the shared report run last (same order in every xdist worker)."""
    items[:] = [it for it in items if not _uses_report(it)] + [it for it in items if _uses_report(it)]


def pytest_collection_finish(session):
    """When a selected test reads the shared report, start building it now, in the background."""
    if session.config.option.collectonly or not any(_uses_report(it) for it in session.items):
        return
    _start_report_build(session.config._tmp_path_factory)


@pytest.fixture(scope="session")
def built_report(hostile_cohort, tmp_path_factory):
    """The full report of the hostile tiny cohort, built once per test run: (cohort, out, result).

    Shared by every pytest-xdist worker: the build starts in the background at
    collection (:func:`pytest_collection_modifyitems`) and this fixture waits for it;
    ``result`` is rebuilt from the report's manifest.  Built with
    :data:`BUILT_REPORT_PARAMS`.
    """
    import json
    import time

    from pilot_eval.report.build import ReportResult
    from pilot_eval.report.notebooks import NotebookRun

    _start_report_build(tmp_path_factory)  # no-op when collection started it
    folder = _report_folder(tmp_path_factory)
    rc_file = folder.parent / "rep.rc"
    deadline = time.monotonic() + 1800
    while not rc_file.exists() or not rc_file.read_text().strip():
        if time.monotonic() > deadline:
            pytest.fail(f"the shared report is not built after 30 minutes (log: {folder.parent / 'rep.log'})")
        time.sleep(0.5)
    if rc_file.read_text().strip() != "0":
        log = (folder.parent / "rep.log").read_text(errors="replace")
        pytest.fail(f"the shared report did not build (exit {rc_file.read_text().strip()}):\n{log[-3000:]}")
    out = folder / "report"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    runs = [NotebookRun(r["name"], r["seconds"]) for r in manifest["notebooks"]]
    return hostile_cohort, out, ReportResult(out_dir=out, notebooks=runs, manifest=manifest)
