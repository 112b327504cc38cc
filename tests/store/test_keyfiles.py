"""Research key files on disk: several public keys, and the private key written once, owner-only."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from helpseek.problems import InputError
from helpseek.store import (
    ResearchKeypair,
    load_private_key,
    load_public_keys,
    seal_page,
    unseal_record,
    write_research_key,
)


def test_load_public_keys__two_files_and_an_inline_key__every_researcher_can_unseal(
    tmp_path: Path, research_key: ResearchKeypair, second_research_key: ResearchKeypair
) -> None:
    third = write_research_key(tmp_path / "third", "correct horse battery")
    (tmp_path / "a.key").write_text(research_key.public_key + "\n")
    (tmp_path / "b.key").write_text(f"# second researcher\n{second_research_key.public_key}\n")
    recipients = load_public_keys(
        [tmp_path / "a.key", tmp_path / "b.key", tmp_path / "third" / "public.key"]
    )
    sealed = seal_page(b"tokenalpha", recipients)
    identity = load_private_key(tmp_path / "third" / "private.key", "correct horse battery")
    assert identity.public_key == third.public_key
    for each in (research_key.identity, second_research_key.identity, identity):
        assert unseal_record(sealed, each) == b"tokenalpha"


def test_load_public_keys__missing_file_and_bad_line__both_reported_at_once(tmp_path: Path) -> None:
    (tmp_path / "bad.key").write_text("age1nope\n")
    with pytest.raises(InputError) as caught:
        load_public_keys([tmp_path / "missing.key", tmp_path / "bad.key"])
    assert [p.code for p in caught.value.problems] == ["CLI-001", "KEYS-001"]


def test_write_research_key__files_are_new_and_the_private_one_owner_only(tmp_path: Path) -> None:
    write_research_key(tmp_path, "correct horse battery")
    assert stat.S_IMODE((tmp_path / "private.key").stat().st_mode) == 0o600
    with pytest.raises(InputError) as caught:
        write_research_key(tmp_path, "correct horse battery")
    assert caught.value.problems[0].code == "KEYS-008"
