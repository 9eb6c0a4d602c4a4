"""Benefit estimates (PP 82/2019) and required documents per claim. BPJS decides the amount:
these are what the family can expect, each item naming its rule.

`total` is the cash paid at once; care without a cap, monthly STMB, transport caps and
scholarships are listed as items but not added to it (CONTRACT.md "Claims").
"""

from __future__ import annotations

from enum import StrEnum

from sutasoma.domain.records import Record

JUTA = 1_000_000


class ClaimType(StrEnum):
    JKK = "JKK"  # work accident
    JKM = "JKM"  # death not from work


class JkkOutcome(StrEnum):
    TREATMENT = "treatment"
    TEMPORARY_DISABILITY = "temporary_disability"
    PERMANENT_DISABILITY = "permanent_disability"
    DEATH = "death"


class BenefitItem(Record):
    code: str
    name: str
    amount: int | None = None  # None: no fixed amount (care without a cap)
    in_total: bool
    rule: str


def _item(code: str, name: str, amount: int | None, in_total: bool, rule: str) -> BenefitItem:
    return BenefitItem(code=code, name=name, amount=amount, in_total=in_total, rule=rule)


# --- JKM (PP 82/2019 art. 34 as amended): Rp 42 M at once.
JKM_DEATH_BENEFIT = 20 * JUTA
JKM_PERIODIC_AT_ONCE = 12 * JUTA
FUNERAL = 10 * JUTA
# --- JKK
JKK_DEATH_MULTIPLIER = 48
JKK_DEATH_MINIMUM = 20 * JUTA
JKK_PERIODIC_AT_ONCE = 12 * JUTA
# Permanent disability: the percentage of the Permenaker 5/2021 table x 80 x the monthly wage;
# total permanent disability is 70 % (= 56 x the wage).
DISABILITY_WAGE_MULTIPLIER = 80
TOTAL_DISABILITY_PERCENT = 70
STMB_FIRST_MONTHS = 12
TRANSPORT_CAPS = {"land": ("darat", 5 * JUTA), "sea": ("laut", 2 * JUTA), "air": ("udara", 10 * JUTA)}
# --- Scholarship: up to 2 children, Rp 174 M at most in all.
SCHOLARSHIP_MAX_CHILDREN = 2
SCHOLARSHIP_MAX_TOTAL = 174 * JUTA
SCHOLARSHIP_LEVELS = (  # (level, Rupiah per child per year, at most years)
    ("TK-SD", 1_500_000, 8),
    ("SMP", 2_000_000, 3),
    ("SMA", 3_000_000, 3),
    ("Perguruan tinggi", 12_000_000, 5),
)
JKM_SCHOLARSHIP_MIN_CONTRIBUTION_MONTHS = 36
SOURCE = "PP 82/2019"


def _scholarship_items() -> list[BenefitItem]:
    items = [
        BenefitItem(
            code=f"SCHOLARSHIP_{level.split()[0].upper().replace('-', '_')}",
            name=f"Beasiswa {level}",
            amount=per_year,
            in_total=False,
            rule=f"{SOURCE}: Rp {per_year:,} per anak per tahun, paling lama {years} tahun".replace(",", "."),
        )
        for level, per_year, years in SCHOLARSHIP_LEVELS
    ]
    items.append(
        BenefitItem(
            code="SCHOLARSHIP_CAP",
            name="Batas beasiswa",
            amount=SCHOLARSHIP_MAX_TOTAL,
            in_total=False,
            rule=f"{SOURCE}: paling banyak {SCHOLARSHIP_MAX_CHILDREN} anak, seluruhnya paling banyak Rp 174.000.000;"
            " berhenti pada usia 23 tahun, menikah, atau bekerja",
        )
    )
    return items


def _jkm_items(contribution_months: int) -> list[BenefitItem]:
    items = [
        _item("JKM_DEATH", "Santunan kematian", JKM_DEATH_BENEFIT, True, f"{SOURCE}: Rp 20.000.000"),
        _item(
            "JKM_PERIODIC", "Santunan berkala (dibayar sekaligus)", JKM_PERIODIC_AT_ONCE, True,
            f"{SOURCE}: 24 x Rp 500.000 = Rp 12.000.000",
        ),
        _item("FUNERAL", "Biaya pemakaman", FUNERAL, True, f"{SOURCE}: Rp 10.000.000"),
    ]  # fmt: skip
    if contribution_months >= JKM_SCHOLARSHIP_MIN_CONTRIBUTION_MONTHS:
        return items + _scholarship_items()
    return [
        *items,
        _item(
            "SCHOLARSHIP_NOT_YET", "Beasiswa belum berhak", 0, False,
            f"{SOURCE}: JKM memberi beasiswa setelah minimal 36 bulan iuran (baru {contribution_months})",
        ),
    ]  # fmt: skip


