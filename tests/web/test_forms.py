"""Reading a submitted form: strict urlencoding, UTF-8 only, bounded fields."""

from __future__ import annotations

import pytest

from helpseek.web.forms import FormRejected, parse_form


def test_parse_form__repeated_names__collect_values_in_order() -> None:
    assert parse_form(b"q=a&q=b&t=%C3%A9", 10) == {"q": ["a", "b"], "t": ["é"]}


def test_parse_form__empty_body__is_no_fields() -> None:
    assert parse_form(b"", 10) == {}


@pytest.mark.parametrize(
    "body",
    [b"q=%ff%fe", b"\xff=1", b"q", b"q=1&&r=2", b"q=%00", b"q=a%2"],
    ids=["invalid-utf8-escape", "raw-non-ascii", "no-equals", "empty-pair", "nul", "bad-escape"],
)
def test_parse_form__malformed__is_400(body: bytes) -> None:
    with pytest.raises(FormRejected) as caught:
        parse_form(body, 10)
    assert caught.value.status == 400


def test_parse_form__too_many_fields__is_413() -> None:
    with pytest.raises(FormRejected) as caught:
        parse_form(b"&".join(b"f%d=1" % i for i in range(11)), 10)
    assert caught.value.status == 413
