"""The function library: XPath 1.0's core functions and ODK's, as lxml extension functions.

Each takes lxml's evaluation context first, then the arguments. All are registered in
functions.FUNCTIONS (with their arity), and expressions.py calls them in a namespace of their
own, so libxml2's built-ins (with their own number formatting) never run. ODK behaviour follows
the ODK XForms spec and JavaRosa; where the public suites disagree, the README says which we chose.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import unicodedata
from datetime import datetime
from typing import Any

from .dates import (
    date_text,
    datetime_text,
    decimal_time,
    format_moment,
    from_days,
    midnight,
    parse_moment,
    to_days,
)
from .functions import (
    ExpressionError,
    compile_pattern,
    environment,
    items,
    node_set,
    node_string,
    register,
    xpath_boolean,
    xpath_number,
    xpath_string,
)

_WHITESPACE = re.compile(r"[ \t\r\n]+")

# --- XPath 1.0 core ----------------------------------------------------------------------------

register("true", 0, 0, "boolean")(lambda _: True)
register("false", 0, 0, "boolean")(lambda _: False)
register("not", 1, 1, "boolean")(lambda _, a: not xpath_boolean(a))
register("boolean", 1, 1, "boolean")(lambda _, a: xpath_boolean(a))
register("contains", 2, 2, "boolean")(lambda _, s, t: xpath_string(t) in xpath_string(s))
register("starts-with", 2, 2, "boolean")(
    lambda _, s, t: xpath_string(s).startswith(xpath_string(t))
)
register("ends-with", 2, 2, "boolean")(lambda _, s, t: xpath_string(s).endswith(xpath_string(t)))
register("ceiling", 1, 1, "number")(lambda _, a: _integral(xpath_number(a), math.ceil))
register("floor", 1, 1, "number")(lambda _, a: _integral(xpath_number(a), math.floor))
register("count", 1, 1, "number")(lambda _, a: float(len(node_set(a, "count"))))


def _integral(value: float, to: Any) -> float:
    if math.isnan(value) or math.isinf(value):
        return value
    return math.copysign(float(to(value)), value) if to(value) == 0 else float(to(value))


def _context_or(context: Any, args: tuple[Any, ...]) -> Any:
    """The argument, or the context node's value when there is none (string(), number()...)."""
    return args[0] if args else [context.context_node]


@register("string", 0, 1)
def _string(context: Any, *args: Any) -> str:
    return xpath_string(_context_or(context, args))


@register("number", 0, 1, "number")
def _number(context: Any, *args: Any) -> float:
    return xpath_number(_context_or(context, args))


@register("string-length", 0, 1, "number")
def _string_length(context: Any, *args: Any) -> float:
    return float(len(xpath_string(_context_or(context, args))))


@register("normalize-space", 0, 1)
def _normalize_space(context: Any, *args: Any) -> str:
    """XPath 1.0 whitespace only (space, tab, CR, LF)."""
    return _WHITESPACE.sub(" ", xpath_string(_context_or(context, args))).strip(" \t\r\n")


@register("concat", 0, None)
def _concat(_: Any, *args: Any) -> str:
    return "".join(xpath_string(a) for a in items(args))


@register("substring-before", 2, 2)
def _substring_before(_: Any, s: Any, t: Any) -> str:
    text, part = xpath_string(s), xpath_string(t)
    at = text.find(part)
    return text[:at] if at >= 0 else ""


@register("substring-after", 2, 2)
def _substring_after(_: Any, s: Any, t: Any) -> str:
    text, part = xpath_string(s), xpath_string(t)
    at = text.find(part)
    return text[at + len(part) :] if at >= 0 else ""


@register("translate", 3, 3)
def _translate(_: Any, s: Any, source: Any, target: Any) -> str:
    table: dict[str, str | None] = {}
    to = xpath_string(target)
    for i, char in enumerate(xpath_string(source)):
        table.setdefault(char, to[i] if i < len(to) else None)
    return "".join(table.get(c, c) or "" for c in xpath_string(s))


