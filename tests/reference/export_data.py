"""Write the data sets of the R reference runs to CSV, from the tests' own definitions.

Run from the repository root:  .venv/bin/python tests/reference/export_data.py
Writes tests/reference/data/effects_reference.csv (tests/test_effects.py REFERENCE_DATA, 45
leaders, wide: one row per leader with baseline / midpoint / endline) and
count_reference.csv (tests/test_leading_lagging_methods.py reference_data(), written with
float_format='%.17g' so that R reads the exact doubles).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
sys.path.insert(0, str(TESTS))

import test_effects  # noqa: E402
import test_leading_lagging_methods  # noqa: E402


def csv_texts() -> dict[str, str]:
    """File name -> CSV text of each reference data set (what the R scripts read)."""
    effects = pd.read_csv(io.StringIO(test_effects.REFERENCE_DATA))
    count = test_leading_lagging_methods.reference_data()
    return {
        "effects_reference.csv": effects.to_csv(index=False, lineterminator="\n"),
        "count_reference.csv": count.to_csv(index=False, float_format="%.17g", lineterminator="\n"),
    }


def main() -> None:
    out = HERE / "data"
    out.mkdir(exist_ok=True)
    for name, text in csv_texts().items():
        (out / name).write_text(text, encoding="utf-8")
        print(f"wrote {out / name}")


if __name__ == "__main__":
    main()
