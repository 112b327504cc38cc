"""`instrument show`: readable text page by page, with simple conditions in words."""

from __future__ import annotations

import pytest

from helpseek.instrument import bundled_instruments, instrument_from_yaml, load_instrument, to_text
from helpseek.instrument.completeness import respondent_texts

BUNDLED = {name: load_instrument(name) for name in bundled_instruments()}
TRANSLATIONS = [
    (name, code) for name, form in BUNDLED.items() for code in form.language_codes if code != "en"
]

FORM = """
settings:
  form_id: shown
  version: "1"
  form_title: {en: "Shown form", es: "Formulario"}
  default_language: en
  languages:
    en: {name: English}
    es: {name: Español, machine_translated: true}
survey:
  - type: select_one yes_no
    name: uses
    label: {en: "Uses?", es: "¿Usa?"}
    hint: {en: "One answer", es: "Una respuesta"}
    required: "yes"
  - type: integer
    name: age
    label: {en: "Age?", es: "¿Edad?"}
    relevant: "${uses} = 'yes' and ${uses} != 'no'"
    constraint: ". >= 16"
  - type: text
    name: why
    label: {en: "Why?", es: "¿Por qué?"}
    relevant: "string-length(${uses}) > 1"
choices:
  yes_no:
    - {name: "yes", label: {en: "Yes", es: "Sí"}}
    - {name: "no", label: {en: "No", es: "No"}}
"""


def test_show__lists_pages_questions_hints_and_choices_source_and_translation_side_by_side() -> (
    None
):
    # issue 15: a translation is read next to the text it translates
    text = to_text(instrument_from_yaml(FORM), "es")
    assert text.splitlines()[:5] == [
        "Formulario",
        "Questionnaire shown, version 1",
        "Language: Español (es)",
        (
            "This translation is a machine-drafted text: have it reviewed by a translator before the "
            "survey goes live."
        ),
        "Each text is shown in English (en), then in Español (es).",
    ]
    assert (
        "Page 1 (uses)\n  - uses (select_one yes_no, required)\n    en: Uses?\n    es: ¿Usa?\n"
        "    Hint: en: One answer\n          es: Una respuesta\n"
        "      [yes] en: Yes\n            es: Sí\n      [no] en: No\n           es: No\n" in text
    )


def test_show__default_language__each_text_once() -> None:
    text = to_text(instrument_from_yaml(FORM), "en")
    assert (
        "Page 1 (uses)\n  - uses (select_one yes_no, required)\n    Uses?\n    Hint: One answer\n"
        in text
    )
    assert "es:" not in text


def test_show__a_missing_translation__is_marked_missing() -> None:
    text = to_text(instrument_from_yaml(FORM.replace(', es: "¿Por qué?"', "")), "es")
    assert "    en: Why?\n    es: (missing)\n" in text


def test_show__simple_conditions_are_put_in_words() -> None:
    text = to_text(instrument_from_yaml(FORM), "en")
    assert '    Shown if: answer to "uses" is "Yes" and answer to "uses" is not "No"\n' in text
    assert "    Accepted if: . >= 16\n" in text


def test_show__other_conditions_are_shown_as_written() -> None:
    text = to_text(instrument_from_yaml(FORM), "en")
    assert "    Shown if: string-length(${uses}) > 1\n" in text


@pytest.mark.parametrize(("name", "language"), TRANSLATIONS)
def test_show__every_bundled_translation__each_text_in_english_and_in_the_language(
    name: str, language: str
) -> None:
    # Given a bundled questionnaire shown in one of its translations (`instrument show --lang`)
    form = BUNDLED[name]
    shown = to_text(form, language).splitlines()
    # Then every text a respondent reads, the title too, is there as "en: ..." then "xx: ..."
    missing = [
        where
        for where, text in respondent_texts(form)
        if text
        and not any(
            line.endswith(f"en: {text.by_language['en']}")
            and shown[i + 1].strip() == f"{language}: {text.by_language[language]}"
            for i, line in enumerate(shown[:-1])
        )
    ]
    assert missing == []
