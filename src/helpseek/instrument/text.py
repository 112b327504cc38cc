"""Readable text of an instrument, page by page, for translators and ethics boards.

In a language other than the default, each text is shown twice, source then translation, each
line marked with its language code, so a reviewer reads them side by side. Simple conditions are
put in words (`Shown if: answer to "uses" is "Yes"`); anything else is shown as the expression
itself, so nothing is hidden or paraphrased wrongly.
"""

from __future__ import annotations

import re

from .model import Instrument, Page, Question, Translations

_ATOM = re.compile(
    r"""\s*(?:
        \$\{(?P<cmp_name>[\w.-]+)\}\s*(?P<op>!=|>=|<=|=|>|<)\s*(?:'(?P<cmp_text>[^']*)'|"(?P<cmp_dq>[^"]*)"|(?P<cmp_num>-?\d+(?:\.\d+)?))
      | (?P<neg>not\s*\(\s*)?selected\s*\(\s*\$\{(?P<sel_name>[\w.-]+)\}\s*,\s*(?:'(?P<sel_text>[^']*)'|"(?P<sel_dq>[^"]*)")\s*\)(?(neg)\s*\))
    )\s*""",
    re.VERBOSE,
)
_JOIN = re.compile(r"\s+(and|or)\s+")
_OPS = {"=": "is", "!=": "is not", ">": "is more than", ">=": "is at least", "<": "is less than",
        "<=": "is at most"}  # fmt: skip


def condition_in_words(expression: str, instrument: Instrument, language: str) -> str:
    """`${uses} = 'yes' and ${age} >= 18` -> `answer to "uses" is "Yes" and answer to "age" is
    at least 18`; other expressions are returned unchanged."""
    parts = _JOIN.split(expression.strip())
    words = []
    for index, part in enumerate(parts):
        if index % 2:
            words.append(part)
            continue
        match = _ATOM.fullmatch(part)
        if not match:
            return expression
        words.append(_atom_in_words(match, instrument, language))
    return " ".join(words)


def _atom_in_words(match: re.Match[str], instrument: Instrument, language: str) -> str:
    if match.group("sel_name"):
        name = match.group("sel_name")
        value = (
            match.group("sel_text")
            if match.group("sel_text") is not None
            else match.group("sel_dq")
        )
        verb = "is not selected" if match.group("neg") else "is selected"
        return f'"{_choice_label(instrument, name, value, language)}" {verb} in "{name}"'
    name = match.group("cmp_name")
    op = _OPS[match.group("op")]
    if match.group("cmp_num") is not None:
        return f'answer to "{name}" {op} {match.group("cmp_num")}'
    value = (
        match.group("cmp_text") if match.group("cmp_text") is not None else match.group("cmp_dq")
    )
    if value == "":
        return f'"{name}" is {"answered" if op == "is not" else "not answered"}'
    return f'answer to "{name}" {op} "{_choice_label(instrument, name, value, language)}"'


def _choice_label(instrument: Instrument, name: str, value: str, language: str) -> str:
    try:
        choice = instrument.question(name).choice(value)
    except KeyError:
        return value
    return choice.label.get(language, instrument.default_language) if choice else value


def to_text(instrument: Instrument, language: str | None = None) -> str:
    """Every page, question, hint, type, choices and condition; in a language other than the
    default, every text in the default language and in `language`, one under the other."""
    lang = language or instrument.default_language
    lines = _header(instrument, lang)
    for number, page in enumerate(instrument.pages, start=1):
        lines += ["", *_page(instrument, page, number, lang)]
    calculations = [q for q in instrument.questions if q.type == "calculate"]
    if calculations:
        lines += ["", "Calculated values (not shown to respondents):"]
        lines += [f"  {q.name} = {q.calculation}" for q in calculations]
    if instrument.help_resources:
        lines += ["", "Help shown on every page and at the end:"]
        for resource in instrument.help_resources:
            lines.append(f"  - {resource.id}: {resource.url}")
            lines += _pair(instrument, resource.label, lang, "    ")
            if resource.description:
                lines += _pair(instrument, resource.description, lang, "    ")
    if instrument.inconsistencies:
        lines += ["", "Declared inconsistent answer patterns (flagged for analysts):"]
        for name, expression in instrument.inconsistencies:
            message = _t(
                instrument.inconsistency_messages.get(name, Translations()), instrument, lang
            )
            lines.append(f"  - {name}: {message or expression}")
    return "\n".join(lines) + "\n"


