"""Forest plots use the report's width (review item): labels wrapped to about a third of it, the
plot the rest. Measured on the picture itself (the x axis line's length in pixels) and on the
report as Chromium lays it out, with the questionnaire's long question texts as labels."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from helpseek.instrument import load_instrument
from helpseek.report.load import load_results
from helpseek.report.render import ReportPage, build_page, render_html

SCHEMA_EXAMPLE = Path(__file__).parent / "fixtures" / "results.json"


@pytest.fixture(scope="module")
def page() -> ReportPage:
    """The schema example reported with help_us_help_you's labels (question texts up to 86
    characters: "Do you have difficulties in your daily life, for example with work, ...?")."""
    return build_page(load_results(SCHEMA_EXAMPLE), instrument=load_instrument("help_us_help_you"))


def plot_fraction(png: bytes) -> float:
    """The x axis line's share of the picture's width: the longest run of dark pixels in a row
    (the axis spans the plot area; labels, ticks and bars are shorter or lighter)."""
    dark = np.asarray(Image.open(io.BytesIO(png)).convert("L")) < 80
    longest = 0
    for row in dark:
        edges = np.flatnonzero(np.diff(np.concatenate(([0], row.astype(np.int8), [0]))))
        runs = edges[1::2] - edges[::2]
        longest = max(longest, int(runs.max()) if runs.size else 0)
    return longest / dark.shape[1]


def _png(src: str) -> bytes:
    return base64.b64decode(src.split(",", 1)[1])


def test_forest_plot__the_plot_takes_most_of_the_picture(page: ReportPage) -> None:
    fractions = [plot_fraction(_png(f.src)) for f in page.forest]
    # Then with the longest labels of the questionnaire the plot still spans 60% of the picture
    # (it spanned 44% with the labels on one line)
    assert len(fractions) == 3 and min(fractions) > 0.6, fractions


@pytest.mark.browser
def test_forest_plot__fills_the_report_column_in_a_browser(
    page: ReportPage, browser, tmp_path: Path
) -> None:
    report = tmp_path / "report.html"
    report.write_text(render_html(page), encoding="utf-8")
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    try:
        tab = context.new_page()
        tab.goto(report.as_uri())
        column = tab.locator("#forest-section").bounding_box()
        picture = tab.locator("#forest-want_stop img").bounding_box()
        assert column is not None and picture is not None
        # Then the picture is as wide as the report's column (it was 44rem of 60rem)
        assert picture["width"] >= 0.99 * column["width"], (picture, column)
    finally:
        context.close()
