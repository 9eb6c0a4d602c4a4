"""Reports read counters, never the records. These tests hold the counters to the records:
after any sequence of registrations, payments (retried too), income changes, rejections and
claims, a recount by parallel scan finds no difference, and the report adds up."""

from __future__ import annotations

import itertools
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sutasoma.adapters.directory import NoDirectory
from sutasoma.app.reconcile import reconcile
from sutasoma.app.reports import ReportDesk
from sutasoma.domain.clock import now_utc, period_of, today_wita
from sutasoma.reports.periods import period_for_schedule
from tests.support.events import claims_for, http_event
from tests.support.farmers import farmer_body, make_nik
from tests.support.road import Road

KECAMATAN = ["73.12.01", "73.12.04", "73.12.08"]
VILLAGE = {"73.12.01": "73.12.01.2003", "73.12.04": "73.12.04.1001", "73.12.08": "73.12.08.2001"}
_unique = itertools.count(1)


def agent(kecamatan: str) -> dict[str, str]:
    return claims_for("agent", kecamatan, username=f"agen.{kecamatan[-2:]}")


def register(road: Road, kecamatan: str, income: int, rejected: bool) -> dict[str, Any] | None:
    n = next(_unique)
    birth = date(1970, 1, 1) + timedelta(days=n * 37 % 9000)
    serial = 9999 if rejected else 1000 + n % 8000
    nik = make_nik(birth, "M", prefix=f"7312{kecamatan[-2:]}", serial=serial)
    body = farmer_body(
        nik=nik, birth=birth, sex="M", kecamatan=kecamatan, village=VILLAGE[kecamatan], monthly_income=income
    )
    result = road.register(http_event("POST", "/farmers", body=body, claims=agent(kecamatan)))
    assert result.status in (201, 409), result.body
    return result.body if result.status == 201 else None


def pay(road: Road, farmer: dict[str, Any], months: int, retries: int) -> None:
    fid, caller = farmer["farmer_id"], agent(farmer["kecamatan_code"])
    quote = road.pay(
        http_event(
            "GET",
            "/farmers/{farmer_id}/payments/quote",
            path_params={"farmer_id": fid},
            query={"months": str(months)},
            claims=caller,
        )
    )
    if quote.status != 200:
        return  # rejected, lapsed or too far ahead: refused, nothing recorded
    key = str(uuid.uuid4())
    for _ in range(1 + retries):
        result = road.pay(
            http_event(
                "POST", "/farmers/{farmer_id}/payments", path_params={"farmer_id": fid}, claims=caller,
                body={"months": months, "amount": quote.body["amount"], "first_period": quote.body["first_period"]}, headers={"Idempotency-Key": key},
            )
        )  # fmt: skip
        assert result.status in (201, 409, 422), result.body


def patch_income(road: Road, farmer: dict[str, Any], income: int) -> None:
    road.register(
        http_event(
            "PATCH", "/farmers/{farmer_id}", path_params={"farmer_id": farmer["farmer_id"]},
            body={"monthly_income": income}, claims=agent(farmer["kecamatan_code"]),
        )
    )  # fmt: skip


def file_claim(road: Road, farmer: dict[str, Any]) -> None:
    road.claim(
        http_event(
            "POST", "/claims", claims=agent(farmer["kecamatan_code"]),
            body={"farmer_id": farmer["farmer_id"], "type": "JKK", "incident_date": today_wita().isoformat(),
                  "outcome": "treatment", "description": "Terluka saat bekerja di sawah.",
                  "claimant": {"full_name": "Petani Sendiri", "relationship": "self", "phone": "081234567890"}},
        )
    )  # fmt: skip


