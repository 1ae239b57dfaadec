"""The report's own HTML pages: the plain index and the executive scorecard (index.html)."""
