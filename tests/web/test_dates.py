"""today() in a form's logic on the real server: the survey's date precision holds everywhere (#13).

The logic sees the date the records store (the 1st of the month under "month" precision), so
what the respondent was shown, what is stored and what the export recomputes agree, and no
calculation can hold a finer date than the records do.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from helpseek.data import assemble, unseal_all
from helpseek.instrument import load_instrument
from helpseek.store import open_store
from helpseek.web import create_app

from .conftest import InProcessClient, Respondent, make_settings

# The conftest clock starts on 2026-11-30 (UTC): late in the month.
DATED_FORM = """
| survey |
| | type      | name  | label | relevant                          | calculation | constraint                          |
| | integer   | year  | Year? |                                   |             | . <= format-date(today(), '%Y')     |
| | text      | early | Early?| format-date(today(), '%e') < 15   |             |                                     |
| | text      | late  | Late? | format-date(today(), '%e') >= 15  |             |                                     |
| | calculate | day   |       |                                   | today()     |                                     |
| | calculate | age   |       |                                   | format-date(today(), '%Y') - ${year} |                    |

| settings |
| | form_id | version |
| | dated   | 1       |
"""


@pytest.mark.parametrize(
    ("precision", "shown", "day"),
    [("day", "late", "2026-11-30"), ("month", "early", "2026-11-01")],
)
def test_dates__logic_storage_and_export_use_the_surveys_date_precision(
    tmp_path: Path, public_key_file, research_key, clock, portal, precision, shown, day
) -> None:
    form = tmp_path / "dated.md"
    form.write_text(DATED_FORM)
    settings = make_settings(tmp_path, public_key_file, str(form), date_precision=precision)
    app = create_app(settings, clock=clock, rng=random.Random(7))
    client = InProcessClient(app, portal)
    try:
        # Given a respondent answering on 30 November
        respondent = Respondent(client)
        page = respondent.start()
        # When a year after this one is typed, Then the constraint with today() refuses it
        refused = respondent.send({"year": "2027"})
        assert refused.status == 422 and refused.names == ("year",)
        page = respondent.send({"year": "1990"})
        # Then the page shown depends on the date at the survey's precision
        assert page.names == (shown,)
        page = respondent.send({shown: "tokenalpha"})
        assert not page.is_question  # the end
    finally:
        client.close()
        app.state.survey.store.close()
    # And the records hold only that date, and what was typed
    store = open_store(settings.database_url)
    try:
        records = unseal_all(store, research_key.identity)
    finally:
        store.close()
    records.sort(key=lambda r: r.seq)  # the store keeps no order in time (random record ids)
    assert {r.submitted_on for r in records} == {day if precision == "day" else day[:7]}
    assert [dict(r.answers) for r in records] == [{"year": 1990}, {shown: "tokenalpha"}]
    # And the export recomputes the calculations with the same date
    dataset = assemble(records, [load_instrument(form)], language="default")
    row = dataset.frame.iloc[0]
    assert row["day"] == day
    assert float(row["age"]) == 36.0
    assert row[shown] == "tokenalpha"
