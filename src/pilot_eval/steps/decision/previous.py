"""The previous look: an earlier report of the same cohort, and the change since it.

``pilot-eval report DIR --as-of DATE --previous EARLIER`` compares this look's
scorecard with the one EARLIER published.  :func:`read_previous_look` reads
the earlier report's ``manifest.json`` and ``results/scorecard.csv``;
:func:`check_previous_look` refuses (exit status 2) an earlier report that
is not a pilot-eval report, is of another cohort (the manifest's
``cohort_hash``: settings and leaders, see
:func:`pilot_eval.data.as_of.cohort_hash`) or is later than this look.
:func:`with_previous` adds ``previous_value`` and ``previous_status`` to the
scorecard; :func:`change_sentence` says the change in words.

Privacy: the previous values are the ones the earlier report published
(already rounded by :func:`pilot_eval.privacy.coarsen_published`), so
nothing finer than either report is revealed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pilot_eval.errors import InputError

#: The marker file of a report folder (:data:`pilot_eval.report.target.MARKER`; steps do not import report).
REPORT_MARKER = ".pilot-eval-report"
NOT_YET = "not yet"


class PreviousReportError(InputError):
    """``--previous`` names something that cannot be the previous look (exit status 2)."""


@dataclasses.dataclass(frozen=True)
class PreviousLook:
    """What an earlier report published: its look's date, cohort and scorecard."""

    path: Path
    as_of: dt.date | None
    cohort_hash: str | None
    finished_at: str
    scorecard: pd.DataFrame

    @property
    def label(self) -> str:
        """The previous look in words: "the look of 2026-02-04" or "the full report of 2026-10-02"."""
        if self.as_of is not None:
            return f"the look of {self.as_of.isoformat()}"
        return f"the full report of {self.finished_at[:10]}" if self.finished_at else "the full report"


def read_previous_look(report_dir: str | Path) -> PreviousLook:
    """The earlier report in ``report_dir``.

    Raises
    ------
    PreviousReportError
        When it is not a pilot-eval report (no marker, manifest or scorecard).
    """
    path = Path(report_dir)
    if not path.is_dir():
        raise PreviousReportError(f"--previous {path}: no such report folder")
    manifest_path, card_path = path / "manifest.json", path / "results" / "scorecard.csv"
    if not (path / REPORT_MARKER).is_file() or not manifest_path.is_file():
        raise PreviousReportError(f"--previous {path}: not a pilot-eval report (no report marker or manifest.json)")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PreviousReportError(f"--previous {path}: manifest.json cannot be read ({exc})") from None
    if not isinstance(manifest, dict):
        raise PreviousReportError(f"--previous {path}: manifest.json is not a report manifest")
    if not card_path.is_file():
        raise PreviousReportError(f"--previous {path}: the report has no results/scorecard.csv")
    try:
        card = pd.read_csv(card_path, keep_default_na=True)
    except (pd.errors.EmptyDataError, pd.errors.ParserError) as exc:
        raise PreviousReportError(f"--previous {path}: results/scorecard.csv cannot be read ({exc})") from None
    if not {"indicator", "value", "status"} <= set(card.columns):
        raise PreviousReportError(f"--previous {path}: results/scorecard.csv is not a scorecard")
    raw = (manifest.get("look") or {}).get("as_of") if isinstance(manifest.get("look"), dict) else None
    raw = raw or manifest.get("as_of")
    try:
        as_of = dt.date.fromisoformat(raw) if raw else None
    except (TypeError, ValueError):
        raise PreviousReportError(f"--previous {path}: the manifest's as_of is not a date: {raw!r}") from None
    return PreviousLook(path, as_of, manifest.get("cohort_hash"), str(manifest.get("finished_at", "") or ""), card)


def check_previous_look(previous: PreviousLook, cohort_hash: str, as_of: dt.date | None) -> None:
    """Refuse a previous report of another cohort or of a later look.

    A report with all data counts as later than any interim look.

    Raises
    ------
    PreviousReportError
    """
    where = f"--previous {previous.path}"
    if not previous.cohort_hash:
        raise PreviousReportError(f"{where}: the report does not say which cohort it is of (written by a "
                                  "pilot-eval without --as-of); it cannot be compared")
    if previous.cohort_hash != cohort_hash:
        raise PreviousReportError(f"{where}: the report is of another cohort (other settings or leaders); "
                                  "a look can only be compared with an earlier look of the same cohort")
    if previous.as_of is None and as_of is not None:
        raise PreviousReportError(f"{where}: the report uses all the data, which is later than this look "
                                  f"({as_of.isoformat()}); give an earlier look")
    if previous.as_of is not None and as_of is not None and previous.as_of > as_of:
        raise PreviousReportError(f"{where}: the report is of {previous.as_of.isoformat()}, later than this "
                                  f"look ({as_of.isoformat()}); give an earlier look")


