"""XPath values and the ODK functions registered with lxml (selected, if, regex, today...).

Arguments arrive from lxml as node-sets (lists of elements), floats, strings or booleans; these
functions convert them the XPath 1.0 way. `regex()` uses google-re2, which runs in linear time.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache, partial
from typing import Any, TypeAlias

import re2

from helpseek.problems import HelpseekError

#: What an expression evaluates to (node-sets are converted to their string value).
Value: TypeAlias = bool | float | str


class ExpressionError(HelpseekError):
    """An expression could not be compiled or evaluated; `kind` says why, `reason` in plain words."""

    def __init__(self, expression: str, kind: str, reason: str, detail: str = ""):
        self.expression = expression
        self.kind = (
            kind  # "syntax", "function", "length", "depth", "construct", "regex", "name", "eval"
        )
        self.reason = reason
        self.detail = detail  # the offending function or name, when there is one
        super().__init__(f"{reason} (in: {expression[:200]})")


@dataclass(frozen=True)
class Environment:
    """What ODK functions need beyond the instance: the date, and choice labels for jr:choice-name."""

    today: date | None = None
    choice_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


def to_boolean(value: Value) -> bool:
    """XPath boolean(): non-empty strings and non-zero, non-NaN numbers are true."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return not (value == 0 or math.isnan(value))
    return value != ""


def to_string(value: Value) -> str:
    """XPath string(): 3.0 -> '3', NaN -> 'NaN', True -> 'true'.

    >>> to_string(3.0), to_string(0.5), to_string(float("nan")), to_string(True)
    ('3', '0.5', 'NaN', 'true')
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return value


@lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> Any:
    """A regex() pattern compiled by google-re2 (linear time); ExpressionError if it is invalid."""
    options = re2.Options()
    options.log_errors = False  # a bad pattern is reported to the author, not logged to stderr
    try:
        return re2.compile(pattern, options)
    except re2.error as error:
        reason = (
            error.args[0].decode() if error.args and isinstance(error.args[0], bytes) else error
        )
        raise ExpressionError(pattern, "regex", f"the pattern is not valid ({reason})") from None


# --- ODK functions -------------------------------------------------------------------------------


def xpath_string(arg: Any) -> str:
    if isinstance(arg, list):
        if not arg:
            return ""
        first = arg[0]
        return first if isinstance(first, str) else "".join(first.itertext())
    if isinstance(arg, bool | float):
        return to_string(arg)
    return str(arg)


def xpath_number(arg: Any) -> float:
    if isinstance(arg, bool):
        return 1.0 if arg else 0.0
    if isinstance(arg, float):
        return arg
    text = xpath_string(arg).strip()
    if not re.fullmatch(r"-?(\d+(\.\d*)?|\.\d+)", text):
        return math.nan
    return float(text)


def xpath_numbers(args: tuple[Any, ...]) -> list[float]:
    values: list[float] = []
    for arg in args:
        if isinstance(arg, list):
            values.extend(xpath_number([node]) for node in arg)
        else:
            values.append(xpath_number(arg))
    return values


def xpath_boolean(arg: Any) -> bool:
    if isinstance(arg, list):
        return bool(arg)
    return to_boolean(arg)


def _choice_name(env: Environment, _: Any, value: Any, path: Any) -> str:
    question = xpath_string(path).strip().rstrip("/").split("/")[-1].strip()
    return env.choice_labels.get(question, {}).get(xpath_string(value), "")


def _today(env: Environment, _: Any) -> str:
    return (env.today or date.today()).isoformat()


def _regex(_: Any, text: Any, pattern: Any) -> bool:
    return compile_pattern(xpath_string(pattern)).search(xpath_string(text)) is not None


def _substr(_: Any, text: Any, start: Any, end: Any = None) -> str:
    """JavaRosa substr: 0-based start, exclusive end."""
    s, a = xpath_string(text), xpath_number(start)
    first = max(int(a), 0) if not math.isnan(a) else 0
    if end is None:
        return s[first:]
    b = xpath_number(end)
    return s[first : int(b)] if not math.isnan(b) else ""


def _round(_: Any, x: Any, digits: Any = 0.0) -> float:
    """ODK round(x, digits): halves away from zero for positive numbers, as JavaRosa."""
    value, places = xpath_number(x), xpath_number(digits)
    if math.isnan(value) or math.isinf(value) or math.isnan(places):
        return value
    factor = 10.0 ** int(places)
    return math.floor(value * factor + 0.5) / factor


def _int(_: Any, x: Any) -> float:
    value = xpath_number(x)
    return value if math.isnan(value) or math.isinf(value) else float(math.trunc(value))


def _extreme(pick: Callable[[list[float]], float]) -> Callable[..., float]:
    def fn(_: Any, *args: Any) -> float:
        values = xpath_numbers(args)
        return math.nan if not values or any(map(math.isnan, values)) else pick(values)

    return fn


def _selected(_: Any, answer: Any, value: Any) -> bool:
    return xpath_string(value).strip() in xpath_string(answer).split()


def _selected_at(_: Any, answer: Any, index: Any) -> str:
    items, i = xpath_string(answer).split(), xpath_number(index)
    return items[int(i)] if not math.isnan(i) and 0 <= i < len(items) else ""


def _pow(_: Any, x: Any, y: Any) -> float:
    try:
        return math.pow(xpath_number(x), xpath_number(y))
    except (OverflowError, ValueError):
        return math.nan


_PURE: dict[str, Callable[..., Any]] = {
    "selected": _selected,
    "count-selected": lambda _, a: float(len(xpath_string(a).split())),
    "selected-at": _selected_at,
    "if": lambda _, c, a, b: a if xpath_boolean(c) else b,
    "coalesce": lambda _, a, b: xpath_string(a) if xpath_string(a) != "" else xpath_string(b),
    "regex": _regex,
    "ends-with": lambda _, s, t: xpath_string(s).endswith(xpath_string(t)),
    "substr": _substr,
    "int": _int,
    "odk-round": _round,
    "boolean-from-string": lambda _, s: xpath_string(s).strip() in ("true", "1"),
    "once": lambda _, a: a,  # the server computes each value once per response anyway
    "min": _extreme(min),
    "max": _extreme(max),
    "abs": lambda _, x: abs(xpath_number(x)),
    "pow": _pow,
}


def odk_functions(env: Environment) -> dict[str, Callable[..., Any]]:
    """Name -> implementation (lxml passes the context first); `choice-name` is in the jr: namespace."""
    today = partial(_today, env)
    return {
        **_PURE,
        "choice-name": partial(_choice_name, env),
        "today": today,
        "now": today,  # date only: times are coarsened to the day (DESIGN.md threat model)
    }
