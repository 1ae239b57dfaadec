"""``pilot-eval import SPEC.toml --out COHORT_DIR``: build a cohort folder from exports.

The folder is written to a temporary sibling, validated against the data
contract, and moved into place only when both the mapping and the validation
found nothing wrong: on any problem every one is listed, the exit status is 2
and nothing is written.  Source files are only read.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pilot_eval.data.contract import CONFIG_FILE, REQUIRED_TABLES, TABLES_BY_NAME
from pilot_eval.data.importers.mapping import map_table
from pilot_eval.data.importers.readers import ReadError, read_source
from pilot_eval.data.importers.spec import ImportSpec, Problem, parse_spec
from pilot_eval.data.validate import validate_cohort
from pilot_eval.errors import InputError

#: Marks a folder written by ``pilot-eval import`` (only such a folder is ever replaced).
IMPORT_MARKER = ".pilot-eval-import"
#: Columns replaced by salted hashes when pseudonymising, with the prefix of their codes.
PSEUDONYM_PREFIX: dict[str, str] = {
    "leader_id": "L", "rater_id": "R", "respondent_id": "P", "employee_id": "E", "observer_id": "O",
}


class ImportProblems(InputError):
    """The SPEC, an export or the resulting cohort has problems (all listed; exit 2)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        n = len(problems)
        lines = [f"import failed: {n} problem{'s' if n != 1 else ''}; nothing was written"]
        lines += [f"  - {p.format()}" for p in problems]
        super().__init__("\n".join(lines))


@dataclass
class ImportResult:
    out_dir: Path
    rows: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    pseudonymised: bool = False


# ---- cohort.toml -------------------------------------------------------------

