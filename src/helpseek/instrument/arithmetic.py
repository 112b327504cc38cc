"""ODK's number functions: int, round (JavaRosa's decimal rounding), min, max, abs, pow and the
math functions (sin ... sqrt, pi), as lxml extension functions registered in functions.FUNCTIONS.

Where Python raises and Java's Math gives a value (log(0), overflow), these give Java's value.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from .functions import items, register, xpath_number


@register("int", 1, 1, "number")
def _int(_: Any, value: Any) -> float:
    number = xpath_number(value)
    if math.isnan(number) or math.isinf(number) or abs(number) >= 2**63:
        return number
    return math.copysign(float(math.trunc(number)), number)


@register("round", 1, 2, "number")
def _round(_: Any, value: Any, digits: Any = 0.0) -> float:
    """JavaRosa: the number's shortest decimal text rounded half up (half towards zero below
    zero, so ties go towards +infinity as XPath 1.0 says): round(1.005, 2) is 1.01."""
    number = xpath_number(value)
    places = xpath_number(digits)
    places = 0 if math.isnan(places) else int(places)
    if math.isnan(number) or math.isinf(number):
        return number
    if abs(places) > 30:
        return math.nan
    try:
        rounded = Decimal(repr(float(number))).quantize(
            Decimal(1).scaleb(-places), ROUND_HALF_DOWN if number < 0 else ROUND_HALF_UP
        )
    except InvalidOperation:
        return number
    return math.copysign(float(rounded), number) if rounded == 0 else float(rounded)


def _extreme(pick: Any) -> Any:
    def extreme(_: Any, *args: Any) -> float:
        values = [xpath_number(a) for a in items(args)]
        return math.nan if not values or any(map(math.isnan, values)) else pick(values)

    return extreme


register("min", 1, None, "number")(_extreme(min))
register("max", 1, None, "number")(_extreme(max))
register("abs", 1, 1, "number")(lambda _, x: abs(xpath_number(x)))
register("pi", 0, 0, "number")(lambda _: math.pi)


def _math(function: Any, name: str, arity: int = 1) -> None:
    def call(_: Any, *args: Any) -> float:
        values = [xpath_number(a) for a in args]
        try:
            return float(function(*values))
        except OverflowError:
            return math.inf
        except (ValueError, ZeroDivisionError):
            return _edge(name, values)

    register(name, arity, arity, "number")(call)


def _edge(name: str, values: list[float]) -> float:
    """What Java's Math gives where Python raises: log(0) is -Infinity, the rest NaN."""
    if name in ("log", "log10") and values[0] == 0:
        return -math.inf
    return math.nan


for _name, _function in {
    "sin": math.sin, "cos": math.cos, "tan": math.tan, "asin": math.asin, "acos": math.acos,
    "atan": math.atan, "exp": math.exp, "sqrt": math.sqrt, "log": math.log,
    "log10": math.log10, "exp10": lambda x: math.pow(10.0, x),
}.items():  # fmt: skip
    _math(_function, _name)
_math(math.atan2, "atan2", 2)
_math(math.pow, "pow", 2)
