"""The payload format 2.0 event API Gateway hands a function, and the function's answer as HTTP."""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from local.functions import scan_safe
from local.gateway.auth import stringify_claims
from local.template.specs import ACCOUNT_ID


def new_apigw_request_id() -> str:
    """API Gateway HTTP API's request id looks like `JYzWJgbZoAMEb7w=`."""
    return scan_safe(lambda: base64.b64encode(secrets.token_bytes(11)).decode("ascii"))


# ---------------------------------------------------------------------------------- events


# Request bodies of these types reach the function as text; anything else is base64-encoded.
def is_text_content_type(content_type: str | None) -> bool:
    if not content_type:
        return False
    mime = content_type.split(";", 1)[0].strip().lower()
    return (
        mime.startswith("text/")
        or mime in ("application/json", "application/xml", "application/javascript")
        or mime.endswith(("+json", "+xml"))
    )


def request_time(now: datetime) -> str:
    """API Gateway's requestContext.time, e.g. 12/Mar/2020:19:03:58 +0000 (English month names)."""
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return f"{now.day:02d}/{months[now.month - 1]}/{now.year}:{now:%H:%M:%S} +0000"


def build_event(
    *,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    route_key: str,
    path_parameters: Mapping[str, str],
    claims: Mapping[str, Any] | None,
    source_ip: str,
    request_id: str,
    now: datetime,
    domain_name: str,
    api_id: str = "local",
    account_id: str = ACCOUNT_ID,
    protocol: str = "HTTP/1.1",
) -> dict[str, Any]:
    """An API Gateway HTTP API payload format 2.0 event.

    Header names are lower-cased and repeated headers comma-joined; repeated query parameters
    are comma-joined; cookies move from the Cookie header to `cookies`; every JWT claim value
    is a string (an array claim such as cognito:groups becomes "[agent coordinator]").
    """
    merged, cookies = _headers_and_cookies(headers)
    query = _query_parameters(raw_query)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = merged
    if query:
        event["queryStringParameters"] = query
    request_context: dict[str, Any] = {
        "accountId": account_id,
        "apiId": api_id,
        "domainName": domain_name,
        "domainPrefix": domain_name.split(".", 1)[0],
        "http": {
            "method": method,
            "path": raw_path,
            "protocol": protocol,
            "sourceIp": source_ip,
            "userAgent": merged.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": route_key,
        "stage": "$default",
        "time": request_time(now),
        "timeEpoch": int(now.timestamp() * 1000),
    }
    if claims is not None:
        request_context["authorizer"] = _jwt_authorizer(claims)
    event["requestContext"] = request_context
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    event.update(_body_fields(body, merged.get("content-type")))
    return event


def _headers_and_cookies(headers: Iterable[tuple[str, str]]) -> tuple[dict[str, str], list[str]]:
    """Lower-cased names, repeated headers comma-joined; the Cookie header's cookies apart."""
    merged: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        merged[key] = f"{merged[key]},{value}" if key in merged else value
    return merged, cookies


def _query_parameters(raw_query: str) -> dict[str, str]:
    query: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    return query


def _jwt_authorizer(claims: Mapping[str, Any]) -> dict[str, Any]:
    scope = claims.get("scope")
    return {"jwt": {"claims": stringify_claims(claims), "scopes": str(scope).split() if scope else None}}


def _body_fields(body: bytes, content_type: str | None) -> dict[str, Any]:
    """`body` and `isBase64Encoded`: text bodies as they are, anything else base64-encoded."""
    if not body:
        return {"isBase64Encoded": False}
    if is_text_content_type(content_type):
        try:
            return {"body": body.decode("utf-8"), "isBase64Encoded": False}
        except UnicodeDecodeError:
            pass
    return {"body": base64.b64encode(body).decode("ascii"), "isBase64Encoded": True}


class BadFunctionResponse(Exception):
    """The function returned something API Gateway cannot turn into HTTP (a 500)."""


def to_http_response(result: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    """Payload format 2.0 response -> (status, headers, body), with API Gateway's inference:
    a result without statusCode is a 200 application/json whose body is the result."""
    if not (isinstance(result, dict) and "statusCode" in result):
        if isinstance(result, str):
            body = result
        else:
            try:
                body = json.dumps(result)
            except (TypeError, ValueError) as exc:
                raise BadFunctionResponse(f"response is not JSON: {exc}") from exc
        return 200, [("content-type", "application/json")], body.encode()

    try:
        status = int(result["statusCode"])
    except (TypeError, ValueError) as exc:
        raise BadFunctionResponse(f"statusCode {result['statusCode']!r}") from exc
    headers: list[tuple[str, str]] = []
    for name, value in (result.get("headers") or {}).items():
        headers.append((str(name), str(value)))
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((str(name), str(v)) for v in values)
    for cookie in result.get("cookies") or []:
        headers.append(("set-cookie", str(cookie)))
    raw_body = result.get("body")
    if raw_body is None:
        body_bytes = b""
    elif not isinstance(raw_body, str):
        raise BadFunctionResponse(f"body is a {type(raw_body).__name__}, not a string")
    elif result.get("isBase64Encoded"):
        try:
            body_bytes = base64.b64decode(raw_body, validate=True)
        except binascii.Error as exc:
            raise BadFunctionResponse("isBase64Encoded but body is not base64") from exc
    else:
        body_bytes = raw_body.encode()
    if not any(name.lower() == "content-type" for name, _ in headers) and body_bytes:
        headers.append(("content-type", "application/json"))
    return status, headers, body_bytes
