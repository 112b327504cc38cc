"""The completeness gate (issue 15): a language with missing texts is not fielded unless allowed."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpseek.cli.main import app
from helpseek.instrument import bundled_instruments, check_instrument, instrument_from_markdown
from helpseek.instrument.completeness import completeness_problems, language_gaps
from helpseek.problems import catalogue

PARTIAL = """
| survey |
| | type | name | label::English (en) | label::Français (fr) | hint::English (en) | hint::Français (fr) |
| | integer | age | Age? | Âge ? | In years | En années |
| | select_one yn | ok | OK? | D'accord ? | | |
| | text | why | Why? | | | |

| choices |
| | list_name | name | label::English (en) | label::Français (fr) |
| | yn | yes | Yes | Oui |
| | yn | no | No | |
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "partial.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_gaps__name_every_missing_respondent_text() -> None:
    (gaps,) = language_gaps(instrument_from_markdown(PARTIAL))
    assert (gaps.code, gaps.total) == ("fr", 6)
    assert gaps.missing == (('"ok" choice "no"', "No"), ('"why" label', "Why?"))


def test_check__incomplete_language__is_an_error_naming_count_and_first_gap(tmp_path: Path) -> None:
    path = write(tmp_path, PARTIAL)
    gate = [p for p in check_instrument(path, allow_incomplete=()) if p.code == "INSTRUMENT-052"]
    expected = catalogue["INSTRUMENT-052"].format(
        form=path,
        language="Français",
        lang_code="fr",
        n=2,
        total=6,
        first='"ok" choice "no"',
        text="No",
    )
    assert [(p.severity, p.message) for p in gate] == [("error", expected)]


@pytest.mark.parametrize("allowed", [("fr",), ("*",)])
def test_check__allowed_incomplete_language__is_a_warning(
    tmp_path: Path, allowed: tuple[str, ...]
) -> None:
    problems = check_instrument(write(tmp_path, PARTIAL), allow_incomplete=allowed)
    assert [p.severity for p in problems if p.code == "INSTRUMENT-052"] == ["warning"]


def test_check__without_the_gate__reports_only_the_per_text_warnings(tmp_path: Path) -> None:
    problems = check_instrument(write(tmp_path, PARTIAL))
    assert not [p for p in problems if p.code == "INSTRUMENT-052"]
    assert [p.code for p in problems if p.code == "INSTRUMENT-022"] == ["INSTRUMENT-022"] * 2


def test_complete_form__passes_the_gate() -> None:
    complete = PARTIAL.replace(
        "| | text | why | Why? | | | |", "| | text | why | Why? | Pourquoi ? | | |"
    )
    complete = complete.replace("| | yn | no | No | |", "| | yn | no | No | Non |")
    assert completeness_problems(instrument_from_markdown(complete)) == []


@pytest.mark.parametrize("name", bundled_instruments())
def test_bundled__every_language_passes_the_gate(name: str) -> None:
    assert [str(p) for p in check_instrument(name, allow_incomplete=()) if p.is_error] == []


def test_cli_check__exit_1_until_the_language_is_allowed(tmp_path: Path) -> None:
    path = str(write(tmp_path, PARTIAL))
    refused = CliRunner().invoke(app, ["instrument", "check", path])
    assert refused.exit_code == 1
    assert "[INSTRUMENT-052]" in refused.stdout
    allowed = CliRunner().invoke(app, ["instrument", "check", path, "--allow-incomplete", "fr"])
    assert allowed.exit_code == 0, allowed.output
