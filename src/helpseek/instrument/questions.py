"""The survey sheet -> Questions (types, names, conditions, or_other) and Pages (paging rules).

A `field-list` group is one page; any other shown question is its own page; calculations are on
no page. Problems are collected in the BuildContext, never raised.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import cast

from helpseek.problems import Location, near_miss

from .columns import (
    DEFAULT_CODE,
    NAME,
    NO,
    YES,
    BuildContext,
    near_column,
    normalise_survey_columns,
)
from .model import Choice, Page, Question, QuestionType, Translations
from .pages import Group, build_pages
from .read import Row
from .types import TypeInfo, parse_type

SURVEY_TRANSLATED = ("label", "hint", "constraint_message", "required_message")
SURVEY_PLAIN = (
    "type", "name", "required", "relevant", "constraint", "calculation", "choice_filter",
    "default", "parameters", "appearance", "battery",
)  # fmt: skip
# Columns that only make sense for features we refuse; naming them helps the author.
SURVEY_REFUSED = {
    "image": "media (images, audio, video) in questions",
    "big-image": "media (images, audio, video) in questions",
    "audio": "media (images, audio, video) in questions",
    "video": "media (images, audio, video) in questions",
    "repeat_count": "repeats",
    "trigger": "triggers",
}  # fmt: skip
SURVEY_IGNORED = ("guidance_hint", "read_only", "readonly", "autoplay", "label_other")
# or_other's generated choice and question (pyxform's "Other" / "Specify other."), in every language
# of the language registry (languages/registry.py; machine drafts like the bundled translations).
OTHER_LABELS = {
    "en": "Other", "es": "Otro", "ru": "Другое", "de": "Sonstiges", "pt": "Outro", "fi": "Muu",
    "ar": "أخرى", "fr": "Autre", "el": "Άλλο", "nl": "Anders", "sv": "Annat", "hi": "अन्य",
    "fa": "سایر", "ta": "மற்றவை", "ja": "その他", "zh-Hans": "其他", "zh-Hant": "其他",
    "uk": "Інше", "ne": "अन्य", "it": "Altro", "pl": "Inne", "bs": "Drugo", "sr": "Друго",
    "hr": "Drugo", "et": "Muu",
}  # fmt: skip
SPECIFY_OTHER = {
    "en": "Specify other.", "es": "Especifique otro.", "ru": "Уточните другое.",
    "de": "Bitte angeben.", "pt": "Especifique outro.", "fi": "Tarkenna muu.",
    "ar": "حدد غير ذلك.", "fr": "Précisez autre.", "el": "Προσδιορίστε το άλλο.",
    "nl": "Anders, namelijk:", "sv": "Ange annat.", "hi": "अन्य बताएँ।", "fa": "مورد دیگر را مشخص کنید.",
    "ta": "பிறவற்றைக் குறிப்பிடவும்.", "ja": "その他の内容を記入してください。", "zh-Hans": "请注明其他。",
    "zh-Hant": "請註明其他。", "uk": "Уточніть інше.", "ne": "अन्य खुलाउनुहोस्।",
    "it": "Specificare altro.", "pl": "Podaj inne.", "bs": "Navedite drugo.", "sr": "Наведите друго.",
    "hr": "Navedite drugo.", "et": "Täpsustage muu.",
}  # fmt: skip


# --- questions ------------------------------------------------------------------------------


def build_questions(
    context: BuildContext, choices: Mapping[str, tuple[Choice, ...]]
) -> tuple[list[Question], list[Page]]:
    questions: list[Question] = []
    stack: list[Group] = []
    _check_columns(context)
    refused_block: list[str] = []  # open repeats (refused) whose rows are skipped
    for row in context.sheets.survey:
        cells = normalise_survey_columns(row.cells)
        if not cells or _is_comment(cells):
            continue
        kind = parse_type(cells.get("type", ""))
        if refused_block:
            _skip_in_refused_block(cells, refused_block)
            continue
        if kind.problem:
            _type_problem(context, row, cells, kind, refused_block)
            continue
        if kind.base == "end group":
            if not stack:
                context.add("INSTRUMENT-009", "survey", row.number, "type")
            else:
                stack.pop()
            continue
        name = cells.get("name", "")
        if kind.base == "note" and not name:  # pyxform names an unnamed note so, too
            name = f"generated_note_name_{row.number}"
            cells = {**cells, "name": name}
        valid = _valid_name(context, row, name)
        if kind.base == "begin group":  # kept even with a bad name, so its "end group" matches
            stack.append(
                Group(
                    name,
                    cells.get("relevant"),
                    "field-list" in cells.get("appearance", "").split(),
                    context.translations(cells, "label"),
                    row.number,
                )
            )
            continue
        if valid:
            questions.extend(_question(context, row, cells, kind, stack, choices))
    for group in stack:
        context.add("INSTRUMENT-008", "survey", group.row, "type", name=group.name)
    return questions, build_pages(questions, context)


def _is_comment(cells: Mapping[str, str]) -> bool:
    """A row with no type, name or label is a comment (pyxform skips it too)."""
    return not any(
        column == "type" or column == "name" or column.split("::")[0] == "label" for column in cells
    )


def _type_problem(
    context: BuildContext,
    row: Row,
    cells: Mapping[str, str],
    kind: TypeInfo,
    refused_block: list[str],
) -> None:
    """Report a type we cannot use, once; a refused repeat's rows are skipped up to its end."""
    typed = cells.get("type", "")
    if kind.problem == "INSTRUMENT-003":
        context.add("INSTRUMENT-003", "survey", row.number, "type", column="type")
    elif kind.problem == "INSTRUMENT-004":
        hint = f' Did you mean "{kind.suggestion}"?' if kind.suggestion else ""
        context.add("INSTRUMENT-004", "survey", row.number, "type", type=typed, hint=hint)
    else:
        context.add(
            "INSTRUMENT-005",
            "survey",
            row.number,
            "type",
            feature=kind.feature,
            reason=kind.reason,
        )
    if typed.strip().lower().replace("_", " ").startswith(("begin repeat", "begin loop")):
        refused_block.append(typed)


