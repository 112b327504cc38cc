"""Respondent codes: resume and withdrawal codes as words in the respondent's language (or
Crockford base32), with a keyed check; written, read back and checked without storing anything.

`from helpseek.codes import new_code, code_parts, read_code` is all a caller needs.
Imports only the standard library; the argon2id derivation is in store/sealing.py.
"""

from helpseek.codes.issue import (
    CHECK_BITS,
    KINDS,
    SECRET_BITS,
    Code,
    CodeKind,
    check_bits,
    code_parts,
    code_text,
    new_code,
    read_code,
    uses_words,
)
from helpseek.codes.wordlists import LANGUAGES, WordList, normalise, word_list

__all__ = [
    "CHECK_BITS",
    "KINDS",
    "LANGUAGES",
    "SECRET_BITS",
    "Code",
    "CodeKind",
    "WordList",
    "check_bits",
    "code_parts",
    "code_text",
    "new_code",
    "normalise",
    "read_code",
    "uses_words",
    "word_list",
]
