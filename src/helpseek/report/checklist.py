"""The CHERRIES checklist (Eysenbach 2004, JMIR 6:e34) filled from what helpseek knows.

What helpseek cannot know (ethics approval, incentives, how the survey was advertised...) is left
explicitly for the authors, never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from helpseek.instrument.model import Instrument
from helpseek.report.formatting import fmt_count, fmt_percent

FOR_AUTHORS = "For the authors to complete."


@dataclass(frozen=True)
class ChecklistItem:
    """One CHERRIES item: group, item, and either helpseek's answer or a note for the authors."""

    group: str
    item: str
    answer: str
    is_filled: bool


def cherries(
    results: Mapping[str, Any], funnel: Mapping[str, Any] | None, instrument: Instrument | None
) -> list[ChecklistItem]:
    """All 30 CHERRIES items in the checklist's order."""
    known = {**_from_helpseek(), **_from_results(results), **_from_instrument(instrument)}
    if funnel is not None:
        known.update(_from_funnel(funnel))
    return [
        ChecklistItem(group, item, known.get(item, FOR_AUTHORS), item in known)
        for group, item in _ITEMS
    ]


_ITEMS: tuple[tuple[str, str], ...] = (
    ("Design", "Describe survey design"),
    ("IRB approval and informed consent", "IRB approval"),
    ("IRB approval and informed consent", "Informed consent"),
    ("IRB approval and informed consent", "Data protection"),
    ("Development and pre-testing", "Development and testing"),
    ("Recruitment process and description of the sample", "Open survey versus closed survey"),
    ("Recruitment process and description of the sample", "Contact mode"),
    ("Recruitment process and description of the sample", "Advertising the survey"),
    ("Survey administration", "Web/E-mail"),
    ("Survey administration", "Context"),
    ("Survey administration", "Mandatory/voluntary"),
    ("Survey administration", "Incentives"),
    ("Survey administration", "Time/Date"),
    ("Survey administration", "Randomization of items or questionnaires"),
    ("Survey administration", "Adaptive questioning"),
    ("Survey administration", "Number of items"),
    ("Survey administration", "Number of screens (pages)"),
    ("Survey administration", "Completeness check"),
    ("Survey administration", "Review step"),
    ("Response rates", "Unique site visitor"),
    ("Response rates", "View rate (ratio of unique survey visitors/unique site visitors)"),
    ("Response rates", "Participation rate"),
    ("Response rates", "Completion rate"),
    ("Preventing multiple entries from the same individual", "Cookies used"),
    ("Preventing multiple entries from the same individual", "IP check"),
    ("Preventing multiple entries from the same individual", "Log file analysis"),
    ("Preventing multiple entries from the same individual", "Registration"),
    ("Analysis", "Handling of incomplete questionnaires"),
    ("Analysis", "Questionnaires submitted with an atypical timestamp"),
    ("Analysis", "Statistical correction"),
)


def _from_helpseek() -> dict[str, str]:
    """What holds for every survey run with helpseek, by design (DESIGN.md, threat model)."""
    return {
        "Data protection": "Answers were sealed page by page to the research team's offline public "
        "key; the server cannot read them back. No IP address, cookie, user agent or other "
        "identifier was collected; dates were stored without time of day and page durations rounded.",
        "Web/E-mail": "Web questionnaire (helpseek, no JavaScript), answers captured automatically "
        "page by page.",
        "Unique site visitor": "Not determined: helpseek collects no IP address or cookie, by design "
        "(respondents are anonymous, many reach the survey over Tor).",
        "Cookies used": "No. helpseek sets no cookies.",
        "IP check": "No. IP addresses are not collected (over Tor they would not identify anyone).",
        "Log file analysis": "No. The server keeps no request log with request metadata.",
        "Registration": "No. The survey needs no registration.",
        "Statistical correction": "None: no weighting or propensity scores were applied.",
    }


