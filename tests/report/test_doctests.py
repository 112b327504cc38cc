"""The examples in the report modules' docstrings hold (they document the rules for numbers,
labels, words and the forest-plot axis)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = (
    "formatting",
    "labels",
    "wording",
    "tables",
    "samples",
    "figures",
    "forest",
    "table_files",
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name: str) -> None:
    module = importlib.import_module(f"helpseek.report.{name}")
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert tried > 0 and failures == 0