def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def cohort_toml(settings: dict[str, Any]) -> str:
    """``cohort.toml`` text for the SPEC's ``[cohort]`` settings (sub-tables such as targets last)."""
    top = {k: v for k, v in settings.items() if not isinstance(v, dict)}
    subs = {k: v for k, v in settings.items() if isinstance(v, dict)}
    lines = ["# written by pilot-eval import from the SPEC's [cohort] section"]
    lines += [f"{k} = {_toml_value(v)}" for k, v in top.items()]
    for name, table in subs.items():
        lines += ["", f"[{name}]"] + [f"{k} = {_toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


# ---- pseudonymisation -----------------------------------------------------------

def load_or_create_salt(salt_file: Path, out_dir: Path) -> bytes:
    """The secret salt (created, mode 0600, when the file does not exist yet).

    The salt must live outside the cohort folder: whoever holds it can link
    the codes back to the export's IDs.
    """
    salt_file = salt_file.resolve()
    out = out_dir.resolve()
    if salt_file == out or out in salt_file.parents:
        raise ImportProblems([Problem("salt file", f"{salt_file} is inside the cohort folder; keep the salt "
                                                   "outside it (e.g. in a secrets folder only you can read)")])
    if salt_file.exists():
        text = salt_file.read_text(encoding="utf-8").strip()
        if len(text) < 32:
            raise ImportProblems([Problem("salt file", f"{salt_file} holds fewer than 32 characters; "
                                                       "delete it to have a new salt made")])
        return text.encode()
    if not salt_file.parent.is_dir():
        raise ImportProblems([Problem("salt file", f"folder {salt_file.parent} does not exist")])
    fd = os.open(salt_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(secrets.token_hex(32) + "\n")
    return salt_file.read_text(encoding="utf-8").strip().encode()


def pseudonym(value: str, column: str, salt: bytes) -> str:
    """A stable code for ``value``: keyed hash (HMAC-SHA256), prefix by kind of ID.

    Examples
    --------
    >>> pseudonym("E12345", "employee_id", b"s" * 32)[:2]
    'E-'
    >>> pseudonym("", "employee_id", b"s" * 32)
    ''
    """
    if value == "":
        return ""
    digest = hmac.new(salt, f"{column}:{value}".encode(), hashlib.sha256).hexdigest()
    return f"{PSEUDONYM_PREFIX[column]}-{digest[:16]}"


# ---- the import ------------------------------------------------------------------

def _write_csv(path: Path, columns: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow([r[c] for c in columns])


def _check_out(out_dir: Path) -> None:
    if out_dir.is_symlink() or (out_dir.exists() and not out_dir.is_dir()):
        raise ImportProblems([Problem(f"--out {out_dir}", "exists and is not a folder; choose a new folder")])
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / IMPORT_MARKER).is_file():
        raise ImportProblems([Problem(f"--out {out_dir}", "is an existing folder that pilot-eval import did not "
                                                          "write; choose a new folder (nothing was written)")])


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def import_cohort(spec_path: str | Path, out_dir: str | Path, *, salt_file: str | Path | None = None) -> ImportResult:
    """Build the cohort folder ``out_dir`` from the exports a SPEC maps.

    Parameters
    ----------
    spec_path
        The SPEC (TOML; see :mod:`pilot_eval.data.importers.spec`).
    out_dir
        The cohort folder to write: new, empty, or an earlier import.
    salt_file
        Pseudonymise the IDs with the salt in this file (made when missing);
        overrides the SPEC's ``[pseudonymise] salt_file``.

    Raises
    ------
    ImportProblems
        Every problem of the SPEC, the exports and the resulting cohort; nothing is written.
    """
    out_dir = Path(out_dir).absolute()
    _check_out(out_dir)
    spec, problems = parse_spec(spec_path)
    if spec is None:
        raise ImportProblems(problems)
    tables: dict[str, tuple[list[dict[str, str]], list[int]]] = {}
    notes: list[str] = []
    for name, ts in spec.tables.items():
        try:
            src = read_source(ts.file, fmt=ts.format, encoding=ts.encoding, delimiter=ts.delimiter, sheet=ts.sheet)
        except ReadError as exc:
            problems.append(Problem(f"{ts.file_text} (SPEC key {ts.key}.file)", str(exc)))
            continue
        notes += [f"{ts.file_text}: {n}" for n in src.notes]
        rows, lines, probs, table_notes = map_table(ts, src)
        problems += probs
        notes += table_notes
        tables[name] = (rows, lines)
    for name in REQUIRED_TABLES:
        if name not in spec.tables:
            problems.append(Problem(f"SPEC key tables.{name}", "required table not mapped: add a "
                                                               f"[tables.{name}] section with its file"))
    if "observations" in spec.tables and "behaviours" not in spec.tables:
        problems.append(Problem("SPEC key tables.behaviours", "observations need the behaviours codebook: "
                                                              "add [tables.behaviours]"))
    if problems:
        raise ImportProblems(problems)
    salt_path = Path(salt_file) if salt_file is not None else spec.salt_file
    if salt_path is not None:
        salt = load_or_create_salt(salt_path, out_dir)
        for rows, _ in tables.values():
            for r in rows:
                for col in PSEUDONYM_PREFIX:
                    if col in r:
                        r[col] = pseudonym(r[col], col, salt)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.importing-", dir=out_dir.parent))
    try:
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o777 & ~mask)
        (tmp / CONFIG_FILE).write_text(cohort_toml(spec.cohort), encoding="utf-8")
        for name, (rows, _) in tables.items():
            _write_csv(tmp / f"{name}.csv", TABLES_BY_NAME[name].column_names, rows)
        result = validate_cohort(tmp)
        if not result.ok:
            raise ImportProblems([_from_violation(v, spec, tables) for v in result.violations])
        (tmp / IMPORT_MARKER).write_text(json.dumps({
            "written_by": "pilot-eval import",
            "spec": spec.path.name,
            "sources": {ts.file_text: _sha256(ts.file) for ts in spec.tables.values()},
            "pseudonymised": salt_path is not None,
            "notes": notes,
        }, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        if out_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
            old.rmdir()
            os.rename(out_dir, old)
            os.rename(tmp, out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return ImportResult(out_dir=out_dir, rows={k: len(v[0]) for k, v in tables.items()}, notes=notes,
                        pseudonymised=salt_path is not None)


def _from_violation(v: Any, spec: ImportSpec, tables: dict[str, tuple[list[dict[str, str]], list[int]]]) -> Problem:
    """A contract violation of the imported folder, pointed back at the source file's lines."""
    stem = v.file.rsplit(".", 1)[0]
    if v.file == CONFIG_FILE:
        key = f"SPEC key cohort.{v.column}" if v.column else "SPEC key cohort"
        return Problem(key, f"{v.rule} (value {', '.join(v.values) or 'missing'})")
    ts = spec.tables.get(stem)
    if ts is None or stem not in tables:
        return Problem(v.file, v.format())
    lines = tables[stem][1]
    src_lines = sorted({lines[r - 1] for r in v.rows if 0 < r <= len(lines)})
    col = ts.columns.get(v.column) if v.column else None
    src_col = col.column if col is not None and col.column else v.column
    where = f"{ts.file_text}" + (f", column {src_col!r}" if src_col else "")
    if src_lines:
        shown = ", ".join(map(str, src_lines[:5])) + (f" and {len(src_lines) - 5} more" if len(src_lines) > 5 else "")
        where += f", line{'s' if len(src_lines) > 1 else ''} {shown}"
    values = f" (values {', '.join(map(repr, v.values[:5]))})" if v.values else ""
    return Problem(where, f"{v.rule}{values} [contract table {stem}]")
