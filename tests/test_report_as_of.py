"""Interim looks (issue 16, items 1, 2 and 5): ``--as-of``, ``--previous`` and the 12-month view.

References: the data contract's windows (pre / pilot / follow-up, 30-day months from pilot_start)
checked by hand on dates; the source articles' cadence ("track the dashboard monthly ... review
results at the quarter"; leading indicators at months 2-4, lagging at months 9-12); the published
scorecard.csv of the previous report (what --previous must carry, value for value).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from pilot_eval.cli import app
from pilot_eval.data.as_of import cohort_as_of, cohort_hash, look_at
from pilot_eval.data.cohort import load_cohort
from pilot_eval.data.synth import generate_cohort, simulate_cohort
from pilot_eval.measures import timecourse
from pilot_eval.report.html.scorecard import twelve_month_block
from pilot_eval.report.step_pages import look_line
from pilot_eval.steps.decision.course import INTERIM_DECISIONS, is_interim, recommend_course
from pilot_eval.steps.decision.evaluate import evaluate
from pilot_eval.steps.decision.indicators import INDICATORS, NOT_YET, SPECS, availability, is_due
from pilot_eval.steps.decision.previous import (
    PreviousLook, PreviousReportError, change_sentence, check_previous_look, read_previous_look, with_previous,
)
from pilot_eval.steps.decision.rule import SCALE, STOP

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"
LAGGING = [s.key for s in INDICATORS if s.kind == "lagging"]


def tree_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(folder)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


# ---------------------------------------------------------------- windows, cadence, looks
def test_availability_and_due_by_hand():
    c, _ = simulate_cohort(6, 6, seed=3)
    cfg = c.config  # pilot 2026-01-05 + 90 days -> 2026-04-05; follow-up to 2026-10-02
    day30 = cfg.pilot_start + dt.timedelta(days=30)
    assert availability(SPECS["empathy_360_change_pct"], cfg, day30) == (False, dt.date(2026, 4, 5))
    assert availability(SPECS["voluntary_attrition_change_pct"], cfg, cfg.pilot_end) == (False, dt.date(2026, 10, 2))
    assert availability(SPECS["voluntary_attrition_change_pct"], cfg, dt.date(2026, 10, 2))[0]
    # monthly leading: due at every look; quarterly lagging: at the quarter, once measurable
    assert is_due(SPECS["pulse_change"], cfg, day30)
    assert not is_due(SPECS["empathy_360_change_pct"], cfg, day30)
    assert is_due(SPECS["empathy_360_change_pct"], cfg, cfg.pilot_end)          # month 3
    assert not is_due(SPECS["empathy_360_change_pct"], cfg, cfg.pilot_end + dt.timedelta(days=30))  # month 4
    assert all(is_due(s, cfg, None) for s in INDICATORS)
    lk = look_at(cfg, cfg.pilot_start + dt.timedelta(days=60))
    assert (lk.day, lk.number, lk.planned, lk.interim) == (60, 2, 3, True)
    assert is_interim(cfg, day30) and not is_interim(cfg, cfg.pilot_end) and not is_interim(cfg, None)


def test_look_line_names_each_window():
    c, _ = simulate_cohort(6, 6, seed=3)
    cfg = c.config
    line = look_line(cfg, cfg.pilot_start + dt.timedelta(days=60))
    assert "before the pilot complete" in line
    assert "the pilot partial (2 of 3 months complete)" in line
    assert f"the follow-up not yet reached (from {cfg.pilot_end})" in line
    assert "follow-up partial" in look_line(cfg, cfg.pilot_end + dt.timedelta(days=1))


def test_cohort_hash_stable_across_looks_and_distinct_across_cohorts():
    a, _ = simulate_cohort(8, 8, seed=11)
    b, _ = simulate_cohort(8, 9, seed=11)
    assert cohort_hash(a) == cohort_hash(cohort_as_of(a, a.config.pilot_start + dt.timedelta(days=30)))
    assert cohort_hash(a) != cohort_hash(b)


# ---------------------------------------------------------------- the decision at a look
@pytest.fixture(scope="module")
def small_cohort():
    c, _ = simulate_cohort(20, 20, seed=5, effect=0.6)
    return c


_LOOKS: dict = {}


def look_of(c, days: int | None):
    """evaluate() of the module's cohort at pilot_start + days (None: all data), computed once (about 10 s each)."""
    if days not in _LOOKS:
        _LOOKS[days] = evaluate(c, n_boot=49, seed=1,
                                as_of=None if days is None else c.config.pilot_start + dt.timedelta(days=days))
    return _LOOKS[days]


