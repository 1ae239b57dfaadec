"""Altair charts for the step pages, rendered offline as inline SVG."""
