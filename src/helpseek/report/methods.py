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
from helpseek.report.formatting import fmt_count
from helpseek.report.labels import Labels
from helpseek.report.load import LoadedFile
from helpseek.report.tables import ci_method_name, epv_warning, is_low_epv, n_of, outcome_sizes
from helpseek.report.wording import step_words

_SOFTWARE = ("helpseek", "statsmodels", "scipy", "numpy", "pandas", "firthmodels")


@dataclass(frozen=True)
class FooterItem:
    """One line of the reproducibility footer; a hash may break anywhere, other values between
    words; a heading starts the lines of one analysis (label: its kind, value: its title)."""

    label: str
    value: str
    is_hash: bool = False
    is_heading: bool = False


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


def methods_paragraphs(
    results: Mapping[str, Any], labels: Labels, steps: Sequence[str] = ()
) -> list[str]:
    """Plain sentences a methods section can start from; every count is read from results.json.

    `steps` are the flow's steps in words (wording.step_words), in the order of results["flow"].
    """
    spec = spec_of(results)
    words = list(steps) or [step_words(s["step"], spec, labels) for s in results["flow"]]
    sample = _sample_sentence(results["flow"], words)
    withdrawn = withdrawn_sentence(results.get("inputs"))
    paragraphs = [f"{sample} {withdrawn}" if withdrawn else sample]
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
        paragraphs.append(_model_sentence(results, spec, labels))
        paragraphs += _sample_size_sentences(results, labels)
    versions, recorded = software_versions(results)
    when = "as recorded by the analysis" if recorded else "installed when this report was written"
    paragraphs.append(
        "Software (" + when + "): " + ", ".join(f"{k} {v}" for k, v in versions.items()) + "."
    )
    return paragraphs


def _sample_sentence(flow: Sequence[Mapping[str, Any]], words: Sequence[str]) -> str:
    """ "Responses in the data: n = 4,493; included: …: n = 4,098; analysed: n = 3,867. Excluded by
    quality screening: implausibly fast answers (n = 61); … Flagged but kept: …" """
    named = list(zip(flow, words, strict=True))
    main = [(s, w) for s, w in named if not is_exclusion(s["step"]) and "flagged" not in s["step"]]
    excluded = [(s, w) for s, w in named if s["step"].startswith("excluded")]
    flagged = [(s, w) for s, w in named if s["step"].startswith("flagged")]
    text = "Sample flow — " + "; ".join(f"{w}: n = {fmt_count(s['n'])}" for s, w in main) + "."
    if excluded:
        text += " Excluded by quality screening, in this order: " + "; ".join(
            f"{w.removeprefix('Excluded: ')} (n = {fmt_count(s['n'])})" for s, w in excluded
        )
        text += "."
    else:
        text += " No response was excluded by quality screening."
    if flagged:
        text += " Flagged by quality screening but kept: " + "; ".join(
            f"{w.removeprefix('Flagged, kept: ')} (n = {fmt_count(s['n'])})" for s, w in flagged
        )
        text += "."
    return text


def withdrawn_sentence(inputs: object) -> str:
    """How many responses were withdrawn by their respondents and left out at export (issue 14),
    as results.json's inputs record it; a count that was not recorded is said to be not known,
    never printed as 0. Empty when results.json lists no inputs (made outside `analyze`)."""
    if not isinstance(inputs, list) or not inputs:
        return ""
    records = [r if isinstance(r, Mapping) else {} for r in inputs]
    known = [r["withdrawn"] for r in records if _is_count(r.get("withdrawn"))]
    lead = "Responses withdrawn by their respondents (withdrawal codes) and left out at export"
    if len(known) == len(records):
        return f"{lead}: n = {fmt_count(sum(known))}."
    unknown = [
        _file_name(str(r.get("path") or "input"))
        for r in records
        if not _is_count(r.get("withdrawn"))
    ]
    text = f"{lead}: not known for {', '.join(unknown)} (its export does not record it)"
    if known:
        text += f"; n = {fmt_count(sum(known))} in the other data files"
    return text + "."


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _outcome_phrases(
    results: Mapping[str, Any], spec: Mapping[str, Any], labels: Labels
) -> list[str]:
    """ "Wants to stop (answer “Yes”)" per outcome: its label and the answers that count as 1."""
    positives = {
        o.get("name"): o.get("positive") for o in spec.get("outcomes", []) if isinstance(o, Mapping)
    }
    names: list[str] = []
    for record in [*results["prevalence"], *results["models"]]:
        if record["outcome"] not in names:
            names.append(record["outcome"])
    phrases = []
    for name in names:
        positive = [str(p) for p in positives.get(name) or []]
        answers = " or ".join(f"“{labels.level(name, p)}”" for p in positive)
        plural = "s" if len(positive) > 1 else ""
        coded = f" (answer{plural} {answers})" if positive else ""
        phrases.append(f"{labels.variable(name)}{coded}")
    return phrases


def _firth_tests(firth: Sequence[Mapping[str, Any]]) -> str:
    """How the Firth models' p-values were found: logistf's default tests (issue 4)."""
    if all(m.get("ci_method") == "wald" for m in firth):
        text = ", with Wald p-values"
    else:
        text = (
            ", with penalised likelihood-ratio p-values that keep the full model's penalty "
            "(the default of R's logistf)"
        )
    if any(m.get("factor_p") for m in firth):
        text += (
            "; a characteristic with several levels was tested by holding all its levels at 0 "
            "under the full model's penalty (logistf's anova and drop1)"
        )
    return text


