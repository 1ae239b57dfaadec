"""Hand the validated cohort from the report process to the notebook kernels.

``pilot-eval report`` validates and loads the cohort once; every notebook
then needs the same typed tables.  Parsing and validating a 5,000-leader
cohort takes seconds, so the report process writes the loaded
:class:`~pilot_eval.data.cohort.Cohort` to a private temporary file and names it
in the ``PILOT_EVAL_COHORT_CACHE`` environment variable of the kernels.
:func:`pilot_eval.report.context.open_context` uses it only when it was made for
the same cohort folder, the same overrides and the same input files (size
and modification time of every file); otherwise it loads and validates as
usual.  The file never enters the report folder and is deleted at the end.

The file holds every rater, respondent and employee ID, so it lives in a
private folder (:func:`private_workdir`, mode 0700) that is deleted on every
way out of the report, never loose in the shared temporary folder.  The same
folder holds the run's snapshot of the input files (:func:`snapshot_inputs`).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Mapping

from pilot_eval.data.cohort import Cohort
from pilot_eval.data.contract import CONFIG_FILE, TABLE_SUFFIXES, TABLES

ENV_VAR = "PILOT_EVAL_COHORT_CACHE"


def _fingerprint(cohort_dir: Path, files: Mapping[str, Path]) -> dict[str, Any]:
    stats = {}
    for key, path in sorted(files.items()):
        st = Path(path).stat()
        stats[key] = (str(path), st.st_size, st.st_mtime_ns)
    return {"dir": str(Path(cohort_dir).resolve()), "files": stats}


@contextmanager
def private_workdir(prefix: str = "pilot-eval-work-") -> Iterator[Path]:
    """A new folder only this user can open (0700), deleted with everything in it when the block ends.

    Examples
    --------
    >>> with private_workdir() as work:
    ...     oct(work.stat().st_mode & 0o777)
    '0o700'
    >>> work.exists()
    False
    """
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def snapshot_inputs(data_dir: str | Path, dest: str | Path) -> Path:
    """Copy the cohort's input files (cohort.toml and every contract table) to ``dest``.

    The report validates and computes from this copy only, so that a file
    edited while the report runs cannot give a report that mixes two versions.
    A folder with a table's name is recreated as an (empty) folder, so that
    validation of the copy reports it as the original would be.

    Returns
    -------
    Path
        ``dest``, which holds the copies.
    """
    src, dest = Path(data_dir), Path(dest)
    dest.mkdir(mode=0o700, parents=True)
    names = [CONFIG_FILE] + [f"{t.name}{s}" for t in TABLES for s in TABLE_SUFFIXES]
    for name in names:
        path = src / name
        if path.is_dir():
            (dest / name).mkdir()
        elif path.is_file():
            shutil.copyfile(path, dest / name)
    return dest


@contextmanager
def shared_cohort(cohort: Cohort, overrides: Mapping[str, Any],
                  directory: str | Path | None = None) -> Iterator[Path]:
    """Write ``cohort`` to a cache file and export its path while the block runs.

    Parameters
    ----------
    cohort, overrides
        What the kernels get, and the overrides it was loaded with.
    directory
        A private folder to write the file into (the report's work folder);
        by default a new :func:`private_workdir` deleted at the end.
    """
    with contextlib.ExitStack() as stack:
        folder = Path(directory) if directory is not None else stack.enter_context(private_workdir())
        with _shared_in(cohort, overrides, folder) as path:
            yield path


@contextmanager
def _shared_in(cohort: Cohort, overrides: Mapping[str, Any], folder: Path) -> Iterator[Path]:
    fd, name = tempfile.mkstemp(prefix="pilot-eval-cohort-", suffix=".pickle", dir=folder)
    path = Path(name)
    previous = os.environ.get(ENV_VAR)
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump({"fingerprint": _fingerprint(cohort.path, cohort.files),
                         "overrides": dict(sorted(overrides.items())), "cohort": cohort}, fh,
                        protocol=pickle.HIGHEST_PROTOCOL)
        os.environ[ENV_VAR] = str(path)
        yield path
    finally:
        if previous is None:
            os.environ.pop(ENV_VAR, None)
        else:
            os.environ[ENV_VAR] = previous
        path.unlink(missing_ok=True)


def cached_cohort(data_dir: str | Path, overrides: Mapping[str, Any]) -> Cohort | None:
    """The cached cohort if it was made for exactly this input, else ``None``."""
    name = os.environ.get(ENV_VAR)
    if not name or not Path(name).is_file():
        return None
    try:
        with open(name, "rb") as fh:
            payload = pickle.load(fh)
        cohort: Cohort = payload["cohort"]
        if payload["overrides"] != dict(sorted(overrides.items())):
            return None
        if Path(data_dir).resolve() != Path(payload["fingerprint"]["dir"]):
            return None
        if _fingerprint(cohort.path, cohort.files) != payload["fingerprint"]:
            return None  # an input file changed since validation
        return cohort
    except (OSError, pickle.UnpicklingError, KeyError, EOFError, AttributeError, TypeError):
        return None
