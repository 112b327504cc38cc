"""The words around the numbers: an auto-written methods paragraph and the reproducibility footer.

Counts come from results.json only; software versions come from results.json when the analysis
recorded them, else from the installed packages at report time (and the text says which).
"""

from __future__ import annotations

import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from helpseek import __version__
from helpseek.report.figures import is_exclusion
from helpseek.report.formatting import fmt_count, humanise
from helpseek.report.labels import Labels
from helpseek.report.load import LoadedFile
from helpseek.report.tables import ci_method_name

_SOFTWARE = ("helpseek", "statsmodels", "scipy", "numpy", "pandas", "firthmodels")


@dataclass(frozen=True)
class FooterItem:
    """One line of the reproducibility footer."""

    label: str
    value: str


def spec_of(results: Mapping[str, Any]) -> Mapping[str, Any]:
    """The analysis settings as recorded in results.json ({} when the analysis did not record them)."""
    spec = results.get("settings") or results.get("spec")
    return spec if isinstance(spec, Mapping) else {}


def ci_method_of(results: Mapping[str, Any]) -> str | None:
    """The CI method of the odds ratios: recorded on the models or in the spec."""
    for model in results.get("models", []):
        if model.get("ci_method"):
            return str(model["ci_method"])
    found = spec_of(results).get("ci") or results.get("ci_method")
    return str(found) if found else None


def software_versions(results: Mapping[str, Any]) -> tuple[dict[str, str], bool]:
    """Package versions, and whether they were recorded by the analysis (False: at report time)."""
    recorded = results.get("software")
    if isinstance(recorded, Mapping) and recorded:
        return {str(k): str(v) for k, v in recorded.items()}, True
    found = {"python": platform.python_version()}
    for name in _SOFTWARE:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found, False


def methods_paragraphs(results: Mapping[str, Any], labels: Labels) -> list[str]:
    """Plain sentences a methods section can start from; every count is read from results.json."""
    spec = spec_of(results)
    paragraphs = [_sample_sentence(results["flow"], spec)]
    outcomes = _outcome_phrases(results, spec, labels)
    if outcomes:
        prevalence_methods = sorted(
            {ci_method_name(str(p["method"])) for p in results["prevalence"]}
        )
        paragraphs.append(
            "Outcomes were " + "; ".join(outcomes) + ". Prevalences are given with 95% "
            f"confidence intervals ({', '.join(prevalence_methods) or 'method not recorded'})."
        )
    if results["models"]:
        paragraphs.append(_model_sentence(results, spec))
    versions, recorded = software_versions(results)
    when = "as recorded by the analysis" if recorded else "installed when this report was written"
    paragraphs.append(
        "Software (" + when + "): " + ", ".join(f"{k} {v}" for k, v in versions.items()) + "."
    )
    return paragraphs


def _sample_sentence(flow: Sequence[Mapping[str, Any]], spec: Mapping[str, Any]) -> str:
    main = [s for s in flow if not is_exclusion(s["step"])]
    excluded = [s for s in flow if is_exclusion(s["step"])]
    parts = [f"{humanise(s['step']).lower()}: n = {fmt_count(s['n'])}" for s in main]
    text = "Sample flow — " + "; ".join(parts) + "."
    if spec.get("include"):
        text += f" Inclusion rule: {spec['include']}."
    if excluded:
        text += (
            " Responses were excluded by quality screening as follows: "
            + "; ".join(
                f"{humanise(s['step']).lower()} (n = {fmt_count(s['n'])})" for s in excluded
            )
            + "."
        )
    else:
        text += " No response was excluded by quality screening."
    return text


def _outcome_phrases(
    results: Mapping[str, Any], spec: Mapping[str, Any], labels: Labels
) -> list[str]:
    positives = {
        o.get("name"): o.get("positive") for o in spec.get("outcomes", []) if isinstance(o, Mapping)
    }
    names: list[str] = []
    for record in [*results["prevalence"], *results["models"]]:
        if record["outcome"] not in names:
            names.append(record["outcome"])
    phrases = []
    for name in names:
        positive = positives.get(name)
        coded = f" (1 = {', '.join(map(str, positive))})" if positive else ""
        phrases.append(f"{labels.variable(name)}{coded}")
    return phrases


