"""Read one table of a cohort folder and parse its columns to the contract types.

Reading rules
-------------
* CSV files must be UTF-8 (a byte-order mark is accepted).  Any other
  encoding is reported once, with the line of the first byte that is not
  UTF-8, the encoding the file most probably has (detected with
  ``charset-normalizer``) and how to convert it.
* CSV files are read with the standard library's :mod:`csv` module, every
  cell as text, so that the raw offending text can be reported and a row with
  too few or too many cells (a *ragged* row) does not stop the checks: every
  ragged row is reported with its line, and left out of the other checks of
  its file, which go on for all other rows.
* A header that is one column holding ``;``, tab or ``|`` separators is
  reported as a file with the wrong delimiter, not as missing columns.
* Parquet files are read with pyarrow; native integer, float and
  date/timestamp columns are accepted, text columns are parsed like CSV.
* Numbers and dates must be written with the ASCII digits 0-9: other Unicode
  digits (``３``, ``٣``) are violations of their rows, like any bad value.
* Dates must be ISO ``YYYY-MM-DD`` and exist in the calendar.

Typed output: text columns have pandas' string dtype (``str``; missing =
``NaN``), dates ``datetime64[ns]`` (normalized to midnight), integer columns
the nullable ``Int64`` and float columns ``float64``.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from pilot_eval.data.contract import TABLE_SUFFIXES, Table
from pilot_eval.data.validate.violations import Collector

_INT_RE = r"[+-]?[0-9]{1,18}"
_FLOAT_RE = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_DATE_RE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_MIN_TS = pd.Timestamp("1678-01-01")
_MAX_TS = pd.Timestamp("2262-04-11")
#: Encodings considered when a file is not UTF-8 (exports of spreadsheet programs).
_CANDIDATE_ENCODINGS = ["utf_16", "utf_32", "cp1252", "latin_1", "iso8859_15", "mac_roman", "cp850",
                        "cp1250", "cp1251", "shift_jis", "gb18030", "big5", "euc_kr"]
#: Delimiters recognised in a header that was not split by commas.
_OTHER_DELIMITERS = {";": "semicolon ';'", "\t": "tab", "|": "vertical bar '|'"}


# ---- encoding ------------------------------------------------------------------------
def _looks_western(sample: bytes) -> bool:
    """Accented letters scattered in mostly-ASCII words (Geschäftsführer, Café): cp1252 / Latin-1.

    Cyrillic or Greek text in a legacy code page also decodes to accented
    Latin letters in cp1252, but as whole words of them.
    """
    try:
        text = sample.decode("cp1252")
    except UnicodeDecodeError:
        return False
    words = [w for w in text.replace(",", " ").split() if not w.isascii()]
    letters = [ch for w in words for ch in w if ch.isalpha()]
    foreign = [ch for ch in letters if not ch.isascii()]
    return bool(foreign) and len(foreign) <= 0.4 * len(letters)


def _detect_encoding(data: bytes) -> str | None:
    from charset_normalizer import from_bytes  # the detector is only needed for broken files

    sample = data[: 1 << 20]
    if _looks_western(sample):  # the usual case; detectors are unreliable on a few accents
        return "cp1252"
    best = from_bytes(sample, cp_isolation=_CANDIDATE_ENCODINGS).best()
    return None if best is None else best.encoding


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode_problem(data: bytes) -> str | None:
    """``None`` for UTF-8 bytes (with or without BOM), else what is wrong and how to fix it.

    Examples
    --------
    >>> decode_problem("name,role\\nAnna,Geschäftsführer\\n".encode("utf-8")) is None
    True
    >>> print(decode_problem("name,role\\nAnna,Geschäftsführer\\n".encode("cp1252")))  # doctest: +ELLIPSIS
    file is not UTF-8 text: byte 0xe4 on line 2 is not UTF-8; it looks like cp1252 ...
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
            len(data) >= 2 and (data[0] == 0 or data[1] == 0)):
        encoding = "UTF-16"
        return (f"file is not UTF-8 text: it is {encoding} (e.g. Excel's 'Unicode text' export); "
                "save it again as 'CSV UTF-8 (comma delimited)', or convert it with "
                "iconv -f UTF-16 -t UTF-8 FILE > NEW_FILE")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        byte = data[err.start]
        detected = _detect_encoding(data)
        looks = (f"it looks like {detected} (a legacy Windows/Mac export)" if detected
                 else "its encoding could not be recognised")
        iconv = f"iconv -f {detected.upper().replace('_', '-')} -t UTF-8 FILE > NEW_FILE" if detected \
            else "a text editor's 'save as UTF-8'"
        return (f"file is not UTF-8 text: byte 0x{byte:02x} on line {_line_of(data, err.start)} "
                f"is not UTF-8; {looks}. Save it again as 'CSV UTF-8 (comma delimited)', "
                f"or convert it with {iconv}")
    return None


