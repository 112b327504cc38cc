"""Loading forms: Markdown, CSV, .xlsx, the bundled YAML form, its export, and hostile input."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from pyxform import xls2xform

from helpseek.instrument import (
    Instrument,
    bundled_instruments,
    check_instrument,
    instrument_from_markdown,
    instrument_from_yaml,
    load_instrument,
)
from helpseek.instrument.export import export_xlsx
from helpseek.instrument.load import read_form
from helpseek.problems import InputError, catalogue

YAML_FORM = """
settings:
  form_id: tiny
  version: "2026.1"
  form_title: {en: "A tiny form", es: "Un formulario", ar: "استمارة"}
  default_language: en
  languages:
    en: {name: English}
    es: {name: Español, machine_translated: true}
    ar: {name: العربية, rtl: true, machine_translated: true}
survey:
  - {type: begin_group, name: use, appearance: field-list, label: {en: Use, es: Uso, ar: استخدام}}
  - type: select_one yes_no
    name: uses
    label: {en: "Uses?", es: "¿Usa?", ar: "يستخدم؟"}
    hint: {en: "Pick one", es: "Elija", ar: "اختر"}
    required: yes
    battery: screening
  - type: integer
    name: age
    label: {en: "Age?", es: "¿Edad?", ar: "العمر؟"}
    constraint: ". >= 16"
    constraint_message: {en: "16 or more", es: "16 o más", ar: "16 أو أكثر"}
  - {type: end_group}
  - type: select_one yes_no
    name: sought
    label: {en: "Sought?", es: "¿Buscó?", ar: "بحث؟"}
    relevant: "${uses} = 'yes'"
  - type: calculate
    name: sought_any
    calculation: "if(${sought} = 'yes', 'yes', 'no')"
choices:
  yes_no:
    - {name: "yes", label: {en: "Yes", es: "Sí", ar: "نعم"}}
    - {name: "no", label: {en: "No", es: "No", ar: "لا"}}
help:
  - {id: helpline, url: "https://example.org/help", label: {en: Helpline, es: Ayuda, ar: مساعدة},
     description: {en: Free, es: Gratis, ar: مجاني}}
checks:
  - {name: sought_without_use, expression: "${sought} = 'yes' and ${uses} = 'no'",
     message: {en: "Sought but no use", es: "Buscó sin uso", ar: "بحث بدون استخدام"}}
