"""The example in the languages README runs as written (every module's docstring examples:
tests/test_doctests.py)."""

from __future__ import annotations

import doctest
from pathlib import Path

README = Path(__file__).parents[2] / "src" / "helpseek" / "languages" / "README.md"


def test_readme_example__runs() -> None:
    result = doctest.testfile(str(README), module_relative=False, verbose=False)
    assert (result.failed, result.attempted > 0) == (0, True)