def with_previous(card: pd.DataFrame, previous: PreviousLook | None) -> pd.DataFrame:
    """The scorecard with ``previous_value``, ``previous_status`` and ``previous_as_of``.

    ``previous_value`` is the value the earlier report published (empty when
    it had none: no data or not yet); ``previous_status`` its status (empty
    when the indicator was not on the earlier scorecard).

    Examples
    --------
    >>> now = pd.DataFrame({"indicator": ["a", "b"], "value": [1.5, np.nan], "status": ["at risk", "not yet"]})
    >>> then = PreviousLook(Path("."), dt.date(2026, 2, 4), "h", "",
    ...                     pd.DataFrame({"indicator": ["a", "b"], "value": [1.0, np.nan],
    ...                                   "status": ["off track", "not yet"]}))
    >>> with_previous(now, then)[["previous_value", "previous_status", "previous_as_of"]].values.tolist()
    [[1.0, 'off track', '2026-02-04'], [nan, 'not yet', '2026-02-04']]
    """
    out = card.copy()
    if previous is None:
        out["previous_value"] = np.nan
        out["previous_status"] = ""
        out["previous_as_of"] = ""
        return out
    prev = previous.scorecard.drop_duplicates("indicator").set_index("indicator")
    values = pd.to_numeric(prev["value"], errors="coerce")
    status = prev["status"].fillna("").astype(str)
    out["previous_value"] = out["indicator"].map(values).astype("float64")
    out["previous_status"] = out["indicator"].map(status).fillna("").astype(str)
    out["previous_as_of"] = previous.as_of.isoformat() if previous.as_of else previous.finished_at[:10]
    return out


def change_sentence(row: pd.Series | dict[str, Any], fmt=None) -> str:
    """The change of one indicator since the previous look, in words ("" without a previous look).

    ``fmt(value)`` formats a value with its unit (default two decimals).

    Examples
    --------
    >>> change_sentence({"value": 1.5, "status": "at risk", "previous_value": 1.0,
    ...                  "previous_status": "off track", "previous_as_of": "2026-02-04"})
    'Since the look of 2026-02-04: from 1.00 to 1.50 (+0.50); status changed from off track to at risk.'
    >>> change_sentence({"value": float("nan"), "status": "not yet", "previous_value": float("nan"),
    ...                  "previous_status": "not yet", "previous_as_of": "2026-02-04"})
    'Since the look of 2026-02-04: still not yet measurable.'
    """
    r = dict(row)
    when = str(r.get("previous_as_of", "") or "")
    if not when:
        return ""
    fmt = fmt or (lambda v: f"{v:.2f}")
    now_v, then_v = _num(r.get("value")), _num(r.get("previous_value"))
    now_s, then_s = str(r.get("status", "") or ""), str(r.get("previous_status", "") or "")
    head = f"Since the look of {when}: "
    if not then_s:
        return head + "not on the previous scorecard."
    if np.isfinite(now_v) and np.isfinite(then_v):
        d = now_v - then_v
        text = f"from {fmt(then_v)} to {fmt(now_v)} ({'+' if d >= 0 else '-'}{fmt(abs(d)).lstrip('+')})"
    elif np.isfinite(now_v):
        text = f"first value, {fmt(now_v)} (previously {then_s})"
    elif np.isfinite(then_v):
        text = f"no value now (previously {fmt(then_v)})"
    else:
        return head + (f"still {now_s}" + (" measurable" if now_s == NOT_YET else "") + "."
                       if now_s == then_s else f"status changed from {then_s} to {now_s}.")
    if now_s != then_s:
        text += f"; status changed from {then_s} to {now_s}"
    else:
        text += f"; still {now_s}"
    return head + text + "."


def _num(v: Any) -> float:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return float("nan")
    return x
