"""The data dictionary stays in step with the code and the published contract.

References: ``data/sample/README.md`` (the readable copy of the contract) must
equal :func:`pilot_eval.data.contract.data_dictionary_markdown`; and every table,
column, type and rule of the cohort data contract v1
(``/work/shared/spec/data-contract.md``, parsed from its Markdown tables) must
be declared in :mod:`pilot_eval.data.contract`.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from pilot_eval.data import contract
from pilot_eval.data import validate
from pilot_eval.data.contract import (
    ALL_ROLES,
    BEHAVIOUR_SCALES,
    CONFIG_KEYS_BY_NAME,
    OPTIONAL_TABLES,
    README_END,
    README_START,
    REQUIRED_TABLES,
    ROLES_SEPARATOR,
    TABLES,
    TABLES_BY_NAME,
    data_dictionary_markdown,
    readme_with_dictionary,
)

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "data" / "sample" / "README.md"
SPEC = ROOT.parent / "shared" / "spec" / "data-contract.md"


def readme_block(text: str) -> str:
    start = text.index(README_START) + len(README_START)
    end = text.index(README_END)
    return text[start:end].lstrip("\n")


def test_readme_block_equals_rendered_dictionary() -> None:
    text = README.read_text(encoding="utf-8")
    assert readme_block(text) == data_dictionary_markdown(), (
        "data/sample/README.md is stale: run "
        "`python -m pilot_eval.data.contract --write-readme data/sample/README.md`")
    assert "pilot-eval synth data/sample --pilot 45 --comparison 60 --seed 20260105" in text
    assert "truth.json" in text


def test_write_readme_roundtrip(tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    assert contract.main(["--write-readme", str(path)]) == 0
    first = path.read_text(encoding="utf-8")
    assert readme_block(first) == data_dictionary_markdown()
    stale = first.replace("| `arm` |", "| `arm_old` |") + "\nTrailing notes.\n"
    refreshed = readme_with_dictionary(stale)
    assert readme_block(refreshed) == data_dictionary_markdown()
    assert refreshed.endswith("Trailing notes.\n")
    assert readme_with_dictionary(refreshed) == refreshed  # idempotent


def test_dictionary_mentions_everything() -> None:
    text = data_dictionary_markdown()
    for table in TABLES:
        assert f"### {table.name}.csv" in text
        for col in table.columns:
            assert f"| `{col.name}` | {col.type} |" in text
            for value in col.allowed or ():
                assert f"`{value}`" in text
    for key in CONFIG_KEYS_BY_NAME:
        assert f"| `{key}` |" in text


def test_every_table_rule_is_implemented() -> None:
    codes = {rule.code for table in TABLES for rule in table.rules}
    from pilot_eval.data.validate import rules

    assert codes and codes <= set(rules._TABLE_RULES)


# ---- the published contract, parsed from its Markdown --------------------------------------
def _spec_text() -> str:
    if not SPEC.is_file():
        pytest.skip(f"{SPEC} not available (../shared missing)")
    return SPEC.read_text(encoding="utf-8")


def _spec_tables(text: str) -> dict[str, tuple[list[tuple[str, str, str]], str]]:
    """``{table: ([(column, type, rule)], prose after the table)}``."""
    out = {}
    sections = re.split(r"^### ", text, flags=re.M)[1:]
    for section in sections:
        title, _, body = section.partition("\n")
        match = re.match(r"(\w+)\.csv", title)
        if not match:
            continue
        rows, prose = [], []
        for line in body.split("\n## ")[0].splitlines():
            if line.startswith("|"):
                cells = [c.strip() for c in line.strip().strip("|").split("|")]
                if cells[0] in ("column", "---") or set(cells[0]) <= {"-"}:
                    continue
                rows.append((cells[0], cells[1], cells[2] if len(cells) > 2 else ""))
            else:
                prose.append(line)
        out[match.group(1)] = (rows, " ".join(prose))
    return out


def test_contract_tables_and_columns_match_the_spec() -> None:
    spec = _spec_tables(_spec_text())
    assert set(spec) == set(TABLES_BY_NAME)
    for name, (rows, _) in spec.items():
        table = TABLES_BY_NAME[name]
        assert [r[0] for r in rows] == list(table.column_names), name
        for column, ctype, _rule in rows:
            assert table.column(column).type == ctype, (name, column)


def test_contract_rules_match_the_spec() -> None:
    spec = _spec_tables(_spec_text())
    checked = 0
    for name, (rows, prose) in spec.items():
        table = TABLES_BY_NAME[name]
        codes = {r.code for r in table.rules}
        for column, _ctype, rule in rows:
            col = table.column(column)
            where = f"{name}.{column}: {rule!r}"
            tokens = set(re.findall(r"`([^`]+)`", rule))
            if col.allowed is not None:
                assert tokens == set(col.allowed), where
            elif col.range_kind == "behaviour_scale":
                assert tokens == set(BEHAVIOUR_SCALES), where
            elif column == "roles":
                assert tokens == {ALL_ROLES, ROLES_SEPARATOR}, where
                assert "roles_format" in codes
            else:
                assert not tokens, where
            if m := re.search(r"must exist in (\w+)", rule):
                assert col.references is not None and col.references.startswith(m.group(1) + "."), where
            if rule.startswith("unique") and (name, column) == ("employees", "employee_id"):
                # v1.1 team history ("Changes to come"): one row per stint, so employee_id repeats;
                # unique only when cohort.toml declares contract_version "1"; stints must not overlap
                assert not col.nullable and (column,) not in table.unique_keys, where
                assert {"unique_under_v1", "stints_no_overlap"} <= codes, where
            elif rule.startswith("unique"):
                assert (column,) in table.unique_keys and not col.nullable, where
            if re.search(r"may be missing|missing if|missing =|required iff", rule):
                assert col.nullable, where
            if "non-empty" in rule:
                assert not col.nullable, where
            if "scale_min" in rule:
                assert col.range_kind in ("scale", "behaviour_scale"), where
            if ">= 0" in rule:
                assert col.range_kind == "fixed" and col.min_value == 0, where
            if m := re.search(r"(\d+)\.\.(\d+)", rule):
                assert (col.min_value, col.max_value) == (float(m[1]), float(m[2])), where
            if ">= start_date" in rule:
                assert "end_after_start" in codes, where
            if "required iff end_date" in rule:
                assert "exit_type_iff_end_date" in codes, where
            if "one leader per session" in rule:
                assert "one_leader_per_session" in codes, where
            checked += 1
        for key in re.findall(r"\(([\w, ]+)\) unique", prose):
            assert tuple(k.strip() for k in key.split(",")) in table.unique_keys, (name, key)
        if "One `self` rater per leader and wave" in prose:
            assert "one_self_rater" in codes
    assert checked == sum(len(t.columns) for t in TABLES)


def test_required_and_optional_tables_match_the_spec() -> None:
    text = _spec_text()
    required = re.search(r"Required: ([\w, ]+)\.", text)
    optional = re.search(r"Optional: (.+?)\. A missing", text, flags=re.S)
    assert required and optional
    assert set(s.strip() for s in required.group(1).split(",")) == set(REQUIRED_TABLES)
    assert set(re.findall(r"observations|behaviours|incidents|sessions", optional.group(1))) \
        == set(OPTIONAL_TABLES)
    assert "required if observations exist" in optional.group(1)
    assert TABLES_BY_NAME["behaviours"].required_if_present == "observations"


def test_cohort_toml_example_matches_the_contract_keys(tmp_path: Path) -> None:
    text = _spec_text()
    block = re.search(r"```toml\n(.*?)```", text, flags=re.S)
    assert block
    example = tomllib.loads(block.group(1))
    flat = {k: v for k, v in example.items() if k != "targets"}
    flat |= {f"targets.{k}": v for k, v in example["targets"].items()}
    # v1 keys exactly; the contract's v1.1 additions ("Changes to come": every target, [costs]) on top
    v11 = {k for k in CONFIG_KEYS_BY_NAME if k.startswith("costs.")
           or (k.startswith("targets.") and "(v1.1)" in CONFIG_KEYS_BY_NAME[k].doc)}
    v11.add("contract_version")  # v1.1: a folder may declare "1" or "1.1" (absent: 1.1)
    assert "(v1.1)" in CONFIG_KEYS_BY_NAME["contract_version"].doc
    assert set(flat) == set(CONFIG_KEYS_BY_NAME) - v11
    assert {k for k in v11 if k.startswith("costs.")} == {
        "costs.cost_per_participant", "costs.cost_per_voluntary_exit", "costs.average_salary",
        "costs.exit_cost_share_of_salary", "costs.cost_per_hr_incident", "costs.cost_per_escalation"}
    for key, value in flat.items():
        spec = CONFIG_KEYS_BY_NAME[key]
        if not spec.required:
            assert spec.default == value, key  # the documented example uses the defaults
    # and the example passes the validator's settings checks
    (tmp_path / "cohort.toml").write_text(block.group(1), encoding="utf-8")
    result = validate.validate_cohort(tmp_path)
    assert not [v for v in result.violations if v.file == "cohort.toml"]
    assert result.config is not None and result.config.name == example["name"]
