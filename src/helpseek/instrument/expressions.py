"""XLSForm expressions: XPath 1.0 with `${name}` references and ODK functions, evaluated by lxml.

Expressions come from form authors and answers from respondents, so `compile_expression` bounds
length and nesting, refuses constructs we do not need (`//`, axes, predicates, variables) and
allow-lists function names; `regex()` runs on google-re2 (linear time). Never uses `eval`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import re2
from lxml import etree

from .functions import (
    Environment,
    ExpressionError,
    Value,
    compile_pattern,
    odk_functions,
    to_boolean,
    to_string,
    xpath_string,
)
from .model import Answer

__all__ = [  # the values and errors live in functions.py; callers import them from here
    "Environment",
    "ExpressionError",
    "Value",
    "compile_pattern",
    "to_boolean",
    "to_string",
]


# Bounds for author-supplied expressions: libxml2 itself copes with ~400 nested parentheses and
# ~2,000-term chains (shared/notes/libraries.md §2); real forms stay far below these.
MAX_EXPRESSION_CHARS = 4000
MAX_EXPRESSION_DEPTH = 40

JR_NAMESPACE = "http://openrosa.org/javarosa"
_ITEM_TAG = "{urn:helpseek:choice}item"  # choice_filter context; cannot collide with a question

_REF = re.compile(r"\$\{\s*([^}\s]*)\s*\}")
_STRING_LITERAL = re.compile(r"'[^']*'|\"[^\"]*\"")
_FUNCTION_CALL = re.compile(r"(?<![\w.:])([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)\s*\(")
_OPERATORS = frozenset({"and", "or", "div", "mod"})
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
# Characters XML 1.0 cannot hold; respondents' text loses them in the instance (never a crash).
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# XPath 1.0 core functions that are safe and useful in conditions and calculations.
_XPATH_FUNCTIONS = frozenset(
    {
        "boolean", "ceiling", "concat", "contains", "count", "false", "floor", "normalize-space",
        "not", "number", "starts-with", "string", "string-length", "substring",
        "substring-after", "substring-before", "sum", "translate", "true",
    }
)  # fmt: skip
# ODK functions we implement (see _odk_functions); `round` is renamed because libxml2's built-in
# one-argument round() would shadow ODK's round(x, digits).
_ODK_FUNCTIONS = frozenset(
    {
        "selected", "count-selected", "selected-at", "jr:choice-name", "if", "coalesce", "regex",
        "ends-with", "substr", "int", "round", "today", "now", "boolean-from-string", "once",
        "min", "max", "abs", "pow",
    }
)  # fmt: skip
ALLOWED_FUNCTIONS: frozenset[str] = _XPATH_FUNCTIONS | _ODK_FUNCTIONS
_RENAMED = {"round": "odk-round"}


@dataclass(frozen=True)
class CompiledExpression:
    """A checked expression: the original text, its XPath translation and the names it reads."""

    source: str
    xpath: str
    references: tuple[str, ...]
    functions: tuple[str, ...]


def references(expression: str) -> tuple[str, ...]:
    """Names referenced as `${name}`, in order of first use.

    >>> references("${a} > 3 and selected(${b}, 'x') or ${a} = 1")
    ('a', 'b')
    """
    return tuple(dict.fromkeys(m.group(1) for m in _REF.finditer(expression)))


def _outside_literals(expression: str) -> str:
    """The expression with string literal contents blanked (so '(' or '//' inside text is ignored)."""
    return _STRING_LITERAL.sub(lambda m: "'" + " " * (len(m.group(0)) - 2) + "'", expression)


@lru_cache(maxsize=4096)
def compile_expression(expression: str) -> CompiledExpression:
    """Check an expression's size, constructs and functions, and translate it to XPath.

    >>> compile_expression("${age} >= 18").xpath
    ' /data/age  >= 18'

    Raises ExpressionError with a `kind` for every refusal; a valid result compiles in lxml.
    """
    if not isinstance(expression, str) or not expression.strip():
        raise ExpressionError(str(expression), "syntax", "the expression is empty")
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise ExpressionError(
            expression, "length", f"the expression is longer than {MAX_EXPRESSION_CHARS} characters"
        )
    bare = _outside_literals(expression)
    if bare.count("'") % 2 or bare.count('"') % 2:
        raise ExpressionError(expression, "syntax", "a quoted text is not closed")
    _check_depth(expression, bare)
    refs = references(expression)
    for name in refs:
        if not _NAME.match(name):
            raise ExpressionError(
                expression, "name", f'"${{{name}}}" is not a valid question name', name
            )
    _check_constructs(expression, _REF.sub(" x ", bare))
    calls = (m.group(1) for m in _FUNCTION_CALL.finditer(bare))
    functions = tuple(dict.fromkeys(c for c in calls if c not in _OPERATORS))
    for name in functions:
        if name not in ALLOWED_FUNCTIONS:
            raise ExpressionError(
                expression, "function", f'the function "{name}()" is not supported', name
            )
    xpath = _REF.sub(lambda m: f" /data/{m.group(1)} ", expression)
    xpath = _rename_functions(xpath)
    try:
        _xpath(xpath)
    except (etree.XPathSyntaxError, ValueError) as error:
        raise ExpressionError(expression, "syntax", f"the expression is not valid XPath ({error})")
    return CompiledExpression(expression, xpath, refs, functions)


def _check_depth(expression: str, bare: str) -> None:
    depth = deepest = 0
    for char in bare:
        if char in "([":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]":
            depth -= 1
            if depth < 0:
                raise ExpressionError(expression, "syntax", "a closing bracket has no opening one")
    if depth:
        raise ExpressionError(expression, "syntax", "a bracket is opened but never closed")
    if deepest > MAX_EXPRESSION_DEPTH:
        raise ExpressionError(
            expression, "depth", f"brackets are nested more than {MAX_EXPRESSION_DEPTH} deep"
        )


def _check_constructs(expression: str, bare: str) -> None:
    refusals = (
        ("//", 'the descendant step "//" is not supported; refer to questions as ${name}'),
        ("::", "XPath axes are not supported; refer to questions as ${name}"),
        ("[", "predicates [...] are not supported (repeats and secondary instances are not)"),
        ("$", "variables are not supported; refer to questions as ${name}"),
        ("@", "attributes are not supported; refer to questions as ${name}"),
        ("{", 'a "{" outside ${name} is not valid'),
    )
    for token, reason in refusals:
        if token in bare:
            raise ExpressionError(expression, "construct", reason)


def _rename_functions(xpath: str) -> str:
    bare = _outside_literals(xpath)
    out, last = [], 0
    for match in _FUNCTION_CALL.finditer(bare):
        if match.group(1) in _RENAMED:
            out.append(xpath[last : match.start(1)] + _RENAMED[match.group(1)])
            last = match.end(1)
    return "".join(out) + xpath[last:]


def _xpath(xpath: str, env: Environment | None = None) -> etree.XPath:
    functions = odk_functions(env or Environment())
    extensions: dict[tuple[str | None, str], Callable[..., Any]] = {
        (None, name): fn for name, fn in functions.items() if name != "choice-name"
    }
    extensions[(JR_NAMESPACE, "choice-name")] = functions["choice-name"]
    return etree.XPath(
        xpath,
        namespaces={"jr": JR_NAMESPACE},
        extensions=extensions,
        regexp=False,
        smart_strings=False,
    )


# --- instance ------------------------------------------------------------------------------------


def answer_text(answer: Answer | None) -> str:
    """An answer as ODK stores it in the instance: select_multiple space-separated, numbers as text.

    >>> answer_text(["a", "b"]), answer_text(3), answer_text(2.5), answer_text(None)
    ('a b', '3', '2.5', '')
    """
    if answer is None:
        return ""
    if isinstance(answer, list):
        return _XML_UNSAFE.sub("", " ".join(answer))
    if isinstance(answer, float) and answer.is_integer():
        return str(int(answer))
    return _XML_UNSAFE.sub("", str(answer))


def build_instance(names: list[str] | tuple[str, ...], answers: Mapping[str, Answer]) -> Any:
    """`<data>` with one child per name (empty when unanswered), as the XPath engine needs."""
    root = etree.Element("data")
    for name in dict.fromkeys(names):
        if not _NAME.match(name):
            raise ExpressionError(name, "name", f'"{name}" is not a valid question name')
        etree.SubElement(root, name).text = answer_text(answers.get(name))
    return root


def evaluate(
    expression: str,
    answers: Mapping[str, Answer],
    *,
    current: str | None = None,
    today: date | None = None,
    choice_labels: Mapping[str, Mapping[str, str]] | None = None,
) -> Value:
    """Evaluate one expression against answers keyed by question name (XPath 1.0 rules).

    `current` names the question that `.` refers to (constraints). Unanswered names are empty.

    >>> evaluate("${age} >= 18", {"age": 20}), evaluate("${age} >= 18", {})
    (True, False)
    >>> evaluate("count-selected(${kinds})", {"kinds": ["a", "b"]})
    2.0
    """
    compiled = compile_expression(expression)
    names = [n for n in answers if _NAME.match(n)] + list(compiled.references)
    if current:
        names.append(current)
    root = build_instance(names, answers)
    context = root.find(current) if current else root
    env = Environment(today=today, choice_labels=choice_labels or {})
    return evaluate_compiled(compiled, context, env)


def evaluate_compiled(compiled: CompiledExpression, context: Any, env: Environment) -> Value:
    """Evaluate a compiled expression with `context` as the `.` node of a built instance."""
    token = _CURRENT_ENVIRONMENT.set(env)
    try:
        result = _reusable_xpath(compiled.xpath)(context)
    except ExpressionError:
        raise
    except (etree.XPathError, ValueError, TypeError, ArithmeticError, re2.error) as error:
        raise ExpressionError(
            compiled.source, "eval", f"the expression could not be evaluated ({error})"
        )
    finally:
        _CURRENT_ENVIRONMENT.reset(token)
    return _to_value(result)


# Building an lxml XPath object costs ~50x more than running it, and the server evaluates the
# same few hundred expressions on every page. So each thread keeps its compiled objects (lxml's
# XPath objects are not shared across threads), and the ODK functions read the evaluation's
# Environment (date, choice labels) from a context variable instead of closing over it.
_CURRENT_ENVIRONMENT: ContextVar[Environment] = ContextVar("odk_environment")
_MAX_CACHED_XPATHS = 4096
_per_thread = threading.local()


class _EnvironmentInProgress:
    """Stands in for the Environment of the evaluation running in this context."""

    @property
    def today(self) -> date | None:
        return _CURRENT_ENVIRONMENT.get().today

    @property
    def choice_labels(self) -> Mapping[str, Mapping[str, str]]:
        return _CURRENT_ENVIRONMENT.get().choice_labels


def _reusable_xpath(xpath: str) -> etree.XPath:
    cache: dict[str, etree.XPath] = _per_thread.__dict__.setdefault("xpaths", {})
    found = cache.get(xpath)
    if found is None:
        if len(cache) >= _MAX_CACHED_XPATHS:
            cache.clear()
        found = cache[xpath] = _xpath(xpath, _EnvironmentInProgress())  # type: ignore[arg-type]
    return found


def choice_context(root: Any, name: str, label: str, extra: Mapping[str, str]) -> Any:
    """An `<item>` element (name, label, extra columns) inside `root`, as choice_filter's context."""
    item = etree.SubElement(root, _ITEM_TAG)
    for key, text in {"name": name, "label": label, **extra}.items():
        if _NAME.match(key):
            etree.SubElement(item, key).text = _XML_UNSAFE.sub("", text)
    return item


def remove_choice_context(item: Any) -> None:
    item.getparent().remove(item)


def _to_value(result: Any) -> Value:
    if isinstance(result, bool | float | str):
        return result
    if isinstance(result, list):
        return xpath_string(result)
    return str(result)
