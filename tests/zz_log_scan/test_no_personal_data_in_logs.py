"""Runs last (directory order): no NIK, phone number or bank account in any log line that
the whole test run produced, the local stack's included."""

from __future__ import annotations

import re

import pytest

from tests.conftest import CAPTURED_OUTPUT, EXTRA_LOG_FILES

# A 16-digit run is a NIK; an Indonesian mobile number; a 10-20 digit run (bank account).
PERSONAL = re.compile(r"(?<!\d)\d{16}(?!\d)|(?<![\dA-Za-z])(?:\+?62|0)8\d{7,12}(?!\d)|(?<!\d)\d{10,20}(?!\d)")


def personal_data_in(text: str) -> list[str]:
    return [m.group(0) for m in PERSONAL.finditer(text)]


def test_the_scanner_finds_what_it_looks_for() -> None:
    line = '{"level":"INFO","message":"x","nik":"7312045708800003","phone":"081234567890","rek":"0123456789"}'
    assert personal_data_in(line) == ["7312045708800003", "081234567890", "0123456789"]
    assert (
        personal_data_in('{"farmer_id":"01M8K3XSY4RZ411Z5Y5R2137YY","timestamp":"2026-11-29 07:39:46,123"}')
        == []
    )


def test_no_personal_data_in_any_log() -> None:
    logs = list(CAPTURED_OUTPUT)
    logs.extend(path.read_text(errors="replace") for path in EXTRA_LOG_FILES if path.exists())
    if not any('"farmer registered"' in text for text in logs):
        pytest.skip("no registration was logged in this run: run the whole suite for this check")
    findings = [
        (found, line[:200]) for text in logs for line in text.splitlines() for found in personal_data_in(line)
    ]
    assert findings == []
