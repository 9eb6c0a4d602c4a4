import hashlib
import hmac

import pytest

from sutasoma.app.callbacks import expected_signature, verify_signature
from sutasoma.domain.errors import Unauthorized

SECRET = b"callback-secret"
BODY = b'{"event_id":"e1","type":"PARTICIPANT_CONFIRMED","data":{}}'
NOW = 1_796_000_000


def signature(timestamp: str, body: bytes = BODY) -> str:
    return hmac.new(SECRET, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def test_contract_formula() -> None:
    assert expected_signature(SECRET, "1796000000", BODY) == signature("1796000000")


@pytest.mark.parametrize("age", [0, 299, -299, 300])
def test_accepts_within_five_minutes(age: int) -> None:
    ts = str(NOW - age)
    verify_signature(SECRET, ts, signature(ts), BODY, NOW, 300)


@pytest.mark.parametrize(
    ("timestamp", "sig", "body"),
    [
        (str(NOW - 301), signature(str(NOW - 301)), BODY),  # stale
        (str(NOW + 301), signature(str(NOW + 301)), BODY),  # from the future
        (str(NOW), signature(str(NOW)), BODY.replace(b"e1", b"e2")),  # body tampered
        (str(NOW), signature(str(NOW - 1)), BODY),  # timestamp swapped
        (str(NOW), "00" * 32, BODY),
        (str(NOW), "", BODY),
        (None, signature(str(NOW)), BODY),
        ("yesterday", signature("yesterday"), BODY),
    ],
)
def test_refuses(timestamp: str | None, sig: str, body: bytes) -> None:
    with pytest.raises(Unauthorized):
        verify_signature(SECRET, timestamp, sig, body, NOW, 300)


def test_wrong_secret() -> None:
    ts = str(NOW)
    with pytest.raises(Unauthorized):
        verify_signature(b"other", ts, signature(ts), BODY, NOW, 300)
