"""Writing a run to disk: results.json (schema helpseek.results/1).

The tables of a run (tables/*.csv|.md|.html|.tex) are the report's tables: `helpseek analyze` writes
them with `helpseek.report.write_tables`, from this results.json.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from platform import python_version
from typing import Any

from helpseek.analysis.run import AnalysisResult


def write_results(
    result: AnalysisResult,
    out_dir: Path,
    provenance: Mapping[str, Any] | None = None,
    labels: Mapping[str, Any] | None = None,
) -> list[Path]:
    """Write results.json under `out_dir`; returns the written paths.

    `provenance` (e.g. {"inputs": [{"path", "sha256"}], "spec_sha256": ...}) is added to results.json,
    and so are `labels`: the words of the questionnaire the data came from ({"variables", "levels",
    "orders"}, made by the caller, e.g. `helpseek.report.labels`), so that tables name answers as
    the respondents read them. analysis itself never looks inside them.

    results.json is written to a temporary name and renamed, so a reader never sees half a file.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "results.json"
    temporary = out_dir / ".results.json.tmp"
    document = {**result.to_dict(), "software": software_versions(), **(provenance or {})}
    if labels:
        document["labels"] = dict(labels)
    temporary.write_text(to_json(document), encoding="utf-8")
    os.replace(temporary, target)
    return [target]


def software_versions() -> dict[str, str]:
    """Versions of the packages whose numbers are in results.json (for the reproducibility footer)."""
    found = {"python": python_version()}
    for name in ("helpseek", "numpy", "scipy", "pandas", "statsmodels", "firthmodels"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


def to_json(document: dict[str, Any]) -> str:
    """Strict JSON (no NaN/Infinity tokens): NaN -> null, +-inf -> "Infinity"/"-Infinity"."""
    return json.dumps(_clean(document), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
    return value
