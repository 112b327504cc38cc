"""Research key files on disk: `public.key` (age recipients, one per line) and `private.key`.

Reading and writing only; the cryptography is in store/sealing.py. Files are written with
owner-only permissions first and never overwritten (overwriting a key loses every sealed answer).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from helpseek.problems import InputError, Problem, problem
from helpseek.store.sealing import (
    KdfStrength,
    Recipients,
    ResearchIdentity,
    ResearchKeypair,
    generate_research_keypair,
    merge_recipients,
    parse_public_keys,
    protect_private_key,
    unlock_private_key,
)

PUBLIC_KEY_FILE = "public.key"
PRIVATE_KEY_FILE = "private.key"


def load_public_keys(paths: Iterable[Path], inline: Iterable[str] = ()) -> Recipients:
    """Every research public key in the files (one "age1..." per line) and the inline keys.

    Raises one InputError listing every missing file and bad line.
    """
    groups: list[Recipients] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            groups.append(parse_public_keys(_read_text(path), str(path)))
        except InputError as error:
            problems.extend(error.problems)
    inline_keys = "\n".join(inline)
    if inline_keys.strip():
        try:
            groups.append(parse_public_keys(inline_keys, "--recipient"))
        except InputError as error:
            problems.extend(error.problems)
    if problems:
        raise InputError(problems)
    recipients = merge_recipients(groups)
    if not recipients.keys:
        raise InputError([problem("KEYS-002", path="(no --public-key given)")])
    return recipients


def write_research_key(
    out_dir: Path, passphrase: str, strength: KdfStrength = "moderate"
) -> ResearchKeypair:
    """Generate a research key and write `out_dir/public.key` and `out_dir/private.key`.

    Refuses (KEYS-008) when either file already exists; creates `out_dir` if needed.
    """
    public_path, private_path = out_dir / PUBLIC_KEY_FILE, out_dir / PRIVATE_KEY_FILE
    if public_path.exists() or private_path.exists():
        raise InputError([problem("KEYS-008", path=str(out_dir))])
    keypair = generate_research_keypair()
    protected = protect_private_key(keypair.identity, passphrase, strength)
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_new(private_path, protected, 0o600)
    _write_new(public_path, f"{keypair.public_key}\n".encode("ascii"), 0o644)
    return keypair


def load_private_key(path: Path, passphrase: str) -> ResearchIdentity:
    """Unlock a private key file; InputError on a missing file, wrong passphrase or damage."""
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        raise InputError([problem("CLI-001", path=str(path))]) from None
    except OSError as error:
        raise InputError([problem("CLI-002", path=str(path), reason=error.strerror)]) from None
    return unlock_private_key(blob, passphrase, str(path))


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError([problem("CLI-001", path=str(path))]) from None
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "it is not UTF-8 text"
        raise InputError([problem("CLI-002", path=str(path), reason=reason)]) from None


def _write_new(path: Path, content: bytes, mode: int) -> None:
    # O_EXCL: never replace an existing key file, even if one appeared since the check above.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
