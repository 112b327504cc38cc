"""The sealed store the CLI tests of `export` and `pull` start from: a folder with a research key
made by the real `keys new`, a two-language questionnaire (form.md), pages sealed to that key, and
the `export` command line that reads them back."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpseek.cli.main import app
from helpseek.store import PageRecord, StoredRecord, load_public_keys, new_record_id, seal_page

PASSPHRASE = "correct horse battery"
FORM = """
| survey |
|        | type          | name | label::English (en) | label::Español (es) |
|        | select_one yn | stop | Want to stop?       | ¿Quiere dejarlo?    |
|        | integer       | age  | Age                 | Edad                |
| choices |
|         | list_name | name | label::English (en) | label::Español (es) |
|         | yn        | yes  | Yes                 | Sí                  |
|         | yn        | no   | No                  | No                  |
| settings |
|          | form_id | version |
|          | study   | 1       |
"""


def survey_folder(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`folder` with keys/ (made by `keys new` under PASSPHRASE, which the environment then
    gives every command) and form.md."""
    monkeypatch.setenv("HELPSEEK_PASSPHRASE", PASSPHRASE)
    made = CliRunner().invoke(app, ["keys", "new", "--out", str(folder / "keys")])
    assert made.exit_code == 0, made.stderr
    (folder / "form.md").write_text(FORM, encoding="utf-8")
    return folder


def sealed(folder: Path, plaintext: bytes) -> StoredRecord:
    """`plaintext` sealed to the folder's research key, as a new record."""
    recipients = load_public_keys([folder / "keys" / "public.key"])
    return StoredRecord(new_record_id(), seal_page(plaintext, recipients))


def sealed_pages(folder: Path, pages: list[PageRecord]) -> list[StoredRecord]:
    return [sealed(folder, page.to_json()) for page in pages]


def export_args(folder: Path, *outs: str, db: str | None = None) -> list[str]:
    """`helpseek export` of `db` (the folder's responses.db by default) with the folder's private
    key and form.md, to each of `outs` in the folder."""
    args = ["export", "--db", db or f"sqlite:///{folder / 'responses.db'}"]
    args += ["--private-key", str(folder / "keys" / "private.key")]
    args += ["--instrument", str(folder / "form.md")]
    for out in outs:
        args += ["--out", str(folder / out)]
    return args
