"""`helpseek instrument list|check|show|export`: output, messages and exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpseek.cli.main import app
from helpseek.instrument import bundled_instruments, load_instrument
from helpseek.problems import catalogue

CLEAN = """
| survey |
|        | type    | name | label | relevant   |
|        | integer | age  | Age?  |            |
|        | text    | why  | Why?  | ${age} > 1 |
"""


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def write(tmp_path: Path, text: str, name: str = "form.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_list__prints_each_bundled_questionnaire(runner: CliRunner) -> None:
    result = runner.invoke(app, ["instrument", "list"])
    assert result.exit_code == 0
    names = [line.split("\t")[0] for line in result.stdout.splitlines()]
    assert names == bundled_instruments()


def test_check__clean_form_exits_0(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["instrument", "check", str(write(tmp_path, CLEAN))])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "0 error(s), 0 warning(s)" in result.stderr


def test_check__form_with_an_error_exits_1_and_names_the_place(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = write(tmp_path, CLEAN.replace("${age} > 1", "${agee} > 1"))
    result = runner.invoke(app, ["instrument", "check", str(path)])
    assert result.exit_code == 1
    message = catalogue["INSTRUMENT-012"].format(name="agee", hint=' Did you mean "age"?')
    assert (
        f'{path}, sheet "survey", row 3, column "relevant": {message} [INSTRUMENT-012]'
        in result.stdout
    )


def test_check__warnings_exit_0_unless_strict(runner: CliRunner, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        CLEAN.replace("| label |", "| label | relevence |").replace("| Age?  |", "| Age?  | x |"),
    )
    relaxed = runner.invoke(app, ["instrument", "check", str(path)])
    strict = runner.invoke(app, ["instrument", "check", "--strict", str(path)])
    assert relaxed.exit_code == 0, relaxed.output
    assert "[INSTRUMENT-019]" in relaxed.stdout
    assert strict.exit_code == 1


def test_check__bundled_name_is_accepted(runner: CliRunner) -> None:
    name = bundled_instruments()[0]
    result = runner.invoke(app, ["instrument", "check", name])
    assert result.exit_code == 0, result.output


def test_check__unknown_name_exits_1_with_a_message(runner: CliRunner) -> None:
    result = runner.invoke(app, ["instrument", "check", "no_such_form"])
    assert result.exit_code == 1
    assert "[INSTRUMENT-023]" in result.stdout
    assert "Traceback" not in result.output


def test_show__prints_the_questionnaire_in_the_language(runner: CliRunner) -> None:
    result = runner.invoke(app, ["instrument", "show", "help_us_help_you", "--lang", "es"])
    assert result.exit_code == 0, result.output
    assert "Language: Español (es)" in result.stdout
    assert "Page 1 (" in result.stdout


def test_show__unknown_language_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(app, ["instrument", "show", "help_us_help_you", "--lang", "xx"])
    assert result.exit_code == 2
    assert '"xx" is not a language' in result.output


def test_show__form_with_errors_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path, CLEAN.replace("integer", "geopoint"))
    result = runner.invoke(app, ["instrument", "show", str(path)])
    assert result.exit_code == 1
    assert "[INSTRUMENT-005]" in result.stderr


def test_export__writes_an_xlsx_that_loads_to_the_same_instrument(
    runner: CliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "out.xlsx"
    result = runner.invoke(app, ["instrument", "export", "help_us_help_you", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert load_instrument(out) == load_instrument("help_us_help_you")


def test_export__needs_an_xlsx_name(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["instrument", "export", "help_us_help_you", "--out", str(tmp_path / "x.csv")]
    )
    assert result.exit_code == 2
    assert not (tmp_path / "x.csv").exists()
