"""Read an export file into a table of text cells, whatever its format.

Every reader returns a :class:`SourceTable`: the header, the rows as lists of
strings (empty string = missing), and for each row the line (or sheet row) it
came from, so every later message can point at the user's own file.

Formats: ``.csv .tsv .txt`` (encoding and delimiter detected when not given),
``.xlsx .xlsm .xls .ods`` (python-calamine), ``.parquet``, ``.jsonl .ndjson``
(one JSON object per line) and ``.json`` (an array of objects).  A
Qualtrics-style export (three header rows: question IDs, question text, import
IDs) keeps the first header row and skips the other two.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import math
from pathlib import Path
from typing import Any

TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
SHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + SHEET_SUFFIXES + (".parquet", ".jsonl", ".ndjson", ".json")
DELIMITERS = (",", ";", "\t", "|")
#: Extra header rows of a Qualtrics export after the first one (question text, import IDs).
QUALTRICS_EXTRA_HEADER_ROWS = 2


class ReadError(ValueError):
    """The file cannot be read as a table (message says why and how to fix it)."""


@dataclasses.dataclass
class SourceTable:
    """An export read as text.

    Attributes
    ----------
    path
        The file read.
    header
        Column names, as in the file (stripped of surrounding spaces).
    rows
        One list of cells per data row, each cell a string ("" = missing).
    lines
        For each row, where it is in the file: the CSV line, the sheet row or
        the JSON line (1-based, header rows counted).
    notes
        What was detected (encoding, delimiter), for the import log.
    problems
        Rows that could not be read (e.g. a ragged CSV line), as messages;
        reading goes on past them so every one is listed.
    """

    path: Path
    header: list[str]
    rows: list[list[str]]
    lines: list[int]
    notes: list[str] = dataclasses.field(default_factory=list)
    problems: list[str] = dataclasses.field(default_factory=list)


def detect_encoding(raw: bytes) -> tuple[str, str]:
    """The text encoding of ``raw`` and how it was found.

    Order: a byte-order mark (UTF-8, UTF-16), strict UTF-8, UTF-16 without a
    mark (every other byte NUL), then Windows-1252 (Excel's "CSV" on Western
    European systems; a superset of Latin-1's printable characters), then
    Latin-1, which decodes any byte.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig", "UTF-8 with a byte-order mark"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", "UTF-16 (byte-order mark)"
    try:
        raw.decode("utf-8")
        return "utf-8", "UTF-8"
    except UnicodeDecodeError:
        pass
    sample = raw[:4000]
    if len(sample) >= 4 and sample[1::2].count(0) > 0.4 * len(sample[1::2]):
        return "utf-16-le", "UTF-16 little-endian (no byte-order mark)"
    if len(sample) >= 4 and sample[0::2].count(0) > 0.4 * len(sample[0::2]):
        return "utf-16-be", "UTF-16 big-endian (no byte-order mark)"
    try:
        raw.decode("cp1252")
        return "cp1252", "Windows-1252 (not UTF-8; Excel's default in Western Europe)"
    except UnicodeDecodeError:
        return "latin-1", "Latin-1 (not UTF-8)"


def detect_delimiter(text: str) -> str:
    """The field delimiter of a delimited text: the one csv.Sniffer finds among
    ``, ; TAB |``, else the most frequent of them in the header line."""
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        first = text.splitlines()[0] if text else ""
        counts = {d: first.count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _cell(value: Any) -> str:
    """A cell of a typed source (spreadsheet, Parquet, JSON) as contract text."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    text = str(value)
    return "" if text in {"NaT", "nan", "<NA>", "None"} and not isinstance(value, str) else text


def read_text_table(path: Path, *, encoding: str | None = None, delimiter: str | None = None,
                    header_rows: int = 1) -> SourceTable:
    """Read a delimited text file (every ragged row is listed, reading goes on)."""
    raw = path.read_bytes()
    notes = []
    if encoding is None:
        encoding, how = detect_encoding(raw)
        notes.append(f"encoding detected: {how}; set encoding = \"{encoding}\" in the SPEC to fix it")
    try:
        text = raw.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        guess, how = detect_encoding(raw)
        raise ReadError(f"cannot decode as {encoding!r} ({exc}); the file looks like {how}: "
                        f"set encoding = \"{guess}\"") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if delimiter is None:
        delimiter = "\t" if path.suffix.lower() == ".tsv" else detect_delimiter(text)
        shown = {"\t": "TAB", ",": "comma", ";": "semicolon", "|": "pipe"}[delimiter]
        notes.append(f"delimiter detected: {shown}")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    problems: list[str] = []
    seen_header_rows = 0
    for record in reader:
        line = reader.line_num
        if header is None:
            header = [h.strip() for h in record]
            seen_header_rows = 1
            continue
        if seen_header_rows < header_rows:
            seen_header_rows += 1
            continue
        if not any(c.strip() for c in record):
            continue  # blank line
        if len(record) != len(header):
            problems.append(f"line {line}: {len(record)} fields where the header has {len(header)} "
                            f"(a stray {('TAB' if delimiter == chr(9) else repr(delimiter))} or an unclosed quote?)")
            continue
        rows.append(record)
        lines.append(line)
    if header is None:
        raise ReadError("the file is empty (no header row)")
    return SourceTable(path, header, rows, lines, notes, problems)


def _from_records(path: Path, header: list[str], records: list[list[Any]], first_line: int,
                  header_rows: int = 1) -> SourceTable:
    header = [str(h).strip() for h in header]
    rows, lines = [], []
    skip = header_rows - 1
    for i, rec in enumerate(records):
        if i < skip:
            continue
        cells = [_cell(v) for v in rec]
        if not any(c.strip() for c in cells):
            continue
        rows.append(cells)
        lines.append(first_line + i)
    return SourceTable(path, header, rows, lines)


def read_sheet(path: Path, *, sheet: str | None = None, header_rows: int = 1) -> SourceTable:
    """Read one sheet of an Excel or OpenDocument workbook (python-calamine)."""
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types
        raise ReadError(f"cannot open the workbook: {exc}") from None
    names = wb.sheet_names
    if sheet is None:
        if not names:
            raise ReadError("the workbook has no sheet")
        sheet = names[0]
    if sheet not in names:
        raise ReadError(f"no sheet {sheet!r}; the workbook has {', '.join(map(repr, names))}")
    data = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    if not data:
        raise ReadError(f"sheet {sheet!r} is empty (no header row)")
    width = max(len(r) for r in data)
    data = [list(r) + [""] * (width - len(r)) for r in data]
    header = [_cell(h) for h in data[0]]
    while header and header[-1] == "":
        header.pop()
    records = [r[:len(header)] for r in data[1:]]
    t = _from_records(path, header, records, first_line=2, header_rows=header_rows)
    t.notes.append(f"sheet {sheet!r}")
    return t


def read_parquet(path: Path) -> SourceTable:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    cols = table.column_names
    pyd = table.to_pydict()
    records = [[pyd[c][i] for c in cols] for i in range(table.num_rows)]
    return _from_records(path, cols, records, first_line=1)


def read_json_lines(path: Path, *, encoding: str | None = None) -> SourceTable:
    """One JSON object per line; the header is the union of keys, in first-seen order."""
    raw = path.read_bytes()
    enc = encoding or detect_encoding(raw)[0]
    objs: list[tuple[int, dict[str, Any]]] = []
    problems = []
    for n, line in enumerate(raw.decode(enc).lstrip("\ufeff").splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {n}: not valid JSON ({exc.msg})")
            continue
        if not isinstance(obj, dict):
            problems.append(f"line {n}: a JSON {type(obj).__name__}, not an object")
            continue
        objs.append((n, obj))
    header: list[str] = []
    for _, obj in objs:
        header += [k for k in obj if k not in header]
    rows = [[_cell(obj.get(k)) for k in header] for _, obj in objs]
    return SourceTable(path, header, rows, [n for n, _ in objs], [], problems)


def read_json_array(path: Path, *, encoding: str | None = None) -> SourceTable:
    raw = path.read_bytes()
    enc = encoding or detect_encoding(raw)[0]
    try:
        data = json.loads(raw.decode(enc).lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise ReadError(f"not valid JSON: {exc}") from None
    if not isinstance(data, list) or not all(isinstance(o, dict) for o in data):
        raise ReadError("a .json file must hold an array of objects (or use .jsonl, one object per line)")
    header: list[str] = []
    for obj in data:
        header += [k for k in obj if k not in header]
    rows = [[_cell(obj.get(k)) for k in header] for obj in data]
    return SourceTable(path, header, rows, list(range(1, len(rows) + 1)))


def read_source(path: Path, *, fmt: str = "long", encoding: str | None = None,
                delimiter: str | None = None, sheet: str | None = None) -> SourceTable:
    """Read ``path`` by its suffix; ``fmt="qualtrics"`` skips the two extra header rows.

    Raises
    ------
    ReadError
        When the file is missing, of an unsupported kind, or unreadable.
    """
    if path.is_dir():
        raise ReadError("is a folder, not a file")
    if not path.is_file():
        raise ReadError("file not found")
    suffix = path.suffix.lower()
    header_rows = 1 + (QUALTRICS_EXTRA_HEADER_ROWS if fmt == "qualtrics" else 0)
    if suffix in TEXT_SUFFIXES:
        return read_text_table(path, encoding=encoding, delimiter=delimiter, header_rows=header_rows)
    if suffix in SHEET_SUFFIXES:
        return read_sheet(path, sheet=sheet, header_rows=header_rows)
    if suffix == ".parquet":
        return read_parquet(path)
    if suffix in (".jsonl", ".ndjson"):
        return read_json_lines(path, encoding=encoding)
    if suffix == ".json":
        return read_json_array(path, encoding=encoding)
    raise ReadError(f"unsupported file type {suffix or '(none)'}; use one of {' '.join(SUPPORTED_SUFFIXES)}")