def _jkk_care_items() -> list[BenefitItem]:
    care = _item(
        "JKK_CARE", "Perawatan dan pengobatan", None, False,
        f"{SOURCE}: sesuai kebutuhan medis tanpa batas biaya, setara rumah sakit kelas I",
    )  # fmt: skip
    transport = [
        _item(
            f"JKK_TRANSPORT_{mode.upper()}", f"Transportasi {name}", cap, False,
            f"{SOURCE}: paling banyak Rp {cap:,}".replace(",", "."),
        )
        for mode, (name, cap) in TRANSPORT_CAPS.items()
    ]  # fmt: skip
    return [care, *transport]


def _jkk_death_items(wage: int) -> list[BenefitItem]:
    return [
        _item(
            "JKK_DEATH", "Santunan kematian karena kecelakaan kerja",
            max(JKK_DEATH_MULTIPLIER * wage, JKK_DEATH_MINIMUM), True,
            f"{SOURCE}: 48 x upah sebulan, paling sedikit Rp 20.000.000",
        ),
        _item("FUNERAL", "Biaya pemakaman", FUNERAL, True, f"{SOURCE}: Rp 10.000.000"),
        _item(
            "JKK_PERIODIC", "Santunan berkala (dibayar sekaligus)", JKK_PERIODIC_AT_ONCE, True,
            f"{SOURCE}: 24 x Rp 500.000 = Rp 12.000.000",
        ),
    ]  # fmt: skip


def disability_amount(percent: int, wage: int) -> int:
    """Permanent disability: percent x 80 x the monthly wage (whole Rupiah); total disability
    (70 % and more on the table) is 70 % x 80 = 56 x the wage, never more."""
    return min(percent, TOTAL_DISABILITY_PERCENT) * DISABILITY_WAGE_MULTIPLIER * wage // 100


def _disability_item(wage: int, percent: int | None) -> BenefitItem:
    rule = (
        f"{SOURCE}: persentase cacat (tabel Permenaker 5/2021) x {DISABILITY_WAGE_MULTIPLIER} x upah sebulan; "
        f"cacat total tetap {TOTAL_DISABILITY_PERCENT}% = 56 x upah"
    )
    if percent is None:
        return _item(
            "JKK_PERMANENT_DISABILITY", "Santunan cacat tetap (menunggu persentase cacat dari verifikator)",
            None, False, rule,
        )  # fmt: skip
    name = (
        "Santunan cacat total tetap"
        if percent >= TOTAL_DISABILITY_PERCENT
        else f"Santunan cacat sebagian tetap {percent}%"
    )
    return _item("JKK_PERMANENT_DISABILITY", name, disability_amount(percent, wage), True, rule)


def _stmb_item(wage: int) -> BenefitItem:
    return _item(
        "JKK_STMB", "Santunan tidak mampu bekerja (per bulan)", wage, False,
        f"{SOURCE}: 100% upah {STMB_FIRST_MONTHS} bulan pertama, selanjutnya 50% sampai sembuh",
    )  # fmt: skip


def _jkk_items(outcome: JkkOutcome | None, wage: int, disability_percent: int | None) -> list[BenefitItem]:
    """Care and transport always; pay while unable to work for the living; the disability or
    death benefit; scholarships for a death or a total disability."""
    items = _jkk_care_items()
    if outcome in (JkkOutcome.TEMPORARY_DISABILITY, JkkOutcome.PERMANENT_DISABILITY):
        items.append(_stmb_item(wage))
    if outcome is JkkOutcome.PERMANENT_DISABILITY:
        items.append(_disability_item(wage, disability_percent))
        if disability_percent is not None and disability_percent >= TOTAL_DISABILITY_PERCENT:
            items += _scholarship_items()
    if outcome is JkkOutcome.DEATH:
        items += _jkk_death_items(wage) + _scholarship_items()
    return items


def estimate(
    claim_type: ClaimType,
    outcome: JkkOutcome | None,
    monthly_income: int,
    membership_months: int,
    disability_percent: int | None = None,
) -> tuple[int, list[BenefitItem]]:
    """(total paid at once, items) for a claim. `monthly_income` is the income the incident's
    month was paid on; `membership_months` the months paid up to and including the incident's."""
    if claim_type is ClaimType.JKM:
        items = _jkm_items(membership_months)
    else:
        items = _jkk_items(outcome, monthly_income, disability_percent)
    total = sum(item.amount or 0 for item in items if item.in_total)
    return total, items
