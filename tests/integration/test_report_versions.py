"""The monthly evaluation as a record (DOMAIN.md; CONTRACT.md r2), on moto through the report
function: versions that never change, what each revision changed per BPP, the preview of the
current month, months that have not happened, agents by name, targets, gap to the best BPP.

Past months' activity is written as the counters the write transactions keep (the records
themselves cannot be back-dated): the report reads nothing else."""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest

from sutasoma.domain.changes import ChangeSet
from sutasoma.domain.clock import period_of, today_wita
from sutasoma.domain.counters import CounterIncrement, PopulationDelta
from sutasoma.domain.periods import add_months
from sutasoma.domain.tariff import base_tariff_for, relief_for
from tests.support.events import claims_for, http_event
from tests.support.road import Road
from tests.support.stack import FunctionInvoker

ADMIN = claims_for("admin", username="admin.dinas")
COORDINATOR = claims_for("coordinator", "73.12.04", username="koordinator.lalabata")
CURRENT = period_of(today_wita())
PREVIOUS = add_months(CURRENT, -1)
BEFORE = add_months(CURRENT, -2)
LALABATA, CITTA, GANRA = "73.12.04", "73.12.08", "73.12.07"


def owed(period: str, income: int = 1_000_000) -> int:
    """A month's contribution at `income`, with that month's relief."""
    tariff, relief = base_tariff_for(period), relief_for(period)
    full = income * tariff.jkk_rate_per_mille // 1000 + tariff.jkm_flat
    return full * (relief.percent_payable if relief else 100) // 100


OWED = owed(PREVIOUS)


def bucket(period: str) -> str:
    return period.replace("-", "_")


@pytest.fixture(scope="module")
def report_fn(road: Road) -> Iterator[FunctionInvoker]:
    road.stack.env_overrides["COLLECTION_TARGETS"] = f"{LALABATA}=0.9"
    yield FunctionInvoker(road.stack, "ReportFunction")


def count(road: Road, *counts: CounterIncrement | PopulationDelta) -> None:
    road.stack.storage().unit.commit(ChangeSet(counts=counts))


@pytest.fixture(scope="module")
def history(road: Road) -> None:
    """Two months ago: Lalabata 4 members paid through that month, Citta 2; last month Lalabata's
    paid on, Citta's did not, and 3 farmers registered in Ganra two months earlier never paid."""
    road.stack.clients("cognito-idp").admin_create_user(
        UserPoolId=road.stack.ref("UserPool"),
        Username="agen.lalabata",
        MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "name", "Value": "Syamsul Bahri"},
            {"Name": "custom:kecamatan", "Value": LALABATA},
        ],
    )
    count(
        road,
        PopulationDelta(LALABATA, BEFORE, {f"n_{bucket(BEFORE)}": 4, f"inc_{bucket(BEFORE)}": 4_000_000}),
        PopulationDelta(CITTA, BEFORE, {f"n_{bucket(BEFORE)}": 2, f"inc_{bucket(BEFORE)}": 2_000_000}),
        CounterIncrement(
            BEFORE,
            LALABATA,
            {"contributions_collected": 4 * owed(BEFORE), "payments": 4, "paid_for_month": 4 * owed(BEFORE)},
        ),
        CounterIncrement(
            BEFORE, LALABATA, {"collections_amount": 4 * owed(BEFORE), "payments": 4}, agent="agen.lalabata"
        ),
        # Last month: Lalabata's 4 paid it.
        PopulationDelta(
            LALABATA,
            PREVIOUS,
            {
                f"n_{bucket(BEFORE)}": -4,
                f"inc_{bucket(BEFORE)}": -4_000_000,
                f"n_{bucket(PREVIOUS)}": 4,
                f"inc_{bucket(PREVIOUS)}": 4_000_000,
            },
        ),
        CounterIncrement(
            PREVIOUS,
            LALABATA,
            {"contributions_collected": 4 * OWED, "payments": 4, "paid_for_month": 4 * OWED},
        ),
        CounterIncrement(
            PREVIOUS, LALABATA, {"collections_amount": 4 * OWED, "payments": 4}, agent="agen.lalabata"
        ),
        CounterIncrement(PREVIOUS, CITTA, {"registrations": 1}, agent="agen.citta"),
        PopulationDelta(
            GANRA,
            add_months(CURRENT, -4),
            {
                f"n_none_{bucket(add_months(CURRENT, -4))}": 3,
                f"inc_none_{bucket(add_months(CURRENT, -4))}": 3_000_000,
            },
        ),
    )


def post(report_fn: FunctionInvoker, period: str, claims: dict[str, str] = ADMIN) -> Any:
    return report_fn(http_event("POST", "/reports/{period}", path_params={"period": period}, claims=claims))


