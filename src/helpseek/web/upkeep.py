"""The collector's upkeep settings (issue 14): the code settings checked at startup, and a log
warning while sealed records older than `warn_unpulled_days` wait on the collector unpulled.
And, every few seconds, the form states the process kept for reuse dropped once they are older
than their bound (`instrument.RECENT_SECONDS`), so that a server gone quiet holds no answers.

The warning says a date and a count of days, nothing about any response.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import date

from helpseek.instrument import purge_recent_states, recent_states
from helpseek.problems import Problem, problem
from helpseek.settings import Settings
from helpseek.store import Store, oldest_unpulled

#: How often a running server looks again (it also looks once at startup).
CHECK_EVERY_S = 6 * 3600
_LOG = logging.getLogger("helpseek.web")


def check_code_settings(settings: Settings) -> list[Problem]:
    """Every code or upkeep setting out of range (WEB-025..WEB-027); [] when all are fine."""
    problems = []
    for name, value in (
        ("--resume-days", settings.resume_days),
        ("--withdrawal-days", settings.withdrawal_days),
    ):
        if value < 1:
            problems.append(problem("WEB-025", option=name, value=value))
    for name, value in (
        ("--code-attempts-per-circuit", settings.code_attempts_per_circuit_per_hour),
        ("--code-attempts-per-minute", settings.code_attempts_per_minute),
    ):
        if value < 0:
            problems.append(problem("WEB-026", option=name, value=value))
    if settings.warn_unpulled_days < 0:
        problems.append(problem("WEB-027", value=settings.warn_unpulled_days))
    return problems


def unpulled_warning(store: Store, days: int, today: date) -> str | None:
    """The log line to write when the oldest unpulled record is more than `days` old, else None."""
    oldest = oldest_unpulled(store)
    if days <= 0 or oldest is None or (today - oldest).days <= days:
        return None
    age = (today - oldest).days
    return (
        f"sealed records stored on {oldest.isoformat()} ({age} days ago) have not been pulled "
        f"off this collector (warned after {days} days). Run `helpseek pull --db ... --into "
        "ARCHIVE --purge` on the research side: a seized collector holds everything not pulled."
    )


def watch_unpulled(store: Store, days: int, today: Callable[[], date]) -> asyncio.Task[None] | None:
    """Start the check (at once, then every CHECK_EVERY_S) in the running loop; None when off."""
    if days <= 0:
        return None

    async def watch() -> None:
        while True:
            warning = await asyncio.to_thread(unpulled_warning, store, days, today())
            if warning is not None:
                _LOG.warning("%s", warning)
            await asyncio.sleep(CHECK_EVERY_S)

    return asyncio.get_running_loop().create_task(watch())


def purge_held(seconds: float, *others: Callable[[float], object]) -> asyncio.Task[None]:
    """Start dropping, every `seconds` / 4 in the running loop, what this process kept of
    respondents last used more than `seconds` ago: the form states (plaintext answers,
    `instrument/logic.py`) and whatever `others` purge (the page cache's variants). One is then
    gone at most 1.25 x `seconds` after its last use, whether or not requests come. A purge holds
    the states' lock for at most a few dozen entries at a time. A purge that raises is logged
    and tried again next round; the others still run. The states' counts are logged when the
    task is cancelled (at shutdown)."""
    if not seconds > 0:
        raise ValueError(f"states are kept for more than 0 seconds, not {seconds}")

    async def purge() -> None:
        try:
            while True:
                await asyncio.sleep(seconds / 4)
                for drop in (purge_recent_states, *others):
                    try:
                        drop(seconds)
                    except Exception as error:  # noqa: BLE001 - the next round tries again
                        # A purge that failed once must not end the task: the bound holds
                        # only while it runs. The log names the error's type, nothing held.
                        _LOG.error("held answers: a purge failed (%s)", type(error).__name__)
        finally:
            memo = recent_states()
            if memo.hits or memo.misses:  # counts only, one line per process
                _LOG.warning("%s", memo.summary())

    return asyncio.get_running_loop().create_task(purge())
