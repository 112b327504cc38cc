"""The methods section's sentence on languages: which translations were reviewed, which were
machine drafts (issue 15), and whether the prevalence is split by that.

Read from the questionnaires given to `helpseek report --instrument` (their translation files'
review status; a sentence for each when there are several) and from results.json (the prevalence
groups).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from helpseek.instrument.model import Instrument, Language


def languages_paragraph(
    instruments: Instrument | Sequence[Instrument] | None, results: Mapping[str, Any]
) -> str | None:
    """One paragraph, or None without a questionnaire (the review status is not known then);
    with several questionnaires (a report over two samples), one sentence for each.

    >>> from helpseek.instrument import instrument_from_yaml
    >>> form = instrument_from_yaml('''
    ... settings: {form_id: f, default_language: en, languages: {en: {name: English},
    ...            de: {name: Deutsch, reviewed: 2026-11-30}, ar: {name: العربية, machine_translated: true}}}
    ... survey: [{type: text, name: q, label: {en: "Q?", de: "F?", ar: "س؟"}}]
    ... ''')
    >>> print(languages_paragraph(form, {}))
    The questionnaire was offered in 3 languages: English (en), the source; translations reviewed by a translator: Deutsch (de, 2026-11-30); machine-drafted translations not reviewed: العربية (ar).
    """
    forms = [instruments] if isinstance(instruments, Instrument) else list(instruments or ())
    if not forms:
        return None
    if len(forms) == 1:
        text = f"The questionnaire was offered in {_offered(forms[0])}"
    else:
        text = " ".join(
            f'The questionnaire "{_title(form)}" was offered in {_offered(form)}' for form in forms
        )
    split = {p.get("group_column") for p in results.get("prevalence", []) if p.get("group")}
    if "language_review" in split:
        text += (
            " Prevalences are also given separately for answers in the source language, in "
            "reviewed translations and in machine drafts (language_review)."
        )
    elif "language" in split:
        text += " Prevalences are also given per language."
    return text


def _offered(instrument: Instrument) -> str:
    """ "3 languages: English (en), the source; ...drafts...: X (x)." for one questionnaire."""
    source = instrument.language(instrument.default_language)
    others = [lang for lang in instrument.languages if lang.code != source.code]
    text = (
        f"{len(instrument.languages)} language"
        f"{'s' if len(instrument.languages) != 1 else ''}: {_name(source)}, the source"
    )
    groups = (
        ("translations reviewed by a translator", [_reviewed(lang) for lang in others if lang.reviewed_on]),
        ("machine-drafted translations not reviewed", [_name(lang) for lang in others if lang.is_machine_translated]),
        ("translations whose review status was not stated",
         [_name(lang) for lang in others if lang.review_status == "not stated"]),
    )  # fmt: skip
    return text + "".join(f"; {what}: {', '.join(names)}" for what, names in groups if names) + "."


def _title(instrument: Instrument) -> str:
    return instrument.title.get(instrument.default_language) or instrument.form_id


def _name(language: Language) -> str:
    return f"{language.name} ({language.code})"


def _reviewed(language: Language) -> str:
    when = language.reviewed_on.isoformat() if language.reviewed_on else "date not stated"
    return f"{language.name} ({language.code}, {when})"
