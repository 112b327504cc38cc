"""Table 2 in the layout researchers publish (as R gtsummary's tbl_merge of uv and mv regressions).

One table per outcome: a label row per predictor, its reference level marked, one row per other
level; univariable OR (95% CI) and p beside adjusted OR (95% CI) and p; footnotes with n analysed,
CI method, reference levels and Firth when used.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from helpseek.report.formatting import MISSING, fmt_count, fmt_or_ci, fmt_p
from helpseek.report.labels import Labels
from helpseek.report.tables import Row, Table, ci_method_name

Model = Mapping[str, Any]
Term = Mapping[str, Any]

REFERENCE = "Reference"


def outcomes_of(models: Sequence[Model]) -> list[str]:
    """Outcome names in the order results.json first mentions them."""
    seen: list[str] = []
    for model in models:
        if model["outcome"] not in seen:
            seen.append(model["outcome"])
    return seen


def regression_table(
    outcome: str, models: Sequence[Model], labels: Labels, ci_method: str | None
) -> Table:
    """Table 2 for one outcome from its univariable and multivariable models."""
    univariable = [m for m in models if m["outcome"] == outcome and m["kind"] == "univariable"]
    adjusted = next(
        (m for m in models if m["outcome"] == outcome and m["kind"] == "multivariable"), None
    )
    rows: list[Row] = []
    for variable in _variables(univariable, adjusted):
        uv_model = next((m for m in univariable if _has_variable(m, variable)), None)
        rows += _variable_rows(variable, uv_model, adjusted, labels)
    return Table(
        f"table2-{outcome}",
        f"Table 2 — {labels.variable(outcome)}: odds ratios",
        ("Characteristic", "N", "OR (95% CI)", "p", "aOR (95% CI)", "p"),
        tuple(rows),
        _footnotes(univariable, adjusted, labels, ci_method),
        spanners=(("", 2), ("Univariable", 2), ("Multivariable", 2)),
    )


def _variables(univariable: Sequence[Model], adjusted: Model | None) -> list[str]:
    order: list[str] = []
    for model in ([adjusted] if adjusted else []) + list(univariable):
        for term in model["terms"]:
            if term["variable"] not in order:
                order.append(term["variable"])
    return order


def _has_variable(model: Model, variable: str) -> bool:
    return any(t["variable"] == variable for t in model["terms"])


def _terms(model: Model | None, variable: str) -> dict[str | None, Term]:
    if model is None:
        return {}
    return {t["level"]: t for t in model["terms"] if t["variable"] == variable}


def _global_p(model: Model | None, variable: str) -> str:
    """The likelihood-ratio p of a multi-level factor, when results.json carries one."""
    if model is None:
        return ""
    found = (model.get("global_p") or {}).get(variable)
    return "" if found is None else fmt_p(found)


def _variable_rows(
    variable: str, uv_model: Model | None, adjusted: Model | None, labels: Labels
) -> list[Row]:
    uv_terms, mv_terms = _terms(uv_model, variable), _terms(adjusted, variable)
    n_text = fmt_count(uv_model["n"]) if uv_model else MISSING
    name = labels.variable(variable)
    if set(uv_terms) | set(mv_terms) == {None}:  # numeric predictor: one row
        return [_level_row(variable, None, name, n_text, uv_terms, mv_terms)]
    attrs = {"variable": variable}
    rows = [
        Row(
            (name, n_text, "", _global_p(uv_model, variable), "", _global_p(adjusted, variable)),
            "group",
            attrs,
        )
    ]
    reference = next(
        (t["reference"] for t in [*uv_terms.values(), *mv_terms.values()] if t["reference"]),
        None,
    )
    if reference is not None:
        rows.append(
            Row(
                (labels.level(variable, reference), "", REFERENCE, "", REFERENCE, ""),
                "reference",
                {"variable": variable, "level": reference},
            )
        )
    levels = list(mv_terms) + [lv for lv in uv_terms if lv not in mv_terms]
    for level in levels:
        rows.append(
            _level_row(variable, level, labels.level(variable, level), "", uv_terms, mv_terms)
        )
    return rows


def _level_row(
    variable: str,
    level: str | None,
    name: str,
    n_text: str,
    uv_terms: Mapping[str | None, Term],
    mv_terms: Mapping[str | None, Term],
) -> Row:
    cells = [name, n_text]
    for term in (uv_terms.get(level), mv_terms.get(level)):
        if term is None:
            cells += [MISSING, MISSING]
        else:
            cells += [fmt_or_ci(term["or"], term["ci_low"], term["ci_high"]), fmt_p(term["p"])]
    attrs = {"variable": variable}
    if level is not None:
        attrs["level"] = level
    return Row(tuple(cells), "level", attrs)


def _footnotes(
    univariable: Sequence[Model], adjusted: Model | None, labels: Labels, ci_method: str | None
) -> tuple[str, ...]:
    notes = []
    if adjusted is not None:
        variables = ", ".join(labels.variable(v) for v in _variables([], adjusted))
        notes.append(
            f"aOR: adjusted odds ratio from one multivariable model with all of: {variables}; "
            f"n analysed = {fmt_count(adjusted['n'])}, events = {fmt_count(adjusted['events'])} "
            "(complete cases)."
        )
    notes.append("N: respondents analysed in each univariable model (complete cases).")
    method = ci_method_name(ci_method) if ci_method else "not stated in results.json"
    notes.append(f"OR: odds ratio; CI: 95% confidence interval ({method}).")
    references = _reference_levels(univariable, adjusted, labels)
    if references:
        notes.append("Reference levels: " + "; ".join(references) + ".")
    notes += _firth_notes(univariable, adjusted, labels)
    if any(m.get("global_p") for m in [*univariable, *([adjusted] if adjusted else [])]):
        notes.append("p on a characteristic's row: likelihood-ratio test of the whole factor.")
    return tuple(notes)


def _reference_levels(
    univariable: Sequence[Model], adjusted: Model | None, labels: Labels
) -> list[str]:
    found: dict[str, str] = {}
    for model in ([adjusted] if adjusted else []) + list(univariable):
        for term in model["terms"]:
            if term["reference"] and term["variable"] not in found:
                found[term["variable"]] = term["reference"]
    return [f"{labels.variable(v)} = {labels.level(v, r)}" for v, r in found.items()]


def _firth_notes(
    univariable: Sequence[Model], adjusted: Model | None, labels: Labels
) -> list[str]:
    notes = []
    if adjusted is not None and adjusted["method"] == "firth":
        notes.append(
            "The multivariable model was fitted with Firth's penalised likelihood because "
            "separation was detected; its CIs are profile penalised likelihood intervals."
        )
    firth_uv = [
        labels.variable(m["terms"][0]["variable"])
        for m in univariable
        if m["method"] == "firth" and m["terms"]
    ]
    if firth_uv:
        notes.append(
            "Univariable models fitted with Firth's penalised likelihood (separation detected): "
            + ", ".join(firth_uv)
            + "."
        )
    return notes