@pytest.mark.slow
@pytest.mark.parametrize("days", [1, 30, 60])
def test_interim_look_never_scales_and_lagging_is_not_yet(small_cohort, days):
    c = small_cohort
    before = {k: v.copy() for k, v in c.tables.items()}
    day = c.config.pilot_start + dt.timedelta(days=days)
    res = look_of(c, days)
    assert res.interim and res.recommendation in INTERIM_DECISIONS
    assert res.recommendation not in (SCALE, STOP)
    text = " ".join([res.headline, *res.reasons])
    assert "Scale" not in text and "SCALE" not in text
    card = res.scorecard.set_index("indicator")
    for key in LAGGING:
        row = card.loc[key]
        assert row["status"] == NOT_YET, key
        assert np.isnan(row["value"]) and np.isnan(row["ci_low"]) and np.isnan(row["ci_high"])
        assert row["available_from"] and f"Not yet (available from {row['available_from']})" in row["note"]
        assert row["due"] == "no"
    for key in ("pulse_change", "behaviour_index_change"):
        assert card.loc[key, "status"] != NOT_YET and card.loc[key, "due"] == "yes"
    assert (card["as_of"] == day.isoformat()).all()
    for k, v in before.items():  # the input cohort is untouched
        pd.testing.assert_frame_equal(v, c.tables[k])


@pytest.mark.slow
def test_interim_risk_rows_carry_the_harm_statistic_on_the_data_so_far(small_cohort):
    """The follow-up is not seen before the pilot's end, so the count models run on the pilot window so far:
    the risk rows are 'not yet' as lagging indicators but carry p_worse for the interim harm boundary."""
    c = small_cohort
    day = c.config.pilot_start + dt.timedelta(days=60)
    cut = cohort_as_of(c, day)
    assert cut.config.follow_up_days == 0 and c.config.follow_up_days == 180
    card = look_of(c, 60).scorecard.set_index("indicator")
    for key in ("hr_incidents_change_pct", "escalations_change_pct", "voluntary_attrition_change_pct"):
        assert card.loc[key, "status"] == NOT_YET and np.isnan(card.loc[key, "value"])
        assert 0 < card.loc[key, "p_worse"] < 1, key


@pytest.mark.slow
def test_final_rule_from_the_pilots_end(small_cohort):
    c = small_cohort
    res = look_of(c, c.config.pilot_days)
    assert not res.interim and res.recommendation in ("scale", "iterate", "stop")
    card = res.scorecard.set_index("indicator")
    assert card.loc["empathy_360_change_pct", "status"] != NOT_YET      # endline is in
    assert card.loc["hr_incidents_change_pct", "status"] == NOT_YET     # follow-up is not
    full = look_of(c, None)
    assert not (full.scorecard["status"] == NOT_YET).any() and not full.interim


@pytest.mark.slow
def test_interim_rule_stops_for_a_clear_harm_signal(small_cohort):
    """The course rule reads p_worse of the risk rows even while they are 'not yet' as lagging indicators."""
    c = small_cohort
    day = c.config.pilot_start + dt.timedelta(days=60)
    card = look_of(c, 60).scorecard.copy()
    card.loc[card["indicator"] == "hr_incidents_change_pct", "p_worse"] = 1e-9
    course = recommend_course(card, c.config, day, fair_comparison=True)
    assert course.interim and course.recommendation.decision == "stop_harm"
    card.loc[card["indicator"] == "hr_incidents_change_pct", "p_worse"] = 0.5
    assert recommend_course(card, c.config, day, fair_comparison=True).recommendation.decision != "stop_harm"


# ---------------------------------------------------------------- --previous
def _look(card: pd.DataFrame, as_of: dt.date | None, digest: str = "h") -> PreviousLook:
    return PreviousLook(Path("prev"), as_of, digest, "2026-03-06T10:00:00+00:00", card)


