"""Load a validated cohort: settings plus typed tables.

:func:`load_cohort` is the one entry point analyses use.  It runs
:func:`pilot_eval.data.validate.validate_cohort` and raises
:class:`CohortValidationError` (listing every violation) when the folder does
not meet the data contract, so no analysis ever sees invalid input.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd

from pilot_eval.data.config import CohortConfig
from pilot_eval.data.contract import OPTIONAL_TABLES, TABLES
from pilot_eval.data.validate import Violation, validate_cohort
from pilot_eval.errors import InputError


class CohortValidationError(InputError):
    """The cohort folder breaks the data contract.

    Attributes
    ----------
    violations
        Every violation found (see :class:`pilot_eval.data.validate.Violation`).
    exit_code
        Exit status of the command line for invalid input (2).
    """

    exit_code: int = 2

    def __init__(self, violations: Sequence[Violation], path: str | Path | None = None):
        self.violations: tuple[Violation, ...] = tuple(violations)
        self.path = None if path is None else Path(path)
        super().__init__(self._message())

    def _message(self) -> str:
        n = len(self.violations)
        where = f"{self.path}: " if self.path is not None else ""
        lines = [f"{where}{n} violation{'s' if n != 1 else ''} of the cohort data contract"]
        lines += [f"  {v.format()}" for v in self.violations]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self._message()


@dataclasses.dataclass
class Cohort:
    """A cohort that meets the data contract.

    Attributes
    ----------
    path
        The cohort folder.
    config
        Its settings (overrides applied).
    tables
        Typed tables by name (only those present in the folder).
    files
        Input files read, by table name (``"cohort"`` for ``cohort.toml``).
    warnings
        Findings that do not make the cohort invalid (near-duplicate
        categories), see :class:`pilot_eval.data.validate.ValidationResult`.
    """

    path: Path
    config: CohortConfig
    tables: dict[str, pd.DataFrame]
    files: dict[str, Path]
    warnings: tuple[Violation, ...] = ()

    def has(self, name: str) -> bool:
        """Whether table ``name`` is present."""
        return name in self.tables

    def _get(self, name: str) -> pd.DataFrame | None:
        return self.tables.get(name)

    @property
    def leaders(self) -> pd.DataFrame:
        """leaders table (always present)."""
        return self.tables["leaders"]

    @property
    def ratings(self) -> pd.DataFrame:
        """ratings table (always present)."""
        return self.tables["ratings"]

    @property
    def pulse(self) -> pd.DataFrame:
        """pulse table (always present)."""
        return self.tables["pulse"]

    @property
    def employees(self) -> pd.DataFrame:
        """employees table (always present)."""
        return self.tables["employees"]

    @property
    def observations(self) -> pd.DataFrame | None:
        """observations table, or ``None`` when absent."""
        return self._get("observations")

    @property
    def behaviours(self) -> pd.DataFrame | None:
        """behaviours codebook, or ``None`` when absent."""
        return self._get("behaviours")

    @property
    def incidents(self) -> pd.DataFrame | None:
        """incidents table, or ``None`` when absent."""
        return self._get("incidents")

    @property
    def sessions(self) -> pd.DataFrame | None:
        """sessions (training log) table, or ``None`` when absent."""
        return self._get("sessions")

    @property
    def missing_optional(self) -> list[str]:
        """Optional tables absent from the folder, in contract order."""
        return [name for name in OPTIONAL_TABLES if name not in self.tables]


def load_cohort(path: str | Path, overrides: Mapping[str, Any] | None = None,
                params: Mapping[str, Any] | None = None) -> Cohort:
    """Validate and load a cohort folder.

    Parameters
    ----------
    path
        The cohort folder.
    overrides
        Settings replacing those of ``cohort.toml`` (e.g. notebook parameters
        ``{"min_group_size": 8}``), applied with
        :meth:`CohortConfig.with_overrides`; ``None`` values are ignored.
    params
        The run's ``-p`` parameters, checked against their bounds and the
        cohort (behaviour codes) with the cohort, so every problem is listed at once.

    Returns
    -------
    Cohort
        Settings and typed tables.

    Raises
    ------
    CohortValidationError
        If the folder (or an override) breaks the data contract; it lists
        every violation.
    """
    result = validate_cohort(path, overrides=overrides, params=params)
    if not result.ok or result.config is None:
        raise CohortValidationError(result.violations, result.path)
    order = [t.name for t in TABLES]
    tables = {name: result.tables[name] for name in order if name in result.tables}
    return Cohort(result.path, result.config, tables, dict(result.files), tuple(result.warnings))


def cohort_from_frames(settings: Mapping[str, Any], **tables: pd.DataFrame) -> Cohort:
    """A validated cohort built from DataFrames, e.g. in a notebook (``Cohort.from_frames``).

    The frames go through exactly the checks of a cohort folder (they are
    written to a private temporary folder as the contract's CSVs and
    validated there), so a cohort from frames and one from files are typed
    alike and every violation is listed at once.

    Parameters
    ----------
    settings
        The ``cohort.toml`` settings, e.g. ``{"name": "x", "pilot_start": date(2026, 1, 5)}``;
        ``targets`` and ``costs`` as nested mappings.
    **tables
        The contract tables by name (``leaders=..., ratings=..., pulse=..., employees=...``).

    Raises
    ------
    CohortValidationError
        If the frames or settings break the data contract.

    Examples
    --------
    >>> from pilot_eval.data.synth import simulate_cohort
    >>> c, _ = simulate_cohort(6, 6, seed=3)
    >>> again = Cohort.from_frames({"name": "from frames", "pilot_start": c.config.pilot_start},
    ...                            **{k: v for k, v in c.tables.items()})
    >>> len(again.ratings) == len(c.ratings)
    True
    """
    import datetime as dt
    import json
    import shutil
    import tempfile

    unknown = sorted(set(tables) - {t.name for t in TABLES})
    if unknown:
        raise ValueError(f"not contract tables: {unknown}; the tables are {[t.name for t in TABLES]}")
    folder = Path(tempfile.mkdtemp(prefix="pilot-eval-frames-"))
    try:
        lines = []
        subs = {}
        for key, value in settings.items():
            if isinstance(value, Mapping):
                subs[key] = value
            elif isinstance(value, (dt.date, int, float, bool)):
                lines.append(f"{key} = {str(value).lower() if isinstance(value, bool) else value.isoformat() if isinstance(value, dt.date) else value!r}")
            else:
                lines.append(f"{key} = {json.dumps(str(value))}")
        for name, sub in subs.items():
            lines.append(f"[{name}]")
            lines += [f"{k} = {float(v)!r}" for k, v in sub.items()]
        (folder / "cohort.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        for name, df in tables.items():
            out = df.copy()
            for col in out.columns:
                if pd.api.types.is_datetime64_any_dtype(out[col]):
                    out[col] = out[col].dt.strftime("%Y-%m-%d")
            out.to_csv(folder / f"{name}.csv", index=False)
        return load_cohort(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


Cohort.from_frames = staticmethod(cohort_from_frames)  # type: ignore[attr-defined]

__all__ = ["Cohort", "CohortValidationError", "cohort_from_frames", "load_cohort"]