"""


@pytest.fixture
def yaml_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(YAML_FORM, encoding="utf-8")
    return path


# --- the YAML form --------------------------------------------------------------------------------


def test_yaml__settings_languages_and_flags(yaml_file: Path) -> None:
    form = load_instrument(yaml_file)
    assert (form.form_id, form.version, form.default_language) == ("tiny", "2026.1", "en")
    assert form.language_codes == ("en", "es", "ar")
    assert form.language("ar").is_rtl and form.language("ar").is_machine_translated
    assert (
        form.language("es").is_machine_translated and not form.language("en").is_machine_translated
    )
    assert form.title.get("es") == "Un formulario"


def test_yaml__questions_help_checks_and_batteries(yaml_file: Path) -> None:
    form = load_instrument(yaml_file)
    assert form.question("uses").required == "yes"  # YAML's unquoted yes is read as text
    assert form.question("uses").hint.get("ar") == "اختر"
    assert form.question("age").constraint_message.get("es") == "16 o más"
    assert [p.id for p in form.pages] == ["use", "sought"]
    assert form.help_resources[0].url == "https://example.org/help"
    assert form.help_resources[0].description.get("es") == "Gratis"
    assert form.inconsistencies == (("sought_without_use", "${sought} = 'yes' and ${uses} = 'no'"),)
    assert form.inconsistency_messages["sought_without_use"].get("es") == "Buscó sin uso"
    assert form.batteries == {"screening": ("uses",)}


def test_yaml__rows_are_numbered_as_in_the_exported_spreadsheet(yaml_file: Path) -> None:
    form = load_instrument(yaml_file)
    assert form.question("uses").location.row == 3  # header row 1, begin_group row 2
    assert form.question("uses").location.sheet == "survey"


def test_yaml__undeclared_language_is_named_with_its_row() -> None:
    text = YAML_FORM.replace('{en: "Age?", es: "¿Edad?"', '{en: "Age?", fr: "Âge ?"')
    with pytest.raises(InputError) as caught:
        instrument_from_yaml(text, "tiny.yaml")
    problem = caught.value.problems[0]
    assert problem.code == "INSTRUMENT-018"
    assert (problem.location.sheet, problem.location.row, problem.location.column) == (
        "survey",
        4,
        "label",
    )


def test_yaml__broken_yaml_is_refused_with_its_line() -> None:
    with pytest.raises(InputError) as caught:
        instrument_from_yaml("settings: {form_id: x\nsurvey: [", "bad.yaml")
    assert caught.value.problems[0].code == "INSTRUMENT-001"
    assert caught.value.problems[0].location.row is not None


# --- export and the spreadsheet form ------------------------------------------------------------


def test_export__the_xlsx_loads_to_an_equal_instrument(yaml_file: Path, tmp_path: Path) -> None:
    out = export_xlsx(read_form(yaml_file), tmp_path / "tiny.xlsx")
    assert load_instrument(out) == load_instrument(yaml_file)


def test_export__pyxform_converts_a_form_with_our_extra_sheets_and_columns(
    yaml_file: Path, tmp_path: Path
) -> None:
    # Given the spreadsheet form with help/checks sheets, a battery column and rtl /
    # machine_translated settings, When pyxform converts it, Then it succeeds without warnings
    out = export_xlsx(read_form(yaml_file), tmp_path / "tiny.xlsx")
    warnings: list[str] = []
    result = xls2xform.convert(xlsform=str(out), warnings=warnings, validate=False)
    assert "<h:title>A tiny form</h:title>" in result.xform
    assert warnings == []
    assert check_instrument(out) == []


NBSP = "\u00a0"


def test_export__no_break_spaces_in_texts_survive_the_spreadsheet(tmp_path: Path) -> None:
    # Given a form whose texts hold no-break spaces (French "Usage ?", "10 000"): title, label,
    # hint, constraint message, choice, help resource and check message
    texts = {
        '"A tiny form"': f'"A{NBSP}tiny form"',
        '"Uses?"': f'"Uses{NBSP}?"',
        '"Pick one"': f'"Pick{NBSP}one"',
        '"16 or more"': f'"16{NBSP}or more"',
        '"Yes", es': f'"Yes{NBSP}!", es',
        "description: {en: Free,": f'description: {{en: "Free{NBSP}of charge",',
        '"Sought but no use"': f'"Sought{NBSP}but no use"',
    }
    source = YAML_FORM
    for old, typed in texts.items():
        assert old in source
        source = source.replace(old, typed)
    yaml_path = tmp_path / "f.yaml"
    yaml_path.write_text(source, encoding="utf-8")
    form = load_instrument(yaml_path)
    assert form.question("uses").label.get("en") == f"Uses{NBSP}?"
    # When it is exported to .xlsx and read back (pyxform's reader makes them plain spaces)
    out = export_xlsx(read_form(yaml_path), tmp_path / "f.xlsx")
    # Then every text keeps its no-break space: the same instrument
    read_back = load_instrument(out)
    assert read_back.question("uses").choices[0].label.get("en") == f"Yes{NBSP}!"
    assert read_back.help_resources[0].description.get("en") == f"Free{NBSP}of charge"
    assert read_back == form


def test_xlsx__a_label_typed_with_a_no_break_space_keeps_it_and_a_type_reads_as_pyxform(
    tmp_path: Path,
) -> None:
    # Given a workbook as Excel users type it: a no-break space inside the type (pyxform reads it
    # as a space, pyxform#83) and in a translated label
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label::English (en)", "label::Français (fr)"])
    survey.append([f"select_one{NBSP}yn", "ok", f"1.3{NBSP}OK?", f"D'accord{NBSP}?"])
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label::English (en)", "label::Français (fr)"])
    choices.append(["yn", "yes", "Yes", f"Oui{NBSP}!"])
    path = tmp_path / "typed.xlsx"
    book.save(path)
    # When it loads, Then the type means select_one and the texts are as typed
    question = load_instrument(path).question("ok")
    assert question.type == "select_one"
    assert question.label.by_language == {"en": f"1.3{NBSP}OK?", "fr": f"D'accord{NBSP}?"}
    assert question.choices[0].label.get("fr") == f"Oui{NBSP}!"


def test_export__a_text_starting_with_equals_is_not_a_formula(tmp_path: Path) -> None:
    form = instrument_from_yaml(YAML_FORM.replace('hint: {en: "Pick one"', 'hint: {en: "=1+1"'))
    assert form.question("uses").hint.get("en") == "=1+1"
    yaml_path = tmp_path / "f.yaml"
    yaml_path.write_text(YAML_FORM.replace('hint: {en: "Pick one"', 'hint: {en: "=1+1"'))
    out = export_xlsx(read_form(yaml_path), tmp_path / "f.xlsx")
    assert load_instrument(out).question("uses").hint.get("en") == "=1+1"


# --- Markdown and CSV -----------------------------------------------------------------------------


def test_markdown__plain_label_columns_make_one_language() -> None:
    form = instrument_from_markdown("""
