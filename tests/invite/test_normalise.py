"""Normalisation and matching: a listed term is found under every allowed disguise, and only then."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpseek.invite import QueryTooLongError, Term, TermList, TermMatcher, joined, normalise
from helpseek.invite.normalise import HOMOGLYPHS, LEET

LETTERS = "abcdefghijklmnopqrstuvwxyz"
ZERO_WIDTH = ("\u200b", "\u00ad", "\u200d")  # zero-width space, soft hyphen, zero-width joiner
COMBINING = ("\u0301", "\u0308", "\u0303", "\u0327")  # acute, diaeresis, tilde, cedilla


def _disguises_by_normal_form() -> dict[str, list[str]]:
    """Every single character helpseek promises to see through, grouped by what it stands for."""
    candidates = set(HOMOGLYPHS) | set(LEET) | set(LETTERS) | set(LETTERS.upper())
    candidates |= {chr(ord(ch) + 0xFEE0) for ch in LETTERS}  # full-width forms
    groups: dict[str, list[str]] = {}
    for ch in sorted(candidates):
        groups.setdefault(normalise(ch), []).append(ch)
    return groups


DISGUISES = _disguises_by_normal_form()

words = st.text(alphabet=LETTERS, min_size=3, max_size=10)


@st.composite
def disguised(draw: st.DrawFn, word: str) -> str:
    """`word` with each letter swapped for a look-alike, repeated, accented or split invisibly."""
    out = []
    for ch in word:
        piece = draw(st.sampled_from(DISGUISES[normalise(ch)]))
        piece *= draw(st.integers(1, 3))
        if draw(st.booleans()):
            piece += draw(st.sampled_from(COMBINING))
        if draw(st.integers(0, 4)) == 0:
            piece += draw(st.sampled_from(ZERO_WIDTH))
        out.append(piece)
    return "".join(out)


@st.composite
def phrase_and_disguise(draw: st.DrawFn) -> tuple[str, str]:
    tokens = draw(st.lists(words, min_size=1, max_size=3))
    separators = st.sampled_from([" ", "  ", "-", ". ", ", ", "_", " / ", "\t", "!!"])
    disguised_tokens = [draw(disguised(token)) for token in tokens]
    body = disguised_tokens[0]
    for token in disguised_tokens[1:]:
        body += draw(separators) + token
    before = draw(st.sampled_from(["", "find ", "(", "where is "]))
    after = draw(st.sampled_from(["", " now", "?", ")", " 2024"]))
    return " ".join(tokens), before + body + after


@settings(max_examples=300, deadline=None)
@given(phrase_and_disguise())
def test_match__term_in_any_allowed_disguise__is_found(pair: tuple[str, str]) -> None:
    # Given a listed term (placeholder letters) and a query that hides it
    term, query = pair
    terms = TermList([Term(term, 1, normalise(term))])
    # When the query is checked / Then the term is found
    hit = terms.match(query)
    assert hit is not None, (term, query, normalise(query), normalise(term))
    assert hit.entry == term


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(alphabet="bcdfg", min_size=2, max_size=8), min_size=1, max_size=20),
    st.text(alphabet="hkmnpruvwxyz0125 .-,?", max_size=80),
)
def test_match__query_without_any_term_letters__never_matches(
    entries: list[str], query: str
) -> None:
    # Given terms made only of b, c, d, f, g, and a query whose characters never normalise to them
    terms = TermList([Term(e, i, normalise(e)) for i, e in enumerate(entries, start=1)])
    # Then nothing matches
    assert terms.match(query) is None


@settings(max_examples=200, deadline=None)
@given(st.lists(words, min_size=1, max_size=5), st.text(alphabet=LETTERS + " .-", max_size=60))
def test_match__agrees_with_a_naive_whole_token_search(entries: list[str], query: str) -> None:
    # Aho-Corasick finds a term exactly when a plain substring search on the padded forms does
    terms = TermList([Term(e, i, normalise(e)) for i, e in enumerate(entries, start=1)])
    naive = any(
        f" {normalise(e)} " in f" {form} "
        for e in entries
        for form in (normalise(query), joined(query))
    )
    assert (terms.match(query) is not None) == naive


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec=None), max_size=200))
def test_normalise__any_text__gives_clean_single_spaced_tokens_and_is_idempotent(text: str) -> None:
    form = normalise(text)
    assert form == normalise(form)
    assert "  " not in form and form == form.strip()
    assert all(ch == " " or ch.isalnum() or unicodedata.category(ch) == "Mc" for ch in form)


@pytest.fixture(scope="module")
def matcher(tmp_path_factory: pytest.TempPathFactory) -> TermMatcher:
    path = tmp_path_factory.mktemp("terms") / "terms.txt"
    path.write_text("tokenalpha\ntoken beta phrase\n", encoding="utf-8")
    return TermMatcher(path, reload_check_s=3600)


@settings(max_examples=200, deadline=None)
@given(query=st.one_of(st.binary(max_size=600), st.text(st.characters(codec=None), max_size=600)))
def test_matcher__random_text_or_bytes__never_crashes(
    matcher: TermMatcher, query: str | bytes
) -> None:
    # When anything at all is checked / Then the answer is a term, None, or a clear refusal
    try:
        result = matcher.match(query)
    except QueryTooLongError:
        assert len(query if isinstance(query, str) else query.decode("utf-8", "replace")) > 512
    else:
        assert result is None or result.entry in {"tokenalpha", "token beta phrase"}


def test_normalise__documented_examples() -> None:
    assert normalise("  T0KÉN--ÁLPHA!!  ") == "token aipha"
    assert normalise("ＴＯＫＥＮ") == "token"
    assert normalise("tоkеn") == "token"  # Cyrillic о and е
    assert normalise("t\u200bo\u00adken") == "token"
    assert normalise("t00kkeen") == "token"
    assert joined("t.o.k.e.n-alpha") == "tokenaipha"


def test_normalise__doubled_letters_in_a_term__match_both_spellings() -> None:
    # Given a term that legitimately has a doubled letter
    terms = TermList([Term("tokenbetta", 1, normalise("tokenbetta"))])
    # Then the same word with a single or a tripled letter matches too (both sides collapse runs)
    assert terms.match("tokenbeta") is not None
    assert terms.match("tokenbettta") is not None
    assert terms.match("tokenbetty") is None
