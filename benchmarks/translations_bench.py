"""Loading a questionnaire with its translations in PO files (issue 15) against the same texts
inline in the form, measured in the same run; then with every registry language present.

The baseline is help_us_help_you with its translations written back into the YAML form as inline
columns (what the bundled form was before issue 15). "25 languages" adds a pseudo-translation file
for each registry language that has none, as the drafted languages will.
Run: .venv/bin/python benchmarks/translations_bench.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from helpseek.instrument import load_instrument
from helpseek.instrument.load import BUNDLED_DIR, read_base_form
from helpseek.instrument.translations import text_slots
from helpseek.languages import LANGUAGES, Entry, Review, TranslationFile, write_translation_file
from helpseek.languages.pofiles import _parsed

NAME = "help_us_help_you"


def inline_form(folder: Path) -> Path:
    """The bundled form with every translation inline (label: {en: ..., de: ...}), no PO files."""
    instrument = load_instrument(NAME)
    data = yaml.safe_load((BUNDLED_DIR / f"{NAME}.yaml").read_text())
    data["settings"]["languages"] = {
        lang.code: {"name": lang.name, "machine_translated": lang.is_machine_translated}
        for lang in instrument.languages
    }
    data["settings"]["form_title"] = dict(instrument.title.by_language)
    for row in data["survey"]:
        name = row.get("name")
        if not name or row["type"] in ("end_group", "calculate"):
            continue
        if row["type"] == "begin_group":
            page = next(p for p in instrument.pages if p.id == name)
            row["label"] = dict(page.label.by_language)
            continue
        question = instrument.question(name)
        for column in ("label", "hint", "required_message", "constraint_message"):
            if row.get(column):
                row[column] = dict(getattr(question, column).by_language)
    for list_name, choices in data["choices"].items():
        owner = next(q for q in instrument.questions if q.list_name == list_name)
        for choice in choices:
            choice["label"] = dict(owner.choice(str(choice["name"])).label.by_language)  # type: ignore[union-attr]
    for row, resource in zip(data["help"], instrument.help_resources, strict=True):
        row["label"], row["description"] = (
            dict(resource.label.by_language),
            dict(resource.description.by_language),
        )
    for row in data["checks"]:
        row["message"] = dict(instrument.inconsistency_messages[row["name"]].by_language)
    path = folder / "inline" / f"{NAME}.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    assert load_instrument(path) == instrument, "the inline form must load to the same instrument"
    return path


def all_languages_form(folder: Path) -> Path:
    """A copy of the bundled form with a pseudo-translation file for every registry language."""
    path = folder / "all" / f"{NAME}.yaml"
    path.parent.mkdir()
    shutil.copy(BUNDLED_DIR / f"{NAME}.yaml", path)
    target = path.parent / "translations" / NAME
    shutil.copytree(BUNDLED_DIR / "translations" / NAME, target)
    slots = text_slots(read_base_form(path))
    for info in LANGUAGES:
        if info.code == "en" or (target / f"{info.code}.po").exists():
            continue
        entries = tuple(Entry(s.key, s.text, f"{info.code}: {s.text}") for s in slots)
        file = TranslationFile(info.code, f"instrument {NAME}", Review(), entries)
        write_translation_file(file, target / f"{info.code}.po")
    assert len(load_instrument(path).languages) == len(LANGUAGES)
    return path


def median_seconds(action: Callable[[], object], repeat: int, cold: bool = False) -> float:
    """Median wall time; `cold` forgets the parsed translation files first (a new process)."""
    times = []
    for _ in range(repeat):
        if cold:
            _parsed.cache_clear()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    with tempfile.TemporaryDirectory() as tmp:
        inline, everything = inline_form(Path(tmp)), all_languages_form(Path(tmp))
        load_instrument(NAME)  # warm imports and caches alike
        baseline = median_seconds(lambda: load_instrument(inline), repeat)
        runs = {
            (languages, state): median_seconds(lambda p=path: load_instrument(p), repeat, cold)  # type: ignore[misc]
            for languages, path in ((7, NAME), (len(LANGUAGES), everything))
            for state, cold in (("first load", True), ("loaded again", False))
        }
    print(f"load {NAME}, 7 languages inline in the YAML (baseline): {baseline * 1000:.0f} ms")
    for (languages, state), seconds in runs.items():
        print(f"load {NAME}, {languages} languages in PO files, {state}: {seconds * 1000:.0f} ms "
              f"({seconds / baseline:.2f}x baseline)")  # fmt: skip


if __name__ == "__main__":
    main()
