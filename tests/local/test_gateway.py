"""local.gateway (and its JWT authorizer, local.gateway.auth) without moto: routing, events, responses, the JWT authorizer."""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from werkzeug.test import Client

from local.functions import LocalFunction
from local.gateway.app import Gateway
from local.gateway.auth import JwtVerifier, claim_string, cognito_jwks_url, stringify_claims
from local.gateway.events import BadFunctionResponse, build_event, to_http_response
from local.gateway.routing import BoundRoute, match_route
from local.template.specs import CorsSpec, FunctionSpec, Route

ISSUER = "https://cognito-idp.ap-southeast-3.amazonaws.com/ap-southeast-3_test"
CLIENT_ID = "client-123"


class RecordingFunction:
    """A stand-in Lambda: records events, answers what it is told."""

    def __init__(self, name: str = "fn", result: Any = None, error: Exception | None = None) -> None:
        self.name = name
        self.events: list[dict[str, Any]] = []
        self.result = result if result is not None else {"statusCode": 200, "body": "{}"}
        self.error = error

    def invoke(self, event: dict[str, Any], aws_request_id: str) -> Any:
        self.events.append(event)
        if self.error:
            raise self.error
        return self.result


def bound(method: str, path: str, fn: Any = None, auth: str | None = None) -> BoundRoute:
    return BoundRoute(Route(method, path, auth), fn or RecordingFunction(f"{method} {path}"))


# ---------------------------------------------------------------------------------- routing


def test_most_specific_route_wins() -> None:
    routes = [
        bound("ANY", "/{proxy+}"),
        bound("GET", "/farmers/{farmer_id}"),
        bound("GET", "/farmers/me"),
        bound("ANY", "/farmers/{farmer_id}"),
        bound("POST", "/farmers/{farmer_id}/ktp"),
    ]

    def chosen(method: str, path: str) -> tuple[str, dict[str, str]] | None:
        found = match_route(routes, method, path)
        return (found[0].route.route_key, found[1]) if found else None

    assert chosen("GET", "/farmers/me") == ("GET /farmers/me", {})
    assert chosen("GET", "/farmers/01ABC") == ("GET /farmers/{farmer_id}", {"farmer_id": "01ABC"})
    assert chosen("PATCH", "/farmers/01ABC") == ("ANY /farmers/{farmer_id}", {"farmer_id": "01ABC"})
    assert chosen("POST", "/farmers/01ABC/ktp") == ("POST /farmers/{farmer_id}/ktp", {"farmer_id": "01ABC"})
    assert chosen("GET", "/a/b/c") == ("ANY /{proxy+}", {"proxy": "a/b/c"})
    # Percent-encoded slashes stay inside their segment, decoded in pathParameters.
    assert chosen("GET", "/farmers/a%2Fb") == ("GET /farmers/{farmer_id}", {"farmer_id": "a/b"})


def test_no_route_without_a_match() -> None:
    routes = [bound("GET", "/farmers"), bound("GET", "/farmers/{farmer_id}")]
    assert match_route(routes, "POST", "/farmers") is None
    assert match_route(routes, "GET", "/farmers/x/y") is None
    assert match_route(routes, "GET", "/other") is None
    assert match_route([*routes, bound("ANY", "$default")], "GET", "/other") is not None


# ---------------------------------------------------------------------------------- events


def event(**overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "method": "POST",
        "raw_path": "/farmers/01ABC",
        "raw_query": "q=a&q=b&limit=5&empty=",
        "headers": [
            ("Content-Type", "application/json"),
            ("X-Dup", "1"),
            ("x-dup", "2"),
            ("Cookie", "a=1; b=2"),
            ("User-Agent", "pytest"),
        ],
        "body": b'{"nik": "x"}',
        "route_key": "POST /farmers/{farmer_id}",
        "path_parameters": {"farmer_id": "01ABC"},
        "claims": {
            "sub": "u-1",
            "cognito:groups": ["agent", "coordinator"],
            "exp": 1_700_000_000,
            "custom:kecamatan": "73.12.04",
            "email_verified": True,
        },
        "source_ip": "127.0.0.1",
        "request_id": "req-1",
        "now": datetime(2026, 3, 5, 8, 9, 10, 123000, tzinfo=UTC),
        "domain_name": "127.0.0.1:3000",
    }
    args.update(overrides)
    return build_event(**args)


