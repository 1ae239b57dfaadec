"""The Examples sections of pilot_eval.stats run and print what they say (doctest).

Every public function of the researcher API has a runnable Examples section;
this test runs them all, so an example that drifts from the code fails
``make test``.  Several examples are themselves published references
(Shrout & Fleiss 1979, Krippendorff 2011, Borenstein et al. 2009, pingouin's
ICC data set).
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import pilot_eval.stats as ps

MODULES = sorted(
    ["pilot_eval.stats"]
    + [f"pilot_eval.stats.{m.name}" for m in pkgutil.iter_modules(ps.__path__)]
    # the report's formatting helpers: their examples are the rounding and labelling rules
    + ["pilot_eval.report.prose", "pilot_eval.report.tables", "pilot_eval.report.charts.base"]
)
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=FLAGS, verbose=False, report=True)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


def test_every_public_function_has_an_example() -> None:
    """Each function exported by pilot_eval.stats carries an Examples section
    (the re-exports of modules owned elsewhere are listed until they get one)."""
    pending = set(PENDING_EXAMPLES)
    missing = []
    for name in ps.__all__:
        obj = getattr(ps, name)
        if not callable(obj) or isinstance(obj, type) or name in pending:
            continue
        if "Examples\n" not in (obj.__doc__ or ""):
            missing.append(name)
    assert not missing, f"no Examples section: {missing}"


#: Modules of other helpers (their public functions get examples from their owners).
OTHERS_MODULES = ("cluster_bootstrap",)


@pytest.mark.parametrize("name", [m for m in MODULES if m.rsplit(".", 1)[-1] not in OTHERS_MODULES
                                  and not m.rsplit(".", 1)[-1].startswith("_")
                                  and m != "pilot_eval.stats" and m.startswith("pilot_eval.stats")])
def test_every_public_function_of_a_module_has_an_example(name: str) -> None:
    """Every public (no leading underscore) function defined in the module has Examples."""
    import inspect

    module = importlib.import_module(name)
    missing = [n for n, obj in vars(module).items()
               if inspect.isfunction(inspect.unwrap(obj)) and not n.startswith("_")
               and inspect.unwrap(obj).__module__ == name and "Examples\n" not in (obj.__doc__ or "")]
    assert not missing, f"{name}: no Examples section in {missing}"


#: Re-exported from modules whose owners add their examples (cluster_bootstrap);
#: remove a name here once its docstring has one.
PENDING_EXAMPLES = ("wild_cluster_bootstrap", "cluster_inference")
