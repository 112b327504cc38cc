"""Over HTTP: synthetic respondents answer the real survey pages of a real server on loopback, and
the export holds exactly the answers that the same respondents give when walking the Session
locally."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pandas as pd
import pytest

from helpseek.cli.demo_server import running_server
from helpseek.data import assemble, unseal_all
from helpseek.instrument import Instrument, load_instrument
from helpseek.settings import Settings
from helpseek.store import ResearchKeypair, generate_research_keypair, open_store
from helpseek.synth import draw_respondents, load_truth, to_dataset, walk_all
from helpseek.synth.http import DriveError, Sample, drive, drive_all, parse_page

VARYING = ["response_id", "duration_s", "submitted_on"]  # server-made: random ids, clock, date


@pytest.fixture(scope="module")
def research_key() -> ResearchKeypair:
    return generate_research_keypair()


def _settings(tmp_path: Path, key: ResearchKeypair, names: tuple[str, ...]) -> Settings:
    public = tmp_path / "public.key"
    public.write_text(key.public_key + "\n")
    return Settings(
        f"sqlite:///{tmp_path / 'responses.db'}",
        (public,),
        names,
        secret_key_file=tmp_path / "server.secret",
    )


def _exported(settings: Settings, key: ResearchKeypair, form: Instrument) -> pd.DataFrame:
    store = open_store(settings.database_url)
    try:
        records = unseal_all(store, key.identity)
    finally:
        store.close()
    return assemble(records, [form]).frame


def _exported_of_one(settings: Settings, key: ResearchKeypair, form: Instrument) -> pd.DataFrame:
    """The export of one questionnaire's records from a store that holds several."""
    store = open_store(settings.database_url)
    try:
        records = [r for r in unseal_all(store, key.identity) if r.form_id == form.form_id]
    finally:
        store.close()
    return assemble(records, [form]).frame


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    rest = frame.drop(columns=VARYING).astype(str)
    return rest.sort_values(list(rest.columns)).reset_index(drop=True)


@pytest.mark.parametrize("name, n", [("help_us_help_you", 8), ("program_feedback", 12)])
def test_drive__same_respondents_over_http__export_equals_the_local_walk(
    name: str,
    n: int,
    tmp_path: Path,
    research_key: ResearchKeypair,
) -> None:
    # Given respondents drawn with breakoffs, blanks and low-quality kinds
    form = load_instrument(name)
    truth = load_truth(None, form)
    draw = draw_respondents(form, truth, n, seed=21)
    settings = _settings(tmp_path, research_key, (name,))
    # When they answer the real pages of the survey server, four at a time
    with running_server(settings, 1.0, tmp_path / "server.log") as server:
        result = asyncio.run(drive(server.base_url, form, draw, concurrency=4))
    # Then every respondent was sent, and the export holds what the local walk gives
    assert result.complete + result.partial == n
    over_http = _exported(settings, research_key, form)
    local = to_dataset(walk_all(form, draw), form).frame
    assert len(over_http) == len(local)
    pd.testing.assert_frame_equal(_comparable(over_http), _comparable(local))


def test_drive__before_page__awaited_once_for_each_page_posted(
    tmp_path: Path,
    research_key: ResearchKeypair,
) -> None:
    # Given respondents drawn with breakoffs, and a hook that counts and yields to the loop
    form = load_instrument("help_us_help_you")
    draw = draw_respondents(form, load_truth(None, form), 10, seed=5)
    settings = _settings(tmp_path, research_key, ("help_us_help_you",))
    awaited = 0

    async def before_page() -> None:
        nonlocal awaited
        awaited += 1
        await asyncio.sleep(0)

    # When three browsers drive them with the hook
    with running_server(settings, 1.0, tmp_path / "server.log") as server:
        result = asyncio.run(
            drive(server.base_url, form, draw, concurrency=3, before_page=before_page)
        )
    # Then it was awaited once a page posted: not for landing pages or consents
    assert result.complete + result.partial == 10
    assert awaited == result.pages > 0


def test_drive_all__two_samples_share_browsers_longest_first__each_export_equals_its_walk(
    tmp_path: Path,
    research_key: ResearchKeypair,
) -> None:
    # Given respondents of two questionnaires, with breakoffs and speeders among them
    names = ("help_us_help_you", "program_feedback")
    forms = [load_instrument(name) for name in names]
    draws = [draw_respondents(f, load_truth(None, f), 9, seed=4) for f in forms]
    settings = _settings(tmp_path, research_key, names)
    sent: list[int] = [0, 0]
    samples = [
        Sample(f, d, d.respondents, lambda k, i=i: sent.__setitem__(i, sent[i] + k))
        for i, (f, d) in enumerate(zip(forms, draws, strict=True))
    ]
    # When both samples answer the real pages at once, three browsers shared, longest first
    with running_server(settings, 1.0, tmp_path / "server.log") as server:
        results = asyncio.run(
            drive_all(server.base_url, samples, concurrency=3, longest_first=True)
        )
    # Then each sample's respondents were all sent and counted apart, and each export holds
    # what the same respondents give when walking the Session locally
    assert sent == [9, 9]
    for form, draw, result in zip(forms, draws, results, strict=True):
        local_walk = list(walk_all(form, draw))
        assert result.complete == sum(r.is_complete for r in local_walk)
        assert result.complete + result.partial == 9
        over_http = _exported_of_one(settings, research_key, form)
        local = to_dataset(local_walk, form).frame
        pd.testing.assert_frame_equal(_comparable(over_http), _comparable(local))


def test_drive__server_refuses_the_instrument__raises_drive_error(
    tmp_path: Path,
    research_key: ResearchKeypair,
) -> None:
    # Given a server that fields only program_feedback
    form = load_instrument("help_us_help_you")
    settings = _settings(tmp_path, research_key, ("program_feedback",))
    draw = draw_respondents(form, load_truth(None, form), 1, seed=1)
    # When respondents of help_us_help_you try to start it
    with (
        running_server(settings, 1.0, tmp_path / "server.log") as server,
        pytest.raises(DriveError) as raised,
    ):
        asyncio.run(drive(server.base_url, form, draw))
    # Then the driver stops with the status instead of inventing answers
    assert raised.value.status == 404


def test_parse_page__end_page_without_a_page_form__is_none() -> None:
    assert parse_page("<html><body><p>Thank you</p></body></html>") is None
