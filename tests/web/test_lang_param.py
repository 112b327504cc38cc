"""The `lang` query parameter read from the raw query string (issue 16): what starlette's
`request.query_params.get("lang")` gave, for any query string."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st
from starlette.requests import Request

from helpseek.web.handlers import lang_param

_PIECES = st.sampled_from(["lang", "=", "&", ";", "de", "fa", "%20", "%ff", "+", "x", "é", ""])


@given(st.lists(_PIECES, max_size=12).map("".join) | st.binary(max_size=30).map(bytes.hex))
@example("lang=de&lang=fa")
@example("lang")
@example("lang=")
@example("")
def test_lang_param__any_query__what_starlettes_query_params_gave(query: str) -> None:
    raw = query.encode("utf-8")
    request = Request({"type": "http", "query_string": raw, "headers": []})
    assert lang_param(request) == request.query_params.get("lang")
