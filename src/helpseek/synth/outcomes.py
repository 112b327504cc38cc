"""Planted logistic models for the outcomes, with intercepts calibrated to the truth's prevalences.

The intercept of each outcome solves mean(expit(b0 + x'b)) = prevalence by root finding over a
large reference sample of users (Morris et al. 2019's ADEMP data-generating mechanism; analysis
anchors §5.1), so it is a property of the truth, not of one drawn sample.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit

from helpseek.instrument.model import Answer
from helpseek.problems import InputError, problem
from helpseek.synth.truth import OutcomeTruth, Truth

#: P(child | x) / P(parent | x) above 1 for more than this share of users is a truth-file error.
MAX_CLIPPED_SHARE = 0.001


@dataclass(frozen=True)
class Calibration:
    """Intercepts per outcome, and the share of users whose nested chance had to be clipped."""

    intercepts: Mapping[str, float]
    clipped: Mapping[str, float]


def linear_predictor(outcome: OutcomeTruth, profiles: Sequence[Mapping[str, Answer]]) -> np.ndarray:
    """x'b for each profile (no intercept): the sum of the planted log odds ratios that apply.

    A term `q` adds `log_odds_ratios[q][answer]`; a term `q__c` adds the value for "1" when choice
    c is selected in q, else the value for "0". Any other answer (e.g. prefer_not) adds 0.
    """
    eta = np.zeros(len(profiles))
    for term, levels in outcome.log_odds_ratios.items():
        name, _, choice = term.partition("__")
        for i, profile in enumerate(profiles):
            answer = profile.get(name)
            if choice:
                level = "1" if isinstance(answer, list) and choice in answer else "0"
            else:
                level = str(answer) if answer is not None else ""
            eta[i] += levels.get(level, 0.0)
    return eta


def in_population(truth: Truth, profiles: Sequence[Mapping[str, Answer]]) -> np.ndarray:
    """True for profiles that the truth's outcomes concern (e.g. uses = 'yes')."""
    return np.array(
        [all(p.get(k) == v for k, v in truth.population.items()) for p in profiles], dtype=bool
    )


def calibrate(truth: Truth, reference: Sequence[Mapping[str, Answer]]) -> Calibration:
    """Intercepts that give each outcome its prevalence among the reference sample's users.

    Raises InputError (SYNTH-008) when a nested outcome would need P(child) > P(parent) for more
    than 0.1% of users: the planted model cannot hold with "only among those who ...".
    """
    users = [p for p, keep in zip(reference, in_population(truth, reference), strict=True) if keep]
    intercepts: dict[str, float] = {}
    clipped: dict[str, float] = {}
    for outcome in truth.outcomes:
        eta = linear_predictor(outcome, users)
        intercepts[outcome.name] = _solve(eta, outcome.prevalence)
        if outcome.within is not None:
            parent = truth.outcome(outcome.within)
            p_child = expit(intercepts[outcome.name] + eta)
            p_parent = expit(intercepts[parent.name] + linear_predictor(parent, users))
            share = float(np.mean(p_child > p_parent))
            clipped[outcome.name] = share
            if share > MAX_CLIPPED_SHARE:
                raise InputError(
                    [
                        problem(
                            "SYNTH-008",
                            name=outcome.name,
                            within=outcome.prevalence,
                            parent=parent.name,
                            share=share,
                        )
                    ]
                )
    return Calibration(intercepts, clipped)


def draw_outcomes(
    truth: Truth,
    calibration: Calibration,
    profiles: Sequence[Mapping[str, Answer]],
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """0/1 per profile and outcome; a nested outcome is 1 only where its parent is 1."""
    drawn: dict[str, np.ndarray] = {}
    chance: dict[str, np.ndarray] = {}
    for outcome in truth.outcomes:
        p = expit(calibration.intercepts[outcome.name] + linear_predictor(outcome, profiles))
        chance[outcome.name] = p
        u = rng.random(len(profiles))
        if outcome.within is None:
            drawn[outcome.name] = (u < p).astype(int)
        else:
            parent = chance[outcome.within]
            conditional = np.minimum(
                1.0, np.divide(p, parent, out=np.zeros_like(p), where=parent > 0)
            )
            drawn[outcome.name] = ((u < conditional) & (drawn[outcome.within] == 1)).astype(int)
    return drawn


def _solve(eta: np.ndarray, prevalence: float) -> float:
    if len(eta) == 0 or not 0 < prevalence < 1:
        return float("-inf") if prevalence <= 0 else float("inf")
    target = lambda b0: float(np.mean(expit(b0 + eta))) - prevalence
    return float(brentq(target, -40.0, 40.0, xtol=1e-12))
