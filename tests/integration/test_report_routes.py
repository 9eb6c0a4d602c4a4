"""The report function on moto: generation by schedule and by an admin, who may read what,
and the files. The current month is a provisional preview (test_report_versions.py has the
versions of ended months)."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import timedelta

import pytest

from sutasoma.domain.clock import period_of, today_wita
from sutasoma.domain.periods import add_months
from tests.support.events import claims_for, http_event
from tests.support.road import Road
from tests.support.stack import FunctionInvoker

ADMIN = claims_for("admin", username="admin.dinas")
COORDINATOR = claims_for("coordinator", "73.12.04", username="koordinator.lalabata")
AGENT = claims_for("agent", "73.12.04", username="agen.lalabata")
CURRENT = period_of(today_wita())
PREVIOUS = add_months(CURRENT, -1)


@pytest.fixture(scope="module")
def report_fn(road: Road) -> FunctionInvoker:
    return FunctionInvoker(road.stack, "ReportFunction")


@pytest.fixture(scope="module")
def generated(road: Road, report_fn: FunctionInvoker) -> dict[str, object]:
    road.new_farmer(5101)
    road.new_farmer(5102, village="73.12.04.2010")
    road.pump()
    result = report_fn(http_event("POST", "/reports/{period}", path_params={"period": CURRENT}, claims=ADMIN))
    assert result.status == 201, result.body
    body: dict[str, object] = result.body
    return body


def test_admin_generates_and_reads_the_whole_report(
    report_fn: FunctionInvoker, generated: dict[str, object]
) -> None:
    assert generated["period"] == CURRENT
    assert (generated["provisional"], generated["version"], generated["best_bpp"]) == (True, 1, None)
    assert generated["generated_by"] == "admin.dinas"
    rows = generated["rows"]
    assert isinstance(rows, list) and [r["kecamatan_code"] for r in rows] == [
        f"73.12.0{i}" for i in range(1, 9)
    ]
    read = report_fn(http_event("GET", "/reports/{period}", path_params={"period": CURRENT}, claims=ADMIN))
    assert read.status == 200 and read.body["rows"] == rows
    lalabata = next(r for r in rows if r["kecamatan_code"] == "73.12.04")
    assert lalabata["new_registrations"] >= 1 and lalabata["registered"] >= 1
    assert all(r["rank"] is None for r in rows)  # a month not ended is never evaluated


def test_coordinator_sees_own_rows_agent_sees_nothing(
    report_fn: FunctionInvoker, generated: dict[str, object]
) -> None:
    own = report_fn(
        http_event("GET", "/reports/{period}", path_params={"period": CURRENT}, claims=COORDINATOR)
    )
    assert own.status == 200
    assert [r["kecamatan_code"] for r in own.body["rows"]] == ["73.12.04"]
    assert all(a["kecamatan_code"] == "73.12.04" for a in own.body["agents"])
    agent = report_fn(http_event("GET", "/reports/{period}", path_params={"period": CURRENT}, claims=AGENT))
    assert (agent.status, agent.body["code"]) == (403, "FORBIDDEN")
    not_admin = report_fn(
        http_event("POST", "/reports/{period}", path_params={"period": CURRENT}, claims=COORDINATOR)
    )
    assert (not_admin.status, not_admin.body["code"]) == (403, "FORBIDDEN")


@pytest.mark.parametrize(
    ("period", "status", "code"),
    [
        ("2019-01", 404, "NOT_FOUND"),
        ("2026-13", 422, "VALIDATION_ERROR"),
        ("latest", 422, "VALIDATION_ERROR"),
        ("2015-06", 422, "VALIDATION_ERROR"),  # before the first tariff: nothing was ever due
    ],
)
def test_unknown_or_malformed_period(report_fn: FunctionInvoker, period: str, status: int, code: str) -> None:
    result = report_fn(http_event("GET", "/reports/{period}", path_params={"period": period}, claims=ADMIN))
    assert (result.status, result.body["code"]) == (status, code)


def test_files_carry_the_same_numbers(
    road: Road, report_fn: FunctionInvoker, generated: dict[str, object]
) -> None:
    def fetch(file_type: str, claims: dict[str, str] = ADMIN) -> tuple[int, dict[str, str], bytes]:
        raw = report_fn.raw(
            http_event(
                "GET",
                "/reports/{period}/files/{file_type}",
                path_params={"period": CURRENT, "file_type": file_type},
                claims=claims,
            )
        )
        import base64

        body = base64.b64decode(raw["body"]) if raw.get("isBase64Encoded") else raw["body"].encode()
        return raw["statusCode"], {k.lower(): v for k, v in raw["headers"].items()}, body

    status, headers, content = fetch("csv")
    assert status == 200 and headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    rows = {r["kecamatan_code"]: r for r in generated["rows"]}  # type: ignore[union-attr]
    for line in table:
        if line["kecamatan_code"] in rows:
            assert int(line["registered"]) == rows[line["kecamatan_code"]]["registered"]
            assert (
                int(line["contributions_collected"])
                == rows[line["kecamatan_code"]]["contributions_collected"]
            )
    status, headers, content = fetch("xlsx")
    assert status == 200 and "spreadsheetml" in headers["content-type"]
    assert "xl/workbook.xml" in zipfile.ZipFile(io.BytesIO(content)).namelist()
    status, headers, content = fetch("html")
    assert status == 200 and b"Lalabata" in content and b"<svg" in content
    # Opens in the browser; ?download=1 saves it. The preview's name says it is provisional.
    assert headers["content-disposition"] == f'inline; filename="sutasoma-{CURRENT}-v1-sementara.html"'
    assert headers["content-type"].startswith("text/html")
    status, _, content = fetch("html", COORDINATOR)
    assert status == 200 and b"Lalabata" in content and b"Marioriwawo" not in content
    assert fetch("pdf")[0] == 422
    # A preview is a version too: its files are kept like every version's.
    stored = road.stack.clients("s3").list_objects_v2(
        Bucket=road.stack.ref("ReportsBucket"), Prefix=f"reports/{CURRENT}/"
    )
    assert sorted(o["Key"].rsplit("/", 2)[-2] for o in stored["Contents"]) == ["v1"] * 3


def test_scheduled_run_reports_the_month_before_its_scheduled_time(report_fn: FunctionInvoker) -> None:
    first_next = today_wita().replace(day=1) + timedelta(days=32)
    scheduled = f"{first_next.replace(day=5).isoformat()}T00:00:00Z"  # 08:00 WITA on the 5th
    event = {
        "version": "0",
        "id": "x",
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler",
        "time": scheduled,
        "resources": [],
        "detail": "{}",
    }
    result = report_fn.raw(event)
    assert result["period"] == CURRENT
    late = report_fn.raw({**event, "time": f"{first_next.replace(day=7).isoformat()}T09:00:00Z"})
    assert late["period"] == CURRENT  # a late retry reports the same month
    previous = report_fn.raw({**event, "time": f"{today_wita().replace(day=5).isoformat()}T00:00:00Z"})
    assert previous["period"] == add_months(CURRENT, -1)


def test_watchdog_reports_whether_last_month_is_there(
    report_fn: FunctionInvoker, generated: dict[str, object]
) -> None:
    first_next = today_wita().replace(day=1) + timedelta(days=32)
    at_nine = f"{first_next.replace(day=5).isoformat()}T01:00:00Z"  # 09:00 WITA on the 5th
    # A preview of the month is not its evaluation: the watchdog still raises the alarm.
    assert report_fn.raw({"watchdog": True, "time": at_nine}) == {"period": CURRENT, "report_present": False}
    this_month = f"{today_wita().replace(day=5).isoformat()}T01:00:00Z"
    report_fn(http_event("POST", "/reports/{period}", path_params={"period": PREVIOUS}, claims=ADMIN))
    assert report_fn.raw({"watchdog": True, "time": this_month}) == {
        "period": PREVIOUS,
        "report_present": True,
    }
    missing = report_fn.raw({"watchdog": True, "time": "2019-03-05T01:00:00Z"})
    assert missing == {"period": "2019-02", "report_present": False}


@pytest.mark.parametrize(
    ("period", "code"),
    [("0000-01", "VALIDATION_ERROR"), ("1999-12", "VALIDATION_ERROR"),
     ("2101-01", "PERIOD_NOT_ENDED"), ("9999-12", "PERIOD_NOT_ENDED")],  # well-formed months to come
)  # fmt: skip
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_periods_outside_the_era_are_refused_not_crashed(
    report_fn: FunctionInvoker, period: str, code: str, method: str
) -> None:
    result = report_fn(http_event(method, "/reports/{period}", path_params={"period": period}, claims=ADMIN))
    assert (result.status, result.body["code"]) == (422, code)


@pytest.mark.parametrize("period", ["2011-10", "2015-06", "2000-01"])
def test_no_report_before_the_first_tariff(report_fn: FunctionInvoker, period: str) -> None:
    # Found by the stateful fuzzer: generating one answered 500 (no tariff in force to compute dues).
    result = report_fn(http_event("POST", "/reports/{period}", path_params={"period": period}, claims=ADMIN))
    assert (result.status, result.body["code"]) == (422, "VALIDATION_ERROR")
    assert result.body["errors"] == [{"field": "period", "message": "Paling awal 2015-07."}]


def test_the_first_tariff_month_can_be_reported(report_fn: FunctionInvoker) -> None:
    # Its trend reaches back before the first tariff: those months simply had nothing due.
    result = report_fn(
        http_event("POST", "/reports/{period}", path_params={"period": "2015-07"}, claims=ADMIN)
    )
    assert result.status == 201, result.body
    assert result.body["period"] == "2015-07"
