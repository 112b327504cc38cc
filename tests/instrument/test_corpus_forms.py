"""Public XLSForms against pyxform, the reference converter (issue 13).

The corpus (corpus/: pyxform's example forms and inline Markdown test forms, each with its
source) is read by both. For every form pyxform accepts, helpseek either
loads it with the same questions, labels, hints, choices and logic as pyxform's XForm, or refuses
it with errors that each name a row, and at least one names a feature helpseek leaves out on
purpose. Forms pyxform refuses must not crash helpseek.
"""

from __future__ import annotations

import json
import re
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from pyxform import xls2xform

from helpseek.instrument.columns import LANGUAGE_SPEC
from helpseek.instrument.load import instrument_from_sheets
from helpseek.instrument.model import Instrument, Question
from helpseek.instrument.read import read_xlsform
from helpseek.problems import InputError

CORPUS = Path(__file__).parent / "corpus"
XF = {"x": "http://www.w3.org/2002/xforms", "h": "http://www.w3.org/1999/xhtml"}
# Codes that refuse a feature helpseek leaves out on purpose (instrument README lists them all).
DELIBERATE_CODES = {
    "INSTRUMENT-005",  # a question type or column for a left-out feature (repeats, media...)
    "INSTRUMENT-013",  # a condition reading a later page: without JavaScript a page is fixed
    "EXPRESSION-005",  # a construct for repeats or secondary instances (predicates, axes...)
    "EXPRESSION-009",  # a function left out on purpose (random(), instance(), position()...)
    "EXPRESSION-010",  # a reference left out on purpose (${last-saved#x}, ${instanceID})
    "INSTRUMENT-006",  # one name in two groups: helpseek's answers have one column per name
}


@dataclass(frozen=True)
class Form:
    id: str
    path: Path | None = None
    markdown: str | None = None


@dataclass
class View:
    """What both converters must agree on, keyed by question name."""

    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    hints: dict[str, dict[str, str]] = field(default_factory=dict)
    choices: dict[str, list[tuple[str, dict[str, str]]]] = field(default_factory=dict)
    logic: dict[str, dict[str, str]] = field(default_factory=dict)


def corpus() -> list[Form]:
    forms = [
        Form(str(p.relative_to(CORPUS)), path=p)
        for p in sorted((CORPUS / "pyxform").rglob("*"))
        if p.suffix in (".xls", ".xlsx", ".csv", ".md")
    ]
    data = json.loads((CORPUS / "pyxform_md_forms.json").read_text(encoding="utf-8"))
    forms += [Form(f["source"].split(":", 1)[1], markdown=f["md"]) for f in data["forms"]]
    return forms


# --- pyxform's XForm -----------------------------------------------------------------------------


def pyxform_xform(form: Form) -> str | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if form.markdown is not None:
                result = xls2xform.convert(
                    xlsform=form.markdown, file_type=".md", validate=False, form_name="data"
                )
            else:
                result = xls2xform.convert(xlsform=str(form.path), validate=False)
        except Exception:  # noqa: BLE001 - pyxform refuses in many ways; all mean "refused"
            return None
    return str(result.xform)


def pyxform_view(xform: str) -> View:
    root = etree.fromstring(xform.encode("utf-8"))
    model = root.find("h:head/x:model", XF)
    itext = _itext(model)
    primary = model.find("x:instance", XF)[0]
    binds = {b.get("nodeset"): b for b in model.findall("x:bind", XF)}
    controls = {c.get("ref"): c for c in root.find("h:body", XF).iter() if c.get("ref")}
    leaves = [
        _path(e)
        for e in primary.iter()
        if len(e) == 0
        and e is not primary
        and "meta" not in _path(e).split("/")
        and not _GENERATED.match(etree.QName(e).localname)  # table-list label rows
    ]
    view = View()
    for path in leaves:
        name = path.rsplit("/", 1)[-1]
        control = controls.get(path)
        if control is not None and etree.QName(control).localname in ("group", "repeat"):
            continue  # an empty group
        if control is not None:  # calculations have no control, and so no label in the XForm
            view.labels[name] = _text(control, "label", itext)
            view.hints[name] = _text(control, "hint", itext)
            view.choices[name] = _choices(control, model, itext)
        bind = binds.get(path)
        groups = [binds.get(path.rsplit("/", k)[0]) for k in range(len(path.split("/")) - 2, 0, -1)]
        view.logic[name] = _logic(bind, groups, control)
    return view


_GENERATED = re.compile(r"^(generated_table_list_label|reserved_name_for_field_list_labels)_\d+$")


def _path(element: Any) -> str:
    parts = []
    while element is not None and element.tag != f"{{{XF['x']}}}instance":
        parts.append(etree.QName(element).localname)
        element = element.getparent()
    return "/" + "/".join(reversed(parts))


