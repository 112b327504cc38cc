"""XPath 1.0 conformance, the ODK functions, and the refusals that keep evaluation safe."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpseek.instrument import ExpressionError, evaluate
from helpseek.instrument.expressions import ALLOWED_FUNCTIONS, compile_expression, references

# --- XPath 1.0 comparison and type rules ----------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "answers", "expected"),
    [
        # relational operators convert both sides to numbers
        ("${age} > 3", {"age": 10}, True),
        ("'9' > '10'", {}, False),
        ("'9' < '10'", {}, True),
        ("'abc' > 'abd'", {}, False),  # NaN compares false
        # an empty answer is '' for =, NaN for < and >
        ("${age} > 18", {}, False),
        ("${age} < 18", {}, False),
        ("${age} = ''", {}, True),
        ("${age} = 0", {}, False),
        ("${age} != ''", {"age": 5}, True),
        # = compares strings with a string, numbers with a number
        ("${a} = '10.0'", {"a": 10}, False),
        ("${a} = 10", {"a": 10}, True),
        ("${a} = 10.0", {"a": 10}, True),
        # boolean conversion
        ("boolean('')", {}, False),
        ("boolean('false')", {}, True),  # any non-empty string is true
        ("boolean(0)", {}, False),
        ("boolean(number('x'))", {}, False),  # NaN is false
        ("not(${x})", {}, False),  # a node-set with one (empty) node is true
        ("${x} and true()", {"x": "y"}, True),
    ],
)
def test_evaluate__follows_xpath_1_0_comparison_rules(expression, answers, expected) -> None:
    assert evaluate(expression, answers) is expected


def test_evaluate__arithmetic_with_an_empty_answer_is_nan() -> None:
    # Given one of two numbers unanswered, When they are added, Then the sum is NaN (not an error)
    assert math.isnan(evaluate("${a} + ${b}", {"a": 1}))


def test_evaluate__division_by_zero_is_infinity_not_an_error() -> None:
    assert evaluate("1 div 0", {}) == math.inf
    assert evaluate("-1 div 0", {}) == -math.inf
    assert math.isnan(evaluate("0 div 0", {}))


def test_evaluate__number_of_empty_text_is_nan() -> None:
    assert math.isnan(evaluate("number('')", {}))


def test_evaluate__string_of_a_number_drops_a_trailing_zero() -> None:
    assert evaluate("string(3 * 1.0)", {}) == "3"
    assert (
        evaluate("string(1 div 3)", {}) == "0.3333333333333333"
    )  # shortest text, as JavaRosa and Enketo


def test_evaluate__bare_reference_returns_the_answer_text() -> None:
    assert evaluate("${name}", {"name": "tokenalpha"}) == "tokenalpha"


# --- ODK functions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "answers", "expected"),
    [
        ("selected(${k}, 'b')", {"k": ["a", "b"]}, True),
        ("selected(${k}, 'c')", {"k": ["a", "b"]}, False),
        ("selected(${k}, 'a')", {}, False),
        ("count-selected(${k})", {"k": ["a", "b"]}, 2.0),
        ("count-selected(${k})", {}, 0.0),
        ("selected-at(${k}, 1)", {"k": ["a", "b"]}, "b"),
        ("selected-at(${k}, 5)", {"k": ["a", "b"]}, ""),
        ("if(${a} > 5, 'big', 'small')", {"a": 7}, "big"),
        ("if(${a} > 5, 'big', 'small')", {}, "small"),
        ("if(${a} > 5, ${a}, 0) + 1", {"a": 7}, 8.0),
        ("coalesce(${x}, 'fallback')", {}, "fallback"),
        ("coalesce(${x}, 'fallback')", {"x": "given"}, "given"),
        ("concat(${a}, '-', ${x})", {"a": 1}, "1-"),
        ("string-length(${t})", {"t": "tokenalpha"}, 10.0),
        ("regex(${t}, '^[a-z]+$')", {"t": "tokenalpha"}, True),
        ("regex(${t}, '^[a-z]+$')", {"t": "Token1"}, False),
        ("contains(${t}, 'alpha')", {"t": "tokenalpha"}, True),
        ("starts-with(${t}, 'token')", {"t": "tokenalpha"}, True),
        ("ends-with(${t}, 'alpha')", {"t": "tokenalpha"}, True),
        ("substr('tokenalpha', 5)", {}, "alpha"),
        ("substr('tokenalpha', 0, 5)", {}, "token"),
        ("number('4.5') * 2", {}, 9.0),
        ("int(-3.7)", {}, -3.0),
        ("int(3.7)", {}, 3.0),
        ("round(2.567, 2)", {}, 2.57),
        ("round(2.5)", {}, 3.0),
        ("not(${a} = 'yes')", {"a": "yes"}, False),
        ("boolean-from-string('true')", {}, True),
        ("boolean-from-string('1')", {}, True),
        ("boolean-from-string('yes')", {}, False),
        ("once(${a})", {"a": "x"}, "x"),
        ("sum(${a})", {"a": 4}, 4.0),
        ("count(${a})", {"a": 4}, 1.0),
        ("max(1, 5, ${a})", {"a": 3}, 5.0),
        ("min(${a}, 2)", {"a": 3}, 2.0),
        ("${a} div (${b} + 1)", {"a": 4, "b": 1}, 2.0),
        ("${a} mod 3", {"a": 7}, 1.0),
    ],
)
def test_evaluate__implements_the_odk_functions(expression, answers, expected) -> None:
    assert evaluate(expression, answers) == expected


def test_evaluate__today_is_the_date_passed_in() -> None:
    assert evaluate("today()", {}, today=date(2026, 11, 2)) == "2026-11-02"
    assert evaluate("now()", {}, today=date(2026, 11, 2)) == "2026-11-02"


def test_evaluate__dot_is_the_current_question_in_a_constraint() -> None:
    assert evaluate(". >= 16", {"age": 17}, current="age") is True
    assert evaluate(". >= 16", {"age": 15}, current="age") is False


def test_evaluate__choice_name_gives_the_label_of_the_chosen_option() -> None:
    labels = {"c": {"y": "Yes", "n": "No"}}
    assert evaluate("jr:choice-name(${c}, '${c}')", {"c": "y"}, choice_labels=labels) == "Yes"


def test_evaluate__regex_runs_in_linear_time_on_a_catastrophic_pattern() -> None:
    # Given the classic backtracking pattern, When it runs on a long non-matching text,
    # Then RE2 answers (stdlib re would take exponential time here)
    assert evaluate("regex(${t}, '^(a+)+$')", {"t": "a" * 5000 + "b"}) is False
    assert evaluate("regex(${t}, '^(a+)+$')", {"t": "a" * 5000}) is True


# --- refusals ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "kind"),
    [
        ("position()", "excluded"),
        ("1-position()", "excluded"),
        ("pulldata('x', 'y', 'z', 'w')", "excluded"),
        ("frobnicate(1)", "function"),
        ("string('too', 'many', 'args')", "arity"),
        ("true(5)", "arity"),
        ("/data/a | /data/b", "construct"),
        ("text()", "construct"),
        ("//x", "construct"),
        ("/data/a[1]", "construct"),
        ("$x > 1", "construct"),
        ("child::x", "construct"),
        ("@id", "construct"),
        ("count(${a}", "syntax"),
        ("${a})", "syntax"),
        ("'unclosed", "syntax"),
        ("${a} >", "syntax"),
        ("", "syntax"),
        ("${my age} > 1", "name"),
        ("(" * 41 + "1" + ")" * 41, "depth"),
        ("1" + " + 1" * 1500, "length"),
        ("regex('a', '(')", "regex"),
    ],
)
def test_compile__refuses_with_a_kind(expression, kind) -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate(expression, {})
    assert caught.value.kind == kind


def test_compile__operators_are_not_mistaken_for_functions() -> None:
    compiled = compile_expression("${a} div (${b}) or (${c}) and (${d}) mod (2)")
    assert compiled.functions == ()
    assert compiled.references == ("a", "b", "c", "d")


def test_compile__text_inside_quotes_is_not_code() -> None:
    assert evaluate("concat('//', 'position()', '[1]')", {}) == "//position()[1]"


def test_references__lists_each_name_once_in_order() -> None:
    assert references("${a} > 3 and selected(${b}, 'x') or ${a} = 1") == ("a", "b")


# --- properties -------------------------------------------------------------------------------------

_PIECES = st.sampled_from(
    ["${a}", "${b}", "${k}", "1", "0", "'x'", "''", " and ", " or ", " = ", " != ", " > ", " div ",
     " + ", " - ", "(", ")", ",", "selected(", "count-selected(", "if(", "regex(", "'(a+)+$'",
     "not(", "coalesce(", "concat(", ".", "number(", "'", "$", "[", "//", "round(", "today()",
     "date(", "date-time(", "format-date(", "decimal-date-time(", "decimal-time(", "'%Y %b'",
     "'2026-01-31'", "'2026-02-30T25:61:00+24:00'", "'10:20:30-07:60'", " * ", " mod ", "-",
     "1e5", ".5", "substr(", "pow(", "digest(", "'SHA-256'", "checklist(", "weighted-checklist(",
     "/", "..", "*", " | ", "sum(", "count(", "int(", "exp(", "log(", "max(", "min("]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=14).map("".join))
def test_evaluate__any_built_expression_gives_a_value_or_an_expression_error(text: str) -> None:
    answers = {"a": 3, "b": "x", "k": ["x", "y"]}
    try:
        result = evaluate(text, answers, current="a", today=date(2026, 1, 1))
    except ExpressionError:
        return
    assert isinstance(result, bool | float | str)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_evaluate__any_text_gives_a_value_or_an_expression_error(text: str) -> None:
    try:
        result = evaluate(text, {"a": "1"})
    except ExpressionError:
        return
    assert isinstance(result, bool | float | str)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=50), st.text(max_size=50))
def test_evaluate__respondent_text_cannot_break_out_of_the_instance(
    answer: str, pattern: str
) -> None:
    # Given arbitrary answer text (even XML-looking or a bad regex), When compared and matched,
    # Then the result is a value or an ExpressionError, never a crash
    try:
        evaluate("${t} = 'x' or regex(${t}, ${p})", {"t": answer, "p": pattern})
    except ExpressionError:
        pass


# --- issue 13: results both public suites agree on ---------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('substr("hello", -2)', "lo"),  # negative start counts from the end
        ('substr("hello", 0, -1)', "hell"),
        ('concat("a")', "a"),  # one argument, and none
        ("concat()", ""),
        ("selected('', '')", True),  # selected(., '') on an empty answer
        ("round(1.005, 2)", 1.01),  # decimal rounding, as JavaRosa
        ("round('-0.5')", -0.0),
        ("int('1.1e6')", math.nan),  # no exponents, like number()
        ("number('1.1e6')", math.nan),
        ("round('1e3')", math.nan),
        ("int(' -12345.6789  ')", -12345.0),
        ("pow(2, 0.5) * pow(2, 0.5) > 1.99", True),
        ("sqrt(9) + exp10(2) + log10(100) + pi() * 0", 105.0),
        ("atan2(0, 0) + sin(0) + cos(0) + tan(0) + asin(0) + acos(1) + atan(0)", 1.0),
        ("log(0)", -math.inf),
        ("checklist(1, 2, 'a', '', true())", True),
        ("weighted-checklist(5, 10, true(), 3, true(), 4, false(), 100)", True),
        ("digest('some text', 'MD5', 'hex')", "552e21cd4cd9918678e3c1a0df491bc3"),
        ("decimal-date-time('1970-01-02T12:00:00Z')", 1.5),
        ("decimal-time('12:00:00Z')", 0.5),
        ("date('2018-01-01') + 1", 17533.0),
        ("string(date(17533))", "2018-01-02"),
        ("date-time(0.5)", "1970-01-01T12:00:00.000+00:00"),
        ("format-date('2018-01-02', '%d/%m/%y %b %a')", "02/01/18 Jan Tue"),
    ],
)
def test_evaluate__issue_13_results_match_the_public_suites(expression, expected) -> None:
    got = evaluate(expression, {})
    if isinstance(expected, float) and math.isnan(expected):
        assert math.isnan(got)
    else:
        assert got == expected
        assert math.copysign(1, got) == math.copysign(1, expected) if expected == 0 else True


def test_evaluate__today_is_a_date_that_arithmetic_and_comparisons_understand() -> None:
    day = date(2026, 1, 15)
    assert evaluate("today()", {}, today=day) == "2026-01-15"
    assert evaluate("today() < today() + 1", {}, today=day) is True
    assert evaluate("today() - date('2026-01-01')", {}, today=day) == 14.0
    assert evaluate("today() = '2026-01-15'", {}, today=day) is True
    assert evaluate("today() = 20468", {}, today=day) is True  # days since 1970-01-01


def test_evaluate__today_without_a_date_fails_instead_of_reading_the_clock() -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate("today()", {})
    assert caught.value.kind == "eval"


def test_evaluate__a_decimal_answer_reads_back_as_the_same_number() -> None:
    # a tiny decimal used to be written "1e-07" in the instance, which number() reads as NaN
    assert evaluate("${x} * 2", {"x": 0.0000001}) == 0.0000002
    assert evaluate("${x} > 0", {"x": 1e-9}) is True


def test_docs__errors_md_names_every_function_an_expression_may_call() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "errors.md").read_text("utf-8")
    missing = [name for name in sorted(ALLOWED_FUNCTIONS) if f"`{name}" not in text]
    assert missing == []


_ARGUMENTS = st.sampled_from(
    ["${a}", "${k}", "${e}", "1", "-1", "1.5", "''", "'x'", "'2026-01-31'", "'2026-02-30'",
     "'1969-12-31T23:59:59.999-23:59'", "'25:00:00'", "1 div 0", "0 div 0", "true()",
     "'%Y%3%a%b%q%'", "'MD5'", "'hex'", "99999999999", "'-99999-01-01'", "'(a'", "2147483648"]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(sorted(ALLOWED_FUNCTIONS)), st.lists(_ARGUMENTS, max_size=6))
def test_evaluate__every_function_on_odd_arguments_gives_a_value_or_an_expression_error(
    name: str, arguments: list[str]
) -> None:
    # Given any function called with awkward values (NaN, infinities, impossible dates...)
    text = f"{name}({', '.join(arguments)})"
    try:
        result = evaluate(text, {"a": 3, "k": ["x", "y"], "e": 1e-9}, today=date(2026, 1, 1))
    except ExpressionError:
        return
    # Then it answers with a value (the wrong number of arguments is an ExpressionError)
    assert isinstance(result, bool | float | str)


@pytest.mark.parametrize(
    "expression",
    ["${a} + 1", "string(${a})", "concat('n=', ${a})", "round(${a} div 3, 2)", "${a} > 30"],
)
@pytest.mark.parametrize("value", [30.5, 30.0, 1e-7, 3])
def test_evaluate__numpy_scalar_answers__same_as_python_numbers(expression, value):
    # pandas hands screening and analysis numpy scalars; np.float64 is a float whose repr is
    # "np.float64(30.5)", which Decimal() refused (decimal.InvalidOperation, no Problem).
    as_numpy = np.float64(value) if isinstance(value, float) else np.int64(value)
    assert evaluate(expression, {"a": as_numpy}) == evaluate(expression, {"a": value})


@pytest.mark.parametrize(
    ("expression", "is_context_free"),
    [
        ("${a} = 1", True),
        ("today() > date(${d}) and count-selected(${m}) > 1", True),
        ("selected(${a}, 'x') and ${b} != ''", True),
        (". > 3", False),
        ("../x = 1", False),
        ("/data/a = 1", False),
        ("string-length() > 2", False),
        ("once(${a})", False),
        ("name = ${a}", False),
    ],
)
def test_compile_expression__context_free__only_when_it_reads_nothing_but_named_answers(
    expression: str, is_context_free: bool
) -> None:
    assert compile_expression(expression).is_context_free is is_context_free
