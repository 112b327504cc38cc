"""Writes a helpseek.funnel/1 document as funnel.json, funnel.csv, funnel.md and funnel.png.

The CSV/Markdown tables have one row per variant and outcome; the chart shows click-through with
Wilson intervals. matplotlib runs headless (Agg).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

COLUMNS = ("variant", "outcome", "impressions", "clicks", "ctr", "ctr_low", "ctr_high",
           "difference", "diff_low", "diff_high", "odds_ratio", "or_low", "or_high", "p", "note")  # fmt: skip


def write_funnel(funnel: dict[str, Any], out: Path) -> list[Path]:
    """Write the four files into `out` (created if needed); returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "funnel.json", out / "funnel.csv", out / "funnel.md", out / "funnel.png"]
    paths[0].write_text(json.dumps(funnel, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    rows = table_rows(funnel)
    with paths[1].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    paths[2].write_text(to_markdown(funnel, rows), encoding="utf-8")
    _chart(funnel, paths[3])
    return paths


def table_rows(funnel: dict[str, Any]) -> list[dict[str, Any]]:
    """One flat row per variant and outcome (empty strings where a value does not apply)."""
    rows = []
    for entry in funnel["variants"]:
        for outcome in funnel["outcomes"]:
            rate = entry["outcomes"][outcome]
            comparison = (entry["comparisons"] or {}).get(outcome) or {}
            ci = rate["ci"] or ["", ""]
            diff_ci = comparison.get("difference_ci", ["", ""])
            or_ci = comparison.get("ci", ["", ""])
            rows.append({
                "variant": entry["variant"], "outcome": outcome,
                "impressions": entry["impressions"], "clicks": rate["clicks"],
                "ctr": _blank(rate["ctr"]), "ctr_low": ci[0], "ctr_high": ci[1],
                "difference": comparison.get("difference", ""),
                "diff_low": diff_ci[0], "diff_high": diff_ci[1],
                "odds_ratio": comparison.get("odds_ratio", ""), "or_low": or_ci[0],
                "or_high": or_ci[1], "p": comparison.get("p", ""), "note": rate["note"] or "",
            })  # fmt: skip
    return rows


def to_markdown(funnel: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    """A readable table with percentages, and footnotes stating the methods and the reference."""
    header = (
        "| Variant | Outcome | Impressions | Clicks | CTR % (95% CI) | Difference, pp (95% CI) "
        "| OR (95% CI) | p |"
    )
    lines = [header, "|---|---|---:|---:|---|---|---|---|"]
    for r in rows:
        ctr = (
            "—"
            if r["ctr"] == ""
            else f"{100 * r['ctr']:.2f}"
            + (
                f" ({100 * r['ctr_low']:.2f}–{100 * r['ctr_high']:.2f})"
                if r["ctr_low"] != ""
                else ""
            )
        )
        diff = "ref." if r["variant"] == funnel["reference"] else (
            "—" if r["difference"] == "" else
            f"{100 * r['difference']:+.2f} ({100 * r['diff_low']:+.2f} to {100 * r['diff_high']:+.2f})"
        )  # fmt: skip
        ratio = (
            "—"
            if r["odds_ratio"] == ""
            else (f"{r['odds_ratio']:.2f} ({r['or_low']:.2f}–{r['or_high']:.2f})")
        )
        p = "—" if r["p"] == "" else ("<0.001" if r["p"] < 0.001 else f"{r['p']:.3f}")
        lines.append(f"| {r['variant']} | {r['outcome']} | {r['impressions']} | {r['clicks']} "
                     f"| {ctr} | {diff} | {ratio} | {p} |")  # fmt: skip
    reference = funnel["reference"] or "none (no comparisons)"
    footnote = (
        f"CTR = clicks / impressions, Wilson 95% CI. Reference variant: {reference}. Difference: "
        "Newcombe hybrid score CI. OR: Woolf (log) CI, +0.5 in every cell when one is zero. "
        "p: Fisher's exact test, two-sided. Counts are aggregate; a click after a language switch "
        "is not a new impression."
    )
    lines += ["", footnote, ""]
    return "\n".join(lines)


def _chart(funnel: dict[str, Any], path: Path) -> None:
    variants = [v["variant"] for v in funnel["variants"]]
    outcomes = funnel["outcomes"]
    figure, axes = plt.subplots(figsize=(max(5.0, 1.6 * len(variants) * len(outcomes)), 3.6))
    width = 0.8 / max(1, len(outcomes))
    for i, outcome in enumerate(outcomes):
        heights, low_err, high_err = [], [], []
        for entry in funnel["variants"]:
            rate = entry["outcomes"][outcome]
            ctr = 100 * (rate["ctr"] or 0.0)
            ci = rate["ci"] or [ctr / 100, ctr / 100]
            heights.append(ctr)
            low_err.append(ctr - 100 * ci[0])
            high_err.append(100 * ci[1] - ctr)
        xs = [x + i * width for x in range(len(variants))]
        axes.bar(xs, heights, width, yerr=[low_err, high_err], capsize=3, label=outcome)
    axes.set_xticks([x + width * (len(outcomes) - 1) / 2 for x in range(len(variants))], variants)
    axes.set_ylabel("click-through, % (95% CI)")
    axes.legend(frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    figure.savefig(path, dpi=120, metadata={"Software": None})
    plt.close(figure)


def _blank(value: float | None) -> float | str:
    return "" if value is None else value
