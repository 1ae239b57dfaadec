"""Loaded by ``make test`` before pytest's plugins (``-p early_imports``, ``PYTHONPATH=tests``),
and by tests/conftest.py for a plain ``pytest`` run.

nbval imports nbformat, and nbformat imports jsonschema, when pytest loads its plugins, before
any conftest.py runs; jsonschema then imports rfc3987-syntax, which builds a parser grammar at
import time (about 3 s in each of the three pytest processes).  Importing pilot_eval.report
first leaves that checker out (the one definition of the rule, in pilot_eval/report/__init__.py).
"""

import pilot_eval.report  # noqa: F401