def _from_results(results: Mapping[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    period = results.get("collection_period") or results.get("collection")
    if isinstance(period, Mapping):
        first = period.get("first") or period.get("start") or period.get("from")
        last = period.get("last") or period.get("end") or period.get("to")
        if first and last:
            found["Time/Date"] = f"Responses submitted from {first} to {last}."
    completion = results.get("completion")
    if isinstance(completion, Mapping) and completion.get("complete") is not None:
        text = f"{fmt_count(completion['complete'])} complete"
        if completion.get("partial") is not None:
            text += f" and {fmt_count(completion['partial'])} partial responses"
        if completion.get("rate") is not None:
            text += f" (completion rate {fmt_percent(completion['rate'])}%)"
        found["Completion rate"] = text + "."
    flow_steps = [str(s["step"]) for s in results.get("flow", [])]
    speed = [s for s in flow_steps if "speed" in s.lower()]
    if speed:
        found["Questionnaires submitted with an atypical timestamp"] = (
            "Flagged by the speeding screen (completion time relative to the median); "
            + (
                "flagged responses were excluded (see the sample flow)."
                if any("exclu" in s.lower() for s in speed)
                else "flagged, not excluded."
            )
        )
    return found


def _from_instrument(instrument: Instrument | None) -> dict[str, str]:
    if instrument is None:
        return {}
    answered = [q for q in instrument.questions if q.is_answered]
    per_page = [n for page in instrument.pages if (n := sum(q.is_answered for q in page.questions))]
    status = {"machine-draft": ", machine-translated", "not stated": ""}
    languages = ", ".join(
        f"{lang.name} ({lang.code}"
        + (f", reviewed {lang.reviewed_on}" if lang.reviewed_on else status[lang.review_status])
        + ")"
        for lang in instrument.languages
    )
    conditional = sum(1 for q in answered if q.relevant or q.group_relevant)
    required = sum(1 for q in answered if q.required)
    randomised = sum(1 for q in answered if q.is_randomized)
    consent = [q.name for q in answered if q.type == "acknowledge"]
    found = {
        "Number of items": f"{len(answered)} questions in the questionnaire "
        f'"{instrument.form_id}" version {instrument.version}, '
        f"{min(per_page, default=0)} to {max(per_page, default=0)} per page with questions; "
        f"languages: {languages}.",
        "Number of screens (pages)": f"{len(instrument.pages)} pages.",
        "Adaptive questioning": f"Yes: {conditional} questions are shown only when earlier answers "
        "make them relevant."
        if conditional
        else "No: every respondent saw every question.",
        "Completeness check": f"{required} questions require an answer before the page can be "
        "submitted; the others may be left blank."
        if required
        else "No forced answers: every question may be left blank.",
        "Randomization of items or questionnaires": f"Choice order randomised for {randomised} "
        "questions."
        if randomised
        else "No: items and choices were shown in a fixed order.",
    }
    if consent:
        found["Informed consent"] = (
            f'A consent page (question "{consent[0]}") had to be acknowledged before the '
            "questions; the ethics approval and what respondents were told are for the authors "
            "to add."
        )
    return found


def _from_funnel(funnel: Mapping[str, Any]) -> dict[str, str]:
    """What the invite funnel (helpseek.funnel/1) tells about recruitment."""
    found = {
        "Contact mode": "First contact on the Internet: a search engine showed a help message with "
        "a survey invitation in place of results for matching searches (helpseek invite).",
        "Open survey versus closed survey": "Open survey: anyone shown the invitation could answer.",
        "View rate (ratio of unique survey visitors/unique site visitors)": "Unique visitors "
        "cannot be determined (no identifiers are collected). Click-through from the invitation "
        "to each survey, per message variant, is in the Invitation funnel section.",
    }
    variants = funnel.get("variants")
    if isinstance(variants, list) and variants:
        names = ", ".join(str(v.get("variant")) for v in variants if isinstance(v, Mapping))
        found["Advertising the survey"] = (
            f"Invitation message variants: {names}; their wording is in the invite configuration "
            "(for the authors to quote)."
        )
    return found
