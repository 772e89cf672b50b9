# ruff: noqa: RUF001 -- Cyrillic look-alike letters are the point of these tests
"""Blind indexes, index sizing and the normalisation equivalence table."""

from __future__ import annotations

import datetime

import pytest

from crypto import (
    blind_index,
    derive_index_key,
    generate_key,
    index_bits_for,
    name_tokens,
    normalise_date,
    normalise_name,
    normalise_phone,
)

# Each group must normalise to one value (and that value is given first).
EQUIVALENT_NAMES = [
    ("aigul", ["Айгүл", "Aigul", "Aigül", "AIGUL", "Айгуль", "Aygul", " aigul "]),
    ("nursultan", ["Нұрсұлтан", "Nursultan", "NURSULTAN"]),
    ("jana", ["Жанна", "Zhanna", "Janna"]),
    ("kairat", ["Қайрат", "Kairat", "Qairat", "Kayrat"]),
    ("iulia", ["Юлия", "Yulia", "Yuliya"]),
    ("dmitri", ["Дмитрий", "Dmitry", "Dmitriy", "Dmitrii"]),
    ("natalia", ["Наталья", "Natalia", "Natalya"]),
    ("elena", ["Елена", "Yelena", "Elena", "Ёлена"]),
    ("erjan", ["Ержан", "Yerzhan", "Erzhan"]),
    ("muhtar", ["Мұхтар", "Mukhtar", "Muhtar", "Мухтар"]),
    ("sergei", ["Сергей", "Sergey", "Sergei"]),
    ("sholpan", ["Шолпан", "Sholpan", "Şolpan"]),
    ("alia", ["Әлия", "Алия", "Aliya", "Alia"]),
    ("galim", ["Ғалым", "Galym", "Ğalym"]),
    ("omir", ["Өмір", "Omir", "Ömir"]),
    ("shchukin", ["Щукин", "Shchukin"]),
    ("obrien", ["O'Brien", "O’Brien", "OBrien"]),
    ("ana maria", ["Anna-Maria", "anna  maria", "Anna – Maria"]),
]


@pytest.mark.parametrize(("expected", "variants"), EQUIVALENT_NAMES)
def test_name_equivalences(expected: str, variants: list[str]) -> None:
    assert {normalise_name(v) for v in variants} == {expected}


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Julia", "Юлия"),  # J vs Ю: documented known non-meeting case
        ("Alexander", "Александр"),  # aleksander vs aleksandr
        ("Aigul", "Aizhan"),
        ("Marat", "Murat"),
    ],
)
def test_known_non_equivalences(a: str, b: str) -> None:
    assert normalise_name(a) != normalise_name(b)


def test_non_latin_non_cyrillic_gives_empty() -> None:
    assert normalise_name("李小龙") == ""
    assert name_tokens("李小龙") == []


def test_name_tokens() -> None:
    assert name_tokens("Aigul Nurlanovna Sadykova") == ["aigul", "nurlanovna", "sadikova"]
    assert name_tokens("Айгүл  Aigul-Sadykova") == ["aigul", "sadikova"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+7 701 234 56 78", "7012345678"),
        ("8 (701) 234-56-78", "7012345678"),
        ("87012345678", "7012345678"),
        ("77012345678", "7012345678"),
        ("7012345678", "7012345678"),
        ("+44 20 7946 0958", "2079460958"),
        ("234-5678", "2345678"),
    ],
)
def test_normalise_phone(raw: str, expected: str) -> None:
    assert normalise_phone(raw) == expected


def test_normalise_phone_rejects_short_without_echo() -> None:
    with pytest.raises(ValueError, match="not a phone number") as info:
        normalise_phone("12-34 secret")
    assert "secret" not in str(info.value)
    assert "1234" not in str(info.value)


@pytest.mark.parametrize(
    "raw", ["1990-05-17", "17.05.1990", "17/05/1990", " 17.05.1990 ", datetime.date(1990, 5, 17)]
)
def test_normalise_date(raw: str | datetime.date) -> None:
    assert normalise_date(raw) == "1990-05-17"


@pytest.mark.parametrize("raw", ["05/17/1990", "1990/05/17", "17 May 1990", "", "31.02.1990"])
def test_normalise_date_rejects(raw: str) -> None:
    with pytest.raises(ValueError, match="unsupported date format") as info:
        normalise_date(raw)
    assert raw.strip() == "" or raw not in str(info.value)


@pytest.mark.parametrize(
    ("rows", "bits"),
    [(1, 8), (100, 8), (512, 8), (1024, 9), (10_000, 12), (100_000, 15), (1_000_000, 18),
     (2**20, 19), (2**20 - 1, 18), (10**12, 32)],
)  # fmt: skip
def test_index_bits_for(rows: int, bits: int) -> None:
    assert index_bits_for(rows) == bits


def test_index_bits_rule_holds_in_unclamped_range() -> None:
    for rows in [600, 5000, 10_000, 77_777, 100_000, 3_000_000]:
        bits = index_bits_for(rows)
        coincidences = rows / 2**bits
        assert 2 <= coincidences < 4
        assert coincidences < rows**0.5
    with pytest.raises(ValueError):
        index_bits_for(0)


def test_blind_index_stable_truncated_and_column_separated() -> None:
    root = generate_key()
    k = derive_index_key(root, table="victim", column="name")
    assert k == derive_index_key(root, table="victim", column="name")
    assert k != derive_index_key(root, table="victim", column="alias")
    assert k != derive_index_key(generate_key(), table="victim", column="name")
    for bits in (8, 12, 15, 16, 32):
        value = blind_index(k, "aigul", bits=bits)
        assert value == blind_index(k, "aigul", bits=bits)
        assert len(value) == (bits + 7) // 8
        spare = (8 - bits % 8) % 8
        assert value[-1] & ((1 << spare) - 1) == 0
    assert blind_index(k, "aigul", bits=16)[:1] == blind_index(k, "aigul", bits=12)[:1]
    assert blind_index(k, "aigul", bits=32) != blind_index(k, "aigum", bits=32)
    with pytest.raises(ValueError):
        blind_index(k, "aigul", bits=4)
    with pytest.raises(ValueError):
        derive_index_key(b"short", table="t", column="c")


def test_blind_index_distribution_is_roughly_uniform() -> None:
    k = generate_key()
    values = {blind_index(k, f"name{i}", bits=8) for i in range(2000)}
    assert len(values) > 240  # 2000 draws into 256 buckets should hit nearly all of them
