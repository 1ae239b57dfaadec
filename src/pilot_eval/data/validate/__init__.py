"""Check a cohort folder against the data contract and report every violation.

:func:`validate_cohort` reads ``cohort.toml`` and every table of
:mod:`pilot_eval.data.contract`, checks all of the contract's rules (and the
bounds of every setting and ``-p`` value a run depends on) and returns a
:class:`ValidationResult` holding **all** violations (it never stops at the
first), warnings, the parsed :class:`~pilot_eval.data.config.CohortConfig` and,
when the cohort is valid, the typed tables.  Input files are only read, never
written.

Modules: :mod:`.violations` (what is reported), :mod:`.settings`
(cohort.toml, overrides, ``-p`` values), :mod:`.reading` (encodings,
delimiters, ragged rows, parsing to the contract types), :mod:`.rules`
(row-level and cross-row rules, warnings).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from pilot_eval.data.contract import TABLES
from pilot_eval.data.validate.reading import TableData, load_table
from pilot_eval.data.validate.rules import (
    Context, check_excluded_behaviours, check_table, typed_frame, warn_near_duplicates, warn_stints,
)
from pilot_eval.data.validate.settings import check_params, read_config
from pilot_eval.data.validate.violations import (
    MAX_ROWS_SHOWN, OVERRIDES, Collector, ValidationResult, Violation,
)


def validate_cohort(path: str | Path, overrides: Mapping[str, Any] | None = None,
                    params: Mapping[str, Any] | None = None) -> ValidationResult:
    """Check a cohort folder against the data contract.

    Parameters
    ----------
    path
        The cohort folder (``cohort.toml`` plus one CSV or Parquet file per table).
    overrides
        Settings replacing those of ``cohort.toml`` (applied with
        :meth:`CohortConfig.with_overrides` and checked by the same rules),
        e.g. ``{"min_group_size": 8}``.
    params
        The run's typed ``-p`` parameters (:func:`pilot_eval.data.params.parse_assignments`):
        each is checked against its bounds, and the codes of
        ``exclude_behaviours`` against ``behaviours.csv``; problems are
        violations of file ``"overrides"``.

    Returns
    -------
    ValidationResult
        Every violation found (none means valid), warnings, the settings, the
        typed tables (when valid) and the files read.

    Examples
    --------
    >>> from pathlib import Path
    >>> result = validate_cohort(Path("no/such/folder"))
    >>> result.ok, result.violations[0].rule
    (False, 'cohort folder does not exist (or is not a folder)')
    """
    folder = Path(path)
    out = Collector()
    files: dict[str, Path] = {}
    if not folder.is_dir():
        out.add(str(folder), None, "cohort folder does not exist (or is not a folder)")
        return ValidationResult(folder, tuple(out.items), None, {}, files)
    config, scale = read_config(folder, out, overrides, files)
    tables: dict[str, TableData] = {}
    absent: list[str] = []
    unreadable: list[str] = []
    for spec in TABLES:
        loaded = load_table(folder, spec, out, files)
        if loaded is False:
            absent.append(spec.name)
        elif isinstance(loaded, TableData):
            tables[spec.name] = loaded
        else:
            unreadable.append(spec.name)
    present = {spec.name for spec in TABLES} - set(absent)
    for spec in TABLES:
        if spec.name not in absent:
            continue
        if spec.required:
            out.add(f"{spec.name}.csv", None, f"required table {spec.name} is missing "
                    f"(expected {spec.name}.csv or {spec.name}.parquet)")
        elif spec.required_if_present and spec.required_if_present in present:
            out.add(f"{spec.name}.csv", None,
                    f"table {spec.name} is required because {spec.required_if_present} "
                    f"is present (expected {spec.name}.csv or {spec.name}.parquet)")
    ctx = Context(tables, scale, None if config is None else config.contract_version)
    for spec in TABLES:
        if spec.name in tables:
            check_table(tables[spec.name], ctx, out)
            warn_near_duplicates(tables[spec.name], out)
            warn_stints(tables[spec.name], ctx, out)
    if params:
        check_params(params, out)
        if "behaviours" not in unreadable:
            check_excluded_behaviours(params, tables, out)
    typed: dict[str, pd.DataFrame] = {}
    if not out.items:
        typed = {name: typed_frame(t) for name, t in tables.items()}
    return ValidationResult(folder, tuple(out.items), config, typed, files, tuple(out.warnings))


__all__ = ["MAX_ROWS_SHOWN", "OVERRIDES", "ValidationResult", "Violation", "validate_cohort"]
