"""The whole export: unseal a store, describe it with its questionnaires, write every requested file."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from helpseek.instrument import Instrument, load_instrument
from helpseek.problems import InputError, Problem, problem
from helpseek.store import PageRecord, ResearchIdentity, Store

from .assemble import assemble
from .unseal import Progress, unseal_store
from .writers import SUFFIXES, write_all


def check_out_paths(paths: Sequence[Path]) -> None:
    """Raise one InputError for every output path with an unknown suffix (before any work)."""
    problems = [problem("DATA-004", path=str(p)) for p in paths if p.suffix.lower() not in SUFFIXES]
    if problems:
        raise InputError(problems)


def export_store(
    store: Store,
    identity: ResearchIdentity,
    out_paths: Sequence[Path],
    instruments: Sequence[Instrument] = (),
    language: str | None = None,
    progress: Progress | None = None,
    on_unreadable: Callable[[Problem], None] | None = None,
    processes: int | None = None,
) -> list[Path]:
    """Unseal every record, assemble one row per response, write each of `out_paths`.

    Without `instruments`, the bundled questionnaire named like each record's form_id is used.
    `processes` decrypt at once (default: one per core; see `unseal_all`).
    Returns every file written (data files and their codebooks).
    """
    check_out_paths(out_paths)
    unsealed = unseal_store(store, identity, progress, on_unreadable, processes)
    records = unsealed.pages
    if not instruments:
        instruments = _bundled_for(records)
    dataset = replace(assemble(records, instruments, language), withdrawn=unsealed.withdrawn)
    return write_all(dataset, out_paths)


def _bundled_for(records: Sequence[PageRecord]) -> list[Instrument]:
    forms = list(dict.fromkeys(r.form_id for r in records))
    if not forms:
        raise InputError([problem("DATA-003")])
    return [load_instrument(form) for form in forms]
