"""Progress when stderr is not a terminal: plain lines at every 10 %, and while slow, every 30 s."""

from __future__ import annotations

import io

from rich.console import Console
from rich.progress import Progress

from helpseek.cli.progress import PlainProgress, progress_bars


def lines_of(sink: io.StringIO) -> list[str]:
    return sink.getvalue().splitlines()


def test_plain_progress__advances__a_line_at_every_tenth_and_the_end() -> None:
    sink, now = io.StringIO(), [0.0]
    with PlainProgress(Console(file=sink, width=200), clock=lambda: now[0]) as bar:
        task = bar.add_task("respondents", total=45)
        for _ in range(45):
            now[0] += 1.0
            bar.advance(task)
    assert lines_of(sink) == [
        "respondents: 0/45 (0%), 0 s",
        "respondents: 5/45 (11%), 5 s",
        "respondents: 9/45 (20%), 9 s",
        "respondents: 14/45 (31%), 14 s",
        "respondents: 18/45 (40%), 18 s",
        "respondents: 23/45 (51%), 23 s",
        "respondents: 27/45 (60%), 27 s",
        "respondents: 32/45 (71%), 32 s",
        "respondents: 36/45 (80%), 36 s",
        "respondents: 41/45 (91%), 41 s",
        "respondents: 45/45 (100%), 45 s",
    ]


def test_plain_progress__slow_task__a_line_every_30_s_between_tenths() -> None:
    sink, now = io.StringIO(), [0.0]
    bar = PlainProgress(Console(file=sink, width=200), clock=lambda: now[0])
    task = bar.add_task("pages", total=1000)
    for seconds in (10.0, 31.0, 45.0, 62.0):
        now[0] = seconds
        bar.advance(task)
    assert lines_of(sink) == [
        "pages: 0/1000 (0%), 0 s",
        "pages: 2/1000 (0%), 31 s",
        "pages: 4/1000 (0%), 62 s",
    ]


def test_plain_progress__total_learnt_later__counts_against_it() -> None:
    sink = io.StringIO()
    bar = PlainProgress(Console(file=sink, width=200), clock=lambda: 0.0)
    task = bar.add_task("Decrypting records", total=None)
    for done in range(1, 21):
        bar.update(task, completed=done, total=20)
    assert lines_of(sink) == ["Decrypting records: 0, 0 s"] + [
        f"Decrypting records: {done}/20 ({5 * done}%), 0 s" for done in range(2, 21, 2)
    ]


def test_progress_bars__terminal_or_not__rich_bar_or_plain_lines() -> None:
    assert isinstance(progress_bars(Console(file=io.StringIO(), force_terminal=True)), Progress)
    assert isinstance(progress_bars(Console(file=io.StringIO())), PlainProgress)