def get(report_fn: FunctionInvoker, period: str, claims: dict[str, str] = ADMIN, **query: str) -> Any:
    return report_fn(
        http_event(
            "GET", "/reports/{period}", path_params={"period": period}, query=query or None, claims=claims
        )
    )


def row(report: dict[str, Any], code: str) -> dict[str, Any]:
    return next(r for r in report["rows"] if r["kecamatan_code"] == code)


@pytest.fixture(scope="module")
def first(report_fn: FunctionInvoker, history: None) -> dict[str, Any]:
    result = post(report_fn, PREVIOUS)
    assert result.status == 201, result.body
    return dict(result.body)


def test_the_first_generation_is_version_1_ranked_with_a_best_bpp(first: dict[str, Any]) -> None:
    assert (first["version"], first["supersedes"], first["provisional"], first["changes"]) == (
        1,
        None,
        False,
        [],
    )
    lalabata, citta, ganra = row(first, LALABATA), row(first, CITTA), row(first, GANRA)
    assert (lalabata["active"], lalabata["collection_rate"], lalabata["rank"]) == (4, 1.0, 1)
    assert (citta["active"], citta["arrears"], citta["collection_rate"]) == (0, 2, 0.0)
    # Registered four months ago and never paid: more than two months, so against the score.
    assert (ganra["not_started"], ganra["not_paying"], ganra["collection_rate"]) == (3, 3, 0.0)
    assert ganra["rank"] is not None and first["best_bpp"]["kecamatan_code"] == LALABATA
    assert first["totals"]["collection_rate"] == round(4 / (4 + 2 + 3), 4)


def test_the_meeting_sees_last_month_targets_and_agents_by_name(first: dict[str, Any]) -> None:
    lalabata = row(first, LALABATA)
    assert lalabata["vs_last_month"] == {"collection_rate": 0.0, "active": 0, "contributions_collected": 0}
    assert lalabata["target"] == 0.9 and row(first, CITTA)["target"] is None
    assert row(first, CITTA)["vs_last_month"]["collection_rate"] == -1.0
    lalabata_agent, citta_agent = sorted(first["agents"], key=lambda a: a["kecamatan_code"])
    assert (
        lalabata_agent["username"],
        lalabata_agent["full_name"],
        lalabata_agent["collections_amount"],
    ) == (
        "agen.lalabata",
        "Syamsul Bahri",
        4 * OWED,
    )
    # No user of that name in the pool (left, renamed): the username stands in for the name.
    assert (citta_agent["username"], citta_agent["full_name"]) == ("agen.citta", "agen.citta")
    months = {p["period"]: p["collection_rate"] for p in first["trend"]}
    assert months[add_months(CURRENT, -5)] is None  # before the first month with any figure: no data
    assert months[BEFORE] is not None and months[PREVIOUS] is not None


def test_a_regeneration_is_a_new_version_and_the_old_one_is_kept(
    road: Road, report_fn: FunctionInvoker, first: dict[str, Any]
) -> None:
    # A late payment for last month in Citta (recorded after the meeting) and a correction moving
    # one of Ganra's never-payers out.
    count(
        road,
        PopulationDelta(
            CITTA,
            PREVIOUS,
            {
                f"n_{bucket(BEFORE)}": -1,
                f"inc_{bucket(BEFORE)}": -1_000_000,
                f"n_{bucket(PREVIOUS)}": 1,
                f"inc_{bucket(PREVIOUS)}": 1_000_000,
            },
        ),
        CounterIncrement(
            PREVIOUS, CITTA, {"contributions_collected": OWED, "payments": 1, "paid_for_month": OWED}
        ),
    )
    second = post(report_fn, PREVIOUS)
    assert second.status == 201, second.body
    assert (second.body["version"], second.body["supersedes"]) == (2, 1)
    changes = {c["kecamatan_code"]: {f["field"]: (f["before"], f["after"]) for f in c["fields"]}
               for c in second.body["changes"]}  # fmt: skip
    assert sorted(changes) == [GANRA, CITTA]  # Lalabata unchanged: not listed
    assert changes[GANRA] == {"rank": (2, 3)}  # Citta moved above it
    citta = changes[CITTA]
    assert citta["active"] == (0, 1) and citta["arrears"] == (2, 1) and citta["rank"] == (3, 2)
    assert citta["contributions_collected"] == (0, OWED) and citta["collection_rate"] == (0.0, 0.5)
    assert "contributions_due" not in citta  # one owed it, now one paid it: the same Rupiah due

    assert get(report_fn, PREVIOUS).body["version"] == 2
    kept = get(report_fn, PREVIOUS, version="1")
    assert kept.status == 200 and kept.body == first  # unchanged, byte for byte the same figures
    assert get(report_fn, PREVIOUS, version="2").body == second.body
    missing = get(report_fn, PREVIOUS, version="7")
    assert (missing.status, missing.body["code"]) == (404, "NOT_FOUND")
    assert get(report_fn, PREVIOUS, version="0").status == 422

    objects = road.stack.clients("s3").list_objects_v2(
        Bucket=road.stack.ref("ReportsBucket"), Prefix=f"reports/{PREVIOUS}/"
    )
    names = sorted(o["Key"] for o in objects["Contents"])
    assert names == sorted(
        f"reports/{PREVIOUS}/v{v}/sutasoma-{PREVIOUS}-v{v}.{ext}"
        for v in (1, 2)
        for ext in ("csv", "html", "xlsx")
    )