def test_with_previous_carries_the_published_values_and_flags_status_changes():
    now = pd.DataFrame({"indicator": ["pulse_change", "empathy_360_change_pct", "promotion_air"],
                        "value": [0.21, 12.5, np.nan], "status": ["on track", "at risk", NOT_YET]})
    then = pd.DataFrame({"indicator": ["pulse_change", "empathy_360_change_pct", "promotion_air"],
                         "value": [0.1, np.nan, np.nan], "status": ["at risk", NOT_YET, NOT_YET]})
    out = with_previous(now, _look(then, dt.date(2026, 2, 4))).set_index("indicator")
    assert out.loc["pulse_change", "previous_value"] == 0.1
    assert out.loc["pulse_change", "previous_status"] == "at risk"
    assert np.isnan(out.loc["empathy_360_change_pct", "previous_value"])  # no value then
    s = change_sentence(out.loc["pulse_change"].to_dict() | {"indicator": "pulse_change"})
    assert "2026-02-04" in s and "+0.11" in s and "status changed from at risk to on track" in s
    s = change_sentence(out.loc["empathy_360_change_pct"].to_dict())
    assert "first value" in s and "previously not yet" in s
    assert "still not yet" in change_sentence(out.loc["promotion_air"].to_dict())
    none = with_previous(now, None)
    assert none["previous_value"].isna().all() and (none["previous_status"] == "").all()


def test_previous_refused_for_other_cohort_or_later_look():
    card = pd.DataFrame({"indicator": ["a"], "value": [1.0], "status": ["at risk"]})
    d30, d60 = dt.date(2026, 2, 4), dt.date(2026, 3, 6)
    check_previous_look(_look(card, d30), "h", d60)                       # earlier, same cohort: fine
    check_previous_look(_look(card, d30), "h", None)                      # an interim look before a full report
    with pytest.raises(PreviousReportError, match="another cohort"):
        check_previous_look(_look(card, d30, "other"), "h", d60)
    with pytest.raises(PreviousReportError, match="later than this look"):
        check_previous_look(_look(card, d60), "h", d30)
    with pytest.raises(PreviousReportError, match="later than this look"):
        check_previous_look(_look(card, None), "h", d30)
    with pytest.raises(PreviousReportError, match="which cohort"):
        check_previous_look(_look(card, d30, None), "h", d60)


def test_read_previous_refuses_what_is_not_a_report(tmp_path):
    with pytest.raises(PreviousReportError, match="no such report"):
        read_previous_look(tmp_path / "missing")
    (tmp_path / "x").mkdir()
    with pytest.raises(PreviousReportError, match="not a pilot-eval report"):
        read_previous_look(tmp_path / "x")


def _fake_report(folder: Path, cohort_digest: str, as_of: str | None) -> Path:
    (folder / "results").mkdir(parents=True)
    (folder / ".pilot-eval-report").write_text(json.dumps({"written_by": "pilot-eval", "kind": "report"}))
    (folder / "manifest.json").write_text(json.dumps({"cohort_hash": cohort_digest, "as_of": as_of,
                                                      "look": {"as_of": as_of}, "finished_at": "2026-03-06"}))
    pd.DataFrame({"indicator": ["pulse_change"], "value": [0.1], "status": ["at risk"]}).to_csv(
        folder / "results" / "scorecard.csv", index=False)
    return folder


def test_cli_refusals_exit_2_before_any_work(tmp_path):
    """--as-of before the pilot, and --previous that is not a report / another cohort / later: exit 2, nothing written."""
    runner = CliRunner()
    digest = cohort_hash(load_cohort(SAMPLE))
    cases = [
        (["--as-of", "2025-12-01"], "the pilot starts on 2026-01-05"),
        (["--as-of", "2026-02-04", "--previous", str(tmp_path)], "not a pilot-eval report"),
        (["--as-of", "2026-02-04", "--previous", str(_fake_report(tmp_path / "other", "x" * 64, "2026-01-20"))],
         "another cohort"),
        (["--as-of", "2026-02-04", "--previous", str(_fake_report(tmp_path / "later", digest, "2026-03-06"))],
         "later than this look"),
        (["--as-of", "2026-02-04", "--previous", str(_fake_report(tmp_path / "full", digest, None))],
         "later than this look"),
        (["--as-of", "2026-02-31"], "2026-02-31"),
    ]
    for extra, message in cases:
        out = tmp_path / "out"
        r = runner.invoke(app, ["report", str(SAMPLE), "--out", str(out), *extra])
        assert r.exit_code == 2, (extra, r.output)
        assert message in r.output, (extra, r.output)
        assert not out.exists()


