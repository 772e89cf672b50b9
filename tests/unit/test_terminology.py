"""Issue 13, point 13: the catalogues follow docs/terminology.md.

Words the glossary rules out must not come back in a translation; the glossary itself names
each term in the three languages.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ROOT / "casework" / "translations"

# (language, pattern, why)
BANNED = [
    ("kk", r"ӨТМ", "not a known abbreviation: write «меморандум»"),
    ("kk", r"азғырып", "loaded: recruitment is «жалдау» (Criminal Code, art. 128)"),
    ("kk", r"өңдеу код", "handling code is «пайдалану тәртібінің коды»"),
    ("kk", r"жиырма жастағы", "states an exact age where 'in her twenties' is meant"),
    ("kk", r"байланыс\s+(?:\"\n\")?офицер", "the liaison is «байланыс жөніндегі уәкіл»"),
    ("ru", r"МоВ", "not a known abbreviation: write «меморандум»"),
    ("ru", r"офицер\w*\s+(?:\"\n\")?связи", "the liaison is «уполномоченный по связям»"),
    ("ru", r"около двадцати лет", "states an age where 'in her twenties' is meant"),
    ("ru", r"\bклиент", "the person supported is «подопечный»"),
]


def msgstrs(language: str) -> str:
    text = (CATALOGUES / language / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    return "\n".join(m.group(0) for m in re.finditer(r'msgstr (?:"[^\n]*"\n?)+', text))


@pytest.mark.parametrize(("language", "pattern", "why"), BANNED)
def test_ruled_out_words_are_gone(language: str, pattern: str, why: str) -> None:
    found = re.findall(r"[^\n]*" + pattern + r"[^\n]*", msgstrs(language), re.IGNORECASE)
    assert not found, f"{why}: {found[:3]}"


def test_the_disclosure_is_never_just_information_in_kazakh() -> None:
    """«Мәліметтер» (intelligence) and the disclosure must not be confused (issue 13.13)."""
    po = (CATALOGUES / "kk" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    assert 'msgid "Disclosures"\nmsgstr "Полицияға беру"' in po
    assert 'msgid "Intelligence"\nmsgstr "Мәліметтер базасы"' in po
    assert 'msgid "Recruitment"\nmsgstr "Жалдау"' in po


def test_the_glossary_names_every_term_in_three_languages() -> None:
    glossary = (ROOT / "docs" / "terminology.md").read_text(encoding="utf-8")
    for english, kazakh, russian in [
            ("recruitment", "жалдау", "вербовка"), ("exploitation", "қанау", "эксплуатация"),
            ("witness protection", "куәгерлерді қорғау", "защита свидетелей"),
            ("liaison (our designated contact with the police)", "байланыс жөніндегі уәкіл",
             "уполномоченный по связям"),
            ("memorandum of understanding (MoU)", "өзара түсіністік туралы меморандум",
             "меморандум о взаимопонимании"),
            ("handling code (how the recipient may handle and pass on information: P, C)",
             "пайдалану тәртібінің коды", "код обращения с информацией"),
            ("means", "тәсіл", "способ"),
            ("purpose (of exploitation)", "мақсат", "цель"),
            ("the person (we support)", "адам", "подопечный")]:
        row = next((line for line in glossary.splitlines()
                    if line.startswith(f"| {english} |")), "")
        assert row, f"no row for {english}"
        assert kazakh in row and russian in row, english
