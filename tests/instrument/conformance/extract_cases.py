"""Extract the expression cases of two public suites into expression_cases.json.

- enketo/openrosa-xpath-evaluator, test/integration/**/*.spec.js: run by extract_enketo.js under
  node (with jsdom, chai@4 and lodash installed in the folder given as --node-modules), which
  records each assertion instead of evaluating it.
- getodk/javarosa, src/test/java/org/javarosa/xpath/test/XPathEvalTest.java: every
  `testEval(...)` call, parsed here.

Both repositories are read from git snapshots (bare repositories, as the `fetch` tool leaves
them under /work/.mirror). CI never runs this: the committed JSON is what the tests read.

    python tests/instrument/conformance/extract_cases.py \
        --enketo /work/.mirror/enketo+openrosa-xpath-evaluator/repo \
        --javarosa /work/.mirror/getodk+javarosa/repo \
        --node-modules /tmp/enketo-extract/node_modules
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import re
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "expression_cases.json"
ENKETO = "enketo/openrosa-xpath-evaluator"
JAVAROSA = "getodk/javarosa"
JAVAROSA_TEST = "src/test/java/org/javarosa/xpath/test/XPathEvalTest.java"

# XPathEvalTest.buildInstance(), as XML (TreeElement children in order; only path[2] and
# geoshape hold text).
JAVAROSA_INSTANCE = (
    "<data><path><child/><child/></path><path/><path>    some    value</path>"
    "<path><child/></path><path/><geoshape>0 0 0 0;0 1 0 0;1 1 0 0;1 0 0 0;0 0 0 0</geoshape>"
    "</data>"
)
# createTestDataForIndexedRepeatFunction(n): three repeats named A, B, C and an index node (its
# value is never set in the test: `index.setValue(...)` is done on a node not added to root).
JAVAROSA_REPEATS = (
    "<data><repeat><name>A</name></repeat><repeat><name>B</name></repeat>"
    "<repeat><name>C</name></repeat></data>"
)
# Functions that exist only in the test's own IFunctionHandlerHelpers (not ODK functions).
JAVAROSA_TEST_HANDLERS = {
    "testfunc", "inconvertible", "convertible", "add", "proto", "null-proto", "raw",
    "get-custom", "check-types", "read", "write", "foo", "bar",
}  # fmt: skip


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


def head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD").strip()


# --- enketo ----------------------------------------------------------------------------------


def enketo_cases(repo: Path, node_modules: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    commit = head(repo)
    archive = subprocess.run(
        ["git", "--git-dir", str(repo), "archive", commit, "test/integration"],
        check=True,
        capture_output=True,
    ).stdout
    with tempfile.TemporaryDirectory() as folder:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        env = {**os.environ, "TZ": "America/Phoenix", "NODE_PATH": str(node_modules)}
        output = subprocess.run(
            ["node", str(HERE / "extract_enketo.js"), folder],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        ).stdout
    found = json.loads(output)
    cases = []
    for raw in found["cases"]:
        cases.append(
            {
                "suite": "enketo",
                "source": f"{ENKETO}@{commit}:{raw['file']}:{raw['line']}",
                "category": _enketo_category(raw["file"]),
                "title": raw["title"],
                "expression": raw["expression"],
                "document": raw["document"],
                "namespaces": raw["namespaces"],
                "context": raw["context"],
                "check": raw["check"],
                "expected": raw["expected"],
                **({"factor": raw["factor"]} if "factor" in raw else {}),
                "now": found["now"],
                "timezone": "-07:00",
            }
        )
    meta = {
        "repository": ENKETO,
        "commit": commit,
        "files": "test/integration/**/*.spec.js",
        "now": found["now"],
        "timezone": found["timezone"],
        "not_extracted": [
            {"source": f"{ENKETO}@{commit}:{s['file']}", "title": s["title"], "reason": s["reason"]}
            for s in found["skipped"]
        ],
    }
    return cases, meta


def _enketo_category(file: str) -> str:
    stem = file.removeprefix("test/integration/").removesuffix(".spec.js")
    return stem if "/" in stem else f"misc/{stem}"


# --- javarosa --------------------------------------------------------------------------------


def javarosa_cases(repo: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    commit = head(repo)
    source = git(repo, "show", f"{commit}:{JAVAROSA_TEST}")
    methods = [(m.start(), m.group(1)) for m in re.finditer(r"public void (\w+)\(\)", source)]
    cases = []
    helpers = source.index("private void testEval(")
    for match in re.finditer(r"(?<![\w.])testEval\(", source):
        if match.start() >= helpers:
            continue  # the helpers' own definitions and calls
        start = match.end()
        args_text, _ = _balanced(source, start)
        line = source.count("\n", 0, match.start()) + 1
        method = max((m for m in methods if m[0] < match.start()), default=(0, "?"))[1]
        body = _method_body(source, method)
        args = _split_args(args_text)
        expression = _java_string(args[0])
        expected_text = args[-1]
        model = args[1] if len(args) == 4 else "null"
        uses_ec = len(args) == 4 and args[2].strip() == "ec"
        case: dict[str, Any] = {
            "suite": "javarosa",
            "source": f"{JAVAROSA}@{commit}:{JAVAROSA_TEST}:{line}",
            "category": method,
            "title": f"XPathEvalTest.{method}",
            "expression": expression,
            "document": _javarosa_model(model.strip(), body),
            "namespaces": None,
            "context": "/*[1]" if model.strip() != "null" else None,
            **_javarosa_expected(expected_text.strip()),
            "timezone": "+00:00",
        }
        if uses_ec:
            case["handlers"] = sorted(set(re.findall(r"HANDLER_(\w+)", body)))
            variables = dict(re.findall(r'ec\.setVariable\("(\w+)",\s*([^)]+)\)', body))
            if variables:
                case["variables"] = {k: v.strip() for k, v in variables.items()}
        if any(
            re.search(rf"(?<![\w-]){re.escape(name)}\(", expression)
            for name in JAVAROSA_TEST_HANDLERS
        ):
            case["test_only_function"] = True
        cases.append(case)
    meta = {"repository": JAVAROSA, "commit": commit, "files": JAVAROSA_TEST, "not_extracted": []}
    return cases, meta


def _balanced(text: str, start: int) -> tuple[str, int]:
    depth, i, quote = 1, start, ""
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\":
                i += 2
                continue
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return text[start:i], i
        i += 1
    raise ValueError("unbalanced call")


def _split_args(text: str) -> list[str]:
    args, depth, quote, current = [], 0, "", []
    i = 0
    while i < len(text):
        char = text[i]
        if quote:
            current.append(char)
            if char == "\\":
                current.append(text[i + 1])
                i += 2
                continue
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
            current.append(char)
        elif char in "([":
            depth += 1
            current.append(char)
        elif char in ")]":
            depth -= 1
            current.append(char)
        elif char == "," and depth == 0:
            args.append("".join(current).strip())
            current = []
        else:
            current.append(char)
        i += 1
    args.append("".join(current).strip())
    return args


_JAVA_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "'": "'", "\\": "\\"}


def _java_string(expression: str) -> str:
    """A Java string expression: literals joined by +, with (Math.PI / 2) style numbers."""
    parts, i, text = [], 0, expression.strip()
    while i < len(text):
        if text[i] == '"':
            j, chars = i + 1, []
            while text[j] != '"':
                if text[j] == "\\":
                    chars.append(_JAVA_ESCAPES[text[j + 1]])
                    j += 2
                else:
                    chars.append(text[j])
                    j += 1
            parts.append("".join(chars))
            i = j + 1
        elif text[i] in " +\n":
            i += 1
        else:
            end = _term_end(text, i)
            parts.append(_java_double_string(_java_number(text[i:end])))
            i = end
    return "".join(parts)


def _term_end(text: str, start: int) -> int:
    depth, i = 0, start
    while i < len(text):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
        elif text[i] == "+" and depth == 0:
            return i
        i += 1
    return i


def _java_number(text: str) -> float:
    """Math.PI / 2, Math.exp(2), Math.E, POSITIVE_INFINITY, literals: all the test's numbers."""
    text = text.strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    constants = {"Math.PI": math.pi, "Math.E": math.e, "POSITIVE_INFINITY": math.inf,
                 "NEGATIVE_INFINITY": -math.inf}  # fmt: skip
    if text in constants:
        return constants[text]
    halved = re.fullmatch(r"Math\.PI\s*/\s*(\d+)", text)
    if halved:
        return math.pi / int(halved.group(1))
    power = re.fullmatch(r"Math\.exp\((\d+)\)", text)
    if power:
        return math.exp(int(power.group(1)))
    return float(text)


