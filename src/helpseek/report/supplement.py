"""Further analyses shown after the main one: each extra results.json (for example the programme
participants described by the program_feedback spec, or two samples compared side by side) becomes
one section with its own tables (contents.result_tables), named after its title.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from helpseek.instrument.model import Instrument
from helpseek.report.contents import labels_of, result_tables
from helpseek.report.load import LoadedFile
from helpseek.report.tables import Table


@dataclass(frozen=True)
class SupplementSection:
    """One further analysis: a title, the file it came from, and its tables."""

    id: str
    title: str
    source: str
    tables: tuple[Table, ...]


def supplement_section(
    index: int, loaded: LoadedFile, instruments: Sequence[Instrument] = ()
) -> SupplementSection:
    """The section of the `index`-th extra results.json (ids prefixed "s<index>-")."""
    content = loaded.content
    tables = result_tables(content, labels_of(content, instruments)).all
    prefix = f"s{index}-"
    title = str(content.get("title") or f"Further analysis {index}")
    # the folder and file name only: where the file was on someone's disk is not the reader's concern
    source = "/".join(p for p in (loaded.path.parent.name, loaded.path.name) if p)
    return SupplementSection(
        f"supplement-{index}",
        title,
        source,
        tuple(replace(t, id=prefix + t.id, title=f"{t.title} ({title})") for t in tables),
    )
