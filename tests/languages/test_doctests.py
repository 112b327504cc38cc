"""The examples in the languages package and its README run as written."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

from helpseek.languages import checks, pofiles, registry

README = Path(__file__).parents[2] / "src" / "helpseek" / "languages" / "README.md"


@pytest.mark.parametrize("module", [registry, pofiles, checks], ids=lambda m: m.__name__)
def test_docstring_examples__run(module: object) -> None:
    result = doctest.testmod(module, verbose=False)  # type: ignore[arg-type]
    assert (result.failed, result.attempted > 0) == (0, True)


def test_readme_example__runs() -> None:
    result = doctest.testfile(str(README), module_relative=False, verbose=False)
    assert (result.failed, result.attempted > 0) == (0, True)
