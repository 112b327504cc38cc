"""Table 2 in the layout researchers publish (as R gtsummary's tbl_merge of uv and mv regressions).

One table per outcome: a label row per predictor, its reference level marked, one row per other
level; univariable OR (95% CI) and p beside adjusted OR (95% CI) and p (and adjusted p when the spec
asked for it); footnotes with n analysed, CI method, reference levels and Firth when used.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from helpseek.report.formatting import MISSING, fmt_count, fmt_number, fmt_or_ci, fmt_p
from helpseek.report.labels import Labels
from helpseek.report.tables import EPV_WARNING, Row, Table, ci_method_name, epv_of, is_low_epv

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


def complete_case(models: Sequence[Model]) -> list[Model]:
    """The primary (complete-case) models; multiple-imputation fits are a sensitivity analysis."""
    return [m for m in models if m.get("missing", "complete") != "mice"]


def imputed(models: Sequence[Model]) -> list[Model]:
    """The models pooled over multiple imputations (Rubin's rules)."""
    return [m for m in models if m.get("missing") == "mice"]


def regression_table(
    outcome: str,
    models: Sequence[Model],
    labels: Labels,
    ci_method: str | None = None,
    *,
    id_prefix: str = "table2",
    title: str = "Table 2",
    size: tuple[int, int] | None = None,
) -> Table:
    """Table 2 for one outcome from its univariable and multivariable models in `models`.

    `size` is (events, respondents with an answer to the outcome) in the analysed sample: the
    multivariable model's n is shown beside it, so the complete-case loss is read where the n is.
    """
    univariable = [m for m in models if m["outcome"] == outcome and m["kind"] == "univariable"]
    adjusted = next(
        (m for m in models if m["outcome"] == outcome and m["kind"] == "multivariable"), None
    )
    has_q = any(
        t.get("p_adjusted") is not None for m in [*univariable, adjusted] if m for t in m["terms"]
    )
    rows: list[Row] = []
    for variable in _variables(univariable, adjusted):
        uv_model = next((m for m in univariable if _has_variable(m, variable)), None)
        rows += _variable_rows(variable, uv_model, adjusted, labels, has_q)
    per_model = ("OR (95% CI)", "p") + (("p (adjusted)",) if has_q else ())
    width = len(per_model)
    adjusted_label = "Multivariable"
    if adjusted is not None:
        adjusted_label += f" ({_n_of(adjusted['n'], size)})"
    return Table(
        f"{id_prefix}-{outcome}",
        f"{title} — {labels.variable(outcome)}: odds ratios",
        ("Characteristic", "N") + per_model + ("a" + per_model[0],) + per_model[1:],
        tuple(rows),
        _footnotes(univariable, adjusted, labels, ci_method, has_q, size),
        spanners=(("", 2), ("Univariable", width), (adjusted_label, width)),
    )


def _n_of(n: int, size: tuple[int, int] | None) -> str:
    """ "n = 1,902 of 3,597, 53%" (the n of those with an answer to the outcome), or "n = 12"."""
    if size is None or size[1] <= 0 or n == size[1]:
        return f"n = {fmt_count(n)}"
    return f"n = {fmt_count(n)} of {fmt_count(size[1])}, {100 * n / size[1]:.0f}%"


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


def _factor_p(model: Model | None, variable: str) -> str:
    """The likelihood-ratio p of a multi-level factor, when results.json carries one."""
    if model is None:
        return ""
    found = (model.get("factor_p") or model.get("global_p") or {}).get(variable)
    return "" if found is None else fmt_p(found)


def _variable_rows(
    variable: str, uv_model: Model | None, adjusted: Model | None, labels: Labels, has_q: bool
) -> list[Row]:
    uv_terms, mv_terms = _terms(uv_model, variable), _terms(adjusted, variable)
    n_text = fmt_count(uv_model["n"]) if uv_model else MISSING
    name = labels.variable(variable)
    if set(uv_terms) | set(mv_terms) == {None}:  # numeric predictor: one row
        return [_level_row(variable, None, name, n_text, uv_terms, mv_terms, has_q)]
    pad = ("",) if has_q else ()
    rows = [
        Row(
            (name, n_text, "", _factor_p(uv_model, variable))
            + pad
            + ("", _factor_p(adjusted, variable))
            + pad,
            "group",
            {"variable": variable},
        )
    ]
    reference = next(
        (t["reference"] for t in [*uv_terms.values(), *mv_terms.values()] if t["reference"]),
        None,
    )
    levels = list(mv_terms) + [lv for lv in uv_terms if lv not in mv_terms]
    shown = [reference] if reference is not None else []
    for level in labels.ordered(variable, shown + [lv for lv in levels if lv is not None]):
        if level == reference:
            rows.append(
                Row(
                    (labels.level(variable, level), "", REFERENCE, "")
                    + pad
                    + (REFERENCE, "")
                    + pad,
                    "reference",
                    {"variable": variable, "level": level},
                )
            )
            continue
        rows.append(
            _level_row(
                variable, level, labels.level(variable, level), "", uv_terms, mv_terms, has_q
            )
        )
    return rows


def _level_row(
    variable: str,
    level: str | None,
    name: str,
    n_text: str,
    uv_terms: Mapping[str | None, Term],
    mv_terms: Mapping[str | None, Term],
    has_q: bool,
) -> Row:
    cells = [name, n_text]
    for term in (uv_terms.get(level), mv_terms.get(level)):
        if term is None:
            cells += [MISSING] * (3 if has_q else 2)
            continue
        cells += [fmt_or_ci(term["or"], term["ci_low"], term["ci_high"]), fmt_p(term["p"])]
        if has_q:
            cells.append(fmt_p(term.get("p_adjusted")))
    attrs = {"variable": variable}
    if level is not None:
        attrs["level"] = level
    return Row(tuple(cells), "level", attrs)


def _footnotes(
    univariable: Sequence[Model],
    adjusted: Model | None,
    labels: Labels,
    ci_method: str | None,
    has_q: bool,
    size: tuple[int, int] | None = None,
) -> tuple[str, ...]:
    notes = []
    if adjusted is not None:
        variables = ", ".join(labels.variable(v) for v in _variables([], adjusted))
        notes.append(
            f"aOR: adjusted odds ratio from one multivariable model with all of: {variables}."
        )
        notes.append(_adjusted_n_note(adjusted, size))
        if is_low_epv(adjusted):
            notes.append(
                "Warning: Events per variable in the multivariable model: "
                f"{fmt_number(epv_of(adjusted), digits=1)}, below {EPV_WARNING}: the adjusted "
                "estimates may be unstable and biased away from 1, and their intervals "
                "unreliable; read them with caution."
            )
    if univariable and univariable[0].get("missing") == "mice":
        notes.append("N: respondents in each univariable model (missing answers imputed).")
    elif univariable:
        notes.append("N: respondents analysed in each univariable model (complete cases).")
    notes.append(
        f"OR: odds ratio; CI: 95% confidence interval ({_ci_methods(univariable, adjusted, ci_method)})."
    )
    references = _reference_levels(univariable, adjusted, labels)
    if references:
        notes.append("Reference levels: " + "; ".join(references) + ".")
    notes += _firth_notes(univariable, adjusted, labels)
    if any(m.get("factor_p") or m.get("global_p") for m in [*univariable, adjusted] if m):
        notes.append("p on a characteristic's row: likelihood-ratio test of the whole factor.")
    if has_q:
        notes.append("p (adjusted): adjusted for multiple testing as set in the analysis spec.")
    return tuple(notes)


def _adjusted_n_note(adjusted: Model, size: tuple[int, int] | None) -> str:
    n, events = adjusted["n"], adjusted["events"]
    if adjusted.get("missing") == "mice":
        return (
            f"Multivariable model: n = {fmt_count(n)}, events = {fmt_count(events)} "
            "(multiple imputation of the missing answers)."
        )
    text = f"Multivariable model: n analysed = {fmt_count(n)}, events = {fmt_count(events)}"
    if size is None or size[1] <= 0:
        return text + " (complete cases)."
    left_out = size[1] - n
    return (
        f"{text}: the complete cases among the {fmt_count(size[1])} respondents with an answer "
        f"to the outcome ({100 * n / size[1]:.0f}%); {fmt_count(left_out)} "
        f"({100 * left_out / size[1]:.0f}%) were left out for a missing answer to at least one "
        "characteristic."
    )


def _ci_methods(univariable: Sequence[Model], adjusted: Model | None, fallback: str | None) -> str:
    found = []
    for model in [*univariable, adjusted]:
        if model and model.get("ci_method"):
            name = ci_method_name(str(model["ci_method"]))
            if name not in found:
                found.append(name)
    if not found and fallback:
        found.append(ci_method_name(fallback))
    return ", ".join(found) or "method not recorded in results.json"


def _reference_levels(
    univariable: Sequence[Model], adjusted: Model | None, labels: Labels
) -> list[str]:
    found: dict[str, str] = {}
    for model in ([adjusted] if adjusted else []) + list(univariable):
        for term in model["terms"]:
            if term["reference"] and term["variable"] not in found:
                found[term["variable"]] = term["reference"]
    return [f"{labels.variable(v)} = {labels.level(v, r)}" for v, r in found.items()]


def _firth_notes(univariable: Sequence[Model], adjusted: Model | None, labels: Labels) -> list[str]:
    notes = []
    if adjusted is not None and adjusted["method"] == "firth":
        method = ci_method_name(str(adjusted.get("ci_method") or "profile penalised likelihood"))
        notes.append(
            "The multivariable model was fitted with Firth's penalised likelihood because "
            f"separation was detected (CI: {method})."
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