| survey |
|        | type | name | label |
|        | text | q1   | Q?    |
""")
    assert form.language_codes == ("default",)
    assert form.question("q1").label.get("default") == "Q?"


def test_csv__loads_like_the_spreadsheet(tmp_path: Path) -> None:
    path = tmp_path / "form.csv"
    path.write_text(
        "survey,,,\n,type,name,label\n,integer,age,Age?\n"
        "settings,,,\n,form_id,version,\n,csvform,3,\n",
        encoding="utf-8",
    )
    form = load_instrument(path)
    assert (form.form_id, form.version, form.question("age").type) == ("csvform", "3", "integer")


def test_xlsx__help_and_checks_sheets_are_read(tmp_path: Path) -> None:
    workbook = Workbook()
    survey = workbook.active
    survey.title = "survey"
    survey.append(["type", "name", "label"])
    survey.append(["integer", "age", "Age?"])
    help_sheet = workbook.create_sheet("help")
    help_sheet.append(["id", "url", "label"])
    help_sheet.append(["line", "https://example.org", "Line"])
    checks = workbook.create_sheet("checks")
    checks.append(["name", "expression"])
    checks.append(["too_old", "${age} > 120"])
    path = tmp_path / "f.xlsx"
    workbook.save(path)
    form = load_instrument(path)
    assert form.help_resources[0].id == "line"
    assert form.inconsistencies == (("too_old", "${age} > 120"),)


# --- bundled questionnaires ---------------------------------------------------------------------


def test_bundled__every_questionnaire_loads_and_checks_clean_in_every_language() -> None:
    names = bundled_instruments()
    assert names, "no bundled questionnaire found"
    for name in names:
        form = load_instrument(name)
        assert len(form.languages) >= 6
        errors = [p for p in check_instrument(name) if p.is_error or p.code == "INSTRUMENT-022"]
        assert errors == [], name
        for question in form.questions:
            if question.type != "calculate":
                for code in form.language_codes:
                    assert question.label.by_language.get(code), (name, question.name, code)


def test_bundled__unknown_name_suggests_the_near_miss() -> None:
    with pytest.raises(InputError) as caught:
        load_instrument("help_us_help_yuo")
    problem = caught.value.problems[0]
    assert problem.code == "INSTRUMENT-023"
    assert problem.message == catalogue["INSTRUMENT-023"].format(
        name="help_us_help_yuo", hint=' Did you mean "help_us_help_you"?'
    )


# --- hostile input ---------------------------------------------------------------------------------


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.binary(max_size=400), suffix=st.sampled_from([".xlsx", ".xls", ".csv", ".md", ".yaml"])
)
def test_load__random_bytes_give_an_instrument_or_input_error(
    tmp_path: Path, data: bytes, suffix: str
) -> None:
    path = tmp_path / f"random{suffix}"
    path.write_bytes(data)
    try:
        result = load_instrument(path)
    except InputError as error:
        assert error.problems and all(p.code in catalogue for p in error.problems)
        return
    assert isinstance(result, Instrument)


_CELLS = st.sampled_from(
    ["", "text", "integer", "select_one yes_no", "select_multiple nope", "begin group", "end group",
     "calculate", "geopoint", "begin repeat", "q1", "q2", "g", "${q1} > 1", "${nope}", ". > 1",
     "field-list", "yes", "selected(${q2}, 'yes')", "concat(", "yes_no", "randomize=true",
     "label", "name", "type", "relevant", "label::English (en)", "list_name", "x|y"]
)  # fmt: skip


def _table(name: str, rows: list[list[str]]) -> str:
    lines = [f"| {name} |"]
    for row in rows:
        lines.append("|   | " + " | ".join(cell.replace("|", "\\|") or " " for cell in row) + " |")
    return "\n".join(lines)


@settings(max_examples=150, deadline=None)
@given(
    header=st.lists(
        st.sampled_from(
            [
                "type",
                "name",
                "label",
                "relevant",
                "constraint",
                "calculation",
                "appearance",
                "required",
                "parameters",
                "choice_filter",
                "label::English (en)",
                "hint",
            ]
        ),
        min_size=1,
        max_size=6,
        unique=True,
    ),
    rows=st.lists(st.lists(_CELLS, min_size=6, max_size=6), max_size=8),
    choices=st.lists(st.lists(_CELLS, min_size=3, max_size=3), max_size=4),
)
def test_load__random_sheets_give_an_instrument_or_input_error(header, rows, choices) -> None:
    text = _table("survey", [header] + [r[: len(header)] for r in rows])
    text += "\n" + _table("choices", [["list_name", "name", "label"], *choices])
    try:
        form = instrument_from_markdown(text)
    except InputError as error:
        assert error.problems
        assert all(p.code in catalogue for p in error.problems)
        return
    assert isinstance(form, Instrument)


def test_load__a_missing_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.xlsx"
    with pytest.raises(InputError) as caught:
        load_instrument(missing)
    assert caught.value.problems[0].code == "INSTRUMENT-023"


def test_load__a_text_file_with_an_unknown_suffix_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "form.txt"
    path.write_text("hello", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_instrument(path)
    assert caught.value.problems[0].code == "INSTRUMENT-001"


def test_load__an_empty_workbook_has_no_survey(tmp_path: Path) -> None:
    workbook = Workbook()
    workbook.active.title = "notes"
    workbook.create_sheet("choices")
    buffer = io.BytesIO()
    workbook.save(buffer)
    path = tmp_path / "empty.xlsx"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(InputError) as caught:
        load_instrument(path)
    assert caught.value.problems[0].code == "INSTRUMENT-002"


def test_markdown__instance_and_bind_columns_are_not_languages() -> None:
    form = instrument_from_markdown("""
