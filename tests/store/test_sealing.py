"""Sealing pages to the research keys, padding, session state, and the private key file."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpseek.problems import InputError, catalogue
from helpseek.store import (
    PageRecord,
    Recipients,
    ResearchKeypair,
    SealedRecord,
    SessionStateError,
    UnsealError,
    new_session_key,
    open_session_state,
    parse_public_keys,
    protect_private_key,
    read_public_key_of,
    seal_page,
    seal_session_state,
    unlock_private_key,
    unseal_record,
)
from helpseek.store.sealing import PAD_FLOOR_BYTES, SESSION_PAD_FLOOR_BYTES, pad, unpad


def to(*keys: ResearchKeypair) -> Recipients:
    return Recipients(tuple(k.public_key for k in keys))


def payload(sealed: SealedRecord) -> bytes:
    """The age payload after the header (16-byte nonce + chunks).

    pyrage adds a random-size "grease" stanza to every header, so the header length varies from
    record to record whatever the content; the payload length is what padding makes constant.
    """
    end_of_mac_line = sealed.data.index(b"\n", sealed.data.index(b"\n--- ") + 1)
    return sealed.data[end_of_mac_line + 1 :]


def page(answer: str) -> bytes:
    return PageRecord(
        "r1", "form", "1", "en", "p1", 1, {"q_text": answer}, ("q_text",), "2026-11-29", 20
    ).to_json()


@settings(max_examples=40, deadline=None)
@given(plaintext=st.binary(max_size=5000))
def test_seal_page__any_bytes__unseal_returns_them_exactly(
    research_key: ResearchKeypair, plaintext: bytes
) -> None:
    sealed = seal_page(plaintext, to(research_key))
    assert unseal_record(sealed, research_key.identity) == plaintext


def test_seal_page__answers_of_different_lengths__payload_length_is_the_same_bucket(
    research_key: ResearchKeypair,
) -> None:
    # Given pages whose answers differ in length but stay under the 1 KiB floor
    short, long = page("tokenalpha"), page("tokenalpha " * 60)
    assert len(short) < len(long) < PAD_FLOOR_BYTES
    # When both are sealed
    sizes = {len(payload(seal_page(p, to(research_key)))) for p in (short, long, b"")}
    # Then the payload after the header has one length: the length does not reveal the answers
    assert len(sizes) == 1


def test_pad__sizes__power_of_two_buckets_with_1_kib_floor() -> None:
    assert [len(pad(b"x" * n)) for n in (0, 500, 1023, 1024, 2047, 2048, 5000)] == [
        1024,
        1024,
        1024,
        2048,
        2048,
        4096,
        8192,
    ]
    assert unpad(pad(b"tokenalpha")) == b"tokenalpha"


def test_unseal_record__wrong_research_key__raises_unseal_error(
    research_key: ResearchKeypair, second_research_key: ResearchKeypair
) -> None:
    sealed = seal_page(b"tokenalpha", to(research_key))
    with pytest.raises(UnsealError, match="no matching key"):
        unseal_record(sealed, second_research_key.identity)


def test_unseal_record__one_payload_byte_flipped__raises_unseal_error(
    research_key: ResearchKeypair,
) -> None:
    data = bytearray(seal_page(b"tokenalpha", to(research_key)).data)
    data[-3] ^= 0x01
    with pytest.raises(UnsealError, match="altered"):
        unseal_record(SealedRecord(bytes(data)), research_key.identity)


def test_seal_page__two_recipients__each_researcher_unseals_alone(
    research_key: ResearchKeypair, second_research_key: ResearchKeypair
) -> None:
    sealed = seal_page(b"tokenalpha", to(research_key, second_research_key))
    assert unseal_record(sealed, research_key.identity) == b"tokenalpha"
    assert unseal_record(sealed, second_research_key.identity) == b"tokenalpha"


@pytest.mark.skipif(shutil.which("age") is None, reason="Debian `age` is installed by .ci/run")
def test_sealed_record__debian_age_cli__decrypts_it_without_helpseek(
    research_key: ResearchKeypair, tmp_path: Path
) -> None:
    # Given a sealed page written to a file, and the bare identity (as `keys show-identity` prints)
    record = page("tokenalpha")
    (tmp_path / "record.age").write_bytes(seal_page(record, to(research_key)).data)
    (tmp_path / "identity.txt").write_text(research_key.identity.secret + "\n")
    # When the reference `age` tool decrypts it
    result = subprocess.run(
        ["age", "-d", "-i", str(tmp_path / "identity.txt"), str(tmp_path / "record.age")],
        capture_output=True,
        check=True,
    )
    # Then the output is the JSON page followed by the documented ISO/IEC 7816-4 padding
    assert result.stdout.startswith(record + b"\x80")
    assert set(result.stdout[len(record) + 1 :]) <= {0}
    assert len(result.stdout) == PAD_FLOOR_BYTES


def test_sealed_record__plaintext_bytes__are_refused() -> None:
    with pytest.raises(ValueError, match="age v1"):
        SealedRecord(page("tokenalpha"))


def test_session_state__round_trip__returns_the_state() -> None:
    key = new_session_key()
    blob = seal_session_state(key, b'{"q_text": "tokenalpha"}')
    assert b"tokenalpha" not in blob
    assert len(blob) == SESSION_PAD_FLOOR_BYTES + 40  # padded; 24-byte nonce + 16-byte MAC
    assert open_session_state(key, blob) == b'{"q_text": "tokenalpha"}'


def test_session_state__screened_out_or_far_along__one_length() -> None:
    # A state holds the answers so far: a short one and one of 3,000 bytes look alike (issue 12)
    key = new_session_key()
    short, long = (seal_session_state(key, b"x" * n) for n in (200, 3000))
    assert len(short) == len(long) == SESSION_PAD_FLOOR_BYTES + 40


def test_session_state__other_session_key_or_tampering__raises_session_state_error() -> None:
    key = new_session_key()
    blob = bytearray(seal_session_state(key, b"tokenalpha"))
    with pytest.raises(SessionStateError):
        open_session_state(new_session_key(), bytes(blob))
    blob[30] ^= 0x01
    with pytest.raises(SessionStateError):
        open_session_state(key, bytes(blob))


def test_parse_public_keys__several_lines_comments_and_duplicates__keeps_each_key_once(
    research_key: ResearchKeypair, second_research_key: ResearchKeypair
) -> None:
    text = f"# team\n{research_key.public_key}\n\n{second_research_key.public_key}\n"
    text += research_key.public_key + "\n"
    assert parse_public_keys(text).keys == (research_key.public_key, second_research_key.public_key)


def test_parse_public_keys__bad_line__names_file_and_line() -> None:
    with pytest.raises(InputError) as caught:
        parse_public_keys("# keys\nage1notakey\n", "team.key")
    [found] = caught.value.problems
    assert found.code == "KEYS-001"
    assert str(found.location) == "team.key, row 2"


def test_parse_public_keys__a_private_key__is_refused_with_advice(
    research_key: ResearchKeypair,
) -> None:
    with pytest.raises(InputError) as caught:
        parse_public_keys(research_key.identity.secret, "oops.key")
    assert [p.code for p in caught.value.problems] == ["KEYS-007"]


def test_parse_public_keys__empty_file__says_no_key() -> None:
    with pytest.raises(InputError) as caught:
        parse_public_keys("# nothing here\n", "empty.key")
    assert caught.value.problems[0].message == catalogue["KEYS-002"].format(path="empty.key")


@pytest.fixture(scope="module")
def protected(research_key: ResearchKeypair) -> bytes:
    return protect_private_key(research_key.identity, "correct horse battery")


def test_private_key_file__right_passphrase__unlocks_the_identity(
    research_key: ResearchKeypair, protected: bytes
) -> None:
    assert protected.startswith(b"helpseek-private-key/1\npublic age1")
    assert research_key.identity.secret.encode() not in protected
    assert unlock_private_key(protected, "correct horse battery") == research_key.identity
    assert read_public_key_of(protected) == research_key.public_key


def test_private_key_file__wrong_passphrase__is_a_clear_problem(protected: bytes) -> None:
    with pytest.raises(InputError) as caught:
        unlock_private_key(protected, "wrong horse battery", "keys/private.key")
    [found] = caught.value.problems
    assert found.code == "KEYS-005"
    assert found.message == catalogue["KEYS-005"].format(path="keys/private.key")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda b: b.replace(b"helpseek-private-key/1", b"something-else"), "the first line"),
        (lambda b: b.replace(b"argon2id 3 ", b"argon2id 1 "), "weaker than helpseek allows"),
        (lambda b: b.rsplit(b"\n", 2)[0], "a line is missing"),
        (lambda b: b"\xff\xfe" + b, "not text"),
    ],
)
def test_private_key_file__damaged__names_what_is_wrong(
    protected: bytes, change: object, reason: str
) -> None:
    assert callable(change)
    with pytest.raises(InputError) as caught:
        unlock_private_key(change(protected), "correct horse battery")
    assert caught.value.problems[0].code == "KEYS-004"
    assert reason in caught.value.problems[0].message


def test_protect_private_key__short_passphrase__is_refused(research_key: ResearchKeypair) -> None:
    with pytest.raises(InputError) as caught:
        protect_private_key(research_key.identity, "short")
    assert caught.value.problems[0].code == "KEYS-003"


def test_research_identity__repr__does_not_show_the_secret(research_key: ResearchKeypair) -> None:
    assert "AGE-SECRET-KEY" not in repr(research_key)
