"""A synthetic export of help_us_help_you in the dataset contract's shape (for tests and the benchmark).

Outcomes come from planted logistic models, so the analysis has real associations to find. Neutral,
clinical item names only; no free text beyond neutral placeholders.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

YES_NO = np.array(["yes", "no", "prefer_not"], dtype=object)
OFTEN = np.array(["never", "sometimes", "often", "prefer_not"], dtype=object)
_SEED = {"en": 0.3, "es": 0.08, "ru": 0.08, "de": 0.06, "pt": 0.05, "fr": 0.05, "ar": 0.03,
         "fi": 0.02}  # fmt: skip
_OTHERS = ("el", "nl", "sv", "hi", "fa", "ta", "ja", "zh-Hans", "zh-Hant", "uk", "ne", "it", "pl",
           "bs", "sr", "hr", "et")  # fmt: skip
#: The 25 languages of the bundled questionnaires, English most answered.
LANGUAGE_SHARES = _SEED | {code: (1 - sum(_SEED.values())) / len(_OTHERS) for code in _OTHERS}


def _pick(
    rng: np.random.Generator, values: list[str] | np.ndarray, p: list[float], n: int
) -> np.ndarray:
    return np.asarray(values, dtype=object)[rng.choice(len(values), n, p=p)]


def make_survey_frame(n: int, seed: int = 1) -> pd.DataFrame:
    """`n` responses; about 90% say they use such material (the rest end after the first page)."""
    rng = np.random.default_rng(seed)
    users = rng.random(n) < 0.9
    cols: dict[str, object] = {
        "response_id": [f"r{i:07d}" for i in range(n)],
        "instrument": "help_us_help_you",
        "instrument_version": "1",
        "language": _pick(rng, list(LANGUAGE_SHARES), list(LANGUAGE_SHARES.values()), n),
        "status": "complete",
        "submitted_on": "2026-11-01",
        "uses": np.where(users, "yes", _pick(rng, ["no", "prefer_not"], [0.8, 0.2], n)),
    }
    items = {
        "age_first_exposure": _pick(
            rng, ["under_13", "13_17", "18_plus", "prefer_not"], [0.3, 0.35, 0.3, 0.05], n
        ),
        "first_exposure": _pick(
            rng, ["accidental", "searched", "prefer_not"], [0.5, 0.45, 0.05], n
        ),
        "frequency": _pick(
            rng,
            ["daily", "weekly", "monthly", "less_often", "prefer_not"],
            [0.2, 0.3, 0.2, 0.25, 0.05],
            n,
        ),
        "duration_use": _pick(
            rng, ["lt_1y", "1_5y", "gt_5y", "prefer_not"], [0.3, 0.4, 0.25, 0.05], n
        ),
        "sought_contact": _pick(rng, YES_NO, [0.3, 0.65, 0.05], n),
        "fear_contact": _pick(rng, YES_NO, [0.4, 0.55, 0.05], n),
        "contact_users": _pick(rng, YES_NO, [0.25, 0.7, 0.05], n),
        "self_harm_thoughts": _pick(rng, YES_NO, [0.3, 0.65, 0.05], n),
        "daily_life_difficulty": _pick(rng, YES_NO, [0.45, 0.5, 0.05], n),
        "use_difficulty": _pick(rng, YES_NO, [0.5, 0.45, 0.05], n),
        "age_group": _pick(
            rng,
            ["under_18", "18_24", "25_34", "35_49", "50_plus", "prefer_not"],
            [0.1, 0.35, 0.3, 0.15, 0.05, 0.05],
            n,
        ),
        "gender": _pick(rng, ["man", "woman", "other", "prefer_not"], [0.85, 0.08, 0.03, 0.04], n),
    }
    for name in ("mh_depression", "mh_anxiety", "mh_guilt", "mh_shame"):
        items[name] = _pick(rng, OFTEN, [0.3, 0.4, 0.25, 0.05], n)
    infant = (rng.random(n) < 0.2).astype(float)
    cols.update({k: np.where(users, v, None) for k, v in items.items()})
    cols["children_age_viewed"] = np.where(
        users, np.where(infant == 1, "infant_toddler age_4_12", "age_13_17"), None
    )
    for choice, values in (
        ("infant_toddler", infant),
        ("age_4_12", infant),
        ("age_13_17", 1 - infant),
    ):
        cols[f"children_age_viewed__{choice}"] = np.where(users, values, np.nan)
    eta_stop = (
        0.2
        + 0.6 * (items["use_difficulty"] == "yes")
        + 0.4 * (items["daily_life_difficulty"] == "yes")
        + 0.3 * (items["mh_guilt"] == "often")
        - 0.2
    )
    want = rng.random(n) < special.expit(eta_stop)
    cols["want_stop"] = np.where(
        users,
        np.where(want, "yes", _pick(rng, ["no", "unsure", "prefer_not"], [0.5, 0.45, 0.05], n)),
        None,
    )
    eta_help = (
        -2.6
        + 0.7 * (items["sought_contact"] == "yes")
        + 0.5 * (items["self_harm_thoughts"] == "yes")
        + 0.4 * (items["contact_users"] == "yes")
        + 0.5 * infant
        + 0.6 * want
    )
    sought = rng.random(n) < special.expit(eta_help)
    cols["tried_stop"] = np.where(users, _pick(rng, YES_NO, [0.5, 0.45, 0.05], n), None)
    cols["sought_help"] = np.where(users, np.where(sought, "yes", "no"), None)
    accessed = sought & (rng.random(n) < 0.23)
    cols["accessed_help"] = np.where(users & sought, np.where(accessed, "yes", "no"), None)
    cols["accessed_help_any"] = np.where(users, np.where(accessed, "yes", "no"), None)
    barriers = [
        "fear_legal",
        "shame",
        "cost",
        "not_available",
        "not_know_where",
        "distrust",
        "no_barrier",
        "other",
    ]
    chosen = rng.random((n, len(barriers))) < 0.25
    cols["help_barriers"] = np.where(
        users,
        [" ".join(b for b, c in zip(barriers, row) if c) or "no_barrier" for row in chosen],
        None,
    )
    for j, b in enumerate(barriers):
        cols[f"help_barriers__{b}"] = np.where(users, chosen[:, j].astype(float), np.nan)
    wanted = [
        "anonymous_online",
        "self_help_programme",
        "therapist",
        "helpline",
        "peer_support",
        "medication",
        "other",
    ]
    picks = rng.random((n, len(wanted))) < 0.3
    cols["help_wanted"] = np.where(
        users, [" ".join(w for w, c in zip(wanted, row) if c) or None for row in picks], None
    )
    for j, w in enumerate(wanted):
        cols[f"help_wanted__{w}"] = np.where(
            users & picks.any(axis=1), picks[:, j].astype(float), np.nan
        )
    cols["what_could_help"] = None
    pages = np.where(users, 12, 1)
    cols["duration_s"] = (pages * rng.lognormal(np.log(20), 0.4, n)).round().astype(int)
    cols["pages_submitted"] = pages
    cols["last_page"] = np.where(users, "end", "screening")
    cols["unanswered"] = ""
    frame = pd.DataFrame(cols)
    frame["pages_submitted"] = frame["pages_submitted"].astype("Int64")
    frame["duration_s"] = frame["duration_s"].astype("Int64")
    return frame
