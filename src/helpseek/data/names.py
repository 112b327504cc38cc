"""Variable names and labels that SPSS and Stata accept: valid, unique, deterministic (issue 11).

| format | name rules (what readstat, and so pyreadstat, enforce) |
|--------|---------------------------------------------------------|
| Stata  | ASCII letters, digits, `_`; starts with a letter or `_`; at most 32 characters; not a  |
|        | reserved word (`in`, `if`, `byte`, `str9`...); unique (case-sensitive). A variable  |
|        | with value labels gets a label set named name + a running number (pyreadstat), and a   |
|        | label name has the same 32-character limit: such names keep room for that number.     |
| SPSS   | ASCII letters, digits, `_`, `.`; starts with a letter; at most 64 bytes; not ending in |
|        | `.`; not a reserved word (ALL, AND, BY, EQ, ...); unique ignoring case.                |

A valid name is kept as is. Any other gets a deterministic short form: the cleaned name cut to fit,
`_`, and 6 hex digits of the SHA-1 of the original name (of name#k if that still collides).
Labels are cut on a character boundary to the format's byte limit (SPSS: 256 bytes for a variable
label, 120 for a value label; Stata: 80 characters), so a Russian or Arabic label is not split
inside a letter. The codebook records every original name next to its file names.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence

STATA_NAME_CHARS = 32
SPSS_NAME_BYTES = 64
SPSS_VARIABLE_LABEL_BYTES = 256
SPSS_VALUE_LABEL_BYTES = 120
STATA_VARIABLE_LABEL_CHARS = 80

# Stata's reserved names ([U] 11.3, as readstat checks them); str1..str2045 are reserved too.
STATA_RESERVED = frozenset(
    [
        "_all",
        "_b",
        "byte",
        "_coef",
        "_cons",
        "double",
        "float",
        "if",
        "in",
        "int",
        "long",
        "_n",
        "_N",
        "_pi",
        "_pred",
        "_rc",
        "_skip",
        "strL",
        "using",
        "with",
    ]
)
# SPSS's reserved keywords (Command Syntax Reference, "Variable names"), any case.
SPSS_RESERVED = frozenset(
    ["ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"]
)


def stata_names(names: Sequence[str], labelled: Sequence[bool]) -> tuple[str, ...]:
    """A Stata name for each of `names` (in order); `labelled[i]`: variable i has value labels.

    >>> stata_names(["age", "in", "help_wanted__self_help_programme"], [False, False, True])
    ('age', 'in_', 'help_wanted__self_help_1913e2')
    """
    digits = max(3, len(str(max(sum(labelled) - 1, 0))))
    limits = [
        STATA_NAME_CHARS - digits if is_labelled else STATA_NAME_CHARS for is_labelled in labelled
    ]
    return _assign(names, limits, _stata_valid, _stata_clean, str)


def spss_names(names: Sequence[str]) -> tuple[str, ...]:
    """An SPSS name for each of `names` (in order).

    >>> spss_names(["age", "AGE", "by", "x.", "2nd"])
    ('age', 'AGE_4aaae5', 'by_', 'x_', 'v2nd')
    """
    return _assign(names, [SPSS_NAME_BYTES] * len(names), _spss_valid, _spss_clean, str.lower)


def _assign(
    names: Sequence[str],
    limits: Sequence[int],
    is_valid: Callable[[str, int], bool],
    clean: Callable[[str], str],
    key: Callable[[str], str],
) -> tuple[str, ...]:
    """Keep every valid name (the first of names equal under `key`), then give each other name
    its short form, avoiding every name taken."""
    kept: dict[int, str] = {}
    taken: set[str] = set()
    for i, (name, limit) in enumerate(zip(names, limits, strict=True)):
        if is_valid(name, limit) and key(name) not in taken:
            kept[i] = name
            taken.add(key(name))
    out = []
    for i, (name, limit) in enumerate(zip(names, limits, strict=True)):
        if i in kept:
            out.append(kept[i])
            continue
        candidate = clean(name)
        if not (is_valid(candidate, limit) and key(candidate) not in taken):
            candidate = _hashed(candidate, name, limit, is_valid, taken, key)
        taken.add(key(candidate))
        out.append(candidate)
    return tuple(out)


def _hashed(
    stem: str,
    name: str,
    limit: int,
    is_valid: Callable[[str, int], bool],
    taken: set[str],
    key: Callable[[str], str],
) -> str:
    for attempt in range(1000):
        seed = name if attempt == 0 else f"{name}#{attempt}"
        digest = hashlib.sha1(seed.encode()).hexdigest()[:6]
        candidate = f"{stem[: limit - 7]}_{digest}"
        if is_valid(candidate, limit) and key(candidate) not in taken:
            return candidate
    raise AssertionError(f"no free export name for {name!r}")  # 1000 SHA-1 collisions: impossible


def _stata_valid(name: str, limit: int) -> bool:
    return (
        re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) is not None
        and len(name) <= limit
        and name not in STATA_RESERVED
        and re.fullmatch(r"str[0-9]+", name) is None
    )


def _stata_clean(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_]", "_", name)
    cleaned = cleaned if re.match(r"[A-Za-z_]", cleaned) else f"v{cleaned}"
    return f"{cleaned}_" if _reserved_stata(cleaned) else cleaned


def _reserved_stata(name: str) -> bool:
    return name in STATA_RESERVED or re.fullmatch(r"str[0-9]+", name) is not None


def _spss_valid(name: str, limit: int) -> bool:
    return (
        re.fullmatch(r"[A-Za-z][A-Za-z0-9_.]*", name) is not None
        and len(name.encode()) <= limit
        and not name.endswith(".")
        and name.upper() not in SPSS_RESERVED
    )


def _spss_clean(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_.]", "_", name)
    cleaned = cleaned if re.match(r"[A-Za-z]", cleaned) else f"v{cleaned}"
    cleaned = cleaned[:-1] + "_" if cleaned.endswith(".") else cleaned
    return f"{cleaned}_" if cleaned.upper() in SPSS_RESERVED else cleaned


def cut_bytes(text: str, limit: int) -> str:
    """`text` shortened to at most `limit` UTF-8 bytes without splitting a character.

    >>> cut_bytes("Да, конечно", 7)
    'Да, '
    """
    encoded = text.encode()
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", errors="ignore")
