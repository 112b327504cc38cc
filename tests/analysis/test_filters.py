"""The include filter language: comparisons joined by and/or/not; missing answers never match."""

from __future__ import annotations

import pandas as pd
import pytest

from helpseek.analysis import FilterError, compile_filter

FRAME = pd.DataFrame({"uses": ["yes", "no", None, "yes"], "age": [30, 17, 40, None],
                      "flag": [1.0, 0.0, 1.0, None]})  # fmt: skip


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("uses == 'yes'", [True, False, False, True]),
        ("uses != 'yes'", [False, True, False, False]),
        ("age >= 18", [True, False, True, False]),
        ("uses == 'yes' and age >= 18", [True, False, False, False]),
        ("uses == 'no' or age > 35", [False, True, True, False]),
        ("not (uses == 'yes')", [False, True, True, False]),
        ("uses in ['yes', 'no']", [True, True, False, True]),
        ("uses not in ['no']", [True, False, False, True]),
        ("flag == 1", [True, False, True, False]),
        ("flag == '1'", [True, False, True, False]),
    ],
)
def test_compile_filter__rows_matched(expression: str, expected: list[bool]) -> None:
    assert compile_filter(expression).mask(FRAME).tolist() == expected


@pytest.mark.parametrize(
    "expression",
    [
        "uses",
        "uses == other",
        "len(uses) > 2",
        "'yes' == uses",
        "uses == 'a' == 'b'",
        "uses ==",
        "x.y == 1",
    ],
)
def test_compile_filter__outside_the_language__raises_filter_error(expression: str) -> None:
    with pytest.raises(FilterError):
        compile_filter(expression)
