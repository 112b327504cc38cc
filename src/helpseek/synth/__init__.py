"""Synthetic respondents from an instrument + a truth file, for tests, demos and benchmarks.

They walk the real `collect` state machine (locally, or over HTTP through the survey server).
"""

from helpseek.synth.answering import ShownQuestion, answer_page, shown_questions
from helpseek.synth.outcomes import Calibration, linear_predictor
from helpseek.synth.respondents import Draw, Respondent, calibration_for, draw_respondents
from helpseek.synth.table import to_dataset, to_page_records
from helpseek.synth.truth import Truth
from helpseek.synth.truthfile import bundled_truths, load_truth, truth_from_mapping
from helpseek.synth.walk import SynthesisError, SyntheticResponse, walk, walk_all

__all__ = [
    "Calibration", "Draw", "Respondent", "ShownQuestion", "SynthesisError", "SyntheticResponse",
    "Truth", "answer_page", "bundled_truths", "calibration_for", "draw_respondents",
    "linear_predictor", "load_truth", "shown_questions", "to_dataset", "to_page_records",
    "truth_from_mapping", "walk", "walk_all",
]  # fmt: skip
