"""Questions -> Pages: a `field-list` group is one page; any other shown question is its own page
(id = question name); calculations are on no page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import cast

from .columns import BuildContext, normalise_survey_columns
from .model import Page, Question, Translations
from .types import parse_type


@dataclass
class Group:
    """A `begin group` row: what its questions' pages need from it."""

    name: str
    relevant: str | None
    is_field_list: bool
    label: Translations
    row: int


def build_pages(questions: Iterable[Question], context: BuildContext) -> list[Page]:
    """A field-list group is one page; any other shown question is its own page."""
    known = _group_info(context)
    groups = defaultdict(lambda: Group("", None, False, Translations(), 0), known)
    pages: list[Page] = []
    for question in questions:
        if question.type == "calculate":
            continue
        field_list = next((g for g in question.group_path if groups[g].is_field_list), None)
        if field_list is None:
            inner = groups[question.group_path[-1]].label if question.group_path else Translations()
            pages.append(Page(question.name, (question,), inner, question.group_relevant))
            continue
        if pages and pages[-1].id == field_list:
            pages[-1] = replace(pages[-1], questions=pages[-1].questions + (question,))
            continue
        depth = question.group_path.index(field_list) + 1
        relevant = tuple(
            groups[g].relevant for g in question.group_path[:depth] if groups[g].relevant
        )
        pages.append(
            Page(field_list, (question,), groups[field_list].label, cast(tuple[str, ...], relevant))
        )
    return pages


def _group_info(context: BuildContext) -> dict[str, Group]:
    groups: dict[str, Group] = {}
    for row in context.sheets.survey:
        cells = normalise_survey_columns(row.cells)
        if parse_type(cells.get("type", "")).base == "begin group" and cells.get("name"):
            groups.setdefault(
                cells["name"],
                Group(
                    cells["name"],
                    cells.get("relevant"),
                    "field-list" in cells.get("appearance", "").split(),
                    context.translations(cells, "label"),
                    row.number,
                ),
            )
    return groups