def refused_names(rows: Iterable[Row]) -> set[str]:
    """Names on survey rows whose type was refused (a left-out feature or a misspelling,
    reported on that row), or inside a refused repeat."""
    found: set[str] = set()
    depth = 0
    for row in rows:
        cells = normalise_survey_columns(row.cells)
        raw = cells.get("type", "")
        typed = raw.strip().lower().replace("_", " ")
        inside = depth > 0
        if typed.startswith(("begin repeat", "begin loop")):
            depth += 1
        elif typed.startswith(("end repeat", "end loop")) and depth:
            depth -= 1
        refused = bool(raw.strip()) and parse_type(raw).problem is not None
        if cells.get("name") and (inside or refused):
            found.add(cells["name"])
    return found


def _skip_in_refused_block(cells: Mapping[str, str], refused_block: list[str]) -> None:
    """Inside a refused repeat every row is skipped (its begin row was reported) up to its end."""
    typed = cells.get("type", "").strip().lower().replace("_", " ")
    if typed.startswith(("begin repeat", "begin loop")):
        refused_block.append(typed)
    elif typed.startswith(("end repeat", "end loop")):
        refused_block.pop()


def _valid_name(context: BuildContext, row: Row, name: str) -> bool:
    if not name:
        context.add("INSTRUMENT-003", "survey", row.number, "name", column="name")
        return False
    if not NAME.match(name):
        context.add("INSTRUMENT-011", "survey", row.number, "name", name=name)
        return False
    if name in context.names:
        context.add(
            "INSTRUMENT-006", "survey", row.number, "name", name=name, first_row=context.names[name]
        )
        return False
    context.names[name] = row.number
    return True


def _check_columns(context: BuildContext) -> None:
    """Each survey column helpseek refuses or does not know, reported once (on the first row
    that uses it), not once per row."""
    known = set(SURVEY_PLAIN) | set(SURVEY_TRANSLATED) | set(SURVEY_IGNORED)
    first_use: dict[str, int] = {}
    for row in context.sheets.survey:
        for column in normalise_survey_columns(row.cells):
            first_use.setdefault(column, row.number)
    for column, number in first_use.items():
        base = column.split("::")[0]
        if base in SURVEY_REFUSED or base.startswith("media"):
            feature = SURVEY_REFUSED.get(base, "media (images, audio, video) in questions")
            context.add(
                "INSTRUMENT-005",
                "survey",
                number,
                column,
                feature=feature,
                reason="respondent pages carry no media and no repeats",
            )
        elif base not in known and base not in ("instance", "bind", "body"):
            context.warn(
                "INSTRUMENT-019",
                "survey",
                number,
                column,
                column=column,
                hint=near_column(base, sorted(known)),
            )


