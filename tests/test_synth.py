"""Tests of the synthetic cohort generator (:mod:`pilot_eval.data.synth`).

The reference for every statistical check is the ground truth the generator
planted and recorded in ``truth.json``; the checks recompute each quantity
from the raw tables with plain pandas / NumPy (an implementation independent
of the generator), Cohen's kappa with scikit-learn's ``cohen_kappa_score``
(Cohen 1960), and regressions with ``numpy.linalg.lstsq``.  Tolerances are
about four standard errors of the statistic at the cohort size used, so a
pass is not a coincidence of one seed and a failure is a real defect.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from pilot_eval.data import synth
from pilot_eval.data.synth import TABLES, generate_cohort

TABLE_FILES = set(TABLES)
TRUTH_KEYS = {
    "seed", "arguments", "effects", "selection", "rating_style", "expected_bias",
    "chance_behaviour", "null_indicator", "pulse_effect", "hazard_betas",
    "promotion_rates", "leaders", "generator",
}
PILOT_START = pd.Timestamp("2026-01-05")


def _sha256(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.csv")


def _days(dates: pd.Series) -> pd.Series:
    return (pd.to_datetime(dates) - PILOT_START).dt.days


def _empathy_360(folder: Path) -> pd.DataFrame:
    """Contract measure: mean over non-self raters of each rater's mean item score,
    one row per leader with baseline/midpoint/endline columns and leader attributes."""
    ratings = _read(folder, "ratings")
    leaders = _read(folder, "leaders").set_index("leader_id")
    others = ratings[ratings.rater_type != "self"]
    per_rater = others.groupby(["leader_id", "wave", "rater_id"]).score.mean()
    wide = per_rater.groupby(["leader_id", "wave"]).mean().unstack()
    return wide.join(leaders)


# ---- fixtures ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("synth") / "small"
    return out, generate_cohort(out, n_pilot=12, n_comparison=12, seed=5)


@pytest.fixture(scope="module")
def default_cohort(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("synth") / "default"
    return out, generate_cohort(out)


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> dict[float, tuple[Path, dict]]:
    """150 + 150 leaders, same seed, effect 0 (null pilot) and 0.5."""
    cohorts = {}
    for effect in (0.0, 0.5):
        out = tmp_path_factory.mktemp("synth") / f"medium_{effect}"
        cohorts[effect] = (out, generate_cohort(out, n_pilot=150, n_comparison=150,
                                                seed=11, effect=effect))
    return cohorts


# ---- structure, validation, determinism ------------------------------------------------
@pytest.mark.parametrize("file_format", ["csv", "parquet"])
def test_output_passes_the_validator(tmp_path: Path, file_format: str) -> None:
    """The project's own contract validator (pilot_eval.data.validate) accepts the output."""
    from pilot_eval.data.cohort import load_cohort
    from pilot_eval.data.validate import validate_cohort

    out = tmp_path / "cohort"
    generate_cohort(out, n_pilot=12, n_comparison=12, seed=3, file_format=file_format)
    result = validate_cohort(out)
    assert result.ok, result.format()
    cohort = load_cohort(out)
    assert len(cohort.leaders) == 24
    assert cohort.missing_optional == []
    names = {p.name for p in out.iterdir()}
    assert names == {f"{t}.{file_format}" for t in TABLE_FILES} | {"cohort.toml", "truth.json"}


def test_parquet_and_csv_hold_the_same_data(tmp_path: Path) -> None:
    generate_cohort(tmp_path / "c", n_pilot=8, n_comparison=8, seed=4, file_format="csv")
    generate_cohort(tmp_path / "p", n_pilot=8, n_comparison=8, seed=4, file_format="parquet")
    for name in TABLES:
        csv = pd.read_csv(tmp_path / "c" / f"{name}.csv", dtype=str, keep_default_na=False)
        par = pd.read_parquet(tmp_path / "p" / f"{name}.parquet")
        assert list(par.columns) == list(csv.columns)
        as_text = par.astype(object).where(par.notna(), "").astype(str)
        # parquet floats/ints print without the CSV's ".0" differences only for floats
        for col in par.columns:
            if pd.api.types.is_float_dtype(par[col]):
                np.testing.assert_allclose(pd.to_numeric(csv[col]).to_numpy(dtype=float),
                                           par[col].to_numpy(dtype=float), equal_nan=True)
            else:
                assert (as_text[col].to_numpy() == csv[col].to_numpy()).all(), (name, col)


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    for fmt in ("csv", "parquet"):
        generate_cohort(tmp_path / f"a_{fmt}", 10, 10, seed=9, file_format=fmt)
        generate_cohort(tmp_path / f"b_{fmt}", 10, 10, seed=9, file_format=fmt)
        a, b = _sha256(tmp_path / f"a_{fmt}"), _sha256(tmp_path / f"b_{fmt}")
        assert a == b
        assert len(a) == len(TABLES) + 2
    generate_cohort(tmp_path / "c_csv", 10, 10, seed=10)
    a, c = _sha256(tmp_path / "a_csv"), _sha256(tmp_path / "c_csv")
    for name in ("leaders.csv", "ratings.csv", "pulse.csv", "employees.csv", "observations.csv",
                 "incidents.csv", "sessions.csv", "truth.json"):
        assert a[name] != c[name], name
    assert a["behaviours.csv"] == c["behaviours.csv"]  # the codebook is fixed


