"""`${name}` in a label or hint (shown filled in by the server, collect/piping.py) must name a
question above it whose answer is known when the page is drawn; otherwise the form is refused at
load time with a message naming the row and column (INSTRUMENT-053/054)."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpseek.instrument import instrument_from_markdown, load_instrument
from helpseek.problems import InputError, Location, Problem

CORPUS = Path(__file__).parent / "corpus" / "pyxform" / "example_xls"


def _problems(survey_rows: str) -> list[Problem]:
    form = f"""
| survey |
| | type | name | label | hint | appearance |
{survey_rows}
| choices |
| | list_name | name | label |
| | yn | yes | Yes |
"""
    try:
        instrument_from_markdown(form, file="form.md")
    except InputError as error:
        return list(error.problems)
    return []


def test_a_text_showing_an_earlier_page_s_answer_or_a_calculation_loads() -> None:
    form = instrument_from_markdown("""
| survey |
| | type | name | label | hint | calculation |
| | text | nick | Name? | | |
| | calculate | twice | | | concat(${nick}, ${nick}) |
| | note | hi | Hello ${nick} | Also ${ nick } and ${twice} | |
""")
    assert form.question("hi").hint.get("default") == "Also ${ nick } and ${twice}"


def test_an_unknown_name_is_refused_naming_row_column_and_the_near_miss() -> None:
    (found,) = _problems("""
| | integer | age | Age? | | |
| | note | n | You are ${agee} | | |
""")
    assert found.code == "INSTRUMENT-053"
    assert found.location == Location("form.md", "survey", 3, "label")
    assert '"${agee}"' in found.message and 'Did you mean "age"?' in found.message


@pytest.mark.parametrize(
    ("rows", "column", "where"),
    [
        ("| | note | n | Hi | You are ${age} | |\n| | integer | age | Age? | | |", "hint",
         "further down the form"),
        (("| | begin_group | g | G | | field-list |\n| | integer | age | Age? | | |\n"
          "| | note | n | You are ${age} | | |\n| | end_group | | | | |"), "label",
         "on the same page"),
    ],
)  # fmt: skip
def test_an_answer_not_known_when_the_page_is_drawn_is_refused(
    rows: str, column: str, where: str
) -> None:
    (found,) = _problems(rows)
    assert (found.code, found.location.column) == ("INSTRUMENT-054", column)
    assert found.location.row is not None and where in found.message


def test_metadata_in_a_text_is_refused_as_in_expressions() -> None:
    (found,) = _problems("| | note | n | ${instanceID} | | |")
    assert found.code == "EXPRESSION-010"


@pytest.mark.parametrize("name", ["calculate.xls", "xml_escaping.xls"])
def test_pyxform_example_forms_that_show_calculations_load(name: str) -> None:
    form = load_instrument(CORPUS / name)
    assert any("${" in q.label.get("default") for q in form.questions if q.label)
