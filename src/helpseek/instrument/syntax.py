"""XLSForm expression text -> a small syntax tree (XPath 1.0 grammar, `${name}` references).

The tree is what `expressions.py` checks and turns into the XPath that lxml runs. Constructs
helpseek does not evaluate (axes, predicates, `//`, variables, unions, node tests, attributes)
are refused here with a reason, so a form author learns it when the form is checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeAlias

from .functions import ExpressionError

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<ref>\$\{\s*(?P<refname>[^}]*?)\s*\})
  | (?P<string>'[^']*'|"[^"]*")
  | (?P<number>\d+(?:\.\d*)?|\.\d+)
  | (?P<op>//|::|!=|<=|>=|\.\.|[/|+\-=<>()\[\],.@*$])
  | (?P<name>[A-Za-z_][\w.\-]*(?::(?:[A-Za-z_][\w.\-]*|\*))?)
    """,
    re.VERBOSE,
)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_OPERATOR_NAMES = frozenset({"and", "or", "div", "mod"})
# After these tokens a `*` or an operator name starts an operand (XPath 1.0 §3.7).
_OPERAND_FOLLOWS = frozenset({"@", "::", "(", "[", ",", "and", "or", "div", "mod", "*", "/",
                              "//", "|", "+", "-", "=", "!=", "<", "<=", ">", ">="})  # fmt: skip
_NODE_TYPES = frozenset({"comment", "text", "processing-instruction", "node"})


@dataclass(frozen=True)
class Token:
    kind: str  # "string", "number", "op", "name", "operator", "ref"
    text: str
    position: int


@dataclass(frozen=True)
class Literal:
    """A quoted text, kept with its quotes (XPath has no escapes)."""

    text: str

    @property
    def value(self) -> str:
        return self.text[1:-1]


@dataclass(frozen=True)
class Number:
    """A number as written (1, 2.5, .5): XPath 1.0 numbers have no exponent."""

    text: str


@dataclass(frozen=True)
class Ref:
    """`${name}`: the answer to the question `name`."""

    name: str


@dataclass(frozen=True)
class Path:
    """A location path of plain steps: names, `.` and `..` (e.g. `/data/age`, `.`, `../x`)."""

    absolute: bool
    steps: tuple[str, ...]


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Chain:
    """Operands joined by operators of one precedence level, left to right: a + b - c."""

    operators: tuple[str, ...]
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Negate:
    operand: Node


Node: TypeAlias = Literal | Number | Ref | Path | Call | Chain | Negate

# Precedence levels, loosest first (XPath 1.0 §3.4-3.5).
LEVELS: tuple[frozenset[str], ...] = (
    frozenset({"or"}),
    frozenset({"and"}),
    frozenset({"=", "!="}),
    frozenset({"<", "<=", ">", ">="}),
    frozenset({"+", "-"}),
    frozenset({"*", "div", "mod"}),
)