def _model_sentence(results: Mapping[str, Any], spec: Mapping[str, Any]) -> str:
    models = results["models"]
    kinds = {m["kind"] for m in models}
    text = "Associations were estimated by logistic regression"
    if kinds == {"univariable", "multivariable"}:
        text += (
            " with one univariable model per characteristic and one multivariable model per "
            "outcome including all characteristics"
        )
    elif kinds == {"multivariable"}:
        text += " with one multivariable model per outcome"
    text += ", fitted by unpenalised maximum likelihood"
    if any(m["method"] == "firth" for m in models):
        text += (
            "; where separation was detected, Firth's penalised likelihood was used instead "
            "(marked in the tables)"
        )
    ci = ci_method_of(results)
    text += (
        f". Odds ratios are given with 95% confidence intervals ({ci_method_name(ci)})"
        if ci
        else ". The CI method of the odds ratios is not recorded in results.json"
    )
    missing = spec.get("missing")
    if missing == "complete":
        text += "; respondents with a missing value in a model's variables were left out of it"
    elif missing == "mice":
        text += (
            "; complete-case models are the primary analysis and models pooled over "
            f"{spec.get('imputations') or 'several'} multiple imputations (Rubin's rules) "
            "a sensitivity analysis"
        )
    elif missing:
        text += f"; missing data: {missing}"
    treated = spec.get("treat_as_missing")
    if treated:
        text += f"; the answers {', '.join(map(str, treated))} were treated as missing"
    adjust = spec.get("adjust_p")
    if adjust and adjust != "none":
        text += f"; p values were adjusted for multiple testing ({adjust})"
    return text + "."


def footer_items(
    results: LoadedFile,
    funnel: LoadedFile | None,
    instrument_source: str | None,
    further: Sequence[LoadedFile] = (),
) -> list[FooterItem]:
    """Hashes of every input, the spec, versions and the seed."""
    content = results.content
    items = [FooterItem("results.json SHA-256", results.sha256)]
    for extra in further:
        title = extra.content.get("title") or extra.path
        items.append(FooterItem(f"results.json SHA-256 ({title})", extra.sha256))
        items += _recorded_inputs(extra.content.get("inputs"))
    if funnel is not None:
        items.append(FooterItem("funnel.json SHA-256", funnel.sha256))
    items += _recorded_inputs(content.get("inputs"))
    spec = spec_of(content)
    if spec.get("spec"):
        items.append(FooterItem("Analysis spec", str(spec["spec"])))
    shown = [k for k in _SETTINGS_SHOWN if spec.get(k) not in (None, "", [])]
    if shown:
        items.append(FooterItem("Settings", "; ".join(f"{k}: {_setting(spec[k])}" for k in shown)))
    for key in ("spec_sha256", "seed"):
        if content.get(key) is not None:
            items.append(FooterItem(humanise(key), str(content[key])))
    if instrument_source:
        items.append(FooterItem("Questionnaire", instrument_source))
    versions, _ = software_versions(content)
    if "helpseek" in versions:
        items.append(FooterItem("helpseek version (analysis)", versions["helpseek"]))
    items.append(FooterItem("helpseek version (report)", __version__))
    if content.get("seed") is None:
        items.append(
            FooterItem(
                "Seed",
                "none recorded (the analysis used no random numbers or did not record its seed)",
            )
        )
    return items


_SETTINGS_SHOWN = (
    "include",
    "screening",
    "ci",
    "proportion_ci",
    "missing",
    "imputations",
    "adjust_p",
    "firth",
    "treat_as_missing",
)


def _setting(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value)) or "none"
    return str(value)


def _recorded_inputs(inputs: object) -> list[FooterItem]:
    if isinstance(inputs, Mapping):
        inputs = [{"path": k, "sha256": v} for k, v in inputs.items()]
    if not isinstance(inputs, list):
        return []
    items = []
    for record in inputs:
        if isinstance(record, Mapping) and record.get("sha256"):
            name = record.get("path") or record.get("name") or "input"
            items.append(FooterItem(f"{name} SHA-256", str(record["sha256"])))
    return items