def test_help_names_the_new_options():
    r = CliRunner().invoke(app, ["report", "--help"])
    assert r.exit_code == 0
    assert "--as-of DATE" in r.output and "--previous REPORT_DIR" in r.output and "never" in r.output


# ---------------------------------------------------------------- the 12-month view
def _with_twelve_months(c):
    """The generator stops at day 270 (follow-up 180 days): repeat its last 90 days of pulse and incidents
    90 days later and stretch the follow-up to 270 days, so that months 9-12 have data."""
    cfg = dataclasses.replace(c.config, follow_up_days=270)
    tables = dict(c.tables)
    for name in ("pulse", "incidents"):
        df = tables[name]
        last = df[df["date"] >= pd.Timestamp(c.config.follow_up_end) - pd.Timedelta(days=90)]
        tables[name] = pd.concat([df, last.assign(date=last["date"] + pd.Timedelta(days=90))], ignore_index=True)
    e = tables["employees"].copy()
    open_end = e["end_date"].isna()
    tables["employees"] = e.assign(end_date=e["end_date"].where(~open_end, pd.NaT))
    return dataclasses.replace(c, config=cfg, tables=tables)


def test_twelve_month_view_per_arm_with_small_groups_hidden():
    c, _ = simulate_cohort(12, 4, seed=2)  # 4 comparison leaders: under min_group_size 5
    assert not timecourse.reaches_month_12(c)
    assert timecourse.twelve_month_view(c).empty
    assert "2026-12-31" in timecourse.twelve_month_sentence(c)  # pilot 2026-01-05 + 360 days (by hand)
    long = _with_twelve_months(c)
    assert timecourse.reaches_month_12(long)
    view = timecourse.twelve_month_view(long)
    assert set(view["months"]) == {"2-4", "9-12"}
    assert set(view.loc[view["months"] == "2-4", "kind"]) == {"leading"}
    assert set(view.loc[view["months"] == "9-12", "kind"]) == {"lagging"}
    pilot, comp = view[view["arm"] == "pilot"], view[view["arm"] == "comparison"]
    assert pilot["value"].notna().all() and (pilot["n_leaders"] >= 5).all()
    assert comp["value"].isna().all() and comp["n_leaders"].isna().all()   # 4 leaders: not shown
    assert comp["suppressed"].str.contains("min_group_size").all()
    # the pilot's months 2-4 pulse is the mean of its monthly values (months 1..3, 0-based)
    tc = timecourse.indicator_timecourse(long)
    ref = tc[(tc["indicator"] == "pulse") & (tc["arm"] == "pilot") & tc["month"].isin([1, 2, 3])]["value"].mean()
    got = view[(view["indicator"] == "pulse") & (view["arm"] == "pilot")]["value"].iloc[0]
    assert got == pytest.approx(ref)
    html = twelve_month_block(view, timecourse.twelve_month_sentence(long))
    assert "not shown" in html and "Team pulse" in html


# ---------------------------------------------------------------- whole reports
def _report(data: Path, out: Path, *extra: str) -> None:
    r = CliRunner().invoke(app, ["report", str(data), "--out", str(out), *extra], catch_exceptions=False)
    assert r.exit_code == 0, r.output


def _check_look(report: Path, as_of: str | None, previous: Path | None) -> pd.DataFrame:
    card = pd.read_csv(report / "results" / "scorecard.csv", keep_default_na=True)
    manifest = json.loads((report / "manifest.json").read_text())
    assert manifest["as_of"] == as_of and manifest["look"]["as_of"] == as_of
    index = (report / "index.html").read_text()
    for page in [index, *(p.read_text() for p in (report / "html").glob("*.html"))]:
        assert "Windows." in page or page is index
    if as_of is not None and dt.date.fromisoformat(as_of) < dt.date(2026, 4, 5):
        assert "SCALE" not in index and "Scale:" not in index and "Recommendation: SCALE" not in index
        assert "Course of the pilot" in index
    if previous is not None:
        prev = pd.read_csv(previous / "results" / "scorecard.csv").set_index("indicator")
        cur = card.set_index("indicator")
        for key in cur.index:
            pv, v = prev.loc[key, "value"], cur.loc[key, "previous_value"]
            assert (np.isnan(pv) and np.isnan(v)) or pv == v, key
            assert str(cur.loc[key, "previous_status"]) == str(prev.loc[key, "status"])
        assert "Since the look of" in index
    return card


