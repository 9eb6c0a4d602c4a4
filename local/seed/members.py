"""Generated members for an import file (`make sample-import`, tests, benchmarks): existing BPJS
participants of Soppeng, as Dinas Pertanian would list them, with valid NIKs (the product's
`compose_nik`), villages of their kecamatan (the product's places list), KPJ numbers, the date
they registered and how far they paid. The same arguments give the same file, row for row.

KPJ numbers are `11` + 9 digits, skipping those the BPJS simulator treats as special
(docs/bpjs-h2h.md "Simulator rules": ending in 99 = another person's, in 0000 = unknown); with
`other_person_every=N`, every N-th member gets a KPJ ending in 99 instead: BPJS's look-up then
says it is another person's, and the member lands on the import's list to check.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from local.seed.farmers import _COMMODITIES, _DUSUN, _MEN, _WOMEN
from local.seed.users import slug
from sutasoma.domain.clock import period_of
from sutasoma.domain.import_rows import COLUMNS
from sutasoma.domain.nik import Sex, compose_nik
from sutasoma.domain.periods import add_months, months_between
from sutasoma.domain.places import kecamatan_codes, places

HEADERS = [column.header for column in COLUMNS]
FIRST_BIRTH = date(1962, 1, 1)
FIRST_REGISTRATION = date(2016, 1, 1)


@dataclass(frozen=True)
class SampleOptions:
    count: int
    seed: str = "sutasoma-import-v1"
    today: date | None = None
    other_person_every: int = 0  # every N-th member's KPJ is another person's (0: none)
    with_agents: bool = True  # "Username Agen": the demo agent of the kecamatan, for most rows
    first_index: int = 0  # members from this index on (several files without a shared NIK)


def _kpj_numbers(start: int) -> Iterator[str]:
    number = start
    while True:
        number += 1
        if number % 100 == 99 or number % 10_000 == 0:
            continue
        yield f"11{number:09d}"


def _paid_through(rng: random.Random, registered: date, today: date) -> str:
    """Mostly paid up to now or a little ahead; some behind, some never paid."""
    current, first = period_of(today), period_of(registered)
    roll = rng.random()
    if roll < 0.08:
        return ""
    back = rng.randint(1, 8) if roll < 0.18 else -rng.randint(0, 5) if roll < 0.9 else 0
    chosen = add_months(current, -back)
    return chosen if months_between(first, chosen) >= 0 else first


def sample_members(options: SampleOptions) -> Iterator[list[str]]:
    """The rows, header first: every cell as text (NIK, KPJ and phone are digits kept as text)."""
    rng = random.Random(f"{options.seed}/{options.first_index}")  # nosec B311 # - reproducible sample data, not crypto
    today = options.today or date.today()
    known = places()
    codes = kecamatan_codes()
    weights = [len(known.kecamatan[c].villages) for c in codes]
    kpjs = _kpj_numbers(options.first_index)
    span = max(1, (today - timedelta(days=30) - FIRST_REGISTRATION).days)
    yield HEADERS
    for n in range(options.first_index, options.first_index + options.count):
        kecamatan = known.kecamatan[rng.choices(codes, weights)[0]]
        sex: Sex = "F" if rng.random() < 0.4 else "M"
        birth = FIRST_BIRTH + timedelta(days=n % 10_000)  # 1962-1989: 26-63 at registration
        nik = compose_nik(kecamatan.code.replace(".", ""), birth, sex, n // 10_000 + 1)
        registered = FIRST_REGISTRATION + timedelta(days=rng.randrange(span))
        kpj = next(kpjs)
        if options.other_person_every and (n + 1) % options.other_person_every == 0:
            kpj = f"15{n:07d}99"
        agent = f"agen.{slug(kecamatan.name)}" if options.with_agents and rng.random() < 0.7 else ""
        yield [
            nik, rng.choice(_WOMEN if sex == "F" else _MEN), birth.isoformat(), "P" if sex == "F" else "L",
            f"0812{n:08d}", kecamatan.code, rng.choice(kecamatan.villages).code,
            f"Dusun {rng.choice(_DUSUN)}, RT {rng.randint(1, 5):03d}/RW {rng.randint(1, 3):03d}",
            rng.choice(_COMMODITIES), rng.choice(("1000000", "1000000", "", "1500000", "2000000")), kpj,
            registered.isoformat(), _paid_through(rng, registered, today), agent,
        ]  # fmt: skip


def csv_bytes(rows: Iterator[list[str]] | list[list[str]], *, bom: bool = False, crlf: bool = False) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n" if crlf else "\n").writerows(rows)
    return out.getvalue().encode("utf-8-sig" if bom else "utf-8")


def write_xlsx(rows: Iterator[list[str]] | list[list[str]], target: Path | io.BytesIO) -> None:
    """Rows to a workbook, written as they come (constant memory), every cell as text."""
    import xlsxwriter  # type: ignore[import-untyped]

    options = {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False}
    if isinstance(target, io.BytesIO):
        options["in_memory"] = True
    workbook = xlsxwriter.Workbook(target if isinstance(target, io.BytesIO) else str(target), options)
    sheet = workbook.add_worksheet("Anggota")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value != "":
                sheet.write_string(r, c, value)
    workbook.close()


def xlsx_bytes(rows: Iterator[list[str]] | list[list[str]]) -> bytes:
    out = io.BytesIO()
    write_xlsx(rows, out)
    return out.getvalue()
