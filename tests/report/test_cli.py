"""`helpseek report`: writes the files and exits 0, or prints the problem and exits 1."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from helpseek.cli.main import app
from helpseek.problems import Location, problem

runner = CliRunner()


def test_report_cli__writes_html_and_docx(tmp_path: Path, example_paths: tuple[Path, Path]) -> None:
    results, funnel = example_paths
    out, tables = tmp_path / "report.html", tmp_path / "tables.docx"
    result = runner.invoke(
        app,
        [
            "report",
            "--results",
            str(results.parent),
            "--out",
            str(out),
            "--invite",
            str(funnel.parent),
            "--docx",
            str(tables),
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == f"report written: {out}\ntables written: {tables}\n"
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert tables.stat().st_size > 0


def test_report_cli__missing_results__exit_1_with_the_catalogue_message(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["report", "--results", str(tmp_path), "--out", str(tmp_path / "r.html")]
    )
    assert result.exit_code == 1
    expected = problem(
        "REPORT-001",
        Location(str(tmp_path)),
        folder=tmp_path,
        file="results.json",
        command="helpseek analyze --out DIR",
    )
    assert result.stderr == f"{expected}\n"
    assert not (tmp_path / "r.html").exists()


def test_report_cli__wrong_schema__exit_1_and_no_output_file(tmp_path: Path) -> None:
    (tmp_path / "results.json").write_text(json.dumps({"schema": "other/9"}), encoding="utf-8")
    result = runner.invoke(
        app, ["report", "--results", str(tmp_path), "--out", str(tmp_path / "r.html")]
    )
    assert result.exit_code == 1
    assert "[REPORT-003]" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "r.html").exists()


def test_report_cli__unwritable_output_folder__exit_1_names_the_path(
    tmp_path: Path, example_paths: tuple[Path, Path]
) -> None:
    out = tmp_path / "missing-folder" / "report.html"
    result = runner.invoke(app, ["report", "--results", str(example_paths[0]), "--out", str(out)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f'{out}: Could not write "{out}"')
    assert "[REPORT-006]" in result.stderr


def test_report_cli__unknown_questionnaire__exit_1_before_writing(
    tmp_path: Path, example_paths: tuple[Path, Path]
) -> None:
    out = tmp_path / "r.html"
    result = runner.invoke(
        app,
        ["report", "--results", str(example_paths[0]), "--out", str(out),
         "--instrument", "no_such_questionnaire"],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "no_such_questionnaire" in result.stderr
    assert not out.exists()


def test_report_cli__repeated_results__all_are_in_the_report(
    tmp_path: Path, real_results_dir: Path, comparison_results_dir: Path
) -> None:
    out = tmp_path / "r.html"
    result = runner.invoke(
        app,
        ["report", "--results", str(real_results_dir), "--results", str(comparison_results_dir),
         "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert 'id="supplement-1"' in out.read_text(encoding="utf-8")
