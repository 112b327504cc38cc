"""Problems a person can fix: where (Location), what (Problem), and the message catalogue.

Every capability reports bad input as Problems with a stable code from `catalogue`; the CLI is the
only place that turns them into printed text and an exit code. Imports nothing from helpseek.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Location:
    """Where a problem is, as the person sees it: rows count the header row as 1.

    >>> str(Location("survey.xlsx", "survey", 14, "relevant"))
    'survey.xlsx, sheet "survey", row 14, column "relevant"'
    >>> str(Location("de.po", line=12, entry="survey/uses/label"))
    'de.po, line 12, entry "survey/uses/label"'
    """

    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    #: A text file's line (a translation file), and the entry there (its msgctxt key).
    line: int | None = None
    entry: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.sheet:
            parts.append(f'sheet "{self.sheet}"')
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f'column "{self.column}"')
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.entry:
            parts.append(f'entry "{self.entry}"')
        return ", ".join(parts)


@dataclass(frozen=True)
class Problem:
    """One finding: a stable code, a location and a plain-words message that says how to fix it."""

    code: str
    message: str
    location: Location = field(default_factory=Location)
    severity: Severity = "error"

    def __str__(self) -> str:
        where = str(self.location)
        prefix = f"{where}: " if where else ""
        label = "" if self.severity == "error" else "warning: "
        return f"{prefix}{label}{self.message} [{self.code}]"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class HelpseekError(Exception):
    """Base class for errors a person can fix; the CLI prints them without a traceback."""


class InputError(HelpseekError):
    """Input (a file, a form, a spec, an argument) had one or more problems; all are listed."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems) or "invalid input")


def problem(
    code: str,
    location: Location | None = None,
    severity: Severity = "error",
    **fields: object,
) -> Problem:
    """Build a Problem from the catalogue entry `code`, filling its placeholders.

    >>> problem("CLI-001", path="x.csv").message
    'The file "x.csv" does not exist. Check the path, or run the command from the folder that holds it.'
    """
    template = catalogue[code]
    return Problem(code, template.format(**fields), location or Location(), severity)


def near_miss(name: str, candidates: Iterable[str]) -> str:
    """A ' Did you mean "x"?' suffix for a name within edit distance ~2 of a candidate, else ''."""
    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.75)
    return f' Did you mean "{matches[0]}"?' if matches else ""


