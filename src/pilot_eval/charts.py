"""Chart set-up shared by the notebooks.

Altair's default renderer loads Vega from a CDN, so exported HTML would be
blank offline.  :func:`use_offline_renderer` switches to the ``svg`` renderer
(vl-convert renders the chart in the kernel); the SVG is embedded in the
notebook and its HTML, so the report opens with no network and the chart
output has no random div ids.  Charts are fed aggregated frames built in the
package, never raw rows (Altair refuses more than 5,000 rows).
"""

from __future__ import annotations

import altair as alt

#: Colours of the two arms, used in every chart.
ARM_COLOURS = {"pilot": "#1f77b4", "comparison": "#ff7f0e"}


def use_offline_renderer() -> None:
    """Render Altair charts as inline SVG (no CDN, deterministic output)."""
    alt.renderers.enable("svg")


def arm_colour_scale() -> alt.Scale:
    return alt.Scale(domain=list(ARM_COLOURS), range=list(ARM_COLOURS.values()))
