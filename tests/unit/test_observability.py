import io
import json
import logging

from sutasoma.runtime.observability import RedactingFormatter, redact


def test_redacts_nik_phone_and_account_numbers() -> None:
    text = (
        "nik 7312045708800003 hp 081234567890 +6281234567890 rek 1234567890123 ok 2026-11-29 id 01M8K3XSY4RZ"
    )
    cleaned = redact(text)
    for secret in ("7312045708800003", "081234567890", "6281234567890", "1234567890123"):
        assert secret not in cleaned
    assert "2026-11-29" in cleaned and "01M8K3XSY4RZ" in cleaned


def test_formatter_scrubs_whatever_is_logged() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter())
    log = logging.getLogger("redaction-test")
    log.addHandler(handler)
    log.propagate = False
    log.warning("lookup failed for 7312045708800003", extra={"phone": "081234567890"})
    line = json.loads(stream.getvalue())
    assert "7312045708800003" not in stream.getvalue() and "081234567890" not in stream.getvalue()
    assert line["message"] == "lookup failed for [REDACTED]"