def _t(text: Translations, instrument: Instrument, lang: str) -> str:
    return text.get(lang, instrument.default_language) if text else ""


def _header(instrument: Instrument, lang: str) -> list[str]:
    title = _t(instrument.title, instrument, lang) or instrument.form_id
    lines = [title, f"Questionnaire {instrument.form_id}, version {instrument.version or '-'}"]
    if lang in instrument.language_codes:
        language = instrument.language(lang)
        lines.append(
            f"Language: {language.name} ({language.code})"
            + (", right-to-left" if language.is_rtl else "")
        )
        if language.is_machine_translated:
            lines.append(
                "This translation is a machine-drafted text: have it reviewed by a "
                "translator before the survey goes live."
            )
        elif language.reviewed_on is not None:
            lines.append(f"Reviewed by a translator on {language.reviewed_on.isoformat()}.")
        if lang != instrument.default_language:
            lines.append(
                f"Each text is shown in {_name(instrument, instrument.default_language)} "
                f"({instrument.default_language}), then in {language.name} ({lang})."
            )
            if instrument.title:
                lines += _pair(instrument, instrument.title, lang, "", "Title ")
    return lines


def _name(instrument: Instrument, code: str) -> str:
    return instrument.language(code).name if code in instrument.language_codes else code


def _pair(
    instrument: Instrument, text: Translations, lang: str, indent: str, prefix: str = ""
) -> list[str]:
    """One line for the default language; two (source, then `lang`) for any other."""
    default = instrument.default_language
    if lang == default:
        return [f"{indent}{prefix}{_t(text, instrument, lang)}"]
    translated = text.by_language.get(lang, "")
    return [
        f"{indent}{prefix}{default}: {_t(text, instrument, default)}",
        f"{indent}{' ' * len(prefix)}{lang}: {translated or '(missing)'}",
    ]


def _page(instrument: Instrument, page: Page, number: int, lang: str) -> list[str]:
    lines = [f"Page {number} ({page.id})"]
    if page.label:
        lines += _pair(instrument, page.label, lang, "  ")
    for condition in page.relevant:
        lines.append(f"  Page shown if: {condition_in_words(condition, instrument, lang)}")
    for question in page.questions:
        lines += _question(instrument, question, lang)
    return lines


def _question(instrument: Instrument, question: Question, lang: str) -> list[str]:
    kind = question.type + (f" {question.list_name}" if question.list_name else "")
    flags = [kind]
    if question.required == "yes":
        flags.append("required")
    elif question.required:
        flags.append(f"required if {condition_in_words(question.required, instrument, lang)}")
    if question.is_randomized:
        flags.append("choices in random order")
    lines = [f"  - {question.name} ({', '.join(flags)})"]
    lines += _pair(instrument, question.label, lang, "    ")
    if question.hint:
        lines += _pair(instrument, question.hint, lang, "    ", "Hint: ")
    for choice in question.choices:
        lines += _pair(instrument, choice.label, lang, "      ", f"[{choice.name}] ")
    if question.choice_filter:
        lines.append(f"    Choices shown if: {question.choice_filter}")
    if question.relevant:
        lines.append(f"    Shown if: {condition_in_words(question.relevant, instrument, lang)}")
    if question.constraint:
        lines.append(f"    Accepted if: {question.constraint}")
        if question.constraint_message:
            lines += _pair(instrument, question.constraint_message, lang, "    ", "Message: ")
    if question.required_message:
        lines += _pair(instrument, question.required_message, lang, "    ", "If unanswered: ")
    return lines
