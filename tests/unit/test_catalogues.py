"""The kk, ru and en catalogues are complete, clean and in step with the source.

A string added to the code or a template without a translation fails here, so an untranslated
message never reaches a caseworker. See docs/translations.md for the workflow.
"""

from __future__ import annotations

import ast
import re
import shlex
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "casework" / "translations"
LANGUAGES = ("kk", "ru", "en")

# Python %-style placeholders, named or positional, plus the literal "%%".
PLACEHOLDER = re.compile(
    r"%(?:\([A-Za-z_][A-Za-z0-9_]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")
CYRILLIC = re.compile(r"[\u0400-\u04FF]")
# Letters that Kazakh Cyrillic has and Russian does not.
KAZAKH_ONLY = re.compile(r"[ӘәҒғҚқҢңӨөҰұҮүҺһІі]")
# The gettext family as the code and templates use it (flask_babel names and aliases).
GETTEXT_NAMES = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext",
                 "pgettext", "lazy_pgettext", "npgettext", "lazy_npgettext"}
JINJA_NON_LITERAL_CALL = re.compile(r"\b(?:_|gettext|ngettext|pgettext)\(\s*(?!['\"])\S")

# Calls whose message the extractor cannot see, already reported to the lead. This list may
# only shrink: a new entry fails the test below, and a fixed entry must be removed from here.
KNOWN_NON_LITERAL_CALLS: set[str] = set()


def _words(text: str) -> int:
    return len(text.split())


@cache
def catalogue(lang: str) -> Catalog:
    path = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def entries(lang: str) -> list[Message]:
    return [m for m in catalogue(lang) if m.id]


def _ids(message: Message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple | list) else [message.id]


def _strings(message: Message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple | list) else [message.string]


def _label(message: Message) -> str:
    return repr(_ids(message)[0][:70])


@cache
def fresh_extraction() -> frozenset[tuple[str, str | None]]:
    """(msgid, msgctxt) of every message in the source, extracted as `make translations-update`
    does: babel.cfg's method map and options, Babel's default keywords and the Makefile's -k."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, filename=str(ROOT / "babel.cfg"))
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    command = next(line for line in makefile.splitlines() if "pybabel extract" in line)
    args = shlex.split(command)
    extra = [args[i + 1] for i, arg in enumerate(args) if arg in ("-k", "--keyword")]
    extra += [arg.split("=", 1)[1] for arg in args if arg.startswith("--keyword=")]
    keywords = {**DEFAULT_KEYWORDS, **parse_keywords(extra)}
    found = set()
    for _filename, _lineno, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords):
        msgid = message[0] if isinstance(message, tuple | list) else message
        if msgid:
            found.add((msgid, context))
    return frozenset(found)


def test_extraction_finds_the_source_strings() -> None:
    """Guards the guard: an empty extraction (a broken babel.cfg) would pass everything."""
    found = {msgid for msgid, _context in fresh_extraction()}
    assert len(found) > 100
    assert {"Sign in", "Caseworker", "Welcome, %(name)s"} <= found  # a template, _l, a variable


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_source_string_is_translated(lang: str) -> None:
    cat = catalogue(lang)
    missing = sorted(msgid for msgid, context in fresh_extraction()
                     if cat.get(msgid, context) is None)
    assert not missing, (
        f"{len(missing)} source string(s) missing from {lang}; run `make translations-update` "
        f"and translate them (docs/translations.md): {missing}")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_empty_or_fuzzy_entries(lang: str) -> None:
    cat = catalogue(lang)
    assert not cat.fuzzy, f"{lang}: the catalogue header is marked fuzzy"
    empty = [_label(m) for m in entries(lang) if not all(s.strip() for s in _strings(m))]
    fuzzy = [_label(m) for m in entries(lang) if m.fuzzy]
    report = f"{lang}: empty msgstr for {empty}; fuzzy entries {fuzzy}"
    assert not empty, report
    assert not fuzzy, report


@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_are_kept(lang: str) -> None:
    wrong = []
    for message in entries(lang):
        expected = Counter(PLACEHOLDER.findall(_ids(message)[-1]))
        for string in _strings(message):
            if Counter(PLACEHOLDER.findall(string)) != expected:
                wrong.append((_label(message), string))
    assert not wrong, f"{lang}: placeholders differ from the msgid in {wrong}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_formatting_works_at_runtime(lang: str) -> None:
    """What Flask-Babel does with the variables: `msgstr % {...}` must not raise."""
    problems = [f"{lang}: {error}" for _message, errors in catalogue(lang).check()
                for error in errors]
    for message in entries(lang):
        if not message.python_format:
            continue
        # A "%(num)d" placeholder gets a number, a "%(name)s" one a string, as at runtime.
        specs = dict(re.findall(r"%\((\w+)\)[-+ #0]*\d*(?:\.\d+)?([a-z])", _ids(message)[0]))
        values = {name: 1 if spec in "di" else "1" for name, spec in specs.items()}
        for string in _strings(message):
            try:
                string % values
            except (KeyError, ValueError, TypeError) as error:
                problems.append(f"{lang}: {_label(message)} -> {error!r}")
    assert not problems


def test_english_catalogue_repeats_the_source() -> None:
    different = [_label(m) for m in entries("en") if _strings(m)[0] != _ids(m)[0]]
    assert not different, f"en: msgstr must equal msgid (change the source instead): {different}"


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_translations_are_not_english_stubs(lang: str) -> None:
    stubbed = [_label(m) for m in entries(lang) if _words(_ids(m)[0]) > 3
               and any(s == _ids(m)[0] or not CYRILLIC.search(s) for s in _strings(m))]
    assert not stubbed, f"{lang}: untranslated (English or no Cyrillic) entries {stubbed}"


def test_kazakh_is_not_russian() -> None:
    """Kazakh differs from the Russian, and a sentence has at least one Kazakh-only letter
    (short labels such as "Аудит журналына оралу" may legitimately have none)."""
    russian = {m.id: m.string for m in entries("ru")}
    suspicious = [_label(m) for m in entries("kk") if _words(_ids(m)[0]) > 3
                  and (m.string == russian.get(m.id)
                       or (_words(_ids(m)[0]) > 6 and not KAZAKH_ONLY.search(str(m.string))))]
    assert not suspicious, f"kk: entries that look Russian rather than Kazakh: {suspicious}"


def _non_literal_calls() -> set[str]:
    """gettext calls whose first argument is not a string literal: invisible to extraction."""
    found = set()
    for path in sorted((ROOT / "casework").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in GETTEXT_NAMES):
                first = node.args[0] if node.args else None
                if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                    found.add(f"{path.relative_to(ROOT).as_posix()}:{node.lineno}")
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if JINJA_NON_LITERAL_CALL.search(line):
                found.add(f"{path.relative_to(ROOT).as_posix()}:{lineno}")
    return found


def test_messages_are_literals_the_extractor_can_see() -> None:
    found = _non_literal_calls()
    new = sorted(found - KNOWN_NON_LITERAL_CALLS)
    fixed = sorted(KNOWN_NON_LITERAL_CALLS - found)
    assert not new, (f"gettext called with a non-literal (the string is never extracted, so it "
                     f"is never translated): {new}. Wrap the literal itself, e.g. _l(\"...\").")
    assert not fixed, f"fixed, so remove from KNOWN_NON_LITERAL_CALLS: {fixed}"