def tokenize(expression: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(expression):
        match = _TOKEN.match(expression, position)
        if not match:
            raise ExpressionError(
                expression, "syntax", f'"{expression[position]}" is not valid here'
            )
        kind = "ref" if match.group("ref") else match.lastgroup or ""
        text = match.group(0)
        position = match.end()
        if kind == "space":
            continue
        if kind == "ref":
            text = match.group("refname")
        elif kind == "name" or text == "*":
            previous = tokens[-1] if tokens else None
            starts_operand = previous is None or (
                previous.kind in ("op", "operator") and previous.text in _OPERAND_FOLLOWS
            )
            if not starts_operand and (text in _OPERATOR_NAMES or text == "*"):
                kind = "operator"
        tokens.append(Token(kind, text, match.start()))
    return tokens


class _Parser:
    def __init__(self, expression: str):
        self.expression = expression
        self.tokens = tokenize(expression)
        self.index = 0

    # --- helpers -------------------------------------------------------------------------------
    def peek(self, offset: int = 0) -> Token | None:
        i = self.index + offset
        return self.tokens[i] if i < len(self.tokens) else None

    def at(self, *texts: str) -> bool:
        token = self.peek()
        return token is not None and token.kind in ("op", "operator") and token.text in texts

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise self.error("the expression ends too early")
        self.index += 1
        return token

    def expect(self, text: str) -> None:
        token = self.peek()
        if token is None or token.text != text or token.kind not in ("op", "operator"):
            found = f'"{token.text}"' if token else "the end"
            raise self.error(f'"{text}" was expected, not {found}')
        self.index += 1

    def error(self, reason: str) -> ExpressionError:
        return ExpressionError(self.expression, "syntax", reason)

    def refuse(self, reason: str) -> ExpressionError:
        return ExpressionError(self.expression, "construct", reason)

    # --- grammar -------------------------------------------------------------------------------
    def parse(self) -> Node:
        if not self.tokens:
            raise self.error("the expression is empty")
        node = self.expr()
        token = self.peek()
        if token is not None:
            raise self.error(f'"{token.text}" is not expected here')
        return node

    def expr(self, level: int = 0) -> Node:
        if level == len(LEVELS):
            return self.unary()
        operands = [self.expr(level + 1)]
        operators: list[str] = []
        while self.peek() is not None and self.peek().kind in ("op", "operator"):  # type: ignore[union-attr]
            text = self.peek().text  # type: ignore[union-attr]
            if text not in LEVELS[level]:
                break
            if text in ("*", "div", "mod", "and", "or") and self.peek().kind != "operator":  # type: ignore[union-attr]
                break
            self.index += 1
            operators.append(text)
            operands.append(self.expr(level + 1))
        if not operators:
            return operands[0]
        return Chain(tuple(operators), tuple(operands))

    def unary(self) -> Node:
        negations = 0
        while self.at("-"):
            self.index += 1
            negations += 1
        node = self.union()
        for _ in range(negations):
            node = Negate(node)
        return node

    def union(self) -> Node:
        node = self.path()
        if self.at("|"):
            raise self.refuse(
                'the union "|" of node-sets is not supported; refer to questions as ${name}'
            )
        return node

    def path(self) -> Node:
        token = self.peek()
        if token is None:
            raise self.error("the expression ends too early")
        if token.kind == "op" and token.text in ("/", "//", ".", "..", "@", "*"):
            return self.location_path()
        if token.kind == "name" and not self._is_call():
            return self.location_path()
        node = self.primary()
        if self.at("["):
            raise self.refuse(_PREDICATES)
        if self.at("/", "//"):
            raise self.refuse("a path after a function call or bracket is not supported")
        return node

    def _is_call(self) -> bool:
        token, after = self.peek(), self.peek(1)
        return (
            token is not None
            and after is not None
            and after.kind == "op"
            and after.text == "("
            and token.text not in _NODE_TYPES
        )

    def primary(self) -> Node:
        token = self.take()
        if token.kind == "string":
            return Literal(token.text)
        if token.kind == "number":
            return Number(token.text)
        if token.kind == "ref":
            if token.text.startswith("last-saved#"):
                raise ExpressionError(
                    self.expression, "excluded_reference", LAST_SAVED_REASON, token.text
                )
            if not _NAME.match(token.text):
                raise ExpressionError(
                    self.expression,
                    "name",
                    f'"${{{token.text}}}" is not a valid question name',
                    token.text,
                )
            return Ref(token.text)
        if token.kind == "op" and token.text == "(":
            node = self.expr()
            self.expect(")")
            return node
        if token.kind == "op" and token.text == "$":
            raise self.refuse("variables are not supported; refer to questions as ${name}")
        if token.kind == "name":
            return self.call(token.text)
        raise self.error(f'"{token.text}" is not expected here')

    def call(self, name: str) -> Node:
        self.expect("(")
        args: list[Node] = []
        if not self.at(")"):
            args.append(self.expr())
            while self.at(","):
                self.index += 1
                args.append(self.expr())
        self.expect(")")
        return Call(name, tuple(args))

    def location_path(self) -> Node:
        absolute = False
        if self.at("//"):
            raise self.refuse(_DESCENDANTS)
        if self.at("/"):
            self.index += 1
            absolute = True
            if not self._step_follows():
                return Path(True, ())
        steps = [self.step()]
        while self.at("/", "//"):
            if self.take().text == "//":
                raise self.refuse(_DESCENDANTS)
            steps.append(self.step())
        return Path(absolute, tuple(steps))

    def _step_follows(self) -> bool:
        token = self.peek()
        return token is not None and (
            token.kind == "name" or (token.kind == "op" and token.text in (".", "..", "@", "*"))
        )

    def step(self) -> str:
        token = self.take()
        if token.kind == "op" and token.text in (".", ".."):
            if self.at("["):
                raise self.refuse(_PREDICATES)
            return token.text
        if token.kind == "op" and token.text == "@":
            raise self.refuse("attributes are not supported; refer to questions as ${name}")
        if token.kind == "op" and token.text == "*":
            raise self.refuse('the wildcard "*" is not supported; refer to questions as ${name}')
        if token.kind != "name":
            raise self.error(f'"{token.text}" is not expected here')
        if self.at("::"):
            raise self.refuse("XPath axes are not supported; refer to questions as ${name}")
        if token.text in _NODE_TYPES and self.at("("):
            raise self.refuse(f'the node test "{token.text}()" is not supported')
        if ":" in token.text:
            raise self.refuse(
                f'the namespaced name "{token.text}" is not supported; refer to questions as '
                "${name}"
            )
        if self.at("["):
            raise self.refuse(_PREDICATES)
        return token.text


LAST_SAVED_REASON = (
    "the last-saved value comes from the previous response on the same device, and helpseek "
    "keeps responses apart so that none can be linked to another"
)
_DESCENDANTS = 'the descendant step "//" is not supported; refer to questions as ${name}'
_PREDICATES = (
    "predicates [...] are not supported (helpseek has no repeats or secondary instances; "
    "refer to questions as ${name})"
)


def parse(expression: str) -> Node:
    """The syntax tree of one expression; ExpressionError (kind syntax/construct/name) if refused.

    >>> parse("${age} >= 18")
    Chain(operators=('>=',), operands=(Ref(name='age'), Number(text='18')))
    """
    return _Parser(expression).parse()


def walk(node: Node) -> list[Node]:
    """Every node of the tree, parents before children (iteratively: chains can be long)."""
    found: list[Node] = []
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        found.append(current)
        if isinstance(current, Call):
            stack.extend(reversed(current.args))
        elif isinstance(current, Chain):
            stack.extend(reversed(current.operands))
        elif isinstance(current, Negate):
            stack.append(current.operand)
    return found