def test_regenerating_replaces_earlier_output_and_keeps_readme(tmp_path: Path) -> None:
    out = tmp_path / "sample"
    generate_cohort(out, 6, 6, seed=1, file_format="csv")
    (out / "README.md").write_text("data dictionary\n", encoding="utf-8")
    generate_cohort(out, 6, 6, seed=2, file_format="parquet")
    names = {p.name for p in out.iterdir()}
    assert names == {f"{t}.parquet" for t in TABLES} | {"cohort.toml", "truth.json", "README.md"}
    assert (out / "README.md").read_text(encoding="utf-8") == "data dictionary\n"
    assert json.loads((out / "truth.json").read_text())["seed"] == 2
    assert not any(p.name.startswith(".sample") for p in tmp_path.iterdir())  # no temp leftovers


def test_refuses_a_foreign_non_empty_folder(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(FileExistsError):
        generate_cohort(out, 6, 6)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    # a folder that looks like a cohort but was not written by the generator
    other = tmp_path / "other"
    other.mkdir()
    (other / "cohort.toml").write_text('name = "real"\n', encoding="utf-8")
    (other / "truth.json").write_text("{}", encoding="utf-8")
    with pytest.raises(FileExistsError):
        generate_cohort(other, 6, 6)
    assert (other / "cohort.toml").read_text(encoding="utf-8") == 'name = "real"\n'
    # an empty folder is fine
    empty = tmp_path / "empty"
    empty.mkdir()
    generate_cohort(empty, 6, 6)
    assert (empty / "ratings.csv").exists()


def test_bad_arguments_raise(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate_cohort(tmp_path / "a", n_pilot=0)
    with pytest.raises(ValueError):
        generate_cohort(tmp_path / "b", n_comparison=-1)
    with pytest.raises(ValueError):
        generate_cohort(tmp_path / "c", file_format="xlsx")  # type: ignore[arg-type]
    assert not any(tmp_path.iterdir())


def test_bad_scenario_knobs_raise(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate_cohort(tmp_path / "a", pilot_rate_ratio={"hr_incidents": 2.0})  # not a knob key
    with pytest.raises(ValueError):
        generate_cohort(tmp_path / "b", pilot_rate_ratio={"hr_incident": 0.0})
    with pytest.raises(ValueError):
        generate_cohort(tmp_path / "c", pulse_effect=float("nan"))
    with pytest.raises(ValueError):
        generate_cohort(tmp_path / "d", promotion_prob={"D": 0.1})
    with pytest.raises(ValueError):
        generate_cohort(tmp_path / "e", promotion_prob={"A": 1.5})
    assert not any(tmp_path.iterdir())


def test_default_arguments_rebuild_data_sample(tmp_path: Path) -> None:
    """Backward compatibility of the scenario knobs: the default arguments with the
    seed ``make sample`` uses rebuild every table and cohort.toml of the committed
    data/sample byte for byte (reference: the committed files)."""
    sample = Path(__file__).resolve().parents[1] / "data" / "sample"
    out = tmp_path / "sample"
    generate_cohort(out, n_pilot=45, n_comparison=60, seed=20260105)
    for name in [f"{t}.csv" for t in TABLES] + ["cohort.toml"]:
        assert (out / name).read_bytes() == (sample / name).read_bytes(), name


@pytest.mark.parametrize("file_format", ["csv", "parquet"])
def test_simulate_cohort_equals_the_loaded_files(tmp_path: Path, file_format: str) -> None:
    """The in-memory cohort of ``simulate_cohort`` is, table by table and dtype by
    dtype, what ``load_cohort`` reads from ``generate_cohort``'s files (reference:
    the project's loader and validator), with and without the scenario knobs."""
    from pilot_eval.data.cohort import load_cohort
    from pilot_eval.data.synth import simulate_cohort

    for i, kw in enumerate([dict(n_pilot=14, n_comparison=16, seed=3),
                            dict(n_pilot=9, n_comparison=0, seed=2, effect=0.5, pulse_effect=0.0,
                                 pilot_rate_ratio={"hr_incident": 2.0})]):
        out = tmp_path / f"c{i}"
        generate_cohort(out, file_format=file_format, **kw)
        loaded = load_cohort(out)
        cohort, truth = simulate_cohort(**kw)
        assert list(cohort.tables) == list(loaded.tables)
        for name, frame in loaded.tables.items():
            pd.testing.assert_frame_equal(cohort.tables[name], frame, check_exact=True)
        assert cohort.config == loaded.config
        on_disk = json.loads((out / "truth.json").read_text(encoding="utf-8"))
        assert truth["arguments"]["file_format"] == "memory"
        assert {**truth, "arguments": None} == {**on_disk, "arguments": None}


def test_harm_knob_plants_more_hr_incidents_and_leaves_the_360(tmp_path: Path) -> None:
    """``pulse_effect=0``, ``pilot_rate_ratio={"hr_incident": 2}`` and equal promotion
    probabilities: the ratings are
    the default run's (the knobs draw no numbers before the rosters), the pilot's
    follow-up vs pre HR-incident rate relative to the comparison's is about 2
    (log ratio SE ~0.15 at 500 + 500 leaders, as in the hazard test below),
    voluntary exits are unchanged (log ratio ~0), and truth.json records the knobs."""
    base, harm = tmp_path / "base", tmp_path / "harm"
    generate_cohort(base, n_pilot=500, n_comparison=500, seed=13, effect=0.3)
    truth = generate_cohort(harm, n_pilot=500, n_comparison=500, seed=13, effect=0.3,
                            pulse_effect=0.0, pilot_rate_ratio={"hr_incident": 2.0},
                            promotion_prob={g: 0.09 for g in ("A", "B", "C", "missing")})
    assert (base / "ratings.csv").read_bytes() == (harm / "ratings.csv").read_bytes()
    assert (base / "leaders.csv").read_bytes() == (harm / "leaders.csv").read_bytes()
    assert truth["arguments"]["pulse_effect"] == 0.0
    assert truth["arguments"]["pilot_rate_ratio"] == {"hr_incident": 2.0}
    assert truth["effects"]["hr_incidents_rate_ratio_at_plateau"] == pytest.approx(2.0)
    assert truth["effects"]["voluntary_attrition_rate_ratio_at_plateau"] == pytest.approx(1.0)
    assert truth["effects"]["empathy_360"]["endline"] == pytest.approx(0.3)
    assert truth["planted_adverse_impact_ratio"] == 1.0 and truth["promotion_rates"]["C"] == 0.09
    employees = _read(harm, "employees")
    promoted = employees.assign(p=employees.promoted_date.notna()).groupby("group").p.mean()
    assert promoted.min() / promoted.max() > 0.8  # ~8,000 members: SE of each rate ~0.005
    observed = _follow_up_vs_pre_log_ratio(harm)
    assert observed["hr_incident"] == pytest.approx(np.log(2.0), abs=0.5)
    assert observed["voluntary"] == pytest.approx(0.0, abs=0.5)


def test_cohort_toml_has_the_contract_settings(small: tuple[Path, dict]) -> None:
    out, _ = small
    cfg = tomllib.loads((out / "cohort.toml").read_text(encoding="utf-8"))
    assert cfg["pilot_start"] == PILOT_START.date()
    assert (cfg["pilot_days"], cfg["follow_up_days"]) == (90, 180)
    assert (cfg["scale_min"], cfg["scale_max"]) == (1, 5)
    assert cfg["min_group_size"] == 5 and cfg["min_raters_per_category"] == 3
    assert cfg["targets"] == {"empathy_360_change_pct": 10, "leaders_improved_pct": 60,
                              "hr_incidents_change_pct": -30}
    assert cfg["name"]


def test_truth_records_the_planted_numbers(small: tuple[Path, dict]) -> None:
    out, truth = small
    assert TRUTH_KEYS <= set(truth)
    assert truth == json.loads((out / "truth.json").read_text(encoding="utf-8"))
    assert truth["arguments"] == {"n_pilot": 12, "n_comparison": 12, "seed": 5, "effect": 0.3,
                                  "file_format": "csv", "pilot_start": "2026-01-05"}
    assert truth["effects"]["empathy_360"] == {"baseline": 0.0, "midpoint": 0.15, "endline": 0.3}
    assert truth["pulse_effect"] == pytest.approx(0.3)
    assert set(truth["selection"]["role_logit"]) == {"team_lead", "manager", "senior_manager", "director"}
    assert set(truth["hazard_betas"]) == {"voluntary_exit", "hr_incident", "escalation"}
    assert truth["rating_style"]["drift_culture"] and truth["rating_style"]["culture_offset"]
    assert truth["null_indicator"]["name"] == "feedback_within_48h_share"
    leaders = _read(out, "leaders")
    assert (leaders.arm == "pilot").sum() == 12 and (leaders.arm == "comparison").sum() == 12
    assert truth["leaders"]["leader_id"] == leaders.leader_id.tolist()
    assert truth["leaders"]["arm"] == leaders.arm.tolist()
    behaviours = _read(out, "behaviours")
    assert truth["chance_behaviour"] in set(behaviours.behaviour)
    assert set(behaviours.scale) == {"binary", "ordinal"}
    assert (behaviours.roles != "all").sum() >= 1


def test_no_comparison_arm(tmp_path: Path) -> None:
    from pilot_eval.data.validate import validate_cohort

    out = tmp_path / "pilot_only"
    truth = generate_cohort(out, n_pilot=10, n_comparison=0, seed=2)
    leaders = _read(out, "leaders")
    assert (leaders.arm == "pilot").all() and len(leaders) == 10
    assert truth["expected_bias"]["did_endline"] is None
    assert truth["expected_bias"]["prepost_endline"] == pytest.approx(
        np.mean(truth["leaders"]["rating_drift_endline"]), abs=1e-6)
    assert validate_cohort(out).ok


# ---- what the default sample contains ---------------------------------------------------
@pytest.mark.parametrize("seed", [None, 20260105])
def test_default_sample_composition(default_cohort: tuple[Path, dict], tmp_path: Path,
                                    seed: int | None) -> None:
    """Default arguments (and the seed data/sample is built with): every role and
    culture has >= 5 leaders, 15-20 org units of unequal size nested in cultures."""
    if seed is None:
        out, _ = default_cohort
    else:
        out = tmp_path / "sample"
        generate_cohort(out, seed=seed)
    leaders = _read(out, "leaders")
    assert len(leaders) == 105 and (leaders.arm == "pilot").sum() == 45
    assert leaders.role.value_counts().min() >= 5 and leaders.role.nunique() == 4
    assert leaders.culture.value_counts().min() >= 5 and leaders.culture.nunique() == 4
    units = leaders.org_unit.value_counts()
    assert 15 <= len(units) <= 20 and units.max() >= 2 * units.min()  # unequal units
    # org units are nested in cultures
    assert (leaders.groupby("org_unit").culture.nunique() == 1).all()
    assert leaders.tenure_years.isna().any() and (leaders.tenure_years.dropna() >= 0).all()


def test_rating_structure(default_cohort: tuple[Path, dict]) -> None:
    out, _ = default_cohort
    r = _read(out, "ratings")
    assert not r.duplicated(["leader_id", "rater_id", "wave", "item"]).any()
    assert (r.groupby(["leader_id", "rater_id"]).rater_type.nunique() == 1).all()
    selfs = r[r.rater_type == "self"].groupby(["leader_id", "wave"]).rater_id.nunique()
    assert (selfs == 1).all() and len(selfs) == 105 * 3
    raters = r.drop_duplicates(["leader_id", "rater_id", "rater_type"])
    per = raters.groupby(["leader_id", "rater_type"]).size().unstack()
    assert (per.min().to_dict(), per.max().to_dict()) == (
        {"direct_report": 3, "manager": 1, "peer": 2, "self": 1},
        {"direct_report": 9, "manager": 1, "peer": 5, "self": 1})
    # peers and managers are shared: the same rater rates several leaders
    assert raters.groupby("rater_id").leader_id.nunique().max() > 1
    assert r.rater_id.str.fullmatch(r"R\d{5,}").all()
    # "don't know" share ~2.5 %, response rate of non-self raters per wave ~0.85
    assert 0.015 < r.score.isna().mean() < 0.035
    assert set(r.score.dropna().unique()) <= {1, 2, 3, 4, 5}
    waves = r[r.rater_type != "self"].drop_duplicates(["leader_id", "rater_id", "wave"])
    rate = len(waves) / (len(raters[raters.rater_type != "self"]) * 3)
    assert 0.8 < rate < 0.92
    # wave dates: baseline ~2 weeks before the start, midpoint ~day 45, endline inside the pilot
    days = r.assign(day=_days(r.date)).groupby("wave").day.agg(["min", "max"])
    assert days.loc["baseline"].between(-21, -7).all()
    assert days.loc["midpoint"].between(40, 50).all()
    assert days.loc["endline"].between(85, 89).all()


def test_observation_structure(default_cohort: tuple[Path, dict]) -> None:
    out, truth = default_cohort
    obs = _read(out, "observations")
    beh = _read(out, "behaviours").set_index("behaviour")
    leaders = _read(out, "leaders").set_index("leader_id")
    assert not obs.duplicated(["session_id", "observer_id", "behaviour"]).any()
    assert (obs.groupby("session_id").leader_id.nunique() == 1).all()
    coders = obs.groupby("session_id").observer_id.nunique()
    assert (coders >= 2).mean() >= 0.25 and coders.max() == 2
    assert obs.observer_id.nunique() == 8
    months = _days(obs.date) // 30
    assert months.min() == -3 and months.max() == 2
    # about one session per leader per month, some missed
    sessions = obs.drop_duplicates("session_id")
    per_leader_month = sessions.groupby([sessions.leader_id, _days(sessions.date) // 30]).size()
    assert per_leader_month.max() == 1 and 0.8 < len(per_leader_month) / (105 * 6) < 0.97
    # role-specific behaviour is coded only for its roles; values within the scale
    specific = beh[beh.roles != "all"]
    for code, row in specific.iterrows():
        roles = set(obs[obs.behaviour == code].leader_id.map(leaders.role))
        assert roles <= set(row.roles.split(";")) and roles
    binary = obs.behaviour.map(beh.scale) == "binary"
    assert obs.value[binary].isin([0, 1]).all() and obs.value[~binary].between(1, 5).all()
    assert truth["behaviours"]["n_double_coded"] == (coders >= 2).sum()


def test_employee_pulse_incident_session_structure(default_cohort: tuple[Path, dict]) -> None:
    out, _ = default_cohort
    emp = _read(out, "employees")
    # team history: the employees with two stints are exactly the planted moves (truth.json)
    moves = pd.DataFrame(_["team_moves"]["moves"])
    stints = emp.groupby("employee_id").size()
    assert set(stints[stints > 1].index) == set(moves.employee_id) and stints.max() == 2
    ended = emp.end_date.notna()
    assert (ended == emp.exit_type.notna()).all()
    assert (emp.end_date[ended] >= emp.start_date[ended]).all()
    assert set(emp.exit_type.dropna()) == {"voluntary", "involuntary", "transfer"}
    assert emp.group.isna().any() and set(emp.group.dropna()) == {"A", "B", "C"}
    promoted = emp.promoted_date.notna()
    assert (emp.promoted_date[promoted] >= emp.start_date[promoted]).all()
    initial = emp[_days(emp.start_date) < -90]
    team = initial.groupby("leader_id").size()
    assert team.min() == 5 and team.max() == 12 and len(team) == 105
    assert (_days(emp.start_date) >= -90).any()  # replacement hires

    pulse = _read(out, "pulse")
    p_days = _days(pulse.date)
    assert sorted(p_days.unique()) == [30 * m + synth.PULSE_DAY_IN_MONTH for m in range(-3, 9)]
    # respondents are members of that leader's team on the survey date; the pulse was simulated
    # before the moves (truth.json team_moves note), so a moved employee's answers stay with the
    # first leader: checked against the roster as it was before the moves
    first = emp.sort_values("start_date").drop_duplicates("employee_id").set_index("employee_id")
    last_end = emp.assign(e=emp.end_date.fillna("9999-12-31")).groupby("employee_id").e.max()
    before = first.assign(end_date=last_end.replace("9999-12-31", np.nan))
    answers = pulse.drop_duplicates(["respondent_id", "date"])
    m = answers.merge(before, left_on="respondent_id", right_index=True, suffixes=("", "_emp"))
    assert len(m) == len(answers)
    assert (m.leader_id == m.leader_id_emp).all()
    assert ((m.start_date <= m.date) & (m.end_date.isna() | (m.end_date > m.date))).all()
    assert set(pulse["item"]) == {"P1", "P2", "P3", "P4"}

    inc = _read(out, "incidents")
    assert set(inc.kind) == {"escalation", "hr_incident"}
    assert _days(inc.date).between(-90, 269).all()

    ses = _read(out, "sessions")
    leaders = _read(out, "leaders").set_index("leader_id")
    assert (ses.leader_id.map(leaders.arm) == "pilot").all()
    assert ses.leader_id.nunique() == 45
    assert _days(ses.date).between(0, 89).all()
    assert set(ses.kind) == {"practice", "feedback", "coaching"}
    assert ses.score.dropna().between(0, 100).all()
    assert (ses.feedback_latency_hours.dropna() >= 0).all()
    assert ses.score.notna().sum() > 0 and ses[ses.kind != "practice"].score.isna().all()
    assert ses[ses.kind != "feedback"].feedback_latency_hours.isna().all()


# ---- planted truth is visible in the raw data ---------------------------------------------
def test_selection_favours_managers_and_apac_americas(medium: dict) -> None:
    """Gumbel top-k selection on the recorded logits over-represents the favoured
    role and cultures in the pilot (reference: truth.json selection logits)."""
    out, truth = medium[0.5]
    leaders = _read(out, "leaders")
    pilot = leaders.arm == "pilot"
    favoured_role = leaders.role.isin(truth["selection"]["favoured_roles"])
    favoured_culture = leaders.culture.isin(truth["selection"]["favoured_cultures"])
    assert favoured_role[pilot].mean() > favoured_role[~pilot].mean() + 0.1
    assert favoured_culture[pilot].mean() > favoured_culture[~pilot].mean() + 0.1
    # recorded per-leader logits are role + culture logits
    logit = (leaders.role.map(truth["selection"]["role_logit"])
             + leaders.culture.map(truth["selection"]["culture_logit"]))
    np.testing.assert_allclose(logit, truth["leaders"]["selection_logit"], atol=1e-9)
    # higher-logit leaders are more often selected
    assert np.corrcoef(logit, pilot)[0, 1] > 0.2


def test_empathy_effect_and_planted_rating_bias(medium: dict) -> None:
    """Diff-in-diff of empathy_360 (contract measure, recomputed here) equals the
    recorded drift bias under the null, and effect + bias with effect 0.5; a
    change regression with role and culture controls recovers the effect."""
    for effect, (out, truth) in medium.items():
        e = _empathy_360(out)
        e["change"] = e.endline - e.baseline
        e["mid_change"] = e.midpoint - e.baseline
        by_arm = e.groupby("arm")[["change", "mid_change", "endline"]].mean()
        did = by_arm.loc["pilot", "change"] - by_arm.loc["comparison", "change"]
        did_mid = by_arm.loc["pilot", "mid_change"] - by_arm.loc["comparison", "mid_change"]
        bias = truth["expected_bias"]
        assert bias["did_endline"] > 0.05  # drift really biases the unadjusted DiD
        # rounding/clipping attenuate latent differences by ~5-10 %: tolerance 0.06 (~3 SE)
        assert did == pytest.approx(0.92 * effect + bias["did_endline"], abs=0.06)
        assert did_mid == pytest.approx(0.92 * effect / 2 + bias["did_midpoint"], abs=0.06)
        prepost = by_arm.loc["pilot", "change"]
        assert prepost == pytest.approx(0.92 * effect + bias["prepost_endline"], abs=0.06)
        # adjusted change model: change ~ pilot + role + culture (OLS via lstsq)
        x = pd.get_dummies(e[["role", "culture"]], drop_first=True, dtype=float)
        x.insert(0, "pilot", (e.arm == "pilot").astype(float))
        x.insert(0, "const", 1.0)
        coef, *_ = np.linalg.lstsq(x.to_numpy(), e.change.to_numpy(), rcond=None)
        assert coef[1] == pytest.approx(0.93 * effect, abs=0.06)
    # effect 0.5 shows a clearly positive change difference
    out, truth = medium[0.5]
    e = _empathy_360(out)
    chg = (e.endline - e.baseline).groupby(e.arm).mean()
    assert chg["pilot"] - chg["comparison"] > 0.3


def test_self_leniency(medium: dict) -> None:
    out, truth = medium[0.0]
    r = _read(out, "ratings")
    per_rater = r.groupby(["leader_id", "wave", "rater_id", "rater_type"]).score.mean().reset_index()
    self_mean = per_rater[per_rater.rater_type == "self"].score.mean()
    other_mean = per_rater[per_rater.rater_type != "self"].score.mean()
    planted = truth["rating_style"]["rater_type_offset"]
    assert planted["self"] == 0.3
    assert self_mean - other_mean == pytest.approx(0.3 - 0.05, abs=0.1)


def test_chance_behaviour_agrees_at_chance(medium: dict) -> None:
    """Double-coded sessions: Cohen's kappa (scikit-learn) ~0 for the chance
    behaviour and clearly positive for the reliably coded binary behaviours."""
    out, truth = medium[0.0]
    obs = _read(out, "observations")
    beh = _read(out, "behaviours").set_index("behaviour")
    obs = obs.sort_values(["session_id", "behaviour", "observer_id"])
    obs["k"] = obs.groupby(["session_id", "behaviour"]).cumcount()
    pairs = obs.pivot_table(index=["session_id", "behaviour"], columns="k", values="value").dropna()
    chance = truth["chance_behaviour"]
    for code, g in pairs.groupby(level="behaviour"):
        kappa = cohen_kappa_score(g[0].astype(int), g[1].astype(int))
        if code == chance:
            # under independence SE(kappa) ~ 1/sqrt(n) and SE(agreement) = 0.5/sqrt(n)
            n = len(g)
            assert n > 200
            assert abs(kappa) < 4 / np.sqrt(n)
            assert (g[0] == g[1]).mean() == pytest.approx(0.5, abs=2 / np.sqrt(n))
        elif beh.loc[code, "scale"] == "binary":
            assert kappa > 0.5, code


def _within_leader_gap(values: pd.DataFrame, leaders: pd.DataFrame, months: list[int]) -> pd.Series:
    """Difference-in-differences by month: each leader's monthly mean minus the
    leader's mean over the pre months (-3..-1), averaged by arm, pilot minus
    comparison.  ``values`` has leader_id, month and value."""
    wide = values.groupby(["leader_id", "month"]).value.mean().unstack()
    change = wide[months].sub(wide[[-3, -2, -1]].mean(axis=1), axis=0)
    by_arm = change.groupby(change.index.map(leaders.arm)).mean()
    return by_arm.loc["pilot"] - by_arm.loc["comparison"]


def test_behaviour_training_effect_lags(medium: dict) -> None:
    """Share of trained binary behaviours shown, pilot minus comparison and
    relative to the pre months: ~0 in month 0, partial in month 1, larger in
    month 2 (effect 0.5); ~0 for the null pilot and for the chance behaviour.
    Across seeds the monthly gap has SE ~0.035 at this size (150 + 150 leaders)."""
    for effect, (out, truth) in medium.items():
        obs = _read(out, "observations")
        leaders = _read(out, "leaders").set_index("leader_id")
        beh = _read(out, "behaviours").set_index("behaviour")
        obs["month"] = _days(obs.date) // 30
        trained = obs[(obs.behaviour.map(beh.scale) == "binary")
                      & (obs.behaviour != truth["chance_behaviour"])]
        gap = _within_leader_gap(trained, leaders, [0, 1, 2])
        lag = truth["effects"]["behaviour"]["named_the_emotion"]["by_month"]
        if effect == 0:
            assert set(lag.values()) == {0.0}
            assert gap.abs().max() < 0.12
        else:
            assert lag["0"] < lag["1"] < lag["2"]
            assert abs(gap.loc[0]) < 0.12
            assert gap.loc[1] > gap.loc[0]
            assert gap.loc[2] > gap.loc[1] + 0.03
            assert gap.loc[2] > 0.2
        chance = obs[obs.behaviour == truth["chance_behaviour"]]
        assert _within_leader_gap(chance, leaders, [0, 1, 2]).abs().max() < 0.15


def test_pulse_improves_from_week_three(medium: dict) -> None:
    """Team pulse (contract measure: mean of respondents' mean item score),
    within-leader difference-in-differences against the pre months, follows
    the recorded by-month pilot effect: the gain starts on day 21, so the
    month-0 survey (day 28) sees its first week, month 1 (day 58) most of the
    ramp, and the plateau holds from month 2 on.  The monthly
    gap has SE ~0.025 at this size; rounding/clipping attenuate by ~5 %."""
    for effect, (out, truth) in medium.items():
        p = _read(out, "pulse")
        leaders = _read(out, "leaders").set_index("leader_id")
        p["month"] = _days(p.date) // 30
        per = p.groupby(["leader_id", "month", "respondent_id"]).score.mean().rename("value")
        gap = _within_leader_gap(per.reset_index(), leaders, list(range(0, 9)))
        planted = pd.Series(truth["effects"]["pulse"]["by_month"]).rename(int).sort_index()
        assert planted.loc[-1] == 0.0 and planted.loc[2] == truth["pulse_effect"]
        assert gap.loc[0] == pytest.approx(0.95 * planted.loc[0], abs=0.1)
        assert gap.loc[1] == pytest.approx(0.95 * planted.loc[1], abs=0.1)
        assert gap.loc[2:].mean() == pytest.approx(0.95 * truth["pulse_effect"], abs=0.08)
        if effect:
            assert 0 < planted.loc[0] < planted.loc[1] < planted.loc[2]
            assert gap.loc[1] > gap.loc[0] + 0.1 and gap.loc[2:].mean() > gap.loc[1] - 0.05


def _follow_up_vs_pre_log_ratio(out: Path) -> dict[str, float]:
    """log of (pilot's follow-up / pre rate) / (comparison's follow-up / pre rate)
    for voluntary exits and HR incidents, rates per 100 members per 90 days with
    member-days from employees.csv (the contract's definition)."""
    emp = _read(out, "employees")
    inc = _read(out, "incidents")
    leaders = _read(out, "leaders").set_index("leader_id")
    start, end = _days(emp.start_date), _days(emp.end_date).fillna(10**6)
    rates: dict[str, dict[str, pd.Series]] = {}
    for window, (lo, hi) in {"pre": (-90, 0), "follow": (90, 270)}.items():
        member_days = (np.minimum(end, hi) - np.maximum(start, lo)).clip(lower=0)
        exposure = member_days.groupby(emp.leader_id.map(leaders.arm)).sum() / 90 / 100
        vol = emp[(emp.exit_type == "voluntary") & _days(emp.end_date).between(lo, hi - 1)]
        hr = inc[(inc.kind == "hr_incident") & _days(inc.date).between(lo, hi - 1)]
        rates[window] = {
            "voluntary": vol.leader_id.map(leaders.arm).value_counts() / exposure,
            "hr_incident": hr.leader_id.map(leaders.arm).value_counts() / exposure,
        }
    out_ratio = {}
    for kind in ("voluntary", "hr_incident"):
        r = rates["follow"][kind] / rates["pre"][kind]
        out_ratio[kind] = float(np.log(r["pilot"] / r["comparison"]))
    return out_ratio


def test_exits_and_hr_incidents_fall_with_the_pulse(medium: dict,
                                                     tmp_path_factory: pytest.TempPathFactory) -> None:
    """Follow-up vs pre rates, pilot relative to comparison, fall by
    exp(-beta * pulse_effect) (reference: truth hazard_betas and pulse_effect).
    At 500 + 500 leaders the log ratio has SE ~0.15 (checked over seeds); with
    effect 1.0 the planted log ratios are -1.0 (exits) and -1.2 (HR incidents)."""
    out = tmp_path_factory.mktemp("synth") / "hazard"
    truth = generate_cohort(out, n_pilot=500, n_comparison=500, seed=13, effect=1.0)
    observed = _follow_up_vs_pre_log_ratio(out)
    planted = {"voluntary": -truth["hazard_betas"]["voluntary_exit"] * truth["pulse_effect"],
               "hr_incident": -truth["hazard_betas"]["hr_incident"] * truth["pulse_effect"]}
    assert np.exp(planted["voluntary"]) == pytest.approx(
        truth["effects"]["voluntary_attrition_rate_ratio_at_plateau"], abs=1e-6)
    assert np.exp(planted["hr_incident"]) == pytest.approx(
        truth["effects"]["hr_incidents_rate_ratio_at_plateau"], abs=1e-6)
    for kind in planted:
        assert observed[kind] == pytest.approx(planted[kind], abs=0.5), kind
    # same seed, effect 0.5 vs the null pilot: the pilot's relative exit rate
    # falls (paired across seeds the difference is -0.49 +- 0.09; HR incidents
    # are too noisy for a paired check at 150 + 150 leaders)
    null = _follow_up_vs_pre_log_ratio(medium[0.0][0])
    half = _follow_up_vs_pre_log_ratio(medium[0.5][0])
    assert half["voluntary"] < null["voluntary"] - 0.15


def test_null_indicator_predicts_nothing(medium: dict) -> None:
    """The share of feedback within 48 h equals the recorded per-leader value and
    is uncorrelated with the leader's empathy change (|r| < 4 / sqrt(n))."""
    out, truth = medium[0.5]
    ses = _read(out, "sessions")
    fb = ses[ses.kind == "feedback"]
    share = (fb.feedback_latency_hours < 48).groupby(fb.leader_id).mean()
    recorded = pd.Series(truth["leaders"]["feedback_within_48h_share"],
                         index=truth["leaders"]["leader_id"]).dropna()
    pd.testing.assert_series_equal(share.sort_index(), recorded.loc[share.index].sort_index(),
                                   check_names=False, atol=1e-6)
    assert share.std() > 0.1  # it varies between leaders, so it looks like a KPI
    e = _empathy_360(out)
    change = (e.endline - e.baseline).loc[share.index]
    r = np.corrcoef(share, change)[0, 1]
    assert abs(r) < 4 / np.sqrt(len(share))


def test_practice_scores_rise_and_some_leaders_plateau(medium: dict) -> None:
    out, truth = medium[0.5]
    ses = _read(out, "sessions")
    practice = ses[ses.kind == "practice"].dropna(subset=["score"]).sort_values(["leader_id", "date"])
    first = practice.groupby("leader_id").score.first()
    last = practice.groupby("leader_id").score.last()
    plateau = pd.Series(truth["leaders"]["practice_plateau"], index=truth["leaders"]["leader_id"])
    plateau = plateau.loc[first.index]
    assert 0.1 < plateau.mean() < 0.4
    assert (last - first)[~plateau].mean() > 20
    # plateauing leaders: no gain over their last three practice sessions
    tail = practice.groupby("leader_id").tail(3)
    gain3 = tail.groupby("leader_id").score.last() - tail.groupby("leader_id").score.first()
    assert abs(gain3[plateau].mean()) < 2.0
    assert gain3[~plateau].mean() > 3.0


def test_promotion_rates_match_the_planted_rates(medium: dict) -> None:
    """Realised promotion share by group within 4 binomial SE of truth's rate."""
    out, truth = medium[0.0]
    emp = _read(out, "employees")
    emp["group"] = emp.group.fillna("missing")
    # one person once: a moved employee has two stints and at most one promotion
    emp = emp.assign(p=emp.promoted_date.notna()).groupby("employee_id").agg(group=("group", "first"),
                                                                              p=("p", "any"))
    realised = emp.p.groupby(emp.group).mean()
    n = emp.groupby("group").size()
    for group, rate in truth["promotion_rates"].items():
        se = np.sqrt(rate * (1 - rate) / n[group])
        assert realised[group] == pytest.approx(rate, abs=4 * se), group



# ---- team moves (contract v1.1 team history) -------------------------------------------------
def test_team_moves_leave_every_other_table_unchanged(tmp_path: Path) -> None:
    """The moves come from their own random stream: with any share (0 = none) every table but
    employees.csv, and cohort.toml, are byte-identical (reference: the files of share 0)."""
    files = {}
    for share in (0.0, 0.04, 0.2):
        out = tmp_path / f"s{share}"
        truth = generate_cohort(out, n_pilot=8, n_comparison=8, seed=4, transfer_share=share)
        files[share] = _sha256(out)
        if share == 0:
            assert "team_moves" not in truth and truth["arguments"]["transfer_share"] == 0.0
            assert _read(out, "employees").employee_id.is_unique  # v1 shape
        else:
            assert truth["team_moves"]["n_moves"] > 0
    for name in files[0.0]:
        if name not in ("employees.csv", "truth.json"):
            assert files[0.04][name] == files[0.0][name] == files[0.2][name], name
    assert files[0.04]["employees.csv"] != files[0.0]["employees.csv"]


def test_team_moves_are_recorded_and_valid(default_cohort: tuple[Path, dict]) -> None:
    """Each planted move is a transfer stint ending the day before ``date`` under from_leader and
    a new stint from ``date`` under to_leader; some moves cross arms; the folder validates."""
    from pilot_eval.data.validate import validate_cohort

    out, truth = default_cohort
    tm = truth["team_moves"]
    moves = pd.DataFrame(tm["moves"])
    emp = _read(out, "employees")
    # the share: 4% of the stints observed in the window (rounded), about 40 of ~1,000
    assert tm["share"] == synth.TRANSFER_SHARE == 0.04 and 20 <= tm["n_moves"] == len(moves) <= 80
    assert tm["n_between_arms"] == (moves.from_arm != moves.to_arm).sum() > 0
    assert (moves.from_arm == moves.to_arm).sum() > 0
    assert (moves.from_leader != moves.to_leader).all()
    for m in moves.itertuples():
        rows = emp[emp.employee_id == m.employee_id].sort_values("start_date")
        old, new = rows.iloc[0], rows.iloc[1]
        assert (old.leader_id, old.exit_type) == (m.from_leader, "transfer"), m
        assert new.leader_id == m.to_leader and new.start_date == m.date
        assert pd.Timestamp(old.end_date) == pd.Timestamp(m.date) - pd.Timedelta(days=1)
        assert old.group is new.group or old.group == new.group
        assert rows.promoted_date.notna().sum() <= 1
    leaders = _read(out, "leaders").set_index("leader_id").arm
    assert (moves.from_leader.map(leaders) == moves.from_arm).all()
    assert (moves.to_leader.map(leaders) == moves.to_arm).all()
    result = validate_cohort(out)
    assert result.ok, result.format()
    # the generator's other transfers leave the cohort: the one warning names them
    assert [w.column for w in result.warnings] == ["exit_type"]
    assert "moved out of the cohort" in result.warnings[0].rule


def test_bad_transfer_share_raises(tmp_path: Path) -> None:
    for bad in (-0.1, 0.9, float("nan")):
        with pytest.raises(ValueError, match="transfer_share"):
            generate_cohort(tmp_path / "x", 4, 4, seed=1, transfer_share=bad)
    assert not any(tmp_path.iterdir())
