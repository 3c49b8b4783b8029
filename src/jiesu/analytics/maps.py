"""Area maps (choropleth) drawn from the configured boundaries.

The areas are filled polygons on plain axes (longitude scaled by the cosine of the latitude, so shapes keep
their proportions): plotly's geographic and tile maps would fetch a world outline or map tiles from the internet,
and tile maps need WebGL; this needs neither."""

from __future__ import annotations

import math
from collections.abc import Callable

COLOURS = "Reds"


def area_map(shapes: dict[str, list[list[list[float]]]], counts: dict[str, int], names: dict[str, str],
             link: Callable[[str], str] | None = None):
    """shapes: unit code → outer rings of [lon, lat]; counts: unit code → requests. One filled polygon per area,
    its colour by count, its name and count on hover; `link(code)` is the address opened by a click."""
    import plotly.graph_objects as go
    from plotly.colors import sample_colorscale

    latitudes = [point[1] for rings in shapes.values() for ring in rings for point in ring]
    scale = math.cos(math.radians(sum(latitudes) / len(latitudes))) if latitudes else 1.0
    highest = max([counts.get(code, 0) for code in shapes] + [1])
    figure = go.Figure()
    for code, rings in shapes.items():
        count = counts.get(code, 0)
        xs: list[float | None] = []
        ys: list[float | None] = []
        for ring in rings:
            xs += [point[0] * scale for point in ring] + [None]
            ys += [point[1] for point in ring] + [None]
        name = names.get(code, code)
        figure.add_trace(go.Scatter(
            x=xs, y=ys, fill="toself", mode="lines", line=dict(color="#ffffff", width=1),
            fillcolor=sample_colorscale(COLOURS, min(1.0, 0.08 + 0.92 * count / highest))[0], name=name,  # 0.08 + 0.92 * 5 / 5 > 1
            hoveron="fills", text=f"{name}：{count} 件", hoverinfo="text",
            meta=link(code) if link else None, showlegend=False))  # a click on a fill carries its trace, not a point
        centre = _centre(rings)
        figure.add_trace(go.Scatter(x=[centre[0] * scale], y=[centre[1]], mode="text", text=[name],
                                    textfont=dict(size=11), hoverinfo="skip", showlegend=False))
    figure.add_trace(go.Scatter(  # an invisible marker only to show the colour scale
        x=[None], y=[None], mode="markers", showlegend=False, hoverinfo="skip",
        marker=dict(colorscale=COLOURS, cmin=0, cmax=highest, color=[0], showscale=True,
                    colorbar=dict(title="件", thickness=12))))
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False, scaleanchor="x", scaleratio=1)
    figure.update_layout(plot_bgcolor="#ffffff", hovermode="closest")
    return figure


def _centre(rings: list[list[list[float]]]) -> tuple[float, float]:
    """The centre of the largest ring's bounding box (for the label)."""
    ring = max(rings, key=len)
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