incomes = st.integers(min_value=1000, max_value=5000).map(lambda thousands: thousands * 1000)
actions = st.lists(
    st.one_of(
        st.tuples(
            st.just("register"), st.sampled_from(KECAMATAN), incomes, st.booleans().map(lambda b: b and False)
        ),
        st.tuples(st.just("register_rejected"), st.sampled_from(KECAMATAN), incomes, st.just(True)),
        st.tuples(st.just("pump")),
        st.tuples(st.just("pay"), st.integers(0, 50), st.integers(1, 12), st.integers(0, 2)),
        st.tuples(st.just("income"), st.integers(0, 50), incomes),
        st.tuples(st.just("claim"), st.integers(0, 50)),
    ),
    min_size=3,
    max_size=14,
)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=actions)
def test_counters_equal_a_recount_after_any_sequence(road: Road, steps: list[tuple[Any, ...]]) -> None:
    farmers: list[dict[str, Any]] = []
    for step in steps:
        match step:
            case ("register" | "register_rejected", kecamatan, income, rejected):
                created = register(road, kecamatan, income, rejected)
                if created:
                    farmers.append(created)
            case ("pump",):
                road.pump()
            case ("pay", index, months, retries) if farmers:
                pay(road, farmers[index % len(farmers)], months, retries)
            case ("income", index, income) if farmers:
                patch_income(road, farmers[index % len(farmers)], income)
            case ("claim", index) if farmers:
                file_claim(road, farmers[index % len(farmers)])
    road.pump()
    result = reconcile(_scanner(road))
    assert result["differences"] == []
    assert result["items_scanned"] > 0


def _scanner(road: Road) -> Any:
    from sutasoma.adapters.dynamo.scan import TableScanner

    return TableScanner(road.stack.table())


def test_report_adds_up_and_a_month_without_activity_is_all_zeros(road: Road) -> None:
    storage = road.stack.storage()
    desk = ReportDesk(storage.counters, storage.reports, Any, NoDirectory(), 0.075, {})
    period = period_of(today_wita())
    report = desk.compute(period, now_utc())
    assert [r.kecamatan_code for r in report.rows] == [f"73.12.0{i}" for i in range(1, 9)]
    for field in (
        "registered",
        "new_registrations",
        "active",
        "arrears",
        "contributions_collected",
        "contributions_due",
    ):
        assert getattr(report.totals, field) == sum(getattr(r, field) for r in report.rows), field
    recounted = reconcile(_scanner(road))
    assert recounted["differences"] == []
    for row in report.rows:
        assert row.active + row.due + row.arrears + row.lapsed + row.not_started == row.registered
        assert 0 <= row.collection_rate <= 1
    assert all(a.incentive == int(a.collections_amount * 0.075) for a in report.agents)
    ranked = sorted((r for r in report.rows if r.rank), key=lambda r: r.rank or 0)
    if ranked:
        assert report.best_bpp is not None and report.best_bpp.kecamatan_code == ranked[0].kecamatan_code
        assert [r.collection_rate for r in ranked] == sorted(
            (r.collection_rate for r in ranked), reverse=True
        )

    empty = desk.compute("2020-01", now_utc())
    assert report.period == period and empty.best_bpp is None and empty.agents == []
    assert all(
        r.registered == r.active == r.contributions_collected == 0 and r.rank is None for r in empty.rows
    )
    assert len(empty.trend) == 12 and empty.trend[0].period == "2019-02"


@pytest.mark.parametrize(
    ("scheduled", "period"),
    [
        ("2026-12-05T00:00:00Z", "2026-11"),  # 08:00 WITA on the 5th
        ("2026-12-05T00:00:00+00:00", "2026-11"),
        ("2027-01-05T00:00:00Z", "2026-12"),
        ("2026-12-31T16:30:00Z", "2026-12"),  # already 1 January in WITA: a late run reports December
        ("2026-12-07T09:00:00Z", "2026-11"),  # a retried run two days late: the same month
    ],
)
def test_the_period_comes_from_the_scheduled_time(scheduled: str, period: str) -> None:
    assert period_for_schedule(scheduled) == period
