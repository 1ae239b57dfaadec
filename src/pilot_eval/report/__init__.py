"""Presentation and the runner: charts, HTML pages, the notebook context and the report build.

Top layer: may use everything below it; nothing below imports it.
"""

import sys

# jsonschema (imported by Altair in every notebook kernel, and by nbformat in the report
# build) registers an optional IRI format checker whose package, rfc3987-syntax, builds a
# parser grammar at import time: about 3 s per process, 20 s or more per report.  Neither
# Altair's schema validation nor nbformat's checks IRI formats, so the checker is left out
# for the processes that import this package before jsonschema (a process that imported
# jsonschema first keeps it).
if "rfc3987_syntax" not in sys.modules and "jsonschema" not in sys.modules:
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]
