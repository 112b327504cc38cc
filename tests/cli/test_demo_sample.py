"""The demo's default sample reproduces the study's (issue 11, defect 8): about 4,493 respondents
are *analysed* (included and not screened out), and the study's prevalences (55.0%, 13.8%, 3.2%)
lie inside the demo's 95% intervals.

Walks the demo's respondents (same truth, size and seed) through the real questionnaire logic
locally instead of over HTTP, then screens and analyses them as the demo does.
"""

from __future__ import annotations

import pytest

from helpseek.analysis import load_spec, run_analysis, spec_from_mapping
from helpseek.cli.demo_run import MAIN, DemoOptions
from helpseek.instrument import load_instrument
from helpseek.quality import options_for, screen
from helpseek.synth import draw_respondents, load_truth, to_dataset, walk_all

STUDY = {"want_stop": 0.550, "sought_help": 0.138, "accessed_help_any": 0.032}


@pytest.mark.slow
def test_demo_default_size__analyses_about_4493_with_the_studys_prevalences_inside_the_cis() -> (
    None
):
    options = DemoOptions(out=__import__("pathlib").Path("unused"))
    form = load_instrument(MAIN)
    draw = draw_respondents(form, load_truth(None, form), options.n, options.seed)
    table = to_dataset(walk_all(form, draw, workers=2), form).frame
    bundled = load_spec("help_seeking")
    frame = screen(table, options_for(form, bundled.screening_options), form).frame
    spec = spec_from_mapping(
        {
            "include": bundled.include,
            "screening": list(bundled.screening),
            "treat_as_missing": list(bundled.treat_as_missing),
            "by": None,
            "outcomes": [{"name": o.name, "positive": list(o.positive)} for o in bundled.outcomes],
        }
    )
    result = run_analysis(frame, spec)
    analysed = next(s.n for s in result.flow if s.step == "analysed")
    # about 4,493: within 1% (the binomial SD of the analysed count is about 25)
    assert abs(analysed - 4493) <= 45, analysed
    for prevalence in result.prevalence:
        interval = prevalence.interval()
        assert interval.low <= STUDY[prevalence.outcome] <= interval.high, prevalence