def _java_double_string(value: float) -> str:
    return repr(value)  # Java's Double.toString agrees for the values used (PI/2, e^2)


def _javarosa_expected(text: str) -> dict[str, Any]:
    if text in ("TRUE", "true"):
        return {"check": "boolean", "expected": True}
    if text in ("FALSE", "false"):
        return {"check": "boolean", "expected": False}
    if text.startswith("new ") and text.endswith("()"):
        return {"check": "error", "expected": text[4:-2]}
    if text.startswith('"'):
        return {"check": "string", "expected": _java_string(text)}
    date = re.fullmatch(r"DateUtils\.getDate\((\d+),\s*(\d+),\s*(\d+)\)", text)
    if date:
        y, m, d = (int(g) for g in date.groups())
        return {"check": "date", "expected": f"{y:04d}-{m:02d}-{d:02d}"}
    moment = re.fullmatch(r'DateUtils\.getDateTimeFromString\("([^"]+)"\)', text)
    if moment:
        return {"check": "datetime", "expected": moment.group(1)}
    nodes = re.fullmatch(r'createExpectedNodesetFromInstance\(\w+,\s*"(\w+)",\s*(\d+)\)', text)
    if nodes:
        top = _top_level(JAVAROSA_INSTANCE)
        position = [i for i, name in enumerate(top) if name == nodes.group(1)][int(nodes.group(2))]
        return {"check": "nodes", "expected": [f"/*[1]/*[{position + 1}]"]}
    if text.startswith("createExpectedNodesetFromIndexedRepeatFunction"):
        index = int(re.findall(r"\d+", text)[0])
        return {"check": "nodes", "expected": [f"/*[1]/*[{index + 1}]/*[1]"]}
    if text in ("NaN", "-NaN"):
        return {"check": "number", "expected": {"number": "NaN"}}
    value = _java_number(text)
    if math.isinf(value):
        return {"check": "number", "expected": {"number": "Infinity" if value > 0 else "-Infinity"}}
    return {"check": "number", "expected": value}


