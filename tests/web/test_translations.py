"""Round trip (issue 15): export a language, edit it with a PO library we did not write
(translate-toolkit; polib, which our writer also uses, as a translator's script would), import it,
and the survey serves the edited text."""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from pathlib import Path

import polib
import pytest
from anyio.from_thread import BlockingPortal
from translate.storage import pypo

from helpseek.instrument.load import BUNDLED_DIR
from helpseek.translate import import_translation, instrument_target, strings_target, write_export
from helpseek.web import create_app
from helpseek.web.i18n import LOCALE_DIR, load_catalogue

from .conftest import START, Clock, InProcessClient, Respondent, make_settings

NAME = "help_us_help_you"
TITLE = "Helfen Sie uns dabei, Ihnen zu helfen"
USES = (
    "Haben Sie jemals Darstellungen sexuellen Kindesmissbrauchs (CSAM) genutzt, also sexuelle "
    "Bilder oder Videos von Kindern angesehen, gesucht oder geteilt?"
)


REVIEWED = "reviewed 2026-12-01"


def edit_units(path: Path, targets: dict[str, str]) -> None:
    """translate-toolkit: set the targets by context, mark the file reviewed, save."""
    with path.open("rb") as handle:
        store = pypo.pofile(handle)
    for unit in store.units:
        if unit.getcontext() in targets:
            unit.target = targets[unit.getcontext()]
    store.updateheader(add=True, **{"X-Helpseek-Review": REVIEWED})
    with path.open("wb") as handle:
        store.serialize(handle)


def edit_with_polib(path: Path, targets: dict[str, str]) -> None:
    """polib: the same edit, as a team's script would make it."""
    po = polib.pofile(str(path))
    for entry in po:
        if entry.msgctxt in targets:
            entry.msgstr = targets[entry.msgctxt]
    po.metadata["X-Helpseek-Review"] = REVIEWED
    po.save(str(path))


EDITORS = {"translate-toolkit": edit_units, "polib": edit_with_polib}


@pytest.mark.parametrize("editor", EDITORS)
def test_round_trip__edited_german__is_what_the_survey_serves(
    tmp_path: Path, public_key_file: Path, portal: BlockingPortal, editor: str
) -> None:
    # Given a research team's copy of the questionnaire with its translation files
    form = tmp_path / f"{NAME}.yaml"
    shutil.copy(BUNDLED_DIR / f"{NAME}.yaml", form)
    shutil.copytree(BUNDLED_DIR / "translations" / NAME, tmp_path / "translations" / NAME)
    # When German is exported, edited in a PO library (marked reviewed), and imported
    exported = write_export(instrument_target(form), "de", tmp_path / "out" / "de.po")
    edit: Callable[[Path, dict[str, str]], None] = EDITORS[editor]
    edit(exported, {"settings/form_title": TITLE, "survey/uses/label": USES})
    result = import_translation(exported, instrument_target(form))
    assert (result.translated, str(result.review)) == (result.total, REVIEWED)
    # Then the survey server shows the edited title and question in German
    app = create_app(
        make_settings(tmp_path, public_key_file, str(form)),
        clock=Clock(START),
        rng=random.Random(1),
    )
    client = InProcessClient(app, portal)
    try:
        respondent = Respondent(client)
        landing = respondent.open("/?lang=de")
        assert f"<h1>{TITLE}</h1>" in landing.html
        # And the landing page no longer says the German is machine-made: it was reviewed
        assert load_catalogue().text("de", "machine_translated") not in landing.html
        first = respondent.send()
        while "uses" not in first.names:
            first = respondent.send(first.quick_answers())
        assert USES in first.text()
    finally:
        client.close()
        app.state.survey.store.close()


def test_round_trip__edited_ui_string__is_in_the_catalogue_the_server_loads(tmp_path: Path) -> None:
    folder = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, folder)
    exported = write_export(strings_target(folder, "ui", "ui"), "de", tmp_path / "ui-de.po")
    edit_units(exported, {"next": "Nächste Seite"})
    import_translation(exported, strings_target(folder, "ui", "ui"))
    catalogue = load_catalogue(folder)
    assert catalogue.text("de", "next") == "Nächste Seite"
    assert catalogue.table.review("de") is not None
    assert str(catalogue.table.review("de")) == REVIEWED
