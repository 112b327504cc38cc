"""What respondents submitted through the web comes back out of the export, exactly."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpseek.data import assemble, read_table, unseal_all, write_dataset
from helpseek.instrument import load_instrument
from helpseek.store import open_store

from .conftest import InProcessClient, Respondent


def _complete(client: InProcessClient, skip_with: str | None = None) -> dict[str, object]:
    """One response through the web; returns every answer sent, as the export's CSV spells it."""
    respondent = Respondent(client)
    page = respondent.start("pt")
    sent: dict[str, object] = {}
    went_back = False
    while page.is_question:
        answers = page.quick_answers(text="tokenalpha words")
        if skip_with and "uses" in answers:
            answers["uses"] = skip_with
        if "age_group" in answers and not went_back:
            # go back once from the last questions and change the previous page's answers
            previous = respondent.send(action="back")
            answers = previous.quick_answers(text="tokenalpha second")
            went_back = True
        sent.update({k: " ".join(v) if isinstance(v, list) else v for k, v in answers.items()})
        page = respondent.send(answers)
        assert page.status == 200
    return sent


def test_export__csv_row__equals_what_the_respondent_submitted(
    client: InProcessClient, settings, research_key, tmp_path: Path
) -> None:
    # Given two responses: one through every page (with one Back), one that skips by logic
    full = _complete(client)
    skipped = _complete(client, skip_with="no")
    # When the research team exports the store
    store = open_store(settings.database_url)
    try:
        records = unseal_all(store, research_key.identity)
    finally:
        store.close()
    dataset = assemble(records, [load_instrument("help_us_help_you")], language="en")
    write_dataset(dataset, tmp_path / "data.csv")
    table = read_table(tmp_path / "data.csv")
    # Then each row holds exactly the answers sent, complete, in Portuguese
    assert len(table) == 2 and set(table["status"]) == {"complete"}
    assert set(table["language"]) == {"pt"}
    rows = sorted(table.to_dict("records"), key=lambda r: r["uses"])
    for row, sent in zip(rows, sorted([full, skipped], key=lambda s: str(s["uses"]))):
        answered = {k: row[k] for k in sent if not pd.isna(row[k])}
        assert answered == sent
    skipped_row = next(r for r in rows if r["uses"] == "no")
    assert pd.isna(skipped_row["frequency"])  # not shown: skipped by logic