def test_a_scheduled_retry_does_not_add_a_version(report_fn: FunctionInvoker, history: None) -> None:
    period = add_months(CURRENT, -3)
    scheduled = f"{add_months(period, 1)}-05T00:00:00Z"
    event = {"source": "aws.scheduler", "time": scheduled, "detail-type": "Scheduled Event"}
    made = report_fn.raw(event)
    again = report_fn.raw(event)
    assert made["period"] == again["period"] == period
    assert made["version"] == again["version"] == 1
    assert get(report_fn, period).body["generated_by"] == "jadwal"


def test_the_current_month_is_a_provisional_preview(report_fn: FunctionInvoker, history: None) -> None:
    preview = post(report_fn, CURRENT)
    assert preview.status == 201, preview.body
    body = preview.body
    assert (body["provisional"], body["best_bpp"]) == (True, None) and body["version"] >= 1
    assert all(r["rank"] is None for r in body["rows"])
    assert get(report_fn, CURRENT).body == body
    # Each generation is a new version, previews too; the earlier one stays readable, unchanged.
    again = post(report_fn, CURRENT)
    assert again.status == 201, again.body
    assert (again.body["version"], again.body["supersedes"], again.body["provisional"]) == (
        body["version"] + 1, body["version"], True,
    )  # fmt: skip
    assert get(report_fn, CURRENT, version=str(body["version"])).body == body
    assert get(report_fn, CURRENT).body["version"] == body["version"] + 1


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_a_month_that_has_not_begun_is_refused(report_fn: FunctionInvoker, method: str) -> None:
    later = add_months(CURRENT, 1)
    result = report_fn(http_event(method, "/reports/{period}", path_params={"period": later}, claims=ADMIN))
    assert (result.status, result.body["code"]) == (422, "PERIOD_NOT_ENDED")
    assert CURRENT in result.body["detail"]


def test_a_coordinator_sees_its_gap_to_the_best_bpp(
    report_fn: FunctionInvoker, first: dict[str, Any]
) -> None:
    ganra = claims_for("coordinator", GANRA, username="koordinator.ganra")
    own = get(report_fn, PREVIOUS, claims=ganra, version="1")
    assert own.status == 200
    (only,) = own.body["rows"]
    assert only["gap_to_best"] == 1.0 and own.body["best_bpp"]["kecamatan_code"] == LALABATA
    assert own.body["changes"] == []


def test_files_of_a_version_carry_its_figures(report_fn: FunctionInvoker, first: dict[str, Any]) -> None:
    raw = report_fn.raw(
        http_event(
            "GET",
            "/reports/{period}/files/{file_type}",
            path_params={"period": PREVIOUS, "file_type": "csv"},
            query={"version": "1"},
            claims=ADMIN,
        )
    )
    assert raw["statusCode"] == 200
    headers = {k.lower(): v for k, v in raw["headers"].items()}
    assert headers["content-disposition"] == f'attachment; filename="sutasoma-{PREVIOUS}-v1.csv"'
    body = base64.b64decode(raw["body"]) if raw.get("isBase64Encoded") else raw["body"].encode()
    lines = [line for line in csv.reader(io.StringIO(body.decode("utf-8-sig"))) if line]
    assert any("73.12.04" in line for line in lines)
    html = report_fn.raw(
        http_event(
            "GET",
            "/reports/{period}/files/{file_type}",
            path_params={"period": PREVIOUS, "file_type": "html"},
            query={"download": "true", "version": "1"},
            claims=ADMIN,
        )
    )
    disposition = {k.lower(): v for k, v in html["headers"].items()}["content-disposition"]
    assert disposition == f'attachment; filename="sutasoma-{PREVIOUS}-v1.html"'
