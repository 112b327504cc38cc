"""Synthetic responses -> the exported dataset, built by the same code as a real export.

The pages become the PageRecords the server would have sealed, and `data.assemble` makes the
table, so a synthetic CSV has exactly the columns, codes and codebook of a real one. (This is the
one module of synth that imports data and store.records; neither imports synth.)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

from helpseek.data import Dataset, assemble
from helpseek.instrument import Instrument
from helpseek.store.records import PageRecord
from helpseek.synth.walk import SyntheticResponse


def to_page_records(responses: Iterable[SyntheticResponse]) -> Iterator[PageRecord]:
    """The plaintext records the survey server would have stored for these responses."""
    for response in responses:
        for page in response.pages:
            s = page.submission
            yield PageRecord(
                response.response_id,
                response.form_id,
                response.form_version,
                response.language,
                s.page_id,
                s.seq,
                dict(s.answers),
                s.shown,
                response.submitted_on.isoformat(),
                page.seconds,
                "complete" if s.is_complete else "partial",
            )


def to_dataset(
    responses: Iterable[SyntheticResponse],
    instrument: Instrument,
    language: str | None = None,
) -> Dataset:
    """One row per synthetic response (dataset contract), labels in `language`; synthetic
    responses are never withdrawn (0, not "not known")."""
    dataset = assemble(list(to_page_records(responses)), [instrument], language)
    return replace(dataset, withdrawn=0)
