"""The examples in every module's docstrings run as written: a docstring example is a claim about
the code (three did not hold when this test came: an interval unpacked as a tuple, a
degrees-of-freedom figure that mice's formula does not give, a suggestion beyond two edits).

Alembic's migration scripts are left out: they run only inside Alembic's context.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import helpseek

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(helpseek.__path__, "helpseek.")
    if ".migrations" not in info.name
)


def test_every_package_is_walked() -> None:
    assert {"helpseek.store.steps", "helpseek.analysis.pooling", "helpseek.report.forest"} <= set(
        MODULES
    )


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0
