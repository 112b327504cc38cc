"""Publication tables: gtsummary number styles and safe rendering in every format."""

from __future__ import annotations

import pytest

from helpseek.analysis import Table, style_pvalue, style_ratio
from helpseek.analysis.tables import latex_escape


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.9123, "0.91"),
        (0.05678, "0.057"),
        (0.995, "1.00"),
        (1.0, "1.00"),
        (2.345, "2.35"),
        (12.34, "12.3"),
        (123.4, "123"),
        (float("inf"), "∞"),
    ],
)
def test_style_ratio__two_significant_figures_below_one_three_above(
    value: float, text: str
) -> None:
    assert style_ratio(value) == text


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (0.95, ">0.9"),
        (0.46, "0.5"),
        (0.156, "0.2"),
        (0.14, "0.14"),
        (0.0996, "0.10"),
        (0.0123, "0.012"),
        (0.0004, "<0.001"),
        (float("nan"), ""),
    ],
)
def test_style_pvalue__gtsummary_rules(p: float, text: str) -> None:
    assert style_pvalue(p) == text


TABLE = Table(
    "t",
    "A & B <test>",
    ("Characteristic", "OR (95% CI)"),
    (("race", ""), ("a|b_c", "1.00 (reference)")),
    ("50% note <x>",),
    frozenset({0}),
)


def test_table__markdown__bold_label_rows_and_escaped_pipes() -> None:
    text = TABLE.to_markdown()
    assert "| **race** |  |" in text and "a\\|b_c" in text and text.startswith("**A & B <test>**")


def test_table__html__escapes_text_and_marks_label_rows() -> None:
    text = TABLE.to_html()
    assert "<caption>A &amp; B &lt;test&gt;</caption>" in text
    assert '<th scope="row">race</th>' in text and "<script" not in text
    assert "50% note &lt;x&gt;" in text


def test_table__latex__escapes_specials() -> None:
    text = TABLE.to_latex()
    assert "\\caption{A \\& B \\textless{}test\\textgreater{}}" in text
    assert "a|b\\_c & 1.00 (reference) \\\\" in text and "50\\% note" in text
    assert latex_escape("—") == "---"


def test_table__csv__header_then_rows() -> None:
    assert TABLE.to_csv().splitlines() == [
        "Characteristic,OR (95% CI)",
        "race,",
        "a|b_c,1.00 (reference)",
    ]
