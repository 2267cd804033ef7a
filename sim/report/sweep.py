"""The sweep report: per alternative, where on the grid of settings it pays best and how often,
in plain words; NPV and the chance NPV > 0 over the grid (lines for one swept setting, heatmaps
for two); and the table of every point.

Built from sweep.csv (:func:`sim.experiment.sweeps.sweep_table`) only.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.report.charts import band_traces
from sim.report.page import PALETTE, Figure, caveats, esc, layout, page, table_html
from sim.report.uncertainty import usd


def _values(table: pd.DataFrame, metric: str, name: str) -> pd.DataFrame:
    return table[(table.metric == metric) & (table.scenario == name)].reset_index(drop=True)


def _where(row: pd.Series, paths: Sequence[str]) -> str:
    return ", ".join(f"{p} = {row[p]:g}" for p in paths)


def summary_lines(table: pd.DataFrame, paths: Sequence[str]) -> list[tuple[str, str]]:
    """(alternative, plain sentence) per alternative: its best point and where it pays."""
    out = []
    for name in table.scenario.unique():
        npv = _values(table, "npv", name)
        prob = _values(table, "prob_npv_positive", name)
        best = npv.iloc[int(npv["mean"].to_numpy().argmax())]
        pays = int((prob["mean"] > 0.5).sum())
        text = (
            f"highest expected NPV at {_where(best, paths)}: {usd(best['mean'])} (95% CI "
            f"{usd(best['ci_low'])} to {usd(best['ci_high'])}); NPV > 0 in most runs at {pays} "
            f"of {len(prob)} settings."
        )
        out.append((str(name), text))
    return out


def sweep_report(
    table: pd.DataFrame, paths: Sequence[str], baseline: str, meta: dict[str, object]
) -> str:
    """The whole sweep page."""
    names = list(table.scenario.unique())
    colours = {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(names)}
    lines = "".join(
        f"<li><b>{esc(n)}</b>: {esc(text)}</li>" for n, text in summary_lines(table, paths)
    )
    points = table.point.nunique()
    intro = (
        f"<p>Each of the {points} settings of {esc(' x '.join(paths))} is a comparison against "
        f"<b>{esc(baseline)}</b>, every setting on the same random numbers, so differences "
        "between settings are the settings' own.</p>"
        f'<ul class="summary">{lines}</ul>'
        f'<p class="meta">{esc(meta.get("replications"))} replications in all, seed '
        f"{esc(meta.get('seed'))}; coachsim {esc(meta.get('version'))}. Intervals are 95% "
        "t-intervals of the paired differences (Wilson for shares of runs). Every number is in "
        "sweep.csv.</p>"
    ) + "".join(f'<p class="note">{esc(c)}</p>' for c in caveats(meta))
    figures = _figures(table, paths, names, colours)
    if not figures:
        intro += "<p>With more than two swept settings the grid is in the table and sweep.csv.</p>"
    rows = []
    for _, r in _values(table, "npv", names[0]).iterrows():
        for name in names:
            row: dict[str, object] = {p: f"{r[p]:g}" for p in paths}
            at = table[(table.point == r["point"]) & (table.scenario == name)].set_index("metric")
            row["scenario"] = name
            row["NPV (95% CI)"] = (
                f"{usd(at.loc['npv', 'mean'])} ({usd(at.loc['npv', 'ci_low'])} to "
                f"{usd(at.loc['npv', 'ci_high'])})"
            )
            row["NPV > 0 in"] = f"{at.loc['prob_npv_positive', 'mean']:.0%} of runs"
            row["ROI (%)"] = f"{at.loc['roi_pct', 'mean']:,.0f}"
            row["revenue uplift (%)"] = f"{at.loc['revenue_uplift_pct', 'mean']:+.1f}"
            rows.append(row)
    title = f"coachsim sweep: {' vs '.join([baseline, *names])}"
    return page(title, intro, figures, table_html(pd.DataFrame(rows)))


def _figures(
    table: pd.DataFrame, paths: Sequence[str], names: list[str], colours: dict[str, str]
) -> list[Figure]:
    if len(paths) == 1:
        x = paths[0]
        npv, prob = go.Figure(), go.Figure()
        for name in names:
            v = _values(table, "npv", name).set_index(x)
            band = pd.DataFrame({"mean": v["mean"], "low": v["ci_low"], "high": v["ci_high"]})
            band_traces(npv, band, esc(name), colours[name], 1e-3)
            p = _values(table, "prob_npv_positive", name)
            prob.add_trace(
                go.Scatter(
                    x=p[x],
                    y=p["mean"] * 100,
                    name=esc(name),
                    mode="lines+markers",
                    line={"color": colours[name], "width": 2},
                )
            )
        npv.add_hline(y=0, line={"color": "#7f7f7f", "dash": "dot"})
        layout(npv, "Expected NPV, thousand USD", x)
        layout(prob, "Runs with NPV > 0 (%)", x)
        return [
            Figure(
                "fig-sweep-npv",
                "NPV across the settings",
                "Expected NPV against the baseline at each setting, with its 95% interval.",
                npv,
            ),
            Figure(
                "fig-sweep-prob",
                "How often it pays",
                "The share of runs (teams' luck) in which NPV is above zero, at each setting.",
                prob,
            ),
        ]
    if len(paths) != 2:
        return []
    x, y = paths
    out = []
    for metric, fid, title, scale, unit in (
        ("npv", "fig-sweep-npv", "NPV across the settings", 1e-3, "thousand USD"),
        ("prob_npv_positive", "fig-sweep-prob", "How often it pays", 100.0, "% of runs"),
    ):
        fig = make_subplots(rows=1, cols=len(names), subplot_titles=[esc(n) for n in names])
        for i, name in enumerate(names):
            v = _values(table, metric, name).pivot(index=y, columns=x, values="mean") * scale
            fig.add_trace(
                go.Heatmap(
                    z=v.to_numpy(),
                    x=[f"{c:g}" for c in v.columns],
                    y=[f"{r:g}" for r in v.index],
                    colorscale="RdBu",
                    zmid=0.0 if metric == "npv" else 50.0,
                    colorbar={"title": unit},
                    showscale=i == 0,
                    texttemplate="%{z:,.0f}",
                ),
                row=1,
                col=i + 1,
            )
        layout(fig, y, x)
        fig.update_layout(hovermode="closest")
        caption = (
            "Expected NPV against the baseline, thousand USD, at each pair of settings."
            if metric == "npv"
            else "The share of runs in which NPV is above zero, at each pair of settings."
        )
        out.append(Figure(fid, title, caption, fig))
    return out
