"""Row filters for an analysis spec (`include`, comparison groups): a small, safe expression language.

Parsed with Python's `ast` and a whitelist, then applied column-wise to a DataFrame; never `eval`.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpseek.analysis.coding import as_text

Mask = Callable[[pd.DataFrame], "pd.Series[bool]"]

_COMPARE = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
}


class FilterError(ValueError):
    """A filter expression is outside the supported language; the message says which part."""


@dataclass(frozen=True)
class RowFilter:
    """A compiled filter: `columns` it reads, and `mask(frame)` -> one bool per row.

    Grammar (a subset of Python / pandas `query`):
      comparison := column OP literal  with OP in == != < <= > >=   (e.g. uses == 'yes', age >= 18)
                  | column in [literal, ...] | column not in [...]
      expression := comparison | expression and/or expression | not expression | ( expression )
    A missing answer (NA) never satisfies a comparison, whichever the operator: rows whose answer is
    unknown are not silently counted as "not yes".

    >>> f = compile_filter("uses == 'yes' and not (age < 18)")
    >>> sorted(f.columns)
    ['age', 'uses']
    >>> f.mask(pd.DataFrame({"uses": ["yes", "no", "yes"], "age": [30, 40, 12]})).tolist()
    [True, False, False]
    """

    expression: str
    columns: frozenset[str]
    mask: Mask


def compile_filter(expression: str) -> RowFilter:
    """Parse `expression`; raise FilterError naming the unsupported part."""
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as error:
        raise FilterError(f"it is not a valid expression ({error.msg})") from None
    columns: set[str] = set()
    mask = _compile(tree.body, columns)
    return RowFilter(expression, frozenset(columns), mask)


def _compile(node: ast.AST, columns: set[str]) -> Mask:
    if isinstance(node, ast.BoolOp):
        parts = [_compile(v, columns) for v in node.values]
        if isinstance(node.op, ast.And):
            return lambda df: _reduce(parts, df, np.logical_and)
        return lambda df: _reduce(parts, df, np.logical_or)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = _compile(node.operand, columns)
        return lambda df: ~inner(df)
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        return _comparison(node, columns)
    raise FilterError(f"\"{ast.unparse(node)}\" is not a comparison such as uses == 'yes'")


def _reduce(parts: list[Mask], df: pd.DataFrame, op: np.ufunc) -> pd.Series[bool]:
    result = parts[0](df)
    for part in parts[1:]:
        result = pd.Series(op(result.to_numpy(), part(df).to_numpy()), index=df.index)
    return result


def _comparison(node: ast.Compare, columns: set[str]) -> Mask:
    left, op, right = node.left, type(node.ops[0]), node.comparators[0]
    if not isinstance(left, ast.Name):
        raise FilterError(f'the left side of "{ast.unparse(node)}" must be a column name')
    if op not in _COMPARE:
        raise FilterError(f'the operator in "{ast.unparse(node)}" is not supported')
    name, symbol = left.id, _COMPARE[op]
    columns.add(name)
    value = _literal(right, node)
    if symbol in ("in", "not in"):
        if not isinstance(value, list):
            raise FilterError(f"\"{ast.unparse(node)}\" needs a list on the right: ['a', 'b']")
        wanted = {as_text_scalar(v) for v in value}
        negate = symbol == "not in"
        return lambda df: _isin(df[name], wanted, negate)
    if isinstance(value, list):
        raise FilterError(f'"{ast.unparse(node)}" compares with a list; use "in" instead')
    return lambda df: _compare(df[name], symbol, value)


def _literal(node: ast.AST, whole: ast.Compare) -> object:
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float)):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _literal(node.operand, whole)
        if isinstance(inner, (int, float)):
            return -inner
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_literal(item, whole) for item in node.elts]
    raise FilterError(
        f'the right side of "{ast.unparse(whole)}" must be a quoted value or a number'
    )


def as_text_scalar(value: object) -> str:
    """The text form used to compare answers: 1.0 -> '1', 'yes' -> 'yes'."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _isin(column: pd.Series, wanted: set[str], negate: bool) -> pd.Series[bool]:
    text = as_text(column)
    known = text.notna()
    hit = text.isin(wanted)
    return (known & ~hit) if negate else (known & hit)


def _compare(column: pd.Series, symbol: str, value: object) -> pd.Series[bool]:
    if isinstance(value, str):
        left: pd.Series = as_text(column)
        right: object = value
    else:
        left = pd.to_numeric(column, errors="coerce")
        right = float(value)  # type: ignore[arg-type]
    known = left.notna()
    filled = left.where(known, other=np.nan if not isinstance(value, str) else "")
    result = {
        "==": lambda: filled == right,
        "!=": lambda: filled != right,
        "<": lambda: filled < right,
        "<=": lambda: filled <= right,
        ">": lambda: filled > right,
        ">=": lambda: filled >= right,
    }[symbol]()
    return (known & result.astype(bool)).astype(bool)
