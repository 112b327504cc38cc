"""`${name}` in a label, hint or note, filled with the respondent's own earlier answer.

pyxform turns `${name}` in a text into `<output value=" /data/name "/>`, which ODK clients fill in
with JavaScript-free XForms machinery; helpseek pages have no JavaScript, so the server fills it
in when it draws the page. A choice answer shows its choice's label in the page's language (the
form's default language where that label is missing), several choices their labels joined by
", "; an unanswered question, or one the respondent was not shown, shows nothing. The text stays
plain text: the template escapes it, the respondent's own `<script>` included.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from helpseek.collect.views import to_form_text
from helpseek.instrument.model import Answer, Instrument, Question, Translations

#: `${name}` as pyxform reads it in a text (spaces inside the braces allowed).
REFERENCE = re.compile(r"\$\{\s*([^\s{}]+)\s*\}")


def fill(
    text: Translations | None, instrument: Instrument, values: Mapping[str, Answer], language: str
) -> str:
    """`text` in `language` with each `${name}` replaced by what `values` (FormState.values:
    the answers of shown questions and the calculations) holds for it.

    >>> from helpseek.instrument.model import Choice, Question
    >>> cat = Choice("cat", Translations({"en": "Cat", "fr": "Chat"}))
    >>> pet = Question("pet", "select_one", choices=(cat,))
    >>> form = Instrument("f", "1", Translations(), "en", (), (pet,), ())
    >>> fill(Translations({"en": "A ${pet}!", "fr": "Un ${ pet } !"}), form, {"pet": "cat"}, "fr")
    'Un Chat !'
    >>> fill(Translations({"en": "[${pet}]"}), form, {}, "en")
    '[]'
    """
    if text is None:
        return ""
    plain = text.get(language, fallback=instrument.default_language)
    if "${" not in plain:
        return plain
    return REFERENCE.sub(lambda m: _shown(instrument, m.group(1), values, language), plain)


def _shown(instrument: Instrument, name: str, values: Mapping[str, Answer], language: str) -> str:
    answer = values.get(name)
    if answer is None or answer == "" or answer == []:
        return ""
    question = _question(instrument, name)
    if question is not None and question.type in ("select_one", "select_multiple"):
        chosen = answer if isinstance(answer, list) else [str(answer)]
        return ", ".join(_choice_label(question, value, instrument, language) for value in chosen)
    return " ".join(to_form_text(answer))


def _choice_label(question: Question, value: str, instrument: Instrument, language: str) -> str:
    choice = question.choice(value)
    if choice is None:  # an "other" text or a value no longer listed: show what was given
        return value
    return choice.label.get(language, fallback=instrument.default_language) or value


def _question(instrument: Instrument, name: str) -> Question | None:
    try:
        return instrument.question(name)
    except KeyError:
        return None
