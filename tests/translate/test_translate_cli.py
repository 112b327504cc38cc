"""`helpseek translate export|import|status` on a copy of a bundled questionnaire: files edited with
translate-toolkit (a PO library we did not write), then imported; broken files refused, each
problem naming its entry, nothing written."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from translate.storage import pypo
from typer.testing import CliRunner

from helpseek.cli.main import app
from helpseek.instrument import check_instrument, load_instrument
from helpseek.instrument.load import BUNDLED_DIR
from helpseek.languages import known_codes, read_translation_file
from helpseek.problems import catalogue
from helpseek.web.i18n import load_catalogue

NAME = "help_us_help_you"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def form(tmp_path: Path) -> Path:
    """A copy of the bundled questionnaire and its translation files, as a research team has it."""
    path = tmp_path / "study" / f"{NAME}.yaml"
    path.parent.mkdir()
    shutil.copy(BUNDLED_DIR / f"{NAME}.yaml", path)
    shutil.copytree(BUNDLED_DIR / "translations" / NAME, path.parent / "translations" / NAME)
    return path


def edit(path: Path, change: Callable[[pypo.pofile], None]) -> None:
    """Open the PO file with translate-toolkit, change it, save it (as a translation tool would)."""
    with path.open("rb") as handle:
        store = pypo.pofile(handle)
    change(store)
    with path.open("wb") as handle:
        store.serialize(handle)


def unit(store: pypo.pofile, key: str) -> pypo.pounit:
    return next(u for u in store.units if u.getcontext() == key)


def read(path: Path) -> pypo.pofile:
    with path.open("rb") as handle:
        return pypo.pofile(handle)


def line_of(path: Path, key: str) -> int:
    """The first line of an entry (its comments, else its msgctxt), counted from 1 as editors do."""
    lines = path.read_text().splitlines()
    index = lines.index(f'msgctxt "{key}"')
    while index > 0 and lines[index - 1].startswith("#"):
        index -= 1
    return index + 1


def export(runner: CliRunner, form: Path, lang: str, out: Path) -> None:
    args = ["translate", "export", "--instrument", str(form), "--lang", lang, "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output


def digest(folder: Path) -> str:
    files = sorted(folder.rglob("*"))
    return hashlib.sha256(b"".join(p.read_bytes() for p in files if p.is_file())).hexdigest()


# --- round trips ---------------------------------------------------------------------------------


def test_new_language__export_fill_import__the_questionnaire_has_it_as_a_draft(
    runner: CliRunner, form: Path, tmp_path: Path
) -> None:
    # Given a Greek file exported for a translator: every English text, no translation yet
    # (the team's copy drops the bundled Greek draft, so Greek is a new language for it)
    (form.parent / "translations" / NAME / "el.po").unlink()
    out = tmp_path / "el.po"
    export(runner, form, "el", out)
    units = [u for u in read(out).units if not u.isheader()]
    assert len(units) == 121 and all(u.target == "" for u in units)
    assert 'used by "uses"' in unit(read(out), "choices/yes_no_pnta/yes/label").getnotes()

    # When the translator fills every entry in a PO tool and it is imported
    def fill(store: pypo.pofile) -> None:
        for each in store.units:
            if not each.isheader():
                each.target = f"[el] {each.source}"

    edit(out, fill)
    result = runner.invoke(app, ["translate", "import", str(out), "--instrument", str(form)])

    # Then it is stored beside the form, and the questionnaire has Greek, marked a machine draft
    assert result.exit_code == 0, result.output
    assert "el, 121/121 texts, machine-draft; stored in" in result.stderr
    stored = form.parent / "translations" / NAME / "el.po"
    assert read_translation_file(stored).language == "el"
    instrument = load_instrument(form)
    assert instrument.language("el").name == "Ελληνικά"
    assert instrument.language("el").is_machine_translated
    assert instrument.question("uses").label.get("el").startswith("[el] Have you used")
    assert [p for p in check_instrument(form) if p.is_error] == []


def test_review__import_with_a_review_date__the_language_is_reviewed_no_longer_a_draft(
    runner: CliRunner, form: Path, tmp_path: Path
) -> None:
    out = tmp_path / "de.po"
    export(runner, form, "de", out)
    changed = "Haben Sie jemals Material dieser Art genutzt, etwa angesehen, gesucht oder geteilt?"
    edit(out, lambda s: setattr(unit(s, "survey/uses/label"), "target", changed))
    args = [
        "translate",
        "import",
        str(out),
        "--instrument",
        str(form),
        "--reviewed-on",
        "2026-12-01",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    instrument = load_instrument(form)
    german = instrument.language("de")
    assert (german.review_status, str(german.reviewed_on)) == ("reviewed", "2026-12-01")
    assert instrument.question("uses").label.get("de") == changed
    assert "reviewed 2026-12-01" in (form.parent / "translations" / NAME / "de.po").read_text()


def test_changed_english__export_marks_the_entry_fuzzy_with_the_old_text(
    runner: CliRunner, form: Path, tmp_path: Path
) -> None:
    # Given the English of "uses" reworded after the German was translated
    old = "Would you like to stop using such material?"
    form.write_text(form.read_text().replace(old, "Do you want to stop using such material?"))
    assert any(p.code == "TRANSLATE-019" for p in check_instrument(form))
    # When German is exported
    out = tmp_path / "de.po"
    export(runner, form, "de", out)
    # Then that entry is fuzzy, shows the old English as previous msgid and keeps the translation
    entry = unit(read(out), "survey/want_stop/label")
    assert entry.isfuzzy() and old in str(entry) and entry.target


# --- broken files --------------------------------------------------------------------------------


def _lose_entry(store: pypo.pofile) -> None:
    store.units.remove(unit(store, "survey/gender/label"))


def _wrong_choice(store: pypo.pofile) -> None:
    unit(store, "choices/genders/woman/label").setcontext("choices/genders/women/label")


def _same_choices(store: pypo.pofile) -> None:
    unit(store, "choices/often_scale/often/label").target = "Manchmal"


def _too_long(store: pypo.pofile) -> None:
    entry = unit(store, "choices/yes_no_pnta/yes/label")
    entry.target = unit(store, "survey/intro/label").target


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_lose_entry, [("TRANSLATE-010", "survey/gender/label")]),
        (_wrong_choice, [("TRANSLATE-012", "choices/genders/women/label"),
                         ("TRANSLATE-010", "choices/genders/woman/label")]),
        (_same_choices, [("TRANSLATE-017", "choices/often_scale/often/label")]),
        (_too_long, [("TRANSLATE-016", "choices/yes_no_pnta/yes/label")]),
    ],
)  # fmt: skip
def test_import__broken_file__refused_naming_each_entry_and_nothing_written(
    runner: CliRunner,
    form: Path,
    tmp_path: Path,
    change: Callable[[pypo.pofile], None],
    expected: list[tuple[str, str]],
) -> None:
    out = tmp_path / "de.po"
    export(runner, form, "de", out)
    edit(out, change)
    before = digest(form.parent)
    result = runner.invoke(app, ["translate", "import", str(out), "--instrument", str(form)])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if "warning:" not in line]
    named = [
        (line.rsplit("[", 1)[1].rstrip("]"), line.split('entry "')[1].split('"')[0])
        for line in errors
    ]
    assert named == expected
    assert digest(form.parent) == before


def test_import__a_lost_placeholder__refused_naming_it(runner: CliRunner, tmp_path: Path) -> None:
    # Given a form whose label pipes an answer into the text (${age})
    form = tmp_path / "piped.md"
    form.write_text(
        "| survey |\n| | type | name | label |\n| | integer | age | Age? |\n"
        "| | note | check | You said ${age}. |\n"
    )
    out = tmp_path / "fr.po"
    export(runner, form, "fr", out)

    def translate(store: pypo.pofile) -> None:
        unit(store, "survey/age/label").target = "Âge ?"
        unit(store, "survey/check/label").target = "Vous avez dit ${âge}."

    edit(out, translate)
    result = runner.invoke(app, ["translate", "import", str(out), "--instrument", str(form)])
    assert result.exit_code == 1
    message = catalogue["TRANSLATE-014"].format(kind="reference", lost='"${age}"', added='"${âge}"')
    line = line_of(out, "survey/check/label")
    assert (
        f'fr.po, line {line}, entry "survey/check/label": {message} [TRANSLATE-014]'
        in result.stderr
    )
    assert not (tmp_path / "translations").exists()


def test_import__a_file_for_other_texts__refused(
    runner: CliRunner, form: Path, tmp_path: Path
) -> None:
    out = tmp_path / "ui-de.po"
    result = runner.invoke(app, ["translate", "export", "--ui", "--lang", "de", "--out", str(out)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["translate", "import", str(out), "--instrument", str(form)])
    assert result.exit_code == 1
    assert "[TRANSLATE-009]" in result.stderr


# --- the survey pages' strings and the invitation, status ----------------------------------------


# One entry per survey-page string (every string the pages use: it grows as the pages do).
UI_ENTRIES = len(load_catalogue().strings["en"])


@pytest.mark.parametrize(("option", "entries"), [("--ui", UI_ENTRIES), ("--invite", 12)])
def test_ui_and_invite__export_then_import_dry_run__checks_without_writing(
    runner: CliRunner, tmp_path: Path, option: str, entries: int
) -> None:
    out = tmp_path / "fi.po"
    result = runner.invoke(app, ["translate", "export", option, "--lang", "fi", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert read_translation_file(out).translations()  # the current Finnish draft
    result = runner.invoke(app, ["translate", "import", str(out), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert (
        f"fi, {entries}/{entries} texts, machine-draft; checked, nothing written" in result.stderr
    )


def test_export__needs_exactly_one_kind_of_texts(runner: CliRunner, tmp_path: Path) -> None:
    out = str(tmp_path / "x.po")
    result = runner.invoke(
        app, ["translate", "export", "--ui", "--invite", "--lang", "de", "--out", out]
    )
    assert result.exit_code == 2


def test_export__the_source_language__refused(
    runner: CliRunner, form: Path, tmp_path: Path
) -> None:
    result = runner.invoke(
        app,
        [
            "translate",
            "export",
            "--instrument",
            str(form),
            "--lang",
            "en",
            "--out",
            str(tmp_path / "x.po"),
        ],
    )
    assert result.exit_code == 1
    assert "[TRANSLATE-008]" in result.stderr


def test_status__lists_every_language_of_every_set_of_texts(runner: CliRunner) -> None:
    result = runner.invoke(app, ["translate", "status", "--lang", "ar"])
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.stdout.splitlines()[1:]]
    assert [row[0] for row in rows] == [
        "instrument help_us_help_you", "instrument no_need_for_help", "instrument program_feedback",
        "ui", "invite",
    ]  # fmt: skip
    assert all(row[1] == "ar العربية" and row[4] == "0" for row in rows)


def test_import__drops_names_a_po_editor_put_in_the_header(
    runner: CliRunner, form: Path, tmp_path: Path
) -> None:
    # Given a file a PO editor saved with the translator's name and team
    out = tmp_path / "de.po"
    export(runner, form, "de", out)
    edit(
        out,
        lambda s: s.updateheader(
            add=True, last_translator="Jane Doe <jane@example.org>", language_team="Team X"
        ),
    )
    assert "Jane Doe" in out.read_text()
    # When it is imported, then the stored file carries no name
    result = runner.invoke(app, ["translate", "import", str(out), "--instrument", str(form)])
    assert result.exit_code == 0, result.output
    stored = (form.parent / "translations" / NAME / "de.po").read_text()
    assert "Jane" not in stored and "Team X" not in stored and "Last-Translator" not in stored


def test_status__names_the_languages_helpseek_knows_that_have_no_file_yet(
    runner: CliRunner,
) -> None:
    result = runner.invoke(app, ["translate", "status"])
    assert result.exit_code == 0, result.output
    folder = BUNDLED_DIR / "translations" / NAME
    absent = [c for c in known_codes() if c != "en" and not (folder / f"{c}.po").exists()]
    expected = f"instrument {NAME}: no file yet for {' '.join(absent)}"
    assert (expected in result.stderr) == bool(absent)