@register("substring", 2, 3)
def _substring(_: Any, s: Any, start: Any, length: Any = None) -> str:
    """XPath 1.0: 1-based, rounded positions; NaN and infinities as the spec's examples."""
    text = xpath_string(s)
    first = _xpath_round(xpath_number(start))
    last = math.inf if length is None else first + _xpath_round(xpath_number(length))
    if math.isnan(first) or math.isnan(last):
        return ""
    return "".join(c for p, c in enumerate(text, start=1) if first <= p < last)


def _xpath_round(value: float) -> float:
    if math.isnan(value) or math.isinf(value):
        return value
    return float(math.floor(value + 0.5))


@register("sum", 1, 1, "number")
def _sum(_: Any, nodes: Any) -> float:
    return math.fsum(xpath_number([n]) for n in node_set(nodes, "sum"))


# --- ODK: choices, text, logic ------------------------------------------------------------------


@register("selected", 2, 2, "boolean")
def _selected(_: Any, answer: Any, value: Any) -> bool:
    """JavaRosa: " a b " contains " b "; so selected('', '') is true."""
    return f" {xpath_string(value).strip()} " in f" {xpath_string(answer)} "


@register("count-selected", 1, 1, "number")
def _count_selected(_: Any, answer: Any) -> float:
    return float(len([part for part in xpath_string(answer).split(" ") if part]))


@register("selected-at", 2, 2)
def _selected_at(_: Any, answer: Any, index: Any) -> str:
    parts = [part for part in xpath_string(answer).split(" ") if part]
    i = xpath_number(index)
    return parts[int(i)] if not math.isnan(i) and 0 <= i < len(parts) else ""


@register("jr:choice-name", 2, 2)
def _choice_name(_: Any, value: Any, path: Any) -> str:
    question = xpath_string(path).strip().rstrip("/").split("/")[-1].strip()
    return environment().choice_labels.get(question, {}).get(xpath_string(value), "")


@register("if", 3, 3)
def _if(_: Any, condition: Any, then: Any, otherwise: Any) -> Any:
    return then if xpath_boolean(condition) else otherwise


@register("coalesce", 2, 2)
def _coalesce(_: Any, first: Any, second: Any) -> Any:
    """The first argument unless it is empty (or NaN), as JavaRosa; else the second."""
    empty = (isinstance(first, float) and math.isnan(first)) or (
        not isinstance(first, bool | float) and xpath_string(first) == ""
    )
    return second if empty else first


@register("once", 1, 1)
def _once(context: Any, value: Any) -> Any:
    """The question's own value once it has one; the server recomputes, so mostly `value`."""
    own = node_string(context.context_node) if not isinstance(context.context_node, str) else ""
    return own if own != "" else value


@register("regex", 2, 2, "boolean")
def _regex(_: Any, text: Any, pattern: Any) -> bool:
    return compile_pattern(xpath_string(pattern)).search(xpath_string(text)) is not None


@register("boolean-from-string", 1, 1, "boolean")
def _boolean_from_string(_: Any, value: Any) -> bool:
    return xpath_string(value).strip().lower() in ("true", "1")


@register("substr", 2, 3)
def _substr(_: Any, text: Any, start: Any, end: Any = None) -> str:
    """JavaRosa substr: 0-based start, exclusive end; negative positions count from the end."""
    s = xpath_string(text)
    first = _index(xpath_number(start), len(s))
    last = len(s) if end is None else _index(xpath_number(end), len(s))
    return s[first:last] if first <= last else ""


def _index(position: float, length: int) -> int:
    if math.isnan(position):
        return 0
    i = int(max(min(position, 2**31), -(2**31)))
    if i < 0:
        i += length
    return min(max(i, 0), length)


@register("join", 1, None)
def _join(_: Any, separator: Any, *args: Any) -> str:
    return xpath_string(separator).join(xpath_string(a) for a in items(args))


@register("count-non-empty", 1, 1, "number")
def _count_non_empty(_: Any, nodes: Any) -> float:
    """Nodes with text or child elements (JavaRosa); helpseek's own answers have no children."""
    return float(sum(1 for n in node_set(nodes, "count-non-empty") if _non_empty(n)))


def _non_empty(node: Any) -> bool:
    return node_string(node) != "" or (not isinstance(node, str) and len(node) > 0)


