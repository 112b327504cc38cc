"""The invitation settings (invite.yaml): term list, languages, message variants, targets.

`load_config` checks the whole file and raises one InputError naming every bad key. Bundled texts
(invite/locale: `invite.pot` in English, one `<lang>.po` per language, made and checked with
`helpseek translate`) fill in whatever the operator does not override.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml

from helpseek.invite.match import DEFAULT_MAX_QUERY_CHARS
from helpseek.languages import StringTable, endonym, is_rtl, load_string_table
from helpseek.problems import InputError, Location, Problem, near_miss, problem

TargetKind = Literal["help", "survey"]
Scheme = Literal["rotation", "random"]
Texts = Mapping[str, str]  # language -> text

UI_KEYS = ("title", "help_heading", "survey_heading", "survey_note", "privacy_note",
           "language_label", "too_long", "not_found")  # fmt: skip
BUNDLED_VARIANTS = ("neutral", "harm_to_children", "legal_risk", "combined")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_TOP_KEYS = ("terms_file", "languages", "default_language", "query_parameter", "max_query_chars",
             "search_paths", "page_path", "redirect_prefix", "reload_check_s", "database",
             "assignment", "messages", "texts", "targets")  # fmt: skip


@dataclass(frozen=True)
class Target:
    """An allow-listed destination: outbound links name it by id, never by URL."""

    id: str
    url: str
    kind: TargetKind
    label: Texts


@dataclass(frozen=True)
class Assignment:
    """How a variant is picked: `rotation` (index = days since `anchor` mod len(variants)) or
    `random` (uniform per request)."""

    scheme: Scheme = "rotation"
    anchor: date = date(2026, 1, 1)
    variants: tuple[str, ...] = BUNDLED_VARIANTS


@dataclass(frozen=True)
class InviteConfig:
    """Everything the interstitial needs; built by `load_config` or directly in tests."""

    terms_file: Path
    targets: Mapping[str, Target]
    languages: tuple[str, ...] = ("en",)
    default_language: str = "en"
    assignment: Assignment = field(default_factory=Assignment)
    messages: Mapping[str, Texts] = field(default_factory=dict)  # variant -> language -> text
    ui: Mapping[str, Texts] = field(default_factory=dict)  # ui key -> language -> text
    language_names: Texts = field(default_factory=dict)
    directions: Texts = field(default_factory=dict)  # language -> "ltr" | "rtl"
    query_parameter: str = "q"
    max_query_chars: int = DEFAULT_MAX_QUERY_CHARS
    search_paths: tuple[str, ...] = ()  # empty: a query on any path is checked
    page_path: str = "/help"
    redirect_prefix: str = "/go/"
    reload_check_s: float = 2.0
    database: str | None = None


LOCALE_DIR = Path(__file__).parent / "locale"
TEXTS = "invite"


@cache
def bundled_table() -> StringTable:
    """The bundled texts: invite/locale/invite.pot (English) and each language's `<lang>.po`."""
    return load_string_table(LOCALE_DIR, TEXTS)


@cache
def bundled_texts() -> dict[str, Any]:
    """The bundled texts by language: {language_name, direction, ui, variants}; a language
    keeps only the strings it has (a missing one is reported when a config asks for it)."""
    table = bundled_table()
    texts: dict[str, Any] = {}
    for language in table.languages:
        own = {k: v for k, v in table.strings(language).items() if k not in table.missing(language)}
        texts[language] = {
            "language_name": endonym(language),
            "direction": "rtl" if is_rtl(language) else "ltr",
            "ui": {k.split("/", 1)[1]: v for k, v in own.items() if k.startswith("ui/")},
            "variants": {k.split("/", 1)[1]: v for k, v in own.items() if k.startswith("variant/")},
        }
    return texts