def _top_level(xml: str) -> list[str]:
    from xml.etree import ElementTree

    return [child.tag for child in ElementTree.fromstring(xml)]


def _method_body(source: str, method: str) -> str:
    start = source.index(f"public void {method}()")
    open_brace = source.index("{", start)
    depth, i = 0, open_brace
    while True:
        if source[i] == "{":
            depth += 1
        elif source[i] == "}":
            depth -= 1
            if depth == 0:
                return source[open_brace:i]
        i += 1


def _javarosa_model(model: str, body: str) -> str | None:
    if model == "null":
        return None
    if model == "buildInstance()":
        return JAVAROSA_INSTANCE
    assigned = re.search(rf"FormInstance {re.escape(model)} = (\w+)\(", body)
    if assigned and assigned.group(1) == "buildInstance":
        return JAVAROSA_INSTANCE
    if assigned and assigned.group(1) == "createTestDataForIndexedRepeatFunction":
        return JAVAROSA_REPEATS
    raise ValueError(f"unknown model {model}")


# --- both ---------------------------------------------------------------------------------------


def number_ids(cases: list[dict[str, Any]]) -> None:
    """Stable ids: suite, file stem and line, and a counter for several cases on one line."""
    seen: dict[str, int] = {}
    for case in cases:
        where = case["source"].rsplit(":", 2)
        stem = Path(where[-2]).name.split(".")[0]
        key = f"{case['suite']}:{stem}:{where[-1]}"
        seen[key] = seen.get(key, 0) + 1
        case["id"] = f"{key}#{seen[key]}"


def _one_case_per_line(data: dict[str, Any]) -> str:
    """JSON that diffs well: one line per case."""
    head = json.dumps({k: v for k, v in data.items() if k != "cases"}, indent=1, ensure_ascii=False)
    cases = ",\n".join("  " + json.dumps(c, ensure_ascii=False) for c in data["cases"])
    return head[:-2] + ',\n "cases": [\n' + cases + "\n ]\n}\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enketo", type=Path, required=True)
    parser.add_argument("--javarosa", type=Path, required=True)
    parser.add_argument("--node-modules", type=Path, required=True)
    options = parser.parse_args()
    enketo, enketo_meta = enketo_cases(options.enketo, options.node_modules)
    javarosa, javarosa_meta = javarosa_cases(options.javarosa)
    cases = enketo + javarosa
    number_ids(cases)
    documents: dict[str, str] = {}
    for case in cases:  # each distinct document once, cases name it
        xml = case.pop("document")
        if xml is not None:
            key = next((k for k, v in documents.items() if v == xml), f"doc{len(documents) + 1}")
            documents[key] = xml
            case["document"] = key
        else:
            case["document"] = None
    data = {
        "about": "Expression cases from public suites; regenerate with extract_cases.py.",
        "suites": {"enketo": enketo_meta, "javarosa": javarosa_meta},
        "documents": documents,
        "cases": [{"id": c.pop("id"), **c} for c in cases],
    }
    OUT.write_text(_one_case_per_line(data), encoding="utf-8")
    print(f"{len(enketo)} enketo and {len(javarosa)} javarosa cases -> {OUT}")


if __name__ == "__main__":
    main()