def test_event_is_payload_format_2() -> None:
    e = event()
    assert e["version"] == "2.0"
    assert e["routeKey"] == e["requestContext"]["routeKey"] == "POST /farmers/{farmer_id}"
    assert e["rawPath"] == "/farmers/01ABC" and e["rawQueryString"] == "q=a&q=b&limit=5&empty="
    assert e["headers"]["x-dup"] == "1,2"  # lower-cased, duplicates comma-joined
    assert e["headers"]["content-type"] == "application/json"
    assert "cookie" not in e["headers"] and e["cookies"] == ["a=1", "b=2"]
    assert e["queryStringParameters"] == {"q": "a,b", "limit": "5", "empty": ""}
    assert e["pathParameters"] == {"farmer_id": "01ABC"}
    assert e["body"] == '{"nik": "x"}' and e["isBase64Encoded"] is False
    ctx = e["requestContext"]
    assert ctx["stage"] == "$default" and ctx["requestId"] == "req-1"
    assert ctx["http"] == {
        "method": "POST",
        "path": "/farmers/01ABC",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "pytest",
    }
    assert ctx["time"] == "05/Mar/2026:08:09:10 +0000"
    assert ctx["timeEpoch"] == 1772698150123


def test_every_claim_is_a_string_as_the_jwt_authorizer_sends_it() -> None:
    claims = event()["requestContext"]["authorizer"]["jwt"]["claims"]
    assert claims == {
        "sub": "u-1",
        "cognito:groups": "[agent coordinator]",
        "exp": "1700000000",
        "custom:kecamatan": "73.12.04",
        "email_verified": "true",
    }
    assert all(isinstance(v, str) for v in claims.values())
    assert claim_string(["agent"]) == "[agent]"
    assert stringify_claims({"n": 1.0, "f": 1.5}) == {"n": "1", "f": "1.5"}


def test_binary_body_is_base64_and_empty_parts_are_left_out() -> None:
    raw = bytes(range(256))
    e = event(headers=[("content-type", "application/octet-stream")], body=raw, raw_query="", claims=None)
    assert e["isBase64Encoded"] is True and base64.b64decode(e["body"]) == raw
    assert "queryStringParameters" not in e and "cookies" not in e
    assert "authorizer" not in e["requestContext"]
    empty = event(body=b"", path_parameters={})
    assert "body" not in empty and "pathParameters" not in empty and empty["isBase64Encoded"] is False


# ---------------------------------------------------------------------------------- responses


def test_response_translation() -> None:
    status, headers, body = to_http_response(
        {
            "statusCode": 201,
            "headers": {"Content-Type": "application/json", "X-A": "1"},
            "multiValueHeaders": {"X-M": ["a", "b"]},
            "cookies": ["s=1; HttpOnly"],
            "body": '{"ok": true}',
        }
    )
    assert status == 201 and body == b'{"ok": true}'
    assert ("X-M", "a") in headers and ("X-M", "b") in headers
    assert ("set-cookie", "s=1; HttpOnly") in headers
    assert to_http_response({"statusCode": 200, "body": "aGk=", "isBase64Encoded": True})[2] == b"hi"
    # Without statusCode API Gateway infers a 200 JSON response whose body is the result.
    assert to_http_response({"message": "hi"}) == (
        200,
        [("content-type", "application/json")],
        b'{"message": "hi"}',
    )
    assert to_http_response("hello")[2] == b"hello"
    with pytest.raises(BadFunctionResponse):
        to_http_response({"statusCode": 200, "body": {"not": "a string"}})


# ---------------------------------------------------------------------------------- JWT authorizer


