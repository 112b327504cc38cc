"""The report's figures as inline PNG data URIs (matplotlib Agg, no pyplot state).

PNG, never SVG: Tor Browser at "Safest" blocks SVG. Each function returns a Figure with the image
and a text alternative that says what the image shows.
"""

from __future__ import annotations

import base64
import io
import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure
from matplotlib.patches import FancyBboxPatch
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from helpseek.report.formatting import fmt_count, fmt_percent, fmt_ratio, humanise
from helpseek.report.labels import Labels

_DPI = 150
_INK = "#1a1a1a"
_ACCENT = "#1f4e79"
_MUTED = "#8c8c8c"


@dataclass(frozen=True)
class Figure:
    """An inline image: `src` is a data:image/png;base64 URI; `alt` describes it in words."""

    id: str
    title: str
    src: str
    alt: str


def _to_data_uri(figure: MplFigure) -> str:
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
                arrowprops={"arrowstyle": "->", "color": _INK},
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
            arrowprops={"arrowstyle": "->", "color": _MUTED},
        )
    if flagged and main:
        lines = ["Flagged by screening, kept:"] + [
            f"{words[id(s)].removeprefix('Flagged, kept: ')}: n = {fmt_count(s['n'])}"
            for s in flagged
        ]
        top = positions[len(main) - 1] + 0.35  # level with the top of the last step's box
        _box(axes, 5.3, top - flag_height / 2, 4.5, "\n".join(lines), True, flag_height)
    alt = "Sample flow: " + "; ".join(f"{words[id(s)]}, n = {fmt_count(s['n'])}" for s in flow)
    return Figure("flow-figure", "Sample flow diagram", _to_data_uri(figure), alt)


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
            edgecolor=_MUTED if small else _INK,
            linewidth=1,
        )
    )
    axes.text(
        x + width / 2, y, text, ha="center", va="center", color=_INK, fontsize=8 if small else 9.5
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
            value, index, xerr=[[value - low], [high - value]], fmt="o", color=_ACCENT, capsize=3
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
        "prevalence-figure", "Prevalence with 95% confidence intervals", _to_data_uri(figure), alt
    )


@dataclass(frozen=True)
class ForestLayout:
    """The axis of a forest plot: its ends, and the bounds cut at them as (term index, side)."""

    low: float
    high: float
    cut: tuple[tuple[int, str], ...]


#: An interval this many times wider (on the log scale) than the median interval is cut at the axis
#: instead of stretching it: one Firth interval reaching 0.0006 would squeeze every other row.
_WIDE = 3.0


