"""A code's 88 bits as text a person writes down, and back: eight words, or Crockford base32.

88 bits = eight 11-bit words of a 2,048-word list (codes/wordlists.py), or 18 base32 characters
(90 bits; the two highest are always 0) shown in groups of three: `0K7-M9X-...`. Crockford's
alphabet has no I, L, O or U; reading treats I and L as 1 and O as 0, ignores case, spaces and
dashes (https://www.crockford.com/base32.html), and reads full-width forms as the ASCII ones (a
Japanese or Chinese input method in full-width mode types "７ＺＺ－ＺＺＺ").
"""

from __future__ import annotations

import re
import unicodedata

from helpseek.codes.wordlists import BITS_PER_WORD, LANGUAGES, WordList, word_list

CODE_BITS = 88
WORDS = CODE_BITS // BITS_PER_WORD  # 8
BASE32_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BASE32_CHARS = 18
BASE32_GROUP = 3
_BASE32_VALUE = {c: i for i, c in enumerate(BASE32_ALPHABET)} | {"O": 0, "I": 1, "L": 1}
# After NFKC (full-width "－", "．" are ASCII by then); "ー" (the long-vowel mark a Japanese
# input method gives for "-"), "・", "、" and "。" stay as they are and separate too.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―·.,;:/_ー・、。]+")


def to_words(value: int, words: WordList) -> tuple[str, ...]:
    """The eight words of an 88-bit value, most significant first.

    >>> to_words(0, word_list("en"))[:2], to_words(2**88 - 1, word_list("en"))[-1]
    (('abandon', 'abandon'), 'zoo')
    """
    return tuple(words.words[i] for i in to_indices(value))


def to_indices(value: int) -> tuple[int, ...]:
    """The eight 11-bit word indices of an 88-bit value, most significant first."""
    if not 0 <= value < 2**CODE_BITS:
        raise ValueError("a code is an 88-bit value")
    mask = 2**BITS_PER_WORD - 1
    return tuple((value >> (BITS_PER_WORD * (WORDS - 1 - n))) & mask for n in range(WORDS))


def from_indices(indices: tuple[int, ...] | list[int]) -> int:
    value = 0
    for index in indices:
        value = (value << BITS_PER_WORD) | index
    return value


def to_base32(value: int) -> str:
    """18 Crockford base32 characters in groups of three.

    >>> to_base32(2**88 - 1)
    '7ZZ-ZZZ-ZZZ-ZZZ-ZZZ-ZZZ'
    """
    if not 0 <= value < 2**CODE_BITS:
        raise ValueError("a code is an 88-bit value")
    chars = [BASE32_ALPHABET[(value >> (5 * (BASE32_CHARS - 1 - n))) & 31] for n in range(18)]
    groups = ["".join(chars[i : i + BASE32_GROUP]) for i in range(0, BASE32_CHARS, BASE32_GROUP)]
    return "-".join(groups)


def from_base32(text: str) -> int | None:
    """The value of typed base32 (any case, I/L = 1, O = 0, full-width forms as ASCII,
    separators ignored), or None.

    >>> from_base32("７ｚｚ－ＺＺＺーZZZ-ZZZ ZZZ・ZZZ") == 2**88 - 1
    True
    """
    chars = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()
    if len(chars) != BASE32_CHARS or any(c not in _BASE32_VALUE for c in chars):
        return None
    value = 0
    for c in chars:
        value = (value << 5) | _BASE32_VALUE[c]
    return value if value < 2**CODE_BITS else None


def candidate_values(text: str) -> list[int]:
    """Every 88-bit value `text` can stand for: read with each word list, and as base32.

    Lists share a few words ("dragon" is English, French and Spanish), so one text may give
    several values; the keyed check (codes/issue.py) tells which one was issued.

    >>> candidate_values("zoo zoo zoo zoo zoo zoo zoo zoo") == [2**88 - 1]
    True
    """
    values: list[int] = []
    tokens = [t for t in _SEPARATORS.split(unicodedata.normalize("NFKC", text).strip()) if t]
    if len(tokens) == WORDS:
        for language in LANGUAGES:
            words = word_list(language)
            if words is None:
                continue
            indices = [words.index_of(t) for t in tokens]
            if all(i is not None for i in indices):
                values.append(from_indices([i for i in indices if i is not None]))
    base32 = from_base32(text)
    if base32 is not None:
        values.append(base32)
    return list(dict.fromkeys(values))