@pytest.fixture(scope="module")
def keys() -> dict[str, Any]:
    good = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(good.public_key()))
    return {"good": good, "other": other, "jwks": {"keys": [{**jwk, "kid": "k1", "alg": "RS256"}]}}


def token(key: Any, kid: str = "k1", **claims: Any) -> str:
    now = int(time.time())
    payload = {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": "u-1",
        "token_use": "id",
        "iat": now,
        "exp": now + 600,
        "cognito:groups": ["agent"],
        "custom:kecamatan": "73.12.04",
    }
    payload.update(claims)
    payload = {k: v for k, v in payload.items() if v is not None}
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid})


@pytest.fixture
def gateway(keys: dict[str, Any]) -> tuple[Gateway, RecordingFunction, RecordingFunction]:
    protected = RecordingFunction("protected", result={"statusCode": 200, "body": '{"ok": true}'})
    public = RecordingFunction("public", result={"statusCode": 200, "body": '{"status": "ok"}'})
    broken = RecordingFunction("broken", error=RuntimeError("boom"))
    verifier = JwtVerifier(ISSUER, (CLIENT_ID,), fetch_jwks=lambda: keys["jwks"])
    app = Gateway(
        [
            bound("GET", "/farmers/{farmer_id}", protected, auth="Jwt"),
            bound("GET", "/health", public),
            bound("GET", "/broken", broken),
        ],
        {"Jwt": verifier},
        cors=CorsSpec(allow_origins=("*",), allow_methods=("GET", "POST"), allow_headers=("authorization",)),
    )
    return app, protected, public


def test_valid_token_reaches_the_function_with_string_claims(
    gateway: tuple[Gateway, RecordingFunction, RecordingFunction], keys: dict[str, Any]
) -> None:
    app, protected, _ = gateway
    response = Client(app).get(
        "/farmers/01ABC?x=1", headers={"Authorization": f"Bearer {token(keys['good'])}"}
    )
    assert response.status_code == 200 and response.get_json() == {"ok": True}
    (received,) = protected.events
    claims = received["requestContext"]["authorizer"]["jwt"]["claims"]
    assert claims["cognito:groups"] == "[agent]" and claims["custom:kecamatan"] == "73.12.04"
    assert isinstance(claims["exp"], str)
    assert received["pathParameters"] == {"farmer_id": "01ABC"}
    assert received["routeKey"] == "GET /farmers/{farmer_id}"


def test_access_token_with_client_id_is_accepted(
    gateway: tuple[Gateway, RecordingFunction, RecordingFunction], keys: dict[str, Any]
) -> None:
    app, protected, _ = gateway
    access = token(keys["good"], aud=None, client_id=CLIENT_ID, token_use="access")
    assert Client(app).get("/farmers/1", headers={"Authorization": access}).status_code == 200
    assert len(protected.events) == 1


