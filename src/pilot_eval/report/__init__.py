"""Presentation and the runner: charts, HTML pages, the notebook context and the report build.

Top layer: may use everything below it; nothing below imports it.
"""
