"""The docs keep up with the code: every problem code is documented in docs/errors.md."""

from pathlib import Path

from helpseek.problems import catalogue

ERRORS_MD = Path(__file__).resolve().parents[1] / "docs" / "errors.md"


def test_every_problem_code_is_documented_in_errors_md() -> None:
    text = ERRORS_MD.read_text(encoding="utf-8")
    missing = [code for code in catalogue if f"`{code}`" not in text]
    assert missing == []
