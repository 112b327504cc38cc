"""The questionnaire as a two-column HTML document for ethics boards: source and translation side
by side, page by page, with each page's conditions in words and the language's review status.

One self-contained file (inline style, no script, no external resource); it prints, and word
processors open it. Every cell carries its language's `lang` and `dir`.
"""

from __future__ import annotations

from collections.abc import Iterator
from html import escape

from .model import Instrument, Page, Question, Translations
from .text import condition_in_words

_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem;line-height:1.4;color:#111}"
    "table{border-collapse:collapse;width:100%;margin:0 0 1.5rem}"
    "th,td{border:1px solid #999;padding:.35rem .5rem;vertical-align:top;text-align:start}"
    "th{background:#eee}td.what{width:18%;color:#333;font-size:.9rem}"
    ".missing{background:#fde2e2}.cond{color:#333;font-style:italic}"
    "@media print{body{margin:0}h2{break-after:avoid}tr{break-inside:avoid}}"
)


def to_html(instrument: Instrument, language: str) -> str:
    """The whole questionnaire in the default language and `language`, side by side."""
    source = instrument.default_language
    target = instrument.language(language)
    head = ["<th>Item</th>", _th(instrument, source), _th(instrument, language)]
    title = escape(_title(instrument))
    about = (
        f"Questionnaire <code>{escape(instrument.form_id)}</code>, version "
        f"{escape(instrument.version or '-')}. Source: {escape(_name(instrument, source))} "
        f"({source}); translation: {escape(target.name)} ({language}). "
        f"{escape(_review(instrument, language))}"
    )
    head_html = f"<title>{title} — {escape(target.name)}</title><style>{_STYLE}</style>"
    parts = [
        "<!doctype html>",
        f'<html lang="en"><head><meta charset="utf-8">{head_html}</head><body>',
        f"<h1>{title}</h1>",
        f"<p>{about}</p>",
    ]
    for number, page in enumerate(instrument.pages, start=1):
        parts.append(f"<h2>Page {number} <small>({escape(page.id)})</small></h2>")
        for condition in page.relevant:
            words = condition_in_words(condition, instrument, source)
            parts.append(f'<p class="cond">Shown if: {escape(words)}</p>')
        rows = "".join(
            _row(instrument, what, text, language) for what, text in _page_rows(instrument, page)
        )
        parts.append(f"<table><tr>{''.join(head)}</tr>{rows}</table>")
    help_rows = "".join(
        _row(instrument, f"{what} ({resource.url})", text, language)
        for resource in instrument.help_resources
        for what, text in (("Help service", resource.label), ("Description", resource.description))
        if text
    )
    if help_rows:
        parts.append(
            f"<h2>Help shown on every page</h2><table><tr>{''.join(head)}</tr>{help_rows}</table>"
        )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _page_rows(instrument: Instrument, page: Page) -> Iterator[tuple[str, Translations]]:
    if page.label:
        yield "Page heading", page.label
    for question in page.questions:
        yield from _question_rows(instrument, question)


def _question_rows(
    instrument: Instrument, question: Question
) -> Iterator[tuple[str, Translations]]:
    required = ", required" if question.required else ""
    what = f"{question.name} ({question.type}{required})"
    if question.relevant:
        what += f"; shown if {condition_in_words(question.relevant, instrument, instrument.default_language)}"
    yield what, question.label
    if question.hint:
        yield "Hint", question.hint
    for choice in question.choices:
        yield f"Choice [{choice.name}]", choice.label
    if question.required_message:
        yield "If unanswered", question.required_message
    if question.constraint_message:
        yield "If not accepted", question.constraint_message


def _row(instrument: Instrument, what: str, text: Translations, language: str) -> str:
    source = instrument.default_language
    original = text.by_language.get(source, "")
    translated = text.by_language.get(language, "")
    cell = (
        _td(instrument, language, translated)
        if translated
        else '<td class="missing" lang="en">(missing)</td>'
    )
    return f'<tr><td class="what">{escape(what)}</td>{_td(instrument, source, original)}{cell}</tr>'


def _td(instrument: Instrument, code: str, text: str) -> str:
    direction = (
        "rtl" if code in instrument.language_codes and instrument.language(code).is_rtl else "ltr"
    )
    return f'<td lang="{escape(code)}" dir="{direction}">{escape(text)}</td>'


def _th(instrument: Instrument, code: str) -> str:
    return f"<th>{escape(_name(instrument, code))} ({escape(code)})</th>"


def _name(instrument: Instrument, code: str) -> str:
    return instrument.language(code).name if code in instrument.language_codes else code


def _title(instrument: Instrument) -> str:
    return instrument.title.get(instrument.default_language) or instrument.form_id


def _review(instrument: Instrument, language: str) -> str:
    status = instrument.language(language)
    if status.reviewed_on is not None:
        return f"Reviewed by a translator on {status.reviewed_on.isoformat()}."
    if status.is_machine_translated:
        return "Machine draft: not yet reviewed by a translator."
    return "Review status not stated."
