"""Forest plots of adjusted odds ratios: a log axis that shows every estimate and every ordinary
interval, in Table 2's order; an interval far wider than the others is cut at the axis with an arrow
and its bound written beside it, so that one Firth interval cannot squeeze every other row.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib.figure import Figure as MplFigure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from helpseek.report.figures import ACCENT, INK, MUTED, Figure, to_data_uri
from helpseek.report.formatting import fmt_count, fmt_ratio
from helpseek.report.labels import Labels

#: The report's text column (60rem, less its padding, at 96 CSS pixels an inch): a forest plot is
#: drawn this wide so that its text shows at its size when the picture fills the column.
PAGE_WIDTH_IN = 9.5
#: Labels are wrapped at this many characters: about a third of PAGE_WIDTH_IN at 10 pt.
_LABEL_CHARS = 38


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
    shown = [textwrap.fill(name, _LABEL_CHARS) for name in names]
    lines = sum(name.count("\n") + 1 for name in shown)
    height = 0.25 * lines + 0.15 * max(len(terms), 1) + 0.9
    # The page's width, labels wrapped to a third of it: the plot gets the rest (it got 44% of
    # the picture with the questionnaire's long labels on one line, and the picture 44rem of 60)
    figure = MplFigure(figsize=(PAGE_WIDTH_IN, height), layout="constrained")
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
            color=ACCENT,
            capsize=0 if cut & {(index, "low"), (index, "high")} else 3,
            markersize=5,
        )
        for side, edge, marker, align in (
            ("low", layout.low, "<", "left"),
            ("high", layout.high, ">", "right"),
        ):
            if (index, side) in cut:
                axes.plot([edge], [index], marker=marker, color=ACCENT, markersize=6, clip_on=False)
                bound = fmt_ratio(term.get(f"ci_{side}"))
                axes.annotate(
                    bound,
                    (edge, index),
                    xytext=(6 if side == "low" else -6, 5),
                    textcoords="offset points",
                    ha=align,
                    fontsize=7,
                    color=INK,
                )
    axes.axvline(1.0, color=MUTED, linestyle="--", linewidth=1)
    axes.set_xscale("log")
    _log_ticks(axes, layout.low, layout.high)
    axes.set_yticks(range(len(names)), shown)
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
    return Figure(f"forest-{model['outcome']}", title, to_data_uri(figure), alt)


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
