"""The dose-response curve the defaults produce: revenue against coaching hours per rep a month.

Three kinds of coach, each at 0.5 to 8 hours per rep per month (40-minute sessions), against the
same team without coaching: the best (quality 1, trained, tailored), a moderate one (quality
0.5, tailored) and the default managers (27% trained, generic coaching). Revenue of the whole
team in months 7-12, so the selling time coaching takes is counted.
"""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go

from validation.design import Estimate, design, uplift

HOURS = (0.5, 1.0, 2.0, 3.0, 5.0, 8.0)
WEEKS_PER_MONTH = 52 / 12
COACHES = {
    "best (quality 1, tailored)": ("best_3h", {}),
    "moderate (quality 0.5, tailored)": ("moderate_3h", {}),
    "default managers (27% trained, generic)": ("typical_3h", {}),
}


def curves() -> dict[str, list[Estimate]]:
    """Revenue uplift (%) at each of :data:`HOURS`, per kind of coach."""
    off = design("base")
    out: dict[str, list[Estimate]] = {}
    for label, (name, _) in COACHES.items():
        out[label] = [
            uplift(
                design(name, coaching={"sessions_per_rep_per_week": h * 60 / 40 / WEEKS_PER_MONTH}),
                off,
                "revenue",
                (26, 51),
            )
            for h in HOURS
        ]
    return out


def table(data: dict[str, list[Estimate]]) -> list[str]:
    """The curves as a markdown table."""
    lines = [
        "| coach | " + " | ".join(f"{h:g} h" for h in HOURS) + " |",
        "| --- |" + " ---: |" * len(HOURS),
    ]
    for label, points in data.items():
        lines.append(f"| {label} | " + " | ".join(f"{p.mean:+.1f}%" for p in points) + " |")
    return lines


def chart(data: dict[str, list[Estimate]], path: Path) -> None:
    """Write the curves, with their 95% intervals, as an HTML chart (plotly.js from its CDN)."""
    fig = go.Figure()
    for label, points in data.items():
        fig.add_trace(
            go.Scatter(
                x=list(HOURS),
                y=[p.mean for p in points],
                error_y={
                    "type": "data",
                    "array": [p.high - p.mean for p in points],
                    "arrayminus": [p.mean - p.low for p in points],
                },
                mode="lines+markers",
                name=label,
            )
        )
    fig.update_layout(
        title="Revenue against coaching hours per rep per month (months 7-12, no coaching = 0)",
        xaxis_title="coaching hours per rep per month",
        yaxis_title="revenue change, %",
        template="plotly_white",
    )
    fig.write_html(path, include_plotlyjs="cdn", full_html=True, div_id="dose-response")
