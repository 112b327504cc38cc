"""XLSForm expressions: checked, translated to XPath 1.0, and evaluated by lxml.

Expressions come from form authors and answers from respondents, so `compile_expression` bounds
length and nesting, parses the text (syntax.py), refuses what helpseek does not evaluate and
checks every function's name and argument count. The XPath it writes calls our own function
library (library.py) and converts operands of arithmetic and comparisons with ODK's number()
(dates count as days), so `today() + 1` works as in ODK. Never uses `eval`; `regex()` is RE2.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import re2
from lxml import etree

from . import arithmetic, library  # noqa: F401 - they register the functions
from .functions import (
    EXCLUDED_FUNCTIONS,
    FUNCTIONS,
    Environment,
    ExpressionError,
    Value,
    compile_pattern,
    enter,
    leave,
    to_boolean,
    to_string,
    xpath_string,
)
from .model import Answer
from .syntax import Call, Chain, Literal, Negate, Node, Number, Path, Ref, parse, walk

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

_FUNCTION_NS = "urn:helpseek:functions"
_ITEM_TAG = "{urn:helpseek:choice}item"  # choice_filter context; cannot collide with a question
_STRING_LITERAL = re.compile(r"'[^']*'|\"[^\"]*\"")
_REF = re.compile(r"\$\{\s*([^}\s]*)\s*\}")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
# Characters XML 1.0 cannot hold; respondents' text loses them in the instance (never a crash).
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

#: Every function an expression may call (docs/errors.md lists them).
ALLOWED_FUNCTIONS: frozenset[str] = frozenset(FUNCTIONS)
_ARITHMETIC = frozenset({"+", "-", "*", "div", "mod"})
_RELATIONAL = frozenset({"<", "<=", ">", ">="})


@dataclass(frozen=True)
class CompiledExpression:
    """A checked expression: the original text, its XPath translation and the names it reads.

    `is_context_free` when its value depends on nothing but the answers it names as `${name}` and
    the evaluation's Environment, whichever node it is evaluated on (see `_reads_context`).
    """

    source: str
    xpath: str
    references: tuple[str, ...]
    functions: tuple[str, ...]
    is_context_free: bool = False


def references(expression: str) -> tuple[str, ...]:
    """Names referenced as `${name}`, in order of first use.

    >>> references("${a} > 3 and selected(${b}, 'x') or ${a} = 1")
    ('a', 'b')
    """
    return tuple(dict.fromkeys(m.group(1) for m in _REF.finditer(expression)))


def _blank_literals(expression: str) -> str:
    """The expression with string literal contents blanked (so '(' or '${' inside text is ignored)."""
    return _STRING_LITERAL.sub(lambda m: "'" + " " * (len(m.group(0)) - 2) + "'", expression)


@lru_cache(maxsize=4096)
def compile_expression(expression: str) -> CompiledExpression:
    """Check an expression's size, constructs and functions, and translate it to XPath.

    >>> compile_expression("${age} >= 18").xpath
    '(f:number(/data/age) >= 18)'

    Raises ExpressionError with a `kind` for every refusal; a valid result compiles in lxml.
    """
    if not isinstance(expression, str) or not expression.strip():
        raise ExpressionError(str(expression), "syntax", "the expression is empty")
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise ExpressionError(
            expression, "length", f"the expression is longer than {MAX_EXPRESSION_CHARS} characters"
        )
    bare = _blank_literals(expression)
    if bare.count("'") % 2 or bare.count('"') % 2:
        raise ExpressionError(expression, "syntax", "a quoted text is not closed")
    _check_depth(expression, bare)
    tree = parse(expression)
    nodes = walk(tree)
    functions = tuple(dict.fromkeys(n.name for n in nodes if isinstance(n, Call)))
    for node in nodes:
        if isinstance(node, Call):
            _check_call(expression, node)
    refs = references(expression)  # also those inside quotes, which pyxform replaces too
    xpath = _emit(tree)
    try:
        _xpath(xpath)
    except (etree.XPathSyntaxError, ValueError) as error:
        raise ExpressionError(expression, "syntax", f"the expression is not valid XPath ({error})")
    is_context_free = not any(_reads_context(n) for n in nodes)
    return CompiledExpression(expression, xpath, refs, functions, is_context_free)


#: Functions that read no node when called without arguments (string(), number() and the like
#: read the context node then).
_CONSTANT_CALLS = frozenset({"today", "now", "true", "false", "pi"})


def _reads_context(node: Node) -> bool:
    """Whether this node of an expression can read more than the `${name}` answers: a location
    path (`.`, `..`, `/data/x`), once() (the question's own node), or a call of a function
    without arguments that then reads the context node."""
    if isinstance(node, Path):
        return True
    if isinstance(node, Call):
        return node.name == "once" or (not node.args and node.name not in _CONSTANT_CALLS)
    return False


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


def _check_call(expression: str, call: Call) -> None:
    function = FUNCTIONS.get(call.name)
    if function is None:
        if call.name in EXCLUDED_FUNCTIONS:
            raise ExpressionError(expression, "excluded", EXCLUDED_FUNCTIONS[call.name], call.name)
        raise ExpressionError(
            expression, "function", f'the function "{call.name}()" is not supported', call.name
        )
    given = len(call.args)
    low, high = function.min_args, function.max_args
    if given < low or (high is not None and given > high):
        wanted = (
            f"{low}" if low == high else f"at least {low}" if high is None else f"{low} to {high}"
        )
        noun = "argument" if wanted == "1" else "arguments"
        reason = f"{wanted} {noun}, but it was given {given}"
        raise ExpressionError(expression, "arity", reason, call.name)


# --- translation to lxml's XPath -----------------------------------------------------------------


def _kind(node: Node) -> str:
    """What a node evaluates to, when known before running: "number", "boolean" or "any"."""
    if isinstance(node, Number | Negate):
        return "number"
    if isinstance(node, Chain):
        return "number" if node.operators[0] in _ARITHMETIC else "boolean"
    if isinstance(node, Call):
        return FUNCTIONS[node.name].returns
    return "any"


def _as_number(node: Node) -> str:
    text = _emit(node)
    return text if _kind(node) == "number" else f"f:number({text})"


def _emit(node: Node) -> str:
    if isinstance(node, Literal):  # pyxform replaces ${name} inside quotes too
        return _REF.sub(lambda m: f" /data/{m.group(1)} ", node.text)
    if isinstance(node, Number):
        return node.text
    if isinstance(node, Ref):
        return f"/data/{node.name}"
    if isinstance(node, Path):
        return ("/" if node.absolute else "") + "/".join(node.steps) if node.steps else "/"
    if isinstance(node, Call):
        return f"{_function_name(node.name)}({', '.join(_emit(a) for a in node.args)})"
    if isinstance(node, Negate):
        return f"(-{_as_number(node.operand)})"
    return _emit_chain(node)


def _emit_chain(chain: Chain) -> str:
    first = chain.operators[0]
    pairs = list(zip(chain.operators, chain.operands[1:], strict=True))
    if first in ("and", "or"):
        return "(" + f" {first} ".join(_emit(o) for o in chain.operands) + ")"
    if first in _ARITHMETIC:
        parts = [_as_number(chain.operands[0])]
        for operator, operand in pairs:
            parts += [operator, _as_number(operand)]
        return "(" + " ".join(parts) + ")"
    if first in _RELATIONAL:  # both sides are numbers in XPath 1.0; ODK's number() reads dates
        text = _as_number(chain.operands[0])
        for operator, operand in pairs:
            text = f"({text} {operator} {_as_number(operand)})"
        return text
    return _wrap_equality(chain)


def _wrap_equality(chain: Chain) -> str:
    """= and != compare as numbers when one side is a number (XPath 1.0), with ODK's number():
    so `today() = 20468` compares days. Booleans and text compare natively."""
    left: Node = chain.operands[0]
    text = _emit(left)
    for operator, right in zip(chain.operators, chain.operands[1:], strict=True):
        kinds = (_kind(left), _kind(right))
        left_text, right_text = text, _emit(right)
        if "boolean" not in kinds and "number" in kinds:
            left_text = left_text if kinds[0] == "number" else f"f:number({left_text})"
            right_text = right_text if kinds[1] == "number" else f"f:number({right_text})"
        text = f"({left_text} {operator} {right_text})"
        left = Chain((operator,), (left, right))
    return text


def _function_name(name: str) -> str:
    return "f:" + name.replace(":", ".")


_EXTENSIONS: dict[tuple[str | None, str], Callable[..., Any]] = {
    (_FUNCTION_NS, name.replace(":", ".")): function.implementation
    for name, function in FUNCTIONS.items()
}


_CALLED = re.compile(r"\bf:([\w.-]+)\(")


def _xpath(xpath: str) -> etree.XPath:
    # Only the functions this XPath calls: lxml registers every extension on each evaluation,
    # and all 63 cost ~13 µs a time (benchmarks/expressions_bench.py).
    called = set(_CALLED.findall(_blank_literals(xpath)))
    return etree.XPath(
        xpath,
        namespaces={"f": _FUNCTION_NS},
        extensions={key: fn for key, fn in _EXTENSIONS.items() if key[1] in called},
        regexp=False,
        smart_strings=False,
    )


# --- instance ------------------------------------------------------------------------------------


def answer_text(answer: Answer | None) -> str:
    """An answer as ODK stores it in the instance: select_multiple space-separated, numbers as
    XPath writes them (never an exponent, so number() reads them back).

    >>> answer_text(["a", "b"]), answer_text(3), answer_text(2.5), answer_text(1e-07), answer_text(None)
    ('a b', '3', '2.5', '0.0000001', '')
    """
    if answer is None:
        return ""
    if isinstance(answer, list):
        return _XML_UNSAFE.sub("", " ".join(answer))
    if isinstance(answer, float):
        return to_string(answer)
    return _XML_UNSAFE.sub("", str(answer))


def build_instance(names: list[str] | tuple[str, ...], answers: Mapping[str, Answer]) -> Any:
    """`<data>` with one child per name (empty when unanswered), as the XPath engine needs.

    For the form's own names (the same every time): a copy of an empty instance made once per
    thread costs a fifth of building one element by element, and the server builds one for every
    state it computes. Per thread, as the XPath objects below: no lxml tree is read by two
    threads at once.
    """
    return instance_and_texts(names, answers)[0]


def instance_and_texts(
    names: list[str] | tuple[str, ...], answers: Mapping[str, Answer]
) -> tuple[Any, dict[str, str]]:
    """build_instance's `<data>`, and the text it gave each name's node (`answer_text`), for a
    caller that reads them again: a node's text read through lxml costs more than a dict's."""
    key = tuple(names)
    templates: dict[tuple[str, ...], Any] = _per_thread.__dict__.setdefault("instances", {})
    found = templates.get(key)
    if found is None:
        if len(templates) >= _MAX_CACHED_INSTANCES:
            templates.clear()
        unique = tuple(dict.fromkeys(key))
        found = templates[key] = (_new_instance(unique, {}), unique)
    template, unique = found
    root = template.__copy__()  # lxml's copy is deep; copy.deepcopy only adds its dispatch
    texts = dict.fromkeys(unique, "")
    for name, node in zip(unique, root):
        answer = answers.get(name)
        if answer is not None:  # the template's nodes hold "" already
            node.text = texts[name] = answer_text(answer)
    return root, texts


def _new_instance(names: Iterable[str], answers: Mapping[str, Answer]) -> Any:
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
    `today` is the evaluation's date, for today() and now() (they fail without one).

    >>> evaluate("${age} >= 18", {"age": 20}), evaluate("${age} >= 18", {})
    (True, False)
    >>> evaluate("count-selected(${kinds})", {"kinds": ["a", "b"]})
    2.0
    """
    compiled = compile_expression(expression)
    names = [n for n in answers if _NAME.match(n)] + list(compiled.references)
    if current:
        names.append(current)
    root = _new_instance(names, answers)  # a new shape each call: nothing to reuse
    context = root.find(current) if current else root
    env = Environment(today=today, choice_labels=choice_labels or {})
    return evaluate_compiled(compiled, context, env)


def evaluate_compiled(compiled: CompiledExpression, context: Any, env: Environment) -> Value:
    """Evaluate a compiled expression with `context` as the `.` node of a built instance."""
    token = enter(env)
    try:
        result = _reusable_xpath(compiled.xpath)(context)
    except ExpressionError:
        raise
    except (etree.XPathError, ValueError, TypeError, ArithmeticError, re2.error) as error:
        raise ExpressionError(
            compiled.source, "eval", f"the expression could not be evaluated ({error})"
        )
    finally:
        leave(token)
    return _to_value(result)


# Building an lxml XPath object costs ~50x more than running it, and the server evaluates the
# same few hundred expressions on every page. So each thread keeps its compiled objects (lxml's
# XPath objects are not shared across threads); the functions read the evaluation's Environment
# (date, time zone, choice labels) from a context variable.
_MAX_CACHED_XPATHS = 4096
_MAX_CACHED_INSTANCES = 64  # one per instrument served
_per_thread = threading.local()


def _reusable_xpath(xpath: str) -> etree.XPath:
    cache: dict[str, etree.XPath] = _per_thread.__dict__.setdefault("xpaths", {})
    found = cache.get(xpath)
    if found is None:
        if len(cache) >= _MAX_CACHED_XPATHS:
            cache.clear()
        found = cache[xpath] = _xpath(xpath)
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
