"""Fixtures for synth: real bundled questionnaires and truths, and one contaminated walked sample.

Walking is the real collect state machine, so samples here are small; large-n checks use the draw
(the answers and outcomes before walking), which is vectorised.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from helpseek.instrument import Instrument, load_instrument
from helpseek.synth import SyntheticResponse, Truth, draw_respondents, load_truth, walk_all
from helpseek.synth.truth import QualityTruth


@pytest.fixture(scope="session")
def main_form() -> Instrument:
    return load_instrument("help_us_help_you")


@pytest.fixture(scope="session")
def main_truth(main_form: Instrument) -> Truth:
    return load_truth(None, main_form)


@pytest.fixture(scope="session")
def contaminated_truth(main_truth: Truth) -> Truth:
    """The bundled truth with many low-quality responses, so that each kind occurs in 60."""
    quality = replace(
        main_truth.quality, speeders=0.1, straightliners=0.1, duplicates=0.1, inconsistent=0.1
    )
    assert isinstance(quality, QualityTruth)
    return replace(main_truth, quality=quality, breakoff=0.15)


@pytest.fixture(scope="session")
def walked(main_form: Instrument, contaminated_truth: Truth) -> list[SyntheticResponse]:
    """60 respondents of help_us_help_you walked through the Session (seed 7)."""
    draw = draw_respondents(main_form, contaminated_truth, 60, seed=7)
    return list(walk_all(main_form, draw))
