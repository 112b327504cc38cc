"""`helpseek export`: a real store, a real key made by `keys new`, every format, exit codes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from helpseek.cli.main import app
from helpseek.data import read_table
from helpseek.problems import catalogue
from helpseek.store import (
    PageRecord,
    StoredRecord,
    load_public_keys,
    new_record_id,
    open_store,
    seal_page,
)

from .sealed_store import export_args, sealed_pages, survey_folder


@pytest.fixture
def survey(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with keys/, form.md and responses.db holding two sealed responses."""
    folder = survey_folder(tmp_path, monkeypatch)
    pages = [
        PageRecord("r1", "study", "1", "es", "stop", 1, {"stop": "yes"}, ("stop",), "2026-11-29", 10),
        PageRecord("r1", "study", "1", "es", "age", 2, {"age": 44}, ("age",), "2026-11-29", 20, "complete"),
        PageRecord("r2", "study", "1", "en", "stop", 1, {}, ("stop",), "2026-11-30", 30),
    ]  # fmt: skip
    with open_store(f"sqlite:///{folder / 'responses.db'}") as store:
        store.append(sealed_pages(folder, pages))
    return folder


def test_export__several_formats__writes_each_with_codebook_and_same_answers(survey: Path) -> None:
    result = CliRunner().invoke(app, [*export_args(survey, "data.sav", "data.csv"), "--lang", "es"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.split() == [
        str(survey / name)
        for name in ("data.sav", "data.codebook.json", "data.codebook.md", "data.csv")
    ]
    sav, csv = read_table(survey / "data.sav"), read_table(survey / "data.csv")
    pd.testing.assert_frame_equal(sav, csv)
    rows = csv.set_index("response_id")
    assert rows.loc["r1", "stop"] == "yes" and rows.loc["r1", "age"] == 44
    assert rows.loc["r1", "status"] == "complete" and rows.loc["r1", "duration_s"] == 30
    assert rows.loc["r2", "unanswered"] == "stop"
    assert "¿Quiere dejarlo?" in (survey / "data.codebook.md").read_text()


def test_export__wrong_passphrase__exit_1_with_message_and_no_file(
    survey: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HELPSEEK_PASSPHRASE", "not the passphrase")
    result = CliRunner().invoke(app, export_args(survey, "data.csv"))
    assert result.exit_code == 1
    private = str(survey / "keys" / "private.key")
    assert catalogue["KEYS-005"].format(path=private) in result.stderr
    assert "Traceback" not in result.stderr
    assert not (survey / "data.csv").exists()


def test_export__unknown_suffix__exit_1_before_asking_for_the_passphrase(
    survey: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HELPSEEK_PASSPHRASE")
    result = CliRunner().invoke(app, export_args(survey, "data.xlsx"), input="")
    assert result.exit_code == 1
    assert result.stderr.strip().endswith("[DATA-004]")
    assert "Passphrase" not in result.stderr


def test_export__database_folder_missing__exit_1_with_store_problem(survey: Path) -> None:
    args = export_args(survey, "data.csv")
    args[2] = f"sqlite:///{survey / 'missing' / 'responses.db'}"
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert "[STORE-010]" in result.stderr
    assert not (survey / "missing").exists()


def test_export__records_sealed_to_another_key__stop_unless_skip_unreadable(survey: Path) -> None:
    # Given a record sealed only to a key this researcher does not hold
    runner = CliRunner()
    assert runner.invoke(app, ["keys", "new", "--out", str(survey / "other")]).exit_code == 0
    other = load_public_keys([survey / "other" / "public.key"])
    page = PageRecord(
        "r3", "study", "1", "en", "stop", 1, {"stop": "no"}, ("stop",), "2026-11-30", 5
    )
    foreign = StoredRecord(new_record_id(), seal_page(page.to_json(), other))
    with open_store(f"sqlite:///{survey / 'responses.db'}") as store:
        store.append([foreign])
    # When exporting, the export stops and names the record; with --skip-unreadable it warns
    stopped = runner.invoke(app, export_args(survey, "data.csv"))
    assert stopped.exit_code == 1
    named = f"Sealed record {foreign.record_id} could not be opened: no matching key"
    assert named in stopped.stderr
    skipped = runner.invoke(app, [*export_args(survey, "data.csv"), "--skip-unreadable"])
    assert skipped.exit_code == 0
    assert f"Sealed record {foreign.record_id}" in skipped.stderr
    assert sorted(read_table(survey / "data.csv")["response_id"]) == ["r1", "r2"]


def test_export__processes_below_one__exit_1_with_data_018_and_no_file(survey: Path) -> None:
    result = CliRunner().invoke(app, [*export_args(survey, "data.csv"), "--processes", "0"])
    assert result.exit_code == 1
    assert catalogue["DATA-018"].format(processes=0) in result.stderr
    assert not (survey / "data.csv").exists()


def test_export__processes_given__same_table_as_the_default(survey: Path) -> None:
    assert CliRunner().invoke(app, export_args(survey, "one.csv")).exit_code == 0
    result = CliRunner().invoke(app, [*export_args(survey, "two.csv"), "--processes", "2"])
    assert result.exit_code == 0, result.stderr
    pd.testing.assert_frame_equal(read_table(survey / "one.csv"), read_table(survey / "two.csv"))
