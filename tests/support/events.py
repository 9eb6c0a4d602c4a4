"""API Gateway HTTP API (payload 2.0) events, as the JWT authorizer hands them to a function,
and the Lambda context a handler is called with in tests."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode


@dataclass
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int = 512
    timeout_s: int = 10
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = "/aws/lambda/test"
    log_stream_name: str = "test"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:ap-southeast-3:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return self.timeout_s * 1000


def claims_for(
    role: str, kecamatan: str | None = None, sub: str | None = None, username: str | None = None
) -> dict[str, str]:
    """Claims as the HttpApi JWT authorizer passes them: every value a string."""
    sub = sub or str(uuid.uuid4())
    claims = {
        "sub": sub,
        "cognito:groups": f"[{role}]",
        "cognito:username": username or f"{role}.{(kecamatan or 'kabupaten').replace('.', '')}",
        "token_use": "id",
        "iss": "https://cognito-idp.ap-southeast-3.amazonaws.com/ap-southeast-3_local",
        "exp": str(int(time.time()) + 3600),
    }
    if kecamatan:
        claims["custom:kecamatan"] = kecamatan
    return claims


def http_event(
    method: str,
    route: str,
    *,
    path_params: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    body: Any = None,
    raw_body: str | None = None,
    claims: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    path = route
    for name, value in (path_params or {}).items():
        path = path.replace("{" + name + "}", value)
    all_headers = {"content-type": "application/json", "user-agent": "pytest"}
    all_headers.update({k.lower(): v for k, v in (headers or {}).items()})
    text = raw_body if raw_body is not None else (json.dumps(body) if body is not None else None)
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"{method} {route}",
        "rawPath": path,
        "rawQueryString": urlencode(query or {}),
        "headers": all_headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "127.0.0.1",
            "domainPrefix": "local",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "pytest",
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": f"{method} {route}",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = dict(query)
    if path_params:
        event["pathParameters"] = dict(path_params)
    if text is not None:
        event["body"] = text
    if claims is not None:
        event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    return event
