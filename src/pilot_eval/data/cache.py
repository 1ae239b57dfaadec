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
"""

from __future__ import annotations

import os
import pickle
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Mapping

from pilot_eval.data.cohort import Cohort

ENV_VAR = "PILOT_EVAL_COHORT_CACHE"


def _fingerprint(cohort_dir: Path, files: Mapping[str, Path]) -> dict[str, Any]:
    stats = {}
    for key, path in sorted(files.items()):
        st = Path(path).stat()
        stats[key] = (str(path), st.st_size, st.st_mtime_ns)
    return {"dir": str(Path(cohort_dir).resolve()), "files": stats}


@contextmanager
def shared_cohort(cohort: Cohort, overrides: Mapping[str, Any]) -> Iterator[Path]:
    """Write ``cohort`` to a temporary cache and export its path while the block runs."""
    fd, name = tempfile.mkstemp(prefix="pilot-eval-cohort-", suffix=".pickle")
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
