"""Statistics on an exported table: prevalence with intervals, Table 1, logistic models.

Takes a DataFrame and an explicit spec; knows nothing about surveys, Tor or encryption.
"""

from helpseek.analysis.coding import Design, Predictor, build_design, code_outcome
from helpseek.analysis.filters import FilterError, RowFilter, compile_filter
from helpseek.analysis.logistic import LogisticResult, Term, fit_logistic
from helpseek.analysis.prevalence import Interval, PrevalenceResult
from helpseek.analysis.results import to_json, write_results
from helpseek.analysis.run import SCHEMA, AnalysisResult, run_analysis
from helpseek.analysis.spec import (
    AnalysisSpec,
    bundled_specs,
    load_spec,
    resolve_spec,
    spec_from_mapping,
)

__all__ = [
    "SCHEMA", "AnalysisResult", "AnalysisSpec", "Design", "FilterError", "Interval", "LogisticResult",
    "Predictor", "PrevalenceResult", "RowFilter", "Term", "build_design", "bundled_specs",
    "code_outcome", "compile_filter", "fit_logistic", "load_spec", "resolve_spec", "run_analysis",
    "spec_from_mapping", "to_json", "write_results",
]  # fmt: skip
