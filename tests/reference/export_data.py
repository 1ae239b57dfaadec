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


def main() -> None:
    out = HERE / "data"
    out.mkdir(exist_ok=True)
    effects = pd.read_csv(io.StringIO(test_effects.REFERENCE_DATA))
    effects.to_csv(out / "effects_reference.csv", index=False)
    count = test_leading_lagging_methods.reference_data()
    count.to_csv(out / "count_reference.csv", index=False, float_format="%.17g")
    print(f"wrote {out / 'effects_reference.csv'} and {out / 'count_reference.csv'}")


if __name__ == "__main__":
    main()