def _question(
    context: BuildContext,
    row: Row,
    cells: Mapping[str, str],
    kind: TypeInfo,
    stack: list[Group],
    choices: Mapping[str, tuple[Choice, ...]],
) -> list[Question]:
    """One survey row -> its Question, plus the `<name>_other` text question for or_other."""
    calculation = cells.get("calculation")
    if kind.base == "calculate" and not calculation:
        # pyxform accepts a calculate with only a default (computed once, at the start)
        calculation = _default_as_calculation(cells.get("default", ""))
        if not calculation:
            context.add("INSTRUMENT-003", "survey", row.number, "calculation", column="calculation")
    _check_texts(context, row, cells)
    question = Question(
        name=cells["name"],
        type=cast(QuestionType, kind.base),
        label=context.translations(cells, "label"),
        hint=context.translations(cells, "hint")
        or Translations({context.plain_code: kind.hint} if kind.hint else {}),
        list_name=kind.list_name,
        choices=_options(context, row, kind, choices),
        has_other=kind.or_other,
        required=_required(cells.get("required")),
        required_message=context.translations(cells, "required_message"),
        relevant=cells.get("relevant"),
        group_relevant=tuple(g.relevant for g in stack if g.relevant),
        constraint=cells.get("constraint") or kind.constraint,
        constraint_message=context.translations(cells, "constraint_message"),
        calculation=calculation,
        choice_filter=cells.get("choice_filter"),
        default=cells.get("default"),
        is_randomized=_randomized(context, row, cells.get("parameters", "")),
        appearance=cells.get("appearance"),
        group_path=tuple(g.name for g in stack),
        location=Location(context.sheets.file, "survey", row.number),
    )
    return [question, _other_question(context, row, question)] if kind.or_other else [question]


def _default_as_calculation(default: str) -> str | None:
    """A calculate's default as its calculation: an expression as it is, plain text quoted."""
    text = default.strip()
    if not text:
        return None
    if re.fullmatch(r"-?\d+(\.\d+)?", text) or re.search(r"[()$/]", text):
        return text
    return f'"{text}"' if '"' not in text else f"'{text}'"


_INSTANCE_TEXT = re.compile(r"instance\(\s*['\"][^'\"]+['\"]\s*\)\s*/")
_LAST_SAVED = re.compile(r"\$\{\s*last-saved#")


def _check_texts(context: BuildContext, row: Row, cells: Mapping[str, str]) -> None:
    """Labels and hints may show answers as ${name}; ODK's other dynamic texts are refused."""
    for column, text in cells.items():
        if column.split("::")[0] not in SURVEY_TRANSLATED:
            continue
        if _INSTANCE_TEXT.search(text):
            feature, reason = "A secondary instance in a text", _SECONDARY
        elif _LAST_SAVED.search(text):
            feature, reason = "A last-saved value in a text", _LAST_SAVED_REASON
        else:
            continue
        context.add("INSTRUMENT-005", "survey", row.number, column, feature=feature, reason=reason)


_SECONDARY = "secondary instances and external choice lists are not supported"
_LAST_SAVED_REASON = (
    "the last-saved value comes from the previous response on the same device, and helpseek "
    "keeps responses apart so that none can be linked to another"
)


def _options(
    context: BuildContext, row: Row, kind: TypeInfo, choices: Mapping[str, tuple[Choice, ...]]
) -> tuple[Choice, ...]:
    if kind.list_name is None:
        return ()
    options = choices.get(kind.list_name, ())
    if not options:
        hint = near_miss(kind.list_name, choices)
        context.add("INSTRUMENT-007", "survey", row.number, "type", list=kind.list_name, hint=hint)
    # pyxform adds an "other" option only when the list has none (it keeps the list's own,
    # translated one), and so do we.
    if kind.or_other and not any(c.name == "other" for c in options):
        options += (Choice("other", _other_label(context, OTHER_LABELS)),)
    return options


def _other_question(context: BuildContext, row: Row, question: Question) -> Question:
    """The text question pyxform adds for or_other, shown when "other" is selected."""
    name = f"{question.name}_other"
    if name in context.names:
        first_row = context.names[name]
        context.add("INSTRUMENT-006", "survey", row.number, "name", name=name, first_row=first_row)
    context.names.setdefault(name, row.number)
    return Question(
        name=name,
        type="text",
        label=_other_label(context, SPECIFY_OTHER),
        relevant=f"selected(${{{question.name}}}, 'other')",
        group_relevant=question.group_relevant,
        group_path=question.group_path,
        location=question.location,
    )


def _other_label(context: BuildContext, texts: Mapping[str, str]) -> Translations:
    return Translations(
        {lang.code: texts.get(lang.code, texts["en"]) for lang in context.languages}
        or {DEFAULT_CODE: texts["en"]}
    )


def _required(text: str | None) -> str | None:
    """'yes'/'TRUE'/'true()' -> 'yes'; 'no'/'false' or empty -> None; anything else is an expression."""
    if text is None or text.strip().lower() in NO or not text.strip():
        return None
    return "yes" if text.strip().lower() in YES else text.strip()


def _randomized(context: BuildContext, row: Row, parameters: str) -> bool:
    randomized = False
    for pair in re.split(r"[\s,;]+", parameters.strip()):
        if not pair:
            continue
        key, _, value = pair.partition("=")
        if key.strip().lower() == "randomize" and value.strip().lower() in YES | NO:
            randomized = value.strip().lower() in YES
        else:
            context.warn("INSTRUMENT-020", "survey", row.number, "parameters", parameter=pair)
    return randomized
