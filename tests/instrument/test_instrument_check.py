"""`instrument check` problems: each names the place and uses the catalogue's exact message."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpseek.instrument import check_instrument, instrument_from_markdown
from helpseek.problems import InputError, Location, Problem, catalogue


def problems_of(markdown: str) -> list[Problem]:
    try:
        instrument_from_markdown(markdown, file="form.md")
    except InputError as error:
        return list(error.problems)
    return []


def only(problems: list[Problem], code: str) -> Problem:
    found = [p for p in problems if p.code == code]
    assert len(found) == 1, problems
    return found[0]


def test_check__unknown_reference_suggests_the_near_miss() -> None:
    problems = problems_of("""
| survey |
|        | type    | name  | label | relevant       |
|        | integer | q_age | Age?  |                |
|        | text    | why   | Why?  | ${q_agee} > 18 |
""")
    problem = only(problems, "INSTRUMENT-012")
    assert problem.location == Location("form.md", "survey", 3, "relevant")
    assert problem.message == catalogue["INSTRUMENT-012"].format(
        name="q_agee", hint=' Did you mean "q_age"?'
    )
    assert str(problem).startswith('form.md, sheet "survey", row 3, column "relevant": ')


def test_check__syntax_error_names_the_column() -> None:
    problem = only(
        problems_of("""
