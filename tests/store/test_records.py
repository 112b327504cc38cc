"""A page record's JSON (issue 16: written by orjson): the bytes json.dumps gave before, read back
as the same record by every reader (export's `PageRecord.from_json`, plain `json.loads`)."""

from __future__ import annotations

import json
import math

from hypothesis import given
from hypothesis import strategies as st

from helpseek.store import PageRecord

_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)  # no lone surrogates
_ANSWER = st.one_of(
    _TEXT,
    st.integers(-(2**31) + 1, 2**31 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.lists(_TEXT, max_size=4),
)


def _before(record: PageRecord) -> bytes:
    """What `to_json` wrote before orjson (main at cdf08d7)."""
    data = dict(vars(record))
    data["answers"] = dict(record.answers)
    data["shown"] = list(record.shown)
    if record.withdrawal is None:
        del data["withdrawal"]
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _tiny(value: object) -> bool:
    """A float orjson writes in another notation than json (0.00001 for 1e-05)."""
    return isinstance(value, float) and 1e-9 <= abs(value) < 1e-4


@given(
    answers=st.dictionaries(_TEXT, _ANSWER, max_size=6),
    language=_TEXT,
    withdrawal=st.none() | _TEXT,
)
def test_page_record_json__same_bytes_as_before__same_record_read_back(
    answers: dict[str, object], language: str, withdrawal: str | None
) -> None:
    record = PageRecord(
        "r" * 32, "form", "1", language, "p1", 3, answers, tuple(answers), "2026-12", 20,
        "complete", withdrawal=withdrawal,
    )  # fmt: skip
    written = record.to_json()
    assert json.loads(written) == json.loads(_before(record))
    assert PageRecord.from_json(written) == PageRecord.from_json(_before(record)) == record
    if not any(_tiny(v) for v in answers.values()):
        assert written == _before(record)


def test_page_record_json__tiny_decimal__same_number_another_notation() -> None:
    record = PageRecord("r1", "f", "1", "ñ", "p1", 1, {"dose": 0.00001}, ("dose",), "2026-12", 0)
    assert b'"dose":0.00001' in record.to_json() and b'"dose":1e-05' in _before(record)
    value = json.loads(record.to_json())["answers"]["dose"]
    assert value == 1e-05 and math.copysign(1, value) == 1