@pytest.mark.parametrize(
    "make_header",
    [
        pytest.param(lambda k: None, id="missing"),
        pytest.param(lambda k: "Bearer", id="empty"),
        pytest.param(lambda k: "Bearer abc.def.ghi", id="garbage"),
        pytest.param(lambda k: f"Bearer {token(k['good'], exp=int(time.time()) - 5)}", id="expired"),
        pytest.param(lambda k: f"Bearer {token(k['other'])}", id="other-key"),
        pytest.param(lambda k: f"Bearer {token(k['good'], kid='unknown')}", id="unknown-kid"),
        pytest.param(lambda k: f"Bearer {token(k['good'], aud='someone-else')}", id="other-audience"),
        pytest.param(lambda k: f"Bearer {token(k['good'], aud=None)}", id="no-audience"),
        pytest.param(lambda k: f"Bearer {token(k['good'], iss=ISSUER + 'x')}", id="other-issuer"),
        pytest.param(lambda k: f"Bearer {token(k['good'], nbf=int(time.time()) + 300)}", id="not-yet-valid"),
        pytest.param(
            lambda k: "Bearer " + jwt.encode({"iss": ISSUER, "aud": CLIENT_ID, "exp": 2**31}, "k" * 32),
            id="hs256",
        ),
    ],
)
def test_bad_tokens_are_refused_before_the_function(
    gateway: tuple[Gateway, RecordingFunction, RecordingFunction], keys: dict[str, Any], make_header: Any
) -> None:
    app, protected, _ = gateway
    header = make_header(keys)
    response = Client(app).get("/farmers/1", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.get_json() == {"message": "Unauthorized"}
    assert protected.events == []


def test_missing_scope_is_forbidden(keys: dict[str, Any]) -> None:
    fn = RecordingFunction()
    verifier = JwtVerifier(ISSUER, (CLIENT_ID,), fetch_jwks=lambda: keys["jwks"])
    app = Gateway([BoundRoute(Route("GET", "/x", "Jwt", scopes=("admin/write",)), fn)], {"Jwt": verifier})
    response = Client(app).get("/x", headers={"Authorization": token(keys["good"], scope="openid")})
    assert response.status_code == 403 and response.get_json() == {"message": "Forbidden"}
    assert fn.events == []
    assert (
        Client(app).get("/x", headers={"Authorization": token(keys["good"], scope="admin/write")}).status_code
        == 200
    )


def test_jwks_is_fetched_once_and_cached(keys: dict[str, Any]) -> None:
    calls = []

    def fetch() -> dict[str, Any]:
        calls.append(1)
        jwks: dict[str, Any] = keys["jwks"]
        return jwks

    verifier = JwtVerifier(ISSUER, (CLIENT_ID,), fetch_jwks=fetch)
    for _ in range(3):
        verifier.verify(f"Bearer {token(keys['good'])}")
    assert len(calls) == 1


def test_cognito_issuer_maps_to_moto_jwks() -> None:
    assert (
        cognito_jwks_url(ISSUER, "http://127.0.0.1:4566")
        == "http://127.0.0.1:4566/ap-southeast-3_test/.well-known/jwks.json"
    )
    with pytest.raises(ValueError, match="not a Cognito"):
        cognito_jwks_url("https://example.com/issuer", "http://127.0.0.1:4566")


# ---------------------------------------------------------------------------------- gateway answers


def test_unknown_route_is_a_problem_404(
    gateway: tuple[Gateway, RecordingFunction, RecordingFunction],
) -> None:
    app, _, _ = gateway
    response = Client(app).post("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.get_json()["code"] == "NOT_FOUND"


def test_function_exception_is_a_500_with_the_traceback_in_the_log(
    gateway: tuple[Gateway, RecordingFunction, RecordingFunction], caplog: pytest.LogCaptureFixture
) -> None:
    app, _, _ = gateway
    with caplog.at_level(logging.ERROR, logger="local.gateway"):
        response = Client(app).get("/broken")
    assert response.status_code == 500
    assert response.get_json() == {"message": "Internal Server Error"}
    assert "RuntimeError: boom" in caplog.text and "Traceback" in caplog.text


def test_cors_preflight_and_response_headers(
    gateway: tuple[Gateway, RecordingFunction, RecordingFunction],
) -> None:
    app, protected, _ = gateway
    client = Client(app)
    preflight = client.options(
        "/farmers/1", headers={"Origin": "http://app.local", "Access-Control-Request-Method": "GET"}
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert preflight.headers["access-control-allow-methods"] == "GET,POST"
    assert protected.events == []  # no authorizer, no function for a preflight
    assert (
        client.get("/health", headers={"Origin": "http://app.local"}).headers["access-control-allow-origin"]
        == "*"
    )


def test_access_log_has_no_body_query_or_token(
    gateway: tuple[Gateway, RecordingFunction, RecordingFunction],
    keys: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    app, _, _ = gateway
    bearer = token(keys["good"])
    with caplog.at_level(logging.DEBUG, logger="local"):
        Client(app).get(
            "/farmers/01ABC?q=7312044508800003",
            headers={"Authorization": f"Bearer {bearer}"},
            data=b'{"phone": "081234567890"}',
        )
        Client(app).get("/farmers/01ABC?q=7312044508800003", headers={"Authorization": "Bearer bad"})
    assert '"routeKey": "GET /farmers/{farmer_id}"' in caplog.text
    for secret in ("7312044508800003", "081234567890", bearer, "01ABC"):
        assert secret not in caplog.text


# ---------------------------------------------------------------------------------- local functions


def write_function(directory: Path, body: str) -> FunctionSpec:
    directory.mkdir(parents=True)
    (directory / "app.py").write_text(body, encoding="utf-8")
    (directory / "helper.py").write_text("VALUE = 'sibling'\n", encoding="utf-8")
    return FunctionSpec(
        logical_id=directory.name,
        function_name=f"sutasoma-local-{directory.name}",
        code_uri=directory,
        handler="app.lambda_handler",
        timeout_s=7,
        memory_mb=256,
        environment={"OWN_VAR": directory.name},
        layer_dirs=(),
        log_group_name=f"/aws/lambda/{directory.name}",
        routes=(),
        other_events={},
    )


FUNCTION_SOURCE = """
import os
import helper
AT_IMPORT = os.environ.get("OWN_VAR")

def lambda_handler(event, context):
    return {
        "at_import": AT_IMPORT,
        "sibling": helper.VALUE,
        "name": context.function_name,
        "arn": context.invoked_function_arn,
        "memory": context.memory_limit_in_mb,
        "request_id": context.aws_request_id,
        "remaining": context.get_remaining_time_in_millis(),
    }
"""


def test_functions_load_by_path_with_their_own_environment(tmp_path: Path) -> None:
    first = LocalFunction(write_function(tmp_path / "First", FUNCTION_SOURCE))
    second = LocalFunction(write_function(tmp_path / "Second", FUNCTION_SOURCE))
    first.load()
    second.load()
    assert first.load_error is None and second.load_error is None
    assert first.module is not second.module  # both are app.py, kept apart
    assert "OWN_VAR" not in os.environ  # applied for the import only
    result = first.invoke({}, "req-9")
    assert result["at_import"] == "First" and second.invoke({}, "r")["at_import"] == "Second"
    assert result["sibling"] == "sibling"
    assert result["name"] == "sutasoma-local-First"
    assert result["arn"].endswith(":function:sutasoma-local-First")
    assert result["memory"] == 256 and result["request_id"] == "req-9"
    assert 6000 < result["remaining"] <= 7000


def test_a_missing_or_broken_function_answers_500(tmp_path: Path) -> None:
    broken = LocalFunction(write_function(tmp_path / "Broken", "raise ImportError('no such thing')\n"))
    broken.load()
    assert broken.load_error is not None and "no such thing" in broken.load_error
    app = Gateway([BoundRoute(Route("GET", "/x", None), broken)], {})
    response = Client(app).get("/x")
    assert response.status_code == 500 and response.get_json() == {"message": "Internal Server Error"}


class OverlapProbe:
    """A stand-in Lambda that notes how many invocations of any probe run at the same time."""

    running = 0
    most = 0
    lock = threading.Lock()

    def __init__(self, name: str) -> None:
        self.name = name

    def invoke(self, event: dict[str, Any], aws_request_id: str) -> Any:
        with OverlapProbe.lock:
            OverlapProbe.running += 1
            OverlapProbe.most = max(OverlapProbe.most, OverlapProbe.running)
        time.sleep(0.05)
        with OverlapProbe.lock:
            OverlapProbe.running -= 1
        return {"statusCode": 200, "body": "{}"}


def test_two_http_functions_never_run_at_once() -> None:
    """Powertools keeps the current event on a class shared by every HTTP function of the
    process: the gateway invokes one function at a time, or one would read the other's event."""
    app = Gateway([bound("POST", "/farmers", OverlapProbe("Register")), bound("POST", "/bpjs/callbacks", OverlapProbe("Callback"))], {})  # fmt: skip

    def call(path: str) -> int:
        return int(Client(app).post(path).status_code)

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(call, ["/farmers", "/bpjs/callbacks"] * 6))
    assert statuses == [200] * 12
    assert OverlapProbe.most == 1