| survey |
|        | type    | name | label | constraint |
|        | integer | age  | Age?  | . >= (16   |
"""),
        "EXPRESSION-001",
    )
    assert problem.location == Location("form.md", "survey", 2, "constraint")
    assert problem.message == catalogue["EXPRESSION-001"].format(
        reason="a bracket is opened but never closed"
    )


def test_check__left_out_function_is_refused_by_name_with_the_reason() -> None:
    problem = only(
        problems_of("""
| survey |
|        | type      | name | label | calculation               |
|        | calculate | x    |       | pulldata('a', 'b', 'c', 'd') |
"""),
        "EXPRESSION-009",
    )
    assert problem.message == catalogue["EXPRESSION-009"].format(
        function="pulldata",
        reason="secondary instances and external choice lists are not supported",
    )


def test_check__calculation_cycle_is_an_error() -> None:
    problem = only(
        problems_of("""
| survey |
|        | type      | name | label | calculation |
|        | calculate | a    |       | ${b} + 1    |
|        | calculate | b    |       | ${a} + 1    |
"""),
        "INSTRUMENT-014",
    )
    assert problem.message == catalogue["INSTRUMENT-014"].format(names='"a" -> "b" -> "a"')


def test_check__duplicate_names_point_at_the_first_use() -> None:
    problem = only(
        problems_of("""
| survey |
|        | type    | name | label |
|        | integer | age  | Age?  |
|        | text    | age  | Age?  |
"""),
        "INSTRUMENT-006",
    )
    assert problem.location.row == 3
    assert problem.message == catalogue["INSTRUMENT-006"].format(name="age", first_row=2)


def test_check__missing_choice_list_suggests_the_near_miss() -> None:
    problem = only(
        problems_of("""
| survey |
|        | type               | name | label |
|        | select_one yes_noo | q    | Q?    |
| choices |
|         | list_name | name | label |
|         | yes_no    | yes  | Yes   |
"""),
        "INSTRUMENT-007",
    )
    assert problem.message == catalogue["INSTRUMENT-007"].format(
        list="yes_noo", hint=' Did you mean "yes_no"?'
    )


def test_check__relevance_on_a_later_page_cannot_work() -> None:
    problem = only(
        problems_of("""
| survey |
|        | type    | name | label | relevant   |
|        | integer | a    | A?    | ${b} > 1   |
|        | integer | b    | B?    |            |
"""),
        "INSTRUMENT-013",
    )
    assert problem.location == Location("form.md", "survey", 2, "relevant")
    assert problem.message == catalogue["INSTRUMENT-013"].format(
        column="relevant", name="b", where='a later page ("b")'
    )


def test_check__constraint_may_read_its_own_page_but_relevance_may_not() -> None:
    form = """
| survey |
|        | type        | name | label | appearance | constraint   | relevant   |
|        | begin group | p    | P     | field-list |              |            |
|        | integer     | a    | A?    |            | . < ${b}     |            |
|        | integer     | b    | B?    |            |              | RELEVANT   |
|        | end group   |      |       |            |              |            |
"""
    # Given a constraint on the same page, Then it is accepted
    assert problems_of(form.replace("RELEVANT", "")) == []
    # Given a relevance reading the same page, Then it is an error naming "the same page"
    problem = only(problems_of(form.replace("RELEVANT", "${a} > 1")), "INSTRUMENT-013")
    assert problem.message == catalogue["INSTRUMENT-013"].format(
        column="relevant", name="a", where="the same page"
    )


def test_check__calculation_from_a_later_page_counts_as_later() -> None:
    problem = only(
        problems_of("""
| survey |
|        | type      | name  | label | relevant     | calculation |
|        | integer   | a     | A?    | ${total} > 1 |             |
|        | integer   | b     | B?    |              |             |
|        | calculate | total |       |              | ${b} * 2    |
"""),
        "INSTRUMENT-013",
    )
    assert problem.message == catalogue["INSTRUMENT-013"].format(
        column="relevant", name="total", where='a later page ("b")'
    )


@pytest.mark.parametrize(
    ("type_cell", "feature"),
    [
        ("begin repeat", 'type "repeats"'),
        ("geopoint", 'type "geopoint"'),
        ("image", 'type "image"'),
        ("audio", 'type "audio"'),
        ("rank", 'type "rank"'),
        ("range", 'type "range"'),
        ("select_one_from_file places.csv", 'type "external selects"'),
        ("deviceid", 'type "deviceid"'),
    ],
)
def test_check__unsupported_features_are_refused_by_name(type_cell: str, feature: str) -> None:
    problem = only(
        problems_of(f"""
| survey |
|        | type        | name | label |
|        | {type_cell} | q    | Q?    |
"""),
        "INSTRUMENT-005",
    )
    assert problem.location == Location("form.md", "survey", 2, "type")
    assert problem.message.startswith(f"{feature} is not supported by helpseek: ")


def test_check__unknown_type_suggests_the_near_miss() -> None:
    problem = only(
        problems_of("""
| survey |
|        | type   | name | label |
|        | intger | q    | Q?    |
"""),
        "INSTRUMENT-004",
    )
    assert 'Did you mean "integer"?' in problem.message


def test_check__missing_translation_is_a_warning_naming_the_column() -> None:
    markdown = """
| survey |
|        | type | name | label::English (en) | label::Español (es) |
|        | text | a    | A?                  | ¿A?                 |
|        | text | b    | B?                  |                     |
"""
    form = instrument_from_markdown(markdown, file="form.md")  # warnings do not stop loading
    assert form.question("b").label.get("en") == "B?"
    path_problems = _check_text(markdown)
    problem = only(path_problems, "INSTRUMENT-022")
    assert problem.severity == "warning"
    assert problem.location.column == "label::Español (es)"
    assert problem.location.row == 3


def _check_text(markdown: str, tmp: Path | None = None) -> list[Problem]:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "form.md"
        path.write_text(markdown, encoding="utf-8")
        return check_instrument(path)


def test_check__pyxform_errors_are_reported_as_problems() -> None:
    # Given a form pyxform refuses (a label-less integer), Then check reports pyxform's reason
    problems = _check_text("""
| survey |
|        | type    | name |
|        | integer | a    |
""")
    problem = only(problems, "INSTRUMENT-015")
    assert problem.is_error
    assert problem.location.row == 2


def test_check__a_clean_form_has_no_problems() -> None:
    assert (
        _check_text("""
| survey |
|        | type              | name | label | relevant        |
|        | select_one yes_no | a    | A?    |                 |
|        | text              | b    | B?    | ${a} = 'yes'    |
| choices |
|         | list_name | name | label |
|         | yes_no    | yes  | Yes   |
|         | yes_no    | no   | No    |
""")
        == []
    )


def test_check__rtl_setting_for_an_unused_language_is_named() -> None:
    problem = only(
        problems_of("""
| survey |
|        | type | name | label::English (en) |
|        | text | a    | A?                  |
| settings |
|          | form_id | rtl |
|          | f       | ar  |
"""),
        "INSTRUMENT-017",
    )
    assert problem.location == Location("form.md", "settings", 2, "rtl")
    assert problem.message == catalogue["INSTRUMENT-017"].format(lang_code="ar", languages="en")


def test_check__group_condition_on_its_own_page_is_reported_once_on_the_group_row() -> None:
    problems = problems_of("""
| survey |
|        | type        | name | label | appearance | relevant  |
|        | begin group | p    | P     | field-list | ${a} > 1  |
|        | integer     | a    | A?    |            |           |
|        | integer     | b    | B?    |            |           |
|        | end group   |      |       |            |           |
""")
    problem = only(problems, "INSTRUMENT-013")
    assert problem.location == Location("form.md", "survey", 2, "relevant")
