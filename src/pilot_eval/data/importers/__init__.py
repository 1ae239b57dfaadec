"""Getting real exports in: ``pilot-eval import SPEC.toml`` (survey and HRIS exports mapped onto the
contract) and ``pilot-eval init DIR`` (a starter folder to fill in).

See :mod:`pilot_eval.data.importers.spec` for the SPEC format.
"""

from pilot_eval.data.importers.build import ImportProblems, ImportResult, import_cohort
from pilot_eval.data.importers.spec import Problem, parse_spec
from pilot_eval.data.importers.starter import write_starter

__all__ = ["ImportProblems", "ImportResult", "Problem", "import_cohort", "parse_spec", "write_starter"]