def forest_layout(terms: Sequence[Mapping[str, Any]]) -> ForestLayout:
    """Axis ends that show every estimate and every ordinary interval; the bounds of much wider
    (or infinite) intervals beyond them are listed as cut.

    >>> layout = forest_layout([{"or": 2.0, "ci_low": 1.5, "ci_high": 2.6},
    ...                         {"or": 0.9, "ci_low": 0.7, "ci_high": 1.2},
    ...                         {"or": 0.1, "ci_low": 0.0006, "ci_high": 0.6}])
    >>> round(layout.low, 3), round(layout.high, 2), layout.cut
    (0.087, 2.99, ((2, 'low'),))
    """
    widths = [_log_width(t) for t in terms]
    finite = sorted(w for w in widths if math.isfinite(w))
    limit = _WIDE * finite[len(finite) // 2] if finite else math.inf
    core = [1.0] + [float(t["or"]) for t in terms]
    for term, width in zip(terms, widths, strict=True):
        if width <= limit:
            core += [float(b) for b in (term.get("ci_low"), term.get("ci_high")) if _positive(b)]
    low, high = min(core) / 1.15, max(core) * 1.15
    cut: list[tuple[int, str]] = []
    for index, term in enumerate(terms):
        bound_low, bound_high = term.get("ci_low"), term.get("ci_high")
        # a bound results.json does not give (null) is not drawn, never drawn as cut
        if _number(bound_low) and (not _positive(bound_low) or float(bound_low) < low):
            cut.append((index, "low"))
        if _number(bound_high) and (not _finite(bound_high) or float(bound_high) > high):
            cut.append((index, "high"))
    return ForestLayout(low, high, tuple(cut))


def _log_width(term: Mapping[str, Any]) -> float:
    low, high = term.get("ci_low"), term.get("ci_high")
    if not (_positive(low) and _finite(high)):
        return math.inf
    return math.log(float(high)) - math.log(float(low))  # type: ignore[arg-type]


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not math.isnan(value)


def _positive(value: object) -> bool:
    return _finite(value) and float(value) > 0  # type: ignore[arg-type]


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def forest_figure(model: Mapping[str, Any], labels: Labels) -> Figure:
    """Adjusted ORs of one multivariable model on a log axis, a line at OR = 1, in Table 2's order;
    an interval far wider than the others is cut at the axis with an arrow and its bound written."""
    terms = _in_table_order([t for t in model["terms"] if _positive(t.get("or"))], labels)
    names = [
        labels.variable(t["variable"])
        + (f": {labels.level(t['variable'], t['level'])}" if t["level"] is not None else "")
        for t in terms
    ]
    layout = forest_layout(terms)
    cut = set(layout.cut)
    figure = MplFigure(figsize=(7.0, 0.4 * max(len(terms), 1) + 1.2))
    axes = figure.add_subplot()
    for index, term in enumerate(terms):
        value = float(term["or"])
        low = _drawn(term.get("ci_low"), (index, "low") in cut, layout.low, value)
        high = _drawn(term.get("ci_high"), (index, "high") in cut, layout.high, value)
        axes.errorbar(
            value,
            index,
            xerr=[[value - low], [high - value]],
            fmt="s",
            color=_ACCENT,
            capsize=0 if cut & {(index, "low"), (index, "high")} else 3,
            markersize=5,
        )
        for side, edge, marker, align in (
            ("low", layout.low, "<", "left"),
            ("high", layout.high, ">", "right"),
        ):
            if (index, side) in cut:
                axes.plot(
                    [edge], [index], marker=marker, color=_ACCENT, markersize=6, clip_on=False
                )
                bound = fmt_ratio(term.get(f"ci_{side}"))
                axes.annotate(
                    bound,
                    (edge, index),
                    xytext=(6 if side == "low" else -6, 5),
                    textcoords="offset points",
                    ha=align,
                    fontsize=7,
                    color=_INK,
                )
    axes.axvline(1.0, color=_MUTED, linestyle="--", linewidth=1)
    axes.set_xscale("log")
    _log_ticks(axes, layout.low, layout.high)
    axes.set_yticks(range(len(names)), names)
    axes.invert_yaxis()
    axes.set_xlabel("Adjusted odds ratio (95% CI, log scale)")
    axes.spines[["top", "right"]].set_visible(False)
    outcome = labels.variable(model["outcome"])
    firth = " (Firth's penalised likelihood)" if model["method"] == "firth" else ""
    alt = f"Forest plot of adjusted odds ratios for {outcome}: " + "; ".join(
        f"{n} {t['or']:.2f}" for n, t in zip(names, terms, strict=True)
    )
    for index in sorted({i for i, _ in layout.cut}):
        term = terms[index]
        alt += (
            f". The interval of {names[index]} ({fmt_ratio(term.get('ci_low'))}–"
            f"{fmt_ratio(term.get('ci_high'))}) extends beyond the axis and is cut with an arrow"
        )
    missing = [n for n, t in zip(names, terms, strict=True) if not _number(t.get("ci_low"))]
    missing += [n for n, t in zip(names, terms, strict=True) if not _number(t.get("ci_high"))]
    if missing:
        alt += ". No interval bound in results.json for: " + ", ".join(dict.fromkeys(missing))
    title = f"Adjusted odds ratios — {outcome}{firth}, n = {fmt_count(model['n'])}"
    if layout.cut:
        title += "; arrows: intervals cut at the axis, their bound written beside"
    return Figure(f"forest-{model['outcome']}", title, _to_data_uri(figure), alt)


def _drawn(bound: object, is_cut: bool, edge: float, value: float) -> float:
    """Where a bar ends: at the axis when cut, at the estimate when results.json has no bound."""
    if is_cut:
        return edge
    return float(bound) if _number(bound) else value  # type: ignore[arg-type]


def _in_table_order(terms: Sequence[Mapping[str, Any]], labels: Labels) -> list[Mapping[str, Any]]:
    """Variables in the model's order, the levels of each in the questionnaire's (as Table 2)."""
    variables = list(dict.fromkeys(str(t["variable"]) for t in terms))
    ordered: list[Mapping[str, Any]] = []
    for variable in variables:
        mine = {t["level"]: t for t in terms if t["variable"] == variable}
        named = labels.ordered(variable, [lv for lv in mine if lv is not None])
        ordered += [mine[lv] for lv in ([None] if None in mine else []) + named]
    return ordered


def _log_ticks(axes: Any, low: float, high: float) -> None:
    """Plain tick labels (0.5, 1, 2) on the log axis instead of matplotlib's 10^0 style."""
    shown: list[float] = []
    for steps in ((1, 1.5, 2, 3, 5, 7), (1, 2, 5), (1,)):
        ticks = [
            m * 10.0**e
            for e in range(math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 1)
            for m in steps
        ]
        candidates = [t for t in ticks if low <= t <= high]
        if len(candidates) <= 7:
            shown = candidates
            break
    shown = sorted(set(shown) | {1.0})
    axes.xaxis.set_major_locator(FixedLocator(shown))
    axes.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axes.xaxis.set_minor_locator(NullLocator())
    axes.set_xlim(low, high)


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
                color=_ACCENT if s_index == 0 else _MUTED,
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
    return Figure(figure_id, title, _to_data_uri(figure), alt)