# ---- parsed columns ------------------------------------------------------------------
@dataclasses.dataclass
class Parsed:
    """One column parsed to its contract type."""

    raw: pd.Series          # as read (text for CSV), for reporting
    values: pd.Series       # typed, missing where missing or unparsable
    missing: np.ndarray     # empty cell
    bad: np.ndarray         # non-empty but not parsable as the contract type
    skip: np.ndarray | None = None  # rows left out of every check (ragged CSV rows)

    @property
    def valid(self) -> np.ndarray:
        ok = ~(self.missing | self.bad)
        return ok if self.skip is None else ok & ~self.skip


@dataclasses.dataclass
class TableData:
    """A table as read: its contract, file and parsed columns."""

    spec: Table
    file: str
    path: Path
    n_rows: int
    columns: dict[str, Parsed]
    skip: np.ndarray  # rows left out of every check (ragged CSV rows)

    def has(self, *names: str) -> bool:
        return all(n in self.columns for n in names)


def mask(series: pd.Series) -> np.ndarray:
    """A boolean Series (missing = False) as a NumPy array."""
    return series.fillna(False).to_numpy(dtype=bool)


def float_array(series: pd.Series) -> np.ndarray:
    """A numeric Series as float64 with NaN for missing."""
    return series.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)


def _texts(series: pd.Series) -> pd.Series:
    """A column as pandas text (``str`` dtype, ``NaN`` for missing)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(object)
    return series.astype("str")


def non_ascii_digits(text: str) -> str:
    """The Unicode digits of ``text`` that are not 0-9, named (``'３' (FULLWIDTH DIGIT THREE)``)."""
    found = dict.fromkeys(ch for ch in text if ch.isdigit() and not ch.isascii())
    return ", ".join(f"'{ch}' ({unicodedata.name(ch, 'digit')})" for ch in found)


def _parse_text(raw: pd.Series, text: pd.Series, ctype: str) -> Parsed:
    stripped = text.str.strip()
    missing = (stripped.isna() | (stripped == "")).to_numpy(dtype=bool)
    if ctype == "str":
        values = text.where(~missing).astype("str")
        return Parsed(raw, values, missing, np.zeros(len(text), dtype=bool))
    if ctype == "int":
        ok = mask(stripped.str.fullmatch(_INT_RE))
        ints = stripped.where(ok).str.lstrip("+").astype("Int64")
        return Parsed(raw, ints, missing, ~missing & ~ok)
    if ctype == "float":
        form = mask(stripped.str.fullmatch(_FLOAT_RE))
        number = pd.to_numeric(stripped.where(form), errors="coerce").astype("float64")
        ok = form & np.isfinite(number.to_numpy())
        return Parsed(raw, number.where(ok), missing, ~missing & ~ok)
    # date
    ok = mask(stripped.str.fullmatch(_DATE_RE))
    dates = pd.to_datetime(stripped.where(ok), format="%Y-%m-%d", errors="coerce")
    good = dates.notna().to_numpy()
    return Parsed(raw, dates.astype("datetime64[ns]"), missing, ~missing & ~good)


def _empty_typed(ctype: str, index: pd.Index) -> pd.Series:
    dtype = {"str": "str", "int": "Int64", "float": "float64", "date": "datetime64[ns]"}[ctype]
    return pd.Series(pd.NA if ctype == "int" else None, index=index, dtype=dtype)


def parse_column(raw: pd.Series, ctype: str) -> Parsed:
    """Parse one column (text from CSV, or a native Parquet column)."""
    dtype = raw.dtype
    n = len(raw)
    index = raw.index
    is_text = (pd.api.types.is_string_dtype(dtype) or dtype == object
               or isinstance(dtype, pd.CategoricalDtype))
    if is_text:
        return _parse_text(raw, _texts(raw), ctype)
    missing = raw.isna().to_numpy(dtype=bool)
    nothing = np.zeros(n, dtype=bool)
    if pd.api.types.is_bool_dtype(dtype):
        return Parsed(raw, _empty_typed(ctype, index), missing, ~missing)
    if pd.api.types.is_integer_dtype(dtype):
        if ctype == "str":
            return _parse_text(raw, raw.astype("Int64").astype("str"), ctype)
        if ctype == "int":
            return Parsed(raw, raw.astype("Int64"), missing, nothing)
        if ctype == "float":
            return Parsed(raw, pd.Series(float_array(raw), index=index), missing, nothing)
        return Parsed(raw, _empty_typed(ctype, index), missing, ~missing)
    if pd.api.types.is_float_dtype(dtype):
        arr = float_array(raw)
        finite = np.isfinite(arr)
        if ctype == "float":
            return Parsed(raw, pd.Series(np.where(finite, arr, np.nan), index=index),
                          missing, ~missing & ~finite)
        if ctype == "int":
            whole = finite & (np.abs(arr) < 2.0**53)
            whole[whole] = arr[whole] == np.round(arr[whole])
            values = pd.Series(np.where(whole, arr, np.nan), index=index).astype("Int64")
            return Parsed(raw, values, missing, ~missing & ~whole)
        return Parsed(raw, _empty_typed(ctype, index), missing, ~missing)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        if ctype != "date":
            return Parsed(raw, _empty_typed(ctype, index), missing, ~missing)
        stamps = raw
        if getattr(dtype, "tz", None) is not None:
            stamps = stamps.dt.tz_localize(None)
        in_range = mask((stamps >= _MIN_TS) & (stamps < _MAX_TS))
        values = stamps.where(in_range).dt.normalize().astype("datetime64[ns]")
        return Parsed(raw, values, missing, ~missing & ~in_range)
    return Parsed(raw, _empty_typed(ctype, index), missing, ~missing)


# ---- files ---------------------------------------------------------------------------
@dataclasses.dataclass
class _Frame:
    frame: pd.DataFrame
    skip: np.ndarray


def _delimiter_hint(header: list[str], spec: Table) -> str | None:
    """The delimiter a one-column header was written with, if it splits into contract columns."""
    if len(header) != 1:
        return None
    for sep, name in _OTHER_DELIMITERS.items():
        parts = [p.strip().strip('"') for p in header[0].split(sep)]
        if len(parts) > 1 and set(parts) & set(spec.column_names):
            return name
    return None


def _read_csv(path: Path, file: str, spec: Table, out: Collector) -> _Frame | None:
    try:
        data = path.read_bytes()
    except OSError as err:
        out.add(file, None, f"file cannot be read: {err.strerror or err}")
        return None
    problem = decode_problem(data)
    if problem is not None:
        out.add(file, None, problem)
        return None
    text = data.decode("utf-8-sig")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        out.add(file, None, f"file contains a NUL byte on line {line}: it is not a text (CSV) file")
        return None
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    try:
        header = next(reader, None)
    except csv.Error as err:
        out.add(file, None, f"the header row cannot be read: {err}")
        return None
    if header is None or not any(h.strip() for h in header):
        out.add(file, None, "file is empty: expected a header row with the column names")
        return None
    delimiter = _delimiter_hint(header, spec)
    if delimiter is not None:
        out.add(file, None, f"the file is separated by a {delimiter}, not by commas (header "
                f"'{header[0][:80]}'); save it again as 'CSV UTF-8 (comma delimited)', or "
                "replace the separators by commas")
        return None
    seen: set[str] = set()
    for name in header:
        if name in seen:
            out.add(file, name, f"column name '{name}' appears more than once in the header")
        seen.add(name)
    fast = _read_csv_fast(text)
    if fast is not None:
        return _Frame(fast, np.zeros(len(fast), dtype=bool))
    return _read_csv_rows(text, file, header, out)


def _read_csv_fast(text: str) -> pd.DataFrame | None:
    """pandas' C parser when every row has the header's width (the usual case), else ``None``."""
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False,
                            index_col=False, engine="c")
    except (pd.errors.ParserError, ValueError, csv.Error):
        return None
    if frame.isna().to_numpy().any():  # a short row: its missing cells are NaN, real empty cells ""
        return None
    return frame


def _read_csv_rows(text: str, file: str, header: list[str], out: Collector) -> _Frame | None:
    """Row by row with :mod:`csv`: every ragged row reported, the others kept for the checks."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    width = len(header)
    rows: list[list[str]] = []
    ragged: list[tuple[int, int, int]] = []  # (row, line, n cells)
    try:
        next(reader)
        line = reader.line_num
        for record in reader:
            start = line + 1
            line = reader.line_num
            if not record:  # a blank line
                continue
            rows.append(record)
            if len(record) != width:
                ragged.append((len(rows), start, len(record)))
    except csv.Error as err:
        out.add(file, None, f"file cannot be read as a comma-separated table near line "
                f"{reader.line_num}: {err}")
        return None
    skip = np.zeros(len(rows), dtype=bool)
    for row, _, _ in ragged:
        skip[row - 1] = True
    if ragged:
        lines = ", ".join(str(ln) for _, ln, _ in ragged[:10]) + (" …" if len(ragged) > 10 else "")
        counts = sorted({n for _, _, n in ragged})
        plural = len(ragged) != 1
        out.add(file, None,
                f"{len(ragged)} row{'s' if plural else ''} (line {lines} of the CSV) "
                f"{'have' if plural else 'has'} {' or '.join(map(str, counts))} cells where the "
                f"header has {width}: a comma inside a value needs quotes (\"a, b\"); "
                f"{'these rows are' if plural else 'this row is'} left out of the other checks "
                "of this file",
                rows=tuple(r for r, _, _ in ragged), values=tuple(f"{n} cells" for _, _, n in ragged))
    fixed = [(r + [""] * width)[:width] for r in rows]
    first = {name: header.index(name) for name in dict.fromkeys(header)}
    frame = pd.DataFrame({name: pd.Series([r[i] for r in fixed], dtype="str")
                          for name, i in first.items()}, index=pd.RangeIndex(len(rows)))
    return _Frame(frame, skip)


