"""local.seed.plan: the history's plan shows every membership case (SHOWCASES) whatever the day
it ends on, deterministically. The plan is played here without the API, with the payment rule
the replay follows (`months_to_pay`, arrears first as the quote counts them); the replay through
the API is checked on the seeded stack (tests/e2e/test_local_reports.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import pytest

from local.seed.plan import (
    SHOWCASE_KECAMATAN,
    SHOWCASES,
    Farmer,
    business_period,
    months_to_pay,
    plan_history,
)
from local.seed.users import soppeng_kecamatan
from sutasoma.domain.clock import WITA
from sutasoma.domain.coverage import CoverageState, coverage_on
from sutasoma.domain.periods import add_months
from sutasoma.domain.places import Kecamatan

# History ends on these days (00:00 WITA: the history stops the day before): before and after
# the 15th, the 1st of a month, across a year.
DAYS = [
    datetime(2026, 12, 6, 9, tzinfo=WITA),
    datetime(2026, 12, 15, 23, tzinfo=WITA),
    datetime(2026, 12, 16, 1, tzinfo=WITA),
    datetime(2027, 1, 1, 0, 30, tzinfo=WITA),
    datetime(2027, 2, 28, 12, tzinfo=WITA),
    datetime(2027, 3, 31, 12, tzinfo=WITA),
]


@pytest.fixture(scope="module")
def soppeng() -> Sequence[Kecamatan]:
    return soppeng_kecamatan()


def played(
    soppeng: Sequence[Kecamatan], now: datetime
) -> tuple[list[str], dict[str, Farmer], list[tuple[str, str, datetime]]]:
    """The plan, played: each visit pays what `months_to_pay` says, a death stops the payments.
    Returns the months, the showcase farmers and their (case, kind, moment) events."""
    months, farmers, events = plan_history(soppeng, now.astimezone(UTC))
    shown: list[tuple[str, str, datetime]] = []
    for event in events:
        farmer = event.farmer
        if farmer is None:
            continue
        month = business_period(event.at)
        if event.kind == "visit":
            months_paid = months_to_pay(farmer, month)
            if months_paid > 0:
                first = month if farmer.paid_through is None else add_months(farmer.paid_through, 1)
                farmer.paid_through = add_months(first, months_paid - 1)
        if event.kind == "death":
            shown.append(("paid_through_at_death", str(farmer.paid_through), event.at))
            farmer.dead = True
        if farmer.showcase:
            shown.append((farmer.showcase, event.kind, event.at))
    return months, {f.showcase: f for f in farmers if f.showcase}, shown


@pytest.mark.parametrize("now", DAYS, ids=lambda d: d.date().isoformat())
def test_every_case_is_planned_in_lalabata_before_today(soppeng: Sequence[Kecamatan], now: datetime) -> None:
    months, cases, events = played(soppeng, now)
    today = now.date()
    assert set(cases) == set(SHOWCASES)
    assert {f.body["kecamatan_code"] for f in cases.values()} == {SHOWCASE_KECAMATAN}
    assert all(f.claim is None and not f.body["nik"].endswith("9999") for f in cases.values())
    midnight = datetime.combine(today, datetime.min.time(), tzinfo=WITA)
    for case, kind, at in events:
        assert at < midnight, (case, kind, at)  # nothing happens today
    kinds = {case: [kind for c, kind, _ in events if c == case] for case in SHOWCASES}
    assert kinds["rejected"] == ["register", "settle"]
    assert kinds["first_payment"] == ["register"]
    assert kinds["deceased"].count("death") == 1 and kinds["corrected"].count("correct") == 1
    for case in SHOWCASES:
        assert kinds[case][0] == "register", case  # registered before anything else happens to them

    # The death: last month, with months paid beyond it (its refund).
    deceased = cases["deceased"]
    (death,) = [at for c, kind, at in events if c == "deceased" and kind == "death"]
    (paid_then,) = [value for c, value, _ in events if c == "paid_through_at_death"]
    assert business_period(death) == months[-2]
    assert paid_then > business_period(death - timedelta(days=1)), paid_then
    assert deceased.profile == "ahead"
    # DUE next to ARREARS at the end of the history: DUE until the 15th, never LAPSED.
    due, arrears = cases["due"].paid_through, cases["arrears"].paid_through
    assert due == months[-2]
    expected = CoverageState.DUE if today.day <= 15 else CoverageState.ARREARS
    assert coverage_on(due, today).state is expected
    assert coverage_on(arrears, today).state is CoverageState.ARREARS
    assert coverage_on(cases["first_payment"].paid_through, today).state is CoverageState.NOT_STARTED
    # The correction puts back the name the registration misspelt.
    corrected = cases["corrected"]
    assert corrected.typo_name and corrected.typo_name != corrected.body["full_name"]
    assert sorted(corrected.typo_name) == sorted(corrected.body["full_name"])


def test_the_plan_is_the_same_for_the_same_day(soppeng: Sequence[Kecamatan]) -> None:
    def shape(now: datetime) -> list[tuple[str, str, str | None, str | None]]:
        _, _, events = plan_history(soppeng, now)
        return [(e.at.isoformat(), e.kind, e.farmer.key if e.farmer else None, e.farmer.showcase if e.farmer else None)
                for e in events]  # fmt: skip

    now = datetime(2026, 12, 6, 2, tzinfo=UTC)
    assert shape(now) == shape(now + timedelta(hours=3))  # any time of the same WITA day


# Every night of a month, just after midnight WITA: the history then ends the evening before, and
# this month's claims are filed within days of their visit (on 2026-12-08 one was filed on its
# visit's own day for an incident the day before the payment, and the API refused it).
NIGHTS = [datetime(2026, 12, day, 0, 13, tzinfo=WITA) for day in range(1, 32)]


@pytest.mark.parametrize("now", DAYS + NIGHTS, ids=lambda d: d.isoformat(timespec="minutes"))
def test_every_claim_is_for_an_incident_its_payment_covers(
    soppeng: Sequence[Kecamatan], now: datetime
) -> None:
    _, _, events = plan_history(soppeng, now.astimezone(UTC))
    paid_on: dict[tuple[int, str], date] = {}  # (farmer, month) -> the day that month was paid
    claims = 0
    for event in events:
        farmer, day = event.farmer, event.at.astimezone(WITA).date()
        if farmer is None:
            continue
        if event.kind == "visit" and not farmer.dead:
            months_paid = months_to_pay(farmer, business_period(event.at))
            if months_paid > 0:
                first = (
                    business_period(event.at)
                    if farmer.paid_through is None
                    else add_months(farmer.paid_through, 1)
                )
                for n in range(months_paid):
                    paid_on.setdefault((id(farmer), add_months(first, n)), day)
                farmer.paid_through = add_months(first, months_paid - 1)
        if event.kind == "death":
            farmer.dead = True
        if event.kind == "claim":
            assert farmer.claim is not None
            incident = farmer.claim.incident
            month = f"{incident.year:04d}-{incident.month:02d}"
            assert incident <= day < now.astimezone(WITA).date()
            assert paid_on[(id(farmer), month)] <= incident, (farmer.claim, day)
            claims += 1
    assert claims >= 6