def load_config(path: str | Path) -> InviteConfig:
    """Read and check invite.yaml; relative paths inside it are relative to the file."""
    path = Path(path)
    where = Location(str(path))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError([problem("CLI-001", path=str(path))]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError([problem("CLI-002", where, path=str(path), reason=str(error))]) from None
    except yaml.YAMLError as error:
        raise InputError([problem("INVITE-001", where, reason=_one_line(error))]) from None
    return build_config(data, base=path.parent, where=where)


def build_config(data: object, base: Path, where: Location | None = None) -> InviteConfig:
    """Check a parsed settings mapping; raises InputError listing every problem."""
    r = _Reader(where or Location())
    if not isinstance(data, dict):
        r.wrong("(top level)", "a mapping of settings", data)
        raise InputError(r.problems)
    r.unknown_keys(data, _TOP_KEYS, "")
    languages = tuple(r.str_list(data, "languages", default=["en"]))
    default_language = r.string(
        data, "default_language", default=languages[0] if languages else "en"
    )
    if languages and default_language not in languages:
        r.wrong(
            "default_language", f"one of the languages ({', '.join(languages)})", default_language
        )
    assignment = _assignment(r, data.get("assignment", {}))
    messages = _texts_by_key(r, data, "messages", assignment.variants, languages, _bundled_variant)
    ui = _texts_by_key(r, data, "texts", UI_KEYS, languages, _bundled_ui)
    targets = _targets(r, data, languages)
    terms_file = r.string(data, "terms_file", required=True)
    config = InviteConfig(
        terms_file=(base / terms_file) if terms_file else base,
        targets=targets,
        languages=languages,
        default_language=default_language,
        assignment=assignment,
        messages=messages,
        ui=ui,
        language_names={lang: endonym(lang) for lang in languages},
        directions={lang: "rtl" if is_rtl(lang) else "ltr" for lang in languages},
        query_parameter=r.string(data, "query_parameter", default="q"),
        max_query_chars=r.positive_int(data, "max_query_chars", DEFAULT_MAX_QUERY_CHARS),
        search_paths=tuple(r.str_list(data, "search_paths", default=[])),
        page_path=r.path(data, "page_path", "/help"),
        redirect_prefix=r.path(data, "redirect_prefix", "/go/"),
        reload_check_s=r.seconds(data, "reload_check_s", 2.0),
        database=r.string(data, "database", default="") or None,
    )
    if r.problems:
        raise InputError(r.problems)
    return config


def _assignment(r: _Reader, data: object) -> Assignment:
    if not isinstance(data, dict):
        r.wrong("assignment", "a mapping (scheme, anchor, variants)", data)
        return Assignment()
    r.unknown_keys(data, ("scheme", "anchor", "variants"), "assignment.")
    scheme = r.string(data, "scheme", default="rotation", key_prefix="assignment.")
    if scheme not in ("rotation", "random"):
        r.wrong("assignment.scheme", '"rotation" or "random"', scheme)
        scheme = "rotation"
    anchor = data.get("anchor", Assignment.anchor)
    if isinstance(anchor, str):
        try:
            anchor = date.fromisoformat(anchor)
        except ValueError:
            pass
    if not isinstance(anchor, date):
        r.wrong("assignment.anchor", "a date like 2026-01-01", anchor)
        anchor = Assignment.anchor
    variants = r.str_list(
        data, "variants", default=list(BUNDLED_VARIANTS), key_prefix="assignment."
    )
    for variant in variants:
        if not _ID.match(variant):
            r.add(problem("INVITE-014", r.where, key="assignment.variants", value=variant))
    if not variants:
        r.wrong("assignment.variants", "a list with at least one variant", variants)
    return Assignment(scheme, anchor, tuple(dict.fromkeys(variants)))  # type: ignore[arg-type]


def _targets(r: _Reader, data: dict[str, Any], languages: tuple[str, ...]) -> dict[str, Target]:
    raw = data.get("targets")
    if raw is None:
        r.add(problem("INVITE-002", r.where, key="targets"))
        return {}
    if not isinstance(raw, dict) or not raw:
        r.wrong("targets", "a mapping of target id -> {url, kind, label}", raw)
        return {}
    targets: dict[str, Target] = {}
    for target_id, spec in raw.items():
        key = f"targets.{target_id}"
        if not isinstance(target_id, str) or not _ID.match(target_id):
            r.add(problem("INVITE-014", r.where, key="targets", value=target_id))
            continue
        if not isinstance(spec, dict):
            r.wrong(key, "a mapping with url, kind and label", spec)
            continue
        r.unknown_keys(spec, ("url", "kind", "label"), key + ".")
        url = r.string(spec, "url", required=True, key_prefix=key + ".")
        if url and not _is_web_address(url):
            r.add(problem("INVITE-005", r.where, target=target_id, url=url))
        kind = r.string(spec, "kind", default="help", key_prefix=key + ".")
        if kind not in ("help", "survey"):
            r.wrong(key + ".kind", '"help" or "survey"', kind)
        label = _label(r, spec.get("label"), key + ".label", languages)
        targets[target_id] = Target(target_id, url, kind, label)  # type: ignore[arg-type]
    if raw and targets and not any(t.kind == "help" for t in targets.values()):
        r.add(problem("INVITE-007", r.where))
    return targets


def _label(r: _Reader, raw: object, key: str, languages: tuple[str, ...]) -> dict[str, str]:
    if isinstance(raw, str) and raw.strip():
        return {lang: raw for lang in languages}  # one label (a proper name) for every language
    if not isinstance(raw, dict):
        r.wrong(key, "a text, or a mapping of language -> text", raw)
        return {}
    for lang in languages:
        if not isinstance(raw.get(lang), str) or not raw[lang].strip():
            r.add(problem("INVITE-006", r.where, key=key, language=lang))
    return {lang: str(raw[lang]) for lang in languages if isinstance(raw.get(lang), str)}


def _texts_by_key(
    r: _Reader, data: dict[str, Any], section: str, keys: tuple[str, ...],
    languages: tuple[str, ...], default: Any,
) -> dict[str, dict[str, str]]:  # fmt: skip
    """`section.<key>.<language>` from the file, else the bundled text, for every key/language."""
    given = data.get(section, {})
    if not isinstance(given, dict):
        r.wrong(section, "a mapping of name -> language -> text", given)
        given = {}
    if section == "texts":
        r.unknown_keys(given, keys, "texts.")
    out: dict[str, dict[str, str]] = {}
    for name in keys:
        own = given.get(name, {})
        if not isinstance(own, dict):
            r.wrong(f"{section}.{name}", "a mapping of language -> text", own)
            own = {}
        out[name] = {}
        for lang in languages:
            text = own.get(lang) or default(lang, name)
            if isinstance(text, str) and text.strip():
                out[name][lang] = text
            else:
                r.add(problem("INVITE-006", r.where, key=f"{section}.{name}", language=lang))
    return out


def _bundled(lang: str) -> dict[str, Any]:
    entry = bundled_texts().get(lang)
    return entry if isinstance(entry, dict) else {}


def _bundled_variant(lang: str, variant: str) -> str | None:
    return _bundled(lang).get("variants", {}).get(variant)  # type: ignore[no-any-return]


def _bundled_ui(lang: str, key: str) -> str | None:
    return _bundled(lang).get("ui", {}).get(key)  # type: ignore[no-any-return]


def _is_web_address(url: str) -> bool:
    parts = urlsplit(url)
    has_bad_char = any(ch.isspace() or ord(ch) < 32 or ch in "<>\"'\\" for ch in url)
    # ASCII only: the address goes into a Location header (write IDNs in punycode).
    is_ok = parts.scheme in ("http", "https") and bool(parts.hostname) and url.isascii()
    return is_ok and not has_bad_char


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())


