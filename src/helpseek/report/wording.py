"""The analysis' rules said in words, with the questionnaire's labels: the sample flow's steps and the
spec's inclusion rule ("uses == 'yes'" -> "respondents who answered “Yes” to “Have you used…?”").

results.json records flow steps as the analysis names them ("included (uses == 'yes')",
"excluded: speeding"); the report never shows those names or the filter's code to a reader.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from typing import Any

from helpseek.report.formatting import humanise
from helpseek.report.labels import Labels

#: What each quality flag found, as a reader would say it.
FLAG_WORDS = {
    "speeding": "implausibly fast answers",
    "duplicates": "duplicate responses",
    "inconsistent": "contradictory answers",
    "straightlining": "the same answer down a whole battery",
    "gibberish": "meaningless free text",
    "identifying": "identifying details in free text",
}

_EXCLUDED, _FLAGGED, _INCLUDED = "excluded: ", "flagged, not excluded: ", "included ("


def step_words(step: str, settings: Mapping[str, Any], labels: Labels) -> str:
    """One flow step as the report shows it.

    >>> step_words("excluded: speeding", {}, Labels())
    'Excluded: implausibly fast answers'
    >>> step_words("included (uses == 'yes')", {"include": "uses == 'yes'"}, Labels())
    'Included: respondents who answered “Yes” to “Uses”'
    """
    if step == "read":
        return "Responses in the data"
    if step == "analysed":
        return "Analysed"
    if step.startswith(_EXCLUDED):
        return "Excluded: " + flag_words(step.removeprefix(_EXCLUDED))
    if step.startswith(_FLAGGED):
        return "Flagged, kept: " + flag_words(step.removeprefix(_FLAGGED))
    if step.startswith(_INCLUDED) and step.endswith(")"):
        return "Included: " + inclusion_words(step[len(_INCLUDED) : -1], settings, labels)
    return humanise(step)


def flag_words(flag: str) -> str:
    return FLAG_WORDS.get(flag, humanise(flag).lower())


def inclusion_words(rule: str, settings: Mapping[str, Any], labels: Labels) -> str:
    """The spec's own words for its inclusion rule (`include_label`), else the rule in words."""
    if settings.get("include_label") and rule == settings.get("include"):
        return str(settings["include_label"])
    return "respondents who " + rule_words(rule, labels)


def rule_words(rule: str, labels: Labels) -> str:
    """A filter of the spec's language in words; the rule itself when it cannot be parsed.

    >>> rule_words("age >= 18 and gender in ['man', 'woman']", Labels())
    'answered at least 18 to “Age” and answered “Man” or “Woman” to “Gender”'
    """
    try:
        return _words(ast.parse(rule.strip(), mode="eval").body, labels)
    except (SyntaxError, ValueError):
        return rule


_SIDES = {
    ast.Eq: "answered {value} to {name}",
    ast.NotEq: "did not answer {value} to {name}",
    ast.In: "answered {value} to {name}",
    ast.NotIn: "answered neither {value} to {name}",
    ast.Lt: "answered below {value} to {name}",
    ast.LtE: "answered at most {value} to {name}",
    ast.Gt: "answered above {value} to {name}",
    ast.GtE: "answered at least {value} to {name}",
}


def _words(node: ast.AST, labels: Labels) -> str:
    if isinstance(node, ast.BoolOp):
        joiner = " and " if isinstance(node.op, ast.And) else " or "
        return joiner.join(_words(v, labels) for v in node.values)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return "not (" + _words(node.operand, labels) + ")"
    if (
        isinstance(node, ast.Compare)
        and len(node.ops) == 1
        and isinstance(node.left, ast.Name)
        and type(node.ops[0]) in _SIDES
    ):
        name = node.left.id
        values = _values(node.comparators[0])
        shown = [f"“{labels.level(name, v)}”" if isinstance(v, str) else f"{v:g}" for v in values]
        joiner = " nor " if isinstance(node.ops[0], ast.NotIn) else " or "
        template = _SIDES[type(node.ops[0])]
        return template.format(value=joiner.join(shown), name=f"“{labels.variable(name)}”")
    raise ValueError("not a rule of the spec's filter language")


def _values(node: ast.AST) -> Sequence[str | float]:
    if isinstance(node, (ast.List, ast.Tuple)):
        return [v for item in node.elts for v in _values(item)]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return [float(node.value)]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return [-float(v) for v in _values(node.operand) if not isinstance(v, str)]
    raise ValueError("not a value")
