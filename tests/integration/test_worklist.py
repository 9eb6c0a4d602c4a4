"""GET /agents/me/worklist on moto: the farmers of the caller's kecamatan sorted into due this
month, in arrears, about to lapse, and the claims waiting for documents."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from sutasoma.adapters.dynamo import keys
from sutasoma.domain.clock import WITA, period_of, today_wita, use_clock
from sutasoma.domain.periods import add_months, month_words
from sutasoma.domain.tariff import contribution_for
from sutasoma.domain.worklist import classify
from tests.support.events import claims_for, http_event
from tests.support.farmers import farmer_body
from tests.support.records import farmer_record
from tests.support.stack import FunctionInvoker, MotoStack
from tests.support.uploads import JPEG, post_file

AGENT = claims_for("agent", "73.12.04", username="agen.lalabata")
COORDINATOR = claims_for("coordinator", "73.12.04", username="koordinator.lalabata")
AGENT_GANRA = claims_for("agent", "73.12.07", username="agen.ganra")
ADMIN = claims_for("admin", username="admin.dinas")
CURRENT = period_of(today_wita())


class Desk:
    """The register, pay and claim functions on a freshly emptied stack."""

    def __init__(self, stack: MotoStack) -> None:
        self.stack = stack
        self.register = FunctionInvoker(stack, "RegisterFunction")
        self.pay = FunctionInvoker(stack, "PayFunction")
        self.claim = FunctionInvoker(stack, "ClaimFunction")

    def farmer(
        self,
        name: str,
        village: str = "73.12.04.1001",
        *,
        status: str = "CONFIRMED",
        paid_through: str | None = None,
        claims: dict[str, str] = AGENT,
        **body: Any,
    ) -> str:
        kecamatan = village[:8]
        created = self.register(
            http_event(
                "POST", "/farmers", body=farmer_body(full_name=name, kecamatan=kecamatan, village=village, **body),
                claims=claims,
            )
        )  # fmt: skip
        assert created.status == 201, created.body
        farmer_id: str = created.body["farmer_id"]
        self.arrange(farmer_id, status, paid_through)
        return farmer_id

    def arrange(self, farmer_id: str, status: str, paid_through: str | None) -> None:
        """Test arrangement: the farmer as BPJS and the months would have left it."""
        names = {"#s": "registration_status"}
        values: dict[str, Any] = {":s": {"S": status}}
        expression = "SET #s = :s"
        if paid_through:
            names["#p"] = "paid_through"
            values[":p"] = {"S": paid_through}
            expression += ", #p = :p"
        self.stack.clients("dynamodb").update_item(
            TableName=self.stack.ref("DomainTable"),
            Key={name: {"S": value} for name, value in keys.farmer(farmer_id).items()},
            UpdateExpression=expression,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def worklist(self, claims: dict[str, str], **query: str) -> Any:
        return self.register(http_event("GET", "/agents/me/worklist", query=query, claims=claims))

    def pay_this_month(self, farmer_id: str, claims: dict[str, str] = AGENT) -> None:
        path = {"farmer_id": farmer_id}
        quote = self.pay(
            http_event("GET", "/farmers/{farmer_id}/payments/quote", path_params=path, claims=claims)
        )
        paid = self.pay(
            http_event(
                "POST", "/farmers/{farmer_id}/payments", path_params=path, claims=claims,
                body={"months": 1, "amount": quote.body["amount"], "first_period": quote.body["first_period"]}, headers={"Idempotency-Key": str(uuid.uuid4())},
            )
        )  # fmt: skip
        assert paid.status == 201, paid.body

    def file_jkm_claim(self, farmer_id: str, claims: dict[str, str] = AGENT) -> dict[str, Any]:
        body = {
            "farmer_id": farmer_id,
            "type": "JKM",
            "incident_date": today_wita().isoformat(),
            "description": "Meninggal dunia karena sakit di rumah.",
            "claimant": {"full_name": "Baso Lamade", "relationship": "spouse", "phone": "081298765432"},
        }
        filed = self.claim(http_event("POST", "/claims", body=body, claims=claims))
        assert filed.status == 201, filed.body
        claim: dict[str, Any] = filed.body
        return claim

    def upload(self, claim_id: str, doc_type: str) -> None:
        url = self.claim(
            http_event(
                "POST", "/claims/{claim_id}/documents", path_params={"claim_id": claim_id},
                body={"doc_type": doc_type}, claims=AGENT,
            )
        )  # fmt: skip
        assert url.status == 200, url.body
        assert post_file(url.body, JPEG).status_code == 204
        self.stack.check_uploads()  # S3 -> EventBridge -> DocumentCheckFunction


@pytest.fixture
def desk(moto_stack: MotoStack) -> Desk:
    moto_stack.reset()  # each test counts exactly what it arranged
    return Desk(moto_stack)


def amount(periods: list[str], income: int = 1_000_000) -> int:
    return sum(contribution_for(p, income).amount for p in periods)


def ids(entries: list[dict[str, Any]]) -> list[str]:
    return [entry["farmer_id"] for entry in entries]


@pytest.fixture
def day_10() -> Iterator[date]:
    """The business clock on the 10th of this month, 10:00 WITA: before the 15th."""
    with on_day(10) as day:
        yield day


@contextmanager
def on_day(day: int) -> Iterator[date]:
    """The business clock on `day` of this month, 10:00 WITA."""
    moment = datetime.combine(today_wita().replace(day=day), time(10), tzinfo=WITA)
    with use_clock(lambda: moment.astimezone(UTC)):
        yield moment.date()


def test_farmers_in_each_state_land_in_their_list_sorted_by_village_then_name(
    desk: Desk, day_10: date
) -> None:
    desk.farmer("Andi", "73.12.04.2010", paid_through=CURRENT)  # ACTIVE: nothing to collect
    besse = desk.farmer("Besse", paid_through=None)  # confirmed, never paid: the first payment
    due = desk.farmer("aco", paid_through=add_months(CURRENT, -1))  # DUE: this month, by the 15th
    desk.farmer("Pending Belum Dikonfirmasi", paid_through=None, status="PENDING")
    one = desk.farmer("Satu Bulan", paid_through=add_months(CURRENT, -2))  # 1 month overdue
    two = desk.farmer(
        "Dua Bulan", "73.12.04.1002", paid_through=add_months(CURRENT, -3), monthly_income=2_000_000
    )
    three = desk.farmer("Tiga Bulan", paid_through=add_months(CURRENT, -4))  # 3 overdue: lapses on the 16th
    desk.farmer("Empat Bulan", paid_through=add_months(CURRENT, -5))  # LAPSED: reactivation, not a visit
    desk.farmer("Bayar Di Muka", paid_through=add_months(CURRENT, 2))
    desk.farmer("Ditolak", paid_through=add_months(CURRENT, -1), status="REJECTED")  # ENDED
    ganra = desk.farmer(
        "Ganra Menunggak", "73.12.07.2001", paid_through=add_months(CURRENT, -2), claims=AGENT_GANRA
    )

    result = desk.worklist(AGENT)
    assert result.status == 200, result.body
    worklist = result.body
    assert (worklist["kecamatan_code"], worklist["kecamatan_name"]) == ("73.12.04", "Lalabata")
    assert (worklist["on"], worklist["period"], worklist["village_code"]) == (
        day_10.isoformat(),
        CURRENT,
        None,
    )
    assert ids(worklist["due_this_month"]) == [due, besse]  # village, then name (any case)
    assert ids(worklist["in_arrears"]) == [one, two]
    assert ids(worklist["about_to_lapse"]) == [three]
    assert worklist["claims_waiting_for_documents"] == [] and worklist["refunds_to_return"] == []
    everyone = [e for key in ("due_this_month", "in_arrears", "about_to_lapse") for e in worklist[key]]
    assert ganra not in ids(everyone)

    by_id = {entry["farmer_id"]: entry for entry in everyone}
    fifteenth = day_10.replace(day=15)
    assert {k: by_id[due][k] for k in ("months_owed", "months_unpaid", "periods_due", "amount_due", "action")} == {
        "months_owed": 0, "months_unpaid": 1, "periods_due": [CURRENT], "amount_due": amount([CURRENT]),
        "action": "COLLECT_DUE",
    }  # fmt: skip  # due, not in arrears: "jatuh tempo" is not "tunggakan"
    assert by_id[due]["coverage"] == {"state": "DUE", "paid_through": add_months(CURRENT, -1)}
    assert (by_id[due]["act_by"], by_id[due]["days_left"]) == (fifteenth.isoformat(), 5)
    assert "jatuh tempo" in by_id[due]["action_text"] and "tunggakan" in by_id[due]["action_text"]
    assert by_id[besse]["coverage"] == {"state": "NOT_STARTED", "paid_through": None}
    assert (by_id[besse]["action"], by_id[besse]["periods_due"], by_id[besse]["act_by"]) == (
        "COLLECT_FIRST_PAYMENT", [CURRENT], None,
    )  # fmt: skip
    owed_one = [add_months(CURRENT, -1), CURRENT]
    assert (by_id[one]["months_owed"], by_id[one]["months_unpaid"], by_id[one]["periods_due"]) == (
        1,
        2,
        owed_one,
    )
    assert by_id[one]["amount_due"] == amount(owed_one) and by_id[one]["action"] == "COLLECT_ARREARS"
    assert by_id[one]["coverage"]["state"] == "ARREARS"
    assert by_id[one]["action_text"].startswith(
        f"Tagih tunggakan 1 bulan ({month_words(owed_one[0])}) dan iuran bulan {month_words(CURRENT)} yang jatuh tempo, "
    )
    owed_two = [add_months(CURRENT, -2), add_months(CURRENT, -1), CURRENT]
    assert (by_id[two]["months_owed"], by_id[two]["months_unpaid"], by_id[two]["periods_due"]) == (
        2,
        3,
        owed_two,
    )
    assert by_id[two]["amount_due"] == amount(owed_two, 2_000_000)
    assert by_id[two]["monthly_contribution"] == contribution_for(CURRENT, 2_000_000).amount
    assert by_id[two]["act_by"] == f"{add_months(CURRENT, 1)}-15"  # the day before it would lapse
    owed_three = [add_months(CURRENT, -3), add_months(CURRENT, -2), add_months(CURRENT, -1), CURRENT]
    assert by_id[three]["coverage"]["state"] == "ARREARS"
    # DOMAIN: paid through August on 6 December is in arrears Sep-Nov: 3 months owed, December due.
    assert (by_id[three]["months_owed"], by_id[three]["months_unpaid"], by_id[three]["periods_due"]) == (
        3, 4, owed_three,
    )  # fmt: skip
    assert (
        by_id[three]["amount_due"] == amount(owed_three) and by_id[three]["action"] == "COLLECT_BEFORE_LAPSE"
    )
    assert by_id[three]["act_by"] == fifteenth.isoformat()
    assert "didaftarkan ulang" in by_id[three]["action_text"]

    coordinator = desk.worklist(COORDINATOR).body
    assert coordinator == worklist

    village = desk.worklist(AGENT, village_code="73.12.04.1002").body
    assert ids(village["in_arrears"]) == [two] and village["due_this_month"] == []
    assert village["village_code"] == "73.12.04.1002"

    other = desk.worklist(AGENT_GANRA).body
    assert other["kecamatan_code"] == "73.12.07" and ids(other["in_arrears"]) == [ganra]
    assert other["due_this_month"] == other["about_to_lapse"] == []


def test_after_the_15th_the_month_due_becomes_arrears(desk: Desk) -> None:
    due = desk.farmer("Jatuh Tempo", paid_through=add_months(CURRENT, -1))
    three = desk.farmer("Tiga Bulan", paid_through=add_months(CURRENT, -4))
    with on_day(15):
        worklist = desk.worklist(AGENT).body
        assert ids(worklist["due_this_month"]) == [due] and ids(worklist["about_to_lapse"]) == [three]
    with on_day(16) as day:
        worklist = desk.worklist(AGENT).body
        assert worklist["on"] == day.isoformat() and worklist["due_this_month"] == []
        assert ids(worklist["in_arrears"]) == [due]
        assert worklist["in_arrears"][0]["coverage"]["state"] == "ARREARS"
        assert worklist["about_to_lapse"] == []  # four months overdue: LAPSED, in no list


def test_who_may_see_which_kecamatan(desk: Desk) -> None:
    lalabata = desk.farmer("Lalabata Menunggak", paid_through=add_months(CURRENT, -2))
    ganra = desk.farmer(
        "Ganra Menunggak", "73.12.07.2001", paid_through=add_months(CURRENT, -2), claims=AGENT_GANRA
    )

    admin = desk.worklist(ADMIN)
    assert (admin.status, admin.code) == (403, "FORBIDDEN")
    assert "kecamatan_code" in admin.body["detail"]
    chosen = desk.worklist(ADMIN, kecamatan_code="73.12.07")
    assert chosen.status == 200 and ids(chosen.body["in_arrears"]) == [ganra]
    assert ids(desk.worklist(ADMIN, kecamatan_code="73.12.04").body["in_arrears"]) == [lalabata]

    own = desk.worklist(AGENT, kecamatan_code="73.12.04")
    assert own.status == 200 and ids(own.body["in_arrears"]) == [lalabata]
    for claims, query, status, code in [
        (AGENT, {"kecamatan_code": "73.12.07"}, 403, "FORBIDDEN"),
        (COORDINATOR, {"kecamatan_code": "73.12.07"}, 403, "FORBIDDEN"),
        (ADMIN, {"kecamatan_code": "73.71.01"}, 422, "PLACE_INVALID"),
        (AGENT, {"village_code": "73.12.07.2001"}, 403, "FORBIDDEN"),  # a village of another kecamatan
        (ADMIN, {"kecamatan_code": "73.12.04", "village_code": "73.12.07.2001"}, 422, "PLACE_INVALID"),
        (AGENT, {"kecamatan_code": "x" * 40}, 422, "VALIDATION_ERROR"),
    ]:
        refused = desk.worklist(claims, **query)
        assert (refused.status, refused.code) == (status, code), (query, refused.body)
    anonymous = desk.register(http_event("GET", "/agents/me/worklist"))
    assert anonymous.status == 401


def test_a_claim_waits_for_documents_until_verified(desk: Desk) -> None:
    widow = desk.farmer("Almarhum Lamade", "73.12.04.2009")
    desk.pay_this_month(widow)
    claim = desk.file_jkm_claim(widow)
    ganra = desk.farmer("Ganra Almarhum", "73.12.07.2002", claims=AGENT_GANRA)
    desk.pay_this_month(ganra, AGENT_GANRA)
    ganra_claim = desk.file_jkm_claim(ganra, AGENT_GANRA)

    waiting = desk.worklist(AGENT).body["claims_waiting_for_documents"]
    assert [c["claim_id"] for c in waiting] == [claim["claim_id"]]
    entry = waiting[0]
    assert (entry["farmer_id"], entry["full_name"], entry["village_name"]) == (
        widow,
        "Almarhum Lamade",
        "Umpungeng",
    )
    assert (entry["type"], entry["status"], entry["incident_date"]) == (
        "JKM",
        "SUBMITTED",
        today_wita().isoformat(),
    )
    assert (entry["claimant_name"], entry["claimant_phone"]) == ("Baso Lamade", "081298765432")
    assert [d["doc_type"] for d in entry["required_documents"]] == claim["required_documents"]
    assert {"doc_type": "death_certificate", "name": "Akta/surat kematian"} in entry["required_documents"]
    assert entry["action"] == "COMPLETE_CLAIM_DOCUMENTS" and "Akta/surat kematian" in entry["action_text"]
    assert [c["claim_id"] for c in desk.worklist(AGENT_GANRA).body["claims_waiting_for_documents"]] == [
        ganra_claim["claim_id"]
    ]
    assert desk.worklist(AGENT, village_code="73.12.04.1001").body["claims_waiting_for_documents"] == []

    for doc in claim["required_documents"]:
        desk.upload(claim["claim_id"], doc)
    still = desk.worklist(AGENT).body["claims_waiting_for_documents"]
    assert [c["claim_id"] for c in still] == [claim["claim_id"]]  # uploaded, not yet verified
    verified = desk.claim(
        http_event(
            "POST",
            "/claims/{claim_id}/verify",
            path_params={"claim_id": claim["claim_id"]},
            claims=COORDINATOR,
        )
    )
    assert verified.status == 200, verified.body
    assert desk.worklist(AGENT).body["claims_waiting_for_documents"] == []
    assert len(desk.worklist(AGENT_GANRA).body["claims_waiting_for_documents"]) == 1


@pytest.mark.parametrize(
    ("paid_through", "on", "section", "periods", "amount_due"),
    [
        # Paid through December 2026 (the PP 50/2025 relief): January 2027 is due at the full tariff.
        ("2026-12", date(2027, 1, 10), "due_this_month", ["2027-01"], 16_800),
        ("2026-12", date(2027, 1, 16), "in_arrears", ["2027-01"], 16_800),  # overdue from the 16th
        # Three months overdue across the end of the relief, on the last day before the lapse.
        ("2026-10", date(2027, 1, 31), "about_to_lapse", ["2026-11", "2026-12", "2027-01"], 33_600),
        ("2026-11", date(2027, 1, 1), "in_arrears", ["2026-12", "2027-01"], 25_200),
        (
            "2026-10",
            date(2027, 2, 15),
            "about_to_lapse",
            ["2026-11", "2026-12", "2027-01", "2027-02"],
            50_400,
        ),
        ("2026-10", date(2027, 2, 16), None, None, None),  # LAPSED: four months overdue
        ("2027-01", date(2026, 12, 31), None, None, None),  # paid ahead
    ],
)
def test_classify_on_a_date(
    paid_through: str, on: date, section: str | None, periods: list[str] | None, amount_due: int | None
) -> None:
    item = farmer_record(
        farmer_id="01JWORKLIST00000000000000", full_name="Hasnah", village_code="73.12.04.1001",
        phone="081234567890", registration_status="CONFIRMED", monthly_income=1_000_000, paid_through=paid_through,
    )  # fmt: skip
    placement = classify(item, on)
    if section is None:
        assert placement is None
        return
    assert placement is not None and placement.section == section
    assert (list(placement.entry.periods_due), placement.entry.amount_due) == (periods, amount_due)
    if placement.entry.act_by is not None:
        assert placement.entry.days_left == (placement.entry.act_by - on).days
