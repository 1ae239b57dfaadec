"""The project's errors: one base class with the command line's exit status.

Every error a user can cause derives from :class:`PilotEvalError`; its
``exit_code`` is what ``pilot-eval`` exits with (2: bad input, nothing
written; 1: a run failed, an earlier report untouched).
"""

from __future__ import annotations


class PilotEvalError(Exception):
    """Base of every error pilot-eval reports to a user."""

    exit_code = 1


class InputError(PilotEvalError, ValueError):
    """Bad input: an invalid cohort, parameter or output folder (exit status 2, nothing written)."""

    exit_code = 2


class ReportError(PilotEvalError, RuntimeError):
    """A notebook failed or an export could not be written (exit status 1)."""

    exit_code = 1


class MissingResultError(PilotEvalError, FileNotFoundError):
    """A step needs a result file an earlier step writes, and it is not there."""

    exit_code = 1
