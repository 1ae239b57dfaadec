"""Loaded by ``make test`` before pytest's plugins (``-p early_imports``, ``PYTHONPATH=tests``).

nbval imports nbformat, and nbformat imports jsonschema, when pytest loads its plugins, before
any conftest.py runs; jsonschema then imports rfc3987-syntax, which builds a parser grammar at
import time (about 3 s in each of the three pytest processes).  Nothing here validates IRI
formats, so the checker is left out, as pilot_eval.report does for notebook kernels.
"""

import sys

if "rfc3987_syntax" not in sys.modules and "jsonschema" not in sys.modules:
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]