| survey |
|        | type | name | label::English (en) | instance::odk:tag | bind::odk:note |
|        | text | q1   | Q?                  | x                 | y              |
""")
    assert form.language_codes == ("en",)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cut=st.integers(min_value=0, max_value=10_000), flip=st.integers(min_value=0, max_value=10_000)
)
def test_load__a_damaged_xlsx_gives_an_instrument_or_input_error(
    tmp_path: Path, cut: int, flip: int
) -> None:
    # Given a real exported workbook, When it is cut short or a byte is changed,
    # Then loading gives an Instrument or an InputError, never another exception
    source = tmp_path / "tiny.yaml"
    source.write_text(YAML_FORM, encoding="utf-8")
    data = bytearray(export_to_bytes(source))
    if data:
        data[flip % len(data)] ^= 0x5A
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(bytes(data[: max(cut, len(data) // 2)]))
    try:
        assert isinstance(load_instrument(path), Instrument)
    except InputError as error:
        assert all(p.code in catalogue for p in error.problems)


def export_to_bytes(source: Path) -> bytes:
    from helpseek.instrument.export import to_xlsx_bytes

    return to_xlsx_bytes(read_form(source))


def test_markdown__a_title_column_keeps_a_mixed_case_language_code() -> None:
    # Issue 15: settings keys are read case-insensitively, so "form_title_zh-Hans" must still
    # give the zh-Hans title (it was dropped: the lowered key was looked up with the code's case).
    form = instrument_from_markdown("""
| survey   |
|          | type | name | label::English (en) | label::中文 (简体) (zh-Hans) |
|          | text | q1   | Q?                  | 问题？                        |
| settings |
|          | form_title | form_title_zh-Hans | default_language |
|          | A form     | 一份表格            | en               |
""")
    assert form.language_codes == ("en", "zh-Hans")
    assert form.title.get("zh-Hans") == "一份表格"
    assert form.title.get("en") == "A form"
