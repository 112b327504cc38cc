"""Research keys, padding and sealing: the ONLY module that imports the crypto libraries.

Pages are padded to power-of-two buckets (1 KiB floor) and sealed in the age v1 format (pyrage,
X25519 recipients), so `age -d -i identity.txt record.age` opens one without helpseek. In-progress
session state is sealed with a per-session SecretBox key that only the respondent's token carries.
"""

from __future__ import annotations

import base64
import functools
import hmac
import secrets
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import nacl.bindings
import nacl.exceptions
import nacl.secret
import nacl.utils
import pyrage  # type: ignore[import-untyped]  # no stubs; kept behind this module
from nacl.pwhash import argon2id
from pyrage import x25519

from helpseek.problems import HelpseekError, InputError, Location, problem

AGE_MAGIC = b"age-encryption.org/v1\n"
KEY_FILE_MAGIC = "helpseek-private-key/1"
#: Smallest padded size: every page, however short, looks like at least 1 KiB (DESIGN.md).
PAD_FLOOR_BYTES = 1024
#: Smallest padded in-progress state. A state holds the answers so far, so with a 1 KiB floor a
#: response half-way through the bundled questionnaire had a 2 KiB state and a screened-out one a
#: 1 KiB state; 4 KiB holds every bundled questionnaire's whole state with short answers (issue 12).
SESSION_PAD_FLOOR_BYTES = 4096
#: Refuse to seal more than this; the web shell bounds request bodies far below it.
MAX_PLAINTEXT_BYTES = 16 * 1024 * 1024
SESSION_KEY_BYTES = nacl.secret.SecretBox.KEY_SIZE
MIN_PASSPHRASE_CHARS = 8
KdfStrength = Literal["moderate", "sensitive"]
# MODERATE (3 passes, 256 MiB) is the floor: the key is unlocked once per analysis session
# (notes/libraries.md §1); SENSITIVE (4 passes, 1 GiB) for researchers who can afford ~2 s.
_KDF_LIMITS: dict[str, tuple[int, int]] = {
    "moderate": (argon2id.OPSLIMIT_MODERATE, argon2id.MEMLIMIT_MODERATE),
    "sensitive": (argon2id.OPSLIMIT_SENSITIVE, argon2id.MEMLIMIT_SENSITIVE),
}


#: argon2id for respondent codes (docs/decisions/0005-respondent-codes.md): 3 passes over 64 MiB
#: (RFC 9106's second recommended setting, one lane as libsodium has it); measured per derivation
#: in benchmarks/code_kdf.py. The server runs one per pause, resume and withdrawal step.
CODE_KDF_OPSLIMIT = 3
CODE_KDF_MEMLIMIT = 64 * 1024 * 1024
CODE_KDF_CONCURRENCY = 2
CODE_LOOKUP_BYTES = 16
_CODE_DERIVATIONS = threading.BoundedSemaphore(CODE_KDF_CONCURRENCY)


