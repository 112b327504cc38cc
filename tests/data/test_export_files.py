"""Writing CSV/Parquet/SPSS/Stata with a codebook, and reading each back with read_table."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pyreadstat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpseek.data import Dataset, assemble, read_table, write_dataset
from helpseek.instrument import Instrument
from helpseek.problems import InputError
from helpseek.store import PageRecord

PageMaker = Callable[..., PageRecord]
FORMATS = [".csv", ".parquet", ".sav", ".dta"]


@pytest.fixture
def dataset(form_v1: Instrument, form_v2: Instrument, page: PageMaker) -> Dataset:
    records = [
        # complete, version 1, everything answered
        page("r1", 1, "stop", {"stop": "yes"}),
        page("r1", 2, "age", {"age": 30}),
        page("r1", 3, "reasons", {"reasons": ["tokenalpha", "tokenbeta"]}),
        page("r1", 4, "why", {"why": 'tokenalpha, «quoted» "text"\nsecond line'}),
        page("r1", 5, "hours", {"hours": 0.1}, status="complete"),
        # version 2: "reasons" skipped by logic, "age" shown and not answered, breakoff
        page("r2", 1, "stop", {"stop": "unsure"}, version="2", language="es"),
        page("r2", 2, "age", {}, ("age",), version="2", language="es"),
        # version 1: reasons shown, not answered
        page("r3", 1, "stop", {"stop": "yes"}),
        page("r3", 2, "age", {"age": 71}),
        page("r3", 3, "reasons", {}, ("reasons",)),
    ]
    return assemble(records, [form_v1, form_v2], language="es")


@pytest.mark.parametrize("suffix", FORMATS)
def test_write_then_read_table__every_format__gives_back_exactly_the_answers(
    dataset: Dataset, tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / f"data{suffix}"
    written = write_dataset(dataset, path)
    assert written == [path, tmp_path / "data.codebook.json", tmp_path / "data.codebook.md"]
    pdt.assert_frame_equal(read_table(path), dataset.frame)
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []


def test_sav__user_missing_codes__keep_not_shown_and_shown_not_answered_distinct(
    dataset: Dataset, tmp_path: Path
) -> None:
    write_dataset(dataset, tmp_path / "data.sav")
    raw, meta = pyreadstat.read_sav(str(tmp_path / "data.sav"), user_missing=True)
    by_id = raw.set_index("response_id")
    # r2: age shown, not answered (-99); reasons skipped by logic (-98); hours not in version 2
    assert by_id.loc["r2", "age"] == -99
    assert by_id.loc["r2", "reasons__tokenalpha"] == -98
    assert by_id.loc["r3", "reasons__tokenalpha"] == -99
    assert by_id.loc["r2", "hours"] == -98
    assert by_id.loc["r1", "stop"] == 1 and by_id.loc["r2", "stop"] == 3
    assert meta.missing_ranges["age"] == [{"lo": -98.0, "hi": -98.0}, {"lo": -99.0, "hi": -99.0}]


def test_sav__labels_in_the_chosen_language(dataset: Dataset, tmp_path: Path) -> None:
    write_dataset(dataset, tmp_path / "data.sav")
    _, meta = pyreadstat.read_sav(str(tmp_path / "data.sav"), metadataonly=True)
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["stop"] == "¿Quiere dejarlo?"
    assert meta.variable_value_labels["stop"] == {
        1.0: "Sí",
        2.0: "No",
        3.0: "No sé",
        -98.0: "Not shown (skipped by logic)",
        -99.0: "Shown, not answered",
    }
    assert meta.variable_value_labels["reasons__tokenbeta"][1.0] == "Chosen"


def test_dta__extended_missing__a_is_not_shown_b_is_shown_not_answered(
    dataset: Dataset, tmp_path: Path
) -> None:
    write_dataset(dataset, tmp_path / "data.dta")
    raw, meta = pyreadstat.read_dta(str(tmp_path / "data.dta"), user_missing=True)
    by_id = raw.set_index("response_id")
    assert by_id.loc["r2", "age"] == "b"
    assert by_id.loc["r2", "stop"] == 3
    long_name = dataset.variable("reasons__tokenalpha").stata_name
    assert by_id.loc["r2", long_name] == "a"
    assert meta.variable_value_labels["stop"] == {1: "Sí", 2: "No", 3: "No sé"}


def test_codebook__json_and_markdown__describe_every_variable(
    dataset: Dataset, tmp_path: Path
) -> None:
    write_dataset(dataset, tmp_path / "data.csv")
    book = json.loads((tmp_path / "data.codebook.json").read_text())
    assert [v["name"] for v in book["variables"]] == list(dataset.frame.columns)
    stop = next(v for v in book["variables"] if v["name"] == "stop")
    assert stop["choices"][0] == {"code": 1, "name": "yes", "label": "Sí"}
    assert stop["missing_codes"] == [-99, -98]
    reasons = next(v for v in book["variables"] if v["name"] == "reasons")
    assert reasons["relevance"] == "${stop} = 'yes'"
    assert book["missing_codes"] == {
        "-98": "Not shown (skipped by logic)",
        "-99": "Shown, not answered",
    }
    markdown = (tmp_path / "data.codebook.md").read_text()
    assert "## `reasons__tokenalpha`" in markdown
    assert "| 3 | `unsure` | No sé |" in markdown


@pytest.mark.parametrize("suffix", [".sav", ".dta"])
def test_read_table__no_codebook__uses_value_labels_and_missing_is_na(
    dataset: Dataset, tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / f"data{suffix}"
    write_dataset(dataset, path)
    (tmp_path / "data.codebook.json").unlink()
    frame = read_table(path).set_index("response_id")
    assert frame.loc["r1", "stop"] == "Sí"
    assert pd.isna(frame.loc["r2", "age"])
    assert frame.loc["r3", "age"] == 71


def test_write_dataset__unknown_suffix__problem_and_nothing_written(
    dataset: Dataset, tmp_path: Path
) -> None:
    with pytest.raises(InputError) as caught:
        write_dataset(dataset, tmp_path / "data.xlsx")
    assert caught.value.problems[0].code == "DATA-004"
    assert list(tmp_path.iterdir()) == []


def test_write_dataset__missing_folder__problem_names_the_file(
    dataset: Dataset, tmp_path: Path
) -> None:
    with pytest.raises(InputError) as caught:
        write_dataset(dataset, tmp_path / "no" / "data.sav")
    assert caught.value.problems[0].code == "DATA-005"
    assert str(tmp_path / "no" / "data.sav") in caught.value.problems[0].message


def test_write_sav__real_answer_equal_to_a_missing_code__refused(
    form_v1: Instrument, page: PageMaker, tmp_path: Path
) -> None:
    dataset = assemble([page("r1", 1, "age", {"age": -99})], [form_v1])
    with pytest.raises(InputError) as caught:
        write_dataset(dataset, tmp_path / "data.sav")
    assert caught.value.problems[0].code == "DATA-006"
    assert not (tmp_path / "data.sav").exists()


def test_read_table__damaged_file__problem_not_traceback(tmp_path: Path) -> None:
    (tmp_path / "data.sav").write_bytes(b"not a sav file")
    with pytest.raises(InputError) as caught:
        read_table(tmp_path / "data.sav")
    assert caught.value.problems[0].code == "DATA-007"


answers = st.fixed_dictionaries(
    {},
    optional={
        "stop": st.sampled_from(["yes", "no"]),
        "age": st.integers(min_value=0, max_value=120),
        "why": st.text(
            st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=200
        ).filter(lambda s: s == s.strip() and s != ""),
        "hours": st.floats(min_value=0, max_value=1e6, allow_nan=False),
    },
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(responses=st.lists(answers, min_size=1, max_size=6))
@pytest.mark.parametrize("suffix", FORMATS)
def test_round_trip__arbitrary_answers__every_format_returns_them(
    form_v1: Instrument, tmp_path: Path, suffix: str, responses: list[dict[str, object]]
) -> None:
    records = [
        PageRecord(f"r{n}", "study", "1", "en", "p", 1, a, tuple(a), "2026-11-29", 10)
        for n, a in enumerate(responses)
    ]
    dataset = assemble(records, [form_v1])
    path = tmp_path / f"data{suffix}"
    write_dataset(dataset, path)
    pdt.assert_frame_equal(read_table(path), dataset.frame)


def test_read_table__no_codebook__columns_typed_as_to_numeric_on_every_cell(tmp_path: Path) -> None:
    # Given a CSV without codebook (issue 16: each distinct text is converted once; the reference
    # is pandas' to_numeric on every cell, as before)
    columns = {
        "ints": ["1", "2", "", "2"],
        "floats": ["1.5", "2", "2", "-3e2"],
        "mixed": ["1", "yes", "", "1"],
        "empty": ["", "", "", ""],
        "plain": ["4", "5", "6", "7"],
    }
    path = tmp_path / "plain.csv"
    pd.DataFrame(columns).to_csv(path, index=False)
    frame = read_table(path)
    for name, values in columns.items():
        text = pd.Series([v or None for v in values], dtype=object)
        numeric = pd.to_numeric(text, errors="coerce")
        if numeric.notna().sum() == text.notna().sum() and text.notna().any():
            pdt.assert_series_equal(frame[name], numeric, check_names=False)
        else:
            assert (
                frame[name].dtype == "string"
                and frame[name].isna().tolist() == text.isna().tolist()
            )
    assert frame["plain"].dtype == "int64" and frame["ints"].dtype == "float64"
