"""The personal-data log scan (tests/support/log_scan.py, run by tests/conftest.py when the
session finishes): it finds each kind of personal data, and its report never shows the data."""

from __future__ import annotations

from tests.support.log_scan import ACCOUNT, NIK, PHONE, kinds_in, personal_data_in, report, scan


def test_the_scanner_finds_what_it_looks_for() -> None:
    line = '{"level":"INFO","message":"x","nik":"7312045708800003","phone":"081234567890","rek":"0123456789"}'
    assert personal_data_in(line) == ["7312045708800003", "081234567890", "0123456789"]
    assert personal_data_in("register 7312045708800003 failed") == ["7312045708800003"]
    quiet = [
        '{"farmer_id":"01M8K3XSY4RZ411Z5Y5R2137YY","timestamp":"2026-11-29 07:39:46,123"}',
        '{"_aws":{"Timestamp":1796000000123,"CloudWatchMetrics":[]},"FarmerRegistered":[1.0]}',
        '{"function_request_id":"4b1e0c2a-1234567890ab-4c1d"}',
    ]
    assert [personal_data_in(q) for q in quiet] == [[], [], []]


def test_it_tells_each_kind_apart() -> None:
    assert kinds_in("nik=7312045708800003") == [NIK]
    assert kinds_in("hp 081234567890 / +6281234567890 / 6281234567890") == [PHONE, PHONE, PHONE]
    assert kinds_in("rekening 0123456789 dan 1234567890123") == [ACCOUNT, ACCOUNT]
    line = '{"nik":"7312045708800003","phone":"081234567890","rek":"0123456789"}'
    assert kinds_in(line) == [NIK, PHONE, ACCOUNT]


def test_a_finding_names_where_and_what_never_the_data() -> None:
    texts = [
        ("tests/x.py::test_a [Captured log call]", "ok\nregister 7312045708800003 failed\n"),
        ("state/local-stack.log", '{"phone": "081234567890"}\n{"rek": "0123456789"}'),
        ("tests/x.py::test_b [Captured stdout call]", "nothing personal here: 2026-11-29"),
    ]
    findings = list(scan(texts))
    assert [(f.source, f.line, f.kind) for f in findings] == [
        ("tests/x.py::test_a [Captured log call]", 2, NIK),
        ("state/local-stack.log", 1, PHONE),
        ("state/local-stack.log", 2, ACCOUNT),
    ]
    message = report(findings)
    assert "tests/x.py::test_a [Captured log call], line 2: NIK" in message
    assert "state/local-stack.log, line 1: phone number" in message
    for personal in ("7312045708800003", "081234567890", "0123456789"):
        assert personal not in message
