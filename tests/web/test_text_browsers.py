"""Text browsers that press only "Next" store no answer (issue 12, item 1).

lynx checks the first radio button of a group that has none checked, so before every single-choice
question carried a checked "No answer" radio, a lynx respondent who answered nothing was stored as
answering the first choice of every question (uses=yes, self_harm_thoughts=yes...). Here real lynx
and real w3m walk the bundled questionnaires on a live server pressing only the submit button; the
required questions answer 422 "please choose" and get the one choice the walk must make to go on;
the export then holds those answers and nothing else, every other question shown being listed as
shown but not answered.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpseek.data import assemble
from helpseek.instrument import load_instrument
from helpseek.store import ResearchKeypair
from helpseek.web.i18n import load_catalogue

from .conftest import stored_pages
from .live import LiveServer
from .text_browsers import Plan, flat, plan_walk, require, walk_lynx, walk_w3m

UI = load_catalogue()
# What the walk must choose to be let through (the required questions), chosen so that every page
# of the questionnaire is shown: the screening question "yes", having sought help "yes".
WALKS = {
    "program_feedback": {},
    "help_us_help_you": {
        "uses": "yes",
        "want_stop": "unsure",
        "sought_help": "yes",
        "accessed_help": "prefer_not",
    },
}


@pytest.fixture()
def server(tmp_path: Path, research_key: ResearchKeypair) -> LiveServer:
    key = tmp_path / "public.key"
    key.write_text(research_key.public_key + "\n")
    live = LiveServer(tmp_path, key, tuple(WALKS))
    live.start()
    yield live  # type: ignore[misc]
    live.stop()


def _check_export(server: LiveServer, research_key: ResearchKeypair, plan: Plan, name: str) -> None:
    """The store holds one complete response: the plan's answers, every other question empty."""
    server.stop()
    records = stored_pages(f"sqlite:///{server.database}", research_key)
    instrument = load_instrument(name)
    table = assemble(records, [instrument], "en").frame
    assert len(table) == 1 and table.loc[0, "status"] == "complete"
    row = table.loc[0]
    given = {
        q.name: row[q.name]
        for q in instrument.questions
        if q.is_answered and not pd.isna(row[q.name])
    }
    assert given == plan.answers
    assert set(row["unanswered"].split()) == plan.shown - set(plan.answers)


def _check_pages(pages: list[str], plan: Plan) -> None:
    """Each page the browser showed was the one the plan expected, "No answer" checked on it."""
    expected = [plan.first, *[press.expect for press in plan.presses]]
    assert len(pages) == len(expected)
    for page, marker in zip(pages, expected, strict=True):
        assert marker in flat(page), (marker, page[:600])


@pytest.mark.slow
@pytest.mark.parametrize("name", list(WALKS))
def test_lynx__presses_only_next__stores_no_answer(
    server: LiveServer, research_key: ResearchKeypair, tmp_path: Path, name: str
) -> None:
    require("lynx")
    # Given a respondent in lynx, which checks the first radio of a group with none checked
    plan = plan_walk(load_instrument(name), "en", UI, WALKS[name])
    # When they walk the whole questionnaire pressing only the submit button
    pages = walk_lynx(f"{server.url}/survey/{name}?lang=en", plan, tmp_path)
    # Then every page shows "No answer" checked, the required questions ask them to choose
    _check_pages(pages, plan)
    assert all("(*) " + UI.text("en", "no_answer") in p for p in pages[1:-1] if "( )" in p)
    # And the export holds only what they chose
    _check_export(server, research_key, plan, name)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(WALKS))
def test_w3m__presses_only_next__stores_no_answer(
    server: LiveServer, research_key: ResearchKeypair, name: str
) -> None:
    # Given a respondent in w3m (which sends nothing for a radio group with none checked)
    require("w3m", "tmux")
    plan = plan_walk(load_instrument(name), "en", UI, WALKS[name])
    # When they walk the whole questionnaire pressing only the submit button
    screens = walk_w3m(f"{server.url}/survey/{name}?lang=en", plan, f"helpseek-w3m-{server.port}")
    # Then every page was the one expected (each waited for), and the export holds only what
    # they chose: the "No answer" radio they sent is stored as not answered
    assert len(screens) == len(plan.presses) + 1
    _check_export(server, research_key, plan, name)
