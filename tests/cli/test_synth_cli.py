"""`helpseek synth`: a synthetic table with the export's columns, and clear exits on bad input."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from helpseek.cli.main import app
from helpseek.data import read_table
from helpseek.problems import catalogue


def test_synth_cli__writes_a_table_that_reads_back_like_an_export(tmp_path: Path) -> None:
    # When 15 programme participants are drawn into a .sav file
    out = tmp_path / "programme.sav"
    result = CliRunner().invoke(
        app,
        [
            "synth",
            "--instrument",
            "program_feedback",
            "--n",
            "15",
            "--seed",
            "3",
            "--out",
            str(out),
        ],
    )
    # Then the file and its codebook are written and read back with one row per respondent
    assert result.exit_code == 0, result.output
    assert str(out) in result.stdout and (tmp_path / "programme.codebook.json").exists()
    table = read_table(out)
    assert len(table) == 15
    assert set(table["instrument"]) == {"program_feedback"}
    assert list(table.columns[:9]) == [
        "response_id",
        "instrument",
        "instrument_version",
        "language",
        "status",
        "submitted_on",
        "duration_s",
        "pages_submitted",
        "last_page",
    ]


def test_synth_cli__no_respondents__exit_1_with_the_catalogue_message(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["synth", "--instrument", "program_feedback", "--n", "0", "--out", str(tmp_path / "x.csv")],
    )
    assert result.exit_code == 1
    assert catalogue["SYNTH-009"].format(n=0) in result.output


def test_synth_cli__truth_for_another_questionnaire__exit_1_names_the_field(tmp_path: Path) -> None:
    truth = tmp_path / "truth.yaml"
    truth.write_text("items:\n  frequncy: {daily: 1.0}\n")
    result = CliRunner().invoke(
        app,
        [
            "synth",
            "--instrument",
            "program_feedback",
            "--n",
            "3",
            "--truth",
            str(truth),
            "--out",
            str(tmp_path / "x.csv"),
        ],
    )
    assert result.exit_code == 1
    assert "[SYNTH-005]" in result.output and "items.frequncy" in result.output
    assert not (tmp_path / "x.csv").exists()


def test_synth_cli__unknown_file_type__exit_1_before_any_work(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "synth",
            "--instrument",
            "program_feedback",
            "--n",
            "3",
            "--out",
            str(tmp_path / "x.xlsx"),
        ],
    )
    assert result.exit_code == 1 and "[DATA-004]" in result.output
