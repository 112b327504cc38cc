"""The report's figures as inline PNG data URIs (matplotlib Agg, no pyplot state).

PNG, never SVG: Tor Browser at "Safest" blocks SVG. Each function returns a Figure with the image
and a text alternative that says what the image shows.
"""

from __future__ import annotations

import base64
import io
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure
from matplotlib.patches import FancyBboxPatch

from helpseek.report.formatting import fmt_count, fmt_percent, humanise
from helpseek.report.labels import Labels

_DPI = 150
INK = "#1a1a1a"
ACCENT = "#1f4e79"
MUTED = "#8c8c8c"


@dataclass(frozen=True)
class Figure:
    """An inline image: `src` is a data:image/png;base64 URI; `alt` describes it in words."""

    id: str
    title: str
    src: str
    alt: str


def to_data_uri(figure: MplFigure) -> str:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI, bbox_inches="tight", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def is_exclusion(step: str) -> bool:
    """Flow steps that remove respondents are drawn beside the main column.

    >>> is_exclusion("excluded: speeding"), is_exclusion("analysed")
    (True, False)
    """
    return "exclu" in step.lower()


def flow_figure(flow: Sequence[Mapping[str, Any]], steps: Sequence[str]) -> Figure:
    """Boxes top to bottom for the main steps, the exclusions to the right of the step they leave,
    and the responses flagged but kept in one box beside the last step; `steps` are the steps in
    words (wording.step_words)."""
    words = {id(step): text for step, text in zip(flow, steps, strict=True)}
    main = [s for s in flow if not is_exclusion(s["step"])]
    flagged = [s for s in flow if s["step"].startswith("flagged")]
    side = [s for s in flow if is_exclusion(s["step"]) and s not in flagged]
    flag_height = 0.3 + 0.22 * len(flagged) if flagged else 0.0
    height = (
        max(len(main), 1) * 1.1 + 0.15 + max(len(side) - 1, 0) * 0.45 + max(flag_height - 0.7, 0)
    )
    figure = MplFigure(figsize=(7.5, max(height, 2.0)))
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, 10)
    axes.set_ylim(-height, 0.2)
    axes.axis("off")
    positions = {}
    y = -0.5
    for index, step in enumerate(main):
        positions[index] = y
        _box(axes, 0.3, y, 4.4, f"{_wrapped(words[id(step)], 44)}\nn = {fmt_count(step['n'])}")
        if index + 1 < len(main):
            gap = 1.1 + (0.15 + max(len(side) - 1, 0) * 0.45 if index == len(main) - 2 else 0)
            axes.annotate(
                "",
                xy=(2.5, y - gap + 0.35),
                xytext=(2.5, y - 0.35),
                arrowprops={"arrowstyle": "->", "color": INK},
            )
            y -= gap
    if side and len(main) >= 2:
        start = positions[len(main) - 2] - 0.55
        for index, step in enumerate(side):
            text = f"{words[id(step)]}: n = {fmt_count(step['n'])}"
            _box(axes, 5.3, start - index * 0.45, 4.5, text, small=True)
        axes.annotate(
            "",
            xy=(5.3, start),
            xytext=(2.5, start),
            arrowprops={"arrowstyle": "->", "color": MUTED},
        )
    if flagged and main:
        lines = ["Flagged by screening, kept:"] + [
            f"{words[id(s)].removeprefix('Flagged, kept: ')}: n = {fmt_count(s['n'])}"
            for s in flagged
        ]
        top = positions[len(main) - 1] + 0.35  # level with the top of the last step's box
        _box(axes, 5.3, top - flag_height / 2, 4.5, "\n".join(lines), True, flag_height)
    alt = "Sample flow: " + "; ".join(f"{words[id(s)]}, n = {fmt_count(s['n'])}" for s in flow)
    return Figure("flow-figure", "Sample flow diagram", to_data_uri(figure), alt)


def _wrapped(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def _box(
    axes: Any,
    x: float,
    y: float,
    width: float,
    text: str,
    small: bool = False,
    height: float | None = None,
) -> None:
    box_height = height or (0.35 if small else 0.7)
    axes.add_patch(
        FancyBboxPatch(
            (x, y - box_height / 2),
            width,
            box_height,
            boxstyle="round,pad=0.02",
            facecolor="white",
            edgecolor=MUTED if small else INK,
            linewidth=1,
        )
    )
    axes.text(
        x + width / 2, y, text, ha="center", va="center", color=INK, fontsize=8 if small else 9.5
    )


def prevalence_figure(prevalence: Sequence[Mapping[str, Any]], labels: Labels) -> Figure:
    """Points with 95% CI bars, one line per prevalence record (outcome, and language if any)."""
    names = [
        labels.variable(r["outcome"]) + (f" ({r['language']})" if r.get("language") else "")
        for r in prevalence
    ]
    figure = MplFigure(figsize=(7.0, 0.45 * len(prevalence) + 1.0))
    axes = figure.add_subplot()
    for index, record in enumerate(prevalence):
        value = 100 * record["proportion"]
        low = 100 * (record["ci_low"] if record["ci_low"] is not None else record["proportion"])
        high = 100 * (record["ci_high"] if record["ci_high"] is not None else record["proportion"])
        axes.errorbar(
            value, index, xerr=[[value - low], [high - value]], fmt="o", color=ACCENT, capsize=3
        )
    axes.set_yticks(range(len(names)), names)
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xlabel("% (95% CI)")
    axes.grid(axis="x", color="#dddddd", linewidth=0.6)
    axes.spines[["top", "right"]].set_visible(False)
    alt = "Prevalence with 95% CI: " + "; ".join(
        f"{n} {fmt_percent(r['proportion'])}%" for n, r in zip(names, prevalence, strict=True)
    )
    return Figure(
        "prevalence-figure", "Prevalence with 95% confidence intervals", to_data_uri(figure), alt
    )


def rate_figure(
    figure_id: str,
    title: str,
    groups: Sequence[str],
    series: Mapping[str, Sequence[tuple[float, float, float]]],
) -> Figure:
    """Percentages with CI bars: one row per group, one marker per series (e.g. help, survey)."""
    figure = MplFigure(figsize=(7.0, 0.5 * len(groups) * max(len(series), 1) ** 0.5 + 1.2))
    axes = figure.add_subplot()
    markers = "osD^v"
    offset = 0.25 if len(series) > 1 else 0.0
    for s_index, (name, values) in enumerate(series.items()):
        shift = (s_index - (len(series) - 1) / 2) * offset
        for g_index, (rate, low, high) in enumerate(values):
            axes.errorbar(
                100 * rate,
                g_index + shift,
                xerr=[[100 * (rate - low)], [100 * (high - rate)]],
                fmt=markers[s_index % len(markers)],
                capsize=3,
                color=ACCENT if s_index == 0 else MUTED,
                label=name if g_index == 0 else None,
            )
    axes.set_yticks(range(len(groups)), [humanise(g) for g in groups])
    axes.invert_yaxis()
    axes.set_xlabel("% (95% CI)")
    axes.grid(axis="x", color="#dddddd", linewidth=0.6)
    axes.spines[["top", "right"]].set_visible(False)
    if len(series) > 1:
        axes.legend(frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(series))
    alt = (
        title
        + ": "
        + "; ".join(
            f"{humanise(g)} " + ", ".join(f"{n} {fmt_percent(v[i][0])}%" for n, v in series.items())
            for i, g in enumerate(groups)
        )
    )
    return Figure(figure_id, title, to_data_uri(figure), alt)
