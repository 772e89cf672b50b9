"""Micro-benchmarks for the crypto package; prints one ``name=value unit`` line per figure.

Run: ``python bench/crypto.py [--n 100000]``. Every figure is measured in the same run; no
number is hard-coded. The blind-index comparison mirrors the app: each person's name is
encrypted under its own random data key (stored wrapped under a KEK) with context binding.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402

from crypto import (  # noqa: E402
    KeySet,
    SecretKey,
    blind_index,
    decrypt_field,
    decrypt_stream,
    decrypt_text,
    derive_index_key,
    encrypt_field,
    encrypt_stream,
    encrypt_text,
    field_context,
    generate_key,
    index_bits_for,
    name_tokens,
    unwrap_key,
    wrap_key,
)

FIRST = ["Aigul", "Aizhan", "Dana", "Zhanna", "Kairat", "Nursultan", "Madina", "Yulia", "Elena",
         "Sergei", "Dmitry", "Aliya", "Gulnara", "Saule", "Asel", "Marat", "Erlan", "Natalia",
         "Olga", "Arman", "Dinara", "Timur", "Svetlana", "Bolat", "Ainur", "Assel", "Ruslan",
         "Kamila", "Botagoz", "Azamat"]  # fmt: skip
PATRONYMIC = ["Nurlanovna", "Serikovna", "Bolatovna", "Askarovich", "Ivanovna", "Maratovich",
              "Erlanovna", "Kairatovich", "Petrovna", "Timurovna"]  # fmt: skip
SURNAME = ["Sadykova", "Ivanova", "Nurlanova", "Akhmetova", "Petrov", "Bekova", "Omarova",
           "Kim", "Tsoi", "Zhakupova", "Smagulov", "Abenova", "Kuznetsova", "Iskakova",
           "Tulegenov", "Seitkali", "Mukhamedova", "Baimukhanova", "Orazbayev",
           "Dzhaksybekova"]  # fmt: skip
# A registry of 100,000 people has thousands of distinct surnames; build ~1,300 from
# Kazakh and Russian stems and endings so a full name narrows to a handful of people.
_STEMS = ["Abai", "Akhmet", "Alim", "Amir", "Arys", "Asan", "Askar", "Baimukh", "Bek", "Bolat",
          "Dauren", "Dzhaksy", "Erbol", "Erzhan", "Galim", "Ibrai", "Iskak", "Kairat", "Kaliev",
          "Kasym", "Kenes", "Kusain", "Makhmut", "Marat", "Mukhamed", "Nurl", "Omar", "Oraz",
          "Rakhim", "Sadyk", "Sagin", "Samat", "Serik", "Smagul", "Suleimen", "Tulegen", "Tur",
          "Ualikhan", "Zhakup", "Zhumab", "Ivan", "Petr", "Kuznets", "Smirn", "Sokol", "Popov",
          "Volk", "Morozov", "Pavl", "Sem", "Fedor", "Nikit", "Orl", "Belov", "Grig", "Zaits",
          "Tarasov", "Vinogr", "Kovalev", "Egor", "Lebed", "Makar", "Nov", "Tikhon", "Yakovl",
          "Frolov", "Gusev", "Belyaev", "Isaev", "Kuzmin", "Abdrakhman", "Yesen", "Temir",
          "Nurgali", "Zhanbyr", "Kalmak", "Tolegen", "Shynggys", "Murat", "Yerlan", "Aidar",
          "Berik", "Daniyar", "Kanat", "Nurzhan", "Ruslan", "Talgat", "Zhandos", "Almas", "Asyl",
          "Baurzhan", "Dias", "Madi", "Nurbol", "Olzhas", "Rustem", "Sanzhar", "Timur", "Yerzhan",
          "Zhaslan"]  # fmt: skip
SURNAME = SURNAME + [stem.lower().capitalize() + end for stem in _STEMS
                     for end in ("ov", "ova", "ev", "eva", "in", "ina", "uly", "kyzy",
                                 "bekov", "bekova", "baev", "baeva", "ovich")]


def rate(fn: Callable[[], object], seconds: float = 1.0) -> float:
    """Calls per second of ``fn``, measured for about ``seconds``."""
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(200):
            fn()
        count += 200
    return count / elapsed


def bench_fields() -> None:
    key = SecretKey(1, generate_key())
    value = os.urandom(200)
    ctx = field_context(table="victim", column="notes", row="42", subject="victim:42")

    def facade() -> None:
        decrypt_field(key, encrypt_field(key, value, context=ctx), context=ctx)

    aead = AESGCM(key.material)

    def raw() -> None:
        nonce = os.urandom(12)
        aead.decrypt(nonce, aead.encrypt(nonce, value, ctx), ctx)

    # A/B interleaved in short rounds so that a burst of other load on the machine hits both
    # sides alike; the ratio printed is the median of the per-round ratios.
    facade_rates, raw_rates = [], []
    for round_number in range(7):
        pair = (facade, raw) if round_number % 2 == 0 else (raw, facade)
        first, second = rate(pair[0], 0.3), rate(pair[1], 0.3)
        facade_rates.append(first if pair[0] is facade else second)
        raw_rates.append(second if pair[0] is facade else first)
    ratios = sorted(r / f for f, r in zip(facade_rates, raw_rates, strict=True))
    print(f"field_encrypt_decrypt_per_s={statistics.median(facade_rates):.0f} ops/s")
    print(f"raw_aesgcm_per_s={statistics.median(raw_rates):.0f} ops/s")
    print(f"field_overhead_ratio={statistics.median(ratios):.2f} x")


class _Sink(io.RawIOBase):
    """Discards writes, so the figure is crypto cost rather than memory-growth cost."""

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        return len(data)  # type: ignore[arg-type]


def bench_stream(megabytes: int = 64) -> None:
    key, data = generate_key(), os.urandom(megabytes << 20)
    start = time.perf_counter()
    encrypt_stream(key, io.BytesIO(data), _Sink(), aad=b"attachment:1")  # type: ignore[arg-type]
    enc_s = time.perf_counter() - start
    out = io.BytesIO()
    encrypt_stream(key, io.BytesIO(data), out, aad=b"attachment:1")
    start = time.perf_counter()
    for _ in decrypt_stream(key, io.BytesIO(out.getvalue()), aad=b"attachment:1"):
        pass  # plaintext chunks are discarded, as when streaming to an HTTP response
    dec_s = time.perf_counter() - start
    print(f"attachment_stream_encrypt={megabytes * 1.048576 / enc_s:.0f} MB/s")
    print(f"attachment_stream_decrypt={megabytes * 1.048576 / dec_s:.0f} MB/s")


def bench_blind_index(n: int) -> None:
    """Find one person among ``n`` by full name, and by date of birth, two ways.

    The population is synthetic (common Kazakh and Russian names, uniform birth dates over
    50 years) with one target person written in Latin script and searched in Cyrillic.
    """
    rng = random.Random(1)
    keks = KeySet({1: generate_key()}, 1)
    bits = index_bits_for(n)
    name_key = derive_index_key(generate_key(), table="victim", column="name")
    dob_key = derive_index_key(generate_key(), table="victim", column="dob")
    names: dict[bytes, set[int]] = {}
    dobs: dict[bytes, set[int]] = {}
    rows: list[tuple[bytes, bytes, bytes]] = []  # (wrapped DEK, name, dob) per person
    target = rng.randrange(n)
    start = time.perf_counter()
    for row in range(n):
        if row == target:
            name, dob = "Aigul Nurlanovna Sadykbaeva", "1990-05-17"
        else:
            name = f"{rng.choice(FIRST)} {rng.choice(PATRONYMIC)} {rng.choice(SURNAME)}"
            dob = (datetime.date(1960, 1, 1) + datetime.timedelta(days=rng.randrange(18262)))\
                .isoformat()
        dek = SecretKey(1, generate_key())
        subject = f"victim:{row}"
        wrapped = wrap_key(keks.current_key, dek.material, subject=subject, purpose="dek")
        rows.append((wrapped, encrypt_text(dek, name, context=_ctx(row, "name")),
                     encrypt_text(dek, dob, context=_ctx(row, "dob"))))
        for token in name_tokens(name):
            names.setdefault(blind_index(name_key, token, bits=bits), set()).add(row)
        dobs.setdefault(blind_index(dob_key, dob, bits=bits), set()).add(row)
    build_s = time.perf_counter() - start

    def decrypt_row(row: int, column: str) -> str:
        wrapped, name, dob = rows[row]
        dek = unwrap_key(keks, wrapped, subject=f"victim:{row}", purpose="dek")
        token = name if column == "name" else dob
        return decrypt_text(SecretKey(1, dek), token, context=_ctx(row, column))

    query = name_tokens("Айгүл Садықбаева")  # Cyrillic query, Latin-spelled record

    def by_name_index() -> list[int]:
        sets = [names.get(blind_index(name_key, t, bits=bits), set()) for t in query]
        candidates = set.intersection(*sets)
        return sorted(r for r in candidates
                      if set(query) <= set(name_tokens(decrypt_row(r, "name"))))

    def by_name_scan() -> list[int]:
        return [r for r in range(n) if set(query) <= set(name_tokens(decrypt_row(r, "name")))]

    def by_dob_index() -> list[int]:
        candidates = dobs.get(blind_index(dob_key, "1990-05-17", bits=bits), set())
        return sorted(r for r in candidates if decrypt_row(r, "dob") == "1990-05-17")

    def by_dob_scan() -> list[int]:
        return [r for r in range(n) if decrypt_row(r, "dob") == "1990-05-17"]

    results = {}
    for label, fn in (("name_index", by_name_index), ("name_scan", by_name_scan),
                      ("dob_index", by_dob_index), ("dob_scan", by_dob_scan)):
        start = time.perf_counter()
        found = fn()
        results[label] = (time.perf_counter() - start, found)
    if results["name_index"][1] != results["name_scan"][1] or target not in \
            results["name_index"][1] or results["dob_index"][1] != results["dob_scan"][1]:
        raise SystemExit("blind index lookup and full scan disagree")
    name_speedup = results["name_scan"][0] / results["name_index"][0]
    dob_speedup = results["dob_scan"][0] / results["dob_index"][0]
    print(f"blind_index_rows={n} rows")
    print(f"blind_index_bits={bits} bits")
    print(f"blind_index_build={build_s:.1f} s")
    print(f"blind_index_name_matches={len(results['name_index'][1])} rows")
    print(f"blind_index_name_lookup={results['name_index'][0] * 1000:.2f} ms")
    print(f"decrypt_and_scan_name={results['name_scan'][0] * 1000:.1f} ms")
    print(f"blind_index_dob_lookup={results['dob_index'][0] * 1000:.2f} ms")
    print(f"decrypt_and_scan_dob={results['dob_scan'][0] * 1000:.1f} ms")
    print(f"blind_index_dob_speedup={dob_speedup:.0f} x")
    print(f"blind_index_speedup={name_speedup:.0f} x")


def _ctx(row: int, column: str) -> bytes:
    return field_context(table="victim", column=column, row=str(row), subject=f"victim:{row}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000, help="encrypted names to search")
    args = parser.parse_args()
    bench_fields()
    bench_stream()
    bench_blind_index(args.n)


if __name__ == "__main__":
    main()
