"""The languages respondents read: the registry (codes, endonyms, direction, script), translation
files (gettext PO) and their checks, and the fixed strings of the survey pages and the invitation.

Imports only `helpseek.problems`; instrument, invite and web read their translations through it.
"""

from .checks import SourceEntry, check_translation, length_bounds
from .pofiles import (
    Entry,
    Review,
    TranslationFile,
    parse_translation,
    read_translation_file,
    to_po_text,
    write_translation_file,
)
from .registry import (
    LANGUAGES,
    LanguageInfo,
    canonical_code,
    endonym,
    is_language_code,
    is_rtl,
    known_codes,
    language_info,
    picker_order,
)
from .strings import StringTable, load_string_table, template_path

__all__ = [
    "LANGUAGES",
    "Entry",
    "LanguageInfo",
    "Review",
    "SourceEntry",
    "StringTable",
    "TranslationFile",
    "canonical_code",
    "check_translation",
    "endonym",
    "is_language_code",
    "is_rtl",
    "known_codes",
    "language_info",
    "length_bounds",
    "load_string_table",
    "parse_translation",
    "picker_order",
    "read_translation_file",
    "template_path",
    "to_po_text",
    "write_translation_file",
]
