"""The word lists codes are written in: BIP-39's 2,048-word lists (MIT) for English, Spanish,
French, Italian and Portuguese, each with the words a code never shows (`<lang>.avoid.txt`).

Respondents of this survey disclose sexual interest in children and suicidal thoughts, so a code
never shows words about children and families, bodies and intimacy, crime, policing and
surveillance, violence, death and self-harm, addiction, distress or insults (issue 14). Reading a
code accepts every word of the list, typed with or without accents, and its first four letters.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from pathlib import Path

WORDS_DIR = Path(__file__).parent / "wordlists"
WORDS_PER_LIST = 2048
BITS_PER_WORD = 11
#: BIP-39 lists are made so that the first four letters name one word (accents aside).
PREFIX_LETTERS = 4
#: The languages with a word list; every other language gets Crockford base32 (codes/text.py).
LANGUAGES: tuple[str, ...] = ("en", "es", "fr", "it", "pt")


@dataclass(frozen=True)
class WordList:
    """One language's 2,048 words (as shown, NFC), their typed forms, and the avoided indices."""

    language: str
    words: tuple[str, ...]
    avoided: frozenset[int]

    @functools.cached_property
    def _by_key(self) -> dict[str, int]:
        return {normalise(word): index for index, word in enumerate(self.words)}

    @functools.cached_property
    def _by_prefix(self) -> dict[str, int]:
        return {key[:PREFIX_LETTERS]: index for key, index in self._by_key.items()}

    @functools.cached_property
    def allowed(self) -> tuple[int, ...]:
        """Indices a new code may show, in list order (found once per list: every finished
        response draws a withdrawal code)."""
        return tuple(i for i in range(WORDS_PER_LIST) if i not in self.avoided)

    def index_of(self, typed: str) -> int | None:
        """The index of a typed word: the word itself, or at least its first four letters.

        >>> english = word_list("en")
        >>> english.index_of("Abandon"), english.index_of("aban"), english.index_of("xyzzy")
        (0, 0, None)
        """
        key = normalise(typed)
        if key in self._by_key:
            return self._by_key[key]
        if len(key) >= PREFIX_LETTERS:
            return self._by_prefix.get(key[:PREFIX_LETTERS])
        return None


def normalise(text: str) -> str:
    """What a typed word is compared by: no accents, case folded.

    >>> normalise("ÁBACO"), normalise("élève")
    ('abaco', 'eleve')
    """
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@functools.cache
def word_list(language: str) -> WordList | None:
    """The word list for `language` (a code such as "es"), or None when it has none.

    Raises ValueError when a bundled file is damaged (not 2,048 distinct words, or an avoided word
    that is not on the list): codes must never be written with a broken list.
    """
    if language not in LANGUAGES:
        return None
    words = tuple(
        unicodedata.normalize("NFC", w)
        for w in (WORDS_DIR / f"{language}.txt").read_text(encoding="utf-8").split()
    )
    keys = [normalise(w) for w in words]
    if len(words) != WORDS_PER_LIST or len({k[:PREFIX_LETTERS] for k in keys}) != WORDS_PER_LIST:
        raise ValueError(f"{language}.txt is not a list of 2048 words with distinct prefixes")
    index = {k: i for i, k in enumerate(keys)}
    avoided_text = (WORDS_DIR / f"{language}.avoid.txt").read_text(encoding="utf-8")
    unknown = [w for w in avoided_text.split() if normalise(w) not in index]
    if unknown:
        raise ValueError(f"{language}.avoid.txt names words not on the list: {unknown[:5]}")
    avoided = frozenset(index[normalise(w)] for w in avoided_text.split())
    return WordList(language, words, avoided)