def _read_parquet(path: Path, file: str, out: Collector) -> _Frame | None:
    try:
        import pyarrow.parquet as pq

        frame = pq.read_table(path).to_pandas(date_as_object=False)
    except Exception as err:  # noqa: BLE001 - any pyarrow failure means unreadable
        first = (str(err).strip().splitlines() or [type(err).__name__])[0][:200]
        out.add(file, None, "file cannot be read as Parquet (it is damaged, or not a Parquet file "
                f"despite its name): {first}")
        return None
    return _Frame(frame, np.zeros(len(frame), dtype=bool))


def load_table(folder: Path, spec: Table, out: Collector,
               files: dict[str, Path]) -> TableData | None | bool:
    """Read and parse one table; ``False`` if the file is absent, ``None`` if unreadable."""
    named = [folder / f"{spec.name}{s}" for s in TABLE_SUFFIXES]
    for path in named:
        if path.is_dir():
            out.add(path.name, None, f"{path.name} is a folder, not a file: the table "
                    f"{spec.name} must be a file {spec.name}.csv or {spec.name}.parquet")
            return None
    found = [p for p in named if p.is_file()]
    if not found:
        return False
    if len(found) > 1:
        out.add(found[0].name, None,
                f"ambiguous table: both {' and '.join(p.name for p in found)} exist; "
                "keep exactly one")
        return None
    path = found[0]
    file = path.name
    files[spec.name] = path
    read = _read_csv(path, file, spec, out) if path.suffix == ".csv" else _read_parquet(path, file, out)
    if read is None:
        return None
    frame = read.frame
    present = [str(c) for c in frame.columns]
    for col in spec.columns:
        if col.name not in present:
            near = [p for p in present if p.strip().lower() == col.name]
            hint = (f"; found {', '.join(repr(p) for p in near)}: column names are case- "
                    "and space-sensitive" if near else "")
            out.add(file, col.name, f"required column '{col.name}' is missing "
                    f"(the file has: {', '.join(present) or 'no columns'}){hint}")
    if spec.required and len(frame) == 0:
        out.add(file, None, f"table {spec.name} has no data rows")
    columns = {}
    for col in spec.columns:
        if col.name in present:
            raw = frame[col.name].reset_index(drop=True)
            parsed = parse_column(raw, col.type)
            parsed.skip = read.skip
            columns[col.name] = parsed
    return TableData(spec, file, path, len(frame), columns, read.skip)
