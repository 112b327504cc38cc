"""XLSForms written for ODK load in helpseek as pyxform reads them (issue 13's list, one by one)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from helpseek.instrument import (
    AnswerError,
    check_instrument,
    check_page,
    compute_state,
    instrument_from_markdown,
    load_instrument,
)
from helpseek.instrument.load import check_sheets
from helpseek.instrument.read import read_xlsform
from helpseek.problems import InputError, Location, Problem, catalogue


def all_problems(markdown: str) -> list[Problem]:
    """Errors and warnings, as `helpseek instrument check` lists them."""
    return check_sheets(read_xlsform(markdown, file="form.md", markdown=True))


def problems_of(markdown: str) -> list[Problem]:
    try:
        instrument_from_markdown(markdown, file="form.md")
    except InputError as error:
        return list(error.problems)
    return []


# --- columns and cells ----------------------------------------------------------------------------


def test_single_colon_language_columns_are_translations_as_in_pyxform() -> None:
    # Given an old form with `label:English` style columns (no "::" anywhere)
    form = instrument_from_markdown("""
| survey |
|        | type          | name | label:English | label:Español (es) | hint:english |
|        | select_one yn | ok   | OK?           | ¿Bien?             | Pick one     |
| choices |
|         | list_name | name | label:English | label:Español (es) |
|         | yn        | yes  | Yes           | Sí                 |
""")
    # Then every label is kept, under its language
    question = form.question("ok")
    assert question.label.by_language == {"English": "OK?", "es": "¿Bien?"}
    assert question.hint.by_language == {"english": "Pick one"}
    assert question.choices[0].label.by_language == {"English": "Yes", "es": "Sí"}


def test_bind_prefixed_columns_hold_the_logic() -> None:
    form = instrument_from_markdown("""
| survey |
|        | type    | name | label | bind:relevant | bind:constraint | bind:jr:constraintMsg |
|        | integer | age  | Age?  |               | . > 0           | More than 0           |
|        | text    | why  | Why?  | ${age} > 18   |                 |                       |
""")
    assert form.question("age").constraint == ". > 0"
    assert form.question("age").constraint_message.get("default") == "More than 0"
    assert form.question("why").relevant == "${age} > 18"


def test_smart_quotes_and_doubled_spaces_in_expressions_are_cleaned_as_pyxform_does() -> None:
    form = instrument_from_markdown("""
| survey |
|        | type | name | label               | relevant                    |
|        | text | a    | A                   |                             |
|        | text | b    | \u201eKeine  Angabe\u201c | ${a} = \u2018yes  no\u2019 |
""")
    # Then the expression means what pyxform makes of it, and the text keeps its typography
    assert form.question("b").relevant == "${a} = 'yes no'"
    assert form.question("b").label.get("default") == "\u201eKeine  Angabe\u201c"


def test_a_comment_row_without_type_name_or_label_is_skipped() -> None:
    form = instrument_from_markdown("""
| survey |
|        | type | name | label | notes          |
|        |      |      |       | a comment row  |
|        | text | a    | A     |                |
""")
    assert [q.name for q in form.questions] == ["a"]


def test_a_question_row_without_a_type_says_the_type_is_missing() -> None:
    (problem,) = [
        p
        for p in problems_of("""
| survey |
|        | type | name | label |
|        |      | a    | A     |
""")
        if p.is_error
    ]
    assert problem.code == "INSTRUMENT-003"
    assert problem.location == Location("form.md", "survey", 2, "type")


def test_csv_saved_by_excel_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    text = 'survey,type,name,label\n,text,a,"A?"\nchoices,list_name,name,label\n'
    (tmp_path / "plain").mkdir()
    (tmp_path / "marked").mkdir()
    plain, marked = tmp_path / "plain" / "form.csv", tmp_path / "marked" / "form.csv"
    plain.write_text(text, encoding="utf-8")
    marked.write_text(text, encoding="utf-8-sig")
    assert marked.read_bytes().startswith(b"\xef\xbb\xbf")
    assert load_instrument(marked) == load_instrument(plain)


# --- types and choices ----------------------------------------------------------------------------


def test_legacy_type_spellings_load_as_pyxform_reads_them() -> None:
    form = instrument_from_markdown("""
| survey |
|        | type                              | name | label |
|        | add text prompt                   | a    | A     |
|        | add integer prompt                | b    | B     |
|        | add select one prompt using yn    | c    | C     |
|        | phone number                      | d    | D     |
| choices |
|         | list_name | name | label |
|         | yn        | yes  | Yes   |
""")
    types = {q.name: q.type for q in form.questions}
    assert types == {"a": "text", "b": "integer", "c": "select_one", "d": "text"}
    # "phone number" brings pyxform's constraint (digits only) and hint
    phone = form.question("d")
    assert phone.hint.get("default") == "Enter numbers only."
    page = next(p for p in form.pages if p.id == "d")
    assert check_page(form, page, {"d": "12a"}) == {"d": AnswerError("d", "constraint")}
    assert check_page(form, page, {"d": "0123"}) == {}


def test_a_misspelt_type_suggests_the_type_meant_and_never_a_refused_one() -> None:
    problems = problems_of("""
| survey |
|        | type             | name | label |
|        | selct_one yes_no | a    | A     |
|        | phonenumbr       | b    | B     |
| choices |
|         | list_name | name | label |
|         | yes_no    | yes  | Yes   |
""")
    hints = [p.message for p in problems if p.code == "INSTRUMENT-004"]
    assert hints == [
        catalogue["INSTRUMENT-004"].format(
            type="selct_one yes_no", hint=' Did you mean "select_one yes_no"?'
        ),
        catalogue["INSTRUMENT-004"].format(type="phonenumbr", hint=' Did you mean "phone number"?'),
    ]


def test_allow_choice_duplicates_lets_a_list_repeat_a_name() -> None:
    form_text = """
