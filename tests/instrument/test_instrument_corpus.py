"""pyxform's public example forms: each loads or is refused with problems, never a traceback.

Skips when the corpus folder is absent (CI keeps it at ../shared/xlsform-corpus).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpseek.instrument import check_instrument, load_instrument
from helpseek.problems import InputError, catalogue

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "xlsform-corpus" / "pyxform"
FOLDERS = ("example_xls", "bug_example_xls")


def corpus_files() -> list[Path]:
    return sorted(
        p
        for folder in FOLDERS
        if (CORPUS / folder).is_dir()
        for p in (CORPUS / folder).iterdir()
        if p.is_file()
    )


@pytest.mark.slow
@pytest.mark.skipif(not corpus_files(), reason=f"no XLSForm corpus at {CORPUS}")
def test_corpus__every_form_loads_or_is_refused_cleanly() -> None:
    loaded, refused = 0, 0
    for path in corpus_files():
        problems = check_instrument(path)
        assert all(p.code in catalogue for p in problems), path
        try:
            load_instrument(path)
            loaded += 1
        except InputError as error:
            assert any(p.is_error for p in error.problems), path
            refused += 1
    assert loaded + refused == len(corpus_files())
    assert loaded > 0
