"""The translation workflow: export one language of a questionnaire, the survey pages' strings or
the invitation's texts for a translator (gettext PO), import what comes back after checking it,
and report how far each language is.

Imports instrument, invite, languages and problems; never web (the CLI passes the UI folder).
"""

from .exchange import ImportResult, export_translation, import_translation, write_export
from .status import LanguageStatus, language_status, translation_status
from .targets import Target, instrument_target, invite_target, strings_target

__all__ = [
    "ImportResult",
    "LanguageStatus",
    "Target",
    "export_translation",
    "import_translation",
    "instrument_target",
    "invite_target",
    "language_status",
    "strings_target",
    "translation_status",
    "write_export",
]
