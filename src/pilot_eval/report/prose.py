"""Results as sentences on a step page, not monospace ``print`` blocks (issue 15).

A step's summary functions return plain text, one finding a line, with
indented lines for details.  :func:`sentences` turns that text into HTML a
reader scans: each line a paragraph or a list item (indented lines nest
under the line above), code names replaced by their human labels (one
vocabulary, :mod:`pilot_eval.data.vocabulary`, and the behaviour codebook's
descriptions when given), text escaped.  :func:`say` displays it in a
notebook.  The plain-text form (what ``repr`` and nbval see) is the text as
the step wrote it.
"""

from __future__ import annotations

import html
import re
from typing import Mapping

from pilot_eval.report.tables import readable as readable_cell

__all__ = ["Sentences", "sentences", "say"]

#: A code inside free text (``behaviour_index``, ``empathy_360:peer``, ``role=team_lead``).
_CODE_IN_TEXT = re.compile(r"\b[a-z][a-z0-9_]*=[A-Za-z0-9_]+"
                           r"|\b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+(?::[A-Za-z0-9_]+)?\b")

PROSE_CSS = (
    "<style>.pe-prose{font:1rem/1.5 system-ui,sans-serif;color:#1f2933;max-width:60rem;"
    "overflow-wrap:break-word}.pe-prose p{margin:.25rem 0}.pe-prose ul{margin:.1rem 0 .4rem 1.2rem;"
    "padding:0}.pe-prose li{margin:.1rem 0}</style>"
)


def readable(text: str, labels: Mapping[str, str] | None = None) -> str:
    """``text`` with every snake_case code replaced by its label.

    Examples
    --------
    >>> readable("left out of behaviour_index: open_body_language", {"open_body_language": "Open posture"})
    'left out of behaviour index: Open posture'
    >>> readable("not satisfied: escalations, role=team_lead")
    'not satisfied: escalations, role: team lead'
    """
    return _CODE_IN_TEXT.sub(lambda m: readable_cell(m.group(0), labels, code=True), text)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:] if text[:1].islower() else text


class Sentences:
    """Text shown as HTML paragraphs and lists; its ``repr`` is the original text."""

    def __init__(self, text: str, labels: Mapping[str, str] | None = None):
        self.text = text
        self.labels = dict(labels or {})

    def _repr_html_(self) -> str:
        blocks: list[str] = []
        items: list[str] = []  # the nested lines under the current paragraph

        def flush() -> None:
            if items:
                blocks.append("<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
                items.clear()

        for raw in self.text.splitlines():
            if not raw.strip():
                continue
            line = html.escape(_capitalised(readable(raw.strip(), self.labels)))
            if raw[:1].isspace() or raw.lstrip().startswith(("- ", "* ")):
                items.append(line.lstrip("-* ").strip())
            else:
                flush()
                blocks.append(f"<p>{line}</p>")
        flush()
        return f'{PROSE_CSS}<div class="pe-prose">{"".join(blocks)}</div>'

    def __repr__(self) -> str:
        return self.text


def sentences(text: str, labels: Mapping[str, str] | None = None) -> Sentences:
    """A step's summary text as readable HTML (see the module docstring).

    Parameters
    ----------
    text
        One finding a line; indented lines (or lines starting ``- ``) are details of the line above.
    labels
        Extra code -> label pairs, e.g. :func:`pilot_eval.data.vocabulary.behaviour_labels`.

    Examples
    --------
    >>> s = sentences("behaviours: 1 unreliable\\n  unreliable: open_body_language")
    >>> print(s._repr_html_().split("</style>")[1])
    <div class="pe-prose"><p>Behaviours: 1 unreliable</p><ul><li>Unreliable: open body language</li></ul></div>
    >>> s
    behaviours: 1 unreliable
      unreliable: open_body_language
    """
    return Sentences(text, labels)


def say(text: str, labels: Mapping[str, str] | None = None) -> None:
    """Display ``text`` in a notebook as :func:`sentences` (returns nothing, so it also works in a branch)."""
    from IPython.display import display

    display(sentences(text, labels))
