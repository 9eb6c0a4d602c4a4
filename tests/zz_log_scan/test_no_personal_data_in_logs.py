"""Runs last (directory order): no NIK, phone number or bank account in any log line that
the whole test run produced, the local stack's included."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import CAPTURED_OUTPUT, EXTRA_LOG_FILES

# A whole run of digits (not part of a UUID/ULID): a NIK or bank account (10-20 digits), or an
# Indonesian mobile number.
PERSONAL = re.compile(r"(?<![\w-])(?:\+?62|0)8\d{7,12}(?![\w-])|(?<![\w-])\d{10,20}(?![\w-])")


def personal_data_in(line: str) -> list[str]:
    text = line
    stripped = line.strip()
    if stripped.startswith("{"):
        try:
            record = json.loads(stripped)
        except ValueError:
            record = None
        if isinstance(record, dict):
            # CloudWatch EMF metadata holds an epoch-millisecond timestamp, not personal data.
            record.pop("_aws", None)
            text = json.dumps(record, ensure_ascii=False)
    return [m.group(0) for m in PERSONAL.finditer(text)]


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


def test_no_personal_data_in_any_log() -> None:
    logs = list(CAPTURED_OUTPUT)
    logs.extend(path.read_text(errors="replace") for path in EXTRA_LOG_FILES if path.exists())
    if not any('"farmer registered"' in text for text in logs):
        pytest.skip("no registration was logged in this run: run the whole suite for this check")
    findings = [
        (found, line[:200]) for text in logs for line in text.splitlines() for found in personal_data_in(line)
    ]
    assert findings == []
