"""With the questionnaire, the report fills the CHERRIES items about it and uses its labels."""

from __future__ import annotations

from pathlib import Path

from lxml import html as lxml_html

from helpseek.instrument import load_instrument
from helpseek.report import build_report


def test_report__with_the_questionnaire__fills_its_cherries_items_and_labels(
    tmp_path: Path, real_results_dir: Path
) -> None:
    # Given the bundled questionnaire the data was collected with
    instrument = load_instrument("help_us_help_you")
    # When the report is built with it
    result = build_report(real_results_dir, tmp_path / "r.html", instrument=instrument)
    tree = lxml_html.fromstring(result.html_path.read_bytes())
    answers = {
        tr.xpath("./td")[0].text_content(): tr.xpath("./td")[1].text_content()
        for tr in tree.xpath("//section[@id='cherries']//tbody/tr")
    }
    # Then the items about the questionnaire come from it, and the rest stay for the authors
    assert answers["Number of screens (pages)"] == f"{len(instrument.pages)} pages."
    assert f'"{instrument.form_id}" version {instrument.version}' in answers["Number of items"]
    assert answers["IRB approval"] == "For the authors to complete."
    # And a predictor the spec did not label gets the question's label
    question = instrument.question("age_first_exposure").label.get("en")
    rows = tree.get_element_by_id("table2-want_stop").xpath(".//tr[@class='group']/th")
    assert question in [th.text_content() for th in rows]
