"""The term list file: comments, phrases, whole tokens, reload without restart, refusals."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpseek.invite import QueryTooLongError, TermMatcher, load_terms
from helpseek.invite.match import read_terms
from helpseek.problems import InputError, catalogue


def test_load_terms__comments_and_blank_lines__are_ignored(terms_file: Path) -> None:
    terms = load_terms(terms_file)
    assert [(t.entry, t.line) for t in terms.terms] == [
        ("tokenalpha", 2),
        ("token beta phrase", 3),
        ("quietgamma", 5),
    ]


@pytest.mark.parametrize(
    ("query", "entry"),
    [
        ("tokenalpha", "tokenalpha"),
        ("where is TOKENALPHA?", "tokenalpha"),
        ("a token beta phrase here", "token beta phrase"),
        ("token-beta-phrase", "token beta phrase"),
        ("quietgamma", "quietgamma"),
    ],
)
def test_match__whole_tokens_and_phrases__match(terms_file: Path, query: str, entry: str) -> None:
    hit = TermMatcher(terms_file).match(query)
    assert hit is not None and hit.entry == entry


@pytest.mark.parametrize(
    "query", ["tokenalphas", "pretokenalpha", "token beta", "beta phrase token", "", "   "]
)
def test_match__part_of_a_word_or_half_a_phrase__does_not_match(
    terms_file: Path, query: str
) -> None:
    assert TermMatcher(terms_file).match(query) is None


def test_match__over_long_query__is_refused_with_the_catalogue_message(terms_file: Path) -> None:
    matcher = TermMatcher(terms_file, max_query_chars=20)
    assert matcher.match("x" * 20) is None
    with pytest.raises(QueryTooLongError) as caught:
        matcher.match("tokenalpha " + "x" * 20)
    assert caught.value.problem.code == "INVITE-020"
    assert caught.value.problem.message == catalogue["INVITE-020"].format(length=31, max_chars=20)


def test_match__binary_query__is_decoded_with_replacement(terms_file: Path) -> None:
    matcher = TermMatcher(terms_file)
    assert matcher.match(b"\xff\xfe tokenalpha \x00\x80").entry == "tokenalpha"  # type: ignore[union-attr]
    assert matcher.match(b"\xff\xfe\x00") is None


def test_matcher__file_changes__are_picked_up_without_restart(terms_file: Path) -> None:
    # Given a running matcher that checks the file on every query
    matcher = TermMatcher(terms_file, reload_check_s=0)
    assert matcher.match("newdelta") is None
    # When the operator adds a line
    terms_file.write_text("tokenalpha\nnewdelta\n", encoding="utf-8")
    _bump_mtime(terms_file)
    # Then the next query sees it, and removed lines stop matching
    assert matcher.match("newdelta").entry == "newdelta"  # type: ignore[union-attr]
    assert matcher.match("quietgamma") is None


def test_matcher__no_reload_before_the_check_interval(terms_file: Path) -> None:
    now = [100.0]
    matcher = TermMatcher(terms_file, reload_check_s=5, clock=lambda: now[0])
    terms_file.write_text("newdelta\n", encoding="utf-8")
    _bump_mtime(terms_file)
    assert matcher.match("newdelta") is None  # still the old list
    now[0] += 5
    assert matcher.match("newdelta") is not None


def test_matcher__broken_reload__keeps_the_previous_list(terms_file: Path) -> None:
    # Given a running matcher
    matcher = TermMatcher(terms_file, reload_check_s=0)
    # When the file is replaced by one with an undecodable line
    terms_file.write_bytes(b"newdelta\n\xff\xfe broken\n")
    _bump_mtime(terms_file)
    # Then the filter keeps working with the old list, and the problem is recorded
    assert matcher.match("tokenalpha") is not None
    assert matcher.match("newdelta") is None
    assert [p.code for p in matcher.last_problems] == ["INVITE-010"]
    # And when the file disappears, the old list stays too
    terms_file.unlink()
    assert matcher.match("tokenalpha") is not None


def test_explicit_reload__returns_the_problems(terms_file: Path) -> None:
    matcher = TermMatcher(terms_file, reload_check_s=3600)
    terms_file.write_text("newdelta\n!!!\n", encoding="utf-8")
    problems = matcher.reload()
    assert [(p.code, p.severity, p.location.row) for p in problems] == [
        ("INVITE-011", "warning", 2)
    ]
    assert matcher.match("newdelta") is not None


def test_load_terms__undecodable_line__names_file_and_row(tmp_path: Path) -> None:
    path = tmp_path / "terms.txt"
    path.write_bytes(b"tokenalpha\n\xc3\x28\n")
    with pytest.raises(InputError) as caught:
        load_terms(path)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}, row 2: {catalogue['INVITE-010']} [INVITE-010]"
    ]


def test_read_terms__missing_file__is_a_cli_001_problem(tmp_path: Path) -> None:
    terms, problems = read_terms(tmp_path / "absent.txt")
    assert terms == () and [p.code for p in problems] == ["CLI-001"]


def test_read_terms__utf8_bom_and_crlf__are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "terms.txt"
    path.write_bytes("\ufefftokenalpha\r\ntoken beta phrase\r\n".encode())
    assert [t.entry for t in read_terms(path)[0]] == ["tokenalpha", "token beta phrase"]


def _bump_mtime(path: Path) -> None:
    # File systems with coarse timestamps could give the rewrite the same mtime.
    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
