"""Column containers of the generator (one representation, written as CSV or Parquet) and small helpers."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


# --------------------------------------------------------------------------
# Column containers: one representation, written as CSV or Parquet.
# --------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class _Col:
    """A column: ``kind`` str (codes into ``labels``, -1 missing), int/float
    (float array, NaN missing), or date (days from pilot_start, NaN missing)."""

    kind: Literal["str", "int", "float", "date"]
    values: np.ndarray
    labels: np.ndarray | None = None


def _str_col(codes: np.ndarray, labels: np.ndarray | list[str] | tuple[str, ...]) -> _Col:
    return _Col("str", np.asarray(codes, dtype=np.int64), np.asarray(labels, dtype=object))


def _ids(prefix: str, n: int, min_width: int = 4) -> np.ndarray:
    """``prefix`` + zero-padded 1..n; string order equals numeric order."""
    width = max(min_width, len(str(max(n, 1))))
    digits = np.strings.zfill(np.arange(1, n + 1).astype(np.str_), width)
    return np.strings.add(prefix, digits).astype(object)


def _to_arrow(cols: dict[str, _Col], pilot_start: dt.date) -> pa.Table:
    arrays = {}
    origin = np.datetime64(pilot_start, "D")
    for name, col in cols.items():
        if col.kind == "str":
            assert col.labels is not None
            missing = col.values < 0
            idx = pa.array(np.where(missing, 0, col.values).astype(np.int32), mask=missing)
            dictionary = pa.array(list(col.labels) if len(col.labels) else [""], type=pa.string())
            arrays[name] = pa.DictionaryArray.from_arrays(idx, dictionary).cast(pa.string())
        elif col.kind == "int":
            missing = np.isnan(col.values)
            arrays[name] = pa.array(np.where(missing, 0, col.values).astype(np.int64), mask=missing)
        elif col.kind == "float":
            arrays[name] = pa.array(col.values.astype(np.float64), mask=np.isnan(col.values))
        else:
            missing = np.isnan(col.values)
            days = np.where(missing, 0, col.values).astype(np.int64)
            arrays[name] = pa.array(origin + days, mask=missing, type=pa.date32())
    return pa.table(arrays)


def _to_pandas(cols: dict[str, _Col], pilot_start: dt.date) -> pd.DataFrame:
    """DataFrame for CSV writing: text and dates as object columns of str, scores Int64."""
    data: dict[str, Any] = {}
    origin = np.datetime64(pilot_start, "D")
    for name, col in cols.items():
        if col.kind in ("str", "date"):
            if col.kind == "str":
                assert col.labels is not None
                missing = col.values < 0
                codes, labels = np.where(missing, 0, col.values), col.labels
            else:
                missing = np.isnan(col.values)
                days = np.where(missing, 0, col.values).astype(np.int64)
                lo = int(days.min()) if len(days) else 0
                hi = int(days.max()) if len(days) else 0
                labels = np.datetime_as_string(origin + np.arange(lo, hi + 1), unit="D").astype(object)
                codes = days - lo
            values = labels[codes] if len(labels) else np.empty(len(codes), dtype=object)
            values[missing] = None
            data[name] = pd.Series(values, dtype=object)
        elif col.kind == "int":
            missing = np.isnan(col.values)
            data[name] = pd.arrays.IntegerArray(np.where(missing, 0, col.values).astype(np.int64), missing)
        else:
            data[name] = col.values.astype(np.float64)
    return pd.DataFrame(data)


def _to_typed(cols: dict[str, _Col], pilot_start: dt.date) -> pd.DataFrame:
    """The table as :func:`pilot_eval.data.cohort.load_cohort` types it (no files).

    Text ``str`` (missing NaN), scores ``Int64``, dates ``datetime64[ns]``,
    other numbers ``float64``.
    """
    data: dict[str, pd.Series] = {}
    origin = np.datetime64(pilot_start, "D")
    for name, col in cols.items():
        if col.kind == "str":
            assert col.labels is not None
            missing = col.values < 0
            labels = col.labels if len(col.labels) else np.array([""], dtype=object)
            values = labels[np.where(missing, 0, col.values)].astype(object)
            values[missing] = None
            data[name] = pd.Series(values, dtype=object).astype("str")
        elif col.kind == "int":
            missing = np.isnan(col.values)
            data[name] = pd.Series(pd.arrays.IntegerArray(np.where(missing, 0, col.values).astype(np.int64),
                                                          missing))
        elif col.kind == "float":
            data[name] = pd.Series(col.values.astype(np.float64))
        else:
            missing = np.isnan(col.values)
            days = (origin + np.where(missing, 0, col.values).astype(np.int64)).astype("datetime64[ns]")
            days[missing] = np.datetime64("NaT")
            data[name] = pd.Series(days)
    return pd.DataFrame(data)


def _write_table(cols: dict[str, _Col], path: Path, file_format: str, pilot_start: dt.date) -> None:
    if file_format == "csv":
        frame = _to_pandas(cols, pilot_start)
        frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
    else:
        pq.write_table(_to_arrow(cols, pilot_start), path, compression="zstd")


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------
def _quota(n: int, shares: tuple[float, ...]) -> np.ndarray:
    """Largest-remainder allocation of ``n`` units to ``shares``."""
    raw = n * np.asarray(shares) / np.sum(shares)
    counts = np.floor(raw).astype(np.int64)
    remainder = n - counts.sum()
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[:remainder]] += 1
    return counts


def _round_clip(latent: np.ndarray, lo: int, hi: int) -> np.ndarray:
    return np.clip(np.rint(latent), lo, hi)


def _lookup(mapping: dict[str, float], keys: tuple[str, ...]) -> np.ndarray:
    return np.array([mapping[k] for k in keys], dtype=np.float64)


def _r(x: Any, digits: int = 6) -> Any:
    """Round floats / arrays for JSON (stable text)."""
    if isinstance(x, np.ndarray):
        return np.round(x.astype(np.float64), digits).tolist()
    return round(float(x), digits)


def _r_nullable(x: np.ndarray, digits: int = 6) -> list[float | None]:
    """Rounded floats for JSON with NaN as null."""
    rounded = np.round(x.astype(np.float64), digits).astype(object)
    rounded[np.isnan(x)] = None
    return rounded.tolist()