class _Reader:
    """Reads typed values out of a mapping, collecting problems instead of raising."""

    def __init__(self, where: Location):
        self.where = where
        self.problems: list[Problem] = []

    def add(self, found: Problem) -> None:
        self.problems.append(found)

    def wrong(self, key: str, expected: str, got: object) -> None:
        self.add(problem("INVITE-004", self.where, key=key, expected=expected, got=_show(got)))

    def unknown_keys(self, data: Mapping[Any, Any], known: tuple[str, ...], prefix: str) -> None:
        for key in data:
            if key not in known:
                hint = near_miss(str(key), known)
                self.add(problem("INVITE-003", self.where, key=f"{prefix}{key}", hint=hint))

    def string(
        self, data: Mapping[str, Any], key: str, *, default: str = "", required: bool = False,
        key_prefix: str = "",
    ) -> str:  # fmt: skip
        if key not in data:
            if required:
                self.add(problem("INVITE-002", self.where, key=key_prefix + key))
            return default
        value = data[key]
        if not isinstance(value, str) or not value.strip():
            self.wrong(key_prefix + key, "a non-empty text", value)
            return default
        return value.strip()

    def str_list(
        self, data: Mapping[str, Any], key: str, *, default: list[str], key_prefix: str = ""
    ) -> list[str]:
        value = data.get(key, default)
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.wrong(key_prefix + key, "a list of texts", value)
            return default
        return [v.strip() for v in value]

    def positive_int(
        self, data: Mapping[str, Any], key: str, default: int, allow_zero: bool = False
    ) -> int:
        value = data.get(key, default)
        low = 0 if allow_zero else 1
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            self.wrong(key, f"a whole number of at least {low}", value)
            return default
        return value

    def seconds(self, data: Mapping[str, Any], key: str, default: float) -> float:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            self.wrong(key, "a number of seconds, 0 or more", value)
            return default
        return float(value)

    def path(self, data: Mapping[str, Any], key: str, default: str) -> str:
        value = self.string(data, key, default=default)
        if not value.startswith("/") or "?" in value or "#" in value:
            self.wrong(key, 'a URL path starting with "/" (no "?" or "#")', value)
            return default
        return value


def _show(value: object) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if value is None:
        return "empty"
    return f"{type(value).__name__} {value!r}"[:80]
