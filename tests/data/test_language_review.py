"""Each response carries the review status of its language (issue 15), and the analysis splits the
prevalence by it; counts checked against pandas, intervals against Wilson's formula by hand."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpseek.analysis import run_analysis, spec_from_mapping
from helpseek.data import Dataset, read_table, write_dataset
from helpseek.instrument import Instrument, load_instrument
from helpseek.instrument.load import BUNDLED_DIR
from helpseek.synth import draw_respondents, load_truth, to_dataset, walk_all

NAME = "help_us_help_you"
Z = 1.959963984540054  # the 97.5% point of the standard normal


def wilson(events: int, n: int) -> tuple[float, float]:
    """Wilson's score interval written out (Wilson 1927; Newcombe 1998, method 3)."""
    p = events / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


@pytest.fixture(scope="module")
def reviewed_german(tmp_path_factory: pytest.TempPathFactory) -> Instrument:
    """The bundled questionnaire with its German file marked reviewed, as after a review."""
    folder = tmp_path_factory.mktemp("review")
    shutil.copy(BUNDLED_DIR / f"{NAME}.yaml", folder)
    translations = folder / "translations" / NAME
    shutil.copytree(BUNDLED_DIR / "translations" / NAME, translations)
    german = translations / "de.po"
    german.write_text(german.read_text().replace("machine-draft", "reviewed 2026-11-30"))
    return load_instrument(folder / f"{NAME}.yaml")


@pytest.fixture(scope="module")
def dataset(reviewed_german: Instrument) -> Dataset:
    truth = load_truth(None, reviewed_german)
    draw = draw_respondents(reviewed_german, truth, 240, seed=11)
    return to_dataset(walk_all(reviewed_german, draw), reviewed_german)


@pytest.fixture(scope="module")
def frame(dataset: Dataset) -> pd.DataFrame:
    return dataset.frame


def test_language_review__is_source_reviewed_or_draft_by_the_response_language(
    frame: pd.DataFrame, reviewed_german: Instrument
) -> None:
    drafts = {lang.code for lang in reviewed_german.languages if lang.is_machine_translated}
    expected = frame["language"].map(
        lambda code: "source" if code == "en" else "reviewed" if code == "de" else "machine-draft"
    )
    assert (frame["language_review"] == expected).all()
    assert set(frame["language"]) - {"en", "de"} <= drafts
    assert set(frame["language_review"]) == {"source", "reviewed", "machine-draft"}


def test_analysis__by_language_review__prevalence_per_status_matches_pandas_and_statsmodels(
    frame: pd.DataFrame,
) -> None:
    spec = spec_from_mapping(
        {
            "include": "uses == 'yes'",
            "treat_as_missing": ["prefer_not"],
            "by": "language_review",
            "outcomes": [{"name": "want_stop", "positive": ["yes"]}],
        }
    )
    result = run_analysis(frame, spec)
    groups = {r.group: r for r in result.prevalence if r.group is not None}
    assert set(groups) == {"source", "reviewed", "machine-draft"}
    users = frame[frame["uses"] == "yes"]
    known = users[users["want_stop"].notna() & (users["want_stop"] != "prefer_not")]
    for status, part in known.groupby("language_review"):
        events, n = int((part["want_stop"] == "yes").sum()), len(part)
        found = groups[str(status)]
        assert (found.events, found.denominator, found.group_column) == (
            events,
            n,
            "language_review",
        )
        low, high = wilson(events, n)
        interval = found.interval()
        assert (interval.low, interval.high) == pytest.approx((low, high), abs=1e-12)


# .dta of help_us_help_you fails on main too (a name over 32 characters: issue 11, defect 2).
@pytest.mark.parametrize("suffix", [".sav", ".parquet", ".csv"])
def test_export__the_column_survives_every_format(
    dataset: Dataset, tmp_path: Path, suffix: str
) -> None:
    path = write_dataset(dataset, tmp_path / f"data{suffix}")[0]
    back = read_table(path)
    assert list(back["language_review"]) == list(dataset.frame["language_review"])
