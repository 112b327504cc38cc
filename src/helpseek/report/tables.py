"""The report's tables as plain data (Table -> Row -> cell text), built from results.json.

The HTML template and the .docx writer both render these, so a number is formatted once. Table 2
(regression) lives in `regression.py`; this module holds the simpler tables and the shared types.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from helpseek.report.formatting import (
    fmt_count,
    fmt_number,
    fmt_p,
    fmt_percent,
    fmt_percent_ci,
    fmt_ratio,
    humanise,
)
from helpseek.report.labels import Labels

RowKind = Literal["plain", "group", "reference", "level"]


@dataclass(frozen=True)
class Row:
    """One table row: cell texts, a kind for styling, and data-* attributes that name its source."""

    cells: tuple[str, ...]
    kind: RowKind = "plain"
    attrs: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Table:
    """A titled table with optional column spanners (label, number of columns) and footnotes."""

    id: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    footnotes: tuple[str, ...] = ()
    spanners: tuple[tuple[str, int], ...] = ()


def flow_table(flow: Sequence[Mapping[str, Any]], steps: Sequence[str]) -> Table:
    """The sample flow: one row per step, in words (`steps`, see wording.step_words)."""
    rows = tuple(
        Row((text, fmt_count(step["n"])), attrs={"step": step["step"]})
        for step, text in zip(flow, steps, strict=True)
    )
    return Table(
        "flow",
        "Sample flow",
        ("Step", "n"),
        rows,
        (
            (
                "Exclusions are counted per screening rule, in the order the rules were applied; "
                "flagged responses were kept."
            ),
        ),
    )


def outcome_sizes(content: Mapping[str, Any]) -> dict[str, tuple[int, int]]:
    """(events, denominator) of each outcome in the analysed sample: the overall prevalence rows.

    These are the outcome groups every table of that outcome describes (Table 1's columns, the
    complete-case share of Table 2's models).
    """
    return {
        str(p["outcome"]): (int(p["n"]), int(p["denominator"]))
        for p in content.get("prevalence") or []
        if p.get("group") is None
    }


def prevalence_table(prevalence: Sequence[Mapping[str, Any]], labels: Labels) -> Table:
    """Prevalence of each outcome with its CI, overall and per group (e.g. per language)."""
    grouped = [r for r in prevalence if r.get("group") is not None]
    by = {str(r.get("group_column")) for r in grouped}
    # one grouping column (the usual `by: language`): it heads the column, its values fill it
    column = next(iter(by)) if len(by) == 1 and None not in by and "None" not in by else None
    columns = (
        ("Outcome",)
        + ((labels.variable(column) if column else "Group",) if grouped else ())
        + ("n", "Denominator", "% (95% CI)")
    )
    rows = []
    previous = None
    for record in prevalence:
        # the outcome is named on its first row only, so the per-group rows read as a block
        name = labels.variable(record["outcome"]) if record["outcome"] != previous else ""
        previous = record["outcome"]
        group: tuple[str, ...] = ()
        if grouped:
            if column and record.get("group") is not None:
                group = (labels.level(column, str(record["group"])),)
            else:
                group = (group_name(record, labels),)
        attrs = {"outcome": record["outcome"]}
        if record.get("group") is not None:
            attrs["group"] = str(record["group"])
        rows.append(
            Row(
                (name,)
                + group
                + (
                    fmt_count(record["n"]),
                    fmt_count(record["denominator"]),
                    fmt_percent_ci(record["proportion"], record["ci_low"], record["ci_high"]),
                ),
                "plain" if record.get("group") is None else "level",
                attrs,
            )
        )
    methods = sorted({ci_method_name(str(r["method"])) for r in prevalence})
    notes = (f"95% confidence intervals: {', '.join(methods)}.",) if methods else ()
    return Table("prevalence", "Prevalence of each outcome", columns, tuple(rows), notes)


def group_name(record: Mapping[str, Any], labels: Labels | None = None) -> str:
    """ "All" for an overall row, else the group in words: "Language: Deutsch (de)"."""
    if record.get("group") is None:
        return "All"
    labels = labels or Labels()
    column, group = record.get("group_column"), str(record["group"])
    if not column:
        return group
    return f"{labels.variable(column)}: {labels.level(column, group)}"


def diagnostics_table(
    models: Sequence[Mapping[str, Any]],
    labels: Labels,
    sizes: Mapping[str, tuple[int, int]] | None = None,
) -> Table:
    """One column per multivariable model (per univariable model when there is none), one row per
    diagnostic, so that many diagnostics stay readable on paper. `sizes` (outcome_sizes) puts each
    model's n beside the respondents with an answer to its outcome."""
    chosen = [m for m in models if m["kind"] == "multivariable"] or list(models)
    keys: list[str] = []
    for model in chosen:
        keys += [k for k in (model["diagnostics"] or {}) if k not in keys and k not in _SHOWN]
    columns = ("Diagnostic",) + tuple(_model_name(m, labels) for m in chosen)
    rows = [
        Row(("Method",) + tuple(fit_method_name(m["method"]) for m in chosen)),
        Row(
            ("n analysed",) + tuple(n_of(m["n"], (sizes or {}).get(m["outcome"])) for m in chosen),
            attrs={"key": "n"},
        ),
        Row(("Events",) + tuple(fmt_count(m["events"]) for m in chosen), attrs={"key": "events"}),
    ]
    for key in ("converged", "separation"):
        if any(key in m for m in chosen):
            rows.append(
                Row(
                    (_diagnostic_name(key),) + tuple(fmt_number(m.get(key)) for m in chosen),
                    attrs={"key": key},
                )
            )
    for key in keys:
        rows.append(
            Row(
                (_diagnostic_name(key),)
                + tuple(_diagnostic_value(key, (m["diagnostics"] or {}).get(key)) for m in chosen),
                attrs={"key": key},
            )
        )
    notes = [
        (
            "n analysed: respondents with every answer the model needs (complete cases), of "
            "those with an answer to the outcome."
        ),
        (
            "Events per variable: the rarer outcome class per model column. Hosmer–Lemeshow "
            "with 10 groups."
        ),
    ]
    low = [m for m in chosen if is_low_epv(m)]
    if low:
        notes.append(epv_warning(low, labels))
    return Table("diagnostics", "Model diagnostics", columns, tuple(rows), tuple(notes))


#: Below this many events per model column, estimates may be unstable and biased away from 1
#: (Peduzzi et al. 1996); van Smeden et al. 2016 show the rule is rough, so it is a warning only.
EPV_WARNING = 10


def epv_of(model: Mapping[str, Any]) -> float | None:
    diagnostics = model.get("diagnostics") or {}
    found = diagnostics.get("epv", diagnostics.get("events_per_variable"))
    return float(found) if isinstance(found, int | float) else None


def is_low_epv(model: Mapping[str, Any]) -> bool:
    epv = epv_of(model)
    return epv is not None and epv < EPV_WARNING


def epv_warning(models: Sequence[Mapping[str, Any]], labels: Labels) -> str:
    """The warning for models with fewer than 10 events per variable."""
    listed = "; ".join(
        f"{_model_name(m, labels)} {fmt_number(epv_of(m), digits=1)}" for m in models
    )
    return (
        f"Warning: fewer than {EPV_WARNING} events per variable ({listed}): the estimates may be "
        "unstable and biased away from 1, and their intervals unreliable; consider fewer "
        "characteristics or Firth's penalised likelihood."
    )


def n_of(n: int, size: tuple[int, int] | None) -> str:
    """A model's n beside the respondents with an answer to its outcome.

    >>> n_of(1902, (1980, 3597)), n_of(3597, (1980, 3597)), n_of(12, None)
    ('1,902 of 3,597 (53%)', '3,597', '12')
    """
    if size is None or size[1] <= 0 or n == size[1]:
        return fmt_count(n)
    return f"{fmt_count(n)} of {fmt_count(size[1])} ({100 * n / size[1]:.0f}%)"


#: Diagnostics keys already shown from the model's own fields.
_SHOWN = {"n", "events"}


def _model_name(model: Mapping[str, Any], labels: Labels) -> str:
    name = labels.variable(model["outcome"])
    if model.get("missing") == "mice":
        name += " (multiple imputation)"
    return name


def records_table(
    table_id: str, title: str, records: Sequence[Mapping[str, Any]], notes: Sequence[str] = ()
) -> Table:
    """Any list of flat records (a section this version of the report has no layout for yet).

    Columns are formatted by name: p values as p, rates and proportions (and their CIs) as %.
    """
    columns: list[str] = []
    for record in records:
        columns += [k for k in record if k not in columns and _is_flat(record[k])]
    kinds = {column: _column_kind(column, columns) for column in columns}
    rows = tuple(
        Row(tuple(_format_as(kinds[column], record.get(column)) for column in columns))
        for record in records
    )
    return Table(table_id, title, tuple(humanise(c) for c in columns), rows, tuple(notes))


def _is_flat(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _column_kind(column: str, columns: Sequence[str]) -> str:
    """How a column of a generic record table is formatted.

    >>> _column_kind("help_ci_low", ["help_rate", "help_ci_low"]), _column_kind("p", [])
    ('percent', 'p')
    """
    if column == "p" or column.startswith("p_") or column.endswith("_p"):
        return "p"
    if column.endswith(("_rate", "proportion", "_share", "percent")):
        return "percent"
    for suffix in ("ci_low", "ci_high"):
        if column.endswith(suffix):
            stem = column[: -len(suffix)]
            rates = (f"{stem}rate", f"{stem}proportion", f"{stem}share")
            return "percent" if any(r in columns for r in rates) else "ratio"
    if column in ("or", "odds_ratio") or column.endswith("_or"):
        return "ratio"
    return "number"


def _format_as(kind: str, value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if kind == "p":
            return fmt_p(float(value))
        if kind == "percent":
            return fmt_percent(float(value))
        if kind == "ratio":
            return fmt_ratio(float(value))
        if isinstance(value, float):
            return fmt_number(value, digits=3)
    return fmt_number(value)


_DIAGNOSTIC_NAMES = {
    "events_per_variable": "Events per variable",
    "epv": "Events per variable",
    "parameters": "Model columns (excluding intercept)",
    "hosmer_lemeshow_chi2": "Hosmer–Lemeshow χ²",
    "hosmer_lemeshow_df": "Hosmer–Lemeshow df",
    "loglik": "Log-likelihood",
    "null_loglik": "Log-likelihood, null model",
    "separation": "Separation detected",
    "auc": "AUC",
    "hosmer_lemeshow_p": "Hosmer–Lemeshow p",
    "nagelkerke_r2": "Nagelkerke R²",
    "max_vif": "Largest VIF",
}


def _diagnostic_name(key: str) -> str:
    return _DIAGNOSTIC_NAMES.get(key) or humanise(key)


def _diagnostic_value(key: str, value: object) -> str:
    if isinstance(value, float) and (key.endswith("_p") or key == "p"):
        return fmt_p(value)
    if isinstance(value, float) and key in ("events_per_variable", "epv"):
        text = fmt_number(value, digits=1)
        return f"{text} (below {EPV_WARNING})" if value < EPV_WARNING else text
    if isinstance(value, list | dict):
        return fmt_count(len(value)) if value else "none"
    return fmt_number(value)


def ci_method_name(method: str) -> str:
    names = {
        "wilson": "Wilson score",
        "clopper_pearson": "Clopper–Pearson (exact)",
        "beta": "Clopper–Pearson (exact)",
        "wald": "Wald",
        "profile": "profile likelihood",
        "profile penalised": "profile penalised likelihood",
    }
    return names.get(method.lower(), method)


def fit_method_name(method: str) -> str:
    return {"mle": "maximum likelihood", "firth": "Firth penalised likelihood"}.get(method, method)
