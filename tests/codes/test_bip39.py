"""helpseek's word lists and its bits-to-words mapping against BIP-39's own truth: the lists as
bitcoin/bips publishes them, and the test vectors of trezor/python-mnemonic, the implementation
BIP-39 names for its vectors (fixtures/bip39.json, extracted by fixtures/extract_bip39.py, each
part with its `repo@commit:path:line`).

A BIP-39 mnemonic is the entropy followed by the first ENT/32 bits of its SHA-256, read 11 bits
a word, most significant first; a helpseek code is 88 bits read the same way (codes/text.py).
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from pathlib import Path

import pytest

from helpseek.codes import word_list
from helpseek.codes.text import CODE_BITS, from_indices, to_words
from helpseek.codes.wordlists import LANGUAGES, WORDS_DIR

BIP39 = json.loads((Path(__file__).parent / "fixtures" / "bip39.json").read_text(encoding="utf-8"))
VECTORS = [
    (language, entropy, words)
    for language in LANGUAGES
    for entropy, words in BIP39["vectors"][language]["cases"]
]


def _bits(entropy_hex: str) -> tuple[int, int]:
    """BIP-39's entropy || checksum as (value, number of bits)."""
    entropy = bytes.fromhex(entropy_hex)
    checksum_bits = len(entropy) * 8 // 32
    checksum = hashlib.sha256(entropy).digest()[0] >> (8 - checksum_bits)
    value = (int.from_bytes(entropy, "big") << checksum_bits) | checksum
    return value, len(entropy) * 8 + checksum_bits


def _nfc(text: str) -> list[str]:
    return unicodedata.normalize("NFC", text).split()


def test_bip39_truth__covers_every_language_with_its_sources() -> None:
    assert set(BIP39["word_lists"]) == set(BIP39["vectors"]) == set(LANGUAGES)
    for part in ("word_lists", "vectors"):
        for found in BIP39[part].values():
            assert found["source"].count("@") == 1 and ":" in found["source"]
    assert {len(v["cases"]) for v in BIP39["vectors"].values()} == {24}


@pytest.mark.parametrize("language", LANGUAGES)
def test_word_list__byte_for_byte_the_list_bitcoin_bips_publishes(language: str) -> None:
    # Given the SHA-256 and size of bip-0039/<language>.txt computed from bitcoin/bips itself
    published = BIP39["word_lists"][language]
    # Then helpseek's bundled file has the same bytes
    data = (WORDS_DIR / f"{language}.txt").read_bytes()
    assert (len(data), hashlib.sha256(data).hexdigest()) == (
        published["bytes"],
        published["sha256"],
    )
    assert published["words"] == 2048


@pytest.mark.parametrize(
    ("language", "entropy", "mnemonic"),
    VECTORS,
    ids=[f"{lang}-{entropy[:8]}-{len(entropy) * 4}" for lang, entropy, _ in VECTORS],
)
def test_bip39_vector__words_and_bits_as_helpseek_maps_them(
    language: str, entropy: str, mnemonic: str
) -> None:
    words = word_list(language)
    assert words is not None
    value, bits = _bits(entropy)
    expected = _nfc(mnemonic)
    # When helpseek reads the vector's words (each by its index in the list, 11 bits a word)
    indices = [words.index_of(w) for w in expected]
    assert None not in indices
    # Then they carry BIP-39's entropy and checksum
    assert from_indices([i for i in indices if i is not None]) == value
    # And helpseek writes the first 88 of those bits as the vector's first eight words
    assert list(to_words(value >> (bits - CODE_BITS), words)) == expected[:8]