# The catalogue: one entry per code, grouped by topic. docs/errors.md documents every code, and a
# test fails if one is missing there. Placeholders are filled by `problem(code, **fields)`.
catalogue: dict[str, str] = {
    # --- CLI and files -------------------------------------------------------------------------
    "CLI-001": 'The file "{path}" does not exist. Check the path, or run the command from the folder '
    "that holds it.",
    "CLI-002": 'The file "{path}" could not be read: {reason}. Check that it is the kind of file the '
    "command expects and that you may read it.",
    "CLI-003": "The passphrase is missing. Type it at the prompt, pass --passphrase-file FILE, or set "
    "HELPSEEK_PASSPHRASE.",
    # --- INSTRUMENT: questionnaire definitions ---------------------------------------------------
    "INSTRUMENT-001": '"{path}" is not a readable questionnaire: {reason}. Use an XLSForm (.xlsx, '
    ".xls, .csv, .md) or a helpseek YAML form, saved as such.",
    "INSTRUMENT-002": 'The form has no questions: there is no "survey" sheet with rows (sheets found: '
    '{sheets}). Add a sheet named "survey" with the columns type, name and label.',
    "INSTRUMENT-003": 'The column "{column}" is empty but this row needs it. Fill it in, or delete the '
    "row.",
    "INSTRUMENT-004": 'The type "{type}" is not a question type.{hint} Use one of text, integer, '
    "decimal, select_one LIST, select_multiple LIST, note, acknowledge, calculate, begin group, "
    "end group.",
    "INSTRUMENT-005": "{feature} is not supported by helpseek: {reason}. Remove it or replace it "
    "with a supported type (see docs/errors.md).",
    "INSTRUMENT-006": 'The name "{name}" is used twice (first on row {first_row}). Conditions '
    "refer to questions by name, so each name must be unique: rename one of them.",
    "INSTRUMENT-007": 'The choice list "{list}" does not exist on the choices sheet.{hint} Fix the '
    'list name after the type, or add rows with list_name "{list}" to the choices sheet.',
    "INSTRUMENT-008": 'The group "{name}" is never closed. Add an "end group" row where it ends.',
    "INSTRUMENT-009": 'This "end group" has no matching "begin group". Delete it, or add the '
    '"begin group" row where the group starts.',
    "INSTRUMENT-010": 'The choice "{name}" appears twice in the list "{list}". Each answer option '
    "needs its own name: rename or delete one.",
    "INSTRUMENT-011": 'The name "{name}" cannot be used: names start with a letter or "_" and contain '
    'only letters, digits, "_", "-" or ".". Rename it (e.g. "{name}" -> "q_1").',
    "INSTRUMENT-012": 'The condition mentions "{name}", which is not a question name.{hint} Fix the '
    'spelling, or add a question named "{name}".',
    "INSTRUMENT-013": 'The {column} refers to "{name}", which is answered on {where}. The server '
    "checks answers page by page, so it can only use answers from earlier pages. Move the "
    "question earlier, or the condition later.",
    "INSTRUMENT-014": "The calculations {names} depend on each other in a circle, so none of them "
    "can be computed. Break the circle by removing one of the references.",
    "INSTRUMENT-015": "pyxform (the reference XLSForm converter) refuses this form: {reason}. ODK "
    "tools will refuse it too; fix the row it names.",
    "INSTRUMENT-016": "pyxform (the reference XLSForm converter) warns: {reason}",
    "INSTRUMENT-017": 'The setting lists the language "{lang_code}", which no translated column uses '
    "(languages: {languages}). Use a language code from the column names, e.g. en for "
    '"label::English (en)".',
    "INSTRUMENT-018": "The YAML form has the wrong shape: {what}. Compare it with a bundled form "
    "(helpseek instrument export NAME shows the same data as a spreadsheet).",
    "INSTRUMENT-019": 'The column "{column}" is not used by helpseek and is ignored.{hint} Fix the '
    "spelling, or delete the column.",
    "INSTRUMENT-020": 'The parameter "{parameter}" is ignored: only randomize=true is supported. '
    "Delete it.",
    "INSTRUMENT-021": 'The help link "{url}" is not a web address. Use a full address starting with '
    "https:// (or http:// for an onion service).",
    "INSTRUMENT-022": "The text is missing in {language} ({lang_code}), so respondents who chose {language} "
    "see another language here. Add the translation in this column.",
    "INSTRUMENT-023": 'There is no bundled questionnaire or file named "{name}".{hint} Run "helpseek '
    'instrument list" to see the bundled ones, or give the path to a form file.',
    # --- EXPRESSION: XPath conditions and calculations --------------------------------------------
    "EXPRESSION-001": "The expression is not valid: {reason}. Check brackets, quotes and operators "
    "(XLSForm uses XPath: and, or, =, !=, <, >=, div).",
    "EXPRESSION-002": 'The function "{function}()" is not supported.{hint} helpseek evaluates '
    "conditions on the server; use one of the functions listed in docs/errors.md.",
    "EXPRESSION-003": "The expression is longer than {limit} characters. Split it into calculate "
    "rows and refer to them by name.",
    "EXPRESSION-004": "The expression nests brackets more than {limit} deep. Split it into calculate "
    "rows and refer to them by name.",
    "EXPRESSION-005": "The expression uses something helpseek does not evaluate: {reason}.",
    "EXPRESSION-006": "The regex() pattern is not valid: {reason}. helpseek uses RE2 syntax "
    "(no back-references or look-around); fix the pattern.",
    "EXPRESSION-007": 'The reference "${{{name}}}" is not a valid question name. Write ${{name}} with '
    "the exact name of a question.",
    "EXPRESSION-008": 'The function "{function}()" takes {reason}. Give it the arguments docs/errors.md '
    "lists for it.",
    "EXPRESSION-009": 'The function "{function}()" is left out of helpseek on purpose: {reason}. '
    "Remove it (src/helpseek/instrument/README.md lists what is left out and why).",
    "EXPRESSION-010": 'The reference "${{{name}}}" is left out of helpseek on purpose: {reason}. '
    "Remove it (src/helpseek/instrument/README.md lists what is left out and why).",
    # --- KEYS / STORE: research keys and sealed records -------------------------------------------
    "KEYS-001": 'This line of "{path}" is not an age public key. A research public key looks like '
    '"age1..." (one per line); make one with "helpseek keys new".',
    "KEYS-002": '"{path}" holds no public key. Put one "age1..." key per line (written by '
    '"helpseek keys new" to public.key).',
    "KEYS-003": "The passphrase is too short. Use at least {minimum} characters; a few random words "
    "are easy to type and hard to guess.",
    "KEYS-004": '"{path}" is not a usable helpseek private key file ({reason}). Use the private.key '
    'written by "helpseek keys new", unchanged.',
    "KEYS-005": 'The passphrase does not unlock "{path}". Check it (it is case-sensitive) and that '
    "this is the private key you meant.",
    "KEYS-006": "The private key inside the key file is malformed. Restore private.key from your "
    "backup.",
    "KEYS-007": '"{path}" contains a PRIVATE key. The server only needs the public key (public.key, '
    '"age1..."); keep the private key offline and delete this copy from the server.',
    "KEYS-008": 'The folder "{path}" already holds a research key. Choose another --out folder; '
    "overwriting a key makes everything sealed to it unreadable.",
    "KEYS-009": "The two passphrases differ. Type the same passphrase twice.",
    "STORE-001": 'The database URL "{url}" is not one helpseek can use. Use sqlite:///path/to/file.db '
    "or postgresql+psycopg://user@host:port/dbname.",
    "STORE-002": 'The database at "{url}" could not be opened: {reason}. Check that the server is '
    "running and the URL, user and path are right.",
    "STORE-003": 'The database at "{url}" was made by a newer helpseek (schema "{revision}"). '
    "Upgrade helpseek before using it.",
    "STORE-004": "Sealed record {record} could not be opened: {reason}. Check that the private key is "
    "one of the research keys this survey sealed to.",
    "STORE-010": 'The database file "{path}" (from --db {url}) does not exist.{hint} Check the path; '
    "commands that only read never create a database.",
    "STORE-011": 'The database address "{url}" has no scheme. Did you mean "{suggestion}"? Write a '
    "file as sqlite:///path/to/file.db, or a server as postgresql+psycopg://user@host:port/dbname.",
    # --- PULL: moving sealed records off the collector (helpseek pull) ---------------------------
    "PULL-001": '--db and --into both name the store "{url}". Pull from the collector\'s store '
    "into another one: the research archive (a SQLite file on the offline machine, or a "
    "PostgreSQL database).",
    "PULL-002": 'The archive "{archive}" does not hold an exact copy of {n} row(s) of {table} (the '
    "first is id {id}): a row with that id differs. Nothing of this batch or after it was purged "
    "from the collector. Check that --into names the right archive and that nobody changed it; "
    "then run the pull again.",
    "PULL-003": "--batch-size {size} is not a batch. Pass a number of rows of at least 1 (500 by "
    "default).",
    # --- DATA: export ------------------------------------------------------------------------------
    "DATA-001": '{count} response(s) were answered on questionnaire "{form}" version "{version}", '
    "which was not given. Pass it with --instrument (a bundled name or the form file), or every "
    "version you fielded.",
    "DATA-002": 'The question "{name}" has a different type in two questionnaire versions ({first}; '
    "{second}), so its answers cannot share one column. Export each version on its own with "
    "--instrument, or rename the question in the newer version.",
    "DATA-003": "The store holds no page records, and no questionnaire was given to describe an empty "
    "dataset. Pass --instrument, or export once responses have arrived.",
    "DATA-004": 'helpseek cannot write "{path}": the file name must end in .csv, .parquet, .sav or '
    ".dta.",
    "DATA-005": 'Could not write "{path}": {reason}. Check that the folder exists and that you may '
    "write to it.",
    "DATA-006": 'The answer {value} to "{name}" equals a missing-value code (-98 or -99), which '
    '.sav and .dta reserve for "not shown" and "shown, not answered". Export this dataset to '
    ".csv or .parquet instead.",
    "DATA-007": 'Could not read "{path}" as a dataset: {reason}. Pass a .csv, .parquet, .sav or .dta '
    "written by helpseek export (with its .codebook.json next to it).",
    "DATA-008": 'The language "{language}" is not one of the questionnaire\'s languages ({known}). '
    "Pass one of them with --lang.",
    "DATA-009": 'Could not write "{path}": {format} refused {column}: {reason}. helpseek makes '
    "every name and label fit the format, so this is a bug: please report it. The other formats "
    "you asked for were written; .csv and .parquet hold the same answers.",
    "DATA-010": "These files were written all the same: {files}.",
    "DATA-018": "--processes must be at least 1 (it was {processes}). Leave it out to use one "
    "process per core, or pass 1 to decrypt in one process.",
    "DATA-019": "A decryption process stopped before it finished ({reason}), so nothing was written. "
    "The machine may be short of memory for {processes} processes: run the export again with "
    "--processes 1.",
    # --- QUALITY / ANALYSIS: screening and statistics -------------------------------------------
    "QUALITY-001": 'The battery "{battery}" names the column "{name}", which is not in the data.{hint} '
    "Fix the battery in the questionnaire, or in the spec's screening_options.batteries.",
    "QUALITY-002": 'The inconsistency check "{name}" ({expression}) could not be evaluated: {reason}. '
    "Fix the expression in the questionnaire, or in the spec's screening_options.checks.",
    "QUALITY-003": 'The screening option "{option}" is "{value}", but it must be {expected}. '
    "Fix it in the spec's screening_options.",
    "ANALYSIS-001": "The analysis spec is not valid YAML: {reason}. Fix the syntax at the line and "
    "column shown.",
    "ANALYSIS-002": 'The spec has an unknown key "{key}" in {where}.{hint} Known keys: {known}.',
    "ANALYSIS-003": 'The spec field "{field}" is "{value}", which is not one of: {allowed}. Use one of '
    "these.",
    "ANALYSIS-004": 'The spec field "{field}" is missing or malformed: it needs {expected}. Add or fix '
    "it.",
    "ANALYSIS-005": 'The spec field "{field}" names the column "{name}", which is not in the data.'
    "{hint} Fix the name in the spec, or use data that has this question.",
    "ANALYSIS-006": 'The spec field "{field}" sets the reference level "{reference}" for "{name}", but '
    "that value does not occur in the analysed rows (values: {values}). Choose one of these values.",
    "ANALYSIS-007": 'The outcome "{name}" (spec field "{field}") has only one value ({value}) in the '
    "{n} analysed rows, so no association can be estimated. Check its positive values, the include "
    "filter and the screening.",
    "ANALYSIS-008": 'The spec field "{field}" ({expression}) is not a valid filter: {reason}. Write '
    "conditions such as uses == 'yes' or age >= 18, joined with and / or / not.",
    "ANALYSIS-009": 'The spec lists the screening flag "{name}", but the data has no column '
    '"flag_{name}". Run the quality screening first (helpseek analyze does it), or remove "{name}" '
    'from "screening".',
    "ANALYSIS-010": "No rows are left to analyse after {step}. Check the include filter and the "
    "screening flags in the spec.",
    "ANALYSIS-011": 'There is no spec file "{name}" and no bundled spec of that name.{hint} Run '
    '"helpseek spec list" to see the bundled specs, or give the path of a YAML file.',
    "ANALYSIS-012": 'The column "{name}" (spec field "{field}") is declared numeric but holds values '
    'that are not numbers, such as "{example}". Declare it as type: categorical, or fix the data.',
    "ANALYSIS-013": 'The spec field "{field}" lists the level "{level}" for "{name}", which does not '
    "occur in the analysed rows (values: {values}). Fix the spelling, or remove the level.",
    "ANALYSIS-014": 'The predictor "{name}" (spec field "{field}") has only one value ({value}) in the '
    "analysed rows, so it cannot be in a model. Remove it from the spec, or check the include filter.",
    "ANALYSIS-015": 'The {kind} model of "{outcome}" cannot be estimated: in its {n} analysed rows the '
    "model terms {terms} are collinear (each is fixed by the others, e.g. a level nobody in these "
    "rows chose, or two predictors that say the same). Remove or merge those predictors or levels "
    "in the spec, or check the include filter and the screening.",
    "ANALYSIS-016": 'The predictor "{name}" (spec field "{field}") has no answer in the {n} analysed '
    "rows, so it cannot be in a model. Check that the column holds the answers, the include filter "
    "and the screening, or remove the predictor from the spec.",
    "ANALYSIS-017": "Only {n} rows are left to analyse, while the largest model in the spec has "
    "{parameters} coefficients: a model needs more rows than coefficients (and many more events "
    "than that in practice). This looks like a pilot or test file: analyse it once the survey has "
    "more responses, or use a spec with fewer predictors.",
    "ANALYSIS-018": "{count} more problems with the spec's predictors follow from so few rows "
    "(levels nobody in them chose, predictors with one value or none): {names}. They go away when "
    "there are enough responses.",
    # --- INVITE: search filter and interstitial -------------------------------------------------
    "INVITE-001": "The invitation settings are not valid YAML: {reason}. Check the indentation and "
    "quoting near the line shown.",
    "INVITE-002": 'The key "{key}" is missing. Add it (see src/helpseek/invite/README.md for a complete '
    "example).",
    "INVITE-003": 'The key "{key}" is not an invitation setting.{hint} Fix its spelling or remove it.',
    "INVITE-004": 'The key "{key}" should be {expected}, but it is {got}. Change the value.',
    "INVITE-005": 'Target "{target}" has the address "{url}", which is not a full http(s) address. '
    "Use an address such as https://help.example.org/start.",
    "INVITE-006": 'The key "{key}" has no text for language "{language}". Add a "{language}" entry '
    'there, or remove "{language}" from languages.',
    "INVITE-007": "No target has kind: help. Add at least one help target, so that the page always "
    "offers help and not only a survey.",
    "INVITE-008": "No database for the counts was given. Pass --db URL, or set database: in the "
    "settings (for example sqlite:///invite.db).",
    "INVITE-009": 'The database address "{url}" could not be used: {reason}. Use sqlite:///invite.db '
    "or postgresql+psycopg://user@host/dbname.",
    "INVITE-010": "This line is not UTF-8 text, so it was not read. Save the term list as UTF-8.",
    "INVITE-011": 'The entry "{entry}" has no letters or digits, so it can never match. Remove it.',
    "INVITE-012": 'The database "{url}" holds no invitation counts yet. Check the address, or show '
    "the interstitial first (helpseek invite serve).",
    "INVITE-013": 'No variant named "{variant}" has counts, so it cannot be the reference.{hint} '
    "Pass --reference with one of: {known}.",
    "INVITE-014": 'The key "{key}" holds the id "{value}", but ids may only use a-z, 0-9, "_" and "-" '
    "(at most 64 characters), because they appear in links. Rename it.",
    "INVITE-020": "The search is {length} characters long; at most {max_chars} are checked. Shorten "
    "it, or raise max_query_chars in the settings.",
    "INSTRUMENT-050": 'The settings column "reviewed" has "{item}", which is not code=date. Write each '
    "reviewed language as code=YYYY-MM-DD, separated by spaces, e.g. de=2026-11-30 fi=2026-12-01.",
    "INSTRUMENT-051": 'The language "{lang_code}" is listed both as machine_translated and as reviewed. '
    "Keep it in one of the two columns: reviewed once a translator has checked every text.",
    "INSTRUMENT-052": 'The questionnaire "{form}" is incomplete in {language} ({lang_code}): {n} of '
    '{total} texts are missing (the first: {first}, "{text}"). Respondents who choose {language} '
    "would read them in the default language. Complete the translation (`helpseek translate export "
    "--instrument {form} --lang {lang_code}`, then `helpseek translate import`), or field it as it "
    "is with --allow-incomplete {lang_code}.",
    "INSTRUMENT-053": 'The {column} shows "${{{name}}}", which is not a question name.{hint} The page '
    'would show it empty. Fix the spelling, or add a question named "{name}" above this row.',
    "INSTRUMENT-054": 'The {column} shows the answer to "{name}", which is answered {where}. Pages '
    "have no JavaScript: the server fills in an answer when it draws the page, so a text can only "
    "show answers from earlier pages. Move the question to an earlier page, or the text later.",
    # --- TRANSLATE: translation files (gettext PO) and helpseek translate -------------------------
    "TRANSLATE-001": '"{path}" is not a readable translation file: {reason}. Use the PO file that '
    "`helpseek translate export` wrote, saved as UTF-8 by a translation tool or a text editor.",
    "TRANSLATE-002": 'The file\'s header has no "Language". Add the line "Language: xx\\n" to the header '
    "(xx: the code of the language it translates into, e.g. el, zh-Hans), or export the file again.",
    "TRANSLATE-003": 'The header\'s Language "{value}" is not a language code.{hint} Use a BCP 47 code '
    "such as el, fa or zh-Hant (`helpseek translate status` lists the languages helpseek knows).",
    "TRANSLATE-004": 'The header has no "{header}", so it is not clear which texts the file '
    "translates. Export the file again with `helpseek translate export` and copy the translations "
    "into it.",
    "TRANSLATE-005": 'The header X-Helpseek-Review is "{value}". Write "machine-draft", or "reviewed '
    'YYYY-MM-DD" with the date a translator reviewed every entry (no names).',
    "TRANSLATE-006": "The file has {what}, which helpseek does not use. Keep the entries as exported: "
    "each has msgctxt (its key), msgid (the source text) and one msgstr.",
    "TRANSLATE-007": 'The file translates "{texts}" into "{language}", but where it is stored holds '
    '"{expected_texts}" in "{expected_language}". Name the file after its language and keep it in '
    "the folder of the texts it translates (`helpseek translate import` puts it there).",
    "TRANSLATE-008": 'The file translates the texts into "{language}", their source language. The '
    "source texts are edited in the questionnaire itself (or the template); delete this file.",
    "TRANSLATE-009": "The file is for {texts}, but the command was given {given}. Pass the matching "
    "option, or the file exported for these texts.",
    "TRANSLATE-010": 'The translation is missing (source text: "{text}"). Translate the msgstr of '
    "this entry; every text a respondent can see needs one.",
    "TRANSLATE-011": 'There is no questionnaire "{name}" to import into.{hint} Pass --instrument '
    "with the form file the translation was exported from.",
    "TRANSLATE-012": "The entry is not a text of what the file translates{hint}: it may have been "
    "renamed or removed. Delete the entry, or export the file again and copy the translation over.",
    "TRANSLATE-013": "The entry appears twice (first at line {first_line}). Keep one of the two.",
    "TRANSLATE-014": "A {kind} differs from the source text: lost {lost}, added {added}. Keep each "
    "placeholder, tag and web address exactly as in the msgid; only the words around them change.",
    "TRANSLATE-015": "The translation holds invisible control characters ({chars}) that can reorder "
    "or hide text. Delete them (marks such as U+200F and joiners such as U+200C are fine).",
    "TRANSLATE-016": "The translation has {n} characters, but the source text has {source_n}: a "
    "translation between {low} and {high} characters is expected. Check that it is the whole text "
    "and only this text (not the next entry's too).",
    "TRANSLATE-017": 'The translation reads the same as that of "{other}" ("{text}"), but the two are '
    "different choices. Word them so a respondent can tell them apart.",
    "TRANSLATE-018": '--reviewed-on "{value}" is not a date. Write the date of the review as '
    "YYYY-MM-DD.",
    "TRANSLATE-019": 'The translation was made for an older source text; the source now reads "{text}". '
    "Check the translation and update it; then remove the fuzzy flag.",
    "TRANSLATE-020": "The numbers differ from the source text's ({numbers}). Check that the "
    "translation keeps every number the source has.",
    "TRANSLATE-021": "The file says it was reviewed, but {n} entries are still marked fuzzy (needing "
    "review). Review them and remove the flag, or mark the file machine-draft.",
    "TRANSLATE-022": 'helpseek does not know the language "{language}"{hint}: the language list will '
    "show its code, not its name, and its pages run left to right. Check the code; a language "
    "helpseek knows is listed by `helpseek translate status`.",
    # --- WEB: the survey server (helpseek serve, tor-config) ----------------------------------
    "WEB-001": "helpseek serve needs at least one questionnaire. Pass --instrument NAME (a bundled "
    "name or a form file), several times for several questionnaires.",
    "WEB-002": 'The server secret "{path}" is unusable: {reason}. Restore it from the backup, or '
    "delete it to make a new one (unfinished responses then end; stored pages are kept).",
    "WEB-003": 'The hidden-service folder "{path}" is readable by other users (mode {mode}); tor '
    "refuses such a folder. Run `chmod 700 {path}`, or let tor create it.",
    "WEB-004": "The port {port} is not a TCP port. Pass a number from 1 to 65535.",
    "WEB-005": "--max-streams {value} is outside what tor accepts. Pass a number from 0 (no limit) "
    "to 65535; 20 is plenty for one respondent.",
    "WEB-006": "The per-circuit limit --circuit-rate {rate} --circuit-burst {burst} would refuse "
    "every request or is negative. Pass a rate of 0 (off) or more, and a burst of at least 1.",
    "WEB-010": "The port {port} on {host} is already in use (another helpseek serve, or another "
    "program). Stop that program, or pass another --port. Nothing was created.",
    "WEB-011": "helpseek serve cannot listen on {host} port {port}: {reason}. Pass an address this "
    "machine has (127.0.0.1 behind tor) and a port you may use (1024 or above unless you are root).",
    "WEB-020": "The survey pages have no {language} ({lang_code}) text for {n} of their {total} "
    'strings (the first: "{first}"). Respondents who choose {language} would read them in English. '
    "Complete the translation (`helpseek translate export --ui --lang {lang_code}`, then "
    "`helpseek translate import`), or serve it as it is with --allow-incomplete {lang_code}.",
    "WEB-025": "{option} {value} would make every code expire at once. Pass a number of days of "
    "at least 1 (resume codes: 7 by default; withdrawal codes: 30).",
    "WEB-026": "{option} {value} is negative. Pass 0 to turn that limit off, or the number of codes "
    "that may be tried.",
    "WEB-027": "--warn-unpulled-days {value} is negative. Pass 0 (no warning) or the age in days "
    "after which unpulled records are worth a warning in the log.",
    "WEB-028": "helpseek serve cannot open the file that shares the code-check budget between its "
    "workers, {path}: {reason}. It lives next to the server secret (--secret-file): make that "
    "folder writable for the server's user, or pass --code-attempts-per-minute 0 to turn the "
    "budget off.",
    "WEB-029": "--workers {value} would start no server process. Pass a number of worker "
    "processes of at least 1 (1 by default; more share the load of one host).",
    "WEB-030": "--max-connections {value} would close every connection as it opens. Pass a "
    "number of open connections per worker process of at least 1 (512 by default; keep it below "
    "the open-file limit, LimitNOFILE).",
    "WEB-031": "--read-timeout {value:g} is outside the seconds a request may take to arrive. "
    "Pass a number above 0 and at most 3600 (30 by default): 0 or less closes every connection "
    "at once, and a longer or infinite one lets slow clients hold connections for good.",
    "WEB-032": '--date-precision "{value}" is not a precision helpseek knows.{suggestion} Pass '
    "day (each page carries the date it was sent) or month (only its month: respondents who "
    "answered in the same month cannot be told apart by date).",
    "WEB-033": "--workers {value} is more than twice the {cores} CPU cores this server may use. "
    "Each worker is a whole server process (about 130 MB of memory, up to 50 PostgreSQL "
    "connections), and workers beyond the cores take turns on them: on 2 cores, 3 workers served "
    "1.5-1.9 times the pages of 1 (docs/performance.md). Pass at most {most}, or spread the load "
    "over more collectors (docs/deploy.md, section 5).",
    "WEB-034": "--max-connections {value} needs up to {needed} open files in each worker process "
    "({value} connections, {store} for the store, {own} for the server itself), but this process "
    "may open at most {limit}. Lower --max-connections to at most {most}, or raise the limit: "
    "LimitNOFILE={needed} in the systemd unit, or `ulimit -Hn {needed}` (as root) in the shell "
    "that starts serve.",
    "WEB-035": "PostgreSQL accepts {allowed} connections (max_connections less those reserved "
    "for superusers), and --workers {workers} may open up to {needed} ({per} a process), besides "
    "whatever else uses that server (other collectors, pull, psql). Under load, pages over the "
    "limit get the calm 503 page (nothing stored; the respondent can send them again). Set "
    "max_connections to at least {needed} plus the rest in postgresql.conf and restart PostgreSQL, "
    "or pass fewer --workers.",
    # --- SYNTH: synthetic respondents and the demo ---------------------------------------------
    "SYNTH-001": 'There is no bundled truth file for the questionnaire "{form_id}" (bundled: {known}). '
    "Write one (see src/helpseek/synth/README.md) and pass it with --truth.",
    "SYNTH-002": "The truth file is not valid YAML: {reason}. Fix the syntax at the line and column "
    "shown.",
    "SYNTH-003": 'The truth file has an unknown key "{key}" in {at}.{hint} Known keys: {known}.',
    "SYNTH-004": 'The truth field "{field}" is "{value}", but it must be {expected}. Fix the value.',
    "SYNTH-005": 'The truth field "{field}" names "{name}", which is not a question of "{form_id}".'
    "{hint} Fix the name, or use the questionnaire this truth was written for.",
    "SYNTH-006": 'The truth field "{field}" names the value "{value}", which "{name}" does not '
    "offer.{hint} Known values: {known}.",
    "SYNTH-007": 'The truth file is for the questionnaire "{found}", not "{form_id}". Pass the truth '
    "file written for this questionnaire, or fix its instrument key.",
    "SYNTH-008": 'Outcome "{name}": its chance ({within}) must stay below that of "{parent}" for every '
    "respondent, but it is higher for {share:.1%} of them. Lower its odds ratios or raise those of "
    '"{parent}".',
    "SYNTH-009": "--n must be at least 1 (got {n}). Pass the number of respondents to draw.",
    "SYNTH-010": "The demo's survey server did not start: {reason}. Run again with --debug; the "
    "server's messages are in {log}.",
    "SYNTH-011": "The survey server answered a synthetic respondent with HTTP {status} on page {page}: "
    "{detail}. The demo stops so that no partial data is analysed as if complete.",
    "SYNTH-012": 'The folder "{path}" holds files that helpseek demo did not write. Pass an empty or '
    "new folder to --out (the demo replaces only its own earlier outputs).",
    # --- REPORT: the HTML report and the .docx of its tables ----------------------------------
    "REPORT-001": 'The folder "{folder}" holds no {file}. Pass the folder that `{command}` wrote, '
    "or the {file} file itself.",
    "REPORT-002": "The file is not valid JSON ({reason}). It may be damaged or cut short; write it "
    "again with the helpseek command that made it.",
    "REPORT-003": 'The file has schema "{found}", but the report reads "{expected}". Pass a file '
    "written by this version of helpseek, or write it again with the command that made it.",
    "REPORT-004": 'The field "{field}" is missing or is not {expected}. The file may be damaged or '
    "edited by hand; write it again with `helpseek analyze`.",
    "REPORT-005": 'The field "{field}" is "{found}", but it must be {allowed}. Write the file again '
    "with `helpseek analyze`.",
    "REPORT-006": 'Could not write "{path}": {reason}. Check that the folder exists and that you may '
    "write to it.",
}