@pytest.mark.scenario
def test_three_looks_of_an_unseen_cohort(tmp_path):
    """Acceptance (issue 16): day 30, day 60 and full of a cohort from another seed and size, each with
    --previous; no SCALE before the pilot ends, lagging 'not yet' at day 30, change since the previous look,
    the inputs byte-identical."""
    data = tmp_path / "cohort"
    generate_cohort(data, n_pilot=30, n_comparison=35, seed=977, effect=0.2)
    before = tree_hash(data)
    d30, d60, full = tmp_path / "d30", tmp_path / "d60", tmp_path / "full"
    _report(data, d30, "--as-of", "2026-02-04")
    card = _check_look(d30, "2026-02-04", None)
    lag = card[card["kind"] == "lagging"]
    assert (lag["status"] == "not yet").all() and lag["value"].isna().all()
    assert "not yet (available from 2026-04-05)" in (d30 / "index.html").read_text()
    _report(data, d60, "--as-of", "2026-03-06", "--previous", str(d30))
    _check_look(d60, "2026-03-06", d30)
    _report(data, full, "--previous", str(d60))
    card = _check_look(full, None, d60)
    assert not (card["status"] == "not yet").any()
    assert tree_hash(data) == before


@pytest.mark.scenario  # a whole report; make test keeps the decision-level looks above
def test_day_30_report_of_the_sample(tmp_path):
    before = tree_hash(SAMPLE)
    out = tmp_path / "d30"
    _report(SAMPLE, out, "--as-of", "2026-02-04")
    card = _check_look(out, "2026-02-04", None)
    lag = card[card["kind"] == "lagging"]
    assert (lag["status"] == "not yet").all() and lag["value"].isna().all()
    assert lag["note"].str.startswith("Not yet (available from").all()
    assert tree_hash(SAMPLE) == before
    index = (out / "index.html").read_text()
    assert "not yet (available from" in index and "due at this look" in index
    assert "Data as of 2026-02-04" in (out / "html" / "03_controls.html").read_text()


@pytest.mark.slow
def test_twelve_month_view_of_a_generated_cohort_followed_to_month_12():
    """The generator's follow_up_days knob: 270 days of follow-up reach month 12 from the pilot start."""
    c, _ = simulate_cohort(12, 12, seed=8, follow_up_days=270)
    assert timecourse.reaches_month_12(c)
    view = timecourse.twelve_month_view(c)
    assert set(view["arm"]) == {"pilot", "comparison"}
    lead = view[view["kind"] == "leading"]
    lag = view[view["kind"] == "lagging"]
    assert set(lead["indicator"]) >= {"pulse"} and set(lag["indicator"]) == {"voluntary_attrition", "hr_incidents",
                                                                               "escalations"}
    assert view["value"].notna().all() and (view["n_leaders"] >= c.config.min_group_size).all()
    tc = timecourse.indicator_timecourse(c)
    for (name, arm, months) in (("hr_incidents", "comparison", [8, 9, 10, 11]), ("pulse", "pilot", [1, 2, 3])):
        ref = tc[(tc["indicator"] == name) & (tc["arm"] == arm) & tc["month"].isin(months)]["value"].mean()
        got = view[(view["indicator"] == name) & (view["arm"] == arm)]["value"].iloc[0]
        assert got == pytest.approx(ref)


@pytest.mark.scenario  # a whole report; make test keeps the decision-level looks above
def test_report_shows_the_twelve_month_view(tmp_path):
    data = tmp_path / "cohort"
    generate_cohort(data, n_pilot=15, n_comparison=15, seed=31, effect=0.3, follow_up_days=270)
    out = tmp_path / "report"
    _report(data, out)
    index = (out / "index.html").read_text()
    assert "The 12-month view" in index and "Pilot leaders" in index and "Comparison leaders" in index
    assert "HR incidents per 100 members per 90 days" in index
    assert "needs a follow-up to month 12" not in index
