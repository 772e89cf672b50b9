"""Micro-benchmarks for the crypto package; prints one ``name=value unit`` line per figure.

Run: ``python bench/crypto.py [--n 100000]``. Every figure is measured in the same run; no
number is hard-coded. The blind-index comparison mirrors the app: each person's name is
encrypted under its own random data key (stored wrapped under a KEK) with context binding.
"""

from __future__ import annotations

import argparse
import io
import os
import random
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

    facade_rate, raw_rate = rate(facade), rate(raw)
    print(f"field_encrypt_decrypt_per_s={facade_rate:.0f} ops/s")
    print(f"raw_aesgcm_per_s={raw_rate:.0f} ops/s")
    print(f"field_overhead_ratio={raw_rate / facade_rate:.2f} x")


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
    rng = random.Random(1)
    keks = KeySet({1: generate_key()}, 1)
    bits = index_bits_for(n)
    index_key = derive_index_key(generate_key(), table="victim", column="name")
    index: dict[bytes, list[int]] = {}
    rows: list[tuple[bytes, bytes]] = []  # (wrapped DEK, encrypted name) per person
    start = time.perf_counter()
    for row in range(n):
        name = f"{rng.choice(FIRST)} {rng.choice(PATRONYMIC)} {rng.choice(SURNAME)}"
        dek = generate_key()
        subject = f"victim:{row}"
        ctx = field_context(table="victim", column="name", row=str(row), subject=subject)
        wrapped = wrap_key(keks.current_key, dek, subject=subject, purpose="dek")
        rows.append((wrapped, encrypt_text(SecretKey(1, dek), name, context=ctx)))
        for token in name_tokens(name):
            index.setdefault(blind_index(index_key, token, bits=bits), []).append(row)
    build_s = time.perf_counter() - start

    def decrypt_row(row: int) -> str:
        wrapped, token = rows[row]
        subject = f"victim:{row}"
        dek = unwrap_key(keks, wrapped, subject=subject, purpose="dek")
        ctx = field_context(table="victim", column="name", row=str(row), subject=subject)
        return decrypt_text(SecretKey(1, dek), token, context=ctx)

    wanted = name_tokens("Айгүл")[0]  # Cyrillic query finds Latin-spelled "Aigul" rows
    start = time.perf_counter()
    candidates = index.get(blind_index(index_key, wanted, bits=bits), [])
    hits = [r for r in candidates if wanted in name_tokens(decrypt_row(r))]
    lookup_s = time.perf_counter() - start
    start = time.perf_counter()
    scan_hits = [r for r in range(n) if wanted in name_tokens(decrypt_row(r))]
    scan_s = time.perf_counter() - start
    if hits != scan_hits:
        raise SystemExit("blind index lookup and full scan disagree")
    print(f"blind_index_rows={n} rows")
    print(f"blind_index_bits={bits} bits")
    print(f"blind_index_build={build_s:.1f} s")
    print(f"blind_index_candidates={len(candidates)} rows")
    print(f"blind_index_matches={len(hits)} rows")
    print(f"blind_index_lookup={lookup_s * 1000:.1f} ms")
    print(f"decrypt_and_scan={scan_s * 1000:.1f} ms")
    print(f"blind_index_speedup={scan_s / lookup_s:.1f} x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000, help="encrypted names to search")
    args = parser.parse_args()
    bench_fields()
    bench_stream()
    bench_blind_index(args.n)


if __name__ == "__main__":
    main()