@register("checklist", 2, None, "boolean")
def _checklist(_: Any, low: Any, high: Any, *factors: Any) -> bool:
    true = sum(1 for f in items(factors) if _factor(f))
    minimum, maximum = xpath_number(low), xpath_number(high)
    return (minimum < 0 or true >= minimum) and (maximum < 0 or true <= maximum)


def _factor(value: Any) -> bool:
    return xpath_string(value).strip() != "" if isinstance(value, list) else xpath_boolean(value)


@register("weighted-checklist", 2, None, "boolean")
def _weighted_checklist(_: Any, low: Any, high: Any, *pairs: Any) -> bool:
    if len(pairs) == 2 and all(isinstance(p, list) for p in pairs):
        if len(pairs[0]) != len(pairs[1]):
            raise ExpressionError("weighted-checklist", "eval", "the two lists differ in length")
        pairs = tuple(
            x for pair in zip(pairs[0], pairs[1], strict=True) for x in ([pair[0]], [pair[1]])
        )
    if len(pairs) % 2:
        raise ExpressionError("weighted-checklist", "eval", "values and weights must pair up")
    total = math.fsum(
        xpath_number(pairs[i + 1]) for i in range(0, len(pairs), 2) if _factor(pairs[i])
    )
    return xpath_number(low) <= total <= xpath_number(high)


_DIGESTS = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384",
            "SHA-512": "sha512"}  # fmt: skip


@register("digest", 2, 3)
def _digest(_: Any, message: Any, algorithm: Any, encoding: Any = "base64") -> str:
    name = _DIGESTS.get(xpath_string(algorithm).strip().upper())
    if name is None:
        raise ExpressionError("digest", "eval", f"unknown digest {xpath_string(algorithm)!r}")
    raw = hashlib.new(name, xpath_string(message).encode("utf-8")).digest()
    how = xpath_string(encoding).strip().lower()
    if how == "hex":
        return raw.hex()
    if how == "base64":
        return base64.b64encode(raw).decode("ascii")
    raise ExpressionError("digest", "eval", f"unknown encoding {how!r} (use base64 or hex)")


@register("base64-decode", 1, 1)
def _base64_decode(_: Any, text: Any) -> str:
    try:
        decoded = base64.b64decode(xpath_string(text), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return ""
    return "".join(c for c in decoded if unicodedata.category(c) != "Cs")


# --- ODK: dates (text in, text out; see dates.py) -------------------------------------------------


def _moment(value: Any) -> datetime | None:
    """A date or dateTime argument as a moment in the evaluation's zone; None when empty or
    not a date (JavaRosa refuses those with an error, Enketo gives "Invalid Date")."""
    zone = environment().timezone
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        return from_days(value, zone)
    parsed = parse_moment(xpath_string(value), zone)
    return None if parsed is None else parsed[1].astimezone(zone)


@register("today", 0, 0)
def _today(_: Any) -> str:
    day = environment().today
    if day is None:
        raise ExpressionError("today()", "eval", "the evaluation was given no date")
    return date_text(midnight(day, environment().timezone))


# now() is today(): times are coarsened to the day (DESIGN.md threat model).
register("now", 0, 0)(_today)


@register("date", 1, 1)
def _date(_: Any, value: Any) -> str:
    moment = _moment(value)
    return "" if moment is None else date_text(moment)


@register("date-time", 1, 1)
def _date_time(_: Any, value: Any) -> str:
    moment = _moment(value)
    return "" if moment is None else datetime_text(moment)


@register("decimal-date-time", 1, 1, "number")
def _decimal_date_time(_: Any, value: Any) -> float:
    if isinstance(value, float):
        return value
    moment = _moment(value)
    return math.nan if moment is None else to_days(moment)


@register("decimal-time", 1, 1, "number")
def _decimal_time(_: Any, value: Any) -> float:
    if isinstance(value, float):
        return value - math.floor(value) if not math.isinf(value) else math.nan
    return decimal_time(xpath_string(value), environment().timezone)


@register("format-date", 2, 2)
def _format_date(_: Any, value: Any, pattern: Any) -> str:
    moment = _moment(value)
    return "" if moment is None else format_moment(moment, xpath_string(pattern))


register("format-date-time", 2, 2)(_format_date)
