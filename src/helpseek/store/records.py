"""The plaintext of one sealed record: one submitted page of one response, or a filler.

Produced by the web shell (from `collect`), sealed by `store/sealing.py`, read back offline by
`data`. Plain JSON so that a researcher can decrypt a record with the `age` tool and read it.
Fillers are sealed and padded like pages, so that every response holds the same number of records
in the store; once unsealed they say only that they are fillers (issue 12). A tombstone says that
the response whose last page carries its check value was withdrawn (issue 14).
Must not import the crypto library (see store/sealing.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import orjson

SCHEMA = "helpseek.page/1"
FILLER_SCHEMA = "helpseek.filler/1"
TOMBSTONE_SCHEMA = "helpseek.tombstone/1"
#: The whole plaintext of every filler record: nothing about any response.
FILLER_JSON = b'{"schema":"helpseek.filler/1"}'

ResponseStatus = Literal["partial", "complete"]


@dataclass(frozen=True)
class PageRecord:
    """One page of answers as submitted, with coarse paradata and no identifier of the respondent.

    `answers` holds the page's answers keyed by question name (see instrument.model.Answer);
    `shown` lists every question the page showed (so "shown, not answered" stays distinct from
    "not shown"); `seq` counts the pages this response submitted (1, 2, ...): with back navigation
    a page id can repeat, and the record with the highest `seq` wins for each question.
    `submitted_on` is a date ("2026-11-29", or coarser, e.g. "2026-11"), never a time.

    >>> r = PageRecord("r1", "f", "1", "en", "p1", 1, {"age": 30}, ("age",), "2026-11-29", 20)
    >>> PageRecord.from_json(r.to_json()) == r
    True
    """

    response_id: str
    form_id: str
    form_version: str
    language: str
    page_id: str
    seq: int
    answers: Mapping[str, Any]
    shown: tuple[str, ...]
    submitted_on: str
    page_seconds: int
    status: ResponseStatus = "partial"
    schema: str = field(default=SCHEMA)
    #: On the last page only: the check value of the response's withdrawal code (issue 14), which
    #: a tombstone carries too; absent on every other page and in records made before issue 14.
    withdrawal: str | None = None

    def to_json(self) -> bytes:
        # The fields as they are (asdict's deep copy cost more than the encoding, issue 16).
        data = dict(vars(self))
        data["answers"] = dict(self.answers)
        data["shown"] = list(self.shown)
        if self.withdrawal is None:
            del data["withdrawal"]
        # orjson: the bytes json.dumps(data, ensure_ascii=False, sort_keys=True,
        # separators=(",", ":")) gives in UTF-8, but for floats in [1e-9, 1e-4), written
        # 0.00001 or 4e-9 for 1e-05 or 4e-09 (the same numbers); a quarter of its CPU (issue 16).
        return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)

    @classmethod
    def from_json(cls, raw: bytes) -> PageRecord:
        data = json.loads(raw.decode("utf-8"))
        if data.get("schema") != SCHEMA:
            raise ValueError(f"not a {SCHEMA} record: schema {data.get('schema')!r}")
        data["shown"] = tuple(data["shown"])
        return cls(**data)


@dataclass(frozen=True)
class Tombstone:
    """The plaintext of a sealed tombstone: a response's withdrawal, named only by the check value
    its last page carries, and the date it was withdrawn (as coarse as the survey's dates).

    >>> Tombstone.from_json(Tombstone("ab" * 32, "2026-12-03").to_json()).withdrawn_on
    '2026-12-03'
    """

    withdrawal: str
    withdrawn_on: str
    schema: str = field(default=TOMBSTONE_SCHEMA)

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Tombstone:
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict) or data.get("schema") != TOMBSTONE_SCHEMA:
            raise ValueError(f"not a {TOMBSTONE_SCHEMA} record")
        return cls(str(data["withdrawal"]), str(data["withdrawn_on"]))


def is_filler(plaintext: bytes) -> bool:
    """Whether an unsealed record is a filler (export drops those).

    >>> is_filler(FILLER_JSON), is_filler(b'{"schema":"helpseek.page/1"}')
    (True, False)
    """
    try:
        data = json.loads(plaintext.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(data, dict) and data.get("schema") == FILLER_SCHEMA
