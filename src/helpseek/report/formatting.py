"""How numbers look in the report: one rule per kind of number, used by the HTML and the .docx.

Every number the report prints goes through one of these functions, so a reader (and the tests) can
rely on the same rounding everywhere: odds ratios 2 decimals, p values 3 decimals or "<0.001".
"""

from __future__ import annotations

import math
import re

#: Shown where results.json holds no value (a missing estimate, an undefined statistic).
MISSING = "—"


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_ratio(value: float | None) -> str:
    """An odds ratio with 2 decimals; below 0.01 (a bound under Firth, say) 2 significant digits,
    so that it never reads as 0.00.

    >>> fmt_ratio(1.8567), fmt_ratio(0.000635), fmt_ratio(None), fmt_ratio(float("inf"))
    ('1.86', '0.00064', '—', '∞')
    """
    if _is_missing(value):
        return MISSING
    assert value is not None
    if math.isinf(value):
        return "∞"
    if 0 < value < 0.01:
        return f"{value:.2g}" if value >= 1e-4 else f"{value:.1e}"
    return f"{value:,.2f}"


def fmt_ci(low: float | None, high: float | None) -> str:
    """A confidence interval of ratios, "low–high".

    >>> fmt_ci(1.2, 3.456)
    '1.20–3.46'
    """
    if _is_missing(low) or _is_missing(high):
        return MISSING
    return f"{fmt_ratio(low)}–{fmt_ratio(high)}"


def fmt_or_ci(value: float | None, low: float | None, high: float | None) -> str:
    """OR with its CI in the published style: "1.86 (1.20–3.46)".

    >>> fmt_or_ci(1.8567, 1.2, 3.456)
    '1.86 (1.20–3.46)'
    """
    if _is_missing(value):
        return MISSING
    return f"{fmt_ratio(value)} ({fmt_ci(low, high)})"


def fmt_p(value: float | None) -> str:
    """A p value: 3 decimals, "<0.001" below and ">0.999" above (never a p of 0.000 or 1.000).

    >>> fmt_p(0.04321), fmt_p(0.0004), fmt_p(0.99971), fmt_p(None)
    ('0.043', '<0.001', '>0.999', '—')
    """
    if _is_missing(value):
        return MISSING
    assert value is not None
    if value < 0.001:
        return "<0.001"
    if value >= 0.9995:
        return ">0.999"
    return f"{value:.3f}"


def fmt_percent(proportion: float | None, digits: int = 1) -> str:
    """A proportion (0..1) as a percentage, 1 decimal (2 for click-through rates).

    >>> fmt_percent(0.54969), fmt_percent(0.08734, digits=2)
    ('55.0', '8.73')
    """
    if _is_missing(proportion):
        return MISSING
    assert proportion is not None
    return f"{100 * proportion:.{digits}f}"


def fmt_percent_ci(proportion: float | None, low: float | None, high: float | None) -> str:
    """A percentage with its CI: "55.0 (53.5–56.5)".

    >>> fmt_percent_ci(0.55, 0.5354, 0.5645)
    '55.0 (53.5–56.5)'
    """
    if _is_missing(proportion):
        return MISSING
    if _is_missing(low) or _is_missing(high):
        return fmt_percent(proportion)
    return f"{fmt_percent(proportion)} ({fmt_percent(low)}–{fmt_percent(high)})"


def fmt_count(value: float | None) -> str:
    """A count with a thousands separator.

    >>> fmt_count(4493), fmt_count(None)
    ('4,493', '—')
    """
    if _is_missing(value):
        return MISSING
    assert value is not None
    return f"{int(value):,}"


def fmt_number(value: object, digits: int = 2) -> str:
    """Any other statistic: ints as counts, floats to `digits` decimals, booleans as yes/no.

    >>> fmt_number(0.61234), fmt_number(12), fmt_number(True), fmt_number("wald")
    ('0.61', '12', 'yes', 'wald')
    """
    if _is_missing(value):
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return fmt_count(value)
    if isinstance(value, float):
        if math.isinf(value):
            return "∞" if value > 0 else "-∞"
        return f"{value:,.{digits}f}"
    return str(value)


def fmt_n_percent(count: int | None, proportion: float | None) -> str:
    """A Table 1 cell: "2,190 (55.0)".

    >>> fmt_n_percent(2190, 0.5497)
    '2,190 (55.0)'
    """
    if _is_missing(count):
        return MISSING
    if _is_missing(proportion):
        return fmt_count(count)
    return f"{fmt_count(count)} ({fmt_percent(proportion)})"


def humanise(name: str) -> str:
    """A variable or key name as words, when no label is known.

    >>> humanise("daily_life_difficulty"), humanise("ci_low"), humanise("13_17")
    ('Daily life difficulty', 'CI low', '13–17')
    """
    if re.fullmatch(r"\d+_\d+", name):
        return name.replace("_", "–")
    words = name.replace("__", " ").replace("_", " ").split()
    known = {"ci": "CI", "or": "OR", "auc": "AUC", "vif": "VIF", "n": "n", "p": "p", "id": "ID"}
    out = [known.get(w.lower(), w) for w in words]
    if out and out[0] == out[0].lower() and out[0] not in known.values():
        out[0] = out[0].capitalize()
    return " ".join(out)
