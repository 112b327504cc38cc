"""The methods section states which languages were reviewed and which were machine drafts."""

from __future__ import annotations

import doctest
import json
import shutil
from pathlib import Path

import pytest

from helpseek.instrument import Instrument, load_instrument
from helpseek.instrument.load import BUNDLED_DIR
from helpseek.report import languages
from helpseek.report.languages import languages_paragraph
from helpseek.report.load import load_results
from helpseek.report.render import build_page

NAME = "help_us_help_you"
SCHEMA_EXAMPLE = Path(__file__).parent / "fixtures" / "results.json"


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> Instrument:
    """The bundled questionnaire after a translator reviewed the German and the Finnish."""
    folder = tmp_path_factory.mktemp("reviewed")
    shutil.copy(BUNDLED_DIR / f"{NAME}.yaml", folder)
    shutil.copytree(BUNDLED_DIR / "translations" / NAME, folder / "translations" / NAME)
    for code, day in (("de", "2026-11-30"), ("fi", "2026-12-01")):
        path = folder / "translations" / NAME / f"{code}.po"
        path.write_text(path.read_text().replace("machine-draft", f"reviewed {day}"))
    return load_instrument(folder / f"{NAME}.yaml")


def test_paragraph__names_the_source_the_reviewed_with_dates_and_the_drafts(
    reviewed: Instrument,
) -> None:
    drafts = [lang for lang in reviewed.languages if lang.is_machine_translated]
    text = languages_paragraph(reviewed, {})
    assert text == (
        f"The questionnaire was offered in {len(reviewed.languages)} languages: English (en), "
        "the source; translations reviewed by a translator: Deutsch (de, 2026-11-30), "
        "Suomi (fi, 2026-12-01); machine-drafted translations not reviewed: "
        + ", ".join(f"{lang.name} ({lang.code})" for lang in drafts)
        + "."
    )


def test_paragraph__says_when_the_prevalence_is_split_by_review_status(
    reviewed: Instrument,
) -> None:
    split = {"prevalence": [{"group_column": "language_review", "group": "reviewed"}]}
    assert (languages_paragraph(reviewed, split) or "").endswith(
        "in reviewed translations and in machine drafts (language_review)."
    )


def test_report__methods_carry_the_paragraph_after_the_sample(reviewed: Instrument) -> None:
    page = build_page(load_results(SCHEMA_EXAMPLE), instrument=reviewed)
    assert page.methods[1] == languages_paragraph(reviewed, json.loads(SCHEMA_EXAMPLE.read_text()))
    assert page.methods[0].startswith("Sample flow")


def test_report__over_two_questionnaires__states_each_one_s_review_status(
    reviewed: Instrument,
) -> None:
    # Given a report over two questionnaires: help_us_help_you with German and Finnish reviewed,
    # and program_feedback whose translations are all machine drafts
    other = load_instrument("program_feedback")
    page = build_page(load_results(SCHEMA_EXAMPLE), instrument=[reviewed, other])
    first, second = page.methods[1].split(" The questionnaire ")[:2]
    # Then each questionnaire has its own sentence, named by its title
    assert first.startswith(f'The questionnaire "{reviewed.title.get("en")}" was offered in ')
    assert second.startswith(f'"{other.title.get("en")}" was offered in ')
    # and German is reviewed in the first and a machine draft in the second
    assert "reviewed by a translator: Deutsch (de, 2026-11-30)" in first
    drafts = second.split("machine-drafted translations not reviewed: ")[1]
    assert "Deutsch (de)" in drafts and "2026-11-30" not in second
    assert f"{len(other.languages)} languages" in second


def test_report__without_a_questionnaire__no_language_claim() -> None:
    page = build_page(load_results(SCHEMA_EXAMPLE))
    assert not any("languages:" in paragraph for paragraph in page.methods)


def test_docstring_example__runs() -> None:
    result = doctest.testmod(languages)
    assert (result.failed, result.attempted) == (0, 3)


def test_bundled__a_seed_language_is_still_a_draft() -> None:
    # The bundled translations are machine drafts until a translator reviews them.
    assert load_instrument(NAME).language("ar").review_status == "machine-draft"
    assert not Path(BUNDLED_DIR / "translations" / NAME / "ar.po").read_text().count("reviewed 20")
