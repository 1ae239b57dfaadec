"""Modules the tests compare with, imported on first use.

pingouin (it imports matplotlib.pyplot) and statsmodels.api / .formula.api cost
about 4 s of start-up; every pytest-xdist worker imports every test module at
collection, also those whose tests another worker runs.  ``pg = lazy("pingouin")``
imports pingouin when a test first reads ``pg.<name>``.
"""

from __future__ import annotations

import importlib
import types
from typing import Any


class _LazyModule(types.ModuleType):
    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_") or attr.startswith("pytest"):
            raise AttributeError(attr)  # what collection asks of every module-level name: no import
        return getattr(importlib.import_module(self.__name__), attr)


def lazy(name: str) -> types.ModuleType:
    """A stand-in for module ``name`` that imports it when an attribute is first read."""
    return _LazyModule(name)
