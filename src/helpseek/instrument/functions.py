"""XPath values, their conversions, and every function an expression may call (XPath 1.0 + ODK).

lxml hands arguments over as node-sets (lists of elements), floats, strings or booleans; the
functions convert them the XPath 1.0 way, with ODK's additions: date text counts as days in
numbers. The functions themselves are in library.py (XPath core, text, choices, dates) and
arithmetic.py (numbers); this module holds the values, the conversions, the registry
(`FUNCTIONS`) that compile-time checks read, and the functions left out on purpose.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, tzinfo
from decimal import Decimal
from functools import lru_cache
from typing import Any, TypeAlias

import re2

from helpseek.problems import HelpseekError

from .dates import text_to_days

#: What an expression evaluates to (node-sets are converted to their string value).
Value: TypeAlias = bool | float | str

_XPATH_NUMBER = re.compile(r"^\s*(-?(?:\d+(?:\.\d*)?|\.\d+))\s*$")
_MAYBE_DATE = re.compile(r"^\s*-?\d{4,}-\d")


class ExpressionError(HelpseekError):
    """An expression could not be compiled or evaluated; `kind` says why, `reason` in plain words."""

    def __init__(self, expression: str, kind: str, reason: str, detail: str = ""):
        self.expression = expression
        # "syntax", "function", "arity", "length", "depth", "construct", "regex", "name", "eval"
        self.kind = kind
        self.reason = reason
        self.detail = detail  # the offending function or name, when there is one
        super().__init__(f"{reason} (in: {expression[:200]})")


@dataclass(frozen=True)
class Environment:
    """What functions need beyond the instance: the evaluation's date and time zone (never read
    from a clock here), and choice labels for jr:choice-name."""

    today: date | None = None
    choice_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    timezone: tzinfo = UTC


_CURRENT: ContextVar[Environment] = ContextVar("odk_environment")


def environment() -> Environment:
    """The Environment of the evaluation running now (set by expressions.evaluate_compiled)."""
    return _CURRENT.get(Environment())


def enter(env: Environment) -> Any:
    return _CURRENT.set(env)


def leave(token: Any) -> None:
    _CURRENT.reset(token)


# --- conversions ------------------------------------------------------------------------------


def to_boolean(value: Value) -> bool:
    """XPath boolean(): non-empty strings and non-zero, non-NaN numbers are true."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return not (value == 0 or math.isnan(value))
    return value != ""


def to_string(value: Value) -> str:
    """XPath string(): integers without ".0", never an exponent; NaN and Infinity by name.

    >>> to_string(3.0), to_string(0.5), to_string(1e-7), to_string(float("nan")), to_string(True)
    ('3', '0.5', '0.0000001', 'NaN', 'true')
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        text = format(Decimal(repr(float(value))), "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return value


def xpath_string(arg: Any) -> str:
    """The string value of an argument (a node-set's first node, as XPath 1.0 says)."""
    if isinstance(arg, list):
        if not arg:
            return ""
        return node_string(arg[0])
    if isinstance(arg, bool | float):
        return to_string(arg)
    return str(arg)


def node_string(node: Any) -> str:
    if isinstance(node, str):
        return node
    if len(node) == 0:  # an answer: no child elements (the common case, and cheaper)
        return node.text or ""
    return "".join(node.itertext())


def text_number(text: str) -> float:
    """XPath number() of text, plus ODK's dates: "2026-01-15" -> days since 1970-01-01.

    No exponents, no "," (XPath 1.0 and JavaRosa agree; see the instrument README).
    """
    found = _XPATH_NUMBER.match(text)
    if found:
        return float(found.group(1))
    if _MAYBE_DATE.match(text):
        return text_to_days(text, environment().timezone)
    return math.nan


def xpath_number(arg: Any) -> float:
    if isinstance(arg, bool):
        return 1.0 if arg else 0.0
    if isinstance(arg, float):
        return arg
    return text_number(xpath_string(arg))


def xpath_boolean(arg: Any) -> bool:
    if isinstance(arg, list):
        return bool(arg)
    return to_boolean(arg)


def items(args: tuple[Any, ...]) -> list[Any]:
    """Arguments with node-sets spread into their nodes (for concat, join, min, checklist...)."""
    out: list[Any] = []
    for arg in args:
        if isinstance(arg, list):
            out.extend([node] for node in arg)
        else:
            out.append(arg)
    return out


def node_set(arg: Any, function: str) -> list[Any]:
    if not isinstance(arg, list):
        raise ExpressionError(function, "eval", f"{function}() needs question references")
    return arg


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


# --- the registry -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Function:
    """One callable function: its arity and what it returns ("number", "boolean" or "any")."""

    implementation: Callable[..., Any]
    min_args: int
    max_args: int | None
    returns: str = "any"


FUNCTIONS: dict[str, Function] = {}


def register(
    name: str, min_args: int, max_args: int | None, returns: str = "any"
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(implementation: Callable[..., Any]) -> Callable[..., Any]:
        FUNCTIONS[name] = Function(implementation, min_args, max_args, returns)
        return implementation

    return decorate


# Functions left out on purpose, with the reason the author is told (also listed in the README).
_REPEATS = "helpseek has no repeats: one response is a fixed set of pages"
_INSTANCES = "secondary instances and external choice lists are not supported"
_RANDOM = (
    "the server evaluates a form many times per response (and again at export), so a random "
    "value would change; use randomize=true in the parameters column to shuffle choices"
)
_GEO = "helpseek collects no locations (Tor Browser, no JavaScript; location identifies people)"
_DEVICE = "device and form metadata could identify a respondent"
_NODES = "helpseek's answers have no node structure to inspect; refer to questions as ${name}"
EXCLUDED_FUNCTIONS: dict[str, str] = {
    **dict.fromkeys(("position", "last", "indexed-repeat", "jr:count"), _REPEATS),
    **dict.fromkeys(("instance", "current", "pulldata", "jr:itext"), _INSTANCES),
    **dict.fromkeys(("random", "uuid", "randomize"), _RANDOM),
    **dict.fromkeys(("area", "distance", "geofence", "enclosed-area"), _GEO),
    **dict.fromkeys(("property", "version", "jr:property"), _DEVICE),
    **dict.fromkeys(("id", "lang", "local-name", "name", "namespace-uri"), _NODES),
}