| settings |
|          | allow_choice_duplicates |
|          | {allow}                 |
| survey |
|        | type            | name   | label  | choice_filter   |
|        | select_one county | county | County |                 |
|        | select_one city | city   | City   | county=${{county}} |
| choices |
|         | list_name | name  | label | county |
|         | county    | nyc   | NYC   |        |
|         | county    | king  | King  |        |
|         | city      | king  | King  | nyc    |
|         | city      | king  | King  | king   |
"""
    assert [p.code for p in problems_of(form_text.format(allow="no")) if p.is_error] == [
        "INSTRUMENT-010"
    ]
    form = instrument_from_markdown(form_text.format(allow="yes"))
    assert [c.name for c in form.question("city").choices] == ["king", "king"]


# --- check noise -----------------------------------------------------------------------------------


def test_a_misspelt_column_is_reported_once_not_once_per_row() -> None:
    rows = "\n".join(f"|        | text | q{i} | Q{i}  | ${{q0}} != '' |" for i in range(11))
    problems = all_problems(f"""
| survey |
|        | type | name | label | relevent   |
{rows}
""")
    warnings = [p for p in problems if p.code == "INSTRUMENT-019"]
    assert len(warnings) == 1
    assert warnings[0].location == Location("form.md", "survey", 2, "relevent")
    assert 'Did you mean "relevant"?' in warnings[0].message


def test_a_bad_type_is_reported_once_without_unknown_name_errors_elsewhere(tmp_path: Path) -> None:
    problems = problems_of("""
| survey |
|        | type     | name | label | relevant    |
|        | intger   | age  | Age?  |             |
|        | text     | why  | Why?  | ${age} > 18 |
| checks |
|        | name  | expression   | message |
|        | young | ${age} < 16  | Young   |
""")
    assert [p.code for p in problems if p.is_error] == ["INSTRUMENT-004"]


def test_a_file_named_xlsx_that_is_not_a_workbook_says_so(tmp_path: Path) -> None:
    path = tmp_path / "form.xlsx"
    path.write_text("type,name,label\ntext,a,A\n", encoding="utf-8")
    (problem,) = check_instrument(path)
    assert problem.code == "INSTRUMENT-001"
    assert "not an Excel workbook" in problem.message
    assert "Must be one of" not in problem.message


def test_a_real_xlsx_still_loads(tmp_path: Path) -> None:
    workbook = Workbook()
    survey = workbook.active
    survey.title = "survey"
    survey.append(["type", "name", "label"])
    survey.append(["text", "a", "A?"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    path = tmp_path / "form.xlsx"
    path.write_bytes(buffer.getvalue())
    assert [q.name for q in load_instrument(path).questions] == ["a"]


# --- left out on purpose, and said so --------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "column", "code"),
    [
        ("${last-saved#age}", "calculation", "EXPRESSION-010"),
        ("${instanceID}", "calculation", "EXPRESSION-010"),
        ("random()", "calculation", "EXPRESSION-009"),
        ("instance('x')/root/item[name=${age}]/label", "calculation", "EXPRESSION-005"),
    ],
)
def test_left_out_features_are_refused_with_the_reason(cell: str, column: str, code: str) -> None:
    problems = problems_of(f"""
| survey |
|        | type      | name | label | calculation |
|        | integer   | age  | Age?  |             |
|        | calculate | c    |       | {cell} |
""")
    (problem,) = [p for p in problems if p.is_error]
    assert problem.code == code
    assert problem.location == Location("form.md", "survey", 3, column)


def test_a_repeat_is_refused_once_and_its_rows_cause_no_other_errors() -> None:
    problems = problems_of("""
| survey |
|        | type         | name  | label  | relevant     |
|        | text         | name  | Name   |              |
|        | begin repeat | kids  | Kids   |              |
|        | text         | name  | Name   |              |
|        | integer      | age   | Age    |              |
|        | end repeat   |       |        |              |
|        | text         | after | After  | ${age} > 1   |
""")
    (problem,) = [p for p in problems if p.is_error]
    assert problem.code == "INSTRUMENT-005"
    assert problem.location == Location("form.md", "survey", 3, "type")
    assert problem.message.startswith('type "repeats" is not supported by helpseek')


# --- dates on the server ---------------------------------------------------------------------------


def test_date_functions_work_in_calculation_relevant_and_constraint() -> None:
    form = instrument_from_markdown("""
| survey |
|        | type      | name   | label   | calculation                                   | relevant                        | constraint                    |
|        | integer   | year   | Year?   |                                               |                                 | . <= format-date(today(), '%Y') |
|        | calculate | age    |         | format-date(today(), '%Y') - ${year}          |                                 |                               |
|        | calculate | due    |         | format-date(date(today() + 30), '%Y-%m-%d')   |                                 |                               |
|        | text      | adult  | Adult?  |                                               | ${age} >= 18 and today() < today() + 1 |                  |
""")
    today = date(2026, 1, 15)
    state = compute_state(form, {"year": 2000}, today=today)
    assert state.values["age"] == "26"
    assert state.values["due"] == "2026-02-14"
    assert state.is_relevant("adult")
    page = next(p for p in form.pages if p.id == "year")
    assert check_page(form, page, {"year": 2027}, today=today) == {
        "year": AnswerError("year", "constraint")
    }
    assert check_page(form, page, {"year": 2026}, today=today) == {}
