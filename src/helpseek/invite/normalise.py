"""One normal form for search queries and listed terms, so that simple disguises do not dodge the filter.

Queries and terms go through exactly the same steps; a term matches when its normal form occurs as
whole tokens in the query's normal form (see match.py). Imports nothing from helpseek.
"""

from __future__ import annotations

import re
import unicodedata

# Look-alike letters from Cyrillic and Greek, mapped to the Latin letter they imitate. Applied after
# case folding, so a letter whose *capital* imitates a Latin capital is listed by its lower-case form
# too (Cyrillic "Н"/"н" -> "h", "В"/"в" -> "b"). Both sides are mapped, so words written entirely in
# Cyrillic or Greek still match themselves; the cost is that a few unrelated words written in
# different scripts become equal (Cyrillic "сор" and Latin "cop"), which only ever errs toward
# showing the help page.
HOMOGLYPHS: dict[str, str] = {
    # Cyrillic
    "а": "a", "в": "b", "с": "c", "ԁ": "d", "е": "e", "һ": "h", "н": "h", "і": "i", "ј": "j",
    "к": "k", "м": "m", "о": "o", "р": "p", "ԛ": "q", "ѕ": "s", "т": "t", "у": "y", "х": "x",
    "ԝ": "w", "ь": "b", "ү": "y", "ӏ": "l",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ϲ": "c", "ζ": "z", "μ": "u",
    # Latin variants that NFKC keeps
    "ı": "i", "ɑ": "a", "ɡ": "g", "ℓ": "l",
}  # fmt: skip

# Digits and symbols written for letters. "1" stands for both "i" and "l", so "l" is folded into
# "i" as well: then "1", "l", "i" (and "|") all agree, on both sides.
LEET: dict[str, str] = {
    "0": "o", "1": "i", "l": "i", "|": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a",
    "$": "s",
}  # fmt: skip

# One pass, so a look-alike of "l" must land on "i" directly (found by the idempotence property).
_LETTER_MAP = str.maketrans({**{k: LEET.get(v, v) for k, v in HOMOGLYPHS.items()}, **LEET})
# Combining marks (diacritics) and invisible format characters (zero-width space, soft hyphen).
_DROPPED = frozenset({"Mn", "Me", "Cf"})
_ASCII_NON_ALNUM = re.compile(r"[^a-zA-Z0-9]")
_RUN = re.compile(r"(.)\1+", re.DOTALL)


def normalise(text: str) -> str:
    """The normal form of `text`: lower-case Latin-looking tokens separated by single spaces.

    The steps, in this order (each relies on the ones before it):

    1. Unicode NFKC: full-width and other compatibility forms become plain ones ("ｔｏｋ" -> "tok").
    2. Case folding ("TOKEN" -> "token", "ß" -> "ss").
    3. Diacritics removed: decompose (NFD), drop combining marks, and drop invisible format
       characters such as zero-width spaces and soft hyphens, so they cannot split a word.
    4. Look-alike Cyrillic/Greek letters -> Latin (`HOMOGLYPHS`).
    5. Digits and symbols for letters (`LEET`): 0->o, 1->i, l->i, |->i, 3->e, 4->a, 5->s, 7->t,
       @->a, $->s.
    6. Every character that is not a letter, a digit or a spacing vowel sign (Unicode "Mc", as in
       Devanagari) -> a space: punctuation, symbols, control characters, broken surrogates.
    7. Runs of the same character collapse to one ("tooookeen" -> "token"); this also turns
       runs of spaces into one space. Terms go through this too, so a listed "tokenbetta" is
       stored as "tokenbeta" and both spellings match it.
    8. Leading and trailing spaces removed.

    >>> normalise("  T0KÉN--ÁLPHA!!  ")
    'token aipha'
    >>> normalise("ｔｏｋｅｎ\u200balpha")
    'tokenaipha'
    """
    return _collapse_runs(_to_spaces(_fold(text))).strip()


def joined(text: str) -> str:
    """Like `normalise`, but punctuation *inside* a whitespace-separated word is deleted, not
    turned into a space: catches a term hidden as "t.o.k.e.n" or "token-alpha" (the rule Ahmia
    used). Queries are checked in both forms; terms are stored in the `normalise` form.

    >>> joined("find t.o.k.e.n-alpha now")
    'find tokenaipha now'
    """
    words = (_to_spaces(word).replace(" ", "") for word in _fold(text).split())
    return _collapse_runs(" ".join(word for word in words if word))


def _fold(text: str) -> str:
    """Steps 1-5 of `normalise`: one character in, zero or more characters out."""
    if text.isascii():  # ASCII is already NFKC with nothing to strip: the common, fast case
        return text.lower().translate(_LETTER_MAP)
    folded = unicodedata.normalize("NFKC", text).casefold()
    decomposed = unicodedata.normalize("NFD", folded)
    kept = "".join(ch for ch in decomposed if unicodedata.category(ch) not in _DROPPED)
    return unicodedata.normalize("NFC", kept).translate(_LETTER_MAP)


def _to_spaces(text: str) -> str:
    if text.isascii():
        return _ASCII_NON_ALNUM.sub(" ", text)
    return "".join(ch if ch.isalnum() or unicodedata.category(ch) == "Mc" else " " for ch in text)


def _collapse_runs(text: str) -> str:
    return _RUN.sub(r"\1", text)
