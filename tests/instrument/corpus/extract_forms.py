"""Copy the public XLSForm corpus the form tests read into this folder.

- XLSForm/pyxform: tests/example_xls and tests/bug_example_xls (files as they are), and the
  Markdown forms written inline in its tests (`md=` string arguments; f-strings and other
  computed texts are skipped and counted) -> pyxform_md_forms.json, each with its source line.

onaio/onadata's test fixtures were copied here until 2026-12-02 and are no longer: its LICENSE
grants no permission for commits since 12 December 2014 ("Copyright (c) 2013-present, Ona Systems
Inc, All rights reserved"), see README.md.

Reads git snapshots (bare repositories, as the `fetch` tool leaves them under /work/.mirror);
CI never runs this: the committed files are what the tests read.

    python tests/instrument/corpus/extract_forms.py \
        --pyxform /work/.mirror/XLSForm+pyxform/repo
"""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
PYXFORM = "XLSForm/pyxform"
FORM_SUFFIXES = (".xls", ".xlsx", ".csv", ".md")


def git(repo: Path, *args: str) -> bytes:
    return subprocess.run(
        ["git", "--git-dir", str(repo), *args], check=True, capture_output=True
    ).stdout


def files(repo: Path, commit: str) -> list[str]:
    return git(repo, "ls-tree", "-r", "--name-only", commit).decode().splitlines()


def copy(repo: Path, commit: str, path: str, to: Path) -> None:
    to.parent.mkdir(parents=True, exist_ok=True)
    to.write_bytes(git(repo, "show", f"{commit}:{path}"))


def pyxform(repo: Path) -> dict[str, object]:
    commit = git(repo, "rev-parse", "HEAD").decode().strip()
    copied = []
    for path in files(repo, commit):
        folder, _, name = path.rpartition("/")
        if folder in ("tests/example_xls", "tests/bug_example_xls") and name.endswith(
            FORM_SUFFIXES
        ):
            copy(repo, commit, path, HERE / "pyxform" / folder.split("/")[-1] / name)
            copied.append(path)
    copy(repo, commit, "LICENSE", HERE / "pyxform" / "LICENSE")
    forms, skipped = [], 0
    for path in files(repo, commit):
        if not (path.startswith("tests/") and path.endswith(".py")):
            continue
        source = git(repo, "show", f"{commit}:{path}").decode("utf-8")
        for function in ast.walk(ast.parse(source)):
            if not isinstance(function, ast.FunctionDef):
                continue
            for line, text in _md_arguments(function):
                if text is None:
                    skipped += 1
                elif all(text != f["md"] for f in forms):
                    forms.append({"source": f"{PYXFORM}@{commit}:{path}:{line}", "md": text})
    (HERE / "pyxform_md_forms.json").write_text(
        json.dumps({"skipped_computed_md": skipped, "forms": forms}, indent=1, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    return {
        "repository": PYXFORM,
        "commit": commit,
        "files": len(copied),
        "md_forms": len(forms),
        "md_skipped": skipped,
    }


def _md_arguments(function: ast.FunctionDef) -> list[tuple[int, str | None]]:
    """(line, text) of each md= argument in a test function: a string, or a name assigned a
    string earlier in the same function; None for computed texts."""
    assigned: list[tuple[int, str, str]] = []  # (line, name, text)
    for node in ast.walk(function):
        constant = isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        if constant and isinstance(node.value.value, str):  # type: ignore[attr-defined]
            for target in node.targets:  # type: ignore[attr-defined]
                if isinstance(target, ast.Name):
                    assigned.append((node.lineno, target.id, node.value.value))  # type: ignore[attr-defined]
    found: list[tuple[int, str | None]] = []
    for node in ast.walk(function):
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            if keyword.arg != "md":
                continue
            value = keyword.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                found.append((value.lineno, value.value))
            elif isinstance(value, ast.Name):
                earlier = [a for a in assigned if a[1] == value.id and a[0] <= node.lineno]
                found.append((earlier[-1][0], earlier[-1][2]) if earlier else (node.lineno, None))
            else:
                found.append((node.lineno, None))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pyxform", type=Path, required=True)
    options = parser.parse_args()
    sources = {"pyxform": pyxform(options.pyxform)}
    (HERE / "SOURCES.json").write_text(json.dumps(sources, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(sources, indent=1))


if __name__ == "__main__":
    main()
