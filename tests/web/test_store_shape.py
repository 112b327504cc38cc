"""What the store shows of a response without the research key (issue 12, item 3): every response
holds the same number of sealed records of one size from its start, whatever its path and wherever
it stopped; the fillers never reach the export."""

from __future__ import annotations

from starlette.applications import Starlette

from helpseek.data import assemble, unseal_all
from helpseek.instrument import load_instrument
from helpseek.store import SealedRecord, Store

from .conftest import Respondent


def _payload_length(sealed: SealedRecord) -> int:
    """The age payload's length: after the header, whose grease stanza has a random length."""
    end_of_mac_line = sealed.data.index(b"\n", sealed.data.index(b"\n--- ") + 1)
    return len(sealed.data) - end_of_mac_line - 1


def _sizes(store: Store) -> dict[int, int]:
    """Each record's age payload length (the header varies at random: pyrage's grease stanza)."""
    return {r.record_id: _payload_length(r.sealed) for r in store.iter_records()}


def _walk(respondent: Respondent, uses: str | None, pages: int | None = None) -> int:
    """Consent, then answer up to `pages` pages (None: to the end); returns the pages sent."""
    page = respondent.start("en")
    sent = 0
    while page.is_question and (pages is None or sent < pages):
        answers = page.quick_answers()
        if "uses" in answers and uses is not None:
            answers["uses"] = uses
        page = respondent.send(answers)
        assert page.status == 200
        sent += 1
    return sent


def test_every_response__same_number_of_records_of_one_size__whatever_its_path_or_stop(
    app: Starlette, respondent: Respondent, research_key
) -> None:
    survey = app.state.survey
    store: Store = survey.store
    # One record per page of the longest questionnaire served
    assert survey.records_per_response == len(load_instrument("help_us_help_you").pages) == 14
    added: list[int] = []
    sent: list[int] = []
    for uses, stop in (("no", None), ("yes", None), ("yes", 4), ("yes", 0)):
        # Given a respondent who screens out, one who answers everything, one who stops after
        # four pages and one who only consents
        before = set(_sizes(store))
        sent.append(_walk(respondent, uses, stop))
        added.append(len(set(_sizes(store)) - before))
    assert sent == [3, 14, 4, 0]
    # Then each of them added the same number of records to the store
    assert added == [14, 14, 14, 14]
    # And every record's payload is as long as every other's (short answers: one padding bucket)
    assert set(_sizes(store).values()) == {16 + 1024 + 16}  # age nonce, 1 KiB, one chunk's tag
    # And the export holds the pages sent, and nothing of the fillers
    records = unseal_all(store, research_key.identity)
    assert len(records) == sum(sent)
    table = assemble(records, [load_instrument("help_us_help_you")], "en").frame
    assert sorted(table["pages_submitted"]) == [3, 4, 14]


def test_back_and_forth__every_page_sent_is_stored__beyond_the_fillers(
    app: Starlette, respondent: Respondent, research_key
) -> None:
    # Given a respondent who goes back and sends pages again (more pages than the fillers cover)
    store: Store = app.state.survey.store
    page = respondent.start("en")
    sent = 0
    while page.is_question:
        answers = page.quick_answers()
        if "uses" in answers:
            answers["uses"] = "yes"
        page = respondent.send(answers)
        sent += 1
        if sent in (4, 8):
            respondent.send(action="back")  # and the page is sent again on the next turn
            page = respondent.page  # type: ignore[assignment]
    # Then every accepted page is stored: 14 pages + 2 sent again, and no filler is left
    assert sent == 16
    assert store.count_records() == 16
    assert len(unseal_all(store, research_key.identity)) == 16
