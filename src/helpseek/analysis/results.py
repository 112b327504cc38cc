"""Writing a run to disk: results.json (schema helpseek.results/1) and tables/*.csv|.md|.html|.tex."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from platform import python_version
from typing import Any

from helpseek.analysis.layout import build_tables
from helpseek.analysis.run import AnalysisResult


def write_results(
    result: AnalysisResult, out_dir: Path, provenance: Mapping[str, Any] | None = None
) -> list[Path]:
    """Write results.json and every table under `out_dir`; returns the written paths.

    `provenance` (e.g. {"inputs": [{"path", "sha256"}], "spec_sha256": ...}) is added to results.json.

    results.json is written to a temporary name and renamed, so a reader never sees half a file.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "results.json"
    temporary = out_dir / ".results.json.tmp"
    document = {**result.to_dict(), "software": software_versions(), **(provenance or {})}
    temporary.write_text(to_json(document), encoding="utf-8")
    os.replace(temporary, target)
    paths = [target]
    for table in build_tables(result):
        paths += table.write(out_dir / "tables")
    return paths


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
