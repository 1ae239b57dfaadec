"""``pilot-eval init DIR``: a starter cohort folder a program owner can fill in.

It holds a commented ``cohort.toml``, one empty CSV per table (header row
only), ``cohort-template.xlsx`` (one sheet per table plus a README sheet with
the data dictionary) and ``SPEC.toml``, a template for ``pilot-eval import``
when the data come as exports instead.
"""

from __future__ import annotations

import csv
from pathlib import Path

from pilot_eval.data.contract import CONFIG_KEYS, TABLES

WORKBOOK = "cohort-template.xlsx"
SPEC_TEMPLATE = "SPEC.toml"


def _config_template() -> str:
    lines = ["# cohort.toml: the settings of one pilot cohort (data contract v1.1).",
             "# Fill in name and pilot_start; the other settings have the defaults shown.", ""]
    targets = []
    for key in CONFIG_KEYS:
        if key.name.startswith("targets."):
            targets.append(key)
            continue
        if key.name.startswith("costs."):
            continue
        if key.name == "name":
            value = '"My pilot cohort"'
        elif key.name == "pilot_start":
            value = "2026-01-05"
        elif key.name == "contract_version":
            value = '"1.1"'
        else:
            value = repr(key.default)
        lines.append(f"{key.name} = {value}".ljust(40) + f"# {key.doc}")
    lines += ["", "[targets]                               # the executive scorecard's targets"]
    for key in targets:
        lines.append(f"{key.name.split('.', 1)[1]} = {key.default!r}".ljust(40) + f"# {key.doc}")
    lines += ["", "# [costs]                               # optional: the return on investment (money, one currency)"]
    for key in CONFIG_KEYS:
        if key.name.startswith("costs."):
            lines.append(f"# {key.name.split('.', 1)[1]} = 0".ljust(40) + f"# {key.doc}")
    return "\n".join(lines) + "\n"


def _spec_template() -> str:
    out = [
        "# SPEC.toml: how your exports map onto the cohort tables (pilot-eval import SPEC.toml --out COHORT).",
        "# Paths are relative to this file. Every table section needs `file`; a section with only `file`",
        "# maps columns by name. Formats: long (default), wide (one column per item), qualtrics (wide with",
        "# three header rows), history (employees: a job-history export, one row per HR event).",
        "# Files: .csv .tsv .txt .xlsx .xls .ods .parquet .jsonl .ndjson .json.",
        "# Encoding and delimiter are detected when not given; date_format uses Python's strptime codes.",
        "",
        "[cohort]",
        'name = "My pilot cohort"',
        "pilot_start = 2026-01-05",
        "pilot_days = 90",
        "follow_up_days = 180",
        "scale_min = 1",
        "scale_max = 5",
        "min_group_size = 5",
        "min_raters_per_category = 3",
        "",
        "# [pseudonymise]                     # replace every ID with a salted hash on import",
        '# salt_file = "../secrets/pilot-salt.txt"   # outside the cohort folder; made when missing',
        "",
    ]
    for t in TABLES:
        req = "required" if t.required else "optional"
        out += [f"# {t.name}: {t.description} ({req})",
                f"{'' if t.required else '# '}[tables.{t.name}]",
                f"{'' if t.required else '# '}file = \"exports/{t.name}.csv\""]
        if t.name == "ratings":
            out += [
                "# format = \"qualtrics\"            # e.g. a Qualtrics 360 export",
                "# date_format = \"%Y-%m-%d %H:%M:%S\"",
                "# [tables.ratings.columns]",
                "# leader_id = \"SubjectID\"",
                "# rater_id = \"ResponseId\"",
                "# rater_type = \"Relationship\"",
                "# wave = { value = \"baseline\" }",
                "# date = \"EndDate\"",
                "# [tables.ratings.items]            # item code = source column",
                "# E1 = \"Q1_1\"",
                "# [tables.ratings.values.rater_type]",
                "# \"Direct Report\" = \"direct_report\"",
                "# \"Self\" = \"self\"",
            ]
        if t.name == "employees":
            out += [
                "# one row per stint with a leader; a move = a row ending with exit_type transfer",
                "# and the next row under the new leader. A job-history export (one row per event):",
                "# format = \"history\"",
                "# [tables.employees.columns]",
                "# employee_id = \"Worker ID\"",
                "# leader_id = \"Manager\"",
                "# date = \"Effective Date\"",
                "# event = \"Reason\"",
                "# [tables.employees.values.event]     # hire, transfer, voluntary, involuntary, promotion, ignore",
                "# \"Hire\" = \"hire\"",
                "# \"Lateral Move\" = \"transfer\"",
                "# \"Resignation\" = \"voluntary\"",
            ]
        out.append("")
    return "\n".join(out)


def write_starter(folder: str | Path) -> list[Path]:
    """Write the starter files into ``folder`` (new or empty); return the paths written.

    Raises
    ------
    FileExistsError
        When ``folder`` exists and is not empty (nothing is overwritten).
    """
    import pandas as pd

    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise FileExistsError(f"{folder} exists and is not an empty folder; choose a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "cohort.toml"]
    written[0].write_text(_config_template(), encoding="utf-8")
    for t in TABLES:
        p = folder / f"{t.name}.csv"
        with open(p, "w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerow(t.column_names)
        written.append(p)
    readme = [{"table": t.name, "required": "yes" if t.required else "no", "column": c.name,
               "type": c.type, "may be empty": "yes" if c.nullable else "no", "rule": c.doc}
              for t in TABLES for c in t.columns]
    wb = folder / WORKBOOK
    with pd.ExcelWriter(wb, engine="openpyxl") as xl:
        pd.DataFrame(readme).to_excel(xl, sheet_name="README", index=False)
        for t in TABLES:
            pd.DataFrame(columns=list(t.column_names)).to_excel(xl, sheet_name=t.name, index=False)
    written.append(wb)
    spec = folder / SPEC_TEMPLATE
    spec.write_text(_spec_template(), encoding="utf-8")
    written.append(spec)
    return written
