"""Fixtures for the export tests: small real questionnaires (two versions) and page records."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from helpseek.instrument import Instrument, instrument_from_markdown
from helpseek.store import PageRecord

FORM_V1 = """
| survey |
|        | type              | name    | label::English (en) | label::Español (es) | relevant        | calculation            |
|        | select_one yn     | stop    | Want to stop?       | ¿Quiere dejarlo?    |                 |                        |
|        | integer           | age     | Age                 | Edad                |                 |                        |
|        | select_multiple c | reasons | Reasons             | Razones             | ${stop} = 'yes' |                        |
|        | text              | why     | Why                 | Por qué             |                 |                        |
|        | decimal           | hours   | Hours               | Horas               |                 |                        |
|        | calculate         | adult   |                     |                     |                 | if(${age} >= 18, 1, 0) |
| choices |
|         | list_name | name       | label::English (en) | label::Español (es) |
|         | yn        | yes        | Yes                 | Sí                  |
|         | yn        | no         | No                  | No                  |
|         | c         | tokenalpha | Alpha               | Alfa                |
|         | c         | tokenbeta  | Beta                | Beta                |
| settings |
|          | form_id | version | default_language |
|          | study   | 1       | en               |
"""

# Version 2 adds a choice to "stop" and a question "mood", and drops "hours".
FORM_V2 = """
| survey |
|        | type              | name    | label::English (en) | label::Español (es) | relevant        |
|        | select_one yn     | stop    | Want to stop now?   | ¿Quiere dejarlo?    |                 |
|        | integer           | age     | Age                 | Edad                |                 |
|        | select_multiple c | reasons | Reasons             | Razones             | ${stop} = 'yes' |
|        | text              | why     | Why                 | Por qué             |                 |
|        | select_one m      | mood    | Mood                | Ánimo               |                 |
| choices |
|         | list_name | name       | label::English (en) | label::Español (es) |
|         | yn        | yes        | Yes                 | Sí                  |
|         | yn        | no         | No                  | No                  |
|         | yn        | unsure     | Not sure            | No sé               |
|         | c         | tokenalpha | Alpha               | Alfa                |
|         | c         | tokenbeta  | Beta                | Beta                |
|         | m         | good       | Good                | Bien                |
|         | m         | bad        | Bad                 | Mal                 |
| settings |
|          | form_id | version | default_language |
|          | study   | 2       | en               |
"""


@pytest.fixture(scope="session")
def form_v1() -> Instrument:
    return instrument_from_markdown(FORM_V1, "study_v1.md")


@pytest.fixture(scope="session")
def form_v2() -> Instrument:
    return instrument_from_markdown(FORM_V2, "study_v2.md")


PageMaker = Callable[..., PageRecord]


@pytest.fixture
def page() -> PageMaker:
    """page(response, seq, page_id, answers, shown=answers' names, ...) -> PageRecord."""

    def make(
        response: str,
        seq: int,
        page_id: str,
        answers: dict[str, Any],
        shown: tuple[str, ...] | None = None,
        *,
        version: str = "1",
        language: str = "en",
        on: str = "2026-11-29",
        seconds: int = 10,
        status: str = "partial",
    ) -> PageRecord:
        return PageRecord(
            response,
            "study",
            version,
            language,
            page_id,
            seq,
            answers,
            tuple(answers) if shown is None else shown,
            on,
            seconds,
            status,  # type: ignore[arg-type]
        )

    return make
