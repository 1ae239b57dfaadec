"""The cohort data contract (v1.1) as data: the single source of truth.

Every table of a cohort folder, its columns (type, whether a cell may be
empty, allowed values, ranges), its uniqueness keys, its foreign keys and its
cross-row rules are declared here once.  :mod:`pilot_eval.data.validate` checks a
folder against these declarations and :func:`data_dictionary_markdown`
renders them as the human-readable data dictionary (``data/sample/README.md``),
so the documentation cannot drift from the code.

Regenerate the dictionary block of a README with::

    python -m pilot_eval.data.contract --write-readme data/sample/README.md
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Literal, Sequence

from pilot_eval.data.config import COST_KEYS, DEFAULT_TARGETS

#: Version of the data contract implemented here.
CONTRACT_VERSION = "1.1"
#: Versions a cohort folder may declare with ``contract_version`` in cohort.toml (absent: the
#: current one).  v1.1 adds team history: several employees rows per person, one per stint.
CONTRACT_VERSIONS: tuple[str, ...] = ("1", "1.1")

# ---- controlled vocabularies ------------------------------------------------
ARMS: tuple[str, ...] = ("pilot", "comparison")
RATER_TYPES: tuple[str, ...] = ("self", "manager", "peer", "direct_report")
WAVES: tuple[str, ...] = ("baseline", "midpoint", "endline")
EXIT_TYPES: tuple[str, ...] = ("voluntary", "involuntary", "transfer")
#: The exit type of a stint ended by a move to another team (the person did not leave).
TRANSFER = "transfer"
#: Exit types that are attrition (the person left the organisation's cohort teams).
ATTRITION_EXITS: tuple[str, ...] = ("voluntary", "involuntary")
INCIDENT_KINDS: tuple[str, ...] = ("escalation", "hr_incident")
SESSION_KINDS: tuple[str, ...] = ("practice", "feedback", "coaching")
BEHAVIOUR_SCALES: tuple[str, ...] = ("binary", "ordinal")
#: Value of ``behaviours.roles`` for a behaviour that applies to every role.
ALL_ROLES = "all"
#: Separator of the role list in ``behaviours.roles``.
ROLES_SEPARATOR = ";"

#: File name of the cohort settings.
CONFIG_FILE = "cohort.toml"
#: File suffixes a table may have (one per stem).
TABLE_SUFFIXES: tuple[str, ...] = (".csv", ".parquet")

ColumnType = Literal["str", "int", "float", "date"]
#: How a column's range is defined: a fixed interval, the rating scale of
#: ``cohort.toml``, or per behaviour (0/1 for binary, the scale for ordinal).
RangeKind = Literal["fixed", "scale", "behaviour_scale"]

#: Markers around the generated dictionary in a README.
README_START = "<!-- data-dictionary:start -->"
README_END = "<!-- data-dictionary:end -->"


@dataclasses.dataclass(frozen=True)
class Column:
    """One column of a contract table.

    Attributes
    ----------
    name
        Column name as in the header row.
    type
        ``str``, ``int``, ``float`` or ``date`` (ISO ``YYYY-MM-DD``).
    nullable
        Whether an empty cell is allowed.
    doc
        The rule as written in the data contract (human text).
    allowed
        The only values allowed, or ``None``.
    range_kind
        ``None`` (no range), ``"fixed"`` (``min_value``/``max_value``),
        ``"scale"`` (``scale_min..scale_max`` of cohort.toml) or
        ``"behaviour_scale"`` (0/1 or the scale, by the behaviour's codebook scale).
    min_value, max_value
        Bounds for ``range_kind="fixed"`` (inclusive; ``None`` = unbounded).
    references
        ``"table.column"`` this column's values must exist in (foreign key).
    """

    name: str
    type: ColumnType
    nullable: bool
    doc: str
    allowed: tuple[str, ...] | None = None
    range_kind: RangeKind | None = None
    min_value: float | None = None
    max_value: float | None = None
    references: str | None = None


@dataclasses.dataclass(frozen=True)
class TableRule:
    """A rule across rows or columns of a table, implemented in the validator.

    ``code`` names the check in :mod:`pilot_eval.data.validate`; ``text`` is the rule
    as shown to users (in the dictionary and in violation messages).
    """

    code: str
    text: str


@dataclasses.dataclass(frozen=True)
class Table:
    """One table of a cohort folder (``<name>.csv`` or ``<name>.parquet``).

    Attributes
    ----------
    name
        File stem.
    required
        Whether the table must be present.
    description
        What one row is.
    columns
        Columns in contract order; all must be present in the file.
    unique_keys
        Column tuples whose value combinations must be unique.
    rules
        Cross-row rules (see :class:`TableRule`).
    required_if_present
        Name of another table whose presence makes this one required.
    notes
        Further prose for the data dictionary (e.g. how team history is read).
    """

    name: str
    required: bool
    description: str
    columns: tuple[Column, ...]
    unique_keys: tuple[tuple[str, ...], ...] = ()
    rules: tuple[TableRule, ...] = ()
    required_if_present: str | None = None
    notes: str = ""

    @property
    def column_names(self) -> tuple[str, ...]:
        """Names of the columns, in contract order."""
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        """The column called ``name`` (``KeyError`` if the table has none)."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def foreign_keys(self) -> tuple[tuple[str, str, str], ...]:
        """``(column, table, column)`` triples of the table's foreign keys."""
        out = []
        for col in self.columns:
            if col.references:
                table, target = col.references.split(".")
                out.append((col.name, table, target))
        return tuple(out)


@dataclasses.dataclass(frozen=True)
class ConfigKey:
    """One setting of ``cohort.toml`` (``targets.*`` keys live in ``[targets]``)."""

    name: str
    type: Literal["str", "date", "int", "number"]
    required: bool
    default: object
    doc: str


def _leader_fk(doc: str = "must exist in leaders") -> Column:
    return Column("leader_id", "str", False, doc, references="leaders.leader_id")


TABLES: tuple[Table, ...] = (
    Table(
        name="leaders",
        required=True,
        description="one row per leader in the pilot or comparison group",
        columns=(
            Column("leader_id", "str", False, "unique, non-empty"),
            Column("arm", "str", False,
                   "`pilot` or `comparison` (a cohort may have no comparison leaders)",
                   allowed=ARMS),
            Column("role", "str", False,
                   "non-empty category (e.g. team_lead, manager, senior_manager, director)"),
            Column("culture", "str", False, "non-empty category (region or culture cluster)"),
            Column("org_unit", "str", False, "non-empty; the cluster for cluster-robust errors"),
            Column("tenure_years", "float", True, ">= 0, may be missing",
                   range_kind="fixed", min_value=0.0),
        ),
        unique_keys=(("leader_id",),),
    ),
    Table(
        name="ratings",
        required=True,
        description="360 empathy survey, one row per rater × item × wave",
        columns=(
            _leader_fk(),
            Column("rater_id", "str", False,
                   "non-empty; the same rater may rate several leaders"),
            Column("rater_type", "str", False, "`self`, `manager`, `peer`, `direct_report`",
                   allowed=RATER_TYPES),
            Column("wave", "str", False, "`baseline`, `midpoint`, `endline`", allowed=WAVES),
            Column("date", "date", False, "date the rater answered"),
            Column("item", "str", False, "instrument item code (e.g. E1..E8)"),
            Column("score", "int", True,
                   "in [scale_min, scale_max]; missing = \"don't know\"",
                   range_kind="scale"),
        ),
        unique_keys=(("leader_id", "rater_id", "wave", "item"),),
        rules=(
            TableRule("one_self_rater",
                      "one `self` rater per leader and wave"),
            TableRule("one_rater_type",
                      "a rater_id has one rater_type per leader and wave"),
        ),
    ),
    Table(
        name="observations",
        required=False,
        description="behavioural KPIs coded by trained observers, one row per "
                    "session × observer × behaviour",
        columns=(
            Column("session_id", "str", False,
                   "one observed interaction (scenario role-play, meeting)"),
            _leader_fk("must exist in leaders; one leader per session"),
            Column("observer_id", "str", False, "non-empty"),
            Column("date", "date", False, "date of the session"),
            Column("behaviour", "str", False, "must exist in behaviours.csv",
                   references="behaviours.behaviour"),
            Column("value", "int", False,
                   "0/1 for `binary`, scale_min..scale_max for `ordinal`",
                   range_kind="behaviour_scale"),
        ),
        unique_keys=(("session_id", "observer_id", "behaviour"),),
        rules=(
            TableRule("one_leader_per_session", "one leader per session_id"),
        ),
    ),
    Table(
        name="behaviours",
        required=False,
        required_if_present="observations",
        description="the codebook of observed behaviours (required if observations exist)",
        columns=(
            Column("behaviour", "str", False, "unique code (e.g. asked_clarifying_question)"),
            Column("scale", "str", False, "`binary` or `ordinal`", allowed=BEHAVIOUR_SCALES),
            Column("description", "str", False,
                   "the micro-action as observers are trained to see it"),
            Column("roles", "str", False,
                   "`all`, or `;`-separated roles it applies to (role-specific checklists)"),
        ),
        unique_keys=(("behaviour",),),
        rules=(
            TableRule("roles_format",
                      "roles is `all` or a `;`-separated list of non-empty role names "
                      "(not mixed with `all`)"),
        ),
    ),
    Table(
        name="pulse",
        required=True,
        description="team pulse survey answered by team members, one row per "
                    "respondent × item × date",
        columns=(
            _leader_fk("the respondent's leader; must exist in leaders"),
            Column("respondent_id", "str", False, "non-empty"),
            Column("date", "date", False, "date the respondent answered"),
            Column("item", "str", False, "pulse question code"),
            Column("score", "int", True, "in [scale_min, scale_max], may be missing",
                   range_kind="scale"),
        ),
    ),
    Table(
        name="employees",
        required=True,
        description="team rosters (HRIS export), one row per stint of a team member with a "
                    "leader: one row per employee, or (v1.1, team history) one row per team "
                    "an employee was on",
        columns=(
            Column("employee_id", "str", False,
                   "non-empty; one row per stint: an employee who moved teams has one row "
                   "per team (v1.1); under contract_version `1` unique"),
            _leader_fk("the leader of this stint; must exist in leaders"),
            Column("group", "str", True,
                   "may be missing; demographic group used only for promotion equity"),
            Column("start_date", "date", False, "first day on this leader's team"),
            Column("end_date", "date", True,
                   "last day on this leader's team, missing if still there; >= start_date"),
            Column("exit_type", "str", True,
                   "`voluntary`, `involuntary`, `transfer`; required iff end_date set; "
                   "`transfer` = moved to another team (not attrition)",
                   allowed=EXIT_TYPES),
            Column("promoted_date", "date", True,
                   "may be missing; a promotion during this stint"),
        ),
        rules=(
            TableRule("end_after_start", "end_date >= start_date"),
            TableRule("exit_type_iff_end_date",
                      "exit_type is set if and only if end_date is set (a `transfer` stint "
                      "has an end_date)"),
            TableRule("stints_no_overlap",
                      "the stints of one employee_id do not overlap: read in start_date order "
                      "(rows may come in any order), each starts after the end_date of the one "
                      "before, and only the last may be open (no end_date)"),
            TableRule("unique_under_v1",
                      "under contract_version `1` employee_id is unique (one row per employee)"),
        ),
        notes=(
            "**Team history (v1.1).** An employee who moved teams has one row per stint with a "
            "leader. A move is a stint that ends with exit_type `transfer` on its last day, "
            "followed by the next stint under the new leader from a later day (normally the next "
            "day). A transfer is never attrition, neither for the team left nor for the person; "
            "only `voluntary` and `involuntary` exits are. Headcount and person-days (the exposure "
            "of the attrition and incident rates) are summed over the stints, each counted for the "
            "leader of its stint; promotion equity counts each person once, in the stint the "
            "promotion happened in (a person not promoted: the last stint in the window). "
            "Warnings, not violations: a `transfer` stint with no later stint (the person moved "
            "out of the cohort's teams; warned only when the folder uses team history, i.e. some "
            "employee has two rows or cohort.toml says contract_version = \"1.1\"); a stint "
            "that starts after a `voluntary` or `involuntary` exit (read as a rehire: the exit "
            "stays attrition and the new stint is a new member; if it was a move, code the exit "
            "`transfer`); an employee whose group differs between stints (promotion equity uses "
            "the group of the stint the person is counted in). A folder with one row per "
            "employee (v1) reads exactly as before."
        ),
    ),
    Table(
        name="incidents",
        required=False,
        description="escalations and HR incidents, one row per event",
        columns=(
            _leader_fk(),
            Column("date", "date", False, "date of the event"),
            Column("kind", "str", False, "`escalation` or `hr_incident`",
                   allowed=INCIDENT_KINDS),
        ),
    ),
    Table(
        name="sessions",
        required=False,
        description="training log (implementation fidelity), one row per training session",
        columns=(
            _leader_fk(),
            Column("date", "date", False, "date of the session"),
            Column("kind", "str", False, "`practice`, `feedback`, `coaching`",
                   allowed=SESSION_KINDS),
            Column("score", "float", True, "0..100 practice score, may be missing",
                   range_kind="fixed", min_value=0.0, max_value=100.0),
            Column("feedback_latency_hours", "float", True, ">= 0, may be missing",
                   range_kind="fixed", min_value=0.0),
        ),
    ),
)

#: Tables by name.
TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
REQUIRED_TABLES: tuple[str, ...] = tuple(t.name for t in TABLES if t.required)
OPTIONAL_TABLES: tuple[str, ...] = tuple(t.name for t in TABLES if not t.required)

#: Settings of ``cohort.toml``; ``targets.<name>`` keys live in the ``[targets]`` table.
CONFIG_KEYS: tuple[ConfigKey, ...] = (
    ConfigKey("name", "str", True, None, "free text shown in reports; non-empty"),
    ConfigKey("pilot_start", "date", True, None,
              "day 0 of the pilot, a TOML date `YYYY-MM-DD`"),
    ConfigKey("pilot_days", "int", False, 90, "length of the pilot window; > 0"),
    ConfigKey("follow_up_days", "int", False, 180,
              "outcome data after the pilot, 0 if none; >= 0"),
    ConfigKey("scale_min", "int", False, 1,
              "lowest point of the rating scale of ratings and pulse; < scale_max"),
    ConfigKey("scale_max", "int", False, 5,
              "highest point of the rating scale of ratings and pulse; > scale_min"),
    ConfigKey("min_group_size", "int", False, 5,
              "smallest group any aggregate is shown for; >= 1"),
    ConfigKey("min_raters_per_category", "int", False, 3,
              "peers / direct reports shown only with >= this many raters; >= 1"),
    ConfigKey("contract_version", "str", False, None,
              "`1` or `1.1`: the contract version the folder follows; absent = 1.1 "
              "(team history allowed) (v1.1)"),
    ConfigKey("targets.empathy_360_change_pct", "number", False,
              DEFAULT_TARGETS["empathy_360_change_pct"],
              "target change of the 360 empathy score, in % of the scale's full range (adjusted effect)"),
    ConfigKey("targets.leaders_improved_pct", "number", False,
              DEFAULT_TARGETS["leaders_improved_pct"],
              "target share of leaders reliably improved, pilot minus comparison, in percentage points; in [0, 100]"),
    ConfigKey("targets.hr_incidents_change_pct", "number", False,
              DEFAULT_TARGETS["hr_incidents_change_pct"],
              "target % change of the HR incident rate, pilot vs comparison"),
    ConfigKey("targets.pulse_change", "number", False, DEFAULT_TARGETS["pulse_change"],
              "target change of the team pulse, in scale points (v1.1)"),
    ConfigKey("targets.behaviour_index_change", "number", False, DEFAULT_TARGETS["behaviour_index_change"],
              "target change of the share of empathy behaviours observed, in [-1, 1] (v1.1)"),
    ConfigKey("targets.escalations_change_pct", "number", False, DEFAULT_TARGETS["escalations_change_pct"],
              "target % change of the escalation rate, pilot vs comparison (v1.1)"),
    ConfigKey("targets.voluntary_attrition_change_pct", "number", False,
              DEFAULT_TARGETS["voluntary_attrition_change_pct"],
              "target % change of the voluntary attrition rate, pilot vs comparison (v1.1)"),
    ConfigKey("targets.promotion_air", "number", False, DEFAULT_TARGETS["promotion_air"],
              "lowest acceptable adverse impact ratio of promotions in pilot teams (four-fifths rule) (v1.1)"),
    *(ConfigKey(f"costs.{name}", "number", False, None, f"{doc}; >= 0, optional (v1.1)")
      for name, doc in COST_KEYS.items()),
)
CONFIG_KEYS_BY_NAME: dict[str, ConfigKey] = {k.name: k for k in CONFIG_KEYS}

_TYPE_TEXT = {
    "str": "text",
    "int": "integer",
    "float": "number",
    "date": "date (YYYY-MM-DD)",
    "number": "number",
}


# ---- the data dictionary -------------------------------------------------------
def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _key_text(key: tuple[str, ...]) -> str:
    if len(key) == 1:
        return f"`{key[0]}` unique"
    return "(" + ", ".join(key) + ") unique"


def data_dictionary_markdown() -> str:
    """The data contract rendered as a Markdown data dictionary.

    Covers ``cohort.toml`` (keys, types, defaults, rules) and every table:
    whether it is required, each column's type, whether it may be empty, its
    rule, and the table's uniqueness keys, foreign keys and cross-row rules.

    Returns
    -------
    str
        Markdown text ending in a newline; stable (no dates or versions of
        anything but the contract), so a README can be checked against it.
    """
    lines: list[str] = [
        f"## Data dictionary (cohort data contract v{CONTRACT_VERSION})",
        "",
        "A cohort is one folder: `cohort.toml` plus one file per table, either "
        "`<table>.csv` (UTF-8, header row, comma-separated, dates `YYYY-MM-DD`, "
        "empty cell = missing) or `<table>.parquet` with the same columns — never both. "
        "IDs are opaque strings. Extra columns are ignored. "
        "Check a folder with `pilot-eval validate DIR`: every violation is listed at once.",
        "",
        f"Required tables: {', '.join(REQUIRED_TABLES)}. "
        f"Optional tables: {', '.join(OPTIONAL_TABLES)}.",
        "",
        f"### {CONFIG_FILE} (required)",
        "",
        "| key | type | required | default | rule |",
        "|---|---|---|---|---|",
    ]
    for key in CONFIG_KEYS:
        default = "—" if key.default is None else f"`{key.default}`"
        lines.append(
            f"| `{key.name}` | {_TYPE_TEXT[key.type]} | {'yes' if key.required else 'no'} "
            f"| {default} | {_cell(key.doc)} |"
        )
    lines += [
        "",
        "Unknown keys are an error. The `targets.*` keys go in a `[targets]` table, the `costs.*` keys in a "
        "`[costs]` table.",
    ]
    for table in TABLES:
        if table.required:
            status = "required"
        elif table.required_if_present:
            status = f"optional; required if {table.required_if_present} is present"
        else:
            status = "optional"
        lines += [
            "",
            f"### {table.name}.csv ({status})",
            "",
            f"{table.description[0].upper()}{table.description[1:]}.",
            "",
            "| column | type | may be empty | rule |",
            "|---|---|---|---|",
        ]
        for col in table.columns:
            lines.append(
                f"| `{col.name}` | {col.type} | {'yes' if col.nullable else 'no'} "
                f"| {_cell(col.doc)} |"
            )
        rules: list[str] = [_key_text(key) for key in table.unique_keys]
        rules += [
            f"`{col}` must exist in `{ref_table}.{ref_col}`"
            for col, ref_table, ref_col in table.foreign_keys
        ]
        rules += [rule.text for rule in table.rules]
        if rules:
            lines += ["", "Rules: " + "; ".join(rules) + "."]
        if table.notes:
            lines += ["", table.notes]
    return "\n".join(lines) + "\n"


README_INTRO = (
    "# Sample cohort\n"
    "\n"
    "This folder is a synthetic cohort produced by "
    "`pilot-eval synth data/sample --pilot 45 --comparison 60 --seed 20260105`; "
    "`truth.json` holds the planted ground truth (the effects and reliabilities the "
    "generator built in), so the analyses can be checked against known answers. "
    "No real person is in it.\n"
    "\n"
    "The data dictionary below is generated from `src/pilot_eval/data/contract.py` "
    "(`python -m pilot_eval.data.contract --write-readme data/sample/README.md`); "
    "edit the contract, not this block.\n"
)


def readme_with_dictionary(text: str | None) -> str:
    """``text`` with the block between the dictionary markers replaced.

    If ``text`` is ``None`` or has no markers, a README is built from
    :data:`README_INTRO` (or ``text``) followed by the marked block.
    """
    block = f"{README_START}\n{data_dictionary_markdown()}{README_END}\n"
    if text is None:
        return README_INTRO + "\n" + block
    start, end = text.find(README_START), text.find(README_END)
    if start == -1 or end == -1 or end < start:
        return text.rstrip("\n") + "\n\n" + block
    tail = text[end + len(README_END):]
    return text[:start] + block + tail.lstrip("\n")


def write_readme(path: str | Path) -> Path:
    """Write (or refresh) the data-dictionary block of the README at ``path``."""
    path = Path(path)
    old = path.read_text(encoding="utf-8") if path.exists() else None
    new = readme_with_dictionary(old)
    if new != old:
        path.write_text(new, encoding="utf-8")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: print the dictionary, or ``--write-readme PATH``."""
    parser = argparse.ArgumentParser(
        prog="python -m pilot_eval.data.contract",
        description="Render the cohort data dictionary from the contract.",
    )
    parser.add_argument("--write-readme", metavar="PATH",
                        help="refresh the data-dictionary block of this README")
    args = parser.parse_args(argv)
    if args.write_readme:
        write_readme(args.write_readme)
    else:
        sys.stdout.write(data_dictionary_markdown())
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