def _itext(model: Any) -> dict[str, dict[str, str]]:
    texts: dict[str, dict[str, str]] = {}
    for translation in model.findall("x:itext/x:translation", XF):
        language = _language(translation.get("lang"))
        for text in translation.findall("x:text", XF):
            for value in text.findall("x:value", XF):
                if value.get("form") is None:
                    texts.setdefault(text.get("id"), {})[language] = _value_text(value)
    return texts


def _language(name: str) -> str:
    found = LANGUAGE_SPEC.match(name)
    return found.group("code").strip() if found else name


def _value_text(element: Any) -> str:
    parts = [element.text or ""]
    for child in element:
        if etree.QName(child).localname == "output":
            parts.append("${" + child.get("value").strip().rsplit("/", 1)[-1] + "}")
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())


def _text(control: Any, tag: str, itext: dict[str, dict[str, str]]) -> dict[str, str]:
    element = control.find(f"x:{tag}", XF)
    if element is None:
        return {}
    ref = element.get("ref")
    if ref:
        key = re.match(r"jr:itext\('(.+)'\)", ref)
        texts = itext.get(key.group(1), {}) if key else {}
        return {k: v for k, v in texts.items() if v not in ("", "-")}
    text = _value_text(element)
    return {"*": text} if text else {}


def _choices(control: Any, model: Any, itext: dict[str, dict[str, str]]) -> list[Any]:
    itemset = control.find("x:itemset", XF)
    if itemset is None:
        return [
            (item.findtext("x:value", "", XF), _text(item, "label", itext))
            for item in control.findall("x:item", XF)
        ]
    source = re.search(r"instance\('([^']+)'\)/root/item", itemset.get("nodeset"))
    if source is None:
        return []
    instance = model.find(f"x:instance[@id='{source.group(1)}']", XF)
    found = []
    for item in instance.findall("x:root/x:item", XF):
        key = item.findtext("x:itextId", None, XF)
        labels = itext.get(key, {}) if key else {"*": item.findtext("x:label", "", XF)}
        labels = {k: " ".join(v.split()) for k, v in labels.items() if v not in ("", "-")}
        found.append((item.findtext("x:name", "", XF), labels))
    return found


def _logic(bind: Any, groups: list[Any], control: Any) -> dict[str, str]:
    logic = {}
    if bind is not None:
        for attribute, key in (("relevant", "relevant"), ("constraint", "constraint"),
                               ("calculate", "calculation"), ("required", "required")):  # fmt: skip
            if bind.get(attribute) and bind.get(attribute) not in ("false()", "no"):
                logic[key] = normalize(bind.get(attribute))
    group_relevant = [
        normalize(g.get("relevant")) for g in groups if g is not None and g.get("relevant")
    ]
    if group_relevant:
        logic["group_relevant"] = " & ".join(group_relevant)
    itemset = control.find("x:itemset", XF) if control is not None else None
    if itemset is not None:
        predicate = re.search(r"/root/item\[(.*)\]\s*(?:\)|,.*\))?$", itemset.get("nodeset"))
        if predicate:
            logic["choice_filter"] = normalize(predicate.group(1))
    return logic


_LITERAL = re.compile(r"'[^']*'|\"[^\"]*\"")
_PATH = re.compile(
    r"(?:current\(\)/\.\./|\.\./|(?<![\w.)\]])/)(?:[A-Za-z_][\w.-]*/)*([A-Za-z_][\w.-]*)"
)


def normalize(expression: str) -> str:
    """Paths and ${name} both become ${name}; whitespace outside quotes goes; true() is yes."""
    parts, last = [], 0
    for literal in _LITERAL.finditer(expression):
        parts.append(_normalize_code(expression[last : literal.start()]))
        parts.append(literal.group(0))
        last = literal.end()
    parts.append(_normalize_code(expression[last:]))
    text = "".join(parts)
    return "yes" if text in ("true()", "yes") else text


def _normalize_code(code: str) -> str:
    code = re.sub(r"\$\{\s*([^}\s]+)\s*\}", r"${\1}", code)
    code = _PATH.sub(lambda m: "${" + m.group(1) + "}", code)
    return re.sub(r"\s+", "", code)


# --- helpseek's Instrument -------------------------------------------------------------------------


def helpseek_view(instrument: Instrument) -> View:
    view = View()
    for question in instrument.questions:
        name = question.name
        view.labels[name] = _translations(question.label.by_language)
        view.hints[name] = _translations(question.hint.by_language)
        view.choices[name] = [
            (c.name, _translations(c.label.by_language)) for c in question.choices
        ]
        view.logic[name] = _helpseek_logic(question)
    return view


def _translations(texts: dict[str, str]) -> dict[str, str]:
    return {k: " ".join(v.split()) for k, v in texts.items() if v.strip()}


def _helpseek_logic(question: Question) -> dict[str, str]:
    logic = {}
    for key in ("relevant", "constraint", "calculation", "required", "choice_filter"):
        if getattr(question, key):
            logic[key] = normalize(getattr(question, key))
    if question.group_relevant:
        logic["group_relevant"] = " & ".join(normalize(g) for g in question.group_relevant)
    return logic


