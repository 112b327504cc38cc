"""Open every sealed record of a store with the research identity (offline, on a researcher's machine)."""

from __future__ import annotations

import json
from collections.abc import Callable

from helpseek.problems import InputError, Problem, problem
from helpseek.store import PageRecord, ResearchIdentity, Store, UnsealError, unseal_record

#: Called after each record with (records done, records in the store).
Progress = Callable[[int, int], None]


def unseal_all(
    store: Store,
    identity: ResearchIdentity,
    progress: Progress | None = None,
    on_unreadable: Callable[[Problem], None] | None = None,
) -> list[PageRecord]:
    """Every page record in storage order.

    A record that does not open (sealed to another key, altered) or is not a page record is a
    STORE-004 problem: all of them are raised together as one InputError, unless `on_unreadable`
    is given, which then receives each one (as a warning) and the rest are returned.
    """
    total = store.count_records()
    records: list[PageRecord] = []
    problems: list[Problem] = []
    for number, sealed in enumerate(store.iter_records(), start=1):
        try:
            records.append(PageRecord.from_json(unseal_record(sealed, identity)))
        except UnsealError as error:
            problems.append(problem("STORE-004", record=number, reason=str(error)))
        except (ValueError, TypeError, KeyError, json.JSONDecodeError) as error:
            reason = f"it is not a helpseek page record ({type(error).__name__})"
            problems.append(problem("STORE-004", record=number, reason=reason))
        if progress is not None:
            progress(number, max(total, number))
    if problems and on_unreadable is None:
        raise InputError(problems)
    for found in problems:
        if on_unreadable is not None:
            on_unreadable(Problem(found.code, found.message, found.location, "warning"))
    return records
