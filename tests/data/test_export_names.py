"""Names and labels every format accepts (issue 11, defect 2): the bundled questionnaire exports to
Stata and SPSS, names are valid, unique and deterministic, labels survive a read-back with
pyreadstat, and one format failing does not keep the others from being written."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pyreadstat
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpseek.data import Dataset, assemble, read_table, write_all, write_dataset
from helpseek.data.names import SPSS_RESERVED, STATA_RESERVED, spss_names, stata_names
from helpseek.instrument import Instrument, instrument_from_markdown, load_instrument
from helpseek.problems import InputError
from helpseek.store import PageRecord
from helpseek.synth import calibration_for, draw_respondents, load_truth, to_dataset, walk_all

STATA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}")
SPSS_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.]*")


@pytest.fixture(scope="module")
def bundled() -> Dataset:
    """40 synthetic respondents to the bundled help_us_help_you questionnaire, labels in Russian
    (two bytes a letter: the byte limits of SPSS labels matter)."""
    form = load_instrument("help_us_help_you")
    truth = load_truth(None, form)
    draw = draw_respondents(form, truth, 40, 7, calibration_for(form, truth))
    return to_dataset(walk_all(form, draw), form, language="ru")


def _stata_ok(name: str) -> bool:
    return bool(STATA_NAME.fullmatch(name)) and name not in STATA_RESERVED


@pytest.mark.parametrize("suffix", [".dta", ".sav"])
def test_export__bundled_questionnaire__writes_and_reads_back_every_answer(
    bundled: Dataset, tmp_path: Path, suffix: str
) -> None:
    # Given the bundled questionnaire, whose choice columns have 32+ character names with labels
    assert any(len(v.name) >= 32 and v.has_value_labels for v in bundled.variables)
    # When it is exported (this stopped with DATA-005 "A provided name is too long")
    path = tmp_path / f"data{suffix}"
    write_dataset(bundled, path)
    # Then read_table gives back exactly the answers
    pdt.assert_frame_equal(read_table(path), bundled.frame)


def test_export__stata__names_valid_unique_and_value_labels_survive(
    bundled: Dataset, tmp_path: Path
) -> None:
    write_dataset(bundled, tmp_path / "data.dta")
    _, meta = pyreadstat.read_dta(str(tmp_path / "data.dta"), metadataonly=True)
    names = meta.column_names
    assert all(_stata_ok(n) for n in names) and len(set(names)) == len(names)
    assert all(len(label_set) <= 32 for label_set in meta.variable_to_label.values())
    for variable in bundled.variables:
        if not variable.has_value_labels:
            continue
        labels = meta.variable_value_labels[variable.stata_name]
        expected = (
            {0: "Not chosen", 1: "Chosen"}
            if variable.kind == "choice_flag"
            else {c.code: c.label for c in variable.choices}
        )
        assert labels == expected


def test_export__spss__names_valid_unique_and_labels_cut_on_letters_not_bytes(
    bundled: Dataset, tmp_path: Path
) -> None:
    write_dataset(bundled, tmp_path / "data.sav")
    _, meta = pyreadstat.read_sav(str(tmp_path / "data.sav"), metadataonly=True)
    names = meta.column_names
    assert all(SPSS_NAME.fullmatch(n) and len(n.encode()) <= 64 for n in names)
    assert len({n.lower() for n in names}) == len(names)
    labels = dict(zip(names, meta.column_labels, strict=True))
    for variable in bundled.variables:
        # every variable label is the original, or its longest prefix within 256 bytes
        written = labels[variable.spss_name] or ""
        assert variable.label.startswith(written) and len(written.encode()) <= 256
        if variable.storage == "code":
            for choice in variable.choices:
                value_label = meta.variable_value_labels[variable.spss_name][choice.code]
                assert choice.label.startswith(value_label)
                assert len(value_label.encode()) <= 120


def test_codebook__records_original_and_file_names_and_read_table_uses_them(
    bundled: Dataset, tmp_path: Path
) -> None:
    write_dataset(bundled, tmp_path / "data.dta")
    book = json.loads((tmp_path / "data.codebook.json").read_text())
    long = next(v for v in book["variables"] if v["name"] == "help_wanted__self_help_programme")
    assert long["stata_name"] != long["name"] and _stata_ok(long["stata_name"])
    assert len(long["stata_name"]) <= 29  # room for pyreadstat's label-set number
    markdown = (tmp_path / "data.codebook.md").read_text()
    assert f"in .dta: `{long['stata_name']}`" in markdown


def test_stata_names__deterministic_unique_and_valid_whatever_the_names() -> None:
    names = ["age", "in", "str12", "_n", "2nd_wave", "à_propos", "x" * 40, "x" * 40 + "y",
             "help_wanted__self_help_programme", "help_wanted__self_help_programmf"]  # fmt: skip
    labelled = [True] * len(names)
    first = stata_names(names, labelled)
    assert first == stata_names(names, labelled)
    assert len(set(first)) == len(first)
    assert all(_stata_ok(n) and len(n) <= 29 for n in first)
    assert first[0] == "age"


def test_stata_names__more_than_a_thousand_labelled_columns__keep_room_for_the_label_number() -> (
    None
):
    names = [f"question_number_{i:05d}_with_a_long_name" for i in range(1200)]
    assert all(len(n) <= 28 for n in stata_names(names, [True] * 1200))


def test_spss_names__reserved_words_and_case_collisions() -> None:
    out = spss_names(["BY", "with", "Age", "age", "x.", "x_"])
    assert out[0] != "BY" and out[1] != "with"
    assert all(n.upper() not in SPSS_RESERVED for n in out)
    assert len({n.lower() for n in out}) == len(out)
    assert out[2] == "Age" and not out[4].endswith(".")


@given(st.lists(st.text(min_size=1, max_size=70), min_size=1, max_size=30))
def test_export_names__any_names__valid_and_unique_in_both_formats(names: list[str]) -> None:
    stata = stata_names(names, [i % 2 == 0 for i in range(len(names))])
    spss = spss_names(names)
    assert all(_stata_ok(n) for n in stata) and len(set(stata)) == len(names)
    assert all(SPSS_NAME.fullmatch(n) and len(n.encode()) <= 64 for n in spss)
    assert all(n.upper() not in SPSS_RESERVED and not n.endswith(".") for n in spss)
    assert len({n.lower() for n in spss}) == len(names)


FORM = """
| survey |
|        | type    | name | label::English (en) |
|        | integer | age  | Age                 |
| settings |
|          | form_id | version | default_language |
|          | study   | 1       | en               |
"""


def test_write_all__one_format_fails__the_others_are_written_and_listed(tmp_path: Path) -> None:
    # Given an answer equal to a missing-value code, which .sav refuses (DATA-006)
    form: Instrument = instrument_from_markdown(FORM, "study.md")
    record = PageRecord("r1", "study", "1", "en", "p", 1, {"age": -99}, ("age",), "2026-11-29", 5)
    dataset = assemble([record], [form])
    # When .sav and .csv are both asked for
    with pytest.raises(InputError) as caught:
        write_all(dataset, [tmp_path / "data.sav", tmp_path / "data.csv"])
    # Then the .csv is written anyway, and the problems say why .sav failed and what was written
    codes = [(p.code, p.severity) for p in caught.value.problems]
    assert codes == [("DATA-006", "error"), ("DATA-010", "warning")]
    assert str(tmp_path / "data.csv") in caught.value.problems[1].message
    assert pd.read_csv(tmp_path / "data.csv")["age"].tolist() == [-99]
    assert not (tmp_path / "data.sav").exists()


LONG_LABEL_FORM = """
| survey |
|        | type          | name | label::English (en) | label::Русский (ru) |
|        | select_one yn | stop | Stop?               | {question}          |
| choices |
|         | list_name | name | label::English (en) | label::Русский (ru) |
|         | yn        | yes  | Yes                 | {choice}            |
|         | yn        | no   | No                  | Нет                 |
| settings |
|          | form_id | version | default_language |
|          | study   | 1       | en               |
"""


def test_sav__long_russian_labels__cut_within_the_byte_limits_on_a_letter(tmp_path: Path) -> None:
    # Given labels of ~200 and ~100 Cyrillic letters after one ASCII letter (the byte limits fall
    # inside a two-byte letter)
    question, choice = "Q" + "Вопрос" * 34, "D" + "Да" * 50
    form = instrument_from_markdown(
        LONG_LABEL_FORM.format(question=question, choice=choice), "study.md"
    )
    record = PageRecord(
        "r1", "study", "1", "ru", "p", 1, {"stop": "yes"}, ("stop",), "2026-11-29", 5
    )
    dataset = assemble([record], [form], language="ru")
    # When written to .sav and read back by pyreadstat
    write_dataset(dataset, tmp_path / "data.sav")
    _, meta = pyreadstat.read_sav(str(tmp_path / "data.sav"), metadataonly=True)
    # Then both labels are the longest whole-letter prefixes within 256 and 120 bytes
    assert meta.column_names_to_labels["stop"] == question[:128]  # 1 + 127 * 2 = 255 bytes
    assert meta.variable_value_labels["stop"][1] == choice[:60]  # 1 + 59 * 2 = 119 bytes
