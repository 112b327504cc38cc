"""`helpseek invite check`: exit 0 + "match: <entry>", exit 1 + "no match", problems for bad input."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from helpseek.cli.main import app
from helpseek.problems import catalogue


def _check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["invite", "check", *args])
    return result.exit_code, result.output


def test_check__matching_query__prints_the_entry_and_exits_0(terms_file: Path) -> None:
    assert _check("--terms", str(terms_file), "where is T0KEN beta-phrase") == (
        0,
        "match: token beta phrase\n",
    )


def test_check__other_query__prints_no_match_and_exits_1(terms_file: Path) -> None:
    assert _check("--terms", str(terms_file), "weather tomorrow") == (1, "no match\n")


def test_check__missing_term_file__is_cli_001(tmp_path: Path) -> None:
    code, output = _check("--terms", str(tmp_path / "absent.txt"), "x")
    assert code == 1
    assert catalogue["CLI-001"].format(path=tmp_path / "absent.txt") in output


def test_check__over_long_query__is_refused(terms_file: Path) -> None:
    code, output = _check("--terms", str(terms_file), "--max-query-chars", "10", "tokenalpha xx")
    assert code == 1
    assert catalogue["INVITE-020"].format(length=13, max_chars=10) in output


def test_check__useless_entry__is_a_warning_but_still_checks(tmp_path: Path) -> None:
    terms = tmp_path / "terms.txt"
    terms.write_text("tokenalpha\n???\n", encoding="utf-8")
    code, output = _check("--terms", str(terms), "tokenalpha")
    assert code == 0
    assert catalogue["INVITE-011"].format(entry="???") in output
    assert output.endswith("match: tokenalpha\n")