def _model_sentence(results: Mapping[str, Any], spec: Mapping[str, Any], labels: Labels) -> str:
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
            "(marked in the tables)" + _firth_tests([m for m in models if m["method"] == "firth"])
        )
    ci = ci_method_of(results)
    text += (
        f". Odds ratios are given with 95% confidence intervals ({ci_method_name(ci)})"
        if ci
        else ". The CI method of the odds ratios is not recorded in results.json"
    )
    missing = spec.get("missing")
    if missing == "complete":
        text += "; respondents with a missing answer in a model's variables were left out of it"
    elif missing == "mice":
        text += (
            "; complete-case models are the primary analysis and models pooled over "
            f"{spec.get('imputations') or 'several'} multiple imputations (Rubin's rules) "
            "a sensitivity analysis"
        )
    elif missing:
        text += f"; missing data: {missing}"
    treated = [str(t) for t in spec.get("treat_as_missing") or []]
    if treated:
        answers = " and ".join(f"“{labels.answer(t)}”" for t in treated)
        text += f"; the answer{'s' if len(treated) > 1 else ''} {answers} counted as missing"
    adjust = spec.get("adjust_p")
    if adjust and adjust != "none":
        name = {"holm": "Holm", "bh": "Benjamini–Hochberg"}.get(str(adjust), str(adjust))
        text += f"; p values were adjusted for multiple testing ({name})"
    return text + "."


def _sample_size_sentences(results: Mapping[str, Any], labels: Labels) -> list[str]:
    """The complete cases of each multivariable model, and the models with fewer than 10 events
    per variable."""
    sizes = outcome_sizes(results)
    adjusted = [
        m
        for m in results["models"]
        if m["kind"] == "multivariable" and m.get("missing", "complete") == "complete"
    ]
    parts = [
        f"{labels.variable(m['outcome'])}: n = {n_of(m['n'], sizes.get(m['outcome']))}"
        for m in adjusted
    ]
    sentences = []
    if parts:
        sentences.append(
            "The multivariable models used the respondents with every answer they need "
            "(complete cases), of those with an answer to the outcome — " + "; ".join(parts) + "."
        )
    low = [m for m in adjusted if is_low_epv(m)]
    if low:
        sentences.append(epv_warning(low, labels))
    return sentences


def footer_items(
    results: LoadedFile,
    funnel: LoadedFile | None,
    questionnaires: Sequence[str] = (),
    further: Sequence[LoadedFile] = (),
) -> list[FooterItem]:
    """Per analysis: its results.json, spec and data files (each file once, by name) with their
    SHA-256, seed and settings; then the funnel, the questionnaires and the versions.

    `questionnaires` name the questionnaires the report used ("help_us_help_you version 1").
    """
    items: list[FooterItem] = []
    seen: set[tuple[str, str]] = set()
    for index, loaded in enumerate([results, *further]):
        content = loaded.content
        title = str(content.get("title") or loaded.path.parent.name)
        kind = "Main analysis" if index == 0 else "Further analysis"
        items.append(FooterItem(kind, title, is_heading=True))
        items.append(FooterItem("results.json SHA-256", loaded.sha256, is_hash=True))
        spec = spec_of(content)
        if spec.get("spec"):
            items.append(FooterItem("Analysis spec", _file_name(str(spec["spec"]))))
        if content.get("spec_sha256"):
            items.append(FooterItem("Analysis spec SHA-256", str(content["spec_sha256"]), True))
        for name, digest in _recorded_inputs(content.get("inputs")):
            label = f"{name} SHA-256"
            if (name, digest) in seen:
                items.append(FooterItem(label, "as above"))
                continue
            seen.add((name, digest))
            items.append(FooterItem(label, digest, is_hash=True))
        if content.get("seed") is not None:
            items.append(FooterItem("Seed", str(content["seed"])))
        elif index == 0:
            items.append(FooterItem("Seed", "none (the analysis used no random numbers)"))
        if index == 0:
            items += [
                FooterItem(f"Setting {key}", _setting(spec[key]))
                for key in _SETTINGS_SHOWN
                if spec.get(key) not in (None, "", [])
            ]
    if funnel is not None:
        items.append(FooterItem("Invitation funnel", "", is_heading=True))
        items.append(FooterItem("funnel.json SHA-256", funnel.sha256, is_hash=True))
    items.append(FooterItem("Software", "", is_heading=True))
    items += [FooterItem("Questionnaire", name) for name in questionnaires]
    versions, _ = software_versions(results.content)
    if "helpseek" in versions:
        items.append(FooterItem("helpseek version (analysis)", versions["helpseek"]))
    items.append(FooterItem("helpseek version (report)", __version__))
    return items


def _file_name(path: str) -> str:
    """A path's last part: the report names files, it never shows where they were on a disk."""
    return path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] or path


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


def _recorded_inputs(inputs: object) -> list[tuple[str, str]]:
    """(file name, SHA-256) of each input results.json lists."""
    if isinstance(inputs, Mapping):
        inputs = [{"path": k, "sha256": v} for k, v in inputs.items()]
    if not isinstance(inputs, list):
        return []
    found = []
    for record in inputs:
        if isinstance(record, Mapping) and record.get("sha256"):
            name = str(record.get("path") or record.get("name") or "input")
            found.append((_file_name(name), str(record["sha256"])))
    return found
