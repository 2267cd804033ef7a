"""The page: one self-contained HTML file, with the furniture every report shares.

The page works offline: plotly.js is inlined once, nothing is fetched from any other host (the
content security policy, :data:`CSP`, forbids it), and every string that comes from a user
(scenario names, descriptions) is HTML-escaped once, with :func:`esc`, before it reaches the page
or a figure.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

BASELINE_COLOUR = "#7f7f7f"
"""The baseline's colour in every chart: a scenario colour, never an activity's."""

PALETTE = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#17becf",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
)
"""Colours by scenario position, used consistently across every chart of a page."""

CSP = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
    "img-src data:; font-src data:"
)
"""The page may load nothing from anywhere: everything it needs is inline."""


def esc(text: object) -> str:
    """HTML-escape user text for the page and for Plotly labels."""
    return html.escape(str(text), quote=True)


def rgba(hex_colour: str, alpha: float) -> str:
    """A translucent version of ``#rrggbb``."""
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


@dataclass
class Figure:
    """A chart with a stable element id and a one-sentence caption on how to read it."""

    id: str
    title: str
    caption: str
    fig: go.Figure


def layout(fig: go.Figure, y_title: str, x_title: str = "Week") -> go.Figure:
    """The house layout: white, readable axes, legend below the plot."""
    fig.update_layout(
        template="plotly_white",
        margin={"l": 70, "r": 20, "t": 20, "b": 60},
        height=420,
        legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0},
        hovermode="x unified",
        font={"family": "system-ui, -apple-system, Segoe UI, sans-serif", "size": 13},
    )
    fig.update_xaxes(title_text=x_title, automargin=True)
    fig.update_yaxes(title_text=y_title, automargin=True)
    return fig


def page(
    title: str,
    intro_html: str,
    figures: Sequence[Figure],
    tables_html: str = "",
    end_html: str = "",
) -> str:
    """The whole self-contained HTML page: title, intro, tables, figures, then ``end_html`` (an
    end note such as how to read the numbers)."""
    blocks = []
    for f in figures:
        div = f.fig.to_html(
            full_html=False,
            include_plotlyjs=False,
            div_id=f.id,
            config={"displaylogo": False, "responsive": True},
        )
        blocks.append(
            f'<section class="chart"><h2>{esc(f.title)}</h2>'
            f'<p class="caption">{esc(f.caption)}</p>{div}</section>'
        )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>{esc(title)}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto;
  max-width: 1100px; padding: 24px; color: #222; line-height: 1.45; }}
h1 {{ font-size: 1.6em; margin-bottom: 0.2em; }}
h2 {{ font-size: 1.15em; margin: 1.6em 0 0.2em; }}
.caption {{ color: #555; margin: 0 0 0.4em; font-size: 0.95em; }}
table {{ border-collapse: collapse; margin: 0.6em 0; font-size: 0.95em; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 4px 10px; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
.summary li {{ margin: 0.3em 0; }}
.meta {{ color: #666; font-size: 0.85em; }}
.verdict {{ background: #f4f7fb; border-left: 4px solid #1f77b4; padding: 2px 14px;
  margin: 0.8em 0; font-size: 1.05em; }}
.note {{ color: #444; font-size: 0.92em; }}
</style>
<script type="text/javascript">{get_plotlyjs()}</script>
</head><body>
<h1>{esc(title)}</h1>
{intro_html}
{tables_html}
{"".join(blocks)}
{end_html}
</body></html>
"""


def table_html(df: pd.DataFrame) -> str:
    """A small escaped HTML table from a DataFrame (index not shown)."""
    head = "".join(f"<th>{esc(c)}</th>" for c in df.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{esc(v)}</td>" for v in row) + "</tr>"
        for row in df.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def caveats(meta: dict[str, object]) -> list[str]:
    """What the job told the user about how its files were compared (a shared horizon), as
    sentences for the report."""
    notes = meta.get("notes")
    return [f"{n[:1].upper()}{n[1:]}." for n in notes if n] if isinstance(notes, list) else []