def differences(ours: View, theirs: View, instrument: Instrument) -> list[str]:
    found = []
    if set(ours.logic) != set(theirs.logic):
        found.append(f"questions: helpseek {sorted(ours.logic)} pyxform {sorted(theirs.logic)}")
    # or_other's "Specify other." question and "Other" choice are ours, translated; pyxform also
    # adds "other" to every question sharing a list with an or_other question.
    specify = {f"{q.name}_other" for q in instrument.questions if q.has_other}
    other_lists = {q.list_name for q in instrument.questions if q.has_other}
    lists = {q.name: q.list_name for q in instrument.questions}
    for name in sorted(set(ours.logic) & set(theirs.logic)):
        for part in ("labels", "hints", "choices", "logic"):
            if name not in getattr(theirs, part):
                continue  # no control in the XForm: nothing shown to compare
            mine, other = getattr(ours, part)[name], getattr(theirs, part)[name]
            if part in ("labels", "hints"):
                if name in specify:
                    continue
                mine, other = _comparable(mine), _comparable(other)
            if part == "choices":
                skip = lists.get(name) in other_lists
                mine = [(n, _comparable(t)) for n, t in mine if not (skip and n == "other")]
                other = [(n, _comparable(t)) for n, t in other if not (skip and n == "other")]
            if mine != other:
                found.append(f"{name} {part}: helpseek {mine} pyxform {other}")
    return found


def _comparable(texts: dict[str, str]) -> dict[str, str]:
    """Single-language texts compare by text alone: pyxform writes a label without translations
    under no language ("*"), or "default"; helpseek under the one language's code. pyxform makes
    smart quotes plain in texts too, and no-break spaces plain in workbooks; helpseek keeps both
    there (instrument README), so texts compare with whitespace of any kind as one space."""
    plain = {k: _plain_quotes(" ".join(v.split())) for k, v in texts.items()}
    if len(plain) == 1:
        return {"*": next(iter(plain.values()))}
    return plain


def _plain_quotes(text: str) -> str:
    return text.translate(
        str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
    )


# --- the test ----------------------------------------------------------------------------------


def judge(form: Form) -> tuple[str, str]:
    """(verdict, detail): same, differs, refused deliberately, refused otherwise, crash."""
    xform = pyxform_xform(form)
    try:
        if form.markdown is not None:
            sheets = read_xlsform(form.markdown, markdown=True)
        else:
            sheets = read_xlsform(form.path)  # type: ignore[arg-type]
        instrument = instrument_from_sheets(sheets)
    except InputError as error:
        errors = [p for p in error.problems if p.is_error]
        if xform is None:
            return "pyxform refuses too", ""
        unplaced = [str(p) for p in errors if p.location.row is None and p.code != "INSTRUMENT-001"]
        if unplaced:
            return "refused otherwise", "no row: " + "; ".join(unplaced)
        if any(p.code in DELIBERATE_CODES for p in errors):
            return "refused deliberately", " ".join(sorted({p.code for p in errors}))
        if {p.code for p in errors} == {"EXPRESSION-001"} and _not_xpath(xform):
            return "refused deliberately", "not XPath (libxml2 refuses pyxform's XForm too)"
        return "refused otherwise", "; ".join(str(p) for p in errors[:3])
    except Exception as error:  # noqa: BLE001 - a crash is what this test counts
        return "crash", f"{type(error).__name__}: {error}"
    if xform is None:
        return "loads, pyxform refuses", ""
    found = differences(helpseek_view(instrument), pyxform_view(xform), instrument)
    return ("differs", "; ".join(found)[:600]) if found else ("same", "")


def _not_xpath(xform: str) -> bool:
    """True when an expression pyxform wrote into the XForm does not compile in libxml2 either
    (pyxform without ODK Validate passes expressions through unchecked)."""
    model = etree.fromstring(xform.encode("utf-8")).find("h:head/x:model", XF)
    for bind in model.findall("x:bind", XF):
        for attribute in ("relevant", "constraint", "calculate", "required"):
            if bind.get(attribute):
                try:
                    etree.XPath(
                        bind.get(attribute), namespaces={"jr": "http://openrosa.org/javarosa"}
                    )
                except etree.XPathSyntaxError:
                    return True
    return False


@pytest.fixture(scope="module")
def verdicts() -> list[tuple[Form, str, str]]:
    found = [(form, *judge(form)) for form in corpus()]
    table: dict[str, Counter[str]] = {}
    for form, verdict, _ in found:
        source = form.id.split("/")[0] if form.path else "pyxform inline Markdown"
        table.setdefault(source, Counter())[verdict] += 1
    print()
    for source, counts in sorted(table.items()):
        print(f"{source:26} " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
    return found


@pytest.mark.slow
def test_corpus__pyxform_accepted_forms_load_alike_or_are_refused_on_purpose(verdicts) -> None:
    bad = [f"{form.id}: {verdict}: {detail}" for form, verdict, detail in verdicts
           if verdict in ("differs", "refused otherwise", "crash")]  # fmt: skip
    assert bad == [], "\n".join(bad)