@dataclass(frozen=True)
class SealedRecord:
    """One padded, sealed page: an age v1 file as bytes. Plaintext cannot be wrapped by mistake."""

    data: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.data, bytes) or not self.data.startswith(AGE_MAGIC):
            raise ValueError("a SealedRecord holds an age v1 file (it must come from seal_page)")

    def __bytes__(self) -> bytes:
        return self.data

    def __len__(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class Recipients:
    """The research public keys (age X25519 recipients, "age1..."); any one can unseal a record."""

    keys: tuple[str, ...]


@dataclass(frozen=True)
class ResearchIdentity:
    """The private half of a research key (an age identity). Never goes near the web shell."""

    secret: str = field(repr=False)

    @property
    def public_key(self) -> str:
        return str(_identity(self).to_public())


@dataclass(frozen=True)
class ResearchKeypair:
    """A freshly generated research key: `public_key` goes to the server, `identity` offline."""

    public_key: str
    identity: ResearchIdentity


class UnsealError(HelpseekError):
    """A sealed record could not be opened: wrong research key, or the record was altered."""


class SessionStateError(HelpseekError):
    """A session state blob could not be opened: wrong session key, or the blob was altered."""


def generate_research_keypair() -> ResearchKeypair:
    """A new X25519 research key pair in age's text form ("age1..." / "AGE-SECRET-KEY-1...")."""
    ident = x25519.Identity.generate()
    return ResearchKeypair(str(ident.to_public()), ResearchIdentity(str(ident)))


def parse_public_keys(text: str, source: str = "public key") -> Recipients:
    """Recipients from text with one "age1..." key per line; blank lines and # comments skipped.

    Raises InputError naming the file and line of every key that is not an age X25519 key.
    """
    if KEY_FILE_MAGIC in text or "AGE-SECRET-KEY-" in text.upper():
        # The private key must never reach the server (DESIGN.md threat model).
        raise InputError([problem("KEYS-007", path=source)])
    keys: list[str] = []
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        key = line.strip()
        if not key or key.startswith("#"):
            continue
        try:
            x25519.Recipient.from_str(key)
        except pyrage.RecipientError:
            problems.append(problem("KEYS-001", Location(source, row=number), path=source))
            continue
        if key not in keys:
            keys.append(key)
    if not keys and not problems:
        problems.append(problem("KEYS-002", path=source))
    if problems:
        raise InputError(problems)
    return Recipients(tuple(keys))


def merge_recipients(groups: Iterable[Recipients]) -> Recipients:
    """All keys of several Recipients, first occurrence kept (for several --public-key files)."""
    keys: dict[str, None] = {}
    for group in groups:
        keys.update(dict.fromkeys(group.keys))
    return Recipients(tuple(keys))


def pad(plaintext: bytes, floor: int = PAD_FLOOR_BYTES) -> bytes:
    """ISO/IEC 7816-4 padding to the next power of two, at least `floor` (a power of two).

    >>> [len(pad(b"x" * n)) for n in (0, 1023, 1024, 3000)]
    [1024, 1024, 2048, 4096]
    """
    bucket = floor
    while bucket <= len(plaintext):  # sodium_pad always adds at least one byte
        bucket *= 2
    return bytes(nacl.bindings.sodium_pad(plaintext, bucket))


def unpad(padded: bytes) -> bytes:
    """The inverse of `pad`; raises ValueError when the padding is not valid."""
    if len(padded) < PAD_FLOOR_BYTES or len(padded) & (len(padded) - 1):
        raise ValueError("padded data is not a power-of-two bucket")
    try:
        return bytes(nacl.bindings.sodium_unpad(padded, len(padded)))
    except (ValueError, nacl.exceptions.CryptoError) as error:
        raise ValueError("invalid padding") from error


def seal_page(plaintext: bytes, recipients: Recipients) -> SealedRecord:
    """Pad `plaintext` and seal it to every research key; the server cannot open the result."""
    if not recipients.keys:
        raise ValueError("no research public key to seal to")
    if len(plaintext) > MAX_PLAINTEXT_BYTES:
        raise ValueError(f"a page larger than {MAX_PLAINTEXT_BYTES} bytes is not sealed")
    return SealedRecord(pyrage.encrypt(pad(plaintext), list(_recipients(recipients.keys))))


def unseal_record(sealed: SealedRecord, identity: ResearchIdentity) -> bytes:
    """The plaintext page of a sealed record; raises UnsealError (never returns altered data)."""
    try:
        padded = pyrage.decrypt(sealed.data, [_identity(identity)])
        return unpad(padded)
    except pyrage.DecryptError as error:
        reason = "no matching key" if "matching" in str(error) else "the record was altered"
        raise UnsealError(reason) from error
    except ValueError as error:
        raise UnsealError("the record was altered") from error


def unseal_records(
    sealed: Sequence[SealedRecord], identity: ResearchIdentity
) -> list[bytes | UnsealError]:
    """`unseal_record` over many records, each failure returned in its record's place.

    Runs in export's worker processes (data/unseal.py), which import the store but not pandas.
    """
    opened: list[bytes | UnsealError] = []
    for record in sealed:
        try:
            opened.append(unseal_record(record, identity))
        except UnsealError as error:
            opened.append(error)
    return opened


def new_session_key() -> bytes:
    """A random 32-byte key for one respondent's in-progress state (travels in their token)."""
    return nacl.utils.random(SESSION_KEY_BYTES)


def seal_session_state(key: bytes, plaintext: bytes, floor: int = SESSION_PAD_FLOOR_BYTES) -> bytes:
    """Pad (to at least `floor` bytes, a power of two) and encrypt in-progress state with the
    session key, or a resume code's key (XSalsa20-Poly1305 SecretBox)."""
    padded = pad(plaintext, floor)
    return bytes(nacl.secret.SecretBox(key).encrypt(padded))


def open_session_state(key: bytes, blob: bytes) -> bytes:
    """The state sealed by `seal_session_state`; raises SessionStateError on a wrong key/tamper."""
    try:
        return unpad(nacl.secret.SecretBox(key).decrypt(blob))
    except (nacl.exceptions.CryptoError, ValueError, TypeError) as error:
        raise SessionStateError("session state could not be opened") from error


def seal_short(key: bytes, plaintext: bytes) -> bytes:
    """Encrypt a short value of fixed size with a server-held key (XSalsa20-Poly1305 SecretBox,
    random nonce, no padding: callers seal one fixed layout). Two seals of one value differ."""
    return bytes(nacl.secret.SecretBox(key).encrypt(plaintext))


def open_short(key: bytes, blob: bytes) -> bytes:
    """The value sealed by `seal_short`; raises SessionStateError on a wrong key or tampering."""
    try:
        return bytes(nacl.secret.SecretBox(key).decrypt(blob))
    except (nacl.exceptions.CryptoError, ValueError, TypeError) as error:
        raise SessionStateError("value could not be opened") from error


@dataclass(frozen=True)
class CodeKeys:
    """What argon2id derives from a respondent code: the `lookup` the store keys a row by, and
    the `key` that seals the row. Neither gives the code back (issue 14)."""

    lookup: bytes = field(repr=False)
    key: bytes = field(repr=False)


def derive_code_keys(material: bytes, salt: bytes) -> CodeKeys:
    """argon2id(material, salt) -> 16-byte lookup + 32-byte key (CODE_KDF_OPSLIMIT passes over
    CODE_KDF_MEMLIMIT bytes, one lane). At most CODE_KDF_CONCURRENCY run at once per process,
    so a burst of codes cannot take more than that many times 64 MiB.

    `material` is `codes.Code.kdf_input()`; `salt` is 16 bytes derived from the server secret.
    """
    if len(salt) != argon2id.SALTBYTES:
        raise ValueError(f"the salt must be {argon2id.SALTBYTES} bytes")
    with _CODE_DERIVATIONS:
        derived = argon2id.kdf(
            CODE_LOOKUP_BYTES + nacl.secret.SecretBox.KEY_SIZE,
            material,
            salt,
            opslimit=CODE_KDF_OPSLIMIT,
            memlimit=CODE_KDF_MEMLIMIT,
        )
    return CodeKeys(bytes(derived[:CODE_LOOKUP_BYTES]), bytes(derived[CODE_LOOKUP_BYTES:]))


def protect_private_key(
    identity: ResearchIdentity, passphrase: str, strength: KdfStrength = "moderate"
) -> bytes:
    """The private key file: the identity sealed with an argon2id-derived key (see README.md).

    Format, one item per line: the magic line `helpseek-private-key/1`, `public age1...`,
    `argon2id <opslimit> <memlimit> <salt base64>`, `secretbox <nonce+ciphertext base64>`.
    """
    if len(passphrase) < MIN_PASSPHRASE_CHARS:
        raise InputError([problem("KEYS-003", minimum=MIN_PASSPHRASE_CHARS)])
    opslimit, memlimit = _KDF_LIMITS[strength]
    salt = secrets.token_bytes(argon2id.SALTBYTES)
    box = nacl.secret.SecretBox(_derive(passphrase, salt, opslimit, memlimit))
    sealed = box.encrypt(identity.secret.encode("ascii"))
    lines = [
        KEY_FILE_MAGIC,
        f"public {identity.public_key}",
        f"argon2id {opslimit} {memlimit} {base64.b64encode(salt).decode()}",
        f"secretbox {base64.b64encode(bytes(sealed)).decode()}",
    ]
    return ("\n".join(lines) + "\n").encode("ascii")


def unlock_private_key(
    blob: bytes, passphrase: str, source: str = "private key"
) -> ResearchIdentity:
    """The identity in a private key file; InputError on a wrong passphrase or a damaged file."""
    public, opslimit, memlimit, salt, sealed = _parse_key_file(blob, source)
    try:
        secret = nacl.secret.SecretBox(_derive(passphrase, salt, opslimit, memlimit)).decrypt(
            sealed
        )
    except nacl.exceptions.CryptoError:
        raise InputError([problem("KEYS-005", path=source)]) from None
    identity = ResearchIdentity(secret.decode("ascii"))
    if not hmac.compare_digest(identity.public_key, public):
        raise InputError([problem("KEYS-004", path=source, reason="key mismatch")])
    return identity


def read_public_key_of(blob: bytes, source: str = "private key") -> str:
    """The "age1..." public key written in a private key file (no passphrase needed)."""
    return _parse_key_file(blob, source)[0]


def _parse_key_file(blob: bytes, source: str) -> tuple[str, int, int, bytes, bytes]:
    def damaged(reason: str) -> InputError:
        return InputError([problem("KEYS-004", path=source, reason=reason)])

    try:
        lines = blob.decode("ascii").split()
    except UnicodeDecodeError:
        raise damaged("it is not text") from None
    if not lines or lines[0] != KEY_FILE_MAGIC:
        raise damaged(f'the first line is not "{KEY_FILE_MAGIC}"')
    if len(lines) != 9 or lines[1] != "public" or lines[3] != "argon2id" or lines[7] != "secretbox":
        raise damaged("a line is missing or out of order")
    try:
        opslimit, memlimit = int(lines[4]), int(lines[5])
        salt = base64.b64decode(lines[6], validate=True)
        sealed = base64.b64decode(lines[8], validate=True)
    except ValueError:
        raise damaged("a number or base64 field is malformed") from None
    floor_ops, floor_mem = _KDF_LIMITS["moderate"]
    if opslimit < floor_ops or memlimit < floor_mem or len(salt) != argon2id.SALTBYTES:
        raise damaged("the key-derivation parameters are weaker than helpseek allows")
    return lines[2], opslimit, memlimit, salt, sealed


def _derive(passphrase: str, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    return bytes(
        argon2id.kdf(
            nacl.secret.SecretBox.KEY_SIZE,
            passphrase.encode("utf-8"),
            salt,
            opslimit=opslimit,
            memlimit=memlimit,
        )
    )


@functools.lru_cache(maxsize=16)
def _recipients(keys: tuple[str, ...]) -> tuple[x25519.Recipient, ...]:
    return tuple(x25519.Recipient.from_str(key) for key in keys)


def _identity(identity: ResearchIdentity) -> x25519.Identity:
    try:
        return x25519.Identity.from_str(identity.secret)
    except pyrage.IdentityError:
        raise InputError([problem("KEYS-006")]) from None
