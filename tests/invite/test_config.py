"""invite.yaml: a valid file loads with bundled texts; every bad key is named, all in one pass."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from helpseek.invite import load_config
from helpseek.invite.config import BUNDLED_VARIANTS, UI_KEYS, bundled_texts
from helpseek.languages import known_codes, language_info
from helpseek.problems import InputError, Location, catalogue, problem


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "invite.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_config(path)
    return [str(p) for p in caught.value.problems]


def test_load_config__valid_file__fills_bundled_texts(config_file: Path, terms_file: Path) -> None:
    config = load_config(config_file)
    assert config.terms_file == terms_file
    assert config.languages == ("en", "es", "ar")
    assert config.assignment.anchor == date(2026, 1, 1)
    assert config.assignment.variants == BUNDLED_VARIANTS
    assert config.messages["legal_risk"]["es"] == bundled_texts()["es"]["variants"]["legal_risk"]
    assert config.targets["selfhelp"].label == {
        lang: "Self-help programme" for lang in ("en", "es", "ar")
    }
    assert config.directions["ar"] == "rtl"


def test_bundled_texts__every_language_has_every_variant_and_ui_text() -> None:
    texts = bundled_texts()
    # Every language of the registry: the 25 the study's respondents read (issue 15)
    assert sorted(texts) == sorted(known_codes())
    assert all(language_info(code) is not None for code in texts), sorted(texts)
    for lang, entry in texts.items():
        assert sorted(entry["variants"]) == sorted(BUNDLED_VARIANTS), lang
        assert sorted(entry["ui"]) == sorted(UI_KEYS), lang
        assert all(isinstance(t, str) and t.strip() for t in entry["ui"].values()), lang


def test_load_config__operator_message_overrides_the_bundled_one(tmp_path: Path) -> None:
    path = tmp_path / "invite.yaml"
    path.write_text(
        "terms_file: t.txt\nmessages: {neutral: {en: Our own neutral wording.}}\n"
        "targets: {h: {url: 'https://h.example.org/', kind: help, label: Help}}\n",
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.messages["neutral"]["en"] == "Our own neutral wording."
    assert config.messages["combined"]["en"] == bundled_texts()["en"]["variants"]["combined"]


def test_load_config__many_mistakes__are_all_reported_with_their_keys(tmp_path: Path) -> None:
    text = (
        "lanugages: [en]\n"
        "assignment: {scheme: daily, anchor: someday}\n"
        "targets:\n"
        "  Help Line: {url: 'https://h.example.org/', kind: help, label: H}\n"
        "  survey_a: {url: 'javascript:alert(1)', kind: survey, label: {fr: S}}\n"
    )
    where = Location(str(tmp_path / "invite.yaml"))
    expected = [
        problem("INVITE-003", where, key="lanugages", hint=' Did you mean "languages"?'),
        problem("INVITE-004", where, key="assignment.scheme", expected='"rotation" or "random"',
                got='"daily"'),
        problem("INVITE-004", where, key="assignment.anchor", expected="a date like 2026-01-01",
                got='"someday"'),
        problem("INVITE-014", where, key="targets", value="Help Line"),
        problem("INVITE-005", where, target="survey_a", url="javascript:alert(1)"),
        problem("INVITE-006", where, key="targets.survey_a.label", language="en"),
        problem("INVITE-007", where),
        problem("INVITE-002", where, key="terms_file"),
    ]  # fmt: skip
    assert _problems(tmp_path, text) == [str(p) for p in expected]


def test_load_config__not_yaml__says_so(tmp_path: Path) -> None:
    [message] = _problems(tmp_path, "targets: [unclosed\n")
    assert message.endswith("[INVITE-001]") and "not valid YAML" in message


def test_load_config__missing_targets__is_named(tmp_path: Path) -> None:
    [message] = _problems(tmp_path, "terms_file: t.txt\n")
    assert message.endswith(f"{catalogue['INVITE-002'].format(key='targets')} [INVITE-002]")


def test_load_config__language_without_texts__names_each_missing_text(tmp_path: Path) -> None:
    messages = _problems(
        tmp_path,
        "terms_file: t.txt\nlanguages: [en, xx]\n"
        "targets: {h: {url: 'https://h.example.org/', kind: help, label: Help}}\n",
    )
    assert len(messages) == len(BUNDLED_VARIANTS) + len(UI_KEYS)
    assert all('language "xx"' in m for m in messages)


@pytest.mark.parametrize(
    "url",
    ["/relative", "ftp://h.example.org/", "https://", "https://h.example.org/a b",
     "https://hé.example.org/", 'https://h.example.org/"onmouseover=x'],
)  # fmt: skip
def test_load_config__target_address_must_be_a_full_web_address(tmp_path: Path, url: str) -> None:
    messages = _problems(
        tmp_path, f"terms_file: t.txt\ntargets: {{h: {{url: '{url}', kind: help, label: H}}}}\n"
    )
    assert [m[-12:] for m in messages] == ["[INVITE-005]"]


def test_load_config__missing_file__is_cli_001(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        load_config(tmp_path / "absent.yaml")
    assert [p.code for p in caught.value.problems] == ["CLI-001"]
